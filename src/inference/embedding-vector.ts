// Embeddings are compared by cosine similarity (pgvector's `<=>`), so every model's output is scaled
// to unit length once, here, and dot products downstream are cosines.

/**
 * `vector` scaled to unit L2 norm; an all-zero vector stays zero (it has no direction). Throws on
 * NaN or infinite values, which pgvector would refuse later with a less helpful message.
 */
export function l2Normalized(vector: Float32Array): Float32Array {
  let squares = 0;
  for (const value of vector) squares += value * value;
  const norm = Math.sqrt(squares);
  if (!Number.isFinite(norm)) throw new RangeError('The embedding contains NaN or infinite values');
  const normalized = new Float32Array(vector.length);
  if (norm === 0) return normalized;
  for (let i = 0; i < vector.length; i++) normalized[i] = (vector[i] ?? 0) / norm;
  return normalized;
}

/** The rows of a row-major [count, dimension] matrix, each L2-normalised into its own array. */
export function l2NormalizedRows(matrix: Float32Array, count: number, dimension: number): Float32Array[] {
  return Array.from({ length: count }, (_, row) =>
    l2Normalized(matrix.subarray(row * dimension, (row + 1) * dimension)),
  );
}
