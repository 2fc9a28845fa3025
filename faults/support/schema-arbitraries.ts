// fast-check arbitraries derived from the GraphQL schema itself: for every root field, operations
// whose arguments follow the argument types most of the time and break them the rest — hostile
// strings (NUL, lone surrogates, megabytes), numbers JSON cannot carry (±Infinity as 1e309, NaN),
// integer and float extremes, wrong types, missing and unknown fields, huge and deeply nested lists
// — sent as JSON variables or as literals in the query text.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  buildSchema,
  getNamedType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  isEnumType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
} from 'graphql';
import { DEFAULT_MAX_BODY_BYTES } from '../../src/config.js';
import { PROJECT_ROOT } from '../../src/paths.js';

/** A number (or not-a-number) written into the JSON text as is: what JSON.stringify cannot produce. */
export class RawToken {
  constructor(
    readonly text: string,
    /** The same value as a GraphQL literal, where it is written differently. */
    readonly literal: string = text,
  ) {}
}

const RAW_MARK = '\u0001RAW:';

/** JSON text of a value, with RawTokens spliced in unquoted. */
export function toJsonText(value: unknown): string {
  const text = JSON.stringify(value, (_key, item: unknown) =>
    item instanceof RawToken ? `${RAW_MARK}${item.text}\u0001` : item,
  );
  return text.replace(/"\\u0001RAW:([^"\\]*)\\u0001"/g, '$1');
}

/** A GraphQL literal of a value of the given type (strings as enum names where the type is an enum). */
export function toLiteral(value: unknown, type: GraphQLInputType): string {
  if (value === undefined || value === null) return 'null';
  if (value instanceof RawToken) return value.literal;
  const inner = isNonNullType(type) ? type.ofType : type;
  if (Array.isArray(value)) {
    const element = isListType(inner) ? inner.ofType : inner;
    return `[${value.map((item) => toLiteral(item, element)).join(', ')}]`;
  }
  if (typeof value === 'object') {
    const fields = isInputObjectType(inner) ? inner.getFields() : {};
    return `{ ${Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .map(([key, item]) => `${key}: ${toLiteral(item, fields[key]?.type ?? inner)}`)
      .join(', ')} }`;
  }
  if (typeof value === 'string') {
    if (isEnumType(inner) && inner.getValue(value)) return value;
    return JSON.stringify(value);
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : '1e309';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? 'null';
}

const RAW_NUMBERS = [
  '1e309',
  '-1e309',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e-400',
  '-0',
  '9007199254740993',
  `1${'0'.repeat(400)}`,
];

const ordinaryHostileStrings: Array<fc.WeightedArbitrary<string>> = [
  { weight: 4, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      ' ',
      '\u0000',
      'a\u0000b',
      '\ud800',
      'x\udfff',
      '\udc00\ud800',
      '\u202eevil',
      '\ufeff',
      '💥'.repeat(500),
      '%00',
      "'; DROP TABLE product; --",
      '${jndi:ldap://x}',
      '<script>alert(1)</script>',
      '../../../../etc/passwd',
    ),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.string({ maxLength: 10 }), fc.constantFrom('\u0000', '\ud83d'))
      .map(([a, b]) => a + b),
  },
];

/** Hostile strings; `huge` adds strings of up to 2 MB. */
export function hostileString(huge = false): fc.Arbitrary<string> {
  return fc.oneof(
    ...ordinaryHostileStrings,
    ...(huge
      ? [
          {
            weight: 1,
            arbitrary: fc.integer({ min: 10_000, max: 2_000_000 }).map((length) => 'x'.repeat(length)),
          },
        ]
      : []),
  );
}

const rawNumber = fc.constantFrom(...RAW_NUMBERS).map((text) => new RawToken(text));

export const hostileInt: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -5, max: 200 }) },
  { weight: 2, arbitrary: fc.integer() },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      2 ** 31,
      -(2 ** 31) - 1,
      2 ** 53,
      Number.MAX_SAFE_INTEGER + 2,
      -1,
      0,
      1.5,
      1e21,
    ),
  },
  { weight: 1, arbitrary: rawNumber },
);

export const hostileFloat: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.double({ min: -200, max: 200, noNaN: true }) },
  {
    weight: 2,
    arbitrary: fc
      .double()
      .map((value) =>
        Number.isFinite(value)
          ? value
          : new RawToken(value > 0 ? '1e309' : Number.isNaN(value) ? 'NaN' : '-1e309'),
      ),
  },
  { weight: 2, arbitrary: fc.constantFrom(5e-324, -5e-324, Number.MAX_VALUE, -Number.MAX_VALUE, -0, 1e308) },
  { weight: 1, arbitrary: rawNumber },
);

