// A shopper's profile, computed in SQL at query time from their latest events and the stored item
// vectors: the products they have seen, and their taste as a vector in the BEHAVIOR space (and in
// the attribute space, for products without behaviour yet). Events count by type weight and by
// recency relative to the shopper's own latest event, so old logs do not decay to nothing.
import { type PrismaClient } from '../generated/prisma/client.js';

export interface ProfileQuery {
  readonly userToken: string;
  readonly weights: Readonly<Record<string, number>>;
  /** An event this much older than the shopper's latest counts half. */
  readonly halfLifeDays: number;
  /** The serving BEHAVIOR version's model id, or null. */
  readonly behaviorModelId: string | null;
  /** Events read for the taste vectors (the newest). */
  readonly historyLimit: number;
  /** Seen products returned (the most recent). */
  readonly seenLimit: number;
}

export interface ShopperProfile {
  /** Products the shopper interacted with, most recent first. */
  readonly seen: readonly string[];
  /** Σ weight · decay · unit item vector over the history, or null when no item has a vector. */
  readonly behaviorVector: number[] | null;
  /** The same over attribute vectors. */
  readonly attributeVector: number[] | null;
}

export class ShopperProfileRepository {
  constructor(private readonly prisma: PrismaClient) {}

  async profile(query: ProfileQuery): Promise<ShopperProfile> {
    const types = Object.keys(query.weights);
    const values = Object.values(query.weights);
    const halfLifeSeconds = query.halfLifeDays * 86_400;
    const rows = await this.prisma.$queryRaw<
      Array<{ seen: string[] | null; behavior: number[] | null; attributes: number[] | null }>
    >`
      WITH w(type, weight) AS (SELECT * FROM unnest(${types}::text[], ${values}::float8[])),
      recent AS MATERIALIZED (
        SELECT i.product_id, i.type, i.occurred_at, max(i.occurred_at) OVER () AS latest
          FROM interaction i
         WHERE i.user_token = ${query.userToken}
         ORDER BY i.occurred_at DESC
         LIMIT ${query.historyLimit}
      ),
      history AS (
        SELECT r.product_id,
               sum(w.weight * power(2::float8, -extract(epoch FROM r.latest - r.occurred_at) / ${halfLifeSeconds}::float8))::real AS weight
          FROM recent r JOIN w ON w.type = r.type
         GROUP BY r.product_id
      ),
      -- The shopper's products, newest first, limited before the existence check: a per-row index
      -- probe whatever the table statistics say (stale right after a bulk load they would choose a
      -- pass over the catalogue).
      seen AS (
        SELECT s.product_id, s.last
          FROM (SELECT i.product_id, max(i.occurred_at) AS last
                  FROM interaction i
                 WHERE i.user_token = ${query.userToken}
                 GROUP BY i.product_id
                 ORDER BY last DESC
                 LIMIT ${query.seenLimit}) s
         WHERE EXISTS (SELECT 1 FROM product p WHERE p.id = s.product_id)
      )
      SELECT (SELECT array_agg(product_id::text ORDER BY last DESC) FROM seen) AS seen,
             (SELECT sum(l2_normalize(e.embedding) * array_fill(h.weight, ARRAY[vector_dims(e.embedding)])::vector)::real[]
                FROM history h JOIN product_embedding e ON e.product_id = h.product_id AND e.model_id = ${query.behaviorModelId}
               WHERE h.weight > 0) AS behavior,
             (SELECT sum(l2_normalize(p.attribute_vector) * array_fill(h.weight, ARRAY[vector_dims(p.attribute_vector)])::vector)::real[]
                FROM history h JOIN product p ON p.id = h.product_id
               WHERE h.weight > 0 AND vector_norm(p.attribute_vector) > 0) AS attributes`;
    const row = rows[0];
    const usable = (vector: number[] | null | undefined) =>
      vector && vector.some((value) => value !== 0) ? vector.map(Number) : null;
    return {
      seen: row?.seen ?? [],
      behaviorVector: usable(row?.behavior),
      attributeVector: usable(row?.attributes),
    };
  }
}
