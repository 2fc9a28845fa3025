// Implicit-feedback matrix factorisation (Hu, Koren & Volinsky 2008) solved by alternating least
// squares with a few conjugate-gradient steps per row instead of a d×d solve (Takács, Pilászy &
// Tikk 2011): O(nnz·d + rows·d) per step, so a million interactions train in seconds on one core.
// Typed-array arithmetic: factors are held as Float64Array while training (a third faster than
// converting Float32 on every read) and returned as Float32Array, as pgvector stores them; the loop yields to the event loop every few milliseconds, so a
// training in the service's process never stalls the queries it serves beside it.

/** The observed shopper × item strengths, as coordinate lists (one entry per pair, summed). */
export interface Interactions {
  readonly users: number;
  readonly items: number;
  readonly userIndex: Int32Array;
  readonly itemIndex: Int32Array;
  /** How strongly the shopper showed interest (weighted, summed events); > 0. */
  readonly strength: Float32Array;
}

export interface AlsParameters {
  /** Latent dimensions. */
  readonly factors: number;
  readonly iterations: number;
  /** L2 regularisation of every factor row. */
  readonly regularization: number;
  /** Confidence c = 1 + alpha · log(1 + strength / epsilon). */
  readonly alpha: number;
  readonly epsilon: number;
  /** Conjugate-gradient steps per row and sweep (warm-started from the previous sweep). */
  readonly cgSteps: number;
  readonly seed: number;
}

export const DEFAULT_ALS: AlsParameters = {
  factors: 64,
  iterations: 15,
  regularization: 1,
  alpha: 5,
  epsilon: 1,
  cgSteps: 3,
  seed: 42,
};

export interface AlsFactors {
  readonly factors: number;
  /** users × factors, row-major. */
  readonly userFactors: Float32Array;
  /** items × factors, row-major. */
  readonly itemFactors: Float32Array;
}

/** Compressed rows: for row r, columns `indices[indptr[r]..indptr[r+1])` with their confidences. */
interface Csr {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly confidence: Float32Array;
}

function compress(rows: number, rowOf: Int32Array, columnOf: Int32Array, confidence: Float32Array): Csr {
  const indptr = new Int32Array(rows + 1);
  for (const row of rowOf) indptr[row + 1]!++;
  for (let r = 0; r < rows; r++) indptr[r + 1]! += indptr[r]!;
  const next = indptr.slice(0, rows);
  const indices = new Int32Array(rowOf.length);
  const values = new Float32Array(rowOf.length);
  for (let n = 0; n < rowOf.length; n++) {
    const at = next[rowOf[n]!]!++;
    indices[at] = columnOf[n]!;
    values[at] = confidence[n]!;
  }
  return { indptr, indices, confidence: values };
}

