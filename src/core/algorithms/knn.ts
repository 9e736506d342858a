/**
 * The k-NN family, Surprise's KNNBasic, KNNWithMeans, KNNWithZScore and KNNBaseline, user- or
 * item-based.
 *
 * Notation as in Surprise: x is the entity similarities are computed between (users when
 * user_based, items otherwise) and y the other one. To estimate (u, i) the candidates are every x'
 * that rated y, in y's rating order; the k most similar are taken first (ties keep the earlier
 * candidate, as heapq.nlargest does), then those with similarity ≤ 0 are dropped. Positive
 * similarities always outrank the others, so that is the k strongest positive candidates.
 *
 * Each candidate contributes sim · term, where the term depends only on the rating (variant:
 * r, r − μ_x', (r − μ_x')/σ_x', r − b_x'y), so the terms of every trained rating are computed
 * once at fit time; the k-NN step is then the same for all four variants.
 *
 * Live members: item-based kNN uses the member's current ratings as the candidate list directly;
 * user-based kNN computes the member's similarity to every user from their ratings
 * (`similarityRowForProfile`); baselines fold the member's bias in (see foldInUserBias).
 *
 * Differences from Surprise: the neighbour sums run in candidate or heap order rather than in
 * descending-similarity order (floating-point summation order, ~1e-16); above about 4,000
 * entities similarities are float32 (see similarity.ts), which moves estimates by ~1e-7 and can
 * only change which neighbour is kept when two similarities differ by less than float32 rounding.
 *
 * At scale (more than 20,000 users or items, see neighbours.ts) the matrix is replaced by each
 * entity's K = 2k strongest positive similarities, computed by a sparse product pruned to a budget
 * of pair updates (each movie or member keeps its lightest raters). Estimates then differ from
 * Surprise where a neighbour outside those K would have been among the k used for an item, and,
 * beyond the budget, by the similarities' pruned supports; a live member's user-based
 * similarities are computed to at most 4,000 co-raters, rarest movies first. Below the threshold
 * the dense path, and Surprise parity, are unchanged.
 */
import {
  Algorithm,
  NotFittedError,
  ParamError,
  requireRatings,
  defineParams,
  resolveParams,
  type AlgorithmDescriptor,
  type Estimate,
  type ModelState,
  type ParamsOf,
  type SupportKind,
} from '../algorithm.ts';
import {
  applyMethodDefaults,
  BASELINE_PARAM_SPECS,
  baselineOptionsFrom,
  computeBaselines,
  foldInUserBias,
  type BaselineOptions,
} from '../baselines.ts';
import {
  computeSimilarities,
  SIMILARITY_PARAM_SPECS,
  similarityOptionsFrom,
  similarityRowForProfile,
  PackedTriangle,
  SimilarityMatrix,
  type SimilarityOptions,
} from '../similarity.ts';
import {
  computeNeighbourLists,
  memberSimilarityRow,
  MemberRowScratch,
  neighbourListOptions,
  NeighbourLists,
  type NeighbourListOptions,
} from '../neighbours.ts';
import type { Csr, Profile, Trainset } from '../trainset.ts';
import { kthLargest, kthSmallest, TopKHeap } from '../topn.ts';

export const UNKNOWN_REASON = 'User and/or item is unknown.';
export const NOT_ENOUGH_NEIGHBORS = 'Not enough neighbors.';

export type KnnVariant = 'basic' | 'means' | 'zscore' | 'baseline';

export const KNN_PARAM_SPECS = defineParams({
  k: { type: 'int', default: 40, min: 1, doc: 'maximum number of neighbours' },
  min_k: { type: 'int', default: 1, min: 1, doc: 'minimum number of neighbours (at most k)' },
  ...SIMILARITY_PARAM_SPECS,
  ...BASELINE_PARAM_SPECS,
});

export type KnnParams = ParamsOf<typeof KNN_PARAM_SPECS>;

/**
 * Scratch space of the k-NN step for a given k: a bounded top-k heap of (similarity, position,
 * candidate) whose root is the weakest kept neighbour (smallest similarity; among equal ones, the
 * latest in the rating list), and buffers for the quickselect path, grown on demand.
 */
export class NeighbourHeap {
  readonly k: number;
  readonly top: TopKHeap;
  work = new Float64Array(64);
  tiedC = new Int32Array(64);
  tiedPos = new Float64Array(64);

  constructor(k: number) {
    this.k = k;
    this.top = new TopKHeap(k);
  }

  ensure(m: number): void {
    if (this.work.length < m) {
      const size = Math.max(m, this.work.length * 2);
      this.work = new Float64Array(size);
      this.tiedC = new Int32Array(size);
      this.tiedPos = new Float64Array(size);
    }
  }
}

/** Above this many candidates per neighbour slot the heap beats quickselect (measured). */
const HEAP_FACTOR = 16;

/**
 * The k-NN step. Candidate c < m has similarity sims[c], term terms[tOff + c] and position pos[c]
 * in the rating list (only compared between equal similarities). Writes out[0] = Σ sim·term and
 * out[1] = Σ sim over the kept neighbours, out[2] = actual_k.
 *
 * Surprise takes the k largest similarities (heapq.nlargest: ties keep the earlier candidate), then
 * drops those ≤ 0. Positive similarities always outrank the others, so this keeps the k best
 * positive candidates by (similarity desc, position asc), whatever order they come in here. When
 * at most k are positive all are kept; otherwise short lists use a quickselect for the k-th
 * largest similarity and long ones a bounded heap (one pass, most candidates rejected at the root).
 */
