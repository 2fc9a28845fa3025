// A synthetic catalogue with vectors of each space's real shape, and loaders for the Postgres server
// (binary COPY) and the embedded PGlite (large multi-row INSERTs through the service's own pool).
//
// Uniform random vectors make every neighbour equally far and recall meaningless, so the data is
// clustered the way embeddings are: a few hundred clusters, each with its own low-rank directions
// of variation (a 16-d latent per cluster) plus a little isotropic noise, and a shared component
// (real CLIP and CNN embeddings are anisotropic: random pairs have clearly positive cosines).
// CNN features are post-ReLU: non-negative and about half zeros. Attribute scores are integer
// clusters in 0–99. One category, RARE_CATEGORY, holds exactly 1 % of products, chosen
// independently of the vectors (the hard case for a filtered HNSW scan). With `tags`, each product
// also gets 3–6 tags (the TAGS space, Jaccard over sets): mostly from its attribute cluster's own
// few, plus one or two from the whole vocabulary; drawn from a PRNG of their own, so the vectors
// and ids are the same with or without them.
import pg from 'pg';
import { seededRandom } from '../test/support/onnx-fixtures.js';
import { BinaryCopyWriter, copyFrom } from './pg-copy.js';

export const RARE_CATEGORY = 'limited-edition';
export const CLIP_DIMENSION = 512;
export const CNN_DIMENSION = 2048;
const CLUSTERS = 300;
const LATENT = 16;
const COMMON_CATEGORIES = 40;
const TAG_VOCABULARY = 400;
const TAGS_PER_CLUSTER = 6;

/** Standard normal values from a uniform PRNG (Box–Muller, both outputs used). */
function normalSource(random: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const value = spare;
      spare = null;
      return value;
    }
    const u = random() || 1e-12;
    const v = random();
    const radius = Math.sqrt(-2 * Math.log(u));
    spare = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  };
}

function normalise(vector: Float32Array): void {
  let squares = 0;
  for (const value of vector) squares += value * value;
  const norm = Math.sqrt(squares) || 1;
  for (let i = 0; i < vector.length; i++) vector[i]! /= norm;
}

interface SpaceModel {
  readonly dimension: number;
  readonly common: Float32Array;
  readonly centres: Float32Array[];
  /** Per cluster, [dimension × LATENT] directions of variation. */
  readonly directions: Float32Array[];
}

function spaceModel(dimension: number, normal: () => number): SpaceModel {
  const vector = (scale: number): Float32Array =>
    Float32Array.from({ length: dimension }, () => normal() * scale);
  return {
    dimension,
    common: vector(1),
    centres: Array.from({ length: CLUSTERS }, () => vector(1)),
    directions: Array.from({ length: CLUSTERS }, () =>
      Float32Array.from({ length: dimension * LATENT }, () => normal() / Math.sqrt(LATENT)),
    ),
  };
}

/**
 * One embedding: common·a + centre·b + directions·z·s + noise·e (per-dimension unit scales), then
 * ReLU for CNN features, then L2-normalised like the service's embeddings.
 */
function embedding(
  model: SpaceModel,
  cluster: number,
  normal: () => number,
  weights: { common: number; centre: number; latent: number; noise: number },
  relu: boolean,
): Float32Array {
  const { dimension } = model;
  const centre = model.centres[cluster]!;
  const directions = model.directions[cluster]!;
  const z = Array.from({ length: LATENT }, () => normal());
  const out = new Float32Array(dimension);
  for (let d = 0; d < dimension; d++) {
    let latent = 0;
    const row = d * LATENT;
    for (let j = 0; j < LATENT; j++) latent += directions[row + j]! * z[j]!;
    const value =
      weights.common * model.common[d]! +
      weights.centre * centre[d]! +
      weights.latent * latent +
      weights.noise * normal();
    out[d] = relu && value < 0 ? 0 : value;
  }
  normalise(out);
  return out;
}

