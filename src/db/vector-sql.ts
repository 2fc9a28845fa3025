// SQL fragments shared by the repositories that read and write embedding vectors.
import { Prisma } from '../generated/prisma/client.js';

/** pgvector indexes `vector` up to 2000 dimensions; larger ones are indexed (and compared) as halfvec. */
export const MAX_INDEXED_VECTOR_DIMENSIONS = 2000;

/**
 * The typed expression a model's vectors are compared through: `::vector(d)`, or `::halfvec(d)`
 * above 2000 dimensions. Queries must use exactly the expression the model's index was built on.
 */
export function vectorType(dimension: number): Prisma.Sql {
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > 16_000) {
    throw new Error(`invalid vector dimension ${dimension}`);
  }
  return Prisma.raw(
    dimension > MAX_INDEXED_VECTOR_DIMENSIONS ? `halfvec(${dimension})` : `vector(${dimension})`,
  );
}

/**
 * A model's stored vector as its index and queries compare it: `embedding::vector(d)`, or above
 * 2000 dimensions the generated inline copy `embedding_half::halfvec(d)` (the 20261206060000
 * migration: no TOAST read and no vector→halfvec conversion per comparison). `alias` is the
 * product_embedding row's alias, or null for an unqualified column (index definitions).
 */
export function storedVector(alias: string | null, dimension: number): Prisma.Sql {
  const column = dimension > MAX_INDEXED_VECTOR_DIMENSIONS ? 'embedding_half' : 'embedding';
  if (alias !== null && !/^[a-z_][a-z0-9_]*$/i.test(alias)) throw new Error(`unexpected alias ${alias}`);
  return Prisma.sql`${Prisma.raw(alias === null ? column : `${alias}.${column}`)}::${vectorType(dimension)}`;
}

/** pgvector's text form of a vector, sent as a parameter and cast in SQL. */
export function vectorLiteral(values: ArrayLike<number>): string {
  let text = '[';
  for (let index = 0; index < values.length; index++) {
    const value = values[index]!;
    if (!Number.isFinite(value)) throw new Error('vectors must be finite');
    text += (index === 0 ? '' : ',') + String(value);
  }
  return `${text}]`;
}

/** The name of a model's partial HNSW index (identifier-safe, within Postgres's 63 bytes). */
export function embeddingIndexName(modelId: string, suffix: string): string {
  const slug = modelId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30);
  let hash = 0;
  for (const char of modelId) hash = (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0;
  return `embedding_${slug}_${hash.toString(36)}_${suffix}_hnsw`;
}

/** Model ids come from the validated manifest (letters, digits, . _ -); inlined so partial indexes match. */
export function modelLiteral(modelId: string): Prisma.Sql {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(modelId)) throw new Error(`unexpected model id ${modelId}`);
  return Prisma.raw(`'${modelId}'`);
}
