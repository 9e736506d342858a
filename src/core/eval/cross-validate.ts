/**
 * Cross-validation and grid search, Surprise's `cross_validate` and `GridSearchCV`.
 *
 * Per fold: the trainset is built from the split's training indices (outside both timers, as in
 * Surprise), `fit` is timed, then every test rating is predicted with `Algorithm.predict` on raw
 * ids in one typed-array loop, which is timed as the test time; metrics are computed outside both
 * timers. A fresh algorithm is created for every fold, which equals Surprise refitting one object
 * (a seeded algorithm re-seeds at each fit).
 *
 * The run is async only so that it yields between folds: progress events get out and an
 * AbortSignal can stop it. A stopped run throws EvaluationCancelledError and returns nothing, so
 * a partial result can never pass for a complete one.
 */
import type { Algorithm, AlgorithmDescriptor, ParamValue } from '../algorithm.ts';
import type { RatingScale } from '../trainset.ts';
import { MetricError, fcp, mae, mape, mse, rmse } from './metrics.ts';
import { mapAtK, ndcgAtK, precisionRecallAtK } from './ranking.ts';
import { trainsetOf, type RatingData, type Splitter } from './splitters.ts';

export const METRIC_NAMES = ['rmse', 'mse', 'mae', 'mape', 'fcp', 'precision', 'recall', 'ndcg', 'map'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

interface MetricInfo {
  /** lower is better for errors, higher for the rest */
  better: 'lower' | 'higher';
  title: string;
  /** is it a top-k metric (its label carries @k)? */
  atK: boolean;
}

export const METRIC_INFO: Readonly<Record<MetricName, MetricInfo>> = {
  rmse: { better: 'lower', title: 'RMSE', atK: false },
  mse: { better: 'lower', title: 'MSE', atK: false },
  mae: { better: 'lower', title: 'MAE', atK: false },
  mape: { better: 'lower', title: 'MAPE %', atK: false },
  fcp: { better: 'higher', title: 'FCP', atK: false },
  precision: { better: 'higher', title: 'precision', atK: true },
  recall: { better: 'higher', title: 'recall', atK: true },
  ndcg: { better: 'higher', title: 'NDCG', atK: true },
  map: { better: 'higher', title: 'MAP', atK: true },
};

/** The key a metric is reported under: "rmse", "precision@10", … */
export function metricLabel(m: MetricName, k: number): string {
  return METRIC_INFO[m].atK ? `${m}@${k}` : m;
}

export class EvaluationError extends Error {
  override name = 'EvaluationError';
}

export class EvaluationCancelledError extends Error {
  override name = 'EvaluationCancelledError';
  constructor(message = 'evaluation cancelled before it finished; no results were kept') {
    super(message);
  }
}

/**
 * Parses metric names ("rmse", "precision@k", "precision@10", "ndcg"…; case-insensitive). An
 * "@n" suffix must match `k` when given, since one run uses one k.
 */
export function parseMetrics(names: readonly string[], k?: number): MetricName[] {
  const out: MetricName[] = [];
  for (const raw of names) {
    const text = raw.trim().toLowerCase();
    if (text === '') continue;
    const [base, at] = text.split('@');
    if (!(METRIC_NAMES as readonly string[]).includes(base)) {
      throw new EvaluationError(`unknown metric "${raw.trim()}"; accepted: ${METRIC_NAMES.join(', ')}`);
    }
    const m = base as MetricName;
    if (at !== undefined && at !== 'k') {
      if (!METRIC_INFO[m].atK) throw new EvaluationError(`metric ${m} takes no @k`);
      if (k !== undefined && Number(at) !== k) {
        throw new EvaluationError(`metric "${raw.trim()}" asks for @${at} but k is ${k}; set k to ${at} instead`);
      }
    }
    if (!out.includes(m)) out.push(m);
  }
  if (out.length === 0) throw new EvaluationError(`no metric given; accepted: ${METRIC_NAMES.join(', ')}`);
  return out;
}

/** An algorithm to evaluate: a registry spec ("svd:n_factors=50") or a named factory. */
export type AlgorithmSource = string | AlgorithmFactory;

export interface AlgorithmFactory {
  /** the label used in reports */
  name: string;
  create(): Algorithm;
}

/** Ratings to evaluate on (LoadedDataset fits). */
export interface EvalData {
  readonly ratings: RatingData;
  readonly scale: RatingScale;
  /** for reports, e.g. "ml-100k" */
  readonly name?: string;
  /**
   * every movie of the catalogue (movies.csv), rated or not: the top-N yardstick's trainsets hold
   * them all, so a movie without a training rating can be listed by a model that sees the
   * catalogue (the hybrid's content side), as /recommend lists it
   */
  readonly catalogue?: readonly string[];
}

export type ProgressEvent =
  | { type: 'fold-start'; algorithm: string; algorithmIndex: number; algorithms: number; fold: number; folds: number }
  | {
      type: 'fold-end';
      algorithm: string;
      algorithmIndex: number;
      algorithms: number;
      fold: number;
      folds: number;
      result: FoldResult;
    }
  | { type: 'algorithm-end'; algorithm: string; algorithmIndex: number; algorithms: number; result: AlgorithmResult };

export interface CrossValidateOptions {
  /** the k of precision@k, recall@k, NDCG@k, MAP@k (default 10) */
  k?: number;
  /** rating at or above which an item counts as relevant/liked (default 3.5) */
  threshold?: number;
  /** default ['rmse', 'mae'], as Surprise */
  metrics?: readonly MetricName[];
  onProgress?: (e: ProgressEvent) => void;
  signal?: AbortSignal;
  /** keep every fold's estimates (for writing predictions) */
  keepPredictions?: boolean;
}

export interface FoldPredictions {
  /** indices of the test ratings in the evaluated data, in prediction order */
  test: Int32Array;
  est: Float64Array;
  impossible: Uint8Array;
}

export interface FoldResult {
  fold: number;
  nTrain: number;
  nTest: number;
  /** seconds */
  fitTime: number;
  /** seconds */
  testTime: number;
  /** by metric label; NaN (null in JSON) where the metric is undefined on this fold */
  metrics: Record<string, number>;
  /** predictions that fell back to the global mean */
  impossible: number;
  /** why a metric is undefined, or MAPE's skipped zero ratings */
  notes: string[];
  predictions?: FoldPredictions;
}

/** mean ± population standard deviation (numpy's std) over folds */
export interface Summary {
  mean: number;
  std: number;
  values: number[];
}

export interface AlgorithmResult {
  algorithm: string;
  folds: FoldResult[];
  metrics: Record<string, Summary>;
  fitTime: Summary;
  testTime: Summary;
  /** Σ over folds of fit + test, seconds */
  totalTime: number;
}

export interface CrossValidationReport {
  data?: string;
  nRatings: number;
  scale: [number, number];
  splitter: string;
  nFolds: number;
  k: number;
  threshold: number;
  /** metric labels, in the order asked */
  metrics: string[];
  /** sorted by mean RMSE (best first) when RMSE was computed, else by the first metric */
  results: AlgorithmResult[];
  /** true only for a run that finished every fold of every algorithm */
  complete: true;
}

export function summarize(values: readonly number[]): Summary {
  const n = values.length;
  let s = 0;
  for (const v of values) s += v;
  const mean = n > 0 ? s / n : NaN;
  let ss = 0;
  for (const v of values) ss += (v - mean) * (v - mean);
  return { mean, std: n > 0 ? Math.sqrt(ss / n) : NaN, values: [...values] };
}

type ResolvedFactory = { name: string; create: () => Algorithm };

/** Resolves registry specs (validating every parameter up front) and keeps factories as they are. */
export async function resolveAlgorithms(algorithms: readonly AlgorithmSource[]): Promise<ResolvedFactory[]> {
  if (algorithms.length === 0) throw new EvaluationError('no algorithm to evaluate');
  const out: ResolvedFactory[] = [];
  const names = algorithms.map((a) => (typeof a === 'string' ? a.trim() : a.name));
  const twice = names.find((n, x) => names.indexOf(n) !== x);
  if (twice !== undefined) throw new EvaluationError(`algorithm "${twice}" is listed twice; results are reported by name`);
  for (const a of algorithms) {
    if (typeof a !== 'string') {
      out.push({ name: a.name, create: () => a.create() });
      continue;
    }
    // loaded on demand: the registry pulls in every algorithm module
    const registry = await import('../registry.ts');
    const spec = a.trim();
    registry.createAlgorithm(spec); // throws ParamError on an unknown name or a bad parameter
    out.push({ name: spec, create: () => registry.createAlgorithm(spec) });
  }
  return out;
}

function checkOptions(data: EvalData, k: number, threshold: number): void {
  if (!Number.isInteger(k) || k <= 0) throw new EvaluationError(`k must be a whole number ≥ 1, got ${k}`);
  const [lo, hi] = data.scale;
  if (!Number.isFinite(threshold) || threshold < lo || threshold > hi) {
    throw new EvaluationError(`threshold ${threshold} is outside the rating scale ${lo}–${hi}`);
  }
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function checkCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EvaluationCancelledError();
}

/**
 * Cross-validates each algorithm on the splitter's folds and reports, per algorithm, every
 * metric per fold and as mean ± population std, plus fit and test times.
 */
export async function crossValidate(
  algorithms: readonly AlgorithmSource[],
  data: EvalData,
  splitter: Splitter,
  opts: CrossValidateOptions = {},
): Promise<CrossValidationReport> {
  const k = opts.k ?? 10;
  const threshold = opts.threshold ?? 3.5;
  const metrics = opts.metrics && opts.metrics.length > 0 ? [...opts.metrics] : (['rmse', 'mae'] as MetricName[]);
  checkOptions(data, k, threshold);
  const factories = await resolveAlgorithms(algorithms);
  const nRatings = data.ratings.ratings.length;
  // The splits are drawn again for each algorithm rather than kept: a seeded splitter gives the
  // same folds every time, and holding k index arrays of a 25M-rating dataset would cost GBs.
  const nFolds = splitter.nSplits;
  const results: AlgorithmResult[] = [];
  for (let a = 0; a < factories.length; a++) {
    const f = factories[a];
    const folds: FoldResult[] = [];
    let fold = 0;
    for (const split of splitter.split(data.ratings)) {
      checkCancelled(opts.signal);
      const base = { algorithm: f.name, algorithmIndex: a, algorithms: factories.length, fold, folds: nFolds };
      opts.onProgress?.({ type: 'fold-start', ...base });
      await yieldToLoop();
      checkCancelled(opts.signal);
      const result = runFold(f, data, split.train, split.test, fold, metrics, k, threshold, opts.keepPredictions ?? false);
      folds.push(result);
      opts.onProgress?.({ type: 'fold-end', ...base, result });
      fold++;
    }
    const result = summarizeAlgorithm(f.name, folds, metrics.map((m) => metricLabel(m, k)));
    results.push(result);
    opts.onProgress?.({ type: 'algorithm-end', algorithm: f.name, algorithmIndex: a, algorithms: factories.length, result });
  }
  checkCancelled(opts.signal);
  const sortKey = metrics.includes('rmse') ? 'rmse' : metricLabel(metrics[0], k);
  const sign = METRIC_INFO[metrics.includes('rmse') ? 'rmse' : metrics[0]].better === 'lower' ? 1 : -1;
  results.sort((x, y) => compareNaNLast(x.metrics[sortKey].mean, y.metrics[sortKey].mean, sign));
  return {
    data: data.name,
    nRatings,
    scale: [data.scale[0], data.scale[1]],
    splitter: splitter.description,
    nFolds,
    k,
    threshold,
    metrics: metrics.map((m) => metricLabel(m, k)),
    results,
    complete: true,
  };
}

function compareNaNLast(a: number, b: number, sign: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return sign * (a - b);
}

function runFold(
  f: ResolvedFactory,
  data: EvalData,
  trainIdx: Int32Array,
  test: Int32Array,
  fold: number,
  metrics: readonly MetricName[],
  k: number,
  threshold: number,
  keep: boolean,
): FoldResult {
  const { users, items, ratings } = data.ratings;
  const trainset = trainsetOf(data.ratings, trainIdx, data.scale);
  const algo = f.create();
  let t0 = performance.now();
  algo.fit(trainset);
  const fitTime = (performance.now() - t0) / 1000;

  const m = test.length;
  const rTrue = new Float64Array(m);
  const est = new Float64Array(m);
  const impossible = new Uint8Array(m);
  const testUsers: string[] = new Array<string>(m);
  for (let x = 0; x < m; x++) {
    const j = test[x];
    rTrue[x] = ratings[j];
    testUsers[x] = users[j];
  }
  let nImpossible = 0;
  t0 = performance.now();
  for (let x = 0; x < m; x++) {
    const j = test[x];
    const p = algo.predict(users[j], items[j], rTrue[x]);
    est[x] = p.est;
    if (p.wasImpossible) {
      impossible[x] = 1;
      nImpossible++;
    }
  }
  const testTime = (performance.now() - t0) / 1000;

  const cols = { users: testUsers, rTrue, est };
  const values: Record<string, number> = {};
  const notes: string[] = [];
  let pr: { precision: number; recall: number } | undefined;
  for (const metric of metrics) {
    const label = metricLabel(metric, k);
    try {
      switch (metric) {
        case 'rmse':
          values[label] = rmse(cols);
          break;
        case 'mse':
          values[label] = mse(cols);
          break;
        case 'mae':
          values[label] = mae(cols);
          break;
        case 'mape': {
          const r = mape(cols);
          values[label] = r.value;
          if (r.skippedZero > 0) notes.push(`MAPE skipped ${r.skippedZero} true ratings of 0`);
          break;
        }
        case 'fcp':
          values[label] = fcp(cols);
          break;
        case 'precision':
        case 'recall':
          pr ??= precisionRecallAtK(cols, k, threshold);
          values[label] = metric === 'precision' ? pr.precision : pr.recall;
          break;
        case 'ndcg':
          values[label] = ndcgAtK(cols, k, { threshold }).value;
          break;
        case 'map':
          values[label] = mapAtK(cols, k, threshold).value;
          break;
      }
    } catch (err) {
      if (!(err instanceof MetricError)) throw err;
      values[label] = NaN;
      notes.push(err.message);
    }
  }
  return {
    fold,
    nTrain: trainIdx.length,
    nTest: m,
    fitTime,
    testTime,
    metrics: values,
    impossible: nImpossible,
    notes,
    predictions: keep ? { test, est, impossible } : undefined,
  };
}

function summarizeAlgorithm(name: string, folds: FoldResult[], labels: string[]): AlgorithmResult {
  const metrics: Record<string, Summary> = {};
  for (const label of labels) metrics[label] = summarize(folds.map((f) => f.metrics[label]));
  const fitTime = summarize(folds.map((f) => f.fitTime));
  const testTime = summarize(folds.map((f) => f.testTime));
  const totalTime = folds.reduce((s, f) => s + f.fitTime + f.testTime, 0);
  return { algorithm: name, folds, metrics, fitTime, testTime, totalTime };
}

// ---------------------------------------------------------------------------------------------
// Grid search

export type ParamGrid = Record<string, readonly ParamValue[]>;

export interface GridSearchResult {
  metric: string;
  better: 'lower' | 'higher';
  best: { params: Record<string, ParamValue>; spec: string; score: number };
  /** every combination, in grid order */
  results: Array<{ params: Record<string, ParamValue>; spec: string; metrics: Record<string, Summary> }>;
  report: CrossValidationReport;
}

/**
 * Surprise's GridSearchCV: cross-validates every combination of `paramGrid` (cartesian product,
 * keys in the given order) for the algorithm `name` (a registry name or alias, optionally with
 * fixed parameters, e.g. "knn-item:k=20", or a descriptor) and picks the best mean of `metric`
 * (lowest for error metrics, highest for the others; the first combination wins ties).
 */
export async function gridSearch(
  name: string | Pick<AlgorithmDescriptor, 'name' | 'create'>,
  paramGrid: ParamGrid,
  data: EvalData,
  splitter: Splitter,
  metric: MetricName | string = 'rmse',
  opts: CrossValidateOptions = {},
): Promise<GridSearchResult> {
  const k = opts.k ?? 10;
  const [chosen] = parseMetrics([metric], k);
  const keys = Object.keys(paramGrid);
  for (const key of keys) {
    if (paramGrid[key].length === 0) throw new EvaluationError(`grid search: parameter ${key} has no values to try`);
  }
  let parsed: { name: string; params: Record<string, string> };
  let descriptor: Pick<AlgorithmDescriptor, 'name' | 'create'>;
  if (typeof name === 'string') {
    const registry = await import('../registry.ts');
    parsed = registry.parseAlgorithmSpec(name);
    descriptor = registry.describeAlgorithm(parsed.name);
  } else {
    parsed = { name: name.name, params: {} };
    descriptor = name;
  }
  const combos: Array<Record<string, ParamValue>> = [{}];
  for (const key of keys) {
    const next: Array<Record<string, ParamValue>> = [];
    for (const c of combos) for (const v of paramGrid[key]) next.push({ ...c, [key]: v });
    combos.splice(0, combos.length, ...next);
  }
  const factories: AlgorithmFactory[] = combos.map((combo) => {
    const params: Record<string, unknown> = { ...parsed.params, ...combo };
    const spec = `${parsed.name}:${Object.entries(params).map(([kk, v]) => `${kk}=${String(v)}`).join(',')}`;
    descriptor.create(params); // validate now, not in the middle of the run
    return { name: spec, create: () => descriptor.create(params) };
  });
  const metrics = [chosen, ...(opts.metrics ?? []).filter((m) => m !== chosen)];
  const report = await crossValidate(factories, data, splitter, { ...opts, metrics });
  const label = metricLabel(chosen, k);
  const bySpec = new Map(report.results.map((r) => [r.algorithm, r]));
  const results = factories.map((f, x) => ({ params: combos[x], spec: f.name, metrics: bySpec.get(f.name)!.metrics }));
  const better = METRIC_INFO[chosen].better;
  let best = -1;
  for (let x = 0; x < results.length; x++) {
    const v = results[x].metrics[label].mean;
    if (Number.isNaN(v)) continue;
    if (best < 0 || (better === 'lower' ? v < results[best].metrics[label].mean : v > results[best].metrics[label].mean)) best = x;
  }
  if (best < 0) throw new EvaluationError(`grid search: ${label} is undefined for every combination`);
  return {
    metric: label,
    better,
    best: { params: results[best].params, spec: results[best].spec, score: results[best].metrics[label].mean },
    results,
    report,
  };
}
