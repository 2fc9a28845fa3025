-- Products added since the serving BEHAVIOR version was trained have no behaviour vector yet;
-- recommendedForUser finds them by creation time instead of scanning the catalogue.
-- CreateIndex
CREATE INDEX "product_created_at_idx" ON "product"("created_at");
