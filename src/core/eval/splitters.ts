/**
 * Ways to split ratings into trainsets and testsets, after Surprise's `model_selection`:
 * k-fold (KFold), a shuffled train/test split (train_test_split), leave-one-out per user
 * (LeaveOneOut), plus a temporal split and a long-tail filter.
 *
 * A split is two index arrays into the rating columns. The order of `train` is the order the
 * trainset is built in, which fixes inner ids and tie order exactly as in Surprise (e.g. KFold
 * builds each trainset from the remaining ratings in shuffled order). Shuffles use our seeded
 * Rng, not numpy's Mersenne Twister, so the folds follow Surprise's protocol but are not the
 * same folds as Surprise's for the same seed.
 */
import { Rng } from '../rng.ts';
import { Trainset, type RatingScale } from '../trainset.ts';

/**
 * Rating columns as core reads them; timestamps in seconds, NaN or absent when unknown. Core
 * defines the shape itself (layers import downward only); the loaders' tables fit it structurally.
 */
export interface RatingData {
  readonly users: ArrayLike<string>;
  readonly items: ArrayLike<string>;
  readonly ratings: ArrayLike<number>;
  readonly timestamps?: ArrayLike<number>;
}

/** Rating columns that core builds (subsets, joined pairs): every column present, NaN for an unknown time. */
export interface RatingColumnsTable {
  users: string[];
  items: string[];
  ratings: Float32Array;
  timestamps: Float64Array;
}

export interface Split {
  /** indices of training ratings, in the order the trainset is built */
  readonly train: Int32Array;
  /** indices of test ratings, in the order they are predicted */
  readonly test: Int32Array;
}

export interface Splitter {
  /** for reports, e.g. "5-fold CV (seed 0)" */
  readonly description: string;
  /** how many splits `split` yields */
  readonly nSplits: number;
  /** validates up front (throws SplitError) and yields the splits lazily */
  split(data: RatingData): Generator<Split>;
}

export class SplitError extends Error {
  override name = 'SplitError';
}

function checkColumns(data: RatingData): number {
  const n = data.ratings.length;
  if (data.users.length !== n || data.items.length !== n) {
    throw new SplitError(
      `rating columns differ in length: ${data.users.length} users, ${data.items.length} items, ${n} ratings`,
    );
  }
  if (data.timestamps && data.timestamps.length !== n) {
    throw new SplitError(`${data.timestamps.length} timestamps for ${n} ratings`);
  }
  return n;
}

function checkSeed(seed: number): void {
  if (!Number.isInteger(seed)) throw new SplitError(`seed must be a whole number, got ${seed}`);
}

function iota(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let k = 0; k < n; k++) a[k] = k;
  return a;
}

/**
 * Surprise's KFold: the indices 0..n−1 are shuffled (seeded), fold f is a contiguous slice of
 * the shuffled indices, the first n mod k folds one rating larger; the trainset of a fold is the
 * rest of the shuffled indices (before the slice, then after it), in that order.
 * Needs 2 ≤ k ≤ number of ratings.
 */
export function kFold(k = 5, opts: { seed?: number; shuffle?: boolean } = {}): Splitter {
  if (!Number.isInteger(k) || k < 2) throw new SplitError(`number of folds must be a whole number ≥ 2, got ${k}`);
  const seed = opts.seed ?? 0;
  checkSeed(seed);
  const shuffle = opts.shuffle ?? true;
  return {
    description: `${k}-fold CV${shuffle ? ` (seed ${seed})` : ' (not shuffled)'}`,
    nSplits: k,
    split(data) {
      const n = checkColumns(data);
      if (k > n) throw new SplitError(`${k} folds need at least ${k} ratings, but there are only ${n}`);
      const indices = iota(n);
      if (shuffle) new Rng(seed).shuffle(indices);
      return kFoldSplits(indices, k);
    },
  };
}

