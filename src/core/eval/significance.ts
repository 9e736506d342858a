/**
 * Deciding an interleaved (or A/B) experiment from members' reactions.
 *
 * Outcomes are aggregated per member first (Chapelle et al., TOIS 2012, §4: a few very active
 * members must not decide the experiment), so the unit of the test is the member: a member
 * prefers A when A's picks drew more of their positive reactions over all their lists, B when
 * fewer, and is dropped on a tie. Under "no preference" each remaining member prefers A with
 * probability ½, which the exact two-sided sign test checks; a bootstrap over members gives the
 * confidence interval of the preference.
 */
import { Rng } from '../rng.ts';

export interface ListOutcome {
  member: number;
  /** positive reactions credited to A's and B's picks in one list */
  a: number;
  b: number;
}

export interface MemberPreferences {
  /** members whose lists credited A more, B more, and as much to each (dropped from the test) */
  winsA: number;
  winsB: number;
  ties: number;
  /** per member with a preference: +1 for A, -1 for B (in member order of first appearance) */
  signs: Int8Array;
}

/** Sums each member's list outcomes and turns them into one preference per member. */
export function preferencesByMember(outcomes: readonly ListOutcome[]): MemberPreferences {
  const net = new Map<number, number>();
  for (const o of outcomes) net.set(o.member, (net.get(o.member) ?? 0) + (o.a - o.b));
  let winsA = 0;
  let winsB = 0;
  let ties = 0;
  const signs: number[] = [];
  for (const d of net.values()) {
    if (d > 0) {
      winsA++;
      signs.push(1);
    } else if (d < 0) {
      winsB++;
      signs.push(-1);
    } else ties++;
  }
  return { winsA, winsB, ties, signs: Int8Array.from(signs) };
}

/** ln C(n, k) through log-gamma-free summation of logs (n is a few thousand at most here). */
function logChoose(n: number, k: number): number {
  const m = Math.min(k, n - k);
  let s = 0;
  for (let j = 1; j <= m; j++) s += Math.log(n - m + j) - Math.log(j);
  return s;
}

/** P(X ≤ k) for X ~ Binomial(n, p), exact (summed in log space). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  if (p <= 0) return 1;
  if (p >= 1) return 0;
  const lp = Math.log(p);
  const lq = Math.log1p(-p);
  let sum = 0;
  for (let j = 0; j <= k; j++) sum += Math.exp(logChoose(n, j) + j * lp + (n - j) * lq);
  return Math.min(1, sum);
}

/**
 * The exact two-sided sign test: the probability, with no preference, of a split at least as
 * uneven as `winsA` : `winsB` (twice the smaller tail, capped at 1). 1 when nobody prefers either.
 */
export function signTestP(winsA: number, winsB: number): number {
  for (const [name, v] of [['winsA', winsA], ['winsB', winsB]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a whole number ≥ 0, got ${String(v)}`);
  }
  const n = winsA + winsB;
  if (n === 0) return 1;
  return Math.min(1, 2 * binomialCdf(Math.min(winsA, winsB), n, 0.5));
}

export interface Interval {
  lo: number;
  hi: number;
}

/**
 * The preference for A among members with one, winsA / (winsA + winsB) − ½ (in [−½, ½]; > 0
 * favours A), with a percentile bootstrap interval over members (resampled with replacement).
 */
export function bootstrapPreference(
  signs: Int8Array,
  opts: { resamples?: number; confidence?: number; seed?: number } = {},
): { preference: number; interval: Interval } {
  const n = signs.length;
  if (n === 0) return { preference: 0, interval: { lo: 0, hi: 0 } };
  const resamples = opts.resamples ?? 2000;
  const confidence = opts.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${String(confidence)}`);
  if (!Number.isInteger(resamples) || resamples < 10) throw new RangeError(`resamples must be a whole number ≥ 10, got ${String(resamples)}`);
  let positives = 0;
  for (let k = 0; k < n; k++) if (signs[k] > 0) positives++;
  const rng = new Rng(opts.seed ?? 1);
  const draws = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let pos = 0;
    for (let k = 0; k < n; k++) if (signs[rng.int(n)] > 0) pos++;
    draws[r] = pos / n - 0.5;
  }
  draws.sort();
  const tail = (1 - confidence) / 2;
  const at = (q: number) => draws[Math.min(resamples - 1, Math.max(0, Math.floor(q * resamples)))];
  return { preference: positives / n - 0.5, interval: { lo: at(tail), hi: at(1 - tail) } };
}

export type Verdict = 'a' | 'b' | 'none';

export interface ExperimentVerdict {
  winsA: number;
  winsB: number;
  ties: number;
  p: number;
  preference: number;
  interval: Interval;
  /** the side the sign test favours at `alpha`, or none */
  winner: Verdict;
}

/** Per-member aggregation, the sign test and the bootstrap interval, in one verdict. */
export function decide(outcomes: readonly ListOutcome[], opts: { alpha?: number; seed?: number; resamples?: number } = {}): ExperimentVerdict {
  const alpha = opts.alpha ?? 0.05;
  const prefs = preferencesByMember(outcomes);
  const p = signTestP(prefs.winsA, prefs.winsB);
  const { preference, interval } = bootstrapPreference(prefs.signs, { seed: opts.seed, resamples: opts.resamples });
  const winner: Verdict = p < alpha ? (prefs.winsA > prefs.winsB ? 'a' : 'b') : 'none';
  return { winsA: prefs.winsA, winsB: prefs.winsB, ties: prefs.ties, p, preference, interval, winner };
}

/**
 * Members needed for the sign test to find a preference with probability `power` at `alpha`:
 * `shareA` is the chance a member with a preference prefers A (½ + preference), `decisive` the
 * share of members who have one. The smallest n of deciding members whose exact test rejects
 * with that power, divided by `decisive`. Infinity when there is no preference to find.
 */
