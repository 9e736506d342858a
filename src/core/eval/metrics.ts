/**
 * Accuracy metrics on predictions, Surprise's `surprise.accuracy` (RMSE, MSE, MAE, FCP) plus MAPE.
 *
 * Predictions are columns (true rating and estimate side by side) so that a cross-validation fold
 * of 20,000 ratings is scored from typed arrays without one object per rating. An empty input is
 * an error, as in Surprise, never a silent NaN.
 */
import type { Prediction } from '../algorithm.ts';

export class MetricError extends Error {
  override name = 'MetricError';
}

/** True ratings and estimates, index by index. */
export interface AccuracyColumns {
  readonly rTrue: ArrayLike<number>;
  readonly est: ArrayLike<number>;
}

/** Predictions as columns: who, what, the true rating and the estimate. */
export interface PredictionColumns extends AccuracyColumns {
  readonly users: ArrayLike<string>;
  readonly items: ArrayLike<string>;
}

/** Turns `Algorithm.predict` results into columns. */
export function predictionColumns(preds: readonly Prediction[]): PredictionColumns {
  const n = preds.length;
  const users: string[] = new Array<string>(n);
  const items: string[] = new Array<string>(n);
  const rTrue = new Float64Array(n);
  const est = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const p = preds[k];
    users[k] = p.user;
    items[k] = p.item;
    rTrue[k] = p.rTrue;
    est[k] = p.est;
  }
  return { users, items, rTrue, est };
}

/** Checks lengths, emptiness and NaNs once, so each metric can run a bare loop. */
export function checkAccuracyInput(metric: string, p: AccuracyColumns): number {
  const n = p.rTrue.length;
  if (p.est.length !== n) {
    throw new MetricError(`${metric}: ${n} true ratings but ${p.est.length} estimates; they must pair up`);
  }
  if (n === 0) throw new MetricError(`${metric}: prediction list is empty, nothing to score`);
  for (let k = 0; k < n; k++) {
    if (!Number.isFinite(p.rTrue[k])) throw new MetricError(`${metric}: prediction ${k} has no true rating (${p.rTrue[k]})`);
    if (!Number.isFinite(p.est[k])) throw new MetricError(`${metric}: prediction ${k} has no estimate (${p.est[k]})`);
  }
  return n;
}

/** Mean squared error: mean((r − r̂)²). */
export function mse(p: AccuracyColumns): number {
  const n = checkAccuracyInput('MSE', p);
  let s = 0;
  for (let k = 0; k < n; k++) {
    const d = p.rTrue[k] - p.est[k];
    s += d * d;
  }
  return s / n;
}

/** Root mean squared error: sqrt(mean((r − r̂)²)). */
export function rmse(p: AccuracyColumns): number {
  checkAccuracyInput('RMSE', p);
  return Math.sqrt(mse(p));
}

/** Mean absolute error: mean(|r − r̂|). */
export function mae(p: AccuracyColumns): number {
  const n = checkAccuracyInput('MAE', p);
  let s = 0;
  for (let k = 0; k < n; k++) s += Math.abs(p.rTrue[k] - p.est[k]);
  return s / n;
}

export interface MapeResult {
  /** 100 · mean(|r − r̂| / |r|) over the predictions whose true rating is not 0, in percent */
  value: number;
  /** predictions skipped because their true rating is 0 (the ratio is undefined there) */
  skippedZero: number;
  /** predictions that were scored */
  counted: number;
}

/**
 * Mean absolute percentage error, in percent. Not in Surprise. A true rating of 0 (possible on
 * scales such as 0–5) has no percentage error, so those predictions are skipped and counted
 * rather than dividing by zero; when every true rating is 0 it is an error.
 */
export function mape(p: AccuracyColumns): MapeResult {
  const n = checkAccuracyInput('MAPE', p);
  let s = 0;
  let counted = 0;
  for (let k = 0; k < n; k++) {
    const r = p.rTrue[k];
    if (r === 0) continue;
    s += Math.abs(r - p.est[k]) / Math.abs(r);
    counted++;
  }
  if (counted === 0) {
    throw new MetricError(`MAPE: all ${n} true ratings are 0, so no percentage error is defined`);
  }
  return { value: (100 * s) / counted, skippedZero: n - counted, counted };
}

/** Prediction indices grouped by user: user g owns `order[start[g] .. start[g+1])`. */
export interface UserGroups {
  /** raw user ids in order of first appearance */
  readonly users: readonly string[];
  readonly start: Int32Array;
  /** prediction indices; inside a group, in input order */
  readonly order: Int32Array;
}

/** Groups prediction indices by user (first-appearance order; input order kept inside a group). */
export function groupByUser(users: ArrayLike<string>): UserGroups {
  const n = users.length;
  const index = new Map<string, number>();
  const ids: string[] = [];
  const g = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const u = users[k];
    let x = index.get(u);
    if (x === undefined) {
      x = ids.length;
      index.set(u, x);
      ids.push(u);
    }
    g[k] = x;
  }
  const start = new Int32Array(ids.length + 1);
  for (let k = 0; k < n; k++) start[g[k] + 1]++;
  for (let x = 0; x < ids.length; x++) start[x + 1] += start[x];
  const fill = start.slice(0, ids.length);
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[fill[g[k]]++] = k;
  return { users: ids, start, order };
}

/**
 * Fraction of Concordant Pairs (Koren & Sill), exactly as Surprise computes it.
 *
 * Per user u, over ordered pairs (a, b) of u's predictions: n_c(u) counts r̂_a > r̂_b with
 * r_a > r_b; n_d(u) counts r̂_a ≥ r̂_b with r_a < r_b (a tie in estimates counts as discordant).
 * FCP = mean(n_c) / (mean(n_c) + mean(n_d)). Surprise keeps the counters in sparse dicts, so each
 * mean runs only over the users whose own count is non-zero, and the two means can cover
 * different users; we reproduce that. Throws when both means are 0 (e.g. every user has fewer
 * than two predictions, or all true ratings tie).
 */
export function fcp(p: Pick<PredictionColumns, 'users' | 'rTrue' | 'est'>): number {
  checkAccuracyInput('FCP', p);
  if (p.users.length !== p.rTrue.length) {
    throw new MetricError(`FCP: ${p.users.length} users but ${p.rTrue.length} predictions; they must pair up`);
  }
  const groups = groupByUser(p.users);
  let sumC = 0;
  let usersC = 0;
  let sumD = 0;
  let usersD = 0;
  const { start, order } = groups;
  for (let gi = 0; gi < groups.users.length; gi++) {
    const a0 = start[gi];
    const a1 = start[gi + 1];
    let nc = 0;
    let nd = 0;
    for (let x = a0; x < a1; x++) {
      const rx = p.rTrue[order[x]];
      const ex = p.est[order[x]];
      for (let y = a0; y < a1; y++) {
        const ry = p.rTrue[order[y]];
        const ey = p.est[order[y]];
        if (ex > ey && rx > ry) nc++;
        if (ex >= ey && rx < ry) nd++;
      }
    }
    if (nc > 0) {
      sumC += nc;
      usersC++;
    }
    if (nd > 0) {
      sumD += nd;
      usersD++;
    }
  }
  const meanC = usersC > 0 ? sumC / usersC : 0;
  const meanD = usersD > 0 ? sumD / usersD : 0;
  if (meanC + meanD === 0) {
    throw new MetricError(
      'FCP: no user has two predictions with different true ratings, so there is no pair to compare',
    );
  }
  return meanC / (meanC + meanD);
}