function* kFoldSplits(indices: Int32Array, k: number): Generator<Split> {
  const n = indices.length;
  let stop = 0;
  for (let f = 0; f < k; f++) {
    const start = stop;
    stop += Math.floor(n / k) + (f < n % k ? 1 : 0);
    const train = new Int32Array(n - (stop - start));
    train.set(indices.subarray(0, start), 0);
    train.set(indices.subarray(stop), start);
    yield { train, test: indices.slice(start, stop) };
  }
}

/**
 * Surprise's train_test_split: ceil(testFraction · n) ratings go to the test set. The indices
 * are shuffled (seeded); the trainset is the first n − nTest shuffled indices, the testset the
 * rest. Needs 0 < testFraction < 1 and at least one rating on each side.
 */
export function trainTestSplit(testFraction = 0.2, opts: { seed?: number; shuffle?: boolean } = {}): Splitter {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new SplitError(`test fraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  }
  const seed = opts.seed ?? 0;
  checkSeed(seed);
  const shuffle = opts.shuffle ?? true;
  return {
    description: `train/test split, ${Math.round(testFraction * 1000) / 10}% test${shuffle ? ` (seed ${seed})` : ''}`,
    nSplits: 1,
    *split(data) {
      const n = checkColumns(data);
      const nTest = Math.ceil(testFraction * n);
      if (nTest >= n) throw new SplitError(`a ${testFraction} test fraction of ${n} ratings leaves nothing to train on`);
      const indices = iota(n);
      if (shuffle) new Rng(seed).shuffle(indices);
      yield { train: indices.slice(0, n - nTest), test: indices.slice(n - nTest) };
    },
  };
}

/** Each user's rating indices in file order, users in order of first appearance. */
export function ratingsByUser(users: ArrayLike<string>): { users: string[]; rows: number[][] } {
  const index = new Map<string, number>();
  const ids: string[] = [];
  const rows: number[][] = [];
  for (let k = 0; k < users.length; k++) {
    let u = index.get(users[k]);
    if (u === undefined) {
      u = ids.length;
      index.set(users[k], u);
      ids.push(users[k]);
      rows.push([]);
    }
    rows[u].push(k);
  }
  return { users: ids, rows };
}

/**
 * Surprise's LeaveOneOut: for each user with more than `minRatings` ratings (users in order of
 * first appearance), one rating drawn at random goes to the test set and the others, in file
 * order, to the trainset; users with `minRatings` ratings or fewer are left out entirely. So with
 * minRatings = m every tested user keeps at least m ratings in training. Each of the `nSplits`
 * splits draws again from the same generator.
 */
export function leaveOneOut(opts: { seed?: number; minRatings?: number; nSplits?: number } = {}): Splitter {
  const seed = opts.seed ?? 0;
  checkSeed(seed);
  const minRatings = opts.minRatings ?? 0;
  if (!Number.isInteger(minRatings) || minRatings < 0) {
    throw new SplitError(`minimum ratings per user must be a whole number ≥ 0, got ${minRatings}`);
  }
  const nSplits = opts.nSplits ?? 1;
  if (!Number.isInteger(nSplits) || nSplits < 1) throw new SplitError(`number of splits must be ≥ 1, got ${nSplits}`);
  return {
    description: `leave-one-out per user (users with > ${minRatings} ratings, seed ${seed})`,
    nSplits,
    split(data) {
      checkColumns(data);
      const { rows } = ratingsByUser(data.users);
      const eligible = rows.filter((r) => r.length > minRatings);
      const nTrain = eligible.reduce((s, r) => s + r.length - 1, 0);
      if (nTrain === 0) {
        throw new SplitError(
          `leave-one-out leaves no rating to train on: no user has more than ${Math.max(minRatings, 1)} ratings (minimum per tested user: ${minRatings})`,
        );
      }
      return looSplits(eligible, nTrain, nSplits, new Rng(seed));
    },
  };
}

function* looSplits(rows: number[][], nTrain: number, nSplits: number, rng: Rng): Generator<Split> {
  for (let s = 0; s < nSplits; s++) {
    const train = new Int32Array(nTrain);
    const test = new Int32Array(rows.length);
    let t = 0;
    rows.forEach((row, x) => {
      const pick = rng.int(row.length);
      test[x] = row[pick];
      for (let j = 0; j < row.length; j++) if (j !== pick) train[t++] = row[j];
    });
    yield { train, test };
  }
}

/**
 * Leave-one-rare-out: for each user with more than one rating, ONE of their ratings of a rarely
 * rated movie (fewer than `rareBelow` ratings in the whole data), drawn at random, is the test
 * set; users who rated no such movie stay wholly in training. It asks what leave-one-out asks,
 * restricted to the long tail a collaborative model barely knows (a movie with 4 ratings is
 * invisible behind the bot's candidate filter; new movies start there). Training keeps file
 * order; the test set is in order of the users' first appearance.
 */
export function leaveOneRareOut(opts: { seed?: number; rareBelow?: number } = {}): Splitter {
  const seed = opts.seed ?? 0;
  checkSeed(seed);
  const rareBelow = opts.rareBelow ?? 20;
  if (!Number.isInteger(rareBelow) || rareBelow < 2) {
    throw new SplitError(`a rarely rated movie has fewer than rareBelow ratings; rareBelow must be a whole number ≥ 2, got ${rareBelow}`);
  }
  return {
    description: `leave-one-out of a rarely rated movie per user (movies with < ${rareBelow} ratings, seed ${seed})`,
    nSplits: 1,
    *split(data) {
      const n = checkColumns(data);
      const raters = new Map<string, number>();
      for (let k = 0; k < n; k++) raters.set(data.items[k], (raters.get(data.items[k]) ?? 0) + 1);
      const rng = new Rng(seed);
      const isTest = new Uint8Array(n);
      const test: number[] = [];
      for (const row of ratingsByUser(data.users).rows) {
        if (row.length < 2) continue;
        const rare = row.filter((k) => raters.get(data.items[k])! < rareBelow);
        if (rare.length === 0) continue;
        const k = rare[rng.int(rare.length)];
        isTest[k] = 1;
        test.push(k);
      }
      if (test.length === 0) {
        throw new SplitError(`leave-one-rare-out: no user with 2 or more ratings rated a movie with fewer than ${rareBelow} ratings`);
      }
      const train = new Int32Array(n - test.length);
      let t = 0;
      for (let k = 0; k < n; k++) if (!isTest[k]) train[t++] = k;
      yield { train, test: Int32Array.from(test) };
    },
  };
}

/**
 * Temporal split: the most recent ratings are the test set.
 * - global (default): the last ceil(testFraction · n) ratings by timestamp (ties in file order);
 * - perUser: for each user, their last floor(testFraction · n_u) ratings by timestamp, so users
 *   with fewer than 1/testFraction ratings stay wholly in training.
 * The trainset keeps file order; the test set is in time order. Needs a timestamp on every rating.
 */
export function temporalSplit(testFraction = 0.2, opts: { perUser?: boolean } = {}): Splitter {
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new SplitError(`test fraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  }
  const perUser = opts.perUser ?? false;
  return {
    description: `temporal split, latest ${Math.round(testFraction * 1000) / 10}% ${perUser ? 'of each user' : 'of ratings'} as test`,
    nSplits: 1,
    *split(data) {
      const n = checkColumns(data);
      const ts = data.timestamps;
      if (!ts) throw new SplitError('temporal split needs timestamps, and these ratings have none');
      for (let k = 0; k < n; k++) {
        if (!Number.isFinite(ts[k])) throw new SplitError(`temporal split needs timestamps; rating ${k + 1} has none`);
      }
      const byTime = (a: number, b: number): number => ts[a] - ts[b] || a - b;
      const isTest = new Uint8Array(n);
      const testOrder: number[] = [];
      if (perUser) {
        for (const row of ratingsByUser(data.users).rows) {
          const nTest = Math.floor(testFraction * row.length);
          if (nTest === 0) continue;
          const sorted = [...row].sort(byTime);
          for (const k of sorted.slice(sorted.length - nTest)) isTest[k] = 1;
        }
        for (let k = 0; k < n; k++) if (isTest[k]) testOrder.push(k);
        testOrder.sort(byTime);
      } else {
        const nTest = Math.ceil(testFraction * n);
        if (nTest >= n) throw new SplitError(`a ${testFraction} test fraction of ${n} ratings leaves nothing to train on`);
        const sorted = Array.from(iota(n)).sort(byTime);
        for (const k of sorted.slice(n - nTest)) {
          isTest[k] = 1;
          testOrder.push(k);
        }
      }
      if (testOrder.length === 0) throw new SplitError('temporal split: no user has enough ratings to hold any out');
      const train = new Int32Array(n - testOrder.length);
      let t = 0;
      for (let k = 0; k < n; k++) if (!isTest[k]) train[t++] = k;
      yield { train, test: Int32Array.from(testOrder) };
    },
  };
}

