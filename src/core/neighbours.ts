/**
 * Sparse similarities for the kNN family at scale: for every user (user_based) or item, only its
 * K strongest positive similarities, as CSR lists, instead of the n×n packed triangle.
 *
 * Why: the packed triangle needs n(n−1)/2 cells; at 70,000 users that is 2.45 G pairs, beyond an
 * Int32 index and ~9.8 GB as float32, so user-based kNN could not train at ml-10m shape. The lists
 * need n·K cells (70,000 × 80 × 12 bytes = 67 MB).
 *
 * Build: while it costs at most `exactPairBudget` pair updates, the same sparse product as the
 * dense path (each co-rated pair accumulated once, from its smaller end, with the same formulas
 * and min_support), each finished similarity offered to two bounded heaps, one per end. Beyond
 * that (user-based from ml-10m shape up: Σ over movies of raters² is ~10¹⁰ there), each row is
 * compared with a bounded set of co-raters only (`boundedRows`). Only positive similarities are kept: the kNN step drops the
 * others anyway (see knnSums), so a list that holds every positive similarity of a row gives
 * exactly the dense estimates. With K below that count, the only difference from Surprise is that
 * a neighbour outside the stored top-K of a row is never used, where Surprise might use it for an
 * item none of the K rated.
 *
 * Live members (user-based): their similarity is computed only to a bounded candidate set of
 * co-raters found through the by-item index, rarest items first (a co-rater of a rare movie says
 * more than one of a blockbuster, and the rare lists are short), see `memberSimilarityRow`.
 */
import { ParamError } from './algorithm.ts';
import type { Baselines } from './baselines.ts';
import {
  Accumulators,
  accumulateRun,
  buildPairIndex,
  checkMemberRowOptions,
  effectiveMinSupport,
  residuals,
  type PairIndex,
  type ProfileBaselines,
  type SimilarityOptions,
} from './similarity.ts';
import type { Csr, Trainset } from './trainset.ts';

/** Where the kNN family switches from the packed triangle to neighbour lists, and their sizes. */
export interface NeighbourListOptions {
  /** above this many entities (users when user-based, else items) the lists are used */
  denseMaxEntities: number;
  /** K: similarities kept per entity (at least the model's k) */
  listSize: number;
  /** a live member's similarity is computed to at most this many co-raters */
  maxMemberCandidates: number;
  /**
   * the exact sparse product is used while it costs at most this many pair updates (Σ over the
   * other side of degree²/2); beyond, each row compares itself with `maxRowCandidates` co-raters
   */
  exactPairBudget: number;
  /** candidates per row of the bounded build */
  maxRowCandidates: number;
}

/**
 * 20,000 entities: the packed triangle is 200 M float32 pairs, 800 MB, and the row-by-row fill
 * already takes tens of seconds; every synthetic shape from ml-10m up (70,000 users) is beyond it.
 */
export const DEFAULT_DENSE_MAX_ENTITIES = 20_000;
/** K = 2k: room for a second opinion on each item while keeping n·K cells small. */
export const DEFAULT_LIST_FACTOR = 2;
/**
 * 4,000 co-raters: comparing costs the candidates' own ratings (about 4,000 × 150 = 0.6 M pair
 * updates at ml-10m shape, a few ms), and the scoring that follows walks the same ratings once.
 */
export const DEFAULT_MAX_MEMBER_CANDIDATES = 4_000;
/** 2 G pair updates: about a minute of the accumulation kernel on one core. */
export const DEFAULT_EXACT_PAIR_BUDGET = 2e9;
/** per row of the bounded build: 4k = 160 candidates for the default k = 40 */
export const DEFAULT_ROW_CANDIDATE_FACTOR = 4;

