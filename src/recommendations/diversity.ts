// Maximal marginal relevance: re-ranks scored candidates so the k picked balance relevance against
// similarity to what is already picked. Pairwise similarities are computed in SQL by the caller.

export interface Relevant {
  readonly id: string;
  readonly score: number;
}

/**
 * Repeatedly picks the candidate maximising (1 − diversity)·score − diversity·(its highest
 * similarity to those already picked). `similarity(a, b)` is symmetric.
 */
export function maximalMarginalRelevance<T extends Relevant>(
  candidates: readonly T[],
  k: number,
  diversity: number,
  similarity: (a: string, b: string) => number,
): T[] {
  const selected: T[] = [];
  const remaining = [...candidates];
  while (selected.length < k && remaining.length > 0) {
    let bestIndex = 0;
    let bestValue = -Infinity;
    remaining.forEach((candidate, index) => {
      const redundancy =
        selected.length === 0 ? 0 : Math.max(...selected.map((s) => similarity(s.id, candidate.id)));
      const value = (1 - diversity) * candidate.score - diversity * redundancy;
      if (value > bestValue) {
        bestValue = value;
        bestIndex = index;
      }
    });
    selected.push(remaining.splice(bestIndex, 1)[0]!);
  }
  return selected;
}