/**
 * Temporal leave-latest-out: for each user with more than `latest` ratings, their `latest` most
 * recent ratings (by timestamp; equal times: the later row in the file is the later rating) are the
 * test set, so the evaluation asks what a member rates next. Users with `latest` ratings or fewer
 * stay wholly in training. Training keeps file order; the test set is grouped by user. Needs a
 * timestamp on every rating.
 */
export function latestPerUser(latest = 1): Splitter {
  if (!Number.isInteger(latest) || latest < 1) {
    throw new SplitError(`ratings held out per user must be a whole number ≥ 1, got ${latest}`);
  }
  return {
    description: `temporal: each user's latest ${latest === 1 ? 'rating' : `${latest} ratings`} held out`,
    nSplits: 1,
    *split(data) {
      const n = checkColumns(data);
      const ts = data.timestamps;
      if (!ts) throw new SplitError('the temporal protocol needs timestamps, and these ratings have none');
      for (let k = 0; k < n; k++) {
        if (!Number.isFinite(ts[k])) throw new SplitError(`the temporal protocol needs timestamps; rating ${k + 1} has none`);
      }
      const isTest = new Uint8Array(n);
      const test: number[] = [];
      for (const row of ratingsByUser(data.users).rows) {
        if (row.length <= latest) continue;
        const sorted = [...row].sort((a, b) => ts[a] - ts[b] || a - b);
        for (const k of sorted.slice(sorted.length - latest)) {
          isTest[k] = 1;
          test.push(k);
        }
      }
      if (test.length === 0) throw new SplitError(`the temporal protocol needs a user with more than ${latest} ratings; none has`);
      const train = new Int32Array(n - test.length);
      let t = 0;
      for (let k = 0; k < n; k++) if (!isTest[k]) train[t++] = k;
      yield { train, test: Int32Array.from(test) };
    },
  };
}

