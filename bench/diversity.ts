// The diversity case (issue 14): `recommendations` with two liked and one unliked product over
// ATTRIBUTES + TAGS, diversity 0.3 and explanations in the selection set, against the same query
// without diversity and explanations, on a 2.5k catalogue with tags (the Postgres server). Both run
// at c=1 over HTTP with their requests interleaved one by one (plain, diverse, plain, …), so the
// machine's noise falls on both alike; every answer must hold k products. More services (a built
// checkout from before a change) can be measured in the same interleaving.
import { seededRandom } from '../test/support/onnx-fixtures.js';
import { CatalogueGenerator, catalogueInfo } from './catalogue.js';
import { dropBenchDatabase, prepareServerCatalogue } from './databases.js';
import { type LatencySummary, summarise } from './measure.js';
import { CLIP_MODEL_ID, CNN_MODEL_ID, type BenchModels } from './onnx-models.js';
import { type ServiceProcess, startService } from './service-process.js';

export const DIVERSITY_CATALOGUE_SIZE = 2_500;
export const DIVERSITY_DATABASE = 'bench_div_2k5';
const K = 10;
const DIVERSITY = 0.3;
const SAMPLES = 32;

const SCORED = 'score distance product { id sku name category price }';
const EXPLANATION = `explanation {
  summary missingSpaces renormalized
  spaces { space metric modelId distance similarity weight effectiveWeight contribution }
  attributes { axis productValue queryValue share } }`;

export const DIVERSE_QUERY = `query Diverse($input: RecommendationInput!) {
  recommendations(input: $input) { ${SCORED} ${EXPLANATION} } }`;
export const PLAIN_QUERY = `query Plain($input: RecommendationInput!) { recommendations(input: $input) { ${SCORED} } }`;

export interface DiversityTimings {
  /** With diversity 0.3 and explanations. */
  readonly diverse: LatencySummary;
  /** The same query without both. */
  readonly plain: LatencySummary;
  /** diverse p50 ÷ plain p50 (target ≤ 2). */
  readonly ratio: number;
}

export interface DiversityResult extends DiversityTimings {
  readonly case: 'diversity-explanations';
  readonly catalogueSize: number;
  readonly database: 'server';
  readonly k: number;
  readonly diversity: number;
  readonly spaces: readonly string[];
  readonly samples: number;
  readonly command: string;
  readonly measuredAt: string;
  readonly targetMet: boolean;
  /** The fewest products any answer held (every answer of both queries, warm-up included). */
  readonly returnedKMin: number;
  /** Other builds measured in the same interleaving (e.g. before a change), by name. */
  readonly comparisons: Array<{ readonly name: string } & DiversityTimings>;
}

interface Sample {
  readonly like: [string, string];
  readonly unlike: string;
}

function pickTriples(ids: readonly string[], count: number, seed: number): Sample[] {
  const random = seededRandom(seed);
  const pick = (): string => ids[Math.floor(random() * ids.length)]!;
  const samples: Sample[] = [];
  while (samples.length < count) {
    const chosen = new Set([pick(), pick(), pick()]);
    if (chosen.size < 3) continue;
    const [a, b, c] = [...chosen] as [string, string, string];
    samples.push({ like: [a, b], unlike: c });
  }
  return samples;
}

function body(sample: Sample, diverse: boolean): string {
  const input = {
    like: sample.like.map((productId) => ({ productId })),
    unlike: [{ productId: sample.unlike }],
    spaces: [
      { space: 'ATTRIBUTES', weight: 1 },
      { space: 'TAGS', weight: 1 },
    ],
    k: K,
    ...(diverse ? { diversity: DIVERSITY } : {}),
  };
  return JSON.stringify({ query: diverse ? DIVERSE_QUERY : PLAIN_QUERY, variables: { input } });
}

interface Answer {
  readonly data?: { recommendations?: Array<{ explanation?: { summary?: string } | null }> };
  readonly errors?: unknown;
}

/** One request; throws unless it answered k products (with an explanation each, if asked). */
async function request(url: string, payload: string, explained: boolean): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: payload,
  });
  const answer = (await response.json()) as Answer;
  const list = answer.data?.recommendations;
  if (!list || answer.errors)
    throw new Error(`diversity case: GraphQL error ${JSON.stringify(answer.errors)}`);
  if (list.length !== K) throw new Error(`diversity case: ${list.length} products instead of ${K}`);
  if (explained && list.some((entry) => !entry.explanation?.summary))
    throw new Error('diversity case: a product came back without its explanation');
  return list.length;
}

export interface Target {
  readonly name: string;
  readonly url: string;
}

/**
 * Per target, both queries, one request at a time in turn (target 1 plain, target 1 diverse,
 * target 2 plain, …), cycling through the samples, for `seconds` after `warmupSeconds`. At c=1 a
 * query's req/s is its requests over the time spent in them.
 */
