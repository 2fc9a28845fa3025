// The "one comparison in WebAssembly" part of BENCHMARKS.md section 6, from bench/pglite-kernel.json
// (`npm run bench:pglite-kernel`). Missing on a machine that has not run it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../src/paths.js';
import { type KernelResults } from './pglite-kernel.js';

export function readKernelResults(): KernelResults | null {
  const file = join(PROJECT_ROOT, 'bench', 'pglite-kernel.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as KernelResults) : null;
}

/** "29.1 vs 3.8 µs" for the 2048-d halfvec comparison, for the Targets table. */
export function halfvecKernelNote(): string | null {
  const kernel = readKernelResults()?.results.find((r) => r.kind === 'halfvec2048');
  return kernel
    ? `one 2048-d halfvec comparison costs ${kernel.pgliteMicros.toFixed(1)} µs in PGlite vs ${kernel.serverMicros.toFixed(1)} µs on the server (section 6)`
    : null;
}

export function renderKernelSubsection(): string | null {
  const kernel = readKernelResults();
  if (!kernel) return null;
  const rows = kernel.results.map(
    (r) =>
      `| ${r.title} | ${r.pgliteMicros.toFixed(2)} | ${r.serverMicros.toFixed(2)} | ${(r.pgliteMicros / r.serverMicros).toFixed(1)}× |`,
  );
  const half = kernel.results.find((r) => r.kind === 'halfvec2048');
  const clip = kernel.results.find((r) => r.kind === 'vector512');
  return `### Why the IMAGE query was slow on PGlite: one comparison in WebAssembly

An HNSW search compares the query with every graph node it visits (about the same number at the same
\`ef_search\` on either database), so its time is about nodes visited × the cost of one comparison. That cost,
measured on the same ${kernel.rows.toLocaleString('en')} stored vectors in one run (\`${kernel.command}\`,
${kernel.date.slice(0, 16).replace('T', ' ')} UTC; scan with the distance minus scan without, ÷ rows, median of ${kernel.repetitions};
raw numbers in [\`bench/pglite-kernel.json\`](bench/pglite-kernel.json)):

| stored vector | PGlite µs per comparison | server µs per comparison | PGlite ÷ server |
|---|---:|---:|---:|
${rows.join('\n')}

${
  half && clip
    ? `A 512-d comparison costs about as much in WebAssembly as natively, so CLIP queries run on PGlite at close to the
server's speed. A 2048-d halfvec comparison costs ${(half.pgliteMicros / half.serverMicros).toFixed(1)}× the server's: the server's pgvector converts
half-precision components with the CPU's vector instructions, WebAssembly has none and converts each one in
software — so a search that compares the query with a few thousand graph nodes of 2048 halves cannot come within 3 × the
server. An exact scan pays the same cost for every product (10k × ${half.pgliteMicros.toFixed(0)} µs ≈ ${((10_000 * half.pgliteMicros) / 1000).toFixed(0)} ms), and a smaller
\`ef_search\` visits fewer nodes but returned the wrong cluster for 1 query in 200 at 40 on PGlite. What the embedded
database does instead (\`VECTOR_SEARCH_BINARY_CANDIDATES\`, on by default there since 2026-12-07): the graph search runs
on the Hamming index over the vectors' binary quantisation (2048 bits, a few words to compare), takes at least 40
and 4 × k candidates, and only those are compared as halfvec, for the exact ranking; the halfvec cosine index is
not built there at all. Section 6 measures the result; "Service changes" the before and after.`
    : ''
}`;
}