/** The default quantile of the cut-off protocol: train on the first 90% of ratings by time. */
export const DEFAULT_CUTOFF_QUANTILE = 0.9;

/**
 * The cut-off time T of `cutoffSplit`: the timestamp at position floor(q·n) of the sorted
 * timestamps, so about a share q of the ratings fall before it. Needs a timestamp on every rating.
 */
export function cutoffTime(data: RatingData, quantile: number): number {
  if (!(quantile > 0 && quantile < 1)) {
    throw new SplitError(`the cut-off quantile must be between 0 and 1 (exclusive), got ${quantile}`);
  }
  const n = checkColumns(data);
  const ts = data.timestamps;
  if (!ts) throw new SplitError('the cut-off protocol needs timestamps, and these ratings have none');
  const sorted = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    if (!Number.isFinite(ts[k])) throw new SplitError(`the cut-off protocol needs timestamps; rating ${k + 1} has none`);
    sorted[k] = ts[k];
  }
  sorted.sort();
  return sorted[Math.min(n - 1, Math.floor(quantile * n))];
}

/**
 * Global time cut-off, the "new movies" protocol: T = cutoffTime(data, quantile); every rating
 * before T is training (the bot as it stood at T), and the test set is every rating at or after T
 * by a user with a rating before T — what the members the bot knew went on to rate. Ratings after
 * T by users unknown at T are in neither set (no profile to rank from). A movie first rated after
 * T has no training rating: it is new, and only a model that sees the catalogue can list it (the
 * yardstick builds the trainset over the whole catalogue, see core/eval/topn.ts).
 *
 * Every later rating is held out, not only each member's first: the first alone holds 6 new
 * movies on ml-latest-small and 7 on ml-100k at q 0.9 (27 and 90 members), too few to measure,
 * while all of them hold 371 of 1,661 (22%) and 86 of 2,886 (3.0%). The per-member HR@10 is the
 * share of a member's held-out movies in their top ten, so a member with 60 later ratings still
 * counts once. q 0.9 (T 2017-06-21 and 1998-03-31) is the usual 90/10 split by time; the bench
 * (bench/hybrid-blend.ts) pools several quantiles as the leave-one-out seeds are pooled, since one
 * cut-off tests few members. The test set is in time order; training keeps file order.
 */