export function neighbourListOptions(k: number, given: Partial<NeighbourListOptions> = {}): NeighbourListOptions {
  const o: NeighbourListOptions = {
    denseMaxEntities: given.denseMaxEntities ?? DEFAULT_DENSE_MAX_ENTITIES,
    listSize: Math.max(k, given.listSize ?? DEFAULT_LIST_FACTOR * k),
    maxMemberCandidates: given.maxMemberCandidates ?? DEFAULT_MAX_MEMBER_CANDIDATES,
    exactPairBudget: given.exactPairBudget ?? DEFAULT_EXACT_PAIR_BUDGET,
    maxRowCandidates: given.maxRowCandidates ?? DEFAULT_ROW_CANDIDATE_FACTOR * k,
  };
  for (const [key, v] of Object.entries(o)) {
    const min = key === 'denseMaxEntities' || key === 'exactPairBudget' ? 0 : 1;
    if (!Number.isSafeInteger(v) || v < min) {
      throw new ParamError(`neighbour lists: ${key} must be a whole number ≥ ${min}, got ${v}`);
    }
  }
  return o;
}

/** Per-entity top-K positive similarities, rows sorted by similarity descending, then id. */
export class NeighbourLists {
  readonly n: number;
  readonly ptr: Int32Array;
  readonly nb: Int32Array;
  readonly sim: Float64Array;

  constructor(n: number, ptr: Int32Array, nb: Int32Array, sim: Float64Array) {
    this.n = n;
    this.ptr = ptr;
    this.nb = nb;
    this.sim = sim;
  }

  /** Stored cells; memory is 12 bytes per cell. */
  get size(): number {
    return this.nb.length;
  }

  /** Writes row a into `out`, which must be all zeros: out[b] = stored sim(a, b), out[a] = 1. */
  scatter(a: number, out: Float64Array): void {
    for (let p = this.ptr[a]; p < this.ptr[a + 1]; p++) out[this.nb[p]] = this.sim[p];
    out[a] = 1;
  }

  /** Undoes `scatter`, leaving `out` all zeros again. */
  clear(a: number, out: Float64Array): void {
    for (let p = this.ptr[a]; p < this.ptr[a + 1]; p++) out[this.nb[p]] = 0;
    out[a] = 0;
  }

  /** Row a into `out` (length n), as SimilarityMatrix.rowInto does; unstored pairs read 0. */
  rowInto(a: number, out: Float64Array): Float64Array {
    out.fill(0);
    this.scatter(a, out);
    return out;
  }
}

/**
 * Bounded min-heaps of (similarity, neighbour), K per entity, in flat arrays. The root is the
 * weakest kept neighbour: smallest similarity, and among equal ones the largest id, so ties keep
 * the smaller id (a deterministic rule; the dense path has no list, so no tie rule of its own).
 */
class FlatHeaps {
  readonly k: number;
  readonly s: Float64Array;
  readonly id: Int32Array;
  readonly size: Int32Array;

  constructor(n: number, k: number) {
    const cells = n * k;
    if (cells > 0x7fffffff) throw new RangeError(`neighbour lists: ${n} entities × ${k} exceed an Int32 index`);
    this.k = k;
    this.s = new Float64Array(cells);
    this.id = new Int32Array(cells);
    this.size = new Int32Array(n);
  }

  offer(e: number, nb: number, sv: number): void {
    const k = this.k;
    const base = e * k;
    const hs = this.s;
    const hi = this.id;
    const n = this.size[e];
    if (n < k) {
      let j = n;
      this.size[e] = n + 1;
      while (j > 0) {
        const parent = (j - 1) >> 1;
        const ps = hs[base + parent];
        if (!(sv < ps || (sv === ps && nb > hi[base + parent]))) break;
        hs[base + j] = ps;
        hi[base + j] = hi[base + parent];
        j = parent;
      }
      hs[base + j] = sv;
      hi[base + j] = nb;
      return;
    }
    const rs = hs[base];
    if (sv < rs || (sv === rs && nb > hi[base])) return;
    // replace the root and sift down
    let j = 0;
    for (;;) {
      const l = 2 * j + 1;
      if (l >= k) break;
      let c = l;
      const r = l + 1;
      if (r < k) {
        const ls = hs[base + l];
        const rrs = hs[base + r];
        if (rrs < ls || (rrs === ls && hi[base + r] > hi[base + l])) c = r;
      }
      const cs = hs[base + c];
      if (!(cs < sv || (cs === sv && hi[base + c] > nb))) break;
      hs[base + j] = cs;
      hi[base + j] = hi[base + c];
      j = c;
    }
    hs[base + j] = sv;
    hi[base + j] = nb;
  }

