// ProductFilter as SQL conditions on the product alias `p`, for raw vector queries. (Prisma
// queries use `filterToWhere` in product.repository.ts; both implement the same filter.)
import { Prisma } from '../generated/prisma/client.js';
import { type ProductFilter } from './product.model.js';

/** `AND …` conditions for every filter field that is set, or an empty fragment. */
export function filterToSql(filter: ProductFilter | null | undefined): Prisma.Sql {
  if (!filter) return Prisma.empty;
  const conditions: Prisma.Sql[] = [];
  if (filter.category != null) conditions.push(Prisma.sql`p.category = ${filter.category}`);
  if (filter.categories && filter.categories.length > 0) {
    conditions.push(Prisma.sql`p.category = ANY(${[...filter.categories]}::text[])`);
  }
  if (filter.minPrice != null) conditions.push(Prisma.sql`p.price >= ${filter.minPrice}`);
  if (filter.maxPrice != null) conditions.push(Prisma.sql`p.price <= ${filter.maxPrice}`);
  if (filter.nameContains) {
    conditions.push(
      Prisma.sql`p.name ILIKE ${`%${filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`,
    );
  }
  return conditions.length === 0 ? Prisma.empty : Prisma.sql`AND ${Prisma.join(conditions, ' AND ')}`;
}
