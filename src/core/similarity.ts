/**
 * Similarity measures between users (user_based) or between items, Surprise's `sim_options`:
 * cosine, msd (the default), pearson and pearson_baseline, each computed on the common support
 * only, with `min_support` and pearson_baseline's shrinkage.
 *
 * Storage differs from Surprise on purpose. Surprise fills a dense n×n float64 matrix and, while
 * doing so, up to six more n×n accumulators: 2.15 GB of RSS for item-based kNN on ml-latest-small
 * (9,724 items). Here the matrix is symmetric and packed (strict upper triangle, the diagonal is 1),
 * and it is filled row by row with dense accumulators of length n only, so the peak is the packed
 * matrix itself:
 * - up to F64_MAX_ENTRIES pairs (about 4,000 entities) the values are float64, exactly Surprise's;
 * - above that they are rounded to float32 (189 MB for 9,724 items). Rounding changes a value by at
 *   most 6e-8 relative and keeps equal values equal, so the only visible effect is that two
 *   different float64 similarities closer than that may become a tie, which can change which of
 *   them a k-nearest-neighbour selection keeps first. Predictions move in the 7th decimal.
 *
 * The accumulation kernels are hand-written loops over typed arrays because they run over every
 * co-rated pair (Σ|U_i|²/2 of them), which no library does without n×n temporaries.
 *
 * Where Surprise would divide by zero (min_support = 0 with no common support, an all-zero cosine
 * or residual vector), the similarity here is 0: Surprise raises or stores NaN there.
 */
import { defineParams, ParamError, type ParamsOf } from './algorithm.ts';
import type { Baselines } from './baselines.ts';
import type { Csr, Trainset } from './trainset.ts';

export const SIMILARITY_NAMES = ['cosine', 'msd', 'pearson', 'pearson_baseline'] as const;
export type SimilarityName = (typeof SIMILARITY_NAMES)[number];

export interface SimilarityOptions {
  name: SimilarityName;
  /** true: similarities between users; false: between items */
  userBased: boolean;
  /** pairs with fewer common ratings get similarity 0 (pearson_baseline: at least 2) */
  minSupport: number;
  /** pearson_baseline only */
  shrinkage: number;
}

export const DEFAULT_SIMILARITY_OPTIONS: Readonly<SimilarityOptions> = Object.freeze({
  name: 'msd',
  userBased: true,
  minSupport: 1,
  shrinkage: 100,
});

/** Surprise's `sim_options` as flat parameters (names are case-insensitive, as in Surprise). */
export const SIMILARITY_PARAM_SPECS = defineParams({
  name: { type: 'choice', default: 'msd', choices: SIMILARITY_NAMES, doc: 'similarity measure' },
  user_based: { type: 'bool', default: true, doc: 'similarities between users (true) or items (false)' },
  min_support: { type: 'int', default: 1, min: 0, doc: 'minimum number of common ratings for a non-zero similarity' },
  shrinkage: { type: 'float', default: 100, min: 0, doc: 'shrinkage of pearson_baseline' },
});

export type SimilarityParams = ParamsOf<typeof SIMILARITY_PARAM_SPECS>;

export function similarityOptionsFrom(params: SimilarityParams): SimilarityOptions {
  return {
    name: params.name,
    userBased: params.user_based,
    minSupport: params.min_support,
    shrinkage: params.shrinkage,
  };
}

/** Up to this many stored pairs (64 MB) values stay float64; beyond, float32. */
export const F64_MAX_ENTRIES = 8 * 1024 * 1024;
/** Int32 indexing limit of the packed layout (and far beyond any memory budget here). */
const MAX_ENTRIES = 0x7fffffff;

/**
 * An n×n matrix stored as its strict upper triangle, row-major: the pair (a, b) with a < b lives at
 * `data[off[a] + b]`. Used for similarities (symmetric, diagonal 1) and by Slope One for deviations
 * (antisymmetric, diagonal 0); the reader applies the symmetry.
 */
export class PackedTriangle {
  readonly n: number;
  readonly data: Float64Array | Float32Array;
  /** off[a] + b = index of (a, b), a < b */
  readonly off: Int32Array;

