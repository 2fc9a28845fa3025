-- CreateTable
CREATE TABLE "product_image" (
    "product_id" UUID NOT NULL,
    "bytes" BYTEA NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "source_url" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "product_image_pkey" PRIMARY KEY ("product_id")
);

-- CreateTable
CREATE TABLE "product_embedding" (
    "product_id" UUID NOT NULL,
    "space" TEXT NOT NULL,
    "model_id" TEXT NOT NULL,
    "embedding" vector NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "product_embedding_pkey" PRIMARY KEY ("product_id","model_id")
);

-- CreateTable
CREATE TABLE "embedding_space" (
    "space" TEXT NOT NULL,
    "active_model_id" TEXT,
    "target_model_id" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "embedding_space_pkey" PRIMARY KEY ("space")
);

-- CreateIndex
CREATE INDEX "product_embedding_model_id_idx" ON "product_embedding"("model_id");

-- AddForeignKey
ALTER TABLE "product_image" ADD CONSTRAINT "product_image_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "product_embedding" ADD CONSTRAINT "product_embedding_product_id_fkey" FOREIGN KEY ("product_id") REFERENCES "product"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Beyond what Prisma can express (kept in sync by test/schema-drift.test.ts):
ALTER TABLE "product_embedding" ADD CONSTRAINT "product_embedding_space_check" CHECK ("space" IN ('IMAGE', 'CLIP'));
ALTER TABLE "embedding_space" ADD CONSTRAINT "embedding_space_space_check" CHECK ("space" IN ('IMAGE', 'CLIP'));