export function signTestMembersNeeded(shareA: number, decisive: number, opts: { alpha?: number; power?: number; maxMembers?: number } = {}): number {
  const alpha = opts.alpha ?? 0.05;
  const power = opts.power ?? 0.8;
  const max = opts.maxMembers ?? 20_000;
  if (!(decisive > 0 && decisive <= 1)) throw new RangeError(`decisive must be in (0, 1], got ${String(decisive)}`);
  if (shareA === 0.5 || !(shareA > 0 && shareA < 1)) return Infinity;
  const q = Math.max(shareA, 1 - shareA);
  for (let n = 1; n <= max; n++) {
    // the largest minority count the two-sided test still rejects
    let c = -1;
    while (c + 1 <= n && signTestP(c + 1, n - c - 1) < alpha) c++;
    if (c < 0) continue;
    // reject when the minority side has ≤ c: power = P(X ≤ c) with X ~ Bin(n, 1 − q), plus the mirror
    const pw = binomialCdf(c, n, 1 - q) + binomialCdf(c, n, q);
    if (pw >= power) return Math.ceil(n / decisive);
  }
  return Infinity;
}

/** The standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs p in (0, 1), got ${String(p)}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628274631];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - lo) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/**
 * Members needed (both groups together) for a plain A/B split to find a difference `delta` in a
 * per-member metric with standard deviation `sd` in each group: the two-sample z-test's
 * 2·(z₁₋α/₂ + z_power)²·sd²/delta² per group.
 */
export function abMembersNeeded(delta: number, sd: number, opts: { alpha?: number; power?: number } = {}): number {
  const alpha = opts.alpha ?? 0.05;
  const power = opts.power ?? 0.8;
  if (delta === 0) return Infinity;
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  return 2 * Math.ceil((2 * z * z * sd * sd) / (delta * delta));
}

/** Welch's two-sample t statistic's two-sided p-value by the normal approximation (groups of tens or more). */
export function twoSampleP(x: ArrayLike<number>, y: ArrayLike<number>): { diff: number; p: number } {
  const stats = (v: ArrayLike<number>) => {
    let s = 0;
    for (let k = 0; k < v.length; k++) s += v[k];
    const m = s / v.length;
    let ss = 0;
    for (let k = 0; k < v.length; k++) ss += (v[k] - m) ** 2;
    return { m, var: v.length > 1 ? ss / (v.length - 1) : 0, n: v.length };
  };
  if (x.length < 2 || y.length < 2) return { diff: 0, p: 1 };
  const a = stats(x);
  const b = stats(y);
  const se = Math.sqrt(a.var / a.n + b.var / b.n);
  const diff = a.m - b.m;
  if (se === 0) return { diff, p: diff === 0 ? 1 : 0 };
  const z = Math.abs(diff) / se;
  return { diff, p: Math.min(1, 2 * (1 - normalCdf(z))) };
}

/** Φ(z) via the complementary error function (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** Two models' per-member values compared member by member (see `pairedComparison`). */
export interface PairedComparison {
  /** members with a value under both models (a NaN on either side leaves the member out) */
  members: number;
  meanA: number;
  meanB: number;
  /** mean over members of (a − b) */
  diff: number;
  /** normal-approximation interval of `diff` from the spread of the per-member differences */
  interval: Interval;
  /** members better under A, under B, and equal */
  winsA: number;
  winsB: number;
  ties: number;
  /** exact two-sided sign test over the members who differ (McNemar's exact test for 0/1 hits) */
  p: number;
}

/**
 * Two models measured on the same members (same split, same held-out items): each member is their
 * own control, so the test looks at per-member differences, not at two means whose intervals
 * overlap. On leave-one-out HR@10 two models hit the same member most of the time; what decides is
 * the members one hits and the other misses, which the sign test counts (for 0/1 values it is
 * McNemar's exact test). The interval is diff ± z·sd/√n over the differences, fine for the
 * hundreds of members of a MovieLens split.
 */
export function pairedComparison(a: ArrayLike<number>, b: ArrayLike<number>, opts: { confidence?: number } = {}): PairedComparison {
  if (a.length !== b.length) throw new RangeError(`paired values must be of the same members: ${a.length} vs ${b.length} values`);
  const confidence = opts.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must be in (0, 1), got ${String(confidence)}`);
  let n = 0;
  let sumA = 0;
  let sumB = 0;
  let winsA = 0;
  let winsB = 0;
  for (let k = 0; k < a.length; k++) {
    const x = a[k];
    const y = b[k];
    if (x !== x || y !== y) continue;
    n++;
    sumA += x;
    sumB += y;
    if (x > y) winsA++;
    else if (x < y) winsB++;
  }
  if (n === 0) return { members: 0, meanA: NaN, meanB: NaN, diff: NaN, interval: { lo: NaN, hi: NaN }, winsA: 0, winsB: 0, ties: 0, p: 1 };
  const diff = (sumA - sumB) / n;
  let ss = 0;
  for (let k = 0; k < a.length; k++) {
    const x = a[k];
    const y = b[k];
    if (x === x && y === y) ss += (x - y - diff) ** 2;
  }
  const half = n > 1 ? (normalQuantile(1 - (1 - confidence) / 2) * Math.sqrt(ss / (n - 1))) / Math.sqrt(n) : 0;
  return {
    members: n,
    meanA: sumA / n,
    meanB: sumB / n,
    diff,
    interval: { lo: diff - half, hi: diff + half },
    winsA,
    winsB,
    ties: n - winsA - winsB,
    p: signTestP(winsA, winsB),
  };
}
