// How HNSW build parameters change per-query recall on the suite's clustered CLIP-shaped data:
// `npx tsx bench/hnsw-build.ts [--size 100000] [--samples 400] [--builds 16:64,16:128] [--ef 40,100,200]`.
// Mean recall@10 hides queries that find none of their exact ten (badly linked clusters); this
// counts them per (m, ef_construction, ef_search). Not part of `npm run bench` (a 100k run takes
// about 5 minutes per build); it chose the service's HNSW_EF_CONSTRUCTION default.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { CatalogueGenerator, CLIP_DIMENSION } from './catalogue.js';
import { BENCH_DATABASE_PREFIX } from './databases.js';
import { BinaryCopyWriter, copyFrom } from './pg-copy.js';

const { values: args } = parseArgs({
  options: {
    size: { type: 'string', default: '100000' },
    samples: { type: 'string', default: '400' },
    builds: { type: 'string', default: '16:64,16:128' },
    ef: { type: 'string', default: '40,100,200' },
  },
});
const size = Number(args.size);
const sampleCount = Number(args.samples);
const builds = args.builds.split(',').map((pair) => pair.split(':').map(Number) as [number, number]);
const efSearches = args.ef.split(',').map(Number);
const baseUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const database = `${BENCH_DATABASE_PREFIX}hnsw_build`;
const K = 10;

const admin = new pg.Client({ connectionString: baseUrl });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
await admin.query(`CREATE DATABASE ${database}`);
const url = new URL(baseUrl);
url.pathname = `/${database}`;
const client = new pg.Client({ connectionString: url.toString() });
await client.connect();
try {
  await client.query('CREATE EXTENSION vector');
  await client.query(`CREATE TABLE item (id uuid PRIMARY KEY, embedding vector(${CLIP_DIMENSION}))`);
  const generator = new CatalogueGenerator(size);
  let started = performance.now();
  for (const chunk of generator.chunks(2000)) {
    const writer = new BinaryCopyWriter();
    async function* rows(): AsyncGenerator<Buffer> {
      yield BinaryCopyWriter.header();
      for (const [index, id] of chunk.ids.entries()) {
        writer.row(2);
        writer.uuid(id);
        writer.vector(chunk.clip[index]!);
        yield await Promise.resolve(writer.take());
      }
      yield BinaryCopyWriter.trailer();
    }
    await copyFrom(client, 'COPY item (id, embedding) FROM STDIN (FORMAT binary)', rows());
  }
  console.log(`${size} CLIP-shaped vectors loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const nearest = `SELECT id FROM item WHERE id <> $1
                    ORDER BY embedding <=> (SELECT embedding FROM item WHERE id = $1) LIMIT ${K}`;
  const samples = Array.from(
    { length: sampleCount },
    (_, i) => generator.ids[Math.floor((i * size) / sampleCount)]!,
  );
  const exact = new Map<string, Set<string>>();
  for (const id of samples) {
    const { rows } = await client.query<{ id: string }>(nearest, [id]);
    exact.set(id, new Set(rows.map((row) => row.id)));
  }

  await client.query(`SET maintenance_work_mem = '2GB'`);
  await client.query('SET max_parallel_maintenance_workers = 1');
  console.log(
    '\n| m | ef_construction | build s | ef_search | mean recall@10 | queries < 0.5 | queries at 0 | p50 ms |\n| --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const [m, efConstruction] of builds) {
    await client.query('DROP INDEX IF EXISTS item_hnsw');
    started = performance.now();
    await client.query(
      `CREATE INDEX item_hnsw ON item USING hnsw (embedding vector_cosine_ops) WITH (m = ${m}, ef_construction = ${efConstruction})`,
    );
    const buildSeconds = (performance.now() - started) / 1000;
    for (const efSearch of efSearches) {
      await client.query(`SET hnsw.ef_search = ${efSearch}`);
      let total = 0;
      let below = 0;
      let zero = 0;
      const latencies: number[] = [];
      for (const id of samples) {
        const begin = performance.now();
        const { rows } = await client.query<{ id: string }>(nearest, [id]);
        latencies.push(performance.now() - begin);
        const truth = exact.get(id)!;
        const recall = rows.filter((row) => truth.has(row.id)).length / K;
        total += recall;
        if (recall < 0.5) below++;
        if (recall === 0) zero++;
      }
      latencies.sort((a, b) => a - b);
      console.log(
        `| ${m} | ${efConstruction} | ${buildSeconds.toFixed(1)} | ${efSearch} | ${(total / samples.length).toFixed(4)} | ${below} / ${samples.length} | ${zero} / ${samples.length} | ${latencies[latencies.length >> 1]!.toFixed(2)} |`,
      );
    }
  }
} finally {
  await client.end();
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
}
