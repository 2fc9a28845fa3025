-- trendingProducts reads a precomputed ranking instead of aggregating the whole window of the log on
-- every request: per window length, each product's time-decayed popularity as of `computed_at`,
-- covering the events up to `covered_id`. A query adds the events recorded since (id > covered_id)
-- live, so new events count at once; the snapshot is recomputed in the background when it is older
-- than TRENDING_REFRESH_SECONDS.
-- CreateTable
CREATE TABLE "trending_snapshot" (
    "window_days" INTEGER NOT NULL,
    "covered_id" BIGINT NOT NULL,
    "computed_at" TIMESTAMPTZ(3) NOT NULL,
    "weights" JSONB NOT NULL,

    CONSTRAINT "trending_snapshot_pkey" PRIMARY KEY ("window_days")
);

-- CreateTable
CREATE TABLE "trending_score" (
    "window_days" INTEGER NOT NULL,
    "product_id" UUID NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,

    CONSTRAINT "trending_score_pkey" PRIMARY KEY ("window_days","product_id")
);

-- CreateIndex
CREATE INDEX "trending_score_window_days_score_idx" ON "trending_score"("window_days", "score" DESC);

-- AddForeignKey
ALTER TABLE "trending_score" ADD CONSTRAINT "trending_score_window_days_fkey" FOREIGN KEY ("window_days") REFERENCES "trending_snapshot"("window_days") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trending_score" ADD CONSTRAINT "trending_score_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE CASCADE;