export function knnSums(
  m: number,
  sims: Float64Array,
  terms: Float64Array,
  tOff: number,
  pos: Int32Array,
  heap: NeighbourHeap,
  out: Float64Array,
): void {
  const k = heap.k;
  if (m > HEAP_FACTOR * k) {
    heapSums(m, sims, terms, tOff, pos, heap, out);
    return;
  }
  heap.ensure(m);
  const work = heap.work;
  let nPos = 0;
  let sumS = 0;
  let sumST = 0;
  for (let c = 0; c < m; c++) {
    const s = sims[c];
    if (s > 0) {
      work[nPos++] = s;
      sumS += s;
      sumST += s * terms[tOff + c];
    }
  }
  if (nPos > k) {
    const t = kthLargest(work, nPos, k);
    const tiedC = heap.tiedC;
    let above = 0;
    let tied = 0;
    sumS = 0;
    sumST = 0;
    for (let c = 0; c < m; c++) {
      const s = sims[c];
      if (s > t) {
        above++;
        sumS += s;
        sumST += s * terms[tOff + c];
      } else if (s === t) {
        tiedC[tied++] = c;
      }
    }
    // of the candidates equal to t, the `slots` earliest in the rating list are kept
    const slots = k - above;
    let lastPos = 0x7fffffff;
    if (tied > slots) {
      const tiedPos = heap.tiedPos;
      for (let q = 0; q < tied; q++) tiedPos[q] = pos[tiedC[q]];
      lastPos = kthSmallest(tiedPos, tied, slots);
    }
    for (let q = 0; q < tied; q++) {
      const c = tiedC[q];
      if (pos[c] <= lastPos) {
        sumS += t;
        sumST += t * terms[tOff + c];
      }
    }
    nPos = k;
  }
  out[0] = sumST;
  out[1] = sumS;
  out[2] = nPos;
}

function heapSums(
  m: number,
  sims: Float64Array,
  terms: Float64Array,
  tOff: number,
  pos: Int32Array,
  heap: NeighbourHeap,
  out: Float64Array,
): void {
  const top = heap.top;
  top.reset();
  for (let c = 0; c < m; c++) {
    const s = sims[c];
    if (s > 0) top.offer(s, pos[c], c);
  }
  const hs = top.score;
  const hc = top.payload;
  let sumS = 0;
  let sumST = 0;
  for (let j = 0; j < top.size; j++) {
    sumS += hs[j];
    sumST += hs[j] * terms[tOff + hc[j]];
  }
  out[0] = sumST;
  out[1] = sumS;
  out[2] = top.size;
}

/** What the query side contributes: the member's mean, spread and bias (user-based or baseline). */
interface QueryUser {
  mean: number;
  sigma: number;
  bias: number;
}

export class KnnAlgorithm extends Algorithm<KnnParams> {
  readonly name: string;
  readonly variant: KnnVariant;
  private readonly k: number;
  private readonly minK: number;
  private readonly simOpts: SimilarityOptions;
  private readonly bslOpts: BaselineOptions;

  private sim: SimilarityMatrix | undefined;
  /** above `lists.denseMaxEntities` entities: top-K lists instead of `sim` (see neighbours.ts) */
  private lists: NeighbourLists | undefined;
  private readonly listOpts: NeighbourListOptions;
  /** all zeros between uses: one scattered list row at a time */
  private scratchRow = new Float64Array(0);
  /** x-side means (users when user-based), for means and zscore */
  private means: Float64Array | undefined;
  /** x-side population std (0 replaced by the overall std), for zscore */
  private sigmas: Float64Array | undefined;
  private overallSigma = NaN;
  private bu: Float64Array | undefined;
  private bi: Float64Array | undefined;
  /** the term of every rating in the candidate lists (byItem when user-based, byUser otherwise) */
  private terms: Float64Array | undefined;

  private simBuf = new Float64Array(64);
  /** 0, 1, 2, …: candidate positions when candidates come in rating-list order */
  private iota = Int32Array.from({ length: 64 }, (_, c) => c);
  /** candidate positions when candidates come bucketed (lists mode) */
  private posBuf = new Int32Array(64);
  /** candidate terms gathered from a list row (lists mode, item-based, tied k-th place) */
  private termBuf = new Float64Array(64);
  /** lists mode, user-based: byItem position of every byUser rating */
  private itemPos: Int32Array | undefined;
  /** lists mode, user-based: every movie's raters are listed in ascending user id */
  private itemRowsInUserOrder = false;
  private readonly heap: NeighbourHeap;
  private readonly sums = new Float64Array(3);
  /** lists mode, item-based: a member's rating position per movie (−1: unrated), see memberScratch */
  private slotOf = new Int32Array(0);
  /** …and which list cells hold a movie they rated, one bit each */
  private hitBits = new Int32Array(0);
  /** lists mode, user-based: see memberRowScratch */
  private rowScratch: MemberRowScratch | undefined;
  private memberRow = new Float64Array(0);
  /** lists mode, user-based: per movie, the kept neighbours' count and sums (0 between uses) */
  private movieCount = new Int32Array(0);
  private movieSumS = new Float64Array(0);
  private movieSumST = new Float64Array(0);

  constructor(name: string, variant: KnnVariant, params: KnnParams, lists: Partial<NeighbourListOptions> = {}) {
    super(params);
    this.listOpts = neighbourListOptions(params.k, lists);
    this.name = name;
    this.variant = variant;
    this.k = params.k;
    this.minK = params.min_k;
    this.heap = new NeighbourHeap(this.k);
    this.simOpts = similarityOptionsFrom(params);
    this.bslOpts = baselineOptionsFrom(params);
  }

  get userBased(): boolean {
    return this.simOpts.userBased;
  }

  /** The fitted similarity matrix (over users when user-based, else items). */
  get similarities(): SimilarityMatrix {
    if (this.lists) throw new NotFittedError(`${this.name} keeps neighbour lists, not a matrix (over ${this.lists.n} entities)`);
    if (!this.sim) throw new NotFittedError(`${this.name} is not fitted: call fit(trainset) first`);
    return this.sim;
  }

  /** The fitted top-K neighbour lists, or undefined when the dense matrix is used. */
  get neighbourLists(): NeighbourLists | undefined {
    return this.lists;
  }

