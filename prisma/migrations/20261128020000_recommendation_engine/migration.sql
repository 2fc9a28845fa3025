-- AlterTable
ALTER TABLE "product" ADD COLUMN     "in_stock" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "latitude" DOUBLE PRECISION,
ADD COLUMN     "longitude" DOUBLE PRECISION,
ADD COLUMN     "tags" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- AlterTable
ALTER TABLE "embedding_space" ADD COLUMN     "reembedding_error" TEXT,
ADD COLUMN     "reembedding_started_at" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "product_tags_idx" ON "product" USING GIN ("tags");

-- Beyond what Prisma can express (kept in sync by test/schema-drift.test.ts):
ALTER TABLE "product" ALTER COLUMN "tags" SET NOT NULL;
ALTER TABLE "product" ADD CONSTRAINT "product_location_check" CHECK (
    ("latitude" IS NULL) = ("longitude" IS NULL)
    AND ("latitude" IS NULL OR ("latitude" BETWEEN -90 AND 90 AND "longitude" BETWEEN -180 AND 180)));

-- Attribute vectors are tiny (one component per axis), so every metric pgvector can index gets
-- its own HNSW index; cosine's exists since the first migration.
CREATE INDEX "product_attribute_vector_l2_idx" ON "product" USING hnsw ("attribute_vector" vector_l2_ops);
CREATE INDEX "product_attribute_vector_ip_idx" ON "product" USING hnsw ("attribute_vector" vector_ip_ops);
CREATE INDEX "product_attribute_vector_l1_idx" ON "product" USING hnsw ("attribute_vector" vector_l1_ops);
