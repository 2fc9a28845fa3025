// `npm run bench:diversity` — the diversity case alone (a few minutes instead of the whole suite):
// stores it as `diversity` in bench/results.json, leaving every other field as it was, and renders
// BENCHMARKS.md again.
//
//   npm run bench:diversity                          this build
//   npm run bench:diversity -- --before=/path/tree [--before-name=…]   also a built checkout, interleaved
//   npm run bench:diversity -- --seconds=30 --no-write --keep   (--keep: leave bench_div_2k5 for profiling)
//
// Same environment as `npm run bench` (BENCH_DATABASE_URL, BENCH_PORT; the database is bench_div_2k5).
import 'reflect-metadata';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/paths.js';
import { runDiversityCase } from './diversity.js';
import { prepareBenchModels } from './onnx-models.js';
import { renderReport } from './report.js';
import { type BenchResults } from './results.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined =>
  args.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const baseUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const port = Number(process.env['BENCH_PORT'] ?? 4719);
const before = option('before');

async function main(): Promise<void> {
  const command = `npm run bench:diversity${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`;
  const models = await prepareBenchModels(
    join(PROJECT_ROOT, 'bench', '.cache'),
    join(PROJECT_ROOT, 'models'),
  );
  const result = await runDiversityCase({
    baseUrl,
    models,
    port,
    seconds: Number(option('seconds') ?? 20),
    warmupSeconds: 2,
    command,
    others: before ? [{ name: option('before-name') ?? `before (${before})`, root: before }] : [],
    keepDatabase: args.includes('--keep'),
    log: (message) => console.log(message),
  });
  console.log(
    `ratio ${result.ratio.toFixed(2)} (target ≤ 2: ${result.targetMet ? 'met' : 'missed'}); fewest returned ${result.returnedKMin} of ${result.k}`,
  );
  if (args.includes('--no-write')) return;
  const path = join(PROJECT_ROOT, 'bench', 'results.json');
  const results = JSON.parse(await readFile(path, 'utf8')) as BenchResults;
  results.diversity = result;
  await writeFile(path, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(join(PROJECT_ROOT, 'BENCHMARKS.md'), renderReport(results));
  console.log('stored as `diversity` in bench/results.json; BENCHMARKS.md rendered again');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