  private get needsBaselines(): boolean {
    return this.variant === 'baseline' || this.simOpts.name === 'pearson_baseline';
  }

  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    if (this.needsBaselines) {
      const b = computeBaselines(ts, this.bslOpts);
      this.bu = b.bu;
      this.bi = b.bi;
    } else {
      this.bu = this.bi = undefined;
    }
    this.means = this.sigmas = undefined;
    if (this.variant === 'means' || this.variant === 'zscore') {
      const xr = this.simOpts.userBased ? ts.byUser : ts.byItem;
      this.means = rowMeans(xr);
      if (this.variant === 'zscore') {
        this.overallSigma = populationStd(ts.byUser.values, ts.globalMean);
        this.sigmas = rowSigmas(xr, this.means, this.overallSigma);
      }
    }
    this.prepare(ts);
    return this;
  }

  /**
   * Similarities and per-rating terms from the learned arrays; shared by fit and restore. `saved`:
   * the similarities of a snapshot, used as they are instead of being computed again.
   */
  private prepare(ts: Trainset, saved?: SavedSimilarities): void {
    const baselines = this.bu && this.bi ? { bu: this.bu, bi: this.bi } : undefined;
    const nX = this.simOpts.userBased ? ts.nUsers : ts.nItems;
    const what = `${this.name} similarities`;
    if (nX > this.listOpts.denseMaxEntities) {
      this.sim = undefined;
      this.lists = saved?.lists ?? computeNeighbourLists(ts, this.simOpts, this.listOpts, baselines);
      this.scratchRow = new Float64Array(nX);
      // item-based scoring reads the lists turned around: made here, not by the first request
      if (!this.simOpts.userBased) this.lists.byNeighbour();
    } else {
      this.lists = undefined;
      this.sim = saved?.packed
        ? new SimilarityMatrix(new PackedTriangle(nX, what, saved.packed))
        : computeSimilarities(ts, this.simOpts, baselines);
    }
    this.terms = this.candidateTerms(ts);
    const yr = this.candidates(ts);
    let maxM = 1;
    for (let y = 0; y + 1 < yr.indptr.length; y++) maxM = Math.max(maxM, yr.indptr[y + 1] - yr.indptr[y]);
    this.ensureBuffers(maxM);
    this.itemPos = undefined;
    this.itemRowsInUserOrder = this.lists !== undefined && this.simOpts.userBased && rowsAscending(ts.byItem);
    this.ts = ts;
  }

  private candidates(ts: Trainset): Csr {
    return this.simOpts.userBased ? ts.byItem : ts.byUser;
  }

  private candidateTerms(ts: Trainset): Float64Array {
    const yr = this.candidates(ts);
    const out = new Float64Array(yr.indices.length);
    const nY = yr.indptr.length - 1;
    const ub = this.simOpts.userBased;
    const bx = ub ? this.bu : this.bi;
    const by = ub ? this.bi : this.bu;
    const mu = ts.globalMean;
    for (let y = 0; y < nY; y++) {
      for (let p = yr.indptr[y]; p < yr.indptr[y + 1]; p++) {
        const nb = yr.indices[p];
        out[p] = this.term(nb, yr.values[p], mu, bx, by === undefined ? 0 : by[y]);
      }
    }
    return out;
  }

  /** The contribution of neighbour nb's rating r, before weighting by similarity. */
  private term(nb: number, r: number, mu: number, bx: Float64Array | undefined, byY: number): number {
    switch (this.variant) {
      case 'basic':
        return r;
      case 'means':
        return r - (this.means as Float64Array)[nb];
      case 'zscore':
        return (r - (this.means as Float64Array)[nb]) / (this.sigmas as Float64Array)[nb];
      case 'baseline':
        return r - (mu + (bx as Float64Array)[nb] + byY);
    }
  }

  private ensureBuffers(m: number): void {
    if (this.simBuf.length < m) {
      const size = Math.max(m, this.simBuf.length * 2);
      this.simBuf = new Float64Array(size);
      this.iota = new Int32Array(size);
      for (let c = 0; c < size; c++) this.iota[c] = c;
      this.posBuf = new Int32Array(size);
      this.termBuf = new Float64Array(size);
    }
  }

  /** Baseline of an unknown user and/or item: the parts that are known (KNNBaseline only). */
  private partialBaseline(u: number, i: number): number {
    const ts = this.trainset;
    let est = ts.globalMean;
    if (u >= 0 && u < ts.nUsers) est += (this.bu as Float64Array)[u];
    if (i >= 0 && i < ts.nItems) est += (this.bi as Float64Array)[i];
    return est;
  }

  estimate(u: number, i: number): Estimate {
    const ts = this.trainset;
    const known = u >= 0 && u < ts.nUsers && i >= 0 && i < ts.nItems;
    if (!known) {
      return this.variant === 'baseline' ? { value: this.partialBaseline(u, i) } : { impossible: UNKNOWN_REASON };
    }
    const user = this.trainedUser(u);
    const v = this.simOpts.userBased
      ? this.scoreUserBased(null, u, i, user)
      : this.scoreItemBased(i, ts.byUser.indices, this.terms as Float64Array, ts.byUser.indptr[u], ts.userDegree(u), user);
    return v === v ? { value: v } : { impossible: NOT_ENOUGH_NEIGHBORS };
  }

  estimateFor(p: Profile, i: number): Estimate {
    if (p.user !== undefined) return this.estimate(p.user, i);
    const ts = this.trainset;
    if (p.items.length === 0 || !(i >= 0 && i < ts.nItems)) return this.estimate(-1, i);
    const q = this.memberQuery(p);
    const v = this.simOpts.userBased
      ? this.scoreUserBased(q.row, -1, i, q.user)
      : this.scoreItemBased(i, p.items, q.terms, 0, p.items.length, q.user);
    return v === v ? { value: v } : { impossible: NOT_ENOUGH_NEIGHBORS };
  }

  scoreAll(p: Profile, out: Float64Array): void {
    this.scoreAllInto(p, out, null);
  }

  /** Support: the neighbours (among the k) each estimate was computed from, Surprise's actual_k. */
  override scoreAllWithSupport(p: Profile, out: Float64Array, support: Float64Array): SupportKind {
    this.scoreAllInto(p, out, support);
    return this.simOpts.userBased ? 'similar-members' : 'similar-movies';
  }

  private scoreAllInto(p: Profile, out: Float64Array, support: Float64Array | null): void {
    const ts = this.trainset;
    const n = ts.nItems;
    if (p.user === undefined && p.items.length === 0) {
      for (let i = 0; i < n; i++) out[i] = this.variant === 'baseline' ? this.partialBaseline(-1, i) : NaN;
      support?.fill(0, 0, n);
      return;
    }
    if (this.simOpts.userBased) {
      let row: Float64Array;
      let user: QueryUser;
      if (p.user !== undefined) {
        row = (this.lists ?? this.similarities).rowInto(p.user, new Float64Array(ts.nUsers));
        user = this.trainedUser(p.user);
      } else {
        const q = this.memberQuery(p);
        row = q.row;
        user = q.user;
      }
      if (this.lists) {
        this.scoreAllFromNeighbours(row, user, out, support);
        return;
      }
      for (let i = 0; i < n; i++) {
        out[i] = this.scoreUserBased(row, -1, i, user);
        if (support) support[i] = this.sums[2];
      }
    } else if (this.lists) {
      // each movie's sorted list row walked to its k-th rated entry, see scoreAllFromItemLists
      let items: Int32Array;
      let terms: Float64Array;
      let user: QueryUser;
      if (p.user !== undefined) {
        const a = ts.byUser.indptr[p.user];
        const b = ts.byUser.indptr[p.user + 1];
        items = ts.byUser.indices.subarray(a, b);
        terms = (this.terms as Float64Array).subarray(a, b);
        user = this.trainedUser(p.user);
      } else {
        const q = this.memberQuery(p);
        items = p.items;
        terms = q.terms;
        user = q.user;
      }
      this.scoreAllFromItemLists(this.lists, items, terms, user, out, support);
    } else {
      if (p.user !== undefined) {
        const a = ts.byUser.indptr[p.user];
        const b = ts.byUser.indptr[p.user + 1];
        const terms = (this.terms as Float64Array).subarray(a, b);
        this.scoreAllItemBased(ts.byUser.indices.subarray(a, b), terms, this.trainedUser(p.user), out, support);
      } else {
        const q = this.memberQuery(p);
        this.scoreAllItemBased(p.items, q.terms, q.user, out, support);
      }
    }
  }

  /**
   * Item-based scores of every item for one user, the hot path of `recommend`. The user's items are
   * sorted by id once (positions kept for Surprise's tie rule), so for each candidate item i the
   * rated items below i are read down their packed rows at column i (consecutive i: consecutive
   * addresses, cache lines reused) and those above i along row i in increasing order, without a
   * branch per pair.
   */
  private scoreAllItemBased(
    items: Int32Array,
    terms: Float64Array,
    user: QueryUser,
    out: Float64Array,
    support: Float64Array | null,
  ): void {
    const m = items.length;
    const order = Array.from({ length: m }, (_, c) => c).sort((x, y) => items[x] - items[y] || x - y);
    const J = new Int32Array(m);
    const offJ = new Int32Array(m);
    const T = new Float64Array(m);
    const P = new Int32Array(m);
    const { data, off } = (this.sim as SimilarityMatrix).packed;
    for (let c = 0; c < m; c++) {
      const o = order[c];
      J[c] = items[o];
      offJ[c] = off[items[o]];
      T[c] = terms[o];
      P[c] = o;
    }
    this.ensureBuffers(m);
    const sims = this.simBuf;
    const n = this.trainset.nItems;
    let lo = 0;
    for (let i = 0; i < n; i++) {
      while (lo < m && J[lo] < i) lo++;
      let hi = lo;
      while (hi < m && J[hi] === i) hi++;
      for (let c = 0; c < lo; c++) sims[c] = data[offJ[c] + i];
      for (let c = lo; c < hi; c++) sims[c] = 1;
      const oi = off[i];
      for (let c = hi; c < m; c++) sims[c] = data[oi + J[c]];
      knnSums(m, sims, T, 0, P, this.heap, this.sums);
      out[i] = this.combine(i, user);
      if (support) support[i] = this.sums[2];
    }
  }

  /**
   * Item-based scores of every movie from the neighbour lists. Movie i's candidates are the rated
   * movies in i's list (and i itself, similarity 1, when rated); the list is sorted by similarity,
   * so its first k rated entries are the k neighbours: no selection. Which cells are rated comes
   * from the lists turned around (`byNeighbour`): each rated movie's cells get a bit in a set over
   * all n·K cells, and each row is then read bit by bit, in list order, to its k-th set bit, so the
   * sums are added in the order the whole-row walk added them (bit-identical estimates).
   *
   * Why bits and not the walk over every row: at ml-32m shape every one of the 87,585 lists is
   * full (K = 80) and made of popular movies (the most listed sits in 24,758 lists), so a member's
   * movies hit 1–2 M of the 7 M cells and the walk read all 7 M, at CPU p95 37–88 ms on this
   * shared machine for members with 200–2,000 ratings. Gathering the hits per movie with their
   * terms and sorting them cost more still (CPU p95 356 against 187 ms for 2,000 ratings): the bit
   * set needs no buckets and no sort. Surprise's tie rule (equal similarities: the earlier rating
   * first) is kept by `settleTies` at the k-th place.
   */
  private scoreAllFromItemLists(
    lists: NeighbourLists,
    items: Int32Array,
    terms: Float64Array,
    user: QueryUser,
    out: Float64Array,
    support: Float64Array | null,
  ): void {
    const n = this.trainset.nItems;
    const k = this.k;
    const { slot, hit } = this.memberScratch(n, lists.size);
    const rev = lists.byNeighbour();
    for (let c = 0; c < items.length; c++) {
      const j = items[c];
      slot[j] = c;
      for (let r = rev.ptr[j]; r < rev.ptr[j + 1]; r++) {
        const p = rev.cells[r];
        hit[p >>> 5] |= 1 << (p & 31);
      }
    }
    const { ptr, nb, sim } = lists;
    const sums = this.sums;
    for (let i = 0; i < n; i++) {
      let cnt = 0;
      let sumS = 0;
      let sumST = 0;
      let last = Infinity;
      const own = slot[i];
      if (own >= 0) {
        cnt = 1;
        sumS = 1;
        sumST = terms[own];
        last = 1;
      }
      const end = ptr[i + 1];
      // the next cell to read: after the loop, the one after the k-th rated (or the row's end)
      let from = ptr[i];
      if (cnt < k && from < end) {
        let w = from >>> 5;
        let bits = hit[w] & (-1 << (from & 31));
        const lastWord = (end - 1) >>> 5;
        from = end;
        scan: for (;;) {
          while (bits !== 0) {
            const low = bits & -bits;
            const p = w * 32 + 31 - Math.clz32(low);
            if (p >= end) break scan;
            bits ^= low;
            const sv = sim[p];
            sumS += sv;
            sumST += sv * terms[slot[nb[p]]];
            last = sv;
            if (++cnt === k) {
              from = p + 1;
              break scan;
            }
          }
          if (++w > lastWord) break;
          bits = hit[w];
        }
      }
      sums[0] = sumST;
      sums[1] = sumS;
      sums[2] = cnt;
      // a rated movie after the k-th with the same similarity may take its place (earlier rating);
      // the row is sorted, so only the next rated cell can tie
      const next = cnt === k ? nextSetBit(hit, from, end) : -1;
      if (next >= 0 && sim[next] === last) this.settleTies(lists, i, own, slot, terms);
      out[i] = this.combine(i, user);
      if (support) support[i] = cnt;
    }
    for (let c = 0; c < items.length; c++) slot[items[c]] = -1;
    hit.fill(0);
  }

  /**
   * A member's rating position per movie (−1: unrated) and a bit per list cell, kept between
   * requests, all −1 and all 0 between uses: 87,585 slots and 7 M bits at ml-32m shape.
   */
  private memberScratch(n: number, cells: number): { slot: Int32Array; hit: Int32Array } {
    if (this.slotOf.length !== n) this.slotOf = new Int32Array(n).fill(-1);
    const words = (cells + 31) >>> 5;
    if (this.hitBits.length !== words) this.hitBits = new Int32Array(words);
    return { slot: this.slotOf, hit: this.hitBits };
  }

  /**
   * Movie i's neighbour sums the general way (knnSums over every rated candidate with its rating
   * position), for the rare movie whose k-th place is tied: the walk above cannot tell which of
   * the tied ratings came first.
   */
  private settleTies(lists: NeighbourLists, i: number, own: number, slot: Int32Array, terms: Float64Array): void {
    this.ensureBuffers(lists.longestRow + 1);
    const sims = this.simBuf;
    const pos = this.posBuf;
    const candTerms = this.termBuf;
    let m = 0;
    if (own >= 0) {
      sims[0] = 1;
      pos[0] = own;
      candTerms[0] = terms[own];
      m = 1;
    }
    for (let p = lists.ptr[i]; p < lists.ptr[i + 1]; p++) {
      const c = slot[lists.nb[p]];
      if (c < 0) continue;
      sims[m] = lists.sim[p];
      pos[m] = c;
      candTerms[m++] = terms[c];
    }
    knnSums(m, sims, candTerms, 0, pos, this.heap, this.sums);
  }

  /**
   * User-based scores of every item from the users with a positive similarity in `row` (a list
   * row or a member's bounded row): their ratings are bucketed by item, each bucket holding the
   * same candidates, with the same positions in the item's rating list, as the full scan over the
   * item's raters would keep (those with similarity ≤ 0 are dropped there anyway). Cost: the
   * ratings of the neighbours, instead of every rating of the trainset.
   */
  private scoreAllFromNeighbours(row: Float64Array, user: QueryUser, out: Float64Array, support: Float64Array | null): void {
    if (this.itemRowsInUserOrder) {
      this.scoreAllFromStrongest(row, user, out, support);
      return;
    }
    const ts = this.trainset;
    const n = ts.nItems;
    const { byUser, byItem } = ts;
    // a rating's position in its movie's list orders equal similarities (Surprise's tie rule)
    const itemPos = this.itemPosOfRating(ts);
    const terms = this.terms as Float64Array;
    const ptr = new Int32Array(n + 1);
    const nbs: number[] = [];
    for (let v = 0; v < row.length; v++) {
      if (row[v] > 0) {
        nbs.push(v);
        for (let q = byUser.indptr[v]; q < byUser.indptr[v + 1]; q++) ptr[byUser.indices[q] + 1]++;
      }
    }
    let maxM = 1;
    for (let i = 0; i < n; i++) {
      maxM = Math.max(maxM, ptr[i + 1]);
      ptr[i + 1] += ptr[i];
    }
    this.ensureBuffers(maxM);
    const fill = ptr.slice(0, n);
    const bSim = new Float64Array(ptr[n]);
    const bTerm = new Float64Array(ptr[n]);
    const bPos = new Int32Array(ptr[n]);
    for (const v of nbs) {
      const s = row[v];
      for (let q = byUser.indptr[v]; q < byUser.indptr[v + 1]; q++) {
        const i = byUser.indices[q];
        const d = fill[i]++;
        bSim[d] = s;
        const at = itemPos[q];
        bTerm[d] = terms[at];
        bPos[d] = at - byItem.indptr[i];
      }
    }
    const sims = this.simBuf;
    const pos = this.posBuf;
    for (let i = 0; i < n; i++) {
      const a = ptr[i];
      const m = ptr[i + 1] - a;
      for (let c = 0; c < m; c++) {
        sims[c] = bSim[a + c];
        pos[c] = bPos[a + c];
      }
      knnSums(m, sims, bTerm, a, pos, this.heap, this.sums);
      out[i] = this.combine(i, user);
      if (support) support[i] = this.sums[2];
    }
  }

  /**
   * `scoreAllFromNeighbours` when every movie's raters are listed in user order: the neighbours
   * are walked strongest first (equal similarities: smaller id, which is then the earlier rating,
   * Surprise's tie rule), and each movie takes the first k who rated it, so the sums build up in
   * one pass over the neighbours' ratings with no buckets and no selection. The neighbours are
   * mostly heavy raters (a shrunk similarity favours large supports): at ml-32m shape their
   * ratings are hundreds of thousands per request, bucketed and selected at CPU p95 108–139 ms.
   */
  private scoreAllFromStrongest(row: Float64Array, user: QueryUser, out: Float64Array, support: Float64Array | null): void {
    const ts = this.trainset;
    const n = ts.nItems;
    const { byUser } = ts;
    const k = this.k;
    const mu = ts.globalMean;
    const bi = this.bi;
    const nbs: number[] = [];
    for (let v = 0; v < row.length; v++) if (row[v] > 0) nbs.push(v);
    nbs.sort((a, b) => row[b] - row[a] || a - b);
    if (this.movieCount.length !== n) {
      this.movieCount = new Int32Array(n);
      this.movieSumS = new Float64Array(n);
      this.movieSumST = new Float64Array(n);
    }
    const count = this.movieCount;
    const sumS = this.movieSumS;
    const sumST = this.movieSumST;
    const { indptr, indices, values } = byUser;
    for (const v of nbs) {
      const s = row[v];
      if (this.variant === 'baseline') {
        // term(v, r, …) = r − (μ + b_v + b_i), added left to right as there: μ + b_v once per neighbour
        const muV = mu + (this.bu as Float64Array)[v];
        const bI = bi as Float64Array;
        for (let q = indptr[v]; q < indptr[v + 1]; q++) {
          const i = indices[q];
          if (count[i] >= k) continue;
          count[i]++;
          sumS[i] += s;
          sumST[i] += s * (values[q] - (muV + bI[i]));
        }
        continue;
      }
      for (let q = indptr[v]; q < indptr[v + 1]; q++) {
        const i = indices[q];
        if (count[i] >= k) continue;
        count[i]++;
        sumS[i] += s;
        sumST[i] += s * this.term(v, values[q], mu, this.bu, bi === undefined ? 0 : bi[i]);
      }
    }
    const sums = this.sums;
    for (let i = 0; i < n; i++) {
      sums[0] = sumST[i];
      sums[1] = sumS[i];
      sums[2] = count[i];
      out[i] = this.combine(i, user);
      if (support) support[i] = count[i];
      count[i] = 0;
      sumS[i] = 0;
      sumST[i] = 0;
    }
  }

  /** For each rating of byUser, its position in byItem (made once per trainset, lists mode only). */
  private itemPosOfRating(ts: Trainset): Int32Array {
    if (this.itemPos) return this.itemPos;
    const { byUser, byItem } = ts;
    const nnz = byUser.indices.length;
    // byItem positions grouped by user, items ascending; then matched through a dense item → q map
    const userPtr = byUser.indptr;
    const cursor = userPtr.slice(0, ts.nUsers);
    const grouped = new Int32Array(nnz);
    const itemOf = new Int32Array(nnz);
    for (let i = 0; i < ts.nItems; i++) {
      for (let p = byItem.indptr[i]; p < byItem.indptr[i + 1]; p++) {
        grouped[cursor[byItem.indices[p]]++] = p;
        itemOf[p] = i;
      }
    }
    const qOfItem = new Int32Array(ts.nItems);
    const out = new Int32Array(nnz);
    for (let u = 0; u < ts.nUsers; u++) {
      for (let q = userPtr[u]; q < userPtr[u + 1]; q++) qOfItem[byUser.indices[q]] = q;
      for (let g = userPtr[u]; g < userPtr[u + 1]; g++) out[qOfItem[itemOf[grouped[g]]]] = grouped[g];
    }
    this.itemPos = out;
    return out;
  }

  private trainedUser(u: number): QueryUser {
    const ub = this.simOpts.userBased;
    return {
      mean: ub && this.means ? this.means[u] : NaN,
      sigma: ub && this.sigmas ? this.sigmas[u] : NaN,
      bias: this.bu ? this.bu[u] : 0,
    };
  }

  /**
   * Lists mode, user-based: the member row's work space, made once per trainset (see
   * MemberRowScratch), and the row itself, which a request reads before the next one writes it.
   */
  private memberRowScratch(ts: Trainset): MemberRowScratch {
    if (!this.rowScratch || this.rowScratch.nUsers !== ts.nUsers || this.rowScratch.nItems !== ts.nItems) {
      this.rowScratch = new MemberRowScratch(ts.nUsers, ts.nItems, this.simOpts.name);
      this.memberRow = new Float64Array(ts.nUsers);
    }
    return this.rowScratch;
  }

  /** Everything a member's query needs, computed once from their ratings. */
  private memberQuery(p: Profile): { user: QueryUser; row: Float64Array; terms: Float64Array } {
    const ts = this.trainset;
    const mu = ts.globalMean;
    const bias = this.bi ? foldInUserBias(p.items, p.ratings, this.bi, mu, this.bslOpts) : 0;
    let mean = NaN;
    let sigma = NaN;
    if (this.variant === 'means' || this.variant === 'zscore') {
      let s = 0;
      for (let k = 0; k < p.ratings.length; k++) s += p.ratings[k];
      mean = s / p.ratings.length;
      if (this.variant === 'zscore') {
        const sd = populationStd(p.ratings, mean);
        sigma = sd === 0 ? this.overallSigma : sd;
      }
    }
    const user: QueryUser = { mean, sigma, bias };
    if (this.simOpts.userBased) {
      const baselines = this.bu && this.bi ? { bu: this.bu, bi: this.bi, bMember: bias } : undefined;
      const scratch = this.lists ? this.memberRowScratch(ts) : undefined;
      const row = scratch
        ? keepStrongest(
            memberSimilarityRow(
              ts,
              this.simOpts,
              p.items,
              p.ratings,
              this.listOpts.maxMemberCandidates,
              baselines,
              this.memberRow,
              this.listOpts.maxMemberCandidateRatings,
              scratch,
            ),
            this.listOpts.listSize,
          )
        : similarityRowForProfile(ts, this.simOpts, p.items, p.ratings, baselines);
      return { user, row, terms: new Float64Array(0) };
    }
    // item-based: y is the member, so b_y is the folded-in bias
    const terms = new Float64Array(p.items.length);
    for (let c = 0; c < p.items.length; c++) terms[c] = this.term(p.items[c], p.ratings[c], mu, this.bi, bias);
    return { user, row: new Float64Array(0), terms };
  }

  /**
   * User-based: candidates are the raters of i. Similarities come from `row` (the querying user's
   * similarity to every user) or, when row is null, straight from the matrix row of trained user x.
   * Returns NaN when impossible.
   */
  private scoreUserBased(row: Float64Array | null, x: number, i: number, user: QueryUser): number {
    const ts = this.trainset;
    const { indptr, indices } = ts.byItem;
    const a = indptr[i];
    const m = indptr[i + 1] - a;
    const sims = this.simBuf;
    if (row) {
      for (let c = 0; c < m; c++) sims[c] = row[indices[a + c]];
    } else if (this.lists) {
      const scratch = this.scratchRow;
      this.lists.scatter(x, scratch);
      for (let c = 0; c < m; c++) sims[c] = scratch[indices[a + c]];
      this.lists.clear(x, scratch);
    } else {
      const { data, off } = (this.sim as SimilarityMatrix).packed;
      const ox = off[x];
      for (let c = 0; c < m; c++) {
        const nb = indices[a + c];
        sims[c] = nb > x ? data[ox + nb] : nb < x ? data[off[nb] + x] : 1;
      }
    }
    knnSums(m, sims, this.terms as Float64Array, a, this.iota, this.heap, this.sums);
    return this.combine(i, user);
  }

  /**
   * Item-based: candidates are the user's rated items items[at..at+m) with their terms at the same
   * positions of `terms` (the trained CSR and its terms, or a member's profile and theirs).
   */
  private scoreItemBased(
    i: number,
    items: Int32Array,
    terms: Float64Array,
    at: number,
    m: number,
    user: QueryUser,
  ): number {
    this.ensureBuffers(m);
    const sims = this.simBuf;
    if (this.lists) {
      const scratch = this.scratchRow;
      this.lists.scatter(i, scratch);
      for (let c = 0; c < m; c++) sims[c] = scratch[items[at + c]];
      this.lists.clear(i, scratch);
    } else {
      const { data, off } = (this.sim as SimilarityMatrix).packed;
      const oi = off[i];
      for (let c = 0; c < m; c++) {
        const j = items[at + c];
        sims[c] = j > i ? data[oi + j] : j < i ? data[off[j] + i] : 1;
      }
    }
    knnSums(m, sims, terms, at, this.iota, this.heap, this.sums);
    return this.combine(i, user);
  }

  /** The estimate from the neighbour sums; NaN when impossible (KNNBasic without enough neighbours). */
  private combine(i: number, user: QueryUser): number {
    const sums = this.sums;
    const enough = sums[2] >= this.minK;
    const ub = this.simOpts.userBased;
    switch (this.variant) {
      case 'basic':
        return enough ? sums[0] / sums[1] : NaN;
      case 'means': {
        const center = ub ? user.mean : (this.means as Float64Array)[i];
        return enough ? center + sums[0] / sums[1] : center;
      }
      case 'zscore': {
        const center = ub ? user.mean : (this.means as Float64Array)[i];
        const scale = ub ? user.sigma : (this.sigmas as Float64Array)[i];
        return enough ? center + (sums[0] / sums[1]) * scale : center;
      }
      case 'baseline': {
        const est = this.trainset.globalMean + user.bias + (this.bi as Float64Array)[i];
        return enough ? est + sums[0] / sums[1] : est;
      }
    }
  }

  /**
   * Learned arrays and the similarities (the packed triangle, or the neighbour lists). Recomputing
   * the similarities on restore was cheaper on disk (189 MB on ml-latest-small item-based), but
   * restore runs on the service's main thread: at ml-1m shape it held the event loop for 25 s
   * during a background retrain and made a restart from snapshots as slow as a first start
   * (bench/scale.ts). Copying saved arrays takes milliseconds.
   */
  state(): ModelState {
    const ts = this.trainset;
    const lists = this.lists;
    return {
      sim_packed: this.sim ? this.sim.packed.data : null,
      list_ptr: lists ? lists.ptr : null,
      list_nb: lists ? lists.nb : null,
      list_sim: lists ? lists.sim : null,
      algorithm: this.name,
      similarity: this.simOpts.name,
      user_based: this.simOpts.userBased,
      n_users: ts.nUsers,
      n_items: ts.nItems,
      bu: this.bu ?? null,
      bi: this.bi ?? null,
      means: this.means ?? null,
      sigmas: this.sigmas ?? null,
      overall_sigma: this.overallSigma,
    };
  }

  restore(ts: Trainset, state: ModelState): void {
    const who = `${this.name}: cannot restore state`;
    if (state.algorithm !== this.name) throw new ParamError(`${who} saved by "${String(state.algorithm)}"`);
    if (state.similarity !== this.simOpts.name || state.user_based !== this.simOpts.userBased) {
      throw new ParamError(
        `${who}: it was fitted with similarity ${String(state.similarity)}, user_based=${String(state.user_based)}; ` +
          `this model uses ${this.simOpts.name}, user_based=${this.simOpts.userBased}`,
      );
    }
    if (state.n_users !== ts.nUsers || state.n_items !== ts.nItems) {
      throw new ParamError(
        `${who}: it was fitted on ${String(state.n_users)} users × ${String(state.n_items)} items, ` +
          `the trainset has ${ts.nUsers} × ${ts.nItems}`,
      );
    }
    const nX = this.simOpts.userBased ? ts.nUsers : ts.nItems;
    const needsXStats = this.variant === 'means' || this.variant === 'zscore';
    this.bu = this.needsBaselines ? stateArray(state, 'bu', ts.nUsers, who) : undefined;
    this.bi = this.needsBaselines ? stateArray(state, 'bi', ts.nItems, who) : undefined;
    this.means = needsXStats ? stateArray(state, 'means', nX, who) : undefined;
    this.sigmas = this.variant === 'zscore' ? stateArray(state, 'sigmas', nX, who) : undefined;
    this.overallSigma = typeof state.overall_sigma === 'number' ? state.overall_sigma : NaN;
    this.prepare(ts, savedSimilarities(state, nX));
  }
}