export function cutoffSplit(quantile = DEFAULT_CUTOFF_QUANTILE): Splitter {
  if (!(quantile > 0 && quantile < 1)) {
    throw new SplitError(`the cut-off quantile must be between 0 and 1 (exclusive), got ${quantile}`);
  }
  return {
    description: `time cut-off at the ${quantile} quantile of rating times: earlier ratings train, the later ratings of members known by then are held out`,
    nSplits: 1,
    *split(data) {
      const t = cutoffTime(data, quantile);
      const n = data.ratings.length;
      const ts = data.timestamps!;
      const known = new Set<string>();
      const train: number[] = [];
      for (let k = 0; k < n; k++) {
        if (ts[k] < t) {
          train.push(k);
          known.add(data.users[k]);
        }
      }
      const test: number[] = [];
      for (let k = 0; k < n; k++) if (ts[k] >= t && known.has(data.users[k])) test.push(k);
      if (train.length === 0) throw new SplitError(`the cut-off protocol at the ${quantile} quantile leaves nothing to train on`);
      if (test.length === 0) throw new SplitError(`the cut-off protocol at the ${quantile} quantile: no user rated both before and after the cut-off`);
      test.sort((a, b) => ts[a] - ts[b] || a - b);
      yield { train: Int32Array.from(train), test: Int32Array.from(test) };
    },
  };
}

export interface LongTailReport {
  /** the remaining ratings, in file order */
  data: RatingColumnsTable;
  /** indices of the kept ratings in the input */
  kept: Int32Array;
  dropped: { ratings: number; items: number; users: number };
  /** passes made (1 unless `repeat`) */
  passes: number;
}

/**
 * Long-tail filter: drops items with fewer than `minItemRatings` ratings and users with fewer
 * than `minUserRatings`, both counted on the input. Dropping items can push a user below the
 * minimum; with `repeat` the filter runs again until nothing changes (every remaining user and
 * item then meets its minimum).
 */
