/**
 * Runs an evaluation (cross-validation, a given train/test pair, or the top-N yardstick)
 * off the main thread, so a bot keeps answering while it runs.
 *
 * `runEvaluation` starts `worker.ts` in a worker_thread (TypeScript through tsx's loader) and
 * relays its progress events; aborting the signal terminates the worker and rejects with
 * EvaluationCancelledError, so an interrupted run never yields a report. `evaluate` is the same
 * work in-process (the worker calls it; tests compare the two).
 */
import type { Worker } from 'node:worker_threads';
import { Algorithm } from '../core/algorithm.ts';
import {
  EvaluationCancelledError,
  EvaluationError,
  crossValidate,
  parseMetrics,
  resolveAlgorithms,
  type AlgorithmFactory,
  type AlgorithmSource,
  type CrossValidationReport,
  type EvalData,
  type ProgressEvent,
} from '../core/eval/cross-validate.ts';
import { evaluateTopN, withFloor, type TopNProgress, type TopNProtocol, type TopNReport } from '../core/eval/topn.ts';
import { spawnTsWorker } from '../util/ts-worker.ts';
import { filterLongTail, kFold, predefinedSplit, SplitError } from '../core/eval/splitters.ts';
import type { RatingTable } from '../data/types.ts';

/** Folds accepted: more than 20 multiplies the run time for no gain in the estimate, and a typo (100000) never ends. */
export const MAX_FOLDS = 20;

/**
 * An algorithm to evaluate: a registry spec ("svd", "knn-item:k=20"), or a module exporting an
 * Algorithm subclass with a no-argument constructor (or an object with `create()`), for
 * algorithms outside the registry. Module references survive the trip to the worker; functions
 * would not.
 */
export type AlgorithmRef = string | { module: string; export: string; name?: string };

export type EvaluationData =
  /** a dataset folder (any format src/data/load.ts reads) */
  | { dir: string }
  /** ratings already in memory */
  | { table: RatingTable; scale: readonly [number, number]; name?: string; catalogue?: string[] }
  /** train on one ratings file, test on another, each kept in file order */
  | { train: string; test: string; scale?: readonly [number, number] };

export interface EvaluationRequest {
  data: EvaluationData;
  algorithms: AlgorithmRef[];
  /** k-fold cross-validation folds (default 5); ignored for a train/test pair */
  folds?: number;
  /** seed of the fold shuffle and of the leave-one-out draw (default 0) */
  seed?: number;
  /** k of the top-k metrics and length of top-N lists (default 10) */
  k?: number;
  /** relevance threshold (default 3.5) */
  threshold?: number;
  /** metric names (default rmse, mae, precision@k, recall@k) */
  metrics?: string[];
  /**
   * run the top-N yardstick (core/eval/topn.ts) INSTEAD of rating-prediction cross-validation:
   * the report then has `topN` and no `cv`. `folds` and `seed` apply to it as well.
   */
  topn?: TopNRequest;
  /** return each test rating's estimate (train/test pairs only) */
  predictions?: boolean;
  /** drop movies and users with fewer ratings first (datasets and tables, not train/test pairs) */
  longTail?: { minItemRatings?: number; minUserRatings?: number };
}

/** What a top-N run measures; every field has the yardstick's default. */
export interface TopNRequest {
  /** held-out ratings: loo (default), temporal, kfold, rare, cutoff */
  protocol?: TopNProtocol;
  /** the cutoff protocol's quantile of rating times (default 0.9) */
  cutoff?: number;
  /** list length (default: the request's k, else 10) */
  n?: number;
  /** candidate filter, the bot's MARQUEE_MIN_RATINGS (default 5) */
  minItemRatings?: number;
  /** sizes of the cold-start curve, e.g. [1, 2, 3, 5, 10, 20] (default: no curve) */
  profileSizes?: number[];
}

