/**
 * Slope One (Lemire & Maclachlan), Surprise's SlopeOne:
 *   r̂_ui = μ_u + mean over j ∈ R_i(u) of dev(i, j),
 * where R_i(u) are the items j rated by u that share at least one rater with i, and dev(i, j) is the
 * mean of r_vi − r_vj over the users v who rated both.
 *
 * Differences from Surprise, both deliberate:
 * - Surprise reads the two ratings into C ints while building dev, truncating half stars
 *   (4.5 → 4); this port uses the true ratings (Surprise's own authors' intent; on ml-latest-small
 *   that is 0.8958 RMSE instead of 0.9015, on ml-100k nothing changes).
 * - Storage: Surprise keeps two dense n×n arrays (freq int64 and dev float64). Only "freq > 0" is
 *   ever read from freq, so here one packed triangle holds dev(i, j) for i < j (dev is
 *   antisymmetric) with NaN meaning "no common rater". Above about 4,000 items the values are
 *   float32 (189 MB for ml-latest-small's 9,724 items instead of 1.5 GB); that moves deviations in
 *   the 7th significant digit.
 * Surprise's reason for an unknown user or item reads "User and/or item is unkown." (sic); the
 * spelling is corrected here, like the kNN message.
 */
import {
  Algorithm,
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
import { buildPairIndex, PackedTriangle } from '../similarity.ts';
import type { Profile, Trainset } from '../trainset.ts';

const UNKNOWN_REASON = 'User and/or item is unknown.';

export const SLOPE_ONE_PARAM_SPECS = defineParams({});

export type SlopeOneParams = ParamsOf<typeof SLOPE_ONE_PARAM_SPECS>;

export class SlopeOne extends Algorithm<SlopeOneParams> {
  readonly name = 'slope-one';
  private dev: PackedTriangle | undefined;
  private userMean: Float64Array | undefined;

  constructor(params: SlopeOneParams = resolveParams('slope-one', SLOPE_ONE_PARAM_SPECS)) {
    super(params);
  }

  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    this.userMean = ts.userMeans();
    this.dev = computeDeviations(ts);
    this.ts = ts;
    return this;
  }

  estimate(u: number, i: number): Estimate {
    const ts = this.trainset;
    if (!(u >= 0 && u < ts.nUsers && i >= 0 && i < ts.nItems)) return { impossible: UNKNOWN_REASON };
    const { indptr, indices } = ts.byUser;
    const mean = (this.userMean as Float64Array)[u];
    return { value: this.scoreItem(i, indices, indptr[u], indptr[u + 1], mean) };
  }

  estimateFor(p: Profile, i: number): Estimate {
    if (p.user !== undefined) return this.estimate(p.user, i);
    const ts = this.trainset;
    if (p.items.length === 0 || !(i >= 0 && i < ts.nItems)) return { impossible: UNKNOWN_REASON };
    return { value: this.scoreItem(i, p.items, 0, p.items.length, profileMean(p)) };
  }

  scoreAll(p: Profile, out: Float64Array): void {
    this.scoreAllInto(p, out, null);
  }

  /** Support: how many of the member's rated movies have a deviation to the item (|R_i(u)|). */
  override scoreAllWithSupport(p: Profile, out: Float64Array, support: Float64Array): SupportKind {
    this.scoreAllInto(p, out, support);
    return 'co-rated-movies';
  }

  private scoreAllInto(p: Profile, out: Float64Array, support: Float64Array | null): void {
    const ts = this.trainset;
    let items: Int32Array;
    let a: number;
    let b: number;
    let mean: number;
    if (p.user !== undefined) {
      items = ts.byUser.indices;
      a = ts.byUser.indptr[p.user];
      b = ts.byUser.indptr[p.user + 1];
      mean = (this.userMean as Float64Array)[p.user];
    } else if (p.items.length > 0) {
      items = p.items;
      a = 0;
      b = p.items.length;
      mean = profileMean(p);
    } else {
      out.fill(NaN, 0, ts.nItems);
      support?.fill(0, 0, ts.nItems);
      return;
    }
    this.scoreAllSorted(items.subarray(a, b), mean, out, support);
  }

  /**
   * Every item at once. The user's items are sorted by id first, so for each item i the deviations
   * from rated items below i are read down their packed rows at column i (consecutive i, consecutive
   * addresses) and those above i along row i in increasing order, with no branch per pair.
   */
  private scoreAllSorted(items: Int32Array, mean: number, out: Float64Array, support: Float64Array | null): void {
    const { data, off } = this.dev as PackedTriangle;
    const J = Int32Array.from(items).sort();
    const m = J.length;
    const offJ = new Int32Array(m);
    for (let c = 0; c < m; c++) offJ[c] = off[J[c]];
    const n = this.trainset.nItems;
    let lo = 0;
    for (let i = 0; i < n; i++) {
      while (lo < m && J[lo] < i) lo++;
      let hi = lo;
      while (hi < m && J[hi] === i) hi++;
      let sum = 0;
      let count = hi - lo; // dev(i, i) = 0 and i has raters
      for (let c = 0; c < lo; c++) {
        const d = data[offJ[c] + i];
        if (d === d) {
          sum -= d;
          count++;
        }
      }
      const oi = off[i];
      for (let c = hi; c < m; c++) {
        const d = data[oi + J[c]];
        if (d === d) {
          sum += d;
          count++;
        }
      }
      out[i] = count > 0 ? mean + sum / count : mean;
      if (support) support[i] = count;
    }
  }

  /** μ_u plus the mean deviation of i from the user's items items[a..b) that share a rater with i. */
  private scoreItem(i: number, items: Int32Array, a: number, b: number, mean: number): number {
    const { data, off } = this.dev as PackedTriangle;
    const oi = off[i];
    let sum = 0;
    let count = 0;
    for (let k = a; k < b; k++) {
      const j = items[k];
      if (j > i) {
        const d = data[oi + j];
        if (d === d) {
          sum += d;
          count++;
        }
      } else if (j < i) {
        const d = data[off[j] + i];
        if (d === d) {
          sum -= d;
          count++;
        }
      } else {
        count++; // dev(i, i) = 0 and i has raters
      }
    }
    return count > 0 ? mean + sum / count : mean;
  }

  /** The user means only: deviations are recomputed on restore (a deterministic function of the trainset). */
  state(): ModelState {
    const ts = this.trainset;
    return { algorithm: this.name, n_users: ts.nUsers, n_items: ts.nItems, user_mean: this.userMean as Float64Array };
  }

  restore(ts: Trainset, state: ModelState): void {
    const who = `${this.name}: cannot restore state`;
    if (state.algorithm !== this.name) throw new ParamError(`${who} saved by "${String(state.algorithm)}"`);
    if (state.n_users !== ts.nUsers || state.n_items !== ts.nItems) {
      throw new ParamError(
        `${who}: it was fitted on ${String(state.n_users)} users × ${String(state.n_items)} items, ` +
          `the trainset has ${ts.nUsers} × ${ts.nItems}`,
      );
    }
    const m = state.user_mean;
    if (!(m instanceof Float64Array || m instanceof Float32Array) || m.length !== ts.nUsers) {
      throw new ParamError(`${who}: "user_mean" must be an array of ${ts.nUsers} numbers`);
    }
    this.userMean = m instanceof Float64Array ? m : Float64Array.from(m);
    this.dev = computeDeviations(ts);
    this.ts = ts;
  }
}