/** The first set bit at or after `from` and before `end`, or −1. */
function nextSetBit(bits: Int32Array, from: number, end: number): number {
  if (from >= end) return -1;
  let w = from >>> 5;
  let word = bits[w] & (-1 << (from & 31));
  const lastWord = (end - 1) >>> 5;
  for (;;) {
    if (word !== 0) {
      const p = w * 32 + 31 - Math.clz32(word & -word);
      return p < end ? p : -1;
    }
    if (++w > lastWord) return -1;
    word = bits[w];
  }
}

/** Whether every row's indices increase (a CSR built from ratings grouped by user, in order). */
function rowsAscending(csr: Csr): boolean {
  const { indptr, indices } = csr;
  for (let r = 0; r + 1 < indptr.length; r++) {
    for (let p = indptr[r] + 1; p < indptr[r + 1]; p++) if (indices[p] <= indices[p - 1]) return false;
  }
  return true;
}

/**
 * Keeps a member's `size` strongest positive similarities (ties: the smaller id), zeroing the rest:
 * a live member gets a top-K list like a trained user's. Scoring then walks the ratings of K
 * neighbours; with all 4,000 compared co-raters it walked ~4 M ratings per request at ml-10m shape
 * (recommend p95 616 ms in bench/scale.ts).
 */