  /** `saved`: values computed before (a snapshot), taken as they are when the length fits */
  constructor(n: number, what: string, saved?: Float64Array | Float32Array) {
    const entries = (n * (n - 1)) / 2;
    if (entries > MAX_ENTRIES) {
      throw new RangeError(`${what}: ${n} entities need ${entries} pairs, more than a packed matrix can index`);
    }
    if (saved && saved.length !== entries) {
      throw new RangeError(`${what}: ${saved.length} saved values, ${n} entities need ${entries}`);
    }
    this.n = n;
    try {
      this.data = saved ?? (entries <= F64_MAX_ENTRIES ? new Float64Array(entries) : new Float32Array(entries));
    } catch (e) {
      const mb = Math.round((entries * 4) / 1e6);
      throw new RangeError(`${what}: cannot allocate ${mb} MB for ${n} entities (${(e as Error).message})`);
    }
    this.off = new Int32Array(Math.max(n, 1));
    for (let a = 0; a < n; a++) this.off[a] = a * n - (a * (a + 1)) / 2 - a - 1;
  }

  get precision(): 'float64' | 'float32' {
    return this.data instanceof Float64Array ? 'float64' : 'float32';
  }
}

/** A symmetric similarity matrix over users or items (diagonal 1). */
export class SimilarityMatrix {
  readonly packed: PackedTriangle;

  constructor(packed: PackedTriangle) {
    this.packed = packed;
  }

  get n(): number {
    return this.packed.n;
  }

  get(a: number, b: number): number {
    if (a === b) return 1;
    const { data, off } = this.packed;
    return a < b ? data[off[a] + b] : data[off[b] + a];
  }

  /** Row a into `out` (length n): out[b] = sim(a, b). */
  rowInto(a: number, out: Float64Array): Float64Array {
    const { data, off, n } = this.packed;
    for (let b = 0; b < a; b++) out[b] = data[off[b] + a];
    out[a] = 1;
    const base = off[a];
    for (let b = a + 1; b < n; b++) out[b] = data[base + b];
    return out;
  }
}

/**
 * The ratings of each y (item when user-based) sorted by x, plus, for every entry k of the x rows,
 * the position of that same rating inside its y row. Walking a y row from just after that position
 * visits exactly the x' > x that co-rated y, so each pair is accumulated once, from its smaller end.
 */
export interface PairIndex {
  yPtr: Int32Array;
  /** x of each entry, ascending inside each y row */
  yX: Int32Array;
  /** ratings as float64, so the pair kernels do no float32 conversions */
  yVal: Float64Array;
  /** for entry k of xr: its position in yX/yVal */
  pos: Int32Array;
}

export function buildPairIndex(xr: Csr, nY: number): PairIndex {
  const nX = xr.indptr.length - 1;
  const nnz = xr.indices.length;
  const yPtr = new Int32Array(nY + 1);
  for (let k = 0; k < nnz; k++) yPtr[xr.indices[k] + 1]++;
  for (let y = 0; y < nY; y++) yPtr[y + 1] += yPtr[y];
  const fill = yPtr.slice(0, nY);
  const yX = new Int32Array(nnz);
  const yVal = new Float64Array(nnz);
  const pos = new Int32Array(nnz);
  for (let x = 0; x < nX; x++) {
    for (let k = xr.indptr[x]; k < xr.indptr[x + 1]; k++) {
      const p = fill[xr.indices[k]]++;
      yX[p] = x;
      yVal[p] = xr.values[k];
      pos[k] = p;
    }
  }
  return { yPtr, yX, yVal, pos };
}

/**
 * Dense accumulators over the other entities for one row. A row only ever touches x' > x, so it is
 * finished (and cleared) by one sequential sweep over x' in [from, to): streaming reads of the
 * sums and streaming writes into the packed row, cheaper than scattered writes from a touched list.
 */
export class Accumulators {
  readonly name: SimilarityName;
  readonly freq: Int32Array;
  /** msd: Σ (a − b)²; the others: Σ a·b */
  readonly prods: Float64Array;
  readonly sqi: Float64Array;
  readonly sqj: Float64Array;
  readonly si: Float64Array;
  readonly sj: Float64Array;

  constructor(n: number, name: SimilarityName) {
    this.name = name;
    const used = (yes: boolean) => new Float64Array(yes ? n : 0);
    this.freq = new Int32Array(n);
    this.prods = new Float64Array(n);
    this.sqi = used(name !== 'msd');
    this.sqj = used(name !== 'msd');
    this.si = used(name === 'pearson');
    this.sj = used(name === 'pearson');
  }

  /** Adds one co-rated pair (this row's value vi, x's value vj) to x's sums. */
  addPair(x: number, vi: number, vj: number): void {
    this.freq[x]++;
    if (this.name === 'msd') {
      const d = vi - vj;
      this.prods[x] += d * d;
      return;
    }
    this.prods[x] += vi * vj;
    this.sqi[x] += vi * vi;
    this.sqj[x] += vj * vj;
    if (this.name === 'pearson') {
      this.si[x] += vi;
      this.sj[x] += vj;
    }
  }

