/**
 * The service's cheap item-item machinery, independent of which algorithms are loaded:
 * pearson_baseline similarity between two movies over their common raters (the "because you rated
 * Alien" reason) and a movie's nearest neighbours by the same measure ("members who liked it also
 * liked"), both computed on demand from the trainset's CSR rows instead of from an n² matrix. The
 * measure itself is core's (shrunkPearsonBaseline, Surprise's default shrinkage).
 */
import { alsUserBiases, computeBaselines } from '../../core/baselines.ts';
import { DEFAULT_SIMILARITY_OPTIONS, shrunkPearsonBaseline } from '../../core/similarity.ts';
import type { Trainset } from '../../core/trainset.ts';

/** The baseline residuals a CoRating is made of, in byItem and byUser order. */
export interface CoRatingResiduals {
  zItem: Float32Array;
  zUser: Float32Array;
}

/** The raters of a set of movies by user, CSR over users (see CoRating.similarities). */
interface RatersIndex {
  key: string;
  ptr: Int32Array;
  slot: Int32Array;
  z: Float32Array;
}

export interface Neighbour {
  readonly item: number;
  readonly sim: number;
  /** how many raters the two movies have in common */
  readonly support: number;
}

/**
 * Movies whose neighbours are kept (see CoRating.neighbours): a burst's /because and /movie ask
 * about the same popular movies again and again, and the list only changes with the trainset,
 * i.e. with the generation, which builds a CoRating of its own. A few hundred bytes each.
 */
const NEIGHBOUR_LISTS_KEPT = 2048;

/** One movie's neighbours as computed: the first `limit` of them, or all when `complete`. */
interface NeighbourList {
  list: readonly Neighbour[];
  complete: boolean;
}

/**
 * pearson_baseline between items: over the users who rated both, with residuals
 * z = r − (μ + b_u + b_i), core's shrunkPearsonBaseline.
 * Hand-written loops over the CSR rows: this runs on every recommendation, so no per-pair objects.
 */
export class CoRating {
  private readonly ts: Trainset;
  /** residuals in byItem order */
  private readonly zItem: Float32Array;
  /** residuals in byUser order */
  private readonly zUser: Float32Array;
  /** the raters of the last `others` similarities() was asked about (see there) */
  private lastRaters: RatersIndex | undefined;
  /**
   * The arrays of lastRaters, reused for the next `others`: made per set, they were ~7 MB of
   * ArrayBuffers at ml-32m shape (two over 200,948 members, two over ~673,000 raters) each time
   * the liked movies changed, i.e. nearly every list of a rating predictor, and V8 answers that
   * much external memory with mark-compacts of the main thread (issue 12; bench/gc-fit.ts).
   */
  private raterPtr: Int32Array | undefined;
  private raterFill: Int32Array | undefined;
  private raterSlot = new Int32Array(0);
  private raterZ = new Float32Array(0);
  /** scratch over items for neighbours() */
  private readonly num: Float64Array;
  private readonly sqA: Float64Array;
  private readonly sqB: Float64Array;
  private readonly cnt: Int32Array;
  /** neighbours() answers by "item minSupport", least recently asked first */
  private readonly neighbourLists = new Map<string, NeighbourList>();

  /**
   * The baselines' item biases, when computed here (itemBiases of another CoRating on the same
   * trainset rebuild it in one pass: see the constructor).
   */
  readonly itemBiases: Float64Array | undefined;

