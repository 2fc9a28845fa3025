// The offline protocol for behaviour models: each shopper's latest interaction is held out (with
// every other event on that item, so it is not also in training), the model is trained on the
// rest, and every held-out shopper gets a full ranking over the whole catalogue with their own
// training items excluded. Reports HR@k, NDCG@k and catalogue coverage, next to a popularity
// baseline on the same split. Pure functions over plain arrays: the eval script and tests share them.
import { type Interactions } from './implicit-als.js';

export interface LoggedInteraction {
  readonly user: string;
  readonly item: string;
  /** Weighted strength of the event (INTERACTION_WEIGHTS). */
  readonly strength: number;
  /** Milliseconds since the epoch; ties keep log order. */
  readonly at: number;
}

export interface Split {
  readonly userIds: readonly string[];
  readonly itemIds: readonly string[];
  /** The training pairs, strengths summed. */
  readonly train: Interactions;
  /** Per evaluated user (index), the held-out item (index). */
  readonly heldOut: ReadonlyMap<number, number>;
  /** Per evaluated user, their training events in log order (for history-based scoring). */
  readonly histories: ReadonlyMap<number, ReadonlyArray<{ item: number; strength: number; at: number }>>;
}

export function leaveLastOut(log: readonly LoggedInteraction[]): Split {
  const userIndex = new Map<string, number>();
  const itemIndex = new Map<string, number>();
  const latest = new Map<number, { item: number; at: number; order: number }>();
  const distinctItems = new Map<number, Set<number>>();
  log.forEach((event, order) => {
    const user = userIndex.get(event.user) ?? userIndex.set(event.user, userIndex.size).get(event.user)!;
    const item = itemIndex.get(event.item) ?? itemIndex.set(event.item, itemIndex.size).get(event.item)!;
    const last = latest.get(user);
    if (!last || event.at > last.at || (event.at === last.at && order > last.order)) {
      latest.set(user, { item, at: event.at, order });
    }
    (distinctItems.get(user) ?? distinctItems.set(user, new Set()).get(user)!).add(item);
  });
  const heldOut = new Map<number, number>();
  for (const [user, last] of latest) {
    if ((distinctItems.get(user)?.size ?? 0) >= 2) heldOut.set(user, last.item);
  }
  const pairs = new Map<number, number>();
  const histories = new Map<number, Array<{ item: number; strength: number; at: number }>>();
  const items = itemIndex.size;
  for (const event of log) {
    const user = userIndex.get(event.user)!;
    const item = itemIndex.get(event.item)!;
    if (heldOut.get(user) === item) continue;
    if (heldOut.has(user)) {
      (histories.get(user) ?? histories.set(user, []).get(user)!).push({
        item,
        strength: event.strength,
        at: event.at,
      });
    }
    const key = user * items + item;
    pairs.set(key, (pairs.get(key) ?? 0) + event.strength);
  }
  const train = {
    users: userIndex.size,
    items,
    userIndex: new Int32Array(pairs.size),
    itemIndex: new Int32Array(pairs.size),
    strength: new Float32Array(pairs.size),
  };
  let n = 0;
  for (const [key, strength] of pairs) {
    train.userIndex[n] = Math.floor(key / items);
    train.itemIndex[n] = key % items;
    train.strength[n] = strength;
    n++;
  }
  return { userIds: [...userIndex.keys()], itemIds: [...itemIndex.keys()], train, heldOut, histories };
}

export interface RankingQuality {
  /** Share of held-out items ranked in the top k. */
  readonly hitRate: number;
  /** Mean 1 / log2(rank + 2) of hits (rank from 0). */
  readonly ndcg: number;
  /** Share of the catalogue that appears in some top k. */
  readonly coverage: number;
  readonly users: number;
}

/**
 * Ranks the whole catalogue for every held-out user by `scores(user, out)` (fills one score per
 * item), skipping the user's training items, and measures where the held-out item lands.
 */
