/**
 * The one ranking path: what `/recommend` serves and what the top-N yardstick measures are the
 * same function, so an offline score is a score of the lists members see.
 *
 * scoreAllWithSupport over the profile → support-aware shrinkage (optional) → candidate filter
 * (movies with too few ratings never picked) → exclusions (what the profile rated, hidden movies)
 * → top-n, each pick with its support.
 *
 * Rating predictors rank poorly over a full catalogue because an estimate from one or two
 * co-ratings can be extreme (Cremonesi, Koren, Turrin, RecSys 2010): kNN and Slope One predict 5.0
 * for obscure films one neighbour loved. `shrink` pulls each estimate toward the global mean by the
 * movie's number of training ratings n, the Bayesian average IMDb's chart uses over item means:
 *
 *   score = μ + n/(n + β) · (clip(est) − μ)
 *
 * The estimates themselves stay exactly Surprise's: shrinkage lives here only. A lower confidence
 * bound would need a variance per estimate that none of these predictors has.
 *
 * Why the movie's ratings and not each algorithm's own support: on ml-latest-small leave-one-out
 * HR@10 (bench/topn-shrink.ts, seed 0, minItemRatings 5), shrinking by the algorithm's support
 * reached knn-user 0.051 (neighbours, β 1000), knn-item 0.039 (β 20), slope-one 0.008 (co-rated
 * movies, β 100–1000); by the movie's training ratings with β 1000: knn-user 0.067, knn-item
 * 0.072, slope-one 0.074 (the popularity chart: 0.074). An obscure film shares raters with many of a heavy rater's movies, so co-rated counts do
 * not tell it apart; its rating count does. The algorithm's support is still returned with each
 * pick, for the reason line.
 */
import { clipTo, ParamError, type Algorithm, type AlgorithmDescriptor, type SupportKind } from './algorithm.ts';
import type { Profile, Trainset } from './trainset.ts';
import { topN } from './topn.ts';
import { describeAlgorithm } from './registry.ts';

/**
 * β of the shrinkage by training ratings, measured (same bench): HR@10 rises with β up to about
 * 500 and stays flat to 5,000 (svd 0.026 → 0.066 at 500, 0.067 at 1,000, 0.066 at 5,000; nmf
 * 0.000 → 0.062, 0.064, 0.062; co-clustering 0.002 → 0.075, 0.077, 0.077). With ml-latest-small's
 * most rated movie at 329 ratings, β 1,000 in effect orders by n · (est − μ): how many members
 * rated it times how much this member should like it more than average.
 */
export const DEFAULT_SHRINK_BETA = 1000;

export interface RankOptions {
  /** list length */
  n: number;
  /** inner item ids never to return (besides what the profile rated) */
  exclude?: Iterable<number>;
  /** items with fewer training ratings than this are never candidates (0 or undefined: all) */
  minItemRatings?: number;
  /**
   * Shrink weakly supported estimates toward the global mean (see the file comment): true uses
   * the measured β and the movie's training ratings; `by: 'support'` uses the algorithm's own
   * support instead (kept for measuring). Off by default: the popularity chart's score is already
   * a weighted rating.
   */
  shrink?: boolean | { beta: number; by?: 'ratings' | 'support' };
  /** reuse scratch buffers of length nItems (hot loops: evaluation over every user) */
  scratch?: Float64Array;
  supportScratch?: Float64Array;
  estimateScratch?: Float64Array;
}

export interface RankedPick {
  /** inner item id */
  item: number;
  /** the score the list was ordered by (the shrunk estimate when `shrink` is on) */
  score: number;
  /** the algorithm's own estimate, clipped to the scale: what a member is told to expect */
  estimate: number;
  /** the evidence behind the score (see `supportKind`), for the reason line */
  support: number;
  /** what `support` counts */
  supportKind: SupportKind;
}

/**
 * In place over scores[0..n): μ + s/(s + β)·(clip(x) − μ). NaN scores stay NaN; β = 0 only clips.
 */
export function shrinkBySupport(
  scores: Float64Array,
  support: ArrayLike<number>,
  beta: number,
  mu: number,
  scale: readonly [number, number],
): void {
  if (!(beta >= 0) || beta === Infinity) {
    throw new ParamError(`shrinkage β must be a finite number ≥ 0, got ${String(beta)}`);
  }
  for (let i = 0; i < scores.length; i++) {
    const x = scores[i];
    if (x !== x) continue;
    const s = support[i];
    const w = beta === 0 ? 1 : s > 0 ? s / (s + beta) : 0;
    scores[i] = mu + w * (clipTo(x, scale) - mu);
  }
}