export type EvaluationProgress =
  | { type: 'loading'; what: string }
  | { type: 'loaded'; name: string; nRatings: number; folds: number; algorithms: string[]; dropped?: EvaluationReport['data']['dropped'] }
  | ProgressEvent
  | TopNProgress;

export interface EvaluationPredictions {
  users: string[];
  items: string[];
  rTrue: Float64Array;
  /** estimate per test rating, by algorithm label */
  est: Record<string, Float64Array>;
}

export interface EvaluationReport {
  data: {
    name: string;
    nRatings: number;
    nUsers: number;
    nItems: number;
    scale: [number, number];
    /** what the long-tail filter removed, when it ran */
    dropped?: { ratings: number; items: number; users: number; minItemRatings: number; minUserRatings: number };
  };
  /** rating-prediction cross-validation; absent for a top-N request */
  cv?: CrossValidationReport;
  /** the top-N yardstick, for a request with `topn` */
  topN?: TopNReport;
  predictions?: EvaluationPredictions;
  /** seconds, wall clock, loading included */
  elapsed: number;
  complete: true;
}

export const DEFAULT_METRICS = ['rmse', 'mae', 'precision', 'recall'];

/** A readable label for an algorithm reference. */
export function refLabel(ref: AlgorithmRef): string {
  return typeof ref === 'string' ? ref.trim() : (ref.name ?? ref.export);
}

