// ProductFilter as SQL conditions on the product alias `p`: the one implementation of the filter,
// used by the catalogue listing and by every vector query.
import { Prisma } from '../generated/prisma/client.js';
import { type GeoPoint, type ResolvedProductFilter } from './product.model.js';

/** Mean Earth radius (IUGG), in kilometres. */
export const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance in km between two points given as SQL expressions, by the haversine formula. */
export function haversineKm(latitude: Prisma.Sql, longitude: Prisma.Sql, point: GeoPoint): Prisma.Sql {
  return Prisma.sql`(2 * ${EARTH_RADIUS_KM}::float8 * asin(least(1, sqrt(
      power(sin(radians(${latitude} - ${point.latitude}::float8) / 2), 2)
    + cos(radians(${point.latitude}::float8)) * cos(radians(${latitude}))
      * power(sin(radians(${longitude} - ${point.longitude}::float8) / 2), 2)))))`;
}

/** `AND …` conditions for every filter field that is set, or an empty fragment. */
export function filterToSql(filter: ResolvedProductFilter | null | undefined): Prisma.Sql {
  if (!filter) return Prisma.empty;
  const conditions: Prisma.Sql[] = [];
  if (filter.category != null) conditions.push(Prisma.sql`p.category = ${filter.category}`);
  if (filter.categories && filter.categories.length > 0) {
    conditions.push(Prisma.sql`p.category = ANY(${[...filter.categories]}::text[])`);
  }
  if (filter.minPrice != null) conditions.push(Prisma.sql`p.price >= ${filter.minPrice}`);
  if (filter.maxPrice != null) conditions.push(Prisma.sql`p.price <= ${filter.maxPrice}`);
  if (filter.nameContains) {
    const pattern = `%${filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(Prisma.sql`p.name ILIKE ${pattern}`);
  }
  if (filter.inStock != null) conditions.push(Prisma.sql`p.in_stock = ${filter.inStock}`);
  if (filter.tagsAny && filter.tagsAny.length > 0)
    conditions.push(Prisma.sql`p.tags && ${[...filter.tagsAny]}::text[]`);
  if (filter.tagsAll && filter.tagsAll.length > 0)
    conditions.push(Prisma.sql`p.tags @> ${[...filter.tagsAll]}::text[]`);
  for (const range of filter.attributeRanges) {
    const score = Prisma.sql`p.attribute_scores[${range.position + 1}::int]`;
    conditions.push(Prisma.sql`${score} BETWEEN ${range.min}::float8 AND ${range.max}::float8`);
  }
  if (filter.near) {
    conditions.push(
      Prisma.sql`p.latitude IS NOT NULL AND ${haversineKm(Prisma.sql`p.latitude`, Prisma.sql`p.longitude`, filter.near)} <= ${filter.near.radiusKm}::float8`,
    );
  }
  return conditions.length === 0 ? Prisma.empty : Prisma.sql`AND ${Prisma.join(conditions, ' AND ')}`;
}
