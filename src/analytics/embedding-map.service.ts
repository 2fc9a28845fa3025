// Maps of an embedding space for analysts: the products' vectors of one space projected to two
// dimensions (PCA, or UMAP for local neighbourhoods), so clusters and outliers can be seen. The
// projection runs here, not in the browser, so the page never downloads thousands of 1280-d vectors.
import { PCA } from 'ml-pca';
import { UMAP } from 'umap-js';
import { type ProductService } from '../catalogue/product.service.js';
import { type Product } from '../catalogue/product.domain.js';
import { type EmbeddingRepository } from '../embeddings/embedding.repository.js';
import { type EmbeddingSpaceService } from '../embeddings/embedding-space.service.js';
import { ValidationError } from '../errors/domain-errors.js';
import { EmbeddingSpace, imageSpaceOf } from '../recommendations/recommendation.domain.js';

export enum ProjectionMethod {
  PCA = 'PCA',
  UMAP = 'UMAP',
}

export interface MapPoint {
  readonly product: Product;
  readonly x: number;
  readonly y: number;
}

export interface EmbeddingMap {
  readonly space: EmbeddingSpace;
  readonly method: ProjectionMethod;
  readonly modelId: string | null;
  /** PCA only: the share of the variance each of the two axes explains. */
  readonly explainedVariance: readonly number[] | null;
  readonly points: readonly MapPoint[];
}

export const MAP_PRODUCTS_MAX = 2000;

/** mulberry32, so a UMAP layout is the same on every call. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class EmbeddingMapService {
  constructor(
    private readonly products: ProductService,
    private readonly spaces: EmbeddingSpaceService,
    private readonly embeddings: EmbeddingRepository,
  ) {}

  async map(space: EmbeddingSpace, method: ProjectionMethod, first: number): Promise<EmbeddingMap> {
    if (!Number.isInteger(first) || first < 1 || first > MAP_PRODUCTS_MAX)
      throw ValidationError.single('first', `must be 1–${MAP_PRODUCTS_MAX}`);
    const imageSpace = imageSpaceOf(space);
    let modelId: string | null = null;
    let rows: Array<{ id: string; vector: number[] }>;
    if (space === EmbeddingSpace.ATTRIBUTES) {
      rows = (await this.products.attributeScores(first)).map(({ id, scores }) => ({ id, vector: scores }));
    } else if (imageSpace) {
      const model = await this.spaces.requireActiveModel(imageSpace);
      modelId = model.modelId;
      rows = (await this.embeddings.vectorsOf(model.modelId, first)).map(({ productId, vector }) => ({
        id: productId,
        vector,
      }));
    } else {
      throw ValidationError.single('space', 'a map needs a vector space: ATTRIBUTES, IMAGE or CLIP');
    }
    const { coordinates, explainedVariance } = this.project(
      rows.map((row) => row.vector),
      method,
    );
    const products = new Map((await this.products.getByIds(rows.map((row) => row.id))).map((p) => [p.id, p]));
    const points = rows.flatMap((row, index) => {
      const product = products.get(row.id);
      const [x, y] = coordinates[index] ?? [0, 0];
      return product ? [{ product, x: x ?? 0, y: y ?? 0 }] : [];
    });
    return { space, method, modelId, explainedVariance, points };
  }

  private project(
    vectors: number[][],
    method: ProjectionMethod,
  ): { coordinates: number[][]; explainedVariance: number[] | null } {
    if (vectors.length < 3)
      return { coordinates: vectors.map((_, index) => [index, 0]), explainedVariance: null };
    if (method === ProjectionMethod.UMAP) {
      const umap = new UMAP({
        nComponents: 2,
        nNeighbors: Math.min(15, vectors.length - 1),
        minDist: 0.1,
        random: seeded(20261206),
      });
      return { coordinates: umap.fit(vectors), explainedVariance: null };
    }
    const pca = new PCA(vectors, { center: true, scale: false });
    const projected = pca.predict(vectors, { nComponents: 2 }).to2DArray();
    return { coordinates: projected, explainedVariance: pca.getExplainedVariance().slice(0, 2) };
  }
}
