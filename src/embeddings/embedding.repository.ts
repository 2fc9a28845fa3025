// Vector SQL for image and CLIP embeddings: storage, nearest neighbours by cosine, and the
// per-model HNSW indexes. Every query compares vectors of one model only.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { PRODUCT_COLUMNS, type ProductSqlRow, rowToRecord } from '../products/product.sql.js';
import { type ResolvedProductFilter, type ProductRecord } from '../products/product.model.js';
import { filterToSql } from '../products/product-filter.sql.js';
import { type ImageSpace, type ProductEmbedding, type SpaceModel } from './embedding.model.js';
import { embeddingIndexName, vectorLiteral, vectorType } from './vector-sql.js';

type Sql = Pick<PrismaClient, '$executeRaw' | '$queryRaw'>;

export interface ScoredRecordRow {
  readonly record: ProductRecord;
  readonly distance: number;
}

/** HNSW returns at most ef_search rows; keep it at least k (and at pgvector's default otherwise). */
export const efSearchFor = (k: number): string => String(Math.max(40, k));

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

export class EmbeddingRepository {
  constructor(private readonly prisma: PrismaClient) {}

  /** Creates the model's partial HNSW index (cosine) unless it exists. Slow on big catalogues. */
  async ensureIndex(model: SpaceModel): Promise<void> {
    const name = Prisma.raw(`"${embeddingIndexName(model.modelId)}"`);
    const type = vectorType(model.dimension);
    const ops = Prisma.raw(model.dimension > 2000 ? 'halfvec_cosine_ops' : 'vector_cosine_ops');
    // Model ids are data; they go into the index predicate as a quoted literal.
    const modelLiteral = Prisma.raw(`'${model.modelId.replace(/'/g, "''")}'`);
    await this.prisma.$executeRaw`
      CREATE INDEX IF NOT EXISTS ${name} ON product_embedding
       USING hnsw ((embedding::${type}) ${ops}) WHERE model_id = ${modelLiteral}`;
  }

  async hasEmbedding(productId: string, modelId: string): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<Array<{ present: boolean }>>`
      SELECT EXISTS (SELECT 1 FROM product_embedding WHERE product_id = ${productId}::uuid AND model_id = ${modelId}) AS present`;
    return rows[0]?.present ?? false;
  }

  /** The k products whose embeddings by `model` are nearest (cosine) to the product's own. */
  async nearestToProduct(model: SpaceModel, productId: string, k: number): Promise<ScoredRecordRow[]> {
    const type = vectorType(model.dimension);
    return this.nearest(
      k,
      Prisma.sql`(SELECT embedding::${type} FROM product_embedding WHERE product_id = ${productId}::uuid AND model_id = ${model.modelId})`,
      model,
      Prisma.sql`AND e.product_id <> ${productId}::uuid`,
    );
  }

  /** The k products whose embeddings by `model` are nearest (cosine) to `vector`. */
  async nearestToVector(
    model: SpaceModel,
    vector: ArrayLike<number>,
    k: number,
    filter?: ResolvedProductFilter | null,
  ): Promise<ScoredRecordRow[]> {
    const type = vectorType(model.dimension);
    return this.nearest(k, Prisma.sql`${vectorLiteral(vector)}::${type}`, model, filterToSql(filter));
  }

  private async nearest(
    k: number,
    query: Prisma.Sql,
    model: SpaceModel,
    where: Prisma.Sql,
  ): Promise<ScoredRecordRow[]> {
    const type = vectorType(model.dimension);
    const [, rows] = await this.prisma.$transaction([
      this.prisma.$queryRaw`SELECT set_config('hnsw.ef_search', ${efSearchFor(k)}, true)`,
      this.prisma.$queryRaw<Array<ProductSqlRow & { distance: number }>>`
        SELECT ${PRODUCT_COLUMNS}, e.embedding::${type} <=> ${query} AS distance
          FROM product_embedding e JOIN product p ON p.id = e.product_id
         WHERE e.model_id = ${model.modelId} ${where}
         ORDER BY e.embedding::${type} <=> ${query}
         LIMIT ${k}`,
    ]);
    return rows.map((row) => ({ record: rowToRecord(row), distance: Number(row.distance) }));
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