export function evaluateRanking(
  split: Split,
  scores: (user: number, out: Float32Array) => void,
  k = 10,
): RankingQuality {
  const { train, heldOut } = split;
  const seen = new Map<number, number[]>();
  for (let n = 0; n < train.userIndex.length; n++) {
    const user = train.userIndex[n]!;
    if (!heldOut.has(user)) continue;
    (seen.get(user) ?? seen.set(user, []).get(user)!).push(train.itemIndex[n]!);
  }
  const out = new Float32Array(train.items);
  const recommended = new Set<number>();
  let hits = 0;
  let gain = 0;
  for (const [user, target] of heldOut) {
    scores(user, out);
    for (const item of seen.get(user) ?? []) out[item] = -Infinity;
    const targetScore = out[target]!;
    // Rank = items scoring above the target (ties broken against the target, pessimistically).
    let rank = 0;
    for (let item = 0; item < out.length; item++) {
      if (item !== target && out[item]! >= targetScore) rank++;
    }
    if (rank < k) {
      hits++;
      gain += 1 / Math.log2(rank + 2);
    }
    for (const item of topK(out, k)) recommended.add(item);
  }
  const users = heldOut.size;
  return {
    hitRate: users === 0 ? 0 : hits / users,
    ndcg: users === 0 ? 0 : gain / users,
    coverage: train.items === 0 ? 0 : recommended.size / train.items,
    users,
  };
}

/** Indices of the k largest finite values, best first. */
export function topK(values: Float32Array, k: number): number[] {
  const best: number[] = [];
  for (let item = 0; item < values.length; item++) {
    const value = values[item]!;
    if (value === -Infinity) continue;
    if (best.length < k || value > values[best[best.length - 1]!]!) {
      let at = best.length;
      while (at > 0 && values[best[at - 1]!]! < value) at--;
      best.splice(at, 0, item);
      if (best.length > k) best.pop();
    }
  }
  return best;
}

/** The popularity baseline: every user gets the items with the most training shoppers. */
export function popularityScores(split: Split): (user: number, out: Float32Array) => void {
  const counts = new Float32Array(split.train.items);
  for (const item of split.train.itemIndex) counts[item]!++;
  return (_user, out) => out.set(counts);
}

/** Scores of a factor model: user row · item rows. */
export function factorScores(
  userFactors: Float32Array,
  itemFactors: Float32Array,
  d: number,
): (user: number, out: Float32Array) => void {
  return (user, out) => {
    const uo = user * d;
    for (let item = 0; item < out.length; item++) {
      const io = item * d;
      let dot = 0;
      for (let a = 0; a < d; a++) dot += userFactors[uo + a]! * itemFactors[io + a]!;
      out[item] = dot;
    }
  };
}

/**
 * Scores as recommendedForUser serves them: the shopper's taste Σ strength · 2^(−age / halfLife) ·
 * unit item vector over their history (age counted back from their latest event), compared by
 * cosine with every item vector.
 */
export function tasteScores(
  split: Split,
  itemFactors: Float32Array,
  d: number,
  halfLifeMs: number,
): (user: number, out: Float32Array) => void {
  const items = split.train.items;
  const unit = new Float32Array(itemFactors.length);
  for (let item = 0; item < items; item++) {
    let norm = 0;
    for (let a = 0; a < d; a++) norm += itemFactors[item * d + a]! ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let a = 0; a < d; a++) unit[item * d + a] = itemFactors[item * d + a]! * scale;
  }
  const taste = new Float64Array(d);
  return (user, out) => {
    taste.fill(0);
    const history = split.histories.get(user) ?? [];
    const latest = history.reduce((max, event) => Math.max(max, event.at), -Infinity);
    for (const event of history) {
      const weight = event.strength * Math.pow(2, -(latest - event.at) / halfLifeMs);
      for (let a = 0; a < d; a++) taste[a]! += weight * unit[event.item * d + a]!;
    }
    for (let item = 0; item < items; item++) {
      let dot = 0;
      for (let a = 0; a < d; a++) dot += taste[a]! * unit[item * d + a]!;
      // Items without a vector (never in training) score below every known item.
      out[item] = unit[item * d] === 0 && dot === 0 ? -1e9 : dot;
    }
  };
}
