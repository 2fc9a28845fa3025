-- Baskets for productRecommendations(intent: COMPLEMENTARY): the PURCHASEs that share an order_id.
-- Partial indexes over purchases with an order only, so views and clicks (most of the log) cost
-- nothing extra on ingest. Prisma cannot express partial indexes (listed in test/schema-drift.test.ts).
-- "Which baskets hold product X" and "in how many baskets is Y":
CREATE INDEX "interaction_purchase_product_idx" ON "interaction" ("product_id", "order_id")
    WHERE "type" = 'PURCHASE' AND "order_id" IS NOT NULL;
-- "What else is in these baskets":
CREATE INDEX "interaction_basket_idx" ON "interaction" ("order_id", "product_id")
    WHERE "type" = 'PURCHASE' AND "order_id" IS NOT NULL;