function keepStrongest(row: Float64Array, size: number): Float64Array {
  const positive: number[] = [];
  for (let v = 0; v < row.length; v++) if (row[v] > 0) positive.push(v);
  if (positive.length <= size) return row;
  positive.sort((a, b) => row[b] - row[a] || a - b);
  for (let c = size; c < positive.length; c++) row[positive[c]] = 0;
  return row;
}

interface SavedSimilarities {
  packed?: Float64Array | Float32Array;
  lists?: NeighbourLists;
}

/**
 * The similarities a state carries, when they are whole (a state saved before they were carried,
 * or by another storage mode, has none and they are computed again).
 */
function savedSimilarities(state: ModelState, nX: number): SavedSimilarities | undefined {
  const packed = state.sim_packed;
  if ((packed instanceof Float64Array || packed instanceof Float32Array) && packed.length === (nX * (nX - 1)) / 2) {
    return { packed };
  }
  const { list_ptr: ptr, list_nb: nb, list_sim: sim } = state;
  if (ptr instanceof Int32Array && nb instanceof Int32Array && sim instanceof Float64Array && ptr.length === nX + 1) {
    if (ptr[nX] === nb.length && nb.length === sim.length) return { lists: new NeighbourLists(nX, ptr, nb, sim) };
  }
  return undefined;
}