export interface ProductChunk {
  readonly ids: string[];
  readonly skus: string[];
  readonly categories: string[];
  readonly prices: number[];
  /** Scores per product, 3 each. */
  readonly attributes: number[][];
  /** Per product; empty unless the generator was asked for tags. */
  readonly tags: string[][];
  readonly clip: Float32Array[];
  /** Empty when the generator leaves the CNN (IMAGE) space out. */
  readonly cnn: Float32Array[];
  readonly first: number;
}

export interface GeneratorOptions {
  /** Whether products get a 2048-d CNN (IMAGE) vector too; without it a catalogue is CLIP + attributes. */
  readonly cnn?: boolean;
  /** Whether products get 3–6 tags (the diversity case); off by default. */
  readonly tags?: boolean;
}

export interface CatalogueInfo {
  readonly size: number;
  readonly ids: string[];
  readonly rareIds: string[];
  readonly categoryCounts: Map<string, number>;
}

function uuidFrom(random: () => number): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Rare iff i·7919 ≡ 37 (mod 100): a bijection on residues, so exactly 1 % when size is a multiple of 100. */
export const isRare = (index: number): boolean => (index * 7919) % 100 === 37;

export class CatalogueGenerator {
  private readonly random: () => number;
  private readonly normal: () => number;
  private readonly clipModel: SpaceModel;
  private readonly cnnModel: SpaceModel;
  private readonly attributeCentres: number[][];
  private readonly tagRandom: () => number;
  private readonly clusterTags: string[][];
  readonly ids: string[] = [];
  readonly withCnn: boolean;

  constructor(
    readonly size: number,
    readonly seed = 20261128,
    readonly options: GeneratorOptions = {},
  ) {
    this.withCnn = options.cnn ?? true;
    if (size % 100 !== 0) throw new Error('catalogue sizes must be multiples of 100 (1 % rare category)');
    const modelRandom = seededRandom(seed);
    const modelNormal = normalSource(modelRandom);
    this.clipModel = spaceModel(CLIP_DIMENSION, modelNormal);
    this.cnnModel = spaceModel(CNN_DIMENSION, modelNormal);
    this.attributeCentres = Array.from({ length: CLUSTERS }, () =>
      Array.from({ length: 3 }, () => 10 + modelRandom() * 80),
    );
    this.random = seededRandom(seed + 1);
    this.normal = normalSource(this.random);
    this.tagRandom = seededRandom(seed + 2);
    this.clusterTags = Array.from({ length: CLUSTERS }, () =>
      Array.from({ length: TAGS_PER_CLUSTER }, () => tagName(Math.floor(this.tagRandom() * TAG_VOCABULARY))),
    );
  }

  /** 3–6 distinct tags: two to four of the cluster's own, one or two from the whole vocabulary. */
  private tagsOf(cluster: number): string[] {
    const own = this.clusterTags[cluster]!;
    const tags = new Set<string>();
    const fromCluster = 2 + Math.floor(this.tagRandom() * 3);
    while (tags.size < Math.min(fromCluster, new Set(own).size))
      tags.add(own[Math.floor(this.tagRandom() * own.length)]!);
    const extra = 1 + Math.floor(this.tagRandom() * 2);
    for (let i = 0; i < extra; i++) tags.add(tagName(Math.floor(this.tagRandom() * TAG_VOCABULARY)));
    return [...tags].sort();
  }