  /**
   * `from`: what residuals() gave for the same trainset (a training worker computes them, so
   * the baselines' passes over every rating stay off the main thread), or the item biases a
   * CoRating on the same trainset had (saved by an earlier start: the user biases follow in one
   * pass, alsUserBiases, instead of every ALS epoch); else everything is computed here.
   */
  constructor(ts: Trainset, from?: CoRatingResiduals | { itemBiases: Float64Array }) {
    const residuals = from && 'zItem' in from ? from : undefined;
    this.ts = ts;
    this.num = new Float64Array(ts.nItems);
    this.sqA = new Float64Array(ts.nItems);
    this.sqB = new Float64Array(ts.nItems);
    this.cnt = new Int32Array(ts.nItems);
    if (residuals) {
      if (residuals.zItem.length !== ts.nRatings || residuals.zUser.length !== ts.nRatings) {
        throw new Error(`co-rating residuals hold ${residuals.zItem.length} ratings, the trainset ${ts.nRatings}`);
      }
      this.zItem = residuals.zItem;
      this.zUser = residuals.zUser;
      return;
    }
    const { bu, bi } = from && 'itemBiases' in from ? { bu: alsUserBiases(ts, from.itemBiases), bi: from.itemBiases } : computeBaselines(ts);
    this.itemBiases = bi;
    const mu = ts.globalMean;
    this.zItem = new Float32Array(ts.nRatings);
    this.zUser = new Float32Array(ts.nRatings);
    {
      const { indptr, indices, values } = ts.byItem;
      for (let i = 0; i < ts.nItems; i++) {
        for (let k = indptr[i]; k < indptr[i + 1]; k++) this.zItem[k] = values[k] - (mu + bu[indices[k]] + bi[i]);
      }
    }
    {
      const { indptr, indices, values } = ts.byUser;
      for (let u = 0; u < ts.nUsers; u++) {
        for (let k = indptr[u]; k < indptr[u + 1]; k++) this.zUser[k] = values[k] - (mu + bu[u] + bi[indices[k]]);
      }
    }
  }

  /** The residual arrays, to rebuild this on the same trainset elsewhere (see the constructor). */
  residuals(): CoRatingResiduals {
    return { zItem: this.zItem, zUser: this.zUser };
  }

  /**
   * Similarity of `anchor` to each of `others` (inner ids), with their common-rater counts.
   *
   * The raters of `others` are indexed by user once and kept for the next call with the same
   * others: /recommend asks this for each of its picks against the member's same liked movies,
   * often popular ones (20 of the top 100 at ml-32m shape: 673,000 raters in all), which each
   * pick walked again: 10 picks ~45 ms of CPU per answer, ~25 ms with the index (measured with
   * a throwaway script on the ml-32m store, load average ~25 on 2 cores, so ±50%).
   */
  similarities(anchor: number, others: ArrayLike<number>): Neighbour[] {
    const { indptr, indices } = this.ts.byItem;
    const index = this.ratersOf(others);
    const m = others.length;
    const num = new Float64Array(m);
    const sa = new Float64Array(m);
    const sb = new Float64Array(m);
    const cnt = new Int32Array(m);
    const { ptr, slot, z } = index;
    for (let k = indptr[anchor]; k < indptr[anchor + 1]; k++) {
      const u = indices[k];
      const za = this.zItem[k];
      for (let q = ptr[u]; q < ptr[u + 1]; q++) {
        const o = slot[q];
        const zb = z[q];
        num[o] += za * zb;
        sa[o] += za * za;
        sb[o] += zb * zb;
        cnt[o]++;
      }
    }
    const out: Neighbour[] = [];
    for (let o = 0; o < m; o++) {
      const j = others[o];
      out.push({ item: j, sim: j === anchor ? 1 : shrunk(num[o], sa[o], sb[o], cnt[o]), support: cnt[o] });
    }
    return out;
  }