function stateArray(state: ModelState, key: string, length: number, who: string): Float64Array {
  const v = state[key];
  if (!(v instanceof Float64Array || v instanceof Float32Array) || v.length !== length) {
    throw new ParamError(`${who}: "${key}" must be an array of ${length} numbers`);
  }
  return v instanceof Float64Array ? v : Float64Array.from(v);
}

function rowMeans(csr: Csr): Float64Array {
  const n = csr.indptr.length - 1;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let k = csr.indptr[r]; k < csr.indptr[r + 1]; k++) s += csr.values[k];
    out[r] = s / (csr.indptr[r + 1] - csr.indptr[r]);
  }
  return out;
}

/** numpy's np.std (divide by n), with a given mean. */
function populationStd(values: ArrayLike<number>, mean: number): number {
  let s = 0;
  for (let k = 0; k < values.length; k++) {
    const d = values[k] - mean;
    s += d * d;
  }
  return Math.sqrt(s / values.length);
}

function rowSigmas(csr: Csr, means: Float64Array, overall: number): Float64Array {
  const n = csr.indptr.length - 1;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    const a = csr.indptr[r];
    const b = csr.indptr[r + 1];
    for (let k = a; k < b; k++) {
      const d = csr.values[k] - means[r];
      s += d * d;
    }
    const sd = Math.sqrt(s / (b - a));
    out[r] = sd === 0 ? overall : sd;
  }
  return out;
}

