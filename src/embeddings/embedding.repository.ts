// Storage of image and CLIP embeddings and their per-model HNSW indexes. (Similarity queries are
// built by the recommendation engine; every one compares vectors of one model only.)
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { type ProductEmbedding } from './embedding.domain.js';
import { type ImageSpace, type SpaceModel } from '../inference/ports.js';
import {
  embeddingIndexName,
  MAX_INDEXED_VECTOR_DIMENSIONS,
  modelLiteral,
  storedVector,
  vectorLiteral,
} from '../db/vector-sql.js';

type Sql = Pick<PrismaClient, '$executeRaw' | '$queryRaw'>;

/** Inserts (or replaces) embeddings of products; used inside the caller's transaction. */
export async function upsertEmbeddings(
  sql: Sql,
  rows: ReadonlyArray<{ productId: string } & ProductEmbedding>,
): Promise<void> {
  if (rows.length === 0) return;
  await sql.$executeRaw`
    INSERT INTO product_embedding (product_id, space, model_id, embedding)
    SELECT t.product_id, t.space, t.model_id, t.embedding::vector
      FROM unnest(${rows.map((row) => row.productId)}::uuid[], ${rows.map((row) => row.space)}::text[],
                  ${rows.map((row) => row.modelId)}::text[], ${rows.map((row) => vectorLiteral(row.vector))}::text[])
           AS t(product_id, space, model_id, embedding)
    ON CONFLICT (product_id, model_id) DO UPDATE SET embedding = EXCLUDED.embedding, created_at = now()`;
}

/** pgvector's HNSW build parameters for the image and CLIP indexes. */
export interface HnswBuildSettings {
  /** Links per node. */
  readonly m: number;
  /** Candidates kept while linking a node; at least 2 × m. */
  readonly efConstruction: number;
}

/**
 * pgvector's default m with twice its default ef_construction (64): on clustered embeddings 64 left
 * whole clusters badly linked where 128 did not (BENCHMARKS.md, HNSW build parameters).
 */
export const DEFAULT_HNSW_BUILD: HnswBuildSettings = { m: 16, efConstruction: 128 };

/** How long an index build's transaction may stay open (a 1M-product build takes tens of minutes). */
const INDEX_BUILD_TIMEOUT_MS = 6 * 3600_000;

export interface EmbeddingIndexOptions {
  /**
   * Whether halfvec models (above 2000 dimensions) get a cosine index. Not when their candidates
   * come from the binary-quantised index (VECTOR_SEARCH_BINARY_CANDIDATES): nothing would read it,
   * and on the embedded database building it took 918 s for 10k 2048-d vectors (BENCHMARKS.md).
   */
  readonly halfvecCosineIndex: boolean;
}

