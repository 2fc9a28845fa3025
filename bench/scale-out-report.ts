// The "Scale-out" section of BENCHMARKS.md, from the last runs of `npx tsx bench/scale-out.ts`
// (bench/scale-out-results.json): storefront latency while a 1,000-photo import runs on the API
// process or on a separate worker. Missing on a machine that has not run it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/paths.js';
import { type LatencySummary } from './measure.js';

interface ScaleOutRun {
  readonly measuredAt: string;
  readonly readers: number;
  readonly catalogue: number;
  readonly photos: number;
  readonly results: ReadonlyArray<{
    readonly mode: string;
    readonly baseline: LatencySummary;
    readonly duringImport: LatencySummary;
    readonly importRequestsSeconds: number;
    readonly importEmbeddedSeconds: number;
    readonly loadAverage?: number;
  }>;
}

export function renderScaleOutSection(): string | null {
  const file = join(PROJECT_ROOT, 'bench', 'scale-out-results.json');
  if (!existsSync(file)) return null;
  const runs = (JSON.parse(readFileSync(file, 'utf8')) as { runs: ScaleOutRun[] }).runs;
  if (runs.length === 0) return null;
  const first = runs[0]!;
  const rows = runs.flatMap((run, index) =>
    run.results.map(
      (r) =>
        `| ${index + 1} (${run.measuredAt.slice(0, 16).replace('T', ' ')}) | ${r.mode} | ${r.baseline.p50Ms.toFixed(1)} / ${r.baseline.p99Ms.toFixed(1)} | ${r.duringImport.p50Ms.toFixed(1)} / ${r.duringImport.p99Ms.toFixed(1)} | ${r.duringImport.requests} | ${r.duringImport.errors} | ${r.importRequestsSeconds} | ${r.importEmbeddedSeconds} |`,
    ),
  );
  return `## Scale-out: storefront latency during a photo import

From \`npx tsx bench/scale-out.ts\` (after \`npm run build\`; raw numbers in
[\`bench/scale-out-results.json\`](bench/scale-out-results.json), its last ${runs.length} run(s)). Storefront: ${first.readers}
closed-loop readers of \`similarProducts(space: ATTRIBUTES, k: 10)\` over a ${first.catalogue.toLocaleString('en')}-product catalogue on
the Postgres server; the import: ${first.photos.toLocaleString('en')} 640×480 JPEGs in \`addProducts\` requests of 50, IMAGE model
\`mobilenetv2-12-int8\`, CLIP off; it counts as running until every photo has its vector. The service
processes are pinned with \`taskset\` (API on core 0, worker on core 1). See [SCALING.md](SCALING.md) for
what the split is for and the capacity model.

| run (UTC) | where the import runs | storefront p50 / p99 ms, no import | storefront p50 / p99 ms, during the import | reads during the import | errors | import requests s | until embedded s |
| --- | --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}`;
}