  /** The raters of `others` by user: user u's entries are ptr[u]..ptr[u+1] (which other, its residual). */
  private ratersOf(others: ArrayLike<number>): RatersIndex {
    const key = Array.from(others).join(',');
    if (this.lastRaters?.key === key) return this.lastRaters;
    const { indptr, indices } = this.ts.byItem;
    const nUsers = this.ts.nUsers;
    const ptr = (this.raterPtr ??= new Int32Array(nUsers + 1)).fill(0);
    for (let o = 0; o < others.length; o++) {
      const j = others[o];
      for (let k = indptr[j]; k < indptr[j + 1]; k++) ptr[indices[k] + 1]++;
    }
    for (let u = 0; u < nUsers; u++) ptr[u + 1] += ptr[u];
    const fill = (this.raterFill ??= new Int32Array(nUsers));
    fill.set(ptr.subarray(0, nUsers));
    if (this.raterSlot.length < ptr[nUsers]) {
      // a quarter more than asked, so that a slightly larger set next does not make them again
      const room = Math.ceil(ptr[nUsers] * 1.25);
      this.raterSlot = new Int32Array(room);
      this.raterZ = new Float32Array(room);
    }
    const slot = this.raterSlot;
    const z = this.raterZ;
    for (let o = 0; o < others.length; o++) {
      const j = others[o];
      for (let k = indptr[j]; k < indptr[j + 1]; k++) {
        const at = fill[indices[k]]++;
        slot[at] = o;
        z[at] = this.zItem[k];
      }
    }
    this.lastRaters = { key, ptr, slot, z };
    return this.lastRaters;
  }

  /**
   * The `n` movies most similar to `item` among those sharing at least `minSupport` raters,
   * positive similarities only, best first.
   *
   * Kept per movie for this CoRating's life, which is its generation's: the trainset never
   * changes under it (a new generation, after a retrain or a forget, builds a new CoRating), so a
   * kept list is the list computing again would give. The walk was the main thread's largest
   * single cost under bench/load.ts's burst: 2.9 of 27.4 s of a CPU profile (--cpu-prof, 4,000
   * commands, ~900 of them /because or /movie about the same top-100 movies; load average ~12).
   */
  neighbours(item: number, n: number, minSupport = 5): Neighbour[] {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a whole number ≥ 0, got ${n}`);
    const key = `${item} ${minSupport}`;
    let kept = this.neighbourLists.get(key);
    if (kept) this.neighbourLists.delete(key); // re-inserted below: the most recently asked
    if (!kept || (!kept.complete && kept.list.length < n)) {
      const all = this.computeNeighbours(item, minSupport);
      kept = { list: all.slice(0, n), complete: all.length <= n };
    }
    this.neighbourLists.set(key, kept);
    if (this.neighbourLists.size > NEIGHBOUR_LISTS_KEPT) this.neighbourLists.delete(this.neighbourLists.keys().next().value!);
    return kept.list.slice(0, n);
  }

  /** Every neighbour of `item` (see neighbours): walks its raters and their ratings once, O(Σ degrees). */
  private computeNeighbours(item: number, minSupport: number): Neighbour[] {
    const ts = this.ts;
    const { indptr: iPtr, indices: iIdx } = ts.byItem;
    const { indptr: uPtr, indices: uIdx } = ts.byUser;
    const { num, sqA, sqB, cnt } = this;
    const touched: number[] = [];
    for (let p = iPtr[item]; p < iPtr[item + 1]; p++) {
      const u = iIdx[p];
      const za = this.zItem[p];
      for (let q = uPtr[u]; q < uPtr[u + 1]; q++) {
        const j = uIdx[q];
        if (j === item) continue;
        const zb = this.zUser[q];
        if (cnt[j] === 0) touched.push(j);
        num[j] += za * zb;
        sqA[j] += za * za;
        sqB[j] += zb * zb;
        cnt[j]++;
      }
    }
    const out: Neighbour[] = [];
    for (const j of touched) {
      if (cnt[j] >= minSupport) {
        const sim = shrunk(num[j], sqA[j], sqB[j], cnt[j]);
        if (sim > 0) out.push({ item: j, sim, support: cnt[j] });
      }
      num[j] = sqA[j] = sqB[j] = 0;
      cnt[j] = 0;
    }
    out.sort((a, b) => b.sim - a.sim || b.support - a.support || a.item - b.item);
    return out;
  }
}

/** 0 below two common raters (Surprise's floor for pearson_baseline) or on a zero variance. */
function shrunk(num: number, sa: number, sb: number, n: number): number {
  if (n < 2 || sa === 0 || sb === 0) return 0;
  return shrunkPearsonBaseline(num, Math.sqrt(sa * sb), n, DEFAULT_SIMILARITY_OPTIONS.shrinkage);
}
