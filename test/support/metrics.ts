// Independent implementations of every metric, for tests to compare the SQL against.
export const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
export const norm = (a: readonly number[]) => Math.sqrt(dot(a, a));
export const cosine = (a: readonly number[], b: readonly number[]) => dot(a, b) / (norm(a) * norm(b));
export const minkowski = (a: readonly number[], b: readonly number[], p: number) =>
  Math.pow(
    a.reduce((s, v, i) => s + Math.pow(Math.abs(v - b[i]!), p), 0),
    1 / p,
  );
export const chebyshev = (a: readonly number[], b: readonly number[]) =>
  Math.max(...a.map((v, i) => Math.abs(v - b[i]!)));
export const hamming = (a: readonly number[], b: readonly number[]) =>
  a.reduce((s, v, i) => s + (v > 0 !== b[i]! > 0 ? 1 : 0), 0);
export function jaccardDistance(a: readonly string[], b: readonly string[]): number {
  const A = new Set(a);
  const B = new Set(b);
  const inter = [...A].filter((x) => B.has(x)).length;
  return 1 - inter / new Set([...A, ...B]).size;
}
export function sorensenDistance(a: readonly string[], b: readonly string[]): number {
  const A = new Set(a);
  const B = new Set(b);
  const inter = [...A].filter((x) => B.has(x)).length;
  return 1 - (2 * inter) / (A.size + B.size);
}
export function haversineKm(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const h =
    Math.sin(rad(b[0] - a[0]) / 2) ** 2 +
    Math.cos(rad(a[0])) * Math.cos(rad(b[0])) * Math.sin(rad(b[1] - a[1]) / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}