export class EmbeddingRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly build: HnswBuildSettings = DEFAULT_HNSW_BUILD,
    private readonly indexes: EmbeddingIndexOptions = { halfvecCosineIndex: true },
  ) {}

  /**
   * Creates the model's partial HNSW indexes unless they exist: cosine (the default metric) on the
   * vectors (halfvec models: see EmbeddingIndexOptions), and Hamming on their binary quantisation.
   * Slow on big catalogues. An index that exists keeps the parameters it was built with.
   */
  async ensureIndex(model: SpaceModel): Promise<void> {
    const vector = storedVector(null, model.dimension);
    const half = model.dimension > MAX_INDEXED_VECTOR_DIMENSIONS;
    const ops = Prisma.raw(half ? 'halfvec_cosine_ops' : 'vector_cosine_ops');
    const bits = Prisma.raw(`bit(${model.dimension})`);
    const where = Prisma.sql`WHERE model_id = ${modelLiteral(model.modelId)}`;
    const name = (suffix: string) => Prisma.raw(`"${embeddingIndexName(model.modelId, suffix)}"`);
    const build = Prisma.raw(
      `WITH (m = ${Math.trunc(this.build.m)}, ef_construction = ${Math.trunc(this.build.efConstruction)})`,
    );
    // An HNSW build over a big catalogue takes minutes: DB_STATEMENT_TIMEOUT_MS is for queries,
    // and Prisma's 5 s transaction timeout would expire the build's transaction before its commit.
    await this.prisma.$transaction(
      [
        this.prisma.$executeRaw`SET LOCAL statement_timeout = 0`,
        ...(half && !this.indexes.halfvecCosineIndex
          ? []
          : [
              this.prisma.$executeRaw`
        CREATE INDEX IF NOT EXISTS ${name('cos')} ON product_embedding
         USING hnsw ((${vector}) ${ops}) ${build} ${where}`,
            ]),
        this.prisma.$executeRaw`
        CREATE INDEX IF NOT EXISTS ${name('ham')} ON product_embedding
         USING hnsw ((binary_quantize(${vector})::${bits}) bit_hamming_ops) ${build} ${where}`,
      ],
      { timeout: INDEX_BUILD_TIMEOUT_MS },
    );
  }

  /** Refreshes the planner's statistics of the vectors (after a new model's vectors were written). */
  async analyze(): Promise<void> {
    await this.prisma.$executeRaw`ANALYZE product_embedding`;
  }

  /** Drops a model's vectors and indexes (after a re-embedding replaced it). */
  async deleteModel(modelId: string): Promise<number> {
    for (const suffix of ['cos', 'ham']) {
      await this.prisma
        .$executeRaw`DROP INDEX IF EXISTS ${Prisma.raw(`"${embeddingIndexName(modelId, suffix)}"`)}`;
    }
    return this.prisma.$executeRaw`DELETE FROM product_embedding WHERE model_id = ${modelId}`;
  }

  /** Which spaces have an embedding by which model, per product. */
  async modelsByProduct(
    productIds: readonly string[],
  ): Promise<Map<string, Array<{ space: ImageSpace; modelId: string }>>> {
    const rows = await this.prisma.productEmbedding.findMany({
      where: { productId: { in: [...productIds] } },
      select: { productId: true, space: true, modelId: true },
    });
    const byProduct = new Map<string, Array<{ space: ImageSpace; modelId: string }>>();
    for (const row of rows) {
      const list = byProduct.get(row.productId) ?? [];
      list.push({ space: row.space as ImageSpace, modelId: row.modelId });
      byProduct.set(row.productId, list);
    }
    return byProduct;
  }

  /** Up to `limit` vectors of one model, oldest products first (for maps of the space). */
  async vectorsOf(modelId: string, limit: number): Promise<Array<{ productId: string; vector: number[] }>> {
    const rows = await this.prisma.$queryRaw<Array<{ product_id: string; vector: number[] }>>`
      SELECT e.product_id::text AS product_id, e.embedding::real[] AS vector
        FROM product_embedding e JOIN product p ON p.id = e.product_id
       WHERE e.model_id = ${modelId}
       ORDER BY p.created_at, p.id
       LIMIT ${limit}`;
    return rows.map((row) => ({ productId: row.product_id, vector: row.vector.map(Number) }));
  }

  async productsWithImage(productIds: readonly string[]): Promise<Set<string>> {
    const rows = await this.prisma.productImage.findMany({
      where: { productId: { in: [...productIds] } },
      select: { productId: true },
    });
    return new Set(rows.map((row) => row.productId));
  }

  /** Up to `limit` products that have an image but no embedding by `modelId`, oldest first. */
  async missingEmbeddings(
    modelId: string,
    limit: number,
  ): Promise<Array<{ productId: string; image: Buffer }>> {
    const rows = await this.prisma.$queryRaw<Array<{ product_id: string; bytes: Buffer }>>`
      SELECT i.product_id::text AS product_id, i.bytes
        FROM product_image i
       WHERE NOT EXISTS (SELECT 1 FROM product_embedding e WHERE e.product_id = i.product_id AND e.model_id = ${modelId})
       ORDER BY i.created_at, i.product_id
       LIMIT ${limit}`;
    return rows.map((row) => ({ productId: row.product_id, image: Buffer.from(row.bytes) }));
  }

  async countMissing(modelId: string): Promise<{ missing: number; withImage: number }> {
    const rows = await this.prisma.$queryRaw<Array<{ missing: number; with_image: number }>>`
      SELECT count(*) FILTER (WHERE e.product_id IS NULL)::int AS missing, count(*)::int AS with_image
        FROM product_image i
        LEFT JOIN product_embedding e ON e.product_id = i.product_id AND e.model_id = ${modelId}`;
    return { missing: rows[0]?.missing ?? 0, withImage: rows[0]?.with_image ?? 0 };
  }

  async saveEmbeddings(rows: ReadonlyArray<{ productId: string } & ProductEmbedding>): Promise<void> {
    await upsertEmbeddings(this.prisma, rows);
  }
}
