// Fails when committed artefacts drift from the code: the GraphQL SDL in schema/schema.graphql, and
// prisma/schema.prisma against the database the migrations produce. The Prisma schema engine
// (`prisma migrate diff`) is not available offline, so the comparison reads Prisma's own DMMF
// (via its WASM schema library) and the migrated database's catalogue.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { get_dmmf } from '@prisma/prisma-schema-wasm';
import { parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGraphQLSchema, printSdl } from '../src/graphql-schema.js';
import { PROJECT_ROOT, SCHEMA_SDL_PATH } from '../src/paths.js';
import { createTestDatabase, type TestDatabase, testDatabaseKinds } from './support/databases.js';

interface DmmfField {
  name: string;
  relationFromFields?: string[];
  relationToFields?: string[];
  relationOnDelete?: string;
  dbName?: string | null;
  kind: string;
  isList: boolean;
  isRequired: boolean;
  hasDefaultValue: boolean;
  type: string;
  nativeType: [string, string[]] | null;
}
interface DmmfModel {
  name: string;
  dbName: string | null;
  fields: DmmfField[];
}
interface DmmfIndex {
  model: string;
  type: 'id' | 'unique' | 'normal' | 'fulltext';
  algorithm?: string;
  fields: Array<{ name: string }>;
}

interface Column {
  type: string;
  nullable: boolean;
  hasDefault: boolean;
}

/** Indexes the migrations create that Prisma's schema language cannot express, and why. */
const INDEXES_BEYOND_PRISMA: Record<string, string> = {
  product_attribute_vector_idx: 'HNSW index on a pgvector column',
  product_attribute_norm_idx: 'expression index on vector_norm(attribute_vector)',
  product_attribute_vector_l2_idx: 'HNSW index on a pgvector column',
  product_attribute_vector_ip_idx: 'HNSW index on a pgvector column',
  product_attribute_vector_l1_idx: 'HNSW index on a pgvector column',
  interaction_purchase_product_idx: 'partial index over purchases with an order (baskets)',
  interaction_basket_idx: 'partial index over purchases with an order (baskets)',
  behavior_model_one_pending_idx: 'partial unique expression index: one pending training at a time',
};

const schemaText = readFileSync(join(PROJECT_ROOT, 'prisma', 'schema.prisma'), 'utf8');

function prismaModels(): { models: DmmfModel[]; indexes: DmmfIndex[] } {
  const dmmf = JSON.parse(get_dmmf(JSON.stringify({ prismaSchema: [['schema.prisma', schemaText]] }))) as {
    datamodel: { models: DmmfModel[]; indexes: DmmfIndex[] };
  };
  return dmmf.datamodel;
}

function postgresType(field: DmmfField): string {
  const [native, args] = field.nativeType ?? [null, []];
  const base = ((): string => {
    switch (field.type) {
      case 'String':
        if (native === 'Uuid') return 'uuid';
        if (native === 'Char') return `character(${args[0]})`;
        if (native === 'VarChar') return `character varying(${args[0]})`;
        return 'text';
      case 'Int':
        return 'integer';
      case 'BigInt':
        return 'bigint';
      case 'Float':
        return 'double precision';
      case 'Boolean':
        return 'boolean';
      case 'Decimal':
        return `numeric(${args.length ? args.join(',') : '65,30'})`;
      case 'DateTime':
        if (native === 'Timestamptz') return `timestamp(${args[0] ?? 6}) with time zone`;
        return 'timestamp(3) without time zone';
      case 'Json':
        return 'jsonb';
      case 'Bytes':
        return 'bytea';
      default:
        throw new Error(`add a mapping for Prisma type ${field.type}`);
    }
  })();
  return field.isList ? `${base}[]` : base;
}

/** Columns prisma/schema.prisma declares, per table. `Unsupported` fields are absent from the DMMF, so they are read from the text. */
function expectedTables(): Map<string, Map<string, Column>> {
  const tables = new Map<string, Map<string, Column>>();
  for (const model of prismaModels().models) {
    const columns = new Map<string, Column>();
    for (const field of model.fields.filter((f) => f.kind === 'scalar' || f.kind === 'enum')) {
      columns.set(field.dbName ?? field.name, {
        type: postgresType(field),
        nullable: !field.isRequired,
        hasDefault: field.hasDefaultValue,
      });
    }
    const body = new RegExp(`model ${model.name} \\{([\\s\\S]*?)\\n\\}`).exec(schemaText)![1]!;
    for (const match of body.matchAll(/^\s*(\w+)\s+Unsupported\("([^"]+)"\)(\?)?([^\n]*)$/gm)) {
      const column = /@map\("([^"]+)"\)/.exec(match[4]!)?.[1] ?? match[1]!;
      columns.set(column, {
        type: match[2]!,
        nullable: match[3] === '?',
        hasDefault: /@default\(/.test(match[4]!),
      });
    }
    tables.set(model.dbName ?? model.name, columns);
  }
  return tables;
}

describe('GraphQL SDL', () => {
  it('schema/schema.graphql matches what the code emits (run `npm run schema:emit`)', async () => {
    const emitted = printSdl(await buildGraphQLSchema(null));
    expect(readFileSync(SCHEMA_SDL_PATH, 'utf8')).toBe(emitted);
  });

  it.each(readdirSync(join(PROJECT_ROOT, 'examples')).filter((file) => file.endsWith('.graphql')))(
    'examples/%s is valid against the schema',
    async (file) => {
      const schema = await buildGraphQLSchema(null);
      const document = parse(readFileSync(join(PROJECT_ROOT, 'examples', file), 'utf8'));
      expect(validate(schema, document).map((error) => error.message)).toEqual([]);
    },
  );
});

