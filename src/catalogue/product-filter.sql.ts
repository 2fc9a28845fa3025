// ProductFilter as SQL conditions on the product alias `p`: the one implementation of the filter,
// used by the catalogue listing and by every vector query.
import { Prisma } from '../generated/prisma/client.js';
import { type GeoPoint, type ResolvedProductFilter } from './product.domain.js';

/** Mean Earth radius (IUGG), in kilometres. */
export const EARTH_RADIUS_KM = 6371.0088;

export interface SqlPoint {
  readonly latitude: Prisma.Sql;
  readonly longitude: Prisma.Sql;
}

export const pointSql = (point: GeoPoint): SqlPoint => ({
  latitude: Prisma.sql`${point.latitude}::float8`,
  longitude: Prisma.sql`${point.longitude}::float8`,
});

/** Great-circle distance in km between two points (SQL expressions in degrees), by the haversine formula. */
export function haversineKm(a: SqlPoint, b: SqlPoint): Prisma.Sql {
  return Prisma.sql`(2 * ${EARTH_RADIUS_KM}::float8 * asin(least(1, sqrt(
      power(sin(radians(${a.latitude} - ${b.latitude}) / 2), 2)
    + cos(radians(${b.latitude})) * cos(radians(${a.latitude}))
      * power(sin(radians(${a.longitude} - ${b.longitude}) / 2), 2)))))`;
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
      Prisma.sql`p.latitude IS NOT NULL AND ${haversineKm(
        { latitude: Prisma.sql`p.latitude`, longitude: Prisma.sql`p.longitude` },
        pointSql(filter.near),
      )} <= ${filter.near.radiusKm}::float8`,
    );
  }
  return conditions.length === 0 ? Prisma.empty : Prisma.sql`AND ${Prisma.join(conditions, ' AND ')}`;
}