  /** Products in order, `chunkSize` at a time; the same seed gives the same catalogue. */
  *chunks(chunkSize: number): Generator<ProductChunk> {
    for (let first = 0; first < this.size; first += chunkSize) {
      const count = Math.min(chunkSize, this.size - first);
      const chunk: ProductChunk = {
        ids: [],
        skus: [],
        categories: [],
        prices: [],
        attributes: [],
        tags: [],
        clip: [],
        cnn: [],
        first,
      };
      for (let offset = 0; offset < count; offset++) {
        const index = first + offset;
        const id = uuidFrom(this.random);
        this.ids.push(id);
        const visual = Math.floor(this.random() * CLUSTERS);
        const attributeCluster = Math.floor(this.random() * CLUSTERS);
        chunk.ids.push(id);
        chunk.skus.push(`bench-${index}`);
        chunk.categories.push(isRare(index) ? RARE_CATEGORY : `category-${visual % COMMON_CATEGORIES}`);
        chunk.prices.push(Math.max(0.5, Math.round(Math.exp(3.5 + 0.8 * this.normal()) * 100) / 100));
        const scores = this.attributeCentres[attributeCluster]!.map((centre) =>
          Math.min(99, Math.max(0, Math.round(centre + 7 * this.normal()))),
        );
        if (!scores.some((score) => score > 0)) scores[0] = 1;
        chunk.attributes.push(scores);
        chunk.tags.push(this.options.tags ? this.tagsOf(attributeCluster) : []);
        chunk.clip.push(
          embedding(
            this.clipModel,
            visual,
            this.normal,
            { common: 0.8, centre: 1, latent: 0.7, noise: 0.35 },
            false,
          ),
        );
        if (this.withCnn) {
          chunk.cnn.push(
            embedding(
              this.cnnModel,
              visual,
              this.normal,
              { common: 0.8, centre: 1, latent: 0.7, noise: 0.4 },
              true,
            ),
          );
        }
      }
      yield chunk;
    }
  }
}

const tagName = (index: number): string => `tag-${index}`;

const BASE_TIME = Date.UTC(2026, 0, 1);
const createdAt = (index: number): string => new Date(BASE_TIME + index * 1000).toISOString();

export interface LoadTimings {
  generateAndCopySeconds: number;
  productRows: number;
  embeddingRows: number;
}

export interface LoadModels {
  readonly cnnModelId: string;
  readonly clipModelId: string;
}

const PRODUCT_COLUMNS =
  'id, sku, name, description, category, price, currency, image_url, attribute_scores, tags, created_at, updated_at';

/**
 * Loads the catalogue into a migrated, empty server database with binary COPY for the embeddings
 * (text COPY for the small product rows), streaming chunks as they are generated.
 */
export async function loadIntoServer(
  url: string,
  generator: CatalogueGenerator,
  models: LoadModels,
  onProgress?: (done: number) => void,
): Promise<LoadTimings> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  let productRows = 0;
  let embeddingRows = 0;
  try {
    await client.query('SET synchronous_commit = off');
    // Products first (embeddings reference them), in the same pass as the embeddings they own:
    // each chunk goes to the product COPY, then the same chunk to the embedding COPY.
    const chunkSize = 2000;
    for (const chunk of generator.chunks(chunkSize)) {
      await client.query('BEGIN');
      productRows += await copyFrom(
        client,
        `COPY product (${PRODUCT_COLUMNS}) FROM STDIN`,
        single(productText(chunk)),
      );
      embeddingRows += await copyFrom(
        client,
        'COPY product_embedding (product_id, space, model_id, embedding) FROM STDIN (FORMAT binary)',
        embeddingBinary(chunk, models),
      );
      await client.query('COMMIT');
      onProgress?.(chunk.first + chunk.ids.length);
    }
  } finally {
    await client.end();
  }
  return { generateAndCopySeconds: (performance.now() - started) / 1000, productRows, embeddingRows };
}

// eslint-disable-next-line @typescript-eslint/require-await
async function* single(buffer: Buffer): AsyncGenerator<Buffer> {
  yield buffer;
}

