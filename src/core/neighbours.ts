/**
 * Sparse similarities for the kNN family at scale: for every user (user_based) or item, only its
 * K strongest positive similarities, as CSR lists, instead of the n×n packed triangle.
 *
 * Why: the packed triangle needs n(n−1)/2 cells; at 70,000 users that is 2.45 G pairs, beyond an
 * Int32 index and ~9.8 GB as float32, so user-based kNN could not train at ml-10m shape. The lists
 * need n·K cells (70,000 × 80 × 12 bytes = 67 MB).
 *
 * Build: the same sparse product as the dense path (each co-rated pair accumulated once, from its
 * smaller end, with the same formulas and min_support), each finished similarity offered to two
 * bounded heaps, one per end. Its cost is Σ over the other side of degree²/2 pair updates, and at
 * ml-32m shape that is 6.9·10¹⁰ (item-based) and 9.5·10¹⁰ (user-based), hours of the kernel. So
 * the product is pruned to `exactPairBudget`: each y (a member for item-based, a movie for
 * user-based) keeps only its `cap` raters with the fewest ratings of their own, `cap` the largest
 * that fits the budget (`pruneCap`). Below the budget nothing is pruned and the lists are exact.
 * Only positive similarities are kept: the kNN step drops the others anyway (see knnSums), so a
 * list that holds every positive similarity of a row gives exactly the dense estimates.
 *
 * What the lists approximate, beyond the budget: a pair's similarity is computed over the common
 * ratings both kept, so pairs whose common raters include a y's heaviest raters lose those terms
 * (at ml-32m shape, budget 2·10⁹: 364 raters kept per movie, 52 % of the ratings, user-based;
 * 392 movies per member, 61 %, item-based; a blockbuster's 81,170 raters count as 364); and, with K
 * below the count of positive similarities, a neighbour outside the stored top-K of a row is never
 * used, where Surprise might use it for an item none of the K rated. The previous bounded build
 * compared each row with 160 co-raters, exact values but walking each one's whole rating list: at
 * ml-32m shape ~10¹¹ steps, a lazy knn-item fit that had not ended after 55 minutes.
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
  /** …and to no more once their own ratings add up to this many (what comparing them walks) */
  maxMemberCandidateRatings: number;
  /**
   * the sparse product may cost at most this many pair updates (Σ over the other side of
   * degree²/2); beyond, it runs over a pruned trainset that fits (see `pruneCap`)
   */
  exactPairBudget: number;
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
/**
 * 500,000 ratings of co-raters per live member. The rare movies' co-raters are mostly heavy
 * raters, so 4,000 of them walked ~7 M ratings for a member with 2,000 ratings at ml-32m shape:
 * the row alone took a median 131 ms (53 ms with 200 ratings); bounded at 1 M ratings 24 ms
 * (31), at 500,000 6 ms (9), timed alone on the shared machine at load ~6. The price: fewer
 * members compared (a few hundred heavy ones rather than 4,000), each still exactly.
 */
export const DEFAULT_MAX_MEMBER_CANDIDATE_RATINGS = 500_000;
/**
 * 2 G pair updates: at ml-32m shape the whole fit then takes 84–150 CPU s (knn-item, knn-user;
 * bench/scale-knn.ts), most of it this product.
 */
export const DEFAULT_EXACT_PAIR_BUDGET = 2e9;

