/**
 * The top-N yardstick: full-catalogue top-N evaluation of exactly what `/recommend` serves.
 *
 * Every list comes from `rankItems` (core/rank.ts), the bot's one ranking path: the same candidate
 * filter (`minItemRatings`, the bot's MARQUEE_MIN_RATINGS, default 5; none for `hybrid`, which
 * /recommend serves unfiltered), the same exclusions (what
 * the profile rated), the same scoring (`scoreAll`) and the same serving rule (`servingOptions`:
 * rating predictors shrunk by the movie's ratings, ranking models as they are). A trained member is ranked through their
 * trainset profile; the profile-size curve ranks LIVE members (a profile without `user`), i.e. the
 * fold-in path a new member takes.
 *
 * Protocols (the held-out ratings):
 * - loo: one random rating per user (seeded), Surprise's LeaveOneOut, users with ≥ 2 ratings;
 * - temporal: each user's latest rating(s) by timestamp — what a member rates next;
 * - kfold: k-fold CV over ratings; a user's held-out items are their ratings in the test fold, and
 *   a member's value is averaged over the folds they were tested in before averaging over members;
 * - rare: one random rating per user of a rarely rated movie (fewer than `rareBelow` ratings in
 *   the data, default 20), where content must help: a collaborative model barely knows such a
 *   movie, and one with fewer training ratings than the candidate filter can never be listed.
 *   On ml-latest-small 549 of 610 members rated such a movie (8,427 of 9,724 movies are rare),
 *   on ml-100k 672 of 943 (743 of 1,682 movies).
 * - cutoff: a global time cut-off, the "new movies" protocol (splitters.ts cutoffSplit): training
 *   is every rating before the q-quantile T of rating times (default 0.9), the held-out ratings
 *   are everything members known at T rated after it. A movie first rated after T is NEW: it has
 *   no training rating, and since the trainset holds the whole catalogue (`EvalData.catalogue`,
 *   every movie of movies.csv, as a film club lists a release before anyone rates it) it is
 *   still a candidate, which only a model that reads the catalogue (the hybrid's content side)
 *   can score. The report gives the share of held-out ratings that are of new movies
 *   (`newMovies`) and each model's HR@n on them alone (`newHitRate`).
 *
 * Metrics at n (default 10): HR@n, HR@n on liked held-out items (rating ≥ 3.5), NDCG@n,
 * recall@20, MRR, catalogue coverage and the popularity of what is recommended; per-member means
 * with 95% confidence intervals (topn-metrics.ts). The popularity chart ("popular") is always
 * evaluated: it is the floor a personal algorithm has to clear.
 */
import type { Algorithm } from '../algorithm.ts';
import { rankItems, servingOptions } from '../rank.ts';
import { Rng } from '../rng.ts';
import type { Profile, Trainset } from '../trainset.ts';
import {
  EvaluationCancelledError,
  EvaluationError,
  resolveAlgorithms,
  type AlgorithmSource,
  type EvalData,
} from './cross-validate.ts';
import { cutoffSplit, kFold, latestPerUser, leaveOneOut, leaveOneRareOut, trainsetOf, type Splitter } from './splitters.ts';
import { meanWithCI, popularityPercentiles, userTopNMetrics, type MeanWithCI } from './topn-metrics.ts';

export const TOPN_PROTOCOLS = ['loo', 'temporal', 'kfold', 'rare', 'cutoff'] as const;

/** The rare protocol's long tail: movies with fewer ratings than this in the whole data. */
export const DEFAULT_RARE_BELOW = 20;
export type TopNProtocol = (typeof TOPN_PROTOCOLS)[number];

/** The floor every top-N table carries. */
export const FLOOR_ALGORITHM = 'popular';

/** The bot's default candidate filter (MARQUEE_MIN_RATINGS). */
export const DEFAULT_MIN_ITEM_RATINGS = 5;

/** every per-member top-N metric is a share in [0, 1]: its interval is clipped to that */
const SHARE: readonly [number, number] = [0, 1];

export const DEFAULT_PROFILE_SIZES: readonly number[] = [1, 2, 3, 5, 10, 20];