async function resolveRef(ref: AlgorithmRef): Promise<AlgorithmSource> {
  if (typeof ref === 'string') return ref;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(ref.module)) as Record<string, unknown>;
  } catch (err) {
    throw new EvaluationError(`cannot load algorithm module ${ref.module}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const exp = mod[ref.export];
  const name = ref.name ?? ref.export;
  if (typeof exp === 'function' && exp.prototype instanceof Algorithm) {
    const Ctor = exp as new () => Algorithm;
    return { name, create: () => new Ctor() } satisfies AlgorithmFactory;
  }
  if (exp && typeof exp === 'object' && typeof (exp as { create?: unknown }).create === 'function') {
    const d = exp as { create: () => Algorithm };
    return { name, create: () => d.create() } satisfies AlgorithmFactory;
  }
  throw new EvaluationError(`${ref.module} has no Algorithm class or factory named ${ref.export}`);
}

/**
 * The rating scale of loose rating files when not given: whole stars 1–5, half stars 0.5–5;
 * anything else must be said explicitly.
 */
export function inferScale(tables: readonly RatingTable[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  let halves = true;
  let fractional = false;
  for (const t of tables) {
    for (const r of t.ratings) {
      if (r < lo) lo = r;
      if (r > hi) hi = r;
      if (!Number.isInteger(r)) {
        fractional = true;
        if (!Number.isInteger(r * 2)) halves = false;
      }
    }
  }
  if (halves && lo >= 0.5 && hi <= 5) return fractional || lo < 1 ? [0.5, 5] : [1, 5];
  throw new EvaluationError(
    `cannot infer the rating scale from ratings between ${lo} and ${hi}; give it as lo,hi (e.g. --scale 0.5,5)`,
  );
}

function describeTable(name: string, table: RatingTable, scale: readonly [number, number]): EvaluationReport['data'] {
  return {
    name,
    nRatings: table.ratings.length,
    nUsers: new Set(table.users).size,
    nItems: new Set(table.items).size,
    scale: [scale[0], scale[1]],
  };
}

/** The evaluation in this thread. Validates everything it can before loading any data. */
export async function evaluate(
  req: EvaluationRequest,
  onProgress?: (e: EvaluationProgress) => void,
  signal?: AbortSignal,
): Promise<EvaluationReport> {
  const started = performance.now();
  const k = req.k ?? 10;
  if (!Number.isInteger(k) || k <= 0) throw new EvaluationError(`k must be a whole number ≥ 1, got ${k}`);
  const metrics = parseMetrics(req.metrics ?? DEFAULT_METRICS, k);
  const folds = req.folds ?? 5;
  const pair = 'train' in req.data;
  if (!pair && (!Number.isInteger(folds) || folds < 2 || folds > MAX_FOLDS)) {
    throw new EvaluationError(`number of folds must be a whole number from 2 to ${MAX_FOLDS}, got ${folds}`);
  }
  if (pair && req.topn) {
    throw new EvaluationError('the top-N evaluation holds out one rating per user of a whole dataset; it does not run on a given train/test pair');
  }
  if (pair && req.longTail) {
    throw new EvaluationError('the long-tail filter applies to a whole dataset, not to a given train/test pair');
  }
  if (req.topn && req.predictions) {
    throw new EvaluationError('predictions are rating estimates; a top-N run ranks lists and has none');
  }
  if (!pair && req.predictions) {
    throw new EvaluationError('predictions are written for a given train/test pair only (use train and test files)');
  }
  const seed = req.seed ?? 0;
  if (!Number.isInteger(seed)) throw new EvaluationError(`seed must be a whole number, got ${seed}`);
  const sources = await Promise.all(req.algorithms.map(resolveRef));
  await resolveAlgorithms(sources); // unknown names and bad parameters fail before any loading

  let data: EvalData;
  let splitter;
  let described: EvaluationReport['data'];
  const { loadDataset, loadRatingsFile } = await import('../data/load.ts');
  if ('dir' in req.data) {
    onProgress?.({ type: 'loading', what: req.data.dir });
    const ds = await loadDataset(req.data.dir, { tags: false });
    // the whole catalogue: a movie nobody has rated yet is still a candidate (core/eval/topn.ts)
    data = { ratings: ds.ratings, scale: ds.scale, name: ds.name, catalogue: ds.movies.map((m) => m.movieId) };
    described = describeTable(ds.name, ds.ratings, ds.scale);
    splitter = kFold(folds, { seed });
  } else if ('table' in req.data) {
    const name = req.data.name ?? 'ratings';
    data = { ratings: req.data.table, scale: req.data.scale, name, ...(req.data.catalogue ? { catalogue: req.data.catalogue } : {}) };
    described = describeTable(name, req.data.table, req.data.scale);
    splitter = kFold(folds, { seed });
  } else {
    const given = req.data.scale ? ([req.data.scale[0], req.data.scale[1]] as [number, number]) : undefined;
    onProgress?.({ type: 'loading', what: req.data.train });
    const train = await loadRatingsFile(req.data.train, { scale: given });
    onProgress?.({ type: 'loading', what: req.data.test });
    const test = await loadRatingsFile(req.data.test, { scale: given });
    const scale = given ?? inferScale([train, test]);
    let joined;
    try {
      joined = predefinedSplit(train, test);
    } catch (err) {
      if (err instanceof SplitError) throw new EvaluationError(`${err.message} (${req.data.train}, ${req.data.test})`);
      throw err;
    }
    const name = `${baseName(req.data.train)} → ${baseName(req.data.test)}`;
    data = { ratings: joined.data, scale, name };
    described = describeTable(name, joined.data, scale);
    splitter = joined.splitter;
  }
  if (req.longTail) {
    const minItemRatings = req.longTail.minItemRatings ?? 1;
    const minUserRatings = req.longTail.minUserRatings ?? 1;
    const filtered = filterLongTail(data.ratings, { minItemRatings, minUserRatings });
    if (filtered.data.ratings.length === 0) {
      throw new EvaluationError(
        `the long-tail filter (movies with ≥ ${minItemRatings} ratings, users with ≥ ${minUserRatings}) leaves no rating in ${described.name}`,
      );
    }
    data = { ...data, ratings: filtered.data };
    described = { ...describeTable(described.name, filtered.data, data.scale), dropped: { ...filtered.dropped, minItemRatings, minUserRatings } };
  }
  if (signal?.aborted) throw new EvaluationCancelledError();
  const runs = req.topn ? withFloor(sources) : sources;
  const nSplits = req.topn ? (req.topn.protocol === 'kfold' ? folds : 1) : splitter.nSplits;
  onProgress?.({ type: 'loaded', name: described.name, nRatings: described.nRatings, folds: nSplits, algorithms: runs.map((s) => (typeof s === 'string' ? s : s.name)), dropped: described.dropped });

  const threshold = req.threshold ?? 3.5;
  if (req.topn) {
    const topN = await evaluateTopN(sources, data, {
      protocol: req.topn.protocol,
      n: req.topn.n ?? k,
      likedThreshold: threshold,
      minItemRatings: req.topn.minItemRatings,
      profileSizes: req.topn.profileSizes,
      cutoff: req.topn.cutoff,
      seed,
      folds,
      onProgress,
      signal,
    });
    if (signal?.aborted) throw new EvaluationCancelledError();
    return { data: described, topN, elapsed: (performance.now() - started) / 1000, complete: true };
  }
  const cv = await crossValidate(sources, data, splitter, {
    k,
    threshold,
    metrics,
    onProgress,
    signal,
    keepPredictions: req.predictions ?? false,
  });
  let predictions: EvaluationPredictions | undefined;
  if (req.predictions) {
    const test = cv.results[0].folds[0].predictions!.test;
    const users = Array.from(test, (j) => data.ratings.users[j]);
    const items = Array.from(test, (j) => data.ratings.items[j]);
    const rTrue = Float64Array.from(test, (j) => data.ratings.ratings[j]);
    const est: Record<string, Float64Array> = {};
    for (const r of cv.results) est[r.algorithm] = r.folds[0].predictions!.est;
    predictions = { users, items, rTrue, est };
  }
  // the estimates travel once, in `predictions`, not again inside every fold
  for (const r of cv.results) for (const f of r.folds) delete f.predictions;

  if (signal?.aborted) throw new EvaluationCancelledError();
  return { data: described, cv, predictions, elapsed: (performance.now() - started) / 1000, complete: true };
}

function baseName(path: string): string {
  return path.split(/[\\/]/u).pop() ?? path;
}

/** Messages from the worker. */
export type WorkerMessage =
  | { type: 'progress'; event: EvaluationProgress }
  | { type: 'done'; report: EvaluationReport }
  | { type: 'error'; name: string; message: string; stack?: string };

/** An error from the worker, rebuilt with the same name and message. */
export class WorkerEvaluationError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly workerStack?: string,
  ) {
    super(message);
  }
}

function startWorker(req: EvaluationRequest): Worker {
  return spawnTsWorker(new URL('./worker.ts', import.meta.url), { req });
}

/**
 * Runs `evaluate` in a worker thread; `onProgress` receives its events. Abort `signal` to stop it:
 * the worker is terminated and the promise rejects with EvaluationCancelledError.
 */
export function runEvaluation(
  req: EvaluationRequest,
  onProgress?: (e: EvaluationProgress) => void,
  opts: { signal?: AbortSignal } = {},
): Promise<EvaluationReport> {
  return new Promise<EvaluationReport>((resolve, reject) => {
    if (opts.signal?.aborted) {
      reject(new EvaluationCancelledError());
      return;
    }
    const worker = startWorker(req);
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => {
      finish(() => reject(new EvaluationCancelledError()));
      void worker.terminate();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    worker.on('message', (msg: WorkerMessage) => {
      if (settled) return;
      if (msg.type === 'progress') onProgress?.(msg.event);
      else if (msg.type === 'done') finish(() => resolve(msg.report));
      else finish(() => reject(new WorkerEvaluationError(msg.name, msg.message, msg.stack)));
    });
    worker.on('error', (err) => finish(() => reject(err)));
    worker.on('exit', (code) =>
      finish(() => reject(new EvaluationError(`the evaluation worker stopped (exit code ${code}) before finishing; no results were kept`))),
    );
  });
}