/** mulberry32. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** G = Fᵀ F (d × d) of a factor matrix with `rows` rows. */
function gram(matrix: Float64Array, rows: number, d: number): Float64Array {
  const g = new Float64Array(d * d);
  for (let r = 0; r < rows; r++) {
    const o = r * d;
    for (let a = 0; a < d; a++) {
      const va = matrix[o + a]!;
      if (va === 0) continue;
      const ga = a * d;
      for (let b = a; b < d; b++) g[ga + b]! += va * matrix[o + b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) g[a * d + b] = g[b * d + a]!;
  return g;
}

export interface TrainingProgress {
  /** Sweeps done (a sweep updates users, then items). */
  readonly iteration: number;
  readonly iterations: number;
}

/**
 * Factorises the interactions. `onProgress` runs after each sweep; `pause` is awaited every few
 * milliseconds of work (the service passes a yield to the event loop).
 */
export async function trainImplicitAls(
  data: Interactions,
  parameters: AlsParameters = DEFAULT_ALS,
  hooks: {
    readonly onProgress?: (progress: TrainingProgress) => void | Promise<void>;
    readonly pause?: () => Promise<void>;
  } = {},
): Promise<AlsFactors> {
  const d = parameters.factors;
  const confidence = new Float32Array(data.strength.length);
  for (let n = 0; n < confidence.length; n++) {
    confidence[n] = 1 + parameters.alpha * Math.log1p(data.strength[n]! / parameters.epsilon);
  }
  const byUser = compress(data.users, data.userIndex, data.itemIndex, confidence);
  const byItem = compress(data.items, data.itemIndex, data.userIndex, confidence);
  const next = random(parameters.seed);
  const init = (rows: number) => {
    const matrix = new Float64Array(rows * d);
    for (let n = 0; n < matrix.length; n++) matrix[n] = (next() - 0.5) * (0.2 / Math.sqrt(d));
    return matrix;
  };
  const userFactors = init(data.users);
  const itemFactors = init(data.items);
  const pause = hooks.pause;
  let sliceStart = performance.now();
  const maybePause = async () => {
    if (pause && performance.now() - sliceStart > 8) {
      await pause();
      sliceStart = performance.now();
    }
  };
  for (let iteration = 0; iteration < parameters.iterations; iteration++) {
    await solveRows(userFactors, itemFactors, data.users, data.items, byUser, parameters, maybePause);
    await solveRows(itemFactors, userFactors, data.items, data.users, byItem, parameters, maybePause);
    await hooks.onProgress?.({ iteration: iteration + 1, iterations: parameters.iterations });
  }
  return {
    factors: d,
    userFactors: Float32Array.from(userFactors),
    itemFactors: Float32Array.from(itemFactors),
  };
}

/** One half-sweep: every row of X re-fitted against the fixed factors Y by a few CG steps. */
async function solveRows(
  x: Float64Array,
  y: Float64Array,
  rows: number,
  otherRows: number,
  csr: Csr,
  parameters: AlsParameters,
  maybePause: () => Promise<void>,
): Promise<void> {
  const d = parameters.factors;
  const yty = gram(y, otherRows, d);
  const lambda = parameters.regularization;
  const r = new Float64Array(d);
  const p = new Float64Array(d);
  const ap = new Float64Array(d);
  const xr = new Float64Array(d);
  for (let row = 0; row < rows; row++) {
    const start = csr.indptr[row]!;
    const end = csr.indptr[row + 1]!;
    const o = row * d;
    if (start === end) {
      x.fill(0, o, o + d);
      continue;
    }
    for (let a = 0; a < d; a++) xr[a] = x[o + a]!;
    // r = b − A x with A = YᵀY + Yᵀ(C − I)Y + λI and b = Yᵀ C p (p = 1 on observed pairs).
    for (let a = 0; a < d; a++) {
      let sum = lambda * xr[a]!;
      const ga = a * d;
      for (let b = 0; b < d; b++) sum += yty[ga + b]! * xr[b]!;
      r[a] = -sum;
    }
    for (let n = start; n < end; n++) {
      const yo = csr.indices[n]! * d;
      const c = csr.confidence[n]!;
      let dot = 0;
      for (let a = 0; a < d; a++) dot += y[yo + a]! * xr[a]!;
      const coefficient = c - (c - 1) * dot;
      for (let a = 0; a < d; a++) r[a]! += coefficient * y[yo + a]!;
    }
    p.set(r);
    let rsOld = 0;
    for (let a = 0; a < d; a++) rsOld += r[a]! * r[a]!;
    for (let step = 0; step < parameters.cgSteps && rsOld > 1e-20; step++) {
      for (let a = 0; a < d; a++) {
        let sum = lambda * p[a]!;
        const ga = a * d;
        for (let b = 0; b < d; b++) sum += yty[ga + b]! * p[b]!;
        ap[a] = sum;
      }
      for (let n = start; n < end; n++) {
        const yo = csr.indices[n]! * d;
        const c = csr.confidence[n]!;
        let dot = 0;
        for (let a = 0; a < d; a++) dot += y[yo + a]! * p[a]!;
        const coefficient = (c - 1) * dot;
        for (let a = 0; a < d; a++) ap[a]! += coefficient * y[yo + a]!;
      }
      let pap = 0;
      for (let a = 0; a < d; a++) pap += p[a]! * ap[a]!;
      if (pap <= 0) break;
      const step_ = rsOld / pap;
      let rsNew = 0;
      for (let a = 0; a < d; a++) {
        xr[a]! += step_ * p[a]!;
        r[a]! -= step_ * ap[a]!;
        rsNew += r[a]! * r[a]!;
      }
      const beta = rsNew / rsOld;
      for (let a = 0; a < d; a++) p[a] = r[a]! + beta * p[a]!;
      rsOld = rsNew;
    }
    for (let a = 0; a < d; a++) x[o + a] = xr[a]!;
    if ((row & 63) === 0) await maybePause();
  }
}