export interface TopNOptions {
  protocol?: TopNProtocol;
  /** list length (default 10) */
  n?: number;
  /** the cut-off of recall (default 20) */
  recallAt?: number;
  /** a held-out rating at or above this was liked (default 3.5) */
  likedThreshold?: number;
  /** items with fewer training ratings are never candidates (default 5, as the bot) */
  minItemRatings?: number;
  /** seed of the leave-one-out draw, the k-fold shuffle and the profile-size draw (default 0) */
  seed?: number;
  /** folds of the kfold protocol (default 5) */
  folds?: number;
  /** ratings held out per user by the temporal protocol (default 1) */
  latest?: number;
  /** the rare protocol's long tail: movies with fewer ratings than this (default 20) */
  rareBelow?: number;
  /** the cut-off protocol's quantile of rating times (default 0.9) */
  cutoff?: number;
  /** profile sizes of the cold-start curve; empty or absent: no curve */
  profileSizes?: readonly number[];
  onProgress?: (e: TopNProgress) => void;
  signal?: AbortSignal;
}

export type TopNProgress =
  | { type: 'topn-start'; algorithm: string; algorithmIndex: number; algorithms: number; split: number; splits: number }
  | { type: 'topn-end'; algorithm: string; algorithmIndex: number; algorithms: number; result: TopNResult };

export interface ProfileSizePoint {
  /** training ratings kept for each tested member */
  size: number;
  /** HR@n of members ranked from `size` of their ratings as live members */
  hitRate: MeanWithCI;
}

export interface TopNResult {
  algorithm: string;
  /** members tested (with at least one held-out rating) */
  users: number;
  hitRate: MeanWithCI;
  likedHitRate: MeanWithCI;
  ndcg: MeanWithCI;
  recall: MeanWithCI;
  mrr: MeanWithCI;
  /** distinct items in anyone's top n over the training catalogue (mean over splits) */
  coverage: number;
  /** mean training rating count of the recommended items (every list entry counts once) */
  meanPopularity: number;
  /** mean popularity percentile (0–100, share of the catalogue with fewer ratings) of the recommended items */
  popularityPercentile: number;
  /** HR@n over held-out movies with no training rating only (members with one), when any is held out */
  newHitRate?: MeanWithCI;
  /** the cold-start curve (first split), when asked */
  profileSizes?: ProfileSizePoint[];
  /** seconds, summed over splits */
  fitTime: number;
  /** seconds to rank every tested member, summed over splits */
  rankTime: number;
}

export interface TopNReport {
  data?: string;
  protocol: TopNProtocol;
  /** e.g. "leave-one-out per user (users with > 1 ratings, seed 0)" */
  description: string;
  n: number;
  recallAt: number;
  likedThreshold: number;
  minItemRatings: number;
  /** training catalogue of the first split */
  catalogSize: number;
  /** items of the first split's catalogue that pass the candidate filter */
  candidates: number;
  /** held-out ratings of the first split, and how many of them are of movies with no training rating (new movies) */
  newMovies?: { heldOut: number; new: number };
  splits: number;
  /** best HR@n first */
  results: TopNResult[];
  complete: true;
}

function checkWhole(name: string, v: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new EvaluationError(`${name} must be a whole number from ${min} to ${max}, got ${v}`);
  }
}

/** The splitter of a protocol. */
export function topNSplitter(
  protocol: TopNProtocol,
  opts: { seed?: number; folds?: number; latest?: number; rareBelow?: number; cutoff?: number } = {},
): Splitter {
  switch (protocol) {
    case 'loo':
      // minRatings 1: every tested member keeps a rating to be ranked from
      return leaveOneOut({ seed: opts.seed ?? 0, minRatings: 1 });
    case 'temporal':
      return latestPerUser(opts.latest ?? 1);
    case 'kfold':
      return kFold(opts.folds ?? 5, { seed: opts.seed ?? 0 });
    case 'rare':
      return leaveOneRareOut({ seed: opts.seed ?? 0, rareBelow: opts.rareBelow ?? DEFAULT_RARE_BELOW });
    case 'cutoff':
      return cutoffSplit(opts.cutoff);
    default:
      throw new EvaluationError(`unknown top-N protocol "${String(protocol)}"; accepted: ${TOPN_PROTOCOLS.join(', ')}`);
  }
}

/** The algorithms asked for, with the popularity floor added in front when missing. */
export function withFloor(algorithms: readonly AlgorithmSource[]): AlgorithmSource[] {
  const names = algorithms.map((a) => (typeof a === 'string' ? a.trim() : a.name));
  const hasFloor = names.some((n) => n === FLOOR_ALGORITHM || n.startsWith(`${FLOOR_ALGORITHM}:`));
  return hasFloor ? [...algorithms] : [FLOOR_ALGORITHM, ...algorithms];
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EvaluationCancelledError();
}