  /** The heaps as CSR rows sorted by similarity descending, then id ascending. */
  toLists(): NeighbourLists {
    const n = this.size.length;
    const ptr = new Int32Array(n + 1);
    for (let e = 0; e < n; e++) ptr[e + 1] = ptr[e] + this.size[e];
    const nb = new Int32Array(ptr[n]);
    const sim = new Float64Array(ptr[n]);
    const order: number[] = [];
    for (let e = 0; e < n; e++) {
      const base = e * this.k;
      const m = this.size[e];
      order.length = m;
      for (let j = 0; j < m; j++) order[j] = j;
      order.sort((a, b) => this.s[base + b] - this.s[base + a] || this.id[base + a] - this.id[base + b]);
      for (let j = 0; j < m; j++) {
        nb[ptr[e] + j] = this.id[base + order[j]];
        sim[ptr[e] + j] = this.s[base + order[j]];
      }
    }
    return new NeighbourLists(n, ptr, nb, sim);
  }
}

/**
 * The top-`listSize` positive similarities of every user (opts.userBased) or item, computed by the
 * sparse product of `computeSimilarities` (same sums, same formulas), without an n×n matrix.
 */
export function computeNeighbourLists(
  ts: Trainset,
  opts: SimilarityOptions,
  lists: Pick<NeighbourListOptions, 'listSize' | 'exactPairBudget' | 'maxRowCandidates'>,
  baselines?: Baselines,
): NeighbourLists {
  const listSize = lists.listSize;
  const xr = opts.userBased ? ts.byUser : ts.byItem;
  const nX = opts.userBased ? ts.nUsers : ts.nItems;
  const nY = opts.userBased ? ts.nItems : ts.nUsers;
  const idx = buildPairIndex(xr, nY);
  let xVals: Float32Array | Float64Array = xr.values;
  let yVals: Float64Array = idx.yVal;
  if (opts.name === 'pearson_baseline') {
    if (!baselines) throw new ParamError('pearson_baseline similarity needs baselines (bsl_options)');
    const res = residuals(ts, xr, idx, opts.userBased, baselines);
    xVals = res.xRes;
    yVals = res.yRes;
  }
  const heaps = new FlatHeaps(nX, listSize);
  const acc = new Accumulators(nX, opts.name);
  const minSupport = Math.max(1, effectiveMinSupport(opts));
  if (pairUpdates(idx.yPtr) > lists.exactPairBudget) {
    boundedRows(xr, idx, xVals, acc, heaps, lists.maxRowCandidates, minSupport, opts.shrinkage);
    return heaps.toLists();
  }
  let x = 0;
  const offerBoth = (other: number, s: number): void => {
    if (s > 0) {
      heaps.offer(x, other, s);
      heaps.offer(other, x, s);
    }
  };
  for (x = 0; x < nX; x++) {
    for (let k = xr.indptr[x]; k < xr.indptr[x + 1]; k++) {
      const y = xr.indices[k];
      accumulateRun(acc, opts.name, xVals[k], idx.yX, yVals, idx.pos[k] + 1, idx.yPtr[y + 1], x);
    }
    acc.visitRow(x + 1, nX, minSupport, opts.shrinkage, offerBoth);
  }
  return heaps.toLists();
}

/** Pair updates of the exact product: each y's co-rating pairs, Σ deg(y)(deg(y) − 1)/2. */
export function pairUpdates(yPtr: Int32Array): number {
  let total = 0;
  for (let y = 0; y + 1 < yPtr.length; y++) {
    const d = yPtr[y + 1] - yPtr[y];
    total += (d * (d - 1)) / 2;
  }
  return total;
}

/**
 * The bounded build: row x is compared with at most `cap` others, the first distinct co-raters
 * met when x's ratings are walked from the least rated y up (short lists first, so the cost of
 * finding them is about `cap`). Each comparison uses all common ratings (x's values scattered
 * over y, the other's row walked), so every stored similarity is exact; what the cap loses is
 * neighbours never compared. Cost: Σ over compared pairs of the other's degree.
 */
