// SQL fragments over the interaction log shared by the behaviour queries.
import { Prisma } from '../generated/prisma/client.js';
import { InteractionType, type InteractionWeights } from './interaction.domain.js';

/** `(VALUES ('VIEW', w), …) AS alias(type, weight)`: the configured weight of each interaction type. */
export function weightsTable(weights: InteractionWeights, alias: string): Prisma.Sql {
  const rows = Object.values(InteractionType).map(
    (type) => Prisma.sql`(${type}::text, ${weights[type]}::float8)`,
  );
  return Prisma.sql`(VALUES ${Prisma.join(rows, ', ')}) AS ${Prisma.raw(alias)}(type, weight)`;
}

/** The largest configured weight: what one shopper's interest in one product is capped at. */
export function maxWeight(weights: InteractionWeights): number {
  return Math.max(...Object.values(weights));
}