/** Per-member sums over splits (kfold tests a member in several folds). */
class MemberSums {
  readonly hit: Float64Array;
  readonly liked: Float64Array;
  readonly likedCount: Float64Array;
  readonly ndcg: Float64Array;
  readonly recall: Float64Array;
  readonly rr: Float64Array;
  readonly count: Float64Array;
  /** HR@n over the held-out movies without a training rating, and the splits a member had one in */
  readonly newHit: Float64Array;
  readonly newCount: Float64Array;
  constructor(nMembers: number) {
    this.newHit = new Float64Array(nMembers);
    this.newCount = new Float64Array(nMembers);
    this.hit = new Float64Array(nMembers);
    this.liked = new Float64Array(nMembers);
    this.likedCount = new Float64Array(nMembers);
    this.ndcg = new Float64Array(nMembers);
    this.recall = new Float64Array(nMembers);
    this.rr = new Float64Array(nMembers);
    this.count = new Float64Array(nMembers);
  }
  means(sum: Float64Array, count: Float64Array): Float64Array {
    const out = new Float64Array(sum.length);
    for (let u = 0; u < sum.length; u++) out[u] = count[u] > 0 ? sum[u] / count[u] : NaN;
    return out;
  }
}

/** A split's held-out ratings grouped by trained member (inner user id → rows of the data). */
function heldOutByMember(data: EvalData, ts: Trainset, test: Int32Array): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (let x = 0; x < test.length; x++) {
    const j = test[x];
    const u = ts.innerUser(data.ratings.users[j]);
    if (u === undefined) continue; // a member with nothing in training has no profile to rank from
    let rows = out.get(u);
    if (!rows) out.set(u, (rows = []));
    rows.push(j);
  }
  return out;
}

function heldOutOf(data: EvalData, ts: Trainset, rows: readonly number[]): { items: Int32Array; ratings: Float64Array } {
  const items = new Int32Array(rows.length);
  const ratings = new Float64Array(rows.length);
  for (let x = 0; x < rows.length; x++) {
    items[x] = ts.innerItem(data.ratings.items[rows[x]]) ?? -1;
    ratings[x] = data.ratings.ratings[rows[x]];
  }
  return { items, ratings };
}

/** A held-out item is new when it has no training rating (or is not in the trainset at all). */
function isNew(ts: Trainset, item: number): boolean {
  return item < 0 || ts.itemDegree(item) === 0;
}

/** The held-out ratings of new movies only. */
function newOnly(ts: Trainset, heldOut: { items: Int32Array; ratings: Float64Array }): { items: Int32Array; ratings: Float64Array } {
  const keep: number[] = [];
  for (let h = 0; h < heldOut.items.length; h++) if (isNew(ts, heldOut.items[h])) keep.push(h);
  return { items: Int32Array.from(keep, (h) => heldOut.items[h]), ratings: Float64Array.from(keep, (h) => heldOut.ratings[h]) };
}

interface SplitScore {
  coverage: number;
  popularitySum: number;
  percentileSum: number;
  entries: number;
}

/** Ranks every tested member of one fitted split and adds their metrics to `sums`. */
function scoreSplit(
  algo: Algorithm,
  data: EvalData,
  ts: Trainset,
  tested: Map<number, number[]>,
  memberIndex: Map<string, number>,
  sums: MemberSums,
  o: Required<Pick<TopNOptions, 'n' | 'recallAt' | 'likedThreshold' | 'minItemRatings'>>,
): SplitScore {
  const scratch = new Float64Array(ts.nItems);
  const supportScratch = new Float64Array(ts.nItems);
  const estimateScratch = new Float64Array(ts.nItems);
  const serving = servingOptions(algo, o.minItemRatings);
  const length = Math.max(o.n, o.recallAt);
  const recommended = new Uint8Array(ts.nItems);
  const degrees = new Float64Array(ts.nItems);
  for (let i = 0; i < ts.nItems; i++) degrees[i] = ts.itemDegree(i);
  const percentiles = popularityPercentiles(degrees);
  const list = new Int32Array(length);
  let popularitySum = 0;
  let percentileSum = 0;
  let entries = 0;
  for (const [u, rows] of tested) {
    const picks = rankItems(algo, ts.profileOf(u), { ...serving, n: length, scratch, supportScratch, estimateScratch });
    for (let r = 0; r < picks.length; r++) list[r] = picks[r].item;
    const top = Math.min(o.n, picks.length);
    for (let r = 0; r < top; r++) {
      const i = picks[r].item;
      recommended[i] = 1;
      popularitySum += degrees[i];
      percentileSum += percentiles[i];
      entries++;
    }
    const heldOut = heldOutOf(data, ts, rows);
    const m = userTopNMetrics(list.subarray(0, picks.length), heldOut, o.n, o.recallAt, o.likedThreshold);
    const member = memberIndex.get(ts.rawUser(u))!;
    const fresh = newOnly(ts, heldOut);
    if (fresh.items.length > 0) {
      sums.newHit[member] += userTopNMetrics(list.subarray(0, picks.length), fresh, o.n, o.recallAt, o.likedThreshold).hit;
      sums.newCount[member]++;
    }
    sums.hit[member] += m.hit;
    sums.ndcg[member] += m.ndcg;
    sums.recall[member] += m.recall;
    sums.rr[member] += m.reciprocalRank;
    sums.count[member]++;
    if (m.likedHit === m.likedHit) {
      sums.liked[member] += m.likedHit;
      sums.likedCount[member]++;
    }
  }
  let distinct = 0;
  for (let i = 0; i < ts.nItems; i++) distinct += recommended[i];
  return { coverage: ts.nItems > 0 ? distinct / ts.nItems : NaN, popularitySum, percentileSum, entries };
}