function productText(chunk: ProductChunk): Buffer {
  const lines: string[] = [];
  chunk.ids.forEach((id, i) => {
    const index = chunk.first + i;
    const time = createdAt(index);
    lines.push(
      [
        id,
        chunk.skus[i]!,
        `Bench product ${index}`,
        '\\N',
        chunk.categories[i]!,
        chunk.prices[i]!.toFixed(2),
        'EUR',
        '\\N',
        `{${chunk.attributes[i]!.join(',')}}`,
        `{${chunk.tags[i]!.join(',')}}`,
        time,
        time,
      ].join('\t'),
    );
  });
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** The spaces a chunk has vectors for: CLIP always, IMAGE unless the generator left it out. */
function chunkSpaces(
  chunk: ProductChunk,
  models: LoadModels,
): Array<readonly ['CLIP' | 'IMAGE', string, Float32Array[]]> {
  return [
    ['CLIP', models.clipModelId, chunk.clip] as const,
    ...(chunk.cnn.length > 0 ? [['IMAGE', models.cnnModelId, chunk.cnn] as const] : []),
  ];
}

// eslint-disable-next-line @typescript-eslint/require-await
async function* embeddingBinary(chunk: ProductChunk, models: LoadModels): AsyncGenerator<Buffer> {
  const writer = new BinaryCopyWriter(4 << 20);
  yield BinaryCopyWriter.header();
  for (let i = 0; i < chunk.ids.length; i++) {
    for (const [space, modelId, vectors] of chunkSpaces(chunk, models)) {
      const vector = vectors[i]!;
      writer.row(4);
      writer.uuid(chunk.ids[i]!);
      writer.text(space);
      writer.text(modelId);
      writer.vector(vector);
    }
    if ((i & 63) === 63) yield writer.take();
  }
  yield writer.take();
  yield BinaryCopyWriter.trailer();
}

/** Shortest text that round-trips a float32 (pgvector parses with strtof). */
const floatText = (value: number): string => String(Math.fround(value).toPrecision(9));
const vectorText = (vector: Float32Array): string => `[${Array.from(vector, floatText).join(',')}]`;

/** Loads the catalogue through a `pg.Pool`-like handle (the embedded PGlite's), in multi-row INSERTs. */
export async function loadThroughPool(
  pool: pg.Pool,
  generator: CatalogueGenerator,
  models: LoadModels,
  onProgress?: (done: number) => void,
): Promise<LoadTimings> {
  const started = performance.now();
  let productRows = 0;
  let embeddingRows = 0;
  for (const chunk of generator.chunks(250)) {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const products = await client.query(
        `INSERT INTO product (${PRODUCT_COLUMNS})
         SELECT t.id, t.sku, 'Bench product ' || t.n, NULL, t.category, t.price, 'EUR', NULL, t.scores::float8[],
                t.tags::text[], t.at, t.at
           FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::numeric[], $6::text[], $7::timestamptz[], $8::text[])
                AS t(id, sku, n, category, price, scores, at, tags)`,
        [
          chunk.ids,
          chunk.skus,
          chunk.ids.map((_, i) => chunk.first + i),
          chunk.categories,
          chunk.prices.map((price) => price.toFixed(2)),
          chunk.attributes.map((scores) => `{${scores.join(',')}}`),
          chunk.ids.map((_, i) => createdAt(chunk.first + i)),
          chunk.tags.map((tags) => `{${tags.join(',')}}`),
        ],
      );
      productRows += products.rowCount ?? 0;
      for (const [space, modelId, vectors] of chunkSpaces(chunk, models)) {
        const inserted = await client.query(
          `INSERT INTO product_embedding (product_id, space, model_id, embedding)
           SELECT t.id, $2, $3, t.v::vector FROM unnest($1::uuid[], $4::text[]) AS t(id, v)`,
          [chunk.ids, space, modelId, vectors.map(vectorText)],
        );
        embeddingRows += inserted.rowCount ?? 0;
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    onProgress?.(chunk.first + chunk.ids.length);
  }
  return { generateAndCopySeconds: (performance.now() - started) / 1000, productRows, embeddingRows };
}

/** What the catalogue holds, for picking query samples. */
export function catalogueInfo(generator: CatalogueGenerator): CatalogueInfo {
  const rareIds = generator.ids.filter((_, index) => isRare(index));
  const categoryCounts = new Map<string, number>([[RARE_CATEGORY, rareIds.length]]);
  return { size: generator.size, ids: generator.ids, rareIds, categoryCounts };
}