  /**
   * The similarities of the listed x' (xs[0..count), each with a common rating) into out[0..count),
   * as `finishRow` computes them (0 below the support threshold or on a zero denominator), and
   * clears them. The sparse neighbour lists finish only the x' a row touched: sweeping every x' > x
   * instead cost n²/2 reads, 2·10¹⁰ for 200,948 users, the largest step of a user-based fit.
   */
  finishListed(xs: Int32Array, count: number, out: Float64Array, minSupport: number, shrinkage: number): void {
    const { freq, prods, sqi, sqj, si, sj } = this;
    switch (this.name) {
      case 'msd':
        for (let c = 0; c < count; c++) {
          const x = xs[c];
          const n = freq[x];
          out[c] = n >= minSupport ? msdOf(n, prods[x]) : 0;
          freq[x] = 0;
          prods[x] = 0;
        }
        break;
      case 'cosine':
        for (let c = 0; c < count; c++) {
          const x = xs[c];
          const n = freq[x];
          out[c] = n >= minSupport ? cosineOf(prods[x], sqi[x], sqj[x]) : 0;
          freq[x] = 0;
          prods[x] = sqi[x] = sqj[x] = 0;
        }
        break;
      case 'pearson':
        for (let c = 0; c < count; c++) {
          const x = xs[c];
          const n = freq[x];
          out[c] = n >= minSupport ? pearsonOf(n, prods[x], sqi[x], sqj[x], si[x], sj[x]) : 0;
          freq[x] = 0;
          prods[x] = sqi[x] = sqj[x] = si[x] = sj[x] = 0;
        }
        break;
      case 'pearson_baseline':
        for (let c = 0; c < count; c++) {
          const x = xs[c];
          const n = freq[x];
          out[c] = n >= minSupport ? pearsonBaselineOf(n, prods[x], sqi[x], sqj[x], shrinkage) : 0;
          freq[x] = 0;
          prods[x] = sqi[x] = sqj[x] = 0;
        }
        break;
    }
  }

  /**
   * For x' in [from, to) with a common rating, writes the similarity into out[base + x'] (0 below
   * the support threshold or on a zero denominator; untouched entries keep their 0), and clears.
   */
  finishRow(
    out: Float64Array | Float32Array,
    base: number,
    from: number,
    to: number,
    minSupport: number,
    shrinkage: number,
  ): void {
    const { freq, prods, sqi, sqj, si, sj } = this;
    switch (this.name) {
      case 'msd':
        for (let x = from; x < to; x++) {
          const n = freq[x];
          if (n === 0) continue;
          if (n >= minSupport) out[base + x] = msdOf(n, prods[x]);
          freq[x] = 0;
          prods[x] = 0;
        }
        break;
      case 'cosine':
        for (let x = from; x < to; x++) {
          const n = freq[x];
          if (n === 0) continue;
          if (n >= minSupport) out[base + x] = cosineOf(prods[x], sqi[x], sqj[x]);
          freq[x] = 0;
          prods[x] = sqi[x] = sqj[x] = 0;
        }
        break;
      case 'pearson':
        for (let x = from; x < to; x++) {
          const n = freq[x];
          if (n === 0) continue;
          if (n >= minSupport) out[base + x] = pearsonOf(n, prods[x], sqi[x], sqj[x], si[x], sj[x]);
          freq[x] = 0;
          prods[x] = sqi[x] = sqj[x] = si[x] = sj[x] = 0;
        }
        break;
      case 'pearson_baseline':
        for (let x = from; x < to; x++) {
          const n = freq[x];
          if (n === 0) continue;
          if (n >= minSupport) out[base + x] = pearsonBaselineOf(n, prods[x], sqi[x], sqj[x], shrinkage);
          freq[x] = 0;
          prods[x] = sqi[x] = sqj[x] = 0;
        }
        break;
    }
  }
}

/**
 * Each measure from its sums over n ≥ 1 common ratings: the one place the formulas live (finishRow
 * and finishListed both call them). A zero denominator gives 0, where Surprise divides by zero.
 */
function msdOf(n: number, sumSq: number): number {
  return 1 / (sumSq / n + 1);
}

function cosineOf(prod: number, sqi: number, sqj: number): number {
  const den = Math.sqrt(sqi * sqj);
  return den > 0 ? prod / den : 0;
}