/**
 * The cold-start curve: for each size k, every tested member with at least k training ratings is
 * ranked as a LIVE member (a profile without `user`) from k of their training ratings drawn at
 * random (seeded; random rather than earliest so the curve needs no timestamps and does not mix
 * profile size with the taste drift of a member's first weeks). The model stays fitted on the
 * full training set: refitting per size would cost a fit per point, and the held-out item is not
 * in training either way. The member's other training ratings are excluded from the list (see
 * below). Members with fewer than k training ratings are left out of that point.
 */
function profileSizeCurve(
  algo: Algorithm,
  data: EvalData,
  ts: Trainset,
  tested: Map<number, number[]>,
  sizes: readonly number[],
  seed: number,
  o: Required<Pick<TopNOptions, 'n' | 'likedThreshold' | 'minItemRatings'>>,
): ProfileSizePoint[] {
  const scratch = new Float64Array(ts.nItems);
  const supportScratch = new Float64Array(ts.nItems);
  const estimateScratch = new Float64Array(ts.nItems);
  const serving = servingOptions(algo, o.minItemRatings);
  const list = new Int32Array(o.n);
  return sizes.map((size) => {
    const rng = new Rng(seed + size);
    const hits: number[] = [];
    for (const [u, rows] of tested) {
      const full = ts.profileOf(u);
      if (full.items.length < size) continue;
      const order = new Int32Array(full.items.length);
      for (let k = 0; k < order.length; k++) order[k] = k;
      rng.shuffle(order);
      const items = new Int32Array(size);
      const ratings = new Float32Array(size);
      for (let k = 0; k < size; k++) {
        items[k] = full.items[order[k]];
        ratings[k] = full.ratings[order[k]];
      }
      const live: Profile = { items, ratings };
      // the member's other training ratings are movies they have seen: excluded, as /recommend
      // excludes hidden movies, so they take no slot (measured on ml-100k LOO: without this the
      // popularity chart's HR@10 fell from 0.094 with the full profile to 0.058 at k = 1, only
      // because already-seen movies filled the list)
      const picks = rankItems(algo, live, { ...serving, n: o.n, scratch, supportScratch, estimateScratch, exclude: full.items });
      for (let r = 0; r < picks.length; r++) list[r] = picks[r].item;
      hits.push(userTopNMetrics(list.subarray(0, picks.length), heldOutOf(data, ts, rows), o.n, o.n, o.likedThreshold).hit);
    }
    return { size, hitRate: meanWithCI(hits, SHARE) };
  });
}

/**
 * Evaluates each algorithm (plus the popularity floor) by the protocol's held-out ratings and
 * the lists `rankItems` serves; see the file comment.
 */