/** How deep a nested value goes: thousands of levels where `huge` values may be drawn, else 2–40. */
function nestingDepth(huge: boolean, least: number, most: number): fc.Arbitrary<number> {
  return huge ? fc.integer({ min: least, max: most }) : fc.integer({ min: 2, max: 40 });
}

/** Anything of another shape: the wrong-type case for every position. */
export function wrongType(huge = true): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.integer(),
    fc.boolean(),
    fc.constant({}),
    fc.constant([]),
    fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
    nestingDepth(huge, 100, 20_000).map((depth) => nest(depth)),
  );
}

/**
 * [[[ … ]]] nested `depth` deep, or {"a":{"a": …}} — deep nesting, written as text: a value that
 * deep would overflow the stack of the serialiser before it reached the service.
 */
export function nest(depth: number, kind: 'list' | 'object' = depth % 2 === 0 ? 'list' : 'object'): RawToken {
  if (kind === 'list') return new RawToken(`${'['.repeat(depth)}1${']'.repeat(depth)}`);
  return new RawToken(
    `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
    `${'{a:'.repeat(depth)}1${'}'.repeat(depth)}`,
  );
}

/** Values real enough to get past lookups: ids of existing products, real axis names. */
export interface KnownValues {
  readonly productIds: readonly string[];
  readonly axes: readonly string[];
}

/**
 * How hostile a position may be. Floods, megabyte strings and values nested thousands deep are drawn
 * only where a request can carry them: not inside a list's elements (up to 4, or thousands in a
 * flood), which would multiply them past memory — a body of hundreds of megabytes, or past the
 * longest string V8 can build, tests the generator instead of the service (MAX_BODY_BYTES refuses
 * anything over 16 MB anyway; a single huge value is enough to test that).
 */
interface Boldness {
  readonly depth: number;
  readonly floods: boolean;
  /** Megabyte strings and nesting thousands deep. */
  readonly huge: boolean;
}

const TOP: Boldness = { depth: 0, floods: true, huge: true };

function scalarArbitrary(
  name: string,
  fieldName: string,
  known: KnownValues,
  bold: Boldness,
): fc.Arbitrary<unknown> {
  const hinted: Array<fc.WeightedArbitrary<unknown>> = [];
  if (/id$/i.test(fieldName) && known.productIds.length > 0)
    hinted.push({ weight: 4, arbitrary: fc.constantFrom(...known.productIds) });
  if (fieldName === 'axis') hinted.push({ weight: 4, arbitrary: fc.constantFrom(...known.axes) });
  switch (name) {
    case 'Int':
      return fc.oneof(...hinted, { weight: 6, arbitrary: hostileInt });
    case 'Float':
      return fc.oneof(...hinted, { weight: 6, arbitrary: hostileFloat });
    case 'Boolean':
      return fc.oneof(...hinted, { weight: 6, arbitrary: fc.boolean() });
    default:
      return fc.oneof(...hinted, { weight: 6, arbitrary: hostileString(bold.huge) });
  }
}

export function inputArbitrary(
  type: GraphQLInputType,
  fieldName: string,
  known: KnownValues,
  bold: Boldness = TOP,
): fc.Arbitrary<unknown> {
  const wrong = { weight: 1, arbitrary: wrongType(bold.huge) };
  const deeper: Boldness = { ...bold, depth: bold.depth + 1, floods: bold.floods && bold.depth < 2 };
  if (isNonNullType(type)) {
    return fc.oneof(
      { weight: 12, arbitrary: inputArbitrary(type.ofType, fieldName, known, bold) },
      { weight: 1, arbitrary: fc.constant(null) },
    );
  }
  if (isListType(type)) {
    const element = inputArbitrary(type.ofType, fieldName, known, { ...deeper, huge: false });
    const floods: Array<fc.WeightedArbitrary<unknown>> = bold.floods
      ? [
          // Thousands of elements, one repeated (drawn without floods or megabytes of its own).
          {
            weight: 1,
            arbitrary: fc
              .tuple(
                inputArbitrary(type.ofType, fieldName, known, {
                  depth: bold.depth + 1,
                  floods: false,
                  huge: false,
                }),
                fc.integer({ min: 1_000, max: 5_000 }),
              )
              .map(([item, count]) => Array.from({ length: count }, () => item)),
          },
        ]
      : [];
    return fc.oneof(
      { weight: 8, arbitrary: fc.array(element, { maxLength: 4 }) },
      // A single value where a list is expected: GraphQL coerces it.
      { weight: 1, arbitrary: element },
      ...floods,
      { weight: 1, arbitrary: nestingDepth(bold.huge, 2, 10_000).map((levels) => nest(levels, 'list')) },
      wrong,
    );
  }
  if (isInputObjectType(type)) {
    if (bold.depth > 6) return fc.constant({});
    const fields = Object.values(type.getFields());
    const model: Record<string, fc.Arbitrary<unknown>> = {};
    for (const field of fields) model[field.name] = inputArbitrary(field.type, field.name, known, deeper);
    const required = fields.filter((field) => isNonNullType(field.type)).map((field) => field.name);
    const record = fc.record(model, { requiredKeys: required });
    return fc.oneof(
      { weight: 10, arbitrary: record },
      // A required field left out, or an unknown one added.
      { weight: 1, arbitrary: fc.record(model, { requiredKeys: [] }) },
      {
        weight: 1,
        arbitrary: fc
          .tuple(record, hostileString())
          .map(([value, key]) => ({ ...(value as object), [key || 'unknown']: 1 })),
      },
      wrong,
    );
  }
  if (isEnumType(type)) {
    return fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...type.getValues().map((value) => value.name)) },
      { weight: 1, arbitrary: hostileString() },
      wrong,
    );
  }
  if (isScalarType(type)) {
    return fc.oneof({ weight: 10, arbitrary: scalarArbitrary(type.name, fieldName, known, bold) }, wrong);
  }
  return wrongType(bold.huge);
}

/** The smallest selection set that is valid on a type: its leaf fields without required arguments. */
export function selectionOf(type: GraphQLNamedType, depth = 0): string {
  if (isLeafType(type) || !isObjectType(type)) return '';
  const fields = Object.values((type as GraphQLObjectType).getFields()).filter(
    (field) =>
      !field.args.some((argument) => isNonNullType(argument.type) && argument.defaultValue === undefined),
  );
  const leaves = fields.filter((field) => isLeafType(getNamedType(field.type)));
  if (leaves.length > 0) return `{ ${leaves.map((field) => field.name).join(' ')} }`;
  if (depth > 3) return '{ __typename }';
  const nested = fields.find((field) => isObjectType(getNamedType(field.type)));
  return nested
    ? `{ ${nested.name} ${selectionOf(getNamedType(nested.type), depth + 1)} }`
    : '{ __typename }';
}

export interface FuzzOperation {
  readonly operation: 'query' | 'mutation';
  readonly field: string;
  /** The request body text. */
  readonly body: string;
}

/** Operations on one root field: its arguments as variables or as literals. */
export function operationArbitrary(
  operation: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
  known: KnownValues,
): fc.Arbitrary<FuzzOperation> {
  const args: readonly GraphQLArgument[] = field.args;
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const argument of args) model[argument.name] = inputArbitrary(argument.type, argument.name, known);
  const required = args.filter((argument) => isNonNullType(argument.type)).map((argument) => argument.name);
  const selection = selectionOf(getNamedType(field.type));
  return fc.tuple(fc.record(model, { requiredKeys: required }), fc.boolean()).map(([values, asVariables]) => {
    const present = args.filter((argument) => argument.name in values && values[argument.name] !== undefined);
    let text: string;
    let variables: Record<string, unknown> | undefined;
    if (asVariables) {
      const declarations = present
        .map((argument) => `$${argument.name}: ${String(argument.type)}`)
        .join(', ');
      const uses = present.map((argument) => `${argument.name}: $${argument.name}`).join(', ');
      text = `${operation}${declarations ? ` (${declarations})` : ''} { ${field.name}${uses ? `(${uses})` : ''} ${selection} }`;
      variables = Object.fromEntries(present.map((argument) => [argument.name, values[argument.name]]));
    } else {
      const uses = present
        .map((argument) => `${argument.name}: ${toLiteral(values[argument.name], argument.type)}`)
        .join(', ');
      text = `${operation} { ${field.name}${uses ? `(${uses})` : ''} ${selection} }`;
    }
    return {
      operation,
      field: field.name,
      body: toJsonText({ query: text, ...(variables ? { variables } : {}) }),
    };
  });
}

/** Past the service's default MAX_BODY_BYTES. */
export const OVERSIZED_BODY_BYTES = DEFAULT_MAX_BODY_BYTES + 1;

/** Whole-request attacks: alias floods, deep selections, deep JSON, batches, bodies of the wrong shape. */
export function requestAttackArbitrary(known: KnownValues): fc.Arbitrary<FuzzOperation> {
  const id = known.productIds[0] ?? '00000000-0000-0000-0000-000000000000';
  // Deletes of a product that does not exist: a flood that got through would still write nothing.
  const missingId = '00000000-0000-4000-8000-000000000000';
  const query = (text: string, operation: 'query' | 'mutation' = 'query'): FuzzOperation => ({
    operation,
    field: '(request)',
    body: toJsonText({ query: text }),
  });
  return fc.oneof(
    fc
      .integer({ min: 1, max: 3_000 })
      .map((count) =>
        query(
          `{ ${Array.from({ length: count }, (_, i) => `a${i}: similarProducts(productId: "${id}", k: 1) { score }`).join(' ')} }`,
        ),
      ),
    fc
      .integer({ min: 1, max: 1_000 })
      .map((count) =>
        query(
          `mutation { ${Array.from({ length: count }, (_, i) => `d${i}: deleteProduct(id: "${missingId}")`).join(' ')} }`,
          'mutation',
        ),
      ),
    fc
      .integer({ min: 5, max: 5_000 })
      .map((depth) =>
        query(
          `{ ${'products { edges { node { '.repeat(1)}${'a { '.repeat(depth)}b${' }'.repeat(depth)} } } } }`,
        ),
      ),
    fc.integer({ min: 5, max: 20_000 }).map((depth) => query(`${'{'.repeat(depth)}${'}'.repeat(depth)}`)),
    fc.integer({ min: 2, max: 20_000 }).map((depth) => ({
      operation: 'query' as const,
      field: '(request)',
      body: toJsonText({
        query: 'query ($input: RecommendationInput!) { recommendations(input: $input) { score } }',
        variables: { input: { like: nest(depth) } },
      }),
    })),
    fc.integer({ min: 2, max: 2_000 }).map((count) => ({
      operation: 'query' as const,
      field: '(batch)',
      body: toJsonText(Array.from({ length: count }, () => ({ query: '{ attributeAxes { name } }' }))),
    })),
    fc
      .integer({ min: 1, max: 500 })
      .map((count) =>
        query(
          `query ${Array.from({ length: count }, (_, i) => `($v${i}: Int)`).join('')} { attributeAxes { name } }`,
        ),
      ),
    fc
      .integer({ min: 1, max: 2_000 })
      .map((count) => query(`{ attributeAxes ${'@include(if: true) '.repeat(count)} { name } }`)),
    // A body just past the default MAX_BODY_BYTES: the one place a body that large is drawn.
    fc.integer({ min: OVERSIZED_BODY_BYTES, max: OVERSIZED_BODY_BYTES + 4_000_000 }).map((length) => ({
      operation: 'mutation' as const,
      field: '(oversized body)',
      body: toJsonText({
        query: 'mutation ($id: ID!) { deleteProduct(id: $id) }',
        variables: { id: 'x'.repeat(length) },
      }),
    })),
    fc
      .oneof(
        fc.string(),
        fc.json(),
        fc.constantFrom(
          'null',
          '[]',
          '1e309',
          '{"query": 1}',
          '{"query": "{ products { totalCount } }", "variables": "x"}',
          '{"query": null}',
          '{"query": "{ products { totalCount } }", "operationName": 7}',
        ),
      )
      .map((body) => ({ operation: 'query' as const, field: '(raw body)', body })),
  );
}

/**
 * Every root field's operations (mutations drawn more often: they are where a refusal must write
 * nothing) and the whole-request attacks, over the committed SDL — the schema the code emits
 * (test/schema-drift.test.ts keeps them equal).
 */
export function schemaOperations(known: KnownValues): fc.Arbitrary<FuzzOperation> {
  const schema = buildSchema(readFileSync(join(PROJECT_ROOT, 'schema/schema.graphql'), 'utf8'));
  const queries = Object.values(schema.getQueryType()!.getFields()).map((field) =>
    operationArbitrary('query', field, known),
  );
  const mutations = Object.values(schema.getMutationType()!.getFields()).map((field) =>
    operationArbitrary('mutation', field, known),
  );
  return fc.oneof(
    ...queries.map((arbitrary) => ({ weight: 2, arbitrary })),
    ...mutations.map((arbitrary) => ({ weight: 5, arbitrary })),
    { weight: 8, arbitrary: requestAttackArbitrary(known) },
  );
}