export function filterLongTail(
  data: RatingData,
  opts: { minItemRatings?: number; minUserRatings?: number; repeat?: boolean },
): LongTailReport {
  const n = checkColumns(data);
  const minItem = opts.minItemRatings ?? 1;
  const minUser = opts.minUserRatings ?? 1;
  for (const [name, v] of [
    ['minimum ratings per movie', minItem],
    ['minimum ratings per user', minUser],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new SplitError(`${name} must be a whole number ≥ 0, got ${v}`);
  }
  let kept = iota(n);
  let passes = 0;
  for (;;) {
    passes++;
    const itemCount = new Map<string, number>();
    const userCount = new Map<string, number>();
    for (const k of kept) {
      itemCount.set(data.items[k], (itemCount.get(data.items[k]) ?? 0) + 1);
      userCount.set(data.users[k], (userCount.get(data.users[k]) ?? 0) + 1);
    }
    const next = kept.filter((k) => (itemCount.get(data.items[k]) ?? 0) >= minItem && (userCount.get(data.users[k]) ?? 0) >= minUser);
    const changed = next.length !== kept.length;
    kept = next;
    if (!changed || !opts.repeat) break;
  }
  const out = subset(data, kept);
  const distinct = (col: ArrayLike<string>, idx: ArrayLike<number>): number => {
    const s = new Set<string>();
    for (let k = 0; k < idx.length; k++) s.add(col[idx[k]]);
    return s.size;
  };
  const all = iota(n);
  return {
    data: out,
    kept,
    dropped: {
      ratings: n - kept.length,
      items: distinct(data.items, all) - distinct(data.items, kept),
      users: distinct(data.users, all) - distinct(data.users, kept),
    },
    passes,
  };
}

/** The ratings at `indices`, in that order, as a RatingColumnsTable. */
export function subset(data: RatingData, indices: ArrayLike<number>): RatingColumnsTable {
  const m = indices.length;
  const users: string[] = new Array<string>(m);
  const items: string[] = new Array<string>(m);
  const ratings = new Float32Array(m);
  const timestamps = new Float64Array(m);
  const ts = data.timestamps;
  for (let x = 0; x < m; x++) {
    const k = indices[x];
    users[x] = data.users[k];
    items[x] = data.items[k];
    ratings[x] = data.ratings[k];
    timestamps[x] = ts ? ts[k] : NaN;
  }
  return { users, items, ratings, timestamps };
}

/**
 * Builds the trainset of a split from the ratings at `indices`, in that order; `catalogue`'s
 * movies are items too, the unrated ones with no rating (Trainset.fromColumns).
 */
export function trainsetOf(data: RatingData, indices: ArrayLike<number>, scale: RatingScale, catalogue?: Iterable<string>): Trainset {
  const m = indices.length;
  const users: string[] = new Array<string>(m);
  const items: string[] = new Array<string>(m);
  const ratings = new Float64Array(m);
  for (let x = 0; x < m; x++) {
    const k = indices[x];
    users[x] = data.users[k];
    items[x] = data.items[k];
    ratings[x] = data.ratings[k];
  }
  return Trainset.fromColumns({ users, items, ratings }, scale, catalogue);
}

/**
 * A fixed train/test pair (Surprise's PredefinedKFold with one fold): the two tables are joined,
 * and the split trains on the first table in its own order and tests on the second in its order.
 */
export function predefinedSplit(train: RatingData, test: RatingData): { data: RatingColumnsTable; splitter: Splitter } {
  const nTrain = checkColumns(train);
  const nTest = checkColumns(test);
  if (nTrain === 0) throw new SplitError('the training ratings are empty');
  if (nTest === 0) throw new SplitError('the test ratings are empty');
  const a = subset(train, iota(nTrain));
  const b = subset(test, iota(nTest));
  const timestamps = new Float64Array(nTrain + nTest);
  timestamps.set(a.timestamps, 0);
  timestamps.set(b.timestamps, nTrain);
  const ratings = new Float32Array(nTrain + nTest);
  ratings.set(a.ratings, 0);
  ratings.set(b.ratings, nTrain);
  const data: RatingColumnsTable = { users: [...a.users, ...b.users], items: [...a.items, ...b.items], ratings, timestamps };
  const trainIdx = iota(nTrain);
  const testIdx = new Int32Array(nTest);
  for (let k = 0; k < nTest; k++) testIdx[k] = nTrain + k;
  return {
    data,
    splitter: {
      description: `given train/test split (${nTrain.toLocaleString('en-US')} train, ${nTest.toLocaleString('en-US')} test)`,
      nSplits: 1,
      *split(d) {
        if (checkColumns(d) !== nTrain + nTest) throw new SplitError('predefined split used on other ratings than it was made for');
        yield { train: trainIdx, test: testIdx };
      },
    },
  };
}
