// `npm run bench:pglite-kernel` — what one vector comparison costs in embedded PGlite (Postgres and
// pgvector compiled to WebAssembly) against the Postgres server, on the same vectors in one run.
// It explains the embedded IMAGE query (BENCHMARKS.md section 6): an HNSW search compares the query
// with every node it visits, so its time is about (nodes visited) × (cost of one comparison).
//
// Per kind of vector, the same table of N rows is scanned with `sum(x <=> q)` and with `count(*)`;
// the difference divided by N is the cost of one comparison (reading the value included). One
// session, no parallel workers. Writes bench/pglite-kernel.json; BENCHMARKS.md renders it.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import pg from 'pg';
import { PROJECT_ROOT } from '../src/paths.js';
import { createBenchDatabase, dropBenchDatabase } from './databases.js';

const ROWS = 3000;
const REPETITIONS = 7;
const baseUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** The kinds of stored vector the service compares, as the 20261206060000 migration stores them. */
const KINDS = [
  { id: 'vector512', title: 'vector(512), inline (CLIP)', column: 's' },
  { id: 'halfvec2048', title: 'halfvec(2048), inline (ResNet-50 IMAGE, embedding_half)', column: 'h' },
  { id: 'vector2048', title: 'vector(2048), out of line in TOAST (before the migration)', column: 'v' },
] as const;

export interface KernelResult {
  readonly kind: (typeof KINDS)[number]['id'];
  readonly title: string;
  /** Microseconds per comparison: (scan with the distance − scan without) ÷ rows, medians. */
  readonly pgliteMicros: number;
  readonly serverMicros: number;
}

export interface KernelResults {
  readonly date: string;
  readonly command: string;
  readonly rows: number;
  readonly repetitions: number;
  readonly results: KernelResult[];
}

const SETUP = [
  `CREATE TABLE kernel (id int PRIMARY KEY, v vector(2048), h halfvec(2048), s vector(512))`,
  `ALTER TABLE kernel ALTER COLUMN h SET STORAGE MAIN, ALTER COLUMN s SET STORAGE MAIN`,
  // Deterministic pseudo-random components (the cost of a comparison does not depend on them).
  `INSERT INTO kernel
     SELECT i, x::vector(2048), x::vector(2048)::halfvec(2048), subvector(x::vector(2048), 1, 512)::vector(512)
       FROM (SELECT i, array_agg(((i * 7919 + j * 104729) % 1000) / 1000.0 - 0.5 ORDER BY j)::real[] AS x
               FROM generate_series(1, ${ROWS}) i, generate_series(1, 2048) j GROUP BY i) g`,
  `VACUUM ANALYZE kernel`,
];

type Run = (sql: string) => Promise<unknown>;

async function medianMs(run: Run, sql: string): Promise<number> {
  const times: number[] = [];
  await run(sql);
  for (let index = 0; index < REPETITIONS; index++) {
    const started = performance.now();
    await run(sql);
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

async function perComparison(run: Run, column: string): Promise<number> {
  const scan = await medianMs(run, `SELECT count(*) FROM kernel`);
  const compare = await medianMs(
    run,
    `SELECT sum(${column} <=> (SELECT ${column} FROM kernel WHERE id = 1)) FROM kernel`,
  );
  return (Math.max(0, compare - scan) * 1000) / ROWS;
}

async function main(): Promise<void> {
  const pglite = await PGlite.create({ extensions: { vector } });
  const name = 'bench_pglite_kernel';
  const url = await createBenchDatabase(baseUrl, name);
  const server = new pg.Client({ connectionString: url });
  await server.connect();
  try {
    await pglite.exec('CREATE EXTENSION IF NOT EXISTS vector');
    await server.query('CREATE EXTENSION IF NOT EXISTS vector');
    await server.query('SET max_parallel_workers_per_gather = 0');
    for (const statement of SETUP) {
      await pglite.exec(statement);
      await server.query(statement);
    }
    const results: KernelResult[] = [];
    for (const kind of KINDS) {
      // Alternating, so both see the same machine.
      const pgliteMicros = await perComparison((sql) => pglite.query(sql), kind.column);
      const serverMicros = await perComparison((sql) => server.query(sql), kind.column);
      results.push({ kind: kind.id, title: kind.title, pgliteMicros, serverMicros });
      console.log(
        `${kind.title}: PGlite ${pgliteMicros.toFixed(2)} µs, server ${serverMicros.toFixed(2)} µs per comparison`,
      );
    }
    const output: KernelResults = {
      date: new Date().toISOString(),
      command: 'npm run bench:pglite-kernel',
      rows: ROWS,
      repetitions: REPETITIONS,
      results,
    };
    await writeFile(
      join(PROJECT_ROOT, 'bench', 'pglite-kernel.json'),
      `${JSON.stringify(output, null, 2)}\n`,
    );
  } finally {
    await server.end();
    await pglite.close();
    await dropBenchDatabase(baseUrl, name);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
