/**
 * User-based kNN scores of every movie for one member from their neighbours (a trained user's list
 * row or a live member's bounded row), above `denseMaxEntities` users (see neighbours.ts).
 */
import type { Csr, Trainset } from '../trainset.ts';
import { knnSums, type CombineSums, type KnnStep } from './knn-step.ts';
import { ratingTerm, type TermStats } from './knn-terms.ts';

/** One fitted model's user-based scoring from neighbours, and its work space kept between requests. */
export class UserListScoring {
  private readonly trainset: Trainset;
  /** the term of every rating of byItem */
  private readonly terms: Float64Array;
  private readonly stats: TermStats;
  private readonly bu: Float64Array | undefined;
  private readonly bi: Float64Array | undefined;
  /** every movie's raters are listed in ascending user id */
  private readonly itemRowsInUserOrder: boolean;
  /** byItem position of every byUser rating, made by the first request that needs it */
  private itemPos: Int32Array | undefined;
  /** per movie, the kept neighbours' count and sums (0 between uses) */
  private movieCount = new Int32Array(0);
  private movieSumS = new Float64Array(0);
  private movieSumST = new Float64Array(0);

  constructor(
    ts: Trainset,
    terms: Float64Array,
    stats: TermStats,
    bu: Float64Array | undefined,
    bi: Float64Array | undefined,
  ) {
    this.trainset = ts;
    this.terms = terms;
    this.stats = stats;
    this.bu = bu;
    this.bi = bi;
    this.itemRowsInUserOrder = rowsAscending(ts.byItem);
  }

  /**
   * User-based scores of every item from the users with a positive similarity in `row` (a list
   * row or a member's bounded row): their ratings are bucketed by item, each bucket holding the
   * same candidates, with the same positions in the item's rating list, as the full scan over the
   * item's raters would keep (those with similarity ≤ 0 are dropped there anyway). Cost: the
   * ratings of the neighbours, instead of every rating of the trainset.
   */
  scoreAll(row: Float64Array, step: KnnStep, combine: CombineSums, out: Float64Array, support: Float64Array | null): void {
    if (this.itemRowsInUserOrder) {
      this.scoreAllFromStrongest(row, step, combine, out, support);
      return;
    }
    const ts = this.trainset;
    const n = ts.nItems;
    const { byUser, byItem } = ts;
    // a rating's position in its movie's list orders equal similarities (Surprise's tie rule)
    const itemPos = this.itemPosOfRating(ts);
    const terms = this.terms;
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
    step.ensure(maxM);
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
    const sims = step.sims;
    const pos = step.pos;
    for (let i = 0; i < n; i++) {
      const a = ptr[i];
      const m = ptr[i + 1] - a;
      for (let c = 0; c < m; c++) {
        sims[c] = bSim[a + c];
        pos[c] = bPos[a + c];
      }
      knnSums(m, sims, bTerm, a, pos, step.heap, step.sums);
      out[i] = combine(i);
      if (support) support[i] = step.sums[2];
    }
  }

  /**
   * `scoreAll` when every movie's raters are listed in user order: the neighbours
   * are walked strongest first (equal similarities: smaller id, which is then the earlier rating,
   * Surprise's tie rule), and each movie takes the first k who rated it, so the sums build up in
   * one pass over the neighbours' ratings with no buckets and no selection. The neighbours are
   * mostly heavy raters (a shrunk similarity favours large supports): at ml-32m shape their
   * ratings are hundreds of thousands per request, bucketed and selected at CPU p95 108–139 ms.
   */
  private scoreAllFromStrongest(
    row: Float64Array,
    step: KnnStep,
    combine: CombineSums,
    out: Float64Array,
    support: Float64Array | null,
  ): void {
    const ts = this.trainset;
    const n = ts.nItems;
    const { byUser } = ts;
    const k = step.k;
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
      if (this.stats.variant === 'baseline') {
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
        sumST[i] += s * ratingTerm(this.stats, v, values[q], mu, this.bu, bi === undefined ? 0 : bi[i]);
      }
    }
    const sums = step.sums;
    for (let i = 0; i < n; i++) {
      sums[0] = sumST[i];
      sums[1] = sumS[i];
      sums[2] = count[i];
      out[i] = combine(i);
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
export function keepStrongest(row: Float64Array, size: number): Float64Array {
  const positive: number[] = [];
  for (let v = 0; v < row.length; v++) if (row[v] > 0) positive.push(v);
  if (positive.length <= size) return row;
  positive.sort((a, b) => row[b] - row[a] || a - b);
  for (let c = size; c < positive.length; c++) row[positive[c]] = 0;
  return row;
}