describe.each(testDatabaseKinds())('prisma/schema.prisma against the migrated %s database', (kind) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase(kind);
  });
  afterAll(() => db.dispose());

  async function actualTables(): Promise<Map<string, Map<string, Column>>> {
    const result = await db.database.pool.query<{
      table: string;
      column: string;
      type: string;
      nullable: boolean;
      has_default: boolean;
    }>(`
      SELECT c.relname AS table, a.attname AS column, format_type(a.atttypid, a.atttypmod) AS type,
             NOT a.attnotnull AS nullable, (d.adbin IS NOT NULL AND a.attgenerated = '') AS has_default
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
         AND c.relname <> '_prisma_migrations'`);
    const tables = new Map<string, Map<string, Column>>();
    for (const row of result.rows) {
      if (!tables.has(row.table)) tables.set(row.table, new Map());
      tables
        .get(row.table)!
        .set(row.column, { type: row.type, nullable: row.nullable, hasDefault: row.has_default });
    }
    return tables;
  }

  it('has exactly the tables and columns (types, nullability, defaults) the Prisma schema declares', async () => {
    const toObject = (tables: Map<string, Map<string, Column>>) =>
      Object.fromEntries([...tables].map(([table, columns]) => [table, Object.fromEntries(columns)]));
    expect(toObject(await actualTables())).toEqual(toObject(expectedTables()));
  });

  it('has the primary keys, unique and plain indexes the Prisma schema declares, plus only the documented extras', async () => {
    const { models, indexes } = prismaModels();
    const columnName = (model: DmmfModel, field: string) => {
      const found = model.fields.find((f) => f.name === field)!;
      return found.dbName ?? found.name;
    };
    const expected = indexes.map((index) => {
      const model = models.find((m) => m.name === index.model)!;
      const kindOf = index.type === 'id' ? 'primary' : index.type === 'unique' ? 'unique' : 'index';
      const method = (index.algorithm ?? 'BTree').toLowerCase();
      return `${model.dbName ?? model.name}:${kindOf}:${method}:${index.fields.map((f) => columnName(model, f.name)).join(',')}`;
    });
    const result = await db.database.pool.query<{
      name: string;
      table: string;
      primary: boolean;
      unique: boolean;
      columns: string | null;
      expression: boolean;
      method: string;
    }>(`
      SELECT i.relname AS name, t.relname AS table, x.indisprimary AS primary, x.indisunique AS unique,
             (SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(x.indkey) WITH ORDINALITY k(attnum, ord)
                JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum) AS columns,
             x.indexprs IS NOT NULL AS expression, am.amname AS method
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_am am ON am.oid = i.relam
       WHERE t.relnamespace = 'public'::regnamespace AND t.relname <> '_prisma_migrations'`);
    const extras = result.rows.filter((row) => row.expression || row.name in INDEXES_BEYOND_PRISMA);
    expect(extras.map((row) => row.name).sort()).toEqual(Object.keys(INDEXES_BEYOND_PRISMA).sort());
    const actual = result.rows
      .filter((row) => !extras.includes(row))
      .map(
        (row) =>
          `${row.table}:${row.primary ? 'primary' : row.unique ? 'unique' : 'index'}:${row.method}:${row.columns}`,
      );
    expect(actual.sort()).toEqual(expected.sort());
  });

  it('has the foreign keys (with their ON DELETE actions) the Prisma relations declare', async () => {
    const { models } = prismaModels();
    const tableOf = (name: string) => {
      const model = models.find((m) => m.name === name)!;
      return {
        table: model.dbName ?? model.name,
        column: (f: string) => model.fields.find((x) => x.name === f)!.dbName ?? f,
      };
    };
    const onDelete: Record<string, string> = {
      Cascade: 'c',
      Restrict: 'r',
      NoAction: 'a',
      SetNull: 'n',
      SetDefault: 'd',
    };
    const expected = models.flatMap((model) =>
      model.fields
        .filter(
          (field) =>
            field.kind === 'object' && field.relationFromFields && field.relationFromFields.length > 0,
        )
        .map((field) => {
          const from = tableOf(model.name);
          const to = tableOf(field.type);
          return `${from.table}(${field.relationFromFields!.map(from.column).join(',')})->${to.table}(${field.relationToFields!.map(to.column).join(',')}) on delete ${onDelete[field.relationOnDelete ?? 'NoAction'] ?? '?'}`;
        }),
    );
    const result = await db.database.pool.query<{ fk: string }>(`
      SELECT format('%s(%s)->%s(%s) on delete %s', c.conrelid::regclass,
               (SELECT string_agg(attname, ',' ORDER BY ord) FROM unnest(c.conkey) WITH ORDINALITY k(n, ord) JOIN pg_attribute ON attrelid = c.conrelid AND attnum = k.n),
               c.confrelid::regclass,
               (SELECT string_agg(attname, ',' ORDER BY ord) FROM unnest(c.confkey) WITH ORDINALITY k(n, ord) JOIN pg_attribute ON attrelid = c.confrelid AND attnum = k.n),
               c.confdeltype) AS fk
        FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace`);
    expect(result.rows.map((row) => row.fk).sort()).toEqual(expected.sort());
  });
});