function pearsonOf(n: number, prod: number, sqi: number, sqj: number, si: number, sj: number): number {
  const den = Math.sqrt((n * sqi - si * si) * (n * sqj - sj * sj));
  return den > 0 ? (n * prod - si * sj) / den : 0;
}

function pearsonBaselineOf(n: number, prod: number, sqi: number, sqj: number, shrinkage: number): number {
  const den = Math.sqrt(sqi * sqj);
  return den > 0 ? shrunkPearsonBaseline(prod, den, n, shrinkage) : 0;
}

/**
 * pearson_baseline from its sums over `n` common raters: Σ zᵢ zⱼ / √(Σ zᵢ² Σ zⱼ²), shrunk by
 * (n − 1) / (n − 1 + shrinkage) as Surprise does; `den` = √(Σ zᵢ² Σ zⱼ²) > 0. The one definition,
 * shared with the bot's on-demand co-rating (src/bot/service/co-rating.ts).
 */
export function shrunkPearsonBaseline(prod: number, den: number, n: number, shrinkage: number): number {
  return ((prod / den) * (n - 1)) / (n - 1 + shrinkage);
}

export function effectiveMinSupport(opts: SimilarityOptions): number {
  // pearson_baseline's shrinkage needs n - 1 > 0, so Surprise lifts its min_support to 2
  return opts.name === 'pearson_baseline' ? Math.max(2, opts.minSupport) : opts.minSupport;
}

/**
 * Accumulates one "x" against many others: for each (value vi of x, run of others' values in
 * yVal[from..to) with residual adjustments), the sums each measure needs. Values are ratings, or
 * residuals r − b for pearson_baseline (the caller passes them already adjusted).
 */
export function accumulateRun(
  acc: Accumulators,
  name: SimilarityName,
  vi: number,
  others: Int32Array,
  vals: Float64Array,
  from: number,
  to: number,
  skip: number,
): void {
  const { freq, prods, sqi, sqj, si, sj } = acc;
  if (name === 'msd') {
    for (let p = from; p < to; p++) {
      const x = others[p];
      if (x === skip) continue;
      freq[x]++;
      const d = vi - vals[p];
      prods[x] += d * d;
    }
  } else if (name === 'pearson') {
    const vi2 = vi * vi;
    for (let p = from; p < to; p++) {
      const x = others[p];
      if (x === skip) continue;
      freq[x]++;
      const vj = vals[p];
      prods[x] += vi * vj;
      sqi[x] += vi2;
      sqj[x] += vj * vj;
      si[x] += vi;
      sj[x] += vj;
    }
  } else {
    // cosine and pearson_baseline share the sums (on ratings vs on residuals)
    const vi2 = vi * vi;
    for (let p = from; p < to; p++) {
      const x = others[p];
      if (x === skip) continue;
      freq[x]++;
      const vj = vals[p];
      prods[x] += vi * vj;
      sqi[x] += vi2;
      sqj[x] += vj * vj;
    }
  }
}

/**
 * pearson_baseline works on residuals d = r − (μ + b_y + b_x), grouped as Surprise groups them.
 * Returns the residual of every entry of xr (aligned with xr) and of every entry of the pair index.
 */
export function residuals(
  ts: Trainset,
  xr: Csr,
  idx: PairIndex,
  userBased: boolean,
  b: Baselines,
): { xRes: Float64Array; yRes: Float64Array } {
  const mu = ts.globalMean;
  const bx = userBased ? b.bu : b.bi;
  const by = userBased ? b.bi : b.bu;
  const nX = xr.indptr.length - 1;
  const xRes = new Float64Array(xr.indices.length);
  const yRes = new Float64Array(xr.indices.length);
  for (let x = 0; x < nX; x++) {
    for (let k = xr.indptr[x]; k < xr.indptr[x + 1]; k++) {
      const y = xr.indices[k];
      const d = xr.values[k] - (mu + by[y] + bx[x]);
      xRes[k] = d;
      yRes[idx.pos[k]] = d;
    }
  }
  return { xRes, yRes };
}

/**
 * Computes the similarity matrix over users (opts.userBased) or items. `baselines` are required for
 * pearson_baseline (Surprise computes them with the algorithm's bsl_options).
 */
