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

/** `AND …` conditions for every filter field that is set, or an empty fragment; values as parameters. */
export function filterToSql(filter: ResolvedProductFilter | null | undefined): Prisma.Sql {
  return conditionsSql(filter, parameter);
}

/** Literal text a filter may write into a statement, in all (quotes included). */
export const MAX_FILTER_LITERAL_CHARS = 1024;

/**
 * The filter's conditions with its values written into the text as literals, or null when there is
 * nothing to write (no filter, or one without values), when a value holds NUL (no statement text can
 * carry one; as a parameter Postgres refuses it as it always has) or when the literals would exceed
 * MAX_FILTER_LITERAL_CHARS (a statement text kept by every connection must stay small).
 *
 * For named (prepared) statements: with the values as parameters, Postgres' generic plan rests on
 * default selectivities and costs more than a custom plan, so a named statement carrying a filter is
 * planned again on every execution (about half of a 1 %-filter query's time); with the values in its
 * text, the generic plan is the custom one and is planned once. Each distinct filter is then its own
 * statement text, so the caller bounds how many it names.
 */
export function filterLiteralsSql(filter: ResolvedProductFilter | null | undefined): Prisma.Sql | null {
  let chars = 0;
  let writable = true;
  const count = (written: string): Prisma.Sql => {
    chars += written.length;
    return Prisma.raw(written);
  };
  // Text through pg's escapeLiteral: quotes doubled and, with a backslash, the E'' form, so the
  // literal reads the same whatever standard_conforming_strings says.
  const quoted = (value: string): string => {
    if (value.includes('\u0000')) writable = false;
    return escapeLiteral(value);
  };
  const literal: Binder = {
    text: (value) => count(quoted(value)),
    texts: (values) => count(`ARRAY[${values.map(quoted).join(', ')}]::text[]`),
    // In parentheses: a negative number after an operator must not read as a comment (`- -1`).
    number: (value) => {
      if (!Number.isFinite(value)) writable = false;
      return count(`(${String(value)})`);
    },
    boolean: (value) => count(value ? 'true' : 'false'),
  };
  const conditions = conditionsSql(filter, literal);
  return writable && chars > 0 && chars <= MAX_FILTER_LITERAL_CHARS ? conditions : null;
}

function conditionsSql(filter: ResolvedProductFilter | null | undefined, bind: Binder): Prisma.Sql {
  if (!filter) return Prisma.empty;
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