function profileMean(p: Profile): number {
  let s = 0;
  for (let k = 0; k < p.ratings.length; k++) s += p.ratings[k];
  return s / p.ratings.length;
}

/**
 * dev(i, j) for i < j, row by row: for item i, every rater u of i and every item j > i that u also
 * rated add r_ui − r_uj to a dense accumulator over j. Hand-written over typed arrays: it visits
 * every co-rated pair once (Σ|I_u|²/2), the bulk of the fit, and needs no n×n temporaries.
 */
export function computeDeviations(ts: Trainset): PackedTriangle {
  const n = ts.nItems;
  const packed = new PackedTriangle(n, 'Slope One deviations between items');
  const { data, off } = packed;
  const xr = ts.byItem;
  const idx = buildPairIndex(xr, ts.nUsers);
  const sum = new Float64Array(n);
  const freq = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let k = xr.indptr[i]; k < xr.indptr[i + 1]; k++) {
      const rui = xr.values[k];
      const end = idx.yPtr[xr.indices[k] + 1];
      for (let p = idx.pos[k] + 1; p < end; p++) {
        const j = idx.yX[p];
        if (j === i) continue; // a duplicated rating of i by the same user
        freq[j]++;
        sum[j] += rui - idx.yVal[p];
      }
    }
    // one sequential sweep writes the row (NaN: no common rater) and clears the accumulators
    const base = off[i];
    for (let j = i + 1; j < n; j++) {
      const f = freq[j];
      if (f === 0) {
        data[base + j] = NaN;
      } else {
        data[base + j] = sum[j] / f;
        sum[j] = 0;
        freq[j] = 0;
      }
    }
  }
  return packed;
}

export const slopeOneDescriptor: AlgorithmDescriptor<SlopeOne> = {
  name: 'slope-one',
  surpriseName: 'SlopeOne',
  description: 'Slope One: the user mean plus the mean rating deviation of the item from the items they rated.',
  params: SLOPE_ONE_PARAM_SPECS,
  create: (given) => new SlopeOne(resolveParams('slope-one', SLOPE_ONE_PARAM_SPECS, given)),
};
