// Storage of BEHAVIOR models: their lifecycle rows, the training data read from the interaction
// log, item vectors (product_embedding rows per version) with their HNSW index, and the switch of
// the serving version — one transaction, so queries see the old version until the new one is whole.
import { Prisma, type PrismaClient } from '../generated/prisma/client.js';
import { embeddingIndexName, modelLiteral, storedVector, vectorLiteral } from '../db/vector-sql.js';
import {
  behaviorModelId,
  type BehaviorModelRecord,
  type BehaviorVectorModel,
  type TrainingData,
} from './behavior-model.domain.js';

const SPACE = 'BEHAVIOR';
const VECTOR_BATCH = 2000;

function toRecord(row: {
  version: number;
  state: string;
  dimension: number;
  users: number | null;
  items: number | null;
  interactions: number | null;
  progress: number;
  phase: string | null;
  error: string | null;
  queuedAt: Date;
  startedAt: Date | null;
  trainedAt: Date | null;
  trainingMs: number | null;
}): BehaviorModelRecord {
  return { ...row, state: row.state as BehaviorModelRecord['state'] };
}

export class BehaviorModelRepository {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly hnsw: { readonly m: number; readonly efConstruction: number },
  ) {}

  async latest(): Promise<BehaviorModelRecord | null> {
    const row = await this.prisma.behaviorModel.findFirst({ orderBy: { version: 'desc' } });
    return row ? toRecord(row) : null;
  }

  async get(version: number): Promise<BehaviorModelRecord | null> {
    const row = await this.prisma.behaviorModel.findUnique({ where: { version } });
    return row ? toRecord(row) : null;
  }

  /** The version embedding_space names for BEHAVIOR, with its dimension. */
  async active(): Promise<BehaviorVectorModel | null> {
    const rows = await this.prisma.$queryRaw<Array<{ version: number; dimension: number; started_at: Date }>>`
      SELECT m.version, m.dimension, m.started_at FROM embedding_space s
        JOIN behavior_model m ON 'behavior-v' || m.version = s.active_model_id
       WHERE s.space = ${SPACE}`;
    const row = rows[0];
    return row
      ? {
          version: row.version,
          modelId: behaviorModelId(row.version),
          dimension: row.dimension,
          trainedFrom: new Date(row.started_at),
        }
      : null;
  }

  /**
   * Queues a new version unless one is already queued or training (then returns null): the partial
   * unique index makes this safe between processes.
   */
  async enqueue(dimension: number, parameters: object): Promise<number | null> {
    const rows = await this.prisma.$queryRaw<Array<{ version: number }>>`
      INSERT INTO behavior_model (state, dimension, parameters)
      SELECT 'QUEUED', ${dimension}::int, ${JSON.stringify(parameters)}::jsonb
       WHERE NOT EXISTS (SELECT 1 FROM behavior_model WHERE state IN ('QUEUED', 'TRAINING'))
      ON CONFLICT ((true)) WHERE state IN ('QUEUED', 'TRAINING') DO NOTHING
      RETURNING version`;
    return rows[0]?.version ?? null;
  }

  /** QUEUED → TRAINING for this version; false when another worker took it or it is not queued. */
  async claim(version: number): Promise<boolean> {
    const claimed = await this.prisma.$executeRaw`
      UPDATE behavior_model SET state = 'TRAINING', started_at = now(), heartbeat_at = now(),
             progress = 0, phase = 'reading interactions', error = NULL
       WHERE version = ${version}::int AND state = 'QUEUED'`;
    return claimed === 1;
  }

  async progress(
    version: number,
    update: { progress: number; phase: string; users?: number; items?: number; interactions?: number },
  ): Promise<void> {
    await this.prisma.behaviorModel.update({
      where: { version },
      data: { ...update, heartbeatAt: new Date() },
    });
  }

  async heartbeat(version: number): Promise<void> {
    await this.prisma
      .$executeRaw`UPDATE behavior_model SET heartbeat_at = now() WHERE version = ${version}::int AND state = 'TRAINING'`;
  }

  /** A training interrupted by a stop goes back to the queue, its partial vectors dropped. */
  async requeue(version: number): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE behavior_model SET state = 'QUEUED', progress = 0, phase = NULL
       WHERE version = ${version}::int AND state = 'TRAINING'`;
    await this.deleteVectors(behaviorModelId(version));
  }

  async fail(version: number, error: string): Promise<void> {
    await this.prisma.$executeRaw`
      UPDATE behavior_model SET state = 'FAILED', error = ${error.slice(0, 2000)}, heartbeat_at = now()
       WHERE version = ${version}::int`;
    await this.deleteVectors(behaviorModelId(version));
  }

  /**
   * Trainings whose worker died (no heartbeat for `staleSeconds`) go back to QUEUED, their partial
   * vectors dropped; returns those versions, for the queue to run again.
   */
  async requeueStale(staleSeconds: number): Promise<number[]> {
    const stale = await this.prisma.$queryRaw<Array<{ version: number }>>`
      UPDATE behavior_model SET state = 'QUEUED', progress = 0, phase = NULL
       WHERE state = 'TRAINING' AND heartbeat_at < now() - make_interval(secs => ${staleSeconds}::float8)
       RETURNING version`;
    for (const { version } of stale) await this.deleteVectors(behaviorModelId(version));
    return stale.map((row) => row.version);
  }

  async queuedVersions(): Promise<number[]> {
    const queued = await this.prisma.behaviorModel.findMany({
      where: { state: 'QUEUED' },
      select: { version: true },
    });
    return queued.map((row) => row.version);
  }

  /**
   * The interaction log as training pairs: per shopper and existing product, Σ weight(type) over
   * their events; shoppers and products numbered densely.
   */
  async trainingData(weights: Readonly<Record<string, number>>): Promise<TrainingData> {
    const types = Object.keys(weights);
    const values = Object.values(weights);
    // One pass over the whole log: DB_STATEMENT_TIMEOUT_MS is for queries, not for this.
    const rows = await this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SET LOCAL statement_timeout = 0`;
        return tx.$queryRaw<
          Array<{
            product_ids: string[] | null;
            users: number;
            user_index: number[] | null;
            item_index: number[] | null;
            strength: number[] | null;
            interactions: number;
          }>
        >`
      WITH w(type, weight) AS (SELECT * FROM unnest(${types}::text[], ${values}::float8[])),
      events AS (
        SELECT i.user_token, i.product_id, w.weight
          FROM interaction i JOIN w ON w.type = i.type JOIN product p ON p.id = i.product_id
      ),
      pairs AS (SELECT user_token, product_id, sum(weight)::float4 AS strength FROM events GROUP BY 1, 2),
      users AS (SELECT user_token, (row_number() OVER (ORDER BY user_token) - 1)::int AS u
                  FROM (SELECT DISTINCT user_token FROM pairs) s),
      items AS (SELECT product_id, (row_number() OVER (ORDER BY product_id) - 1)::int AS it
                  FROM (SELECT DISTINCT product_id FROM pairs) s)
      SELECT (SELECT array_agg(product_id::text ORDER BY it) FROM items) AS product_ids,
             (SELECT count(*) FROM users)::int AS users,
             (SELECT count(*) FROM events)::int AS interactions,
             array_agg(u.u) AS user_index, array_agg(t.it) AS item_index, array_agg(pr.strength) AS strength
        FROM pairs pr JOIN users u USING (user_token) JOIN items t USING (product_id)`;
      },
      { timeout: 3600_000, maxWait: 60_000 },
    );
    const row = rows[0]!;
    return {
      productIds: row.product_ids ?? [],
      users: Number(row.users),
      userIndex: Int32Array.from(row.user_index ?? []),
      itemIndex: Int32Array.from(row.item_index ?? []),
      strength: Float32Array.from((row.strength ?? []).map(Number)),
      interactions: Number(row.interactions),
    };
  }

  /** Stores item vectors of a version, in batches (each one statement). */
  async saveVectors(
    version: number,
    productIds: readonly string[],
    vectors: Float32Array,
    dimension: number,
    onBatch?: (done: number) => Promise<void>,
  ): Promise<void> {
    const modelId = behaviorModelId(version);
    for (let start = 0; start < productIds.length; start += VECTOR_BATCH) {
      const ids = productIds.slice(start, start + VECTOR_BATCH);
      const literals = ids.map((_, offset) =>
        vectorLiteral(vectors.subarray((start + offset) * dimension, (start + offset + 1) * dimension)),
      );
      await this.prisma.$executeRaw`
        INSERT INTO product_embedding (product_id, space, model_id, embedding)
        SELECT t.product_id, ${SPACE}, ${modelId}, t.embedding::vector
          FROM unnest(${ids}::uuid[], ${literals}::text[]) AS t(product_id, embedding)
          JOIN product p ON p.id = t.product_id
        ON CONFLICT (product_id, model_id) DO UPDATE SET embedding = EXCLUDED.embedding`;
      await onBatch?.(start + ids.length);
    }
  }

  /** The version's partial HNSW index (cosine), built before it serves. */
  async buildIndex(version: number, dimension: number): Promise<void> {
    const modelId = behaviorModelId(version);
    const name = Prisma.raw(`"${embeddingIndexName(modelId, 'cos')}"`);
    const build = Prisma.raw(
      `WITH (m = ${Math.trunc(this.hnsw.m)}, ef_construction = ${Math.trunc(this.hnsw.efConstruction)})`,
    );
    // Minutes at 100k products: no statement timeout, memory enough to build in one pass, and an
    // interactive transaction with a deadline of its own (Prisma's default is 5 s).
    await this.prisma.$transaction(
      async (tx) => {
        await tx.$executeRaw`SET LOCAL statement_timeout = 0`;
        await tx.$executeRaw`SET LOCAL maintenance_work_mem = '256MB'`;
        await tx.$executeRaw`
          CREATE INDEX IF NOT EXISTS ${name} ON product_embedding
           USING hnsw ((${storedVector(null, dimension)}) vector_cosine_ops) ${build}
           WHERE model_id = ${modelLiteral(modelId)}`;
      },
      { timeout: 6 * 3600_000, maxWait: 60_000 },
    );
    // Until the statistics know the new model id, the planner estimates one row for it and orders
    // BEHAVIOR queries by an exact scan of all its vectors (measured at 10k: 19 ms instead of 0.6 ms
    // by the index); autovacuum would notice only a minute or more later.
    await this.prisma.$executeRaw`ANALYZE product_embedding`;
  }

  /** The version becomes READY and serves BEHAVIOR queries, in one transaction. */
  async activate(version: number, trainingMs: number): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.$executeRaw`
        UPDATE behavior_model SET state = 'READY', progress = 1, phase = NULL, trained_at = now(),
               training_ms = ${Math.round(trainingMs)}::int, heartbeat_at = now()
         WHERE version = ${version}::int`,
      this.prisma.$executeRaw`
        INSERT INTO embedding_space (space, active_model_id, updated_at)
        VALUES (${SPACE}, ${behaviorModelId(version)}, now())
        ON CONFLICT (space) DO UPDATE SET active_model_id = EXCLUDED.active_model_id, updated_at = now()`,
    ]);
  }

  /** Drops the vectors and indexes of every BEHAVIOR version but `keep`. */
  async deleteOtherVersions(keep: number): Promise<void> {
    const others = await this.prisma.$queryRaw<Array<{ model_id: string }>>`
      SELECT DISTINCT model_id FROM product_embedding WHERE space = ${SPACE} AND model_id <> ${behaviorModelId(keep)}`;
    for (const { model_id } of others) await this.deleteVectors(model_id);
  }

  private async deleteVectors(modelId: string): Promise<void> {
    await this.prisma
      .$executeRaw`DROP INDEX IF EXISTS ${Prisma.raw(`"${embeddingIndexName(modelId, 'cos')}"`)}`;
    await this.prisma.$executeRaw`DELETE FROM product_embedding WHERE model_id = ${modelId}`;
  }

  async hasInteractions(): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<
      Array<{ present: boolean }>
    >`SELECT EXISTS (SELECT 1 FROM interaction) AS present`;
    return rows[0]?.present ?? false;
  }
}