export function computeSimilarities(
  ts: Trainset,
  opts: SimilarityOptions = DEFAULT_SIMILARITY_OPTIONS,
  baselines?: Baselines,
): SimilarityMatrix {
  const xr = opts.userBased ? ts.byUser : ts.byItem;
  const nX = opts.userBased ? ts.nUsers : ts.nItems;
  const nY = opts.userBased ? ts.nItems : ts.nUsers;
  const what = `${opts.name} similarity between ${opts.userBased ? 'users' : 'items'}`;
  const packed = new PackedTriangle(nX, what);
  const idx = buildPairIndex(xr, nY);
  let xVals: Float32Array | Float64Array = xr.values;
  let yVals: Float64Array = idx.yVal;
  if (opts.name === 'pearson_baseline') {
    if (!baselines) throw new ParamError('pearson_baseline similarity needs baselines (bsl_options)');
    const res = residuals(ts, xr, idx, opts.userBased, baselines);
    xVals = res.xRes;
    yVals = res.yRes;
  }
  const acc = new Accumulators(nX, opts.name);
  const minSupport = Math.max(1, effectiveMinSupport(opts));
  const { data, off } = packed;
  for (let x = 0; x < nX; x++) {
    for (let k = xr.indptr[x]; k < xr.indptr[x + 1]; k++) {
      const y = xr.indices[k];
      // entries after pos[k] in y's row are the x' > x (or x itself, for a duplicated rating)
      accumulateRun(acc, opts.name, xVals[k], idx.yX, yVals, idx.pos[k] + 1, idx.yPtr[y + 1], x);
    }
    acc.finishRow(data, off[x], x + 1, nX, minSupport, opts.shrinkage);
  }
  return new SimilarityMatrix(packed);
}

const float64Cache = new WeakMap<Trainset, Float64Array>();

/** The trainset's by-item ratings as float64, made once per trainset. */
function float64Values(ts: Trainset): Float64Array {
  let v = float64Cache.get(ts);
  if (!v) {
    v = Float64Array.from(ts.byItem.values);
    float64Cache.set(ts, v);
  }
  return v;
}

/** A profile's baseline context for pearson_baseline: biases and the member's own (folded-in) bias. */
export interface ProfileBaselines extends Baselines {
  bMember: number;
}

/** What a live member's similarity row needs: user-based options, and baselines for pearson_baseline. */
export function checkMemberRowOptions(fn: string, opts: SimilarityOptions, baselines: ProfileBaselines | undefined): void {
  if (!opts.userBased) {
    throw new ParamError(`${fn} compares a member with users; it needs user_based similarities`);
  }
  if (opts.name === 'pearson_baseline' && !baselines) {
    throw new ParamError('pearson_baseline similarity needs baselines (bsl_options)');
  }
}

/**
 * Similarity between a user who is not in the trainset (a live member, given by their ratings) and
 * every trained user, with the same formulas as `computeSimilarities` for user-based measures.
 * Needed by user-based kNN at query time. For a trained user's own ratings it gives their trained
 * row (the sums are the same, up to summation order), except that the entry of that user is the
 * formula's value for two identical rating vectors rather than the diagonal's 1.
 */
export function similarityRowForProfile(
  ts: Trainset,
  opts: SimilarityOptions,
  items: Int32Array,
  ratings: Float32Array,
  baselines?: ProfileBaselines,
  out: Float64Array = new Float64Array(ts.nUsers),
): Float64Array {
  checkMemberRowOptions('similarityRowForProfile', opts, baselines);
  const acc = new Accumulators(ts.nUsers, opts.name);
  const { indptr, indices, values } = ts.byItem;
  const mu = ts.globalMean;
  // float64 values keep the shared kernel monomorphic (it sees float64 from computeSimilarities)
  let runVals: Float64Array = float64Values(ts);
  let scratch: Float64Array | undefined;
  for (let k = 0; k < items.length; k++) {
    const i = items[k];
    const a = indptr[i];
    const b = indptr[i + 1];
    let vi: number = ratings[k];
    if (opts.name === 'pearson_baseline' && baselines) {
      // residuals of this item's raters, same grouping as the trained matrix
      if (!scratch || scratch.length < values.length) scratch = new Float64Array(values.length);
      const partial = mu + baselines.bi[i];
      for (let p = a; p < b; p++) scratch[p] = values[p] - (partial + baselines.bu[indices[p]]);
      vi = ratings[k] - (partial + baselines.bMember);
      runVals = scratch;
    }
    accumulateRun(acc, opts.name, vi, indices, runVals, a, b, -1);
  }
  out.fill(0);
  acc.finishRow(out, 0, 0, ts.nUsers, Math.max(1, effectiveMinSupport(opts)), opts.shrinkage);
  return out;
}
