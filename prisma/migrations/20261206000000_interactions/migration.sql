-- CreateTable
CREATE TABLE "interaction" (
    "id" BIGSERIAL NOT NULL,
    "event_id" TEXT,
    "user_token" TEXT NOT NULL,
    "product_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "order_id" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "interaction_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "interaction_event_id_key" ON "interaction"("event_id");

-- Events arrive roughly in time order, so a BRIN index answers "the last N days" (trendingProducts)
-- at a few pages of size and almost no cost per insert, where a B-tree would be touched by every row.
-- CreateIndex
CREATE INDEX "interaction_occurred_at_idx" ON "interaction" USING BRIN ("occurred_at");

-- Beyond what Prisma can express (kept in sync by test/schema-drift.test.ts):
ALTER TABLE "interaction" ADD CONSTRAINT "interaction_type_check"
    CHECK ("type" IN ('VIEW', 'CLICK', 'ADD_TO_CART', 'PURCHASE'));