const ratingCounts = new WeakMap<Trainset, Float64Array>();

/** Each movie's number of training ratings (a trainset never changes, so once per trainset). */
function itemRatings(ts: Trainset): Float64Array {
  let counts = ratingCounts.get(ts);
  if (!counts) {
    counts = new Float64Array(ts.nItems);
    for (let i = 0; i < ts.nItems; i++) counts[i] = ts.itemDegree(i);
    ratingCounts.set(ts, counts);
  }
  return counts;
}

/** The registry's descriptor of an algorithm; undefined for one built outside it (a test's own). */
function descriptorOf(name: string): AlgorithmDescriptor | undefined {
  try {
    return describeAlgorithm(name);
  } catch {
    return undefined;
  }
}

/** What an algorithm's scores are: estimates of a rating, or an order only (see AlgorithmDescriptor.kind). */
export function scoreKindOf(algo: Pick<Algorithm, 'name'>): 'rating' | 'ranking' {
  return descriptorOf(algo.name)?.kind ?? 'rating';
}

/**
 * The one serving rule, used by `/recommend` and by the top-N yardstick (core/eval/topn.ts), so
 * what is measured is what is served: every algorithm but `hybrid` (SERVED_UNFILTERED) skips
 * movies with fewer than `minItemRatings` training ratings; rating predictors are shrunk by the movie's ratings (β 1000,
 * see the file comment: svd 0.026 → 0.067 HR@10, knn-user 0.000 → 0.067 on ml-latest-small);
 * ranking models and the chart are not, their scores being no estimates to pull toward μ.
 */
export function servingOptions(algo: Pick<Algorithm, 'name'>, minItemRatings: number): Pick<RankOptions, 'minItemRatings' | 'shrink'> {
  // an algorithm outside the registry has no measured rule: it is served as it scores
  const known = descriptorOf(algo.name);
  return {
    minItemRatings: SERVED_UNFILTERED.has(algo.name) ? 0 : minItemRatings,
    shrink: known !== undefined && (known.kind ?? 'rating') === 'rating',
  };
}

/**
 * Served with no candidate filter: `hybrid` may list a NEW movie with fewer ratings than the filter
 * on its content alone (src/core/content/hybrid.ts; it keeps old rarely rated movies out itself),
 * which is what /recommend offers it for. Leave-one-out HR@10 (bench/hybrid-blend.ts, five seeds,
 * ml-100k): 0.3283 unfiltered vs 0.3292 filtered (0.3262 before it kept old movies out); the
 * yardstick measures it as served.
 */
const SERVED_UNFILTERED: ReadonlySet<string> = new Set(['hybrid']);

/** Ranks the whole catalogue for a profile; see the file comment for the order of steps. */
export function rankItems(algo: Algorithm, profile: Profile, opts: RankOptions): RankedPick[] {
  const ts = algo.trainset;
  const n = ts.nItems;
  const scores = opts.scratch && opts.scratch.length === n ? opts.scratch : new Float64Array(n);
  const support = opts.supportScratch && opts.supportScratch.length === n ? opts.supportScratch : new Float64Array(n);
  scores.fill(NaN);
  const kind = algo.scoreAllWithSupport(profile, scores, support);
  let estimates = scores;
  if (opts.shrink) {
    estimates = opts.estimateScratch && opts.estimateScratch.length === n ? opts.estimateScratch : new Float64Array(n);
    estimates.set(scores);
    const beta = opts.shrink === true ? DEFAULT_SHRINK_BETA : opts.shrink.beta;
    const by = opts.shrink === true ? 'ratings' : (opts.shrink.by ?? 'ratings');
    shrinkBySupport(scores, by === 'ratings' ? itemRatings(ts) : support, beta, ts.globalMean, ts.scale);
  }
  const min = opts.minItemRatings ?? 0;
  if (min > 1) {
    for (let i = 0; i < n; i++) if (ts.itemDegree(i) < min) scores[i] = NaN;
  }
  for (let k = 0; k < profile.items.length; k++) scores[profile.items[k]] = NaN;
  if (opts.exclude) for (const i of opts.exclude) if (i >= 0 && i < n) scores[i] = NaN;
  const scale = ts.scale;
  return topN(scores, opts.n).map((s) => ({
    item: s.item,
    score: s.score,
    estimate: clipTo(estimates[s.item], scale),
    support: support[s.item],
    supportKind: kind,
  }));
}