export async function evaluateTopN(
  algorithms: readonly AlgorithmSource[],
  data: EvalData,
  opts: TopNOptions = {},
): Promise<TopNReport> {
  const protocol = opts.protocol ?? 'loo';
  const n = opts.n ?? 10;
  const recallAt = opts.recallAt ?? 20;
  const likedThreshold = opts.likedThreshold ?? 3.5;
  const minItemRatings = opts.minItemRatings ?? DEFAULT_MIN_ITEM_RATINGS;
  const seed = opts.seed ?? 0;
  const sizes = [...(opts.profileSizes ?? [])];
  checkWhole('n', n, 1, 1000);
  checkWhole('recall cut-off', recallAt, 1, 1000);
  checkWhole('minimum ratings per candidate movie', minItemRatings, 0);
  checkWhole('seed', seed, 0);
  for (const s of sizes) checkWhole('profile size', s, 1, 1000);
  if (new Set(sizes).size !== sizes.length) throw new EvaluationError(`profile sizes are listed twice: ${sizes.join(',')}`);
  const [lo, hi] = data.scale;
  if (!Number.isFinite(likedThreshold) || likedThreshold < lo || likedThreshold > hi) {
    throw new EvaluationError(`liked threshold ${likedThreshold} is outside the rating scale ${lo}–${hi}`);
  }
  if (!(TOPN_PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new EvaluationError(`unknown top-N protocol "${protocol}"; accepted: ${TOPN_PROTOCOLS.join(', ')}`);
  }
  const splitter = topNSplitter(protocol, { seed, folds: opts.folds, latest: opts.latest, rareBelow: opts.rareBelow, cutoff: opts.cutoff });
  const factories = await resolveAlgorithms(withFloor(algorithms));
  const members = new Map<string, number>();
  for (let k = 0; k < data.ratings.users.length; k++) {
    const u = data.ratings.users[k];
    if (!members.has(u)) members.set(u, members.size);
  }
  const metricOpts = { n, recallAt, likedThreshold, minItemRatings };
  let catalogSize = 0;
  let candidates = 0;
  const newMovies = { heldOut: 0, new: 0 };
  const results: TopNResult[] = [];
  for (let a = 0; a < factories.length; a++) {
    const f = factories[a];
    const sums = new MemberSums(members.size);
    let coverage = 0;
    let popularitySum = 0;
    let percentileSum = 0;
    let entries = 0;
    let fitTime = 0;
    let rankTime = 0;
    let curve: ProfileSizePoint[] | undefined;
    let split = 0;
    for (const { train, test } of splitter.split(data.ratings)) {
      checkCancelled(opts.signal);
      opts.onProgress?.({ type: 'topn-start', algorithm: f.name, algorithmIndex: a, algorithms: factories.length, split, splits: splitter.nSplits });
      await yieldToLoop();
      checkCancelled(opts.signal);
      const ts = trainsetOf(data.ratings, train, data.scale, data.catalogue);
      if (split === 0 && a === 0) {
        catalogSize = ts.nItems;
        for (let i = 0; i < ts.nItems; i++) if (ts.itemDegree(i) >= minItemRatings) candidates++;
        for (const j of test) {
          if (ts.innerUser(data.ratings.users[j]) === undefined) continue;
          newMovies.heldOut++;
          if (isNew(ts, ts.innerItem(data.ratings.items[j]) ?? -1)) newMovies.new++;
        }
      }
      const algo = f.create();
      let t0 = performance.now();
      algo.fit(ts);
      fitTime += (performance.now() - t0) / 1000;
      const tested = heldOutByMember(data, ts, test);
      t0 = performance.now();
      const s = scoreSplit(algo, data, ts, tested, members, sums, metricOpts);
      rankTime += (performance.now() - t0) / 1000;
      coverage += s.coverage;
      popularitySum += s.popularitySum;
      percentileSum += s.percentileSum;
      entries += s.entries;
      if (split === 0 && sizes.length > 0) {
        curve = profileSizeCurve(algo, data, ts, tested, sizes, seed, metricOpts);
      }
      split++;
    }
    let users = 0;
    let withNew = 0;
    for (let u = 0; u < members.size; u++) {
      if (sums.count[u] > 0) users++;
      if (sums.newCount[u] > 0) withNew++;
    }
    const result: TopNResult = {
      algorithm: f.name,
      users,
      hitRate: meanWithCI(sums.means(sums.hit, sums.count), SHARE),
      likedHitRate: meanWithCI(sums.means(sums.liked, sums.likedCount), SHARE),
      ndcg: meanWithCI(sums.means(sums.ndcg, sums.count), SHARE),
      recall: meanWithCI(sums.means(sums.recall, sums.count), SHARE),
      mrr: meanWithCI(sums.means(sums.rr, sums.count), SHARE),
      coverage: coverage / split,
      meanPopularity: entries > 0 ? popularitySum / entries : NaN,
      popularityPercentile: entries > 0 ? percentileSum / entries : NaN,
      newHitRate: withNew > 0 ? meanWithCI(sums.means(sums.newHit, sums.newCount), SHARE) : undefined,
      profileSizes: curve,
      fitTime,
      rankTime,
    };
    results.push(result);
    opts.onProgress?.({ type: 'topn-end', algorithm: f.name, algorithmIndex: a, algorithms: factories.length, result });
  }
  checkCancelled(opts.signal);
  results.sort((x, y) => (y.hitRate.mean || 0) - (x.hitRate.mean || 0));
  return {
    data: data.name,
    protocol,
    description: splitter.description,
    n,
    recallAt,
    likedThreshold,
    minItemRatings,
    catalogSize,
    candidates,
    newMovies,
    splits: splitter.nSplits,
    results,
    complete: true,
  };
}