/** Validates kNN parameters; min_k above k could never be met, so it is refused. */
export function resolveKnnParams(algo: string, given: Record<string, unknown> = {}): KnnParams {
  const params = applyMethodDefaults(resolveParams(algo, KNN_PARAM_SPECS, given), given);
  if (params.min_k > params.k) {
    throw new ParamError(`${algo}: parameter min_k (${params.min_k}) must be at most k (${params.k})`);
  }
  return params;
}

export class KNNBasic extends KnnAlgorithm {
  constructor(params: KnnParams = resolveKnnParams('knn-basic'), lists: Partial<NeighbourListOptions> = {}) {
    super('knn-basic', 'basic', params, lists);
  }
}

export class KNNWithMeans extends KnnAlgorithm {
  constructor(params: KnnParams = resolveKnnParams('knn-means'), lists: Partial<NeighbourListOptions> = {}) {
    super('knn-means', 'means', params, lists);
  }
}

export class KNNWithZScore extends KnnAlgorithm {
  constructor(params: KnnParams = resolveKnnParams('knn-zscore'), lists: Partial<NeighbourListOptions> = {}) {
    super('knn-zscore', 'zscore', params, lists);
  }
}

export class KNNBaseline extends KnnAlgorithm {
  constructor(params: KnnParams = resolveKnnParams('knn-baseline'), lists: Partial<NeighbourListOptions> = {}) {
    super('knn-baseline', 'baseline', params, lists);
  }
}