export function neighbourListOptions(k: number, given: Partial<NeighbourListOptions> = {}): NeighbourListOptions {
  const o: NeighbourListOptions = {
    denseMaxEntities: given.denseMaxEntities ?? DEFAULT_DENSE_MAX_ENTITIES,
    listSize: Math.max(k, given.listSize ?? DEFAULT_LIST_FACTOR * k),
    maxMemberCandidates: given.maxMemberCandidates ?? DEFAULT_MAX_MEMBER_CANDIDATES,
    maxMemberCandidateRatings: given.maxMemberCandidateRatings ?? DEFAULT_MAX_MEMBER_CANDIDATE_RATINGS,
    exactPairBudget: given.exactPairBudget ?? DEFAULT_EXACT_PAIR_BUDGET,
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
  /** cells of the longest row (at most K) */
  readonly longestRow: number;

  constructor(n: number, ptr: Int32Array, nb: Int32Array, sim: Float64Array) {
    this.n = n;
    this.ptr = ptr;
    this.nb = nb;
    this.sim = sim;
    let longest = 0;
    for (let a = 0; a < n; a++) longest = Math.max(longest, ptr[a + 1] - ptr[a]);
    this.longestRow = longest;
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

  private reverse: ListsByNeighbour | undefined;

  /**
   * The lists turned around, made on first use (one counting sort over the cells, 4 bytes per
   * cell): for each entity b, the cells (indices into nb and sim) where b is listed, ascending.
   */
  byNeighbour(): ListsByNeighbour {
    if (this.reverse) return this.reverse;
    const { n, nb } = this;
    const ptr = new Int32Array(n + 1);
    for (let p = 0; p < nb.length; p++) ptr[nb[p] + 1]++;
    for (let b = 0; b < n; b++) ptr[b + 1] += ptr[b];
    const fill = ptr.slice(0, n);
    const cells = new Int32Array(nb.length);
    for (let p = 0; p < nb.length; p++) cells[fill[nb[p]]++] = p;
    this.reverse = { ptr, cells };
    return this.reverse;
  }
}

/** Where each entity is listed: cells[ptr[b]..ptr[b + 1]) are the cells whose neighbour is b. */
export interface ListsByNeighbour {
  ptr: Int32Array;
  cells: Int32Array;
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
 * Beyond `exactPairBudget` pair updates the product runs over a pruned trainset (`pruneCap`,
 * `prunedRows`): each y keeps only its `cap` raters with the fewest ratings of their own.
 */
export function computeNeighbourLists(
  ts: Trainset,
  opts: SimilarityOptions,
  lists: Pick<NeighbourListOptions, 'listSize' | 'exactPairBudget'>,
  baselines?: Baselines,
): NeighbourLists {
  const listSize = lists.listSize;
  const nX = opts.userBased ? ts.nUsers : ts.nItems;
  const nY = opts.userBased ? ts.nItems : ts.nUsers;
  const yr = opts.userBased ? ts.byItem : ts.byUser;
  const cap = pruneCap(yr.indptr, lists.exactPairBudget);
  const xr = cap === Infinity ? (opts.userBased ? ts.byUser : ts.byItem) : prunedRows(yr, nX, cap);
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
  // the x' > x that row x touched, found by walking its runs a second time (reads only; cheaper
  // than sweeping all x' > x, see Accumulators.finishListed), and their similarities
  const touched = new Int32Array(nX);
  const seen = new Uint8Array(nX);
  const sims = new Float64Array(nX);
  for (let x = 0; x < nX; x++) {
    let t = 0;
    for (let k = xr.indptr[x]; k < xr.indptr[x + 1]; k++) {
      const y = xr.indices[k];
      const from = idx.pos[k] + 1;
      const to = idx.yPtr[y + 1];
      accumulateRun(acc, opts.name, xVals[k], idx.yX, yVals, from, to, x);
      for (let p = from; p < to; p++) {
        const o = idx.yX[p];
        if (seen[o] === 0 && o !== x) {
          seen[o] = 1;
          touched[t++] = o;
        }
      }
    }
    acc.finishListed(touched, t, sims, minSupport, opts.shrinkage);
    for (let c = 0; c < t; c++) {
      const o = touched[c];
      seen[o] = 0;
      const s = sims[c];
      if (s > 0) {
        heaps.offer(x, o, s);
        heaps.offer(o, x, s);
      }
    }
  }
  return heaps.toLists();
}

/** Pair updates of the exact product: each y's co-rating pairs, Σ deg(y)(deg(y) − 1)/2. */
export function pairUpdates(yPtr: Int32Array, cap = Infinity): number {
  let total = 0;
  for (let y = 0; y + 1 < yPtr.length; y++) {
    const d = Math.min(cap, yPtr[y + 1] - yPtr[y]);
    total += (d * (d - 1)) / 2;
  }
  return total;
}

/**
 * The largest number of raters per y whose product costs at most `budget` pair updates:
 * Infinity when the exact product fits, never below 2 (a cap of 1 would compare nobody).
 */
export function pruneCap(yPtr: Int32Array, budget: number): number {
  if (pairUpdates(yPtr) <= budget) return Infinity;
  let lo = 2;
  let hi = 2;
  for (let y = 0; y + 1 < yPtr.length; y++) hi = Math.max(hi, yPtr[y + 1] - yPtr[y]);
  // pairUpdates grows with the cap: the largest cap within the budget, by bisection
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (pairUpdates(yPtr, mid) <= budget) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The x rows of a pruned trainset: every y (a movie when user-based, a member otherwise) keeps its
 * `cap` raters with the fewest ratings (ties: the smaller id). Why those: the product's cost is
 * Σ deg(y)², all in the most rated y, and a heavy rater loses a few of their many co-ratings while
 * a light one, whose few ratings are all the evidence there is, keeps them. Rows come out with y
 * ascending, values as the trainset's.
 */
export function prunedRows(yr: Csr, nX: number, cap: number): Csr {
  const nY = yr.indptr.length - 1;
  const degX = new Int32Array(nX);
  for (let q = 0; q < yr.indices.length; q++) degX[yr.indices[q]]++;
  const keep = new Uint8Array(yr.indices.length);
  let order = new Int32Array(0);
  for (let y = 0; y < nY; y++) {
    const a = yr.indptr[y];
    const d = yr.indptr[y + 1] - a;
    if (d <= cap) {
      keep.fill(1, a, a + d);
      continue;
    }
    if (order.length < d) order = new Int32Array(d);
    const qs = order.subarray(0, d);
    for (let c = 0; c < d; c++) qs[c] = a + c;
    const xs = yr.indices;
    qs.sort((p, q) => degX[xs[p]] - degX[xs[q]] || xs[p] - xs[q]);
    for (let c = 0; c < cap; c++) keep[qs[c]] = 1;
  }
  const indptr = new Int32Array(nX + 1);
  for (let q = 0; q < keep.length; q++) if (keep[q]) indptr[yr.indices[q] + 1]++;
  for (let x = 0; x < nX; x++) indptr[x + 1] += indptr[x];
  const fill = indptr.slice(0, nX);
  const indices = new Int32Array(indptr[nX]);
  const values = new Float32Array(indptr[nX]);
  for (let y = 0; y < nY; y++) {
    for (let q = yr.indptr[y]; q < yr.indptr[y + 1]; q++) {
      if (!keep[q]) continue;
      const at = fill[yr.indices[q]]++;
      indices[at] = y;
      values[at] = yr.values[q];
    }
  }
  return { indptr, indices, values };
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
  maxCandidateRatings = Infinity,
  scratch: MemberRowScratch = new MemberRowScratch(ts.nUsers, ts.nItems, opts.name),
): Float64Array {
  checkMemberRowOptions('memberSimilarityRow', opts, baselines);
  if (scratch.nUsers !== ts.nUsers || scratch.nItems !== ts.nItems || scratch.acc.name !== opts.name) {
    throw new ParamError(
      `memberSimilarityRow: the scratch is for ${scratch.nUsers} users × ${scratch.nItems} movies and ${scratch.acc.name}, ` +
        `the trainset has ${ts.nUsers} × ${ts.nItems} and the similarity is ${opts.name}`,
    );
  }
  const { byItem, byUser } = ts;
  const mu = ts.globalMean;
  // the member's value per movie (NaN: not rated); residuals for pearson_baseline
  const { mine, chosen, acc } = scratch;
  for (let c = 0; c < items.length; c++) {
    const i = items[c];
    mine[i] = baselines && opts.name === 'pearson_baseline' ? ratings[c] - (mu + baselines.bi[i] + baselines.bMember) : ratings[c];
  }
  const order = Array.from(items).sort((a, b) => byItem.indptr[a + 1] - byItem.indptr[a] - (byItem.indptr[b + 1] - byItem.indptr[b]));
  const candidates: number[] = [];
  let theirRatings = 0;
  outer: for (const i of order) {
    for (let p = byItem.indptr[i]; p < byItem.indptr[i + 1]; p++) {
      const v = byItem.indices[p];
      if (chosen[v]) continue;
      if (candidates.length >= maxCandidates || theirRatings >= maxCandidateRatings) break outer;
      chosen[v] = 1;
      candidates.push(v);
      theirRatings += byUser.indptr[v + 1] - byUser.indptr[v];
    }
  }
  const listed = Int32Array.from(candidates);
  const pb = baselines !== undefined && opts.name === 'pearson_baseline';
  // The common ratings of the member and a candidate are the candidate's ratings of the member's
  // movies: found from either side, whichever walks fewer ratings. The candidates of rare movies
  // are mostly heavy raters (4,000 of them walk ~10 M ratings at ml-32m shape), while a member's
  // own movies' raters can be fewer.
  let viaCandidates = 0;
  for (const v of candidates) viaCandidates += byUser.indptr[v + 1] - byUser.indptr[v];
  let viaMovies = 0;
  for (let c = 0; c < items.length; c++) viaMovies += byItem.indptr[items[c] + 1] - byItem.indptr[items[c]];
  if (viaMovies < viaCandidates) {
    for (let c = 0; c < items.length; c++) {
      const i = items[c];
      const vi = mine[i];
      for (let p = byItem.indptr[i]; p < byItem.indptr[i + 1]; p++) {
        const v = byItem.indices[p];
        if (chosen[v] === 0) continue;
        const r = byItem.values[p];
        acc.addPair(v, vi, pb ? r - (mu + (baselines as ProfileBaselines).bi[i] + (baselines as ProfileBaselines).bu[v]) : r);
      }
    }
  } else {
    for (const v of candidates) {
      for (let p = byUser.indptr[v]; p < byUser.indptr[v + 1]; p++) {
        const i = byUser.indices[p];
        const vi = mine[i];
        if (vi !== vi) continue;
        const r = byUser.values[p];
        acc.addPair(v, vi, pb ? r - (mu + (baselines as ProfileBaselines).bi[i] + (baselines as ProfileBaselines).bu[v]) : r);
      }
    }
  }
  // only the candidates have sums: finishing them alone, not all users (200,948 at ml-32m shape)
  const sims = new Float64Array(listed.length);
  acc.finishListed(listed, listed.length, sims, Math.max(1, effectiveMinSupport(opts)), opts.shrinkage);
  out.fill(0);
  for (let c = 0; c < listed.length; c++) out[listed[c]] = sims[c];
  // the scratch back to its resting state (finishListed has zeroed the candidates' sums)
  for (let c = 0; c < items.length; c++) mine[items[c]] = NaN;
  for (const v of candidates) chosen[v] = 0;
  return out;
}

/**
 * What `memberSimilarityRow` writes into while it works, kept by a model between requests and
 * left as it was found: at ml-32m shape a fresh set was ~7 MB of zeroed arrays per request
 * (pearson_baseline's four sums over 200,948 users), which made the collector pause often enough
 * to show at the 95th percentile (knn-user wall p95 72–132 ms against medians of 30–58 ms).
 */
export class MemberRowScratch {
  readonly nUsers: number;
  readonly nItems: number;
  /** per movie: NaN between uses */
  readonly mine: Float64Array;
  /** per user: 0 between uses */
  readonly chosen: Uint8Array;
  /** per user: all sums 0 between uses */
  readonly acc: Accumulators;

  constructor(nUsers: number, nItems: number, name: SimilarityOptions['name']) {
    this.nUsers = nUsers;
    this.nItems = nItems;
    this.mine = new Float64Array(nItems).fill(NaN);
    this.chosen = new Uint8Array(nUsers);
    this.acc = new Accumulators(nUsers, name);
  }
}
