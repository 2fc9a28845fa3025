-- Vectors stay in their row where they fit a page, instead of going to TOAST: reading a TOASTed
-- 512-d vector costs a TOAST index probe and a chunk read per candidate scored, and a 2048-d one
-- (8 KB, more than a page) costs four, plus a vector→halfvec conversion per comparison.
-- `embedding` (STORAGE MAIN): kept inline up to a page (512-d CLIP, 1280-d MobileNetV2), moved out
-- of line only when it cannot fit (2048-d ResNet-50 features).
-- `embedding_half`: vectors above pgvector's 2000-dimension index limit, as the halfvec they are
-- indexed and compared as (4 KB, inline); queries and indexes of such models use this column.

-- Indexes of such models were built on `embedding::halfvec(d)`: dropped first (the rewrite below
-- would otherwise rebuild them for nothing); the service builds them again on `embedding_half` when
-- it starts (EmbeddingSpaceService.ensureIndexes), under the same names.
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT indexname FROM pg_indexes
            WHERE schemaname = current_schema() AND tablename = 'product_embedding'
              AND indexdef LIKE '%(embedding)::halfvec%'
  LOOP
    EXECUTE format('DROP INDEX %I', r.indexname);
  END LOOP;
END $$;

-- The rewrite rebuilds the remaining HNSW indexes (512-d CLIP, BEHAVIOR): with the default 64 MB
-- a graph over 100k+ vectors does not fit in memory and the build takes many times longer.
SET LOCAL maintenance_work_mem = '1GB';

-- One ALTER TABLE: the column is added and both storage modes are set before the table is
-- rewritten once, so existing rows are laid out the new way.
ALTER TABLE "product_embedding"
  ALTER COLUMN "embedding" SET STORAGE MAIN,
  ADD COLUMN "embedding_half" halfvec
    GENERATED ALWAYS AS (CASE WHEN vector_dims("embedding") > 2000 THEN "embedding"::halfvec END) STORED,
  ALTER COLUMN "embedding_half" SET STORAGE MAIN;
