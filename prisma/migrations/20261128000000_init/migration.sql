-- CreateExtension
CREATE EXTENSION IF NOT EXISTS "vector";

-- CreateTable
CREATE TABLE "attribute_axis" (
    "name" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "description" TEXT NOT NULL,
    "min_value" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "max_value" DOUBLE PRECISION NOT NULL DEFAULT 99,

    CONSTRAINT "attribute_axis_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "product" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "sku" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "category" TEXT NOT NULL,
    "price" DECIMAL(12,2) NOT NULL,
    "currency" CHAR(3) NOT NULL DEFAULT 'EUR',
    "image_url" TEXT,
    "attribute_scores" DOUBLE PRECISION[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "product_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "attribute_axis_position_key" ON "attribute_axis"("position");

-- CreateIndex
CREATE UNIQUE INDEX "product_sku_key" ON "product"("sku");

-- CreateIndex
CREATE INDEX "product_category_idx" ON "product"("category");

-- CreateIndex
CREATE INDEX "product_price_idx" ON "product"("price");

-- Beyond what Prisma can express (kept in sync by test/schema-drift.test.ts):
-- the attribute vector is the scores in axis order, derived by the database so the two never
-- disagree (the cast also refuses a score list of the wrong length).
ALTER TABLE "product" ALTER COLUMN "attribute_scores" SET NOT NULL;
ALTER TABLE "product" ADD COLUMN "attribute_vector" vector(3)
    GENERATED ALWAYS AS ("attribute_scores"::real[]::vector(3)) STORED;
ALTER TABLE "product" ADD CONSTRAINT "product_price_check" CHECK ("price" >= 0);

-- Cosine nearest neighbours on attribute vectors (similarProducts, space ATTRIBUTES).
CREATE INDEX "product_attribute_vector_idx" ON "product" USING hnsw ("attribute_vector" vector_cosine_ops);
-- rankProducts(by: NORM) orders by the vector's length.
CREATE INDEX "product_attribute_norm_idx" ON "product" (vector_norm("attribute_vector"));

-- The demo axes, in vector order: the design's worked example.
INSERT INTO "attribute_axis" ("name", "position", "description", "min_value", "max_value") VALUES
    ('value_for_money', 0, 'How much product the price buys, 0 (poor) to 99 (excellent)', 0, 99),
    ('customer_satisfaction', 1, 'How satisfied buyers say they are, 0 to 99', 0, 99),
    ('environmental_friendliness', 2, 'How gentle making, using and disposing of it is on the environment, 0 to 99', 0, 99);