const SIM_DOC = 'sim_options flattened: name, user_based, min_support, shrinkage';
const BSL_DOC = 'bsl_options flattened: method, n_epochs, reg_i, reg_u, reg, learning_rate';

export const knnBasicDescriptor: AlgorithmDescriptor<KNNBasic> = {
  name: 'knn-basic',
  surpriseName: 'KNNBasic',
  description:
    `k-nearest neighbours, similarity-weighted average of the neighbours' ratings. ${SIM_DOC}; ` +
    `${BSL_DOC} (used by pearson_baseline).`,
  params: KNN_PARAM_SPECS,
  create: (given) => new KNNBasic(resolveKnnParams('knn-basic', given)),
};

export const knnMeansDescriptor: AlgorithmDescriptor<KNNWithMeans> = {
  name: 'knn-means',
  surpriseName: 'KNNWithMeans',
  description: `k-nearest neighbours on mean-centred ratings. ${SIM_DOC}; ${BSL_DOC} (used by pearson_baseline).`,
  params: KNN_PARAM_SPECS,
  create: (given) => new KNNWithMeans(resolveKnnParams('knn-means', given)),
};

export const knnZScoreDescriptor: AlgorithmDescriptor<KNNWithZScore> = {
  name: 'knn-zscore',
  surpriseName: 'KNNWithZScore',
  description: `k-nearest neighbours on z-score normalised ratings. ${SIM_DOC}; ${BSL_DOC} (used by pearson_baseline).`,
  params: KNN_PARAM_SPECS,
  create: (given) => new KNNWithZScore(resolveKnnParams('knn-zscore', given)),
};

export const knnBaselineDescriptor: AlgorithmDescriptor<KNNBaseline> = {
  name: 'knn-baseline',
  surpriseName: 'KNNBaseline',
  description: `k-nearest neighbours on residuals from the baseline μ + b_u + b_i. ${SIM_DOC}; ${BSL_DOC}.`,
  params: KNN_PARAM_SPECS,
  create: (given) => new KNNBaseline(resolveKnnParams('knn-baseline', given)),
};
