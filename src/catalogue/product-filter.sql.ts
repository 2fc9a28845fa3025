// ProductFilter as SQL conditions on the product alias `p`: the one implementation of the filter,
// used by the catalogue listing and by every vector query.
import { escapeLiteral } from 'pg';
import { Prisma } from '../generated/prisma/client.js';
import { type ResolvedProductFilter } from './product.domain.js';

/** Mean Earth radius (IUGG), in kilometres. */
export const EARTH_RADIUS_KM = 6371.0088;

export interface SqlPoint {
  readonly latitude: Prisma.Sql;
  readonly longitude: Prisma.Sql;
}

/** Great-circle distance in km between two points (SQL expressions in degrees), by the haversine formula. */
export function haversineKm(a: SqlPoint, b: SqlPoint): Prisma.Sql {
  return Prisma.sql`(2 * ${EARTH_RADIUS_KM}::float8 * asin(least(1, sqrt(
      power(sin(radians(${a.latitude} - ${b.latitude}) / 2), 2)
    + cos(radians(${b.latitude})) * cos(radians(${a.latitude}))
      * power(sin(radians(${a.longitude} - ${b.longitude}) / 2), 2)))))`;
}

/**
 * How the filter's values enter a statement: as bind parameters, or written into its text as
 * literals. Literals are for named (prepared) statements: with the values hidden, Postgres' generic
 * plan rests on default selectivities and costs more than a custom plan, so a named statement
 * carrying a filter was planned again on every execution (about half of a 1 %-filter query's time);
 * with the values in its text, the generic plan is the custom one and is planned once. Each distinct
 * filter is then its own statement text, so the caller bounds how many it names.
 */
export type FilterValues = 'parameters' | 'literals';

/** `AND …` conditions for every filter field that is set, or an empty fragment. */
export function filterToSql(
  filter: ResolvedProductFilter | null | undefined,
  values: FilterValues = 'parameters',
): Prisma.Sql {
  if (!filter) return Prisma.empty;
  const bind = values === 'literals' ? literal : parameter;
  const conditions: Prisma.Sql[] = [];
  if (filter.category != null) conditions.push(Prisma.sql`p.category = ${bind.text(filter.category)}`);
  if (filter.categories && filter.categories.length > 0) {
    conditions.push(Prisma.sql`p.category = ANY(${bind.texts(filter.categories)})`);
  }
  if (filter.minPrice != null) conditions.push(Prisma.sql`p.price >= ${bind.number(filter.minPrice)}`);
  if (filter.maxPrice != null) conditions.push(Prisma.sql`p.price <= ${bind.number(filter.maxPrice)}`);
  if (filter.nameContains) {
    const pattern = `%${filter.nameContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    conditions.push(Prisma.sql`p.name ILIKE ${bind.text(pattern)}`);
  }
  if (filter.inStock != null) conditions.push(Prisma.sql`p.in_stock = ${bind.boolean(filter.inStock)}`);
  if (filter.tagsAny && filter.tagsAny.length > 0)
    conditions.push(Prisma.sql`p.tags && ${bind.texts(filter.tagsAny)}`);
  if (filter.tagsAll && filter.tagsAll.length > 0)
    conditions.push(Prisma.sql`p.tags @> ${bind.texts(filter.tagsAll)}`);
  for (const range of filter.attributeRanges) {
    const score = Prisma.sql`p.attribute_scores[${bind.number(range.position + 1)}::int]`;
    conditions.push(
      Prisma.sql`${score} BETWEEN ${bind.number(range.min)}::float8 AND ${bind.number(range.max)}::float8`,
    );
  }
  if (filter.near) {
    const centre = {
      latitude: Prisma.sql`${bind.number(filter.near.latitude)}::float8`,
      longitude: Prisma.sql`${bind.number(filter.near.longitude)}::float8`,
    };
    conditions.push(
      Prisma.sql`p.latitude IS NOT NULL AND ${haversineKm(
        { latitude: Prisma.sql`p.latitude`, longitude: Prisma.sql`p.longitude` },
        centre,
      )} <= ${bind.number(filter.near.radiusKm)}::float8`,
    );
  }
  return conditions.length === 0 ? Prisma.empty : Prisma.sql`AND ${Prisma.join(conditions, ' AND ')}`;
}

interface Binder {
  text(value: string): Prisma.Sql;
  texts(values: readonly string[]): Prisma.Sql;
  number(value: number): Prisma.Sql;
  boolean(value: boolean): Prisma.Sql;
}

const parameter: Binder = {
  text: (value) => Prisma.sql`${value}`,
  texts: (values) => Prisma.sql`${[...values]}::text[]`,
  number: (value) => Prisma.sql`${value}`,
  boolean: (value) => Prisma.sql`${value}`,
};

// Text goes through pg's escapeLiteral (quotes doubled; with a backslash, the E'' form, so the
// literal reads the same whatever standard_conforming_strings says). Postgres text cannot hold NUL,
// and a statement's text cannot carry one: such a value stays a parameter, which Postgres refuses
// as it always has.
const hasNul = (value: string): boolean => value.includes('\u0000');
const literal: Binder = {
  text: (value) => (hasNul(value) ? parameter.text(value) : Prisma.raw(escapeLiteral(value))),
  texts: (values) =>
    values.some(hasNul)
      ? parameter.texts(values)
      : Prisma.raw(`ARRAY[${values.map((value) => escapeLiteral(value)).join(', ')}]::text[]`),
  number: (value) => (Number.isFinite(value) ? Prisma.raw(`(${String(value)})`) : parameter.number(value)),
  boolean: (value) => Prisma.raw(value ? 'true' : 'false'),
};