function boundedRows(
  xr: Csr,
  idx: PairIndex,
  xVals: Float32Array | Float64Array,
  acc: Accumulators,
  heaps: FlatHeaps,
  cap: number,
  minSupport: number,
  shrinkage: number,
): void {
  const nX = xr.indptr.length - 1;
  const nY = idx.yPtr.length - 1;
  const mine = new Float64Array(nY).fill(NaN);
  const chosen = new Uint8Array(nX);
  const cand = new Int32Array(cap);
  const deg = (y: number): number => idx.yPtr[y + 1] - idx.yPtr[y];
  let order = new Int32Array(64);
  for (let x = 0; x < nX; x++) {
    const a = xr.indptr[x];
    const m = xr.indptr[x + 1] - a;
    if (order.length < m) order = new Int32Array(Math.max(m, order.length * 2));
    const ys = order.subarray(0, m);
    for (let c = 0; c < m; c++) {
      ys[c] = xr.indices[a + c];
      mine[ys[c]] = xVals[a + c];
    }
    ys.sort((p, q) => deg(p) - deg(q));
    let n = 0;
    chosen[x] = 1;
    outer: for (let c = 0; c < m; c++) {
      const y = ys[c];
      for (let p = idx.yPtr[y]; p < idx.yPtr[y + 1]; p++) {
        const o = idx.yX[p];
        if (chosen[o]) continue;
        if (n >= cap) break outer;
        chosen[o] = 1;
        cand[n++] = o;
      }
    }
    chosen[x] = 0;
    for (let c = 0; c < n; c++) {
      const o = cand[c];
      chosen[o] = 0;
      for (let k = xr.indptr[o]; k < xr.indptr[o + 1]; k++) {
        const vi = mine[xr.indices[k]];
        if (vi === vi) acc.addPair(o, vi, xVals[k]);
      }
      const s = acc.takeAt(o, minSupport, shrinkage);
      if (s > 0) heaps.offer(x, o, s);
    }
    for (let c = 0; c < m; c++) mine[ys[c]] = NaN;
  }
}

/**
 * A live member's similarity to a bounded set of trained users, as a full row (0 for users not
 * compared). Candidates are the raters of the member's movies, rarest movie first, until
 * `maxCandidates`; each candidate's similarity uses all of their co-ratings with the member, so it
 * equals `similarityRowForProfile`'s value. With maxCandidates ≥ the number of co-raters the rows
 * are equal.
 */
export function memberSimilarityRow(
  ts: Trainset,
  opts: SimilarityOptions,
  items: Int32Array,
  ratings: Float32Array,
  maxCandidates: number,
  baselines?: ProfileBaselines,
  out: Float64Array = new Float64Array(ts.nUsers),
): Float64Array {
  checkMemberRowOptions('memberSimilarityRow', opts, baselines);
  const { byItem, byUser } = ts;
  const mu = ts.globalMean;
  // the member's value per movie (NaN: not rated); residuals for pearson_baseline
  const mine = new Float64Array(ts.nItems).fill(NaN);
  for (let c = 0; c < items.length; c++) {
    const i = items[c];
    mine[i] = baselines && opts.name === 'pearson_baseline' ? ratings[c] - (mu + baselines.bi[i] + baselines.bMember) : ratings[c];
  }
  const order = Array.from(items).sort((a, b) => byItem.indptr[a + 1] - byItem.indptr[a] - (byItem.indptr[b + 1] - byItem.indptr[b]));
  const chosen = new Uint8Array(ts.nUsers);
  const candidates: number[] = [];
  outer: for (const i of order) {
    for (let p = byItem.indptr[i]; p < byItem.indptr[i + 1]; p++) {
      const v = byItem.indices[p];
      if (chosen[v]) continue;
      if (candidates.length >= maxCandidates) break outer;
      chosen[v] = 1;
      candidates.push(v);
    }
  }
  const acc = new Accumulators(ts.nUsers, opts.name);
  for (const v of candidates) {
    for (let p = byUser.indptr[v]; p < byUser.indptr[v + 1]; p++) {
      const i = byUser.indices[p];
      const vi = mine[i];
      if (vi !== vi) continue;
      const r = byUser.values[p];
      const vj = baselines && opts.name === 'pearson_baseline' ? r - (mu + baselines.bi[i] + baselines.bu[v]) : r;
      acc.addPair(v, vi, vj);
    }
  }
  out.fill(0);
  acc.finishRow(out, 0, 0, ts.nUsers, Math.max(1, effectiveMinSupport(opts)), opts.shrinkage);
  return out;
}
