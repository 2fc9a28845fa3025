// The shape of bench/results.json (BENCHMARKS.md is rendered from the same object).
import { type ClassificationPrototypeResult, type ClassificationResult } from './classification.js';
import { type ProfileShare } from './cpu-profile.js';
import { type IndexTimings } from './databases.js';
import { type DiversityResult } from './diversity.js';
import { type ModelLimitResult, type PipelineProfile, type PipelineResult } from './ingest.js';
import { type LatencySummary, type MachineFacts, type UsageWindow } from './measure.js';
import { type EfSearchPoint } from './query-bench.js';

export type DatabaseKindName = 'server' | 'embedded';

export interface QueryCaseResult {
  readonly case: string;
  readonly title: string;
  readonly database: DatabaseKindName;
  readonly catalogueSize: number;
  readonly available: boolean;
  readonly unavailableReason?: string;
  readonly requestedK: number;
  /** The fewest results any sample returned. */
  readonly returnedK: number | null;
  readonly recallAt10: number | null;
  readonly recallAt10Min: number | null;
  readonly recallSamples: number;
  /** Mean ms of the bench's exact SQL (recall ground truth), and of the repository's exact path (the engine's fallback). */
  readonly exactSqlMs?: number;
  readonly repositoryExactMs?: number | null;
  /** At concurrency 1. */
  readonly graphqlP50Ms: number | null;
  /** The repository's vector transaction through `pg`, at concurrency 1. */
  readonly sqlP50Ms: number | null;
  /** Every statement the service sent for the request, replayed in order through `pg`, at concurrency 1. */
  readonly sqlAllP50Ms: number | null;
  /** 1.5 × sqlP50Ms + 1 ms. */
  readonly targetP50Ms: number | null;
  readonly targetMet: boolean | null;
  /**
   * The best raw SQL for the same answer (query-cases.ts FLOOR_SQL, server only), at concurrency 1:
   * its p50, and each part's p50 (summed for several spaces, the smaller for a filter's two plans).
   */
  readonly floorP50Ms?: number | null;
  readonly floorParts?: Record<string, number>;
  readonly concurrency: Record<
    string,
    {
      graphql: LatencySummary | null;
      sql: LatencySummary;
      sqlAll: LatencySummary;
      /** The floor at this concurrency (p50 and q/s as combined from its parts). */
      floor?: { p50Ms: number; throughputPerSec: number };
      /** GraphQL req/s ÷ floor q/s. */
      throughputRatio?: number;
    }
  >;
  readonly statementsPerRequest: number | null;
  readonly transactionStatements: number | null;
  readonly sqlBreakdownMs: Record<string, number> | null;
  readonly verifiedSamples: number;
  readonly efSearchSweep: EfSearchPoint[] | null;
  readonly plan: string | null;
  readonly serverUsage?: UsageWindow;
}

export interface BenchResults {
  readonly command: string;
  readonly mode: 'quick' | 'full';
  readonly startedAt: string;
  durationSeconds: number;
  readonly machine: MachineFacts;
  readonly models: {
    readonly generated: boolean;
    readonly note: string;
    readonly files: ReadonlyArray<{ path: string; bytes: number; sha256: string }>;
    readonly generationSeconds: number;
  };
  readonly catalogues: Array<{ size: number; database: DatabaseKindName; timings: IndexTimings }>;
  readonly queries: QueryCaseResult[];
  ingest: {
    /** The best of the HTTP runs (products with photos per second, end to end). */
    pipelineItemsPerSec: number;
    /** Raw sessions, both models, on preprocessed tensors of the same batches. */
    modelItemsPerSec: number;
    ratio: number;
    targetMet: boolean;
    firstRequestSeconds: number;
    runs: PipelineResult[];
    modelLimit: ModelLimitResult;
    profile: PipelineProfile | null;
    catalogueSize: number;
    /** Prototypes of service changes, measured the same way (HTTP runs, and the in-process profile). */
    variants: Array<{ name: string; runs: PipelineResult[]; profile: PipelineProfile | null }>;
  } | null;
  classification: (ClassificationResult & { catalogueSize: number }) | { skipped: string } | null;
  classificationPrototype: (ClassificationPrototypeResult & { catalogueSize: number }) | null;
  memory: {
    idleStartRssBytes: number;
    idleModelsLoadedRssBytes: number | null;
    queryLoadPeakRssBytes: number | null;
    ingestPeakRssBytes: number | null;
    catalogueSize: number;
  } | null;
  queryProfiles: Array<{
    case: string;
    connections: number;
    catalogueSize: number;
    requests: number;
    seconds: number;
    /** Server CPU per request (busy profile time / requests). */
    cpuMsPerRequest: number;
    top: ProfileShare[];
  }>;
  notes: string[];
  /** The diversity + explanations case at 2.5k (bench/diversity.ts); absent in runs from before it. */
  diversity?: DiversityResult | null;
  /**
   * The service answering `{ __typename }` (HTTP, express, Apollo; no resolver, no database) on each
   * server catalogue, per concurrency: the most any case can get out of this machine's HTTP + GraphQL
   * path, beside which the fixed-cost and c=16 targets are read.
   */
  transportCeilings?: Array<{ catalogueSize: number; concurrency: Record<string, LatencySummary> }>;
  /**
   * On the server, each case's GraphQL load, its replayed statements and its floor take turns in
   * `rounds` windows of `seconds` (after `warmupSeconds` each); each figure is the median of its
   * rounds. Absent in runs before the one of 2026-12-07 07:39 UTC, which measured each in one window in turn.
   */
  queryRounds?: { rounds: number; seconds: number; warmupSeconds: number };
}
