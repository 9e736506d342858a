/**
 * The service's cheap item-item machinery, independent of which algorithms are loaded:
 * pearson_baseline similarity between two movies over their common raters (the "because you rated
 * Alien" reason) and a movie's nearest neighbours by the same measure ("members who liked it also
 * liked"), both computed on demand from the trainset's CSR rows instead of from an n² matrix. The
 * measure itself is core's (shrunkPearsonBaseline, Surprise's default shrinkage).
 */
import { computeBaselines } from '../../core/baselines.ts';
import { DEFAULT_SIMILARITY_OPTIONS, shrunkPearsonBaseline } from '../../core/similarity.ts';
import type { Trainset } from '../../core/trainset.ts';

/** The baseline residuals a CoRating is made of, in byItem and byUser order. */
export interface CoRatingResiduals {
  zItem: Float32Array;
  zUser: Float32Array;
}

export interface Neighbour {
  item: number;
  sim: number;
  /** how many raters the two movies have in common */
  support: number;
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
  /** scratch over users: residual of the anchor item's raters, NaN elsewhere */
  private readonly userZ: Float64Array;
  /** scratch over items for neighbours() */
  private readonly num: Float64Array;
  private readonly sqA: Float64Array;
  private readonly sqB: Float64Array;
  private readonly cnt: Int32Array;

  /**
   * `residuals`: what residuals() gave for the same trainset (a training worker computes them, so
   * the baselines' passes over every rating stay off the main thread); else computed here.
   */
  constructor(ts: Trainset, residuals?: CoRatingResiduals) {
    this.ts = ts;
    this.userZ = new Float64Array(ts.nUsers).fill(NaN);
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
    const { bu, bi } = computeBaselines(ts);
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

  /** Similarity of `anchor` to each of `others` (inner ids), with their common-rater counts. */
  similarities(anchor: number, others: ArrayLike<number>): Neighbour[] {
    const { indptr, indices } = this.ts.byItem;
    const userZ = this.userZ;
    for (let k = indptr[anchor]; k < indptr[anchor + 1]; k++) userZ[indices[k]] = this.zItem[k];
    const out: Neighbour[] = [];
    for (let o = 0; o < others.length; o++) {
      const j = others[o];
      let num = 0;
      let sa = 0;
      let sb = 0;
      let n = 0;
      for (let k = indptr[j]; k < indptr[j + 1]; k++) {
        const za = userZ[indices[k]];
        if (za !== za) continue; // NaN: not a rater of the anchor
        const zb = this.zItem[k];
        num += za * zb;
        sa += za * za;
        sb += zb * zb;
        n++;
      }
      out.push({ item: j, sim: j === anchor ? 1 : shrunk(num, sa, sb, n), support: n });
    }
    for (let k = indptr[anchor]; k < indptr[anchor + 1]; k++) userZ[indices[k]] = NaN;
    return out;
  }

  /**
   * The `n` movies most similar to `item` among those sharing at least `minSupport` raters,
   * positive similarities only. Walks the item's raters and their ratings once: O(Σ degrees).
   */
  neighbours(item: number, n: number, minSupport = 5): Neighbour[] {
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
    return out.slice(0, n);
  }
}

/** 0 below two common raters (Surprise's floor for pearson_baseline) or on a zero variance. */
function shrunk(num: number, sa: number, sb: number, n: number): number {
  if (n < 2 || sa === 0 || sb === 0) return 0;
  return shrunkPearsonBaseline(num, Math.sqrt(sa * sb), n, DEFAULT_SIMILARITY_OPTIONS.shrinkage);
}