export async function interleaved(
  targets: readonly Target[],
  ids: readonly string[],
  seconds: number,
  warmupSeconds: number,
): Promise<{ timings: Map<string, DiversityTimings>; returnedKMin: number }> {
  const samples = pickTriples(ids, SAMPLES, 20261206);
  const runs = targets.flatMap((target) =>
    [false, true].map((diverse) => ({
      target: target.name,
      diverse,
      url: target.url,
      bodies: samples.map((sample) => body(sample, diverse)),
      latencies: [] as number[],
    })),
  );
  let returnedKMin = Infinity;
  // Every sample once on every target before timing: all must answer k.
  for (const run of runs)
    for (const payload of run.bodies)
      returnedKMin = Math.min(returnedKMin, await request(run.url, payload, run.diverse));
  const warmupEnd = performance.now() + warmupSeconds * 1000;
  const end = warmupEnd + seconds * 1000;
  for (let iteration = 0; performance.now() < end; iteration++) {
    for (const run of runs) {
      const started = performance.now();
      returnedKMin = Math.min(
        returnedKMin,
        await request(run.url, run.bodies[iteration % run.bodies.length]!, run.diverse),
      );
      if (started >= warmupEnd) run.latencies.push(performance.now() - started);
    }
  }
  const timings = new Map<string, DiversityTimings>();
  for (const target of targets) {
    const [plain, diverse] = [false, true].map((wanted) => {
      const run = runs.find((r) => r.target === target.name && r.diverse === wanted)!;
      return summarise(run.latencies, run.latencies.reduce((a, b) => a + b, 0) / 1000);
    }) as [LatencySummary, LatencySummary];
    timings.set(target.name, { diverse, plain, ratio: diverse.p50Ms / plain.p50Ms });
  }
  return { timings, returnedKMin };
}

export interface DiversityRunOptions {
  readonly baseUrl: string;
  readonly models: BenchModels;
  readonly port: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly command: string;
  /** Built checkouts (their dist/) to measure in the same interleaving, by name. */
  readonly others?: ReadonlyArray<{ readonly name: string; readonly root: string }>;
  readonly keepDatabase?: boolean;
  readonly log: (message: string) => void;
}

/** Loads the 2.5k catalogue with tags, starts the service(s) and measures the case. */
export async function runDiversityCase(options: DiversityRunOptions): Promise<DiversityResult> {
  const { log } = options;
  const generator = new CatalogueGenerator(DIVERSITY_CATALOGUE_SIZE, undefined, { tags: true });
  log(
    `diversity case: loading a ${DIVERSITY_CATALOGUE_SIZE}-product catalogue with tags into ${DIVERSITY_DATABASE}`,
  );
  const { url } = await prepareServerCatalogue(options.baseUrl, DIVERSITY_DATABASE, generator, {
    cnnModelId: CNN_MODEL_ID,
    clipModelId: CLIP_MODEL_ID,
  });
  const services: Array<{ name: string; service: ServiceProcess }> = [];
  try {
    const builds = [{ name: 'this build', root: undefined as string | undefined }, ...(options.others ?? [])];
    for (const [index, build] of builds.entries()) {
      const service = await startService({
        port: options.port + index,
        databaseUrl: url,
        modelsDir: options.models.modelsDir,
        manifestPath: options.models.manifestPath,
        imageModel: CNN_MODEL_ID,
        clipModel: CLIP_MODEL_ID,
        ...(build.root ? { root: build.root } : {}),
      });
      services.push({ name: build.name, service });
    }
    const info = catalogueInfo(generator);
    const { timings, returnedKMin } = await interleaved(
      services.map(({ name, service }) => ({ name, url: service.url })),
      info.ids,
      options.seconds,
      options.warmupSeconds,
    );
    for (const [name, timing] of timings) {
      log(
        `  ${name}: with diversity+explanations p50 ${timing.diverse.p50Ms.toFixed(2)} ms (${timing.diverse.throughputPerSec.toFixed(1)} req/s), ` +
          `without p50 ${timing.plain.p50Ms.toFixed(2)} ms (${timing.plain.throughputPerSec.toFixed(1)} req/s): ${timing.ratio.toFixed(2)}×`,
      );
    }
    const own = timings.get('this build')!;
    return {
      case: 'diversity-explanations',
      catalogueSize: DIVERSITY_CATALOGUE_SIZE,
      database: 'server',
      k: K,
      diversity: DIVERSITY,
      spaces: ['ATTRIBUTES', 'TAGS'],
      samples: SAMPLES,
      command: options.command,
      measuredAt: new Date().toISOString(),
      ...own,
      targetMet: own.ratio <= 2,
      returnedKMin,
      comparisons: [...timings]
        .filter(([name]) => name !== 'this build')
        .map(([name, timing]) => ({ name, ...timing })),
    };
  } catch (error) {
    for (const { service } of services) console.error(service.stderr());
    throw error;
  } finally {
    for (const { service } of services) await service.stop();
    if (!options.keepDatabase) await dropBenchDatabase(options.baseUrl, DIVERSITY_DATABASE);
  }
}
