/**
 * `/evaluate`: one evaluation at a time (each is the top-N yardstick, core/eval/topn.ts, over
 * every algorithm in a worker: the lists /recommend serves, ranked for every member with a
 * held-out rating, the popularity chart as the floor), run by an INJECTED runner (src/cli/start.ts builds it from the evaluation wing), so the
 * service never loads the evaluation code, the chart renderer or the table formatter. The outcome
 * says which default `/recommend` algorithm the evaluation left behind, and why.
 */
import type { Store } from '../../store/api.ts';
import { trainingColumns, trainingTimestamps } from '../../store/training-data.ts';
import { UserFacingError } from '../errors.ts';
import { EVALUATION_PROTOCOLS, type EvaluationOutcome, type EvaluationProgress, type EvaluationProtocol } from '../service-api.ts';
import type { TrainColumns } from '../trainer.ts';
import type { RatingScale } from '../../core/trainset.ts';
import { canonicalSpec, isContentAlgo } from './algorithm-names.ts';
import { isAlsImport } from './als-factors.ts';
import { defaultAlgorithmFrom } from './default-algorithm.ts';
import { isEaseSide } from './ease-side-content.ts';
import { scaleOf } from './generation.ts';

/** What the runner evaluates: the store's training columns, top-N lists of every tested member. */
export interface EvaluationRequest {
  columns: TrainColumns;
  scale: RatingScale;
  /** the name shown in the table and the chart */
  dataset: string;
  /** canonical registry specs, no repeats (the runner adds the chart as the floor) */
  algorithms: string[];
  /** which ratings are held out (see EvaluationProtocol) */
  protocol: EvaluationProtocol;
  /** folds of the kfold protocol */
  folds: number;
  /** the ratings' times in seconds, in the columns' order: only the protocols that split by time */
  timestamps?: Float64Array;
  /**
   * every movie of the catalogue: a movie nobody has rated before the cut-off is still a candidate,
   * as in `npm run evaluate -- --protocol cutoff` (only the cut-off protocol)
   */
  catalogue?: string[];
  /** MARQUEE_MIN_RATINGS: the candidate filter /recommend serves with */
  minItemRatings: number;
  /**
   * the store file whose movies give ease-side its content rows, as the training worker reads
   * them (./ease-side-content.ts): set when an ease-side spec is evaluated
   */
  catalogueStore?: string;
}

/**
 * The protocols whose result may choose everyone's default: each tests every member who has a
 * rating. The cut-off protocol tests only the members who rated after the cut-off (64 of 610 on
 * ml-latest-small, HR@10 ± 0.03 at 95 %), and there item-knn's 0.038 beat ease's 0.034 (`/evaluate
 * ease,item-knn protocol:cutoff`, 2026-12-06) where leave-one-out puts ease far ahead (0.257
 * against 0.167): too few members to choose everyone's list.
 */
const CHOOSES_DEFAULT: readonly EvaluationProtocol[] = ['loo', 'temporal', 'kfold'];
const CUTOFF_KEEPS_DEFAULT =
  'the cut-off protocol tests only the members who rated after the cut-off, too few to choose everyone\'s list, so it leaves the default as it was';

/** the protocols that need every rating's time */
const TIMED: readonly EvaluationProtocol[] = ['temporal', 'cutoff'];

/** How the outcome names a protocol. */
export function protocolLabel(protocol: EvaluationProtocol, folds: number): string {
  switch (protocol) {
    case 'loo':
      return 'leave-one-out';
    case 'temporal':
      return "each member's latest rating held out";
    case 'kfold':
      return `${folds}-fold cross-validation`;
    case 'cutoff':
      return 'every rating after a time cut-off held out (new movies)';
  }
}

/** One algorithm finished (its HR@10 when known). */
export interface EvaluationStep {
  algorithm: string;
  hitRate?: number;
}

export interface EvaluationRun {
  /** one row per algorithm, best HR@10 first */
  rows: EvaluationOutcome['rows'];
  /** the plain-text table of the results */
  table: string;
  chartPng?: Uint8Array;
  /** the report the store keeps (the default algorithm is read from it) */
  report: unknown;
}

export interface EvaluationRunner {
  run(request: EvaluationRequest, onStep: (step: EvaluationStep) => void, signal: AbortSignal): Promise<EvaluationRun>;
}

/** `/evaluate` while another evaluation runs. (Named as its base: the dispatcher shows UserFacingErrors.) */
export class EvaluationBusyError extends UserFacingError {}

/** An /evaluate request the service refuses before anything runs (unknown, repeated, unrankable). */
export class EvaluationRequestError extends UserFacingError {}

const DEFAULT_FOLDS = 5;
/** The chart is evaluated besides the named algorithms, as the floor. */
const FLOOR_RUNS = 1;

export class Evaluations {
  private readonly store: Store;
  private readonly runner: EvaluationRunner | undefined;
  private readonly minItemRatings: number;
  private readonly aborts = new Set<AbortController>();
  /** the evaluation running now: one at a time */
  private running: { startedBy: string; startedAt: number; done: number; total: number } | undefined;

  constructor(store: Store, runner: EvaluationRunner | undefined, minItemRatings: number) {
    this.store = store;
    this.runner = runner;
    this.minItemRatings = minItemRatings;
  }

  /** `algos` empty or undefined: `trained` (the algorithms the bot keeps loaded). */
  async evaluate(
    opts: { algos?: string[]; protocol?: EvaluationProtocol; folds?: number; startedBy?: string },
    trained: readonly string[],
    onProgress: (p: EvaluationProgress) => void,
  ): Promise<EvaluationOutcome> {
    const running = this.running;
    if (running) {
      const pct = running.total > 0 ? Math.floor((100 * running.done) / running.total) : 0;
      throw new EvaluationBusyError(
        `an evaluation is already running (started by ${running.startedBy} ${ago(Date.now() - running.startedAt)}, ${pct}% done); ` +
          'its results will be posted when it finishes, then you can start another',
      );
    }
    const runner = this.runner;
    if (!runner) throw new EvaluationRequestError('evaluation is not available in this bot (it was started without an evaluation runner)');
    const algos = algorithmsToEvaluate(opts.algos && opts.algos.length > 0 ? opts.algos : trained);
    // folds alone mean k-fold
    const protocol = opts.protocol ?? (opts.folds === undefined ? 'loo' : 'kfold');
    if (!(EVALUATION_PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new EvaluationRequestError(`unknown protocol ${String(protocol)}; use one of ${EVALUATION_PROTOCOLS.join(', ')}`);
    }
    if (opts.folds !== undefined && protocol !== 'kfold') {
      throw new EvaluationRequestError(`folds belong to the kfold protocol, not to ${protocol}; leave folds out or choose kfold`);
    }
    const folds = opts.folds ?? DEFAULT_FOLDS;
    const catalogueStore = algos.some(isEaseSide) ? this.catalogueStore(algos) : undefined;
    const columns = trainingColumns(this.store);
    const timed = TIMED.includes(protocol) ? withTimes(trainingTimestamps(this.store), protocol) : undefined;
    const catalogue = protocol === 'cutoff' ? this.store.movies().map((m) => m.movieId) : undefined;
    const n = columns.ratings.length;
    const dataset = `${this.store.datasetInfo()?.name ?? 'ratings'} + members' ratings`;
    const total = algos.filter((a) => a.split(':')[0] !== 'popular').length + FLOOR_RUNS;
    // claimed before the first await: a second request arriving meanwhile is refused
    const mine = { startedBy: opts.startedBy?.trim() || 'an admin', startedAt: Date.now(), done: 0, total };
    this.running = mine;
    const abort = new AbortController();
    this.aborts.add(abort);
    try {
      const before = defaultAlgorithmFrom(this.store.lastEvaluation()?.report);
      onProgress({ done: 0, total, message: `ranking top-10 lists of ${algos.join(', ')} and the popularity chart on ${n} ratings (${protocol})` });
      const run = await runner.run(
        { columns, scale: scaleOf(columns), dataset, algorithms: algos, protocol, folds, minItemRatings: this.minItemRatings, ...(timed ? { timestamps: timed } : {}), ...(catalogue ? { catalogue } : {}), ...(catalogueStore ? { catalogueStore } : {}) },
        (step) => {
          mine.done = Math.min(total, mine.done + 1);
          const hit = step.hitRate === undefined ? '' : `, HR@10 ${step.hitRate.toFixed(4)}`;
          onProgress({ done: mine.done, total, message: `${step.algorithm} done${hit}` });
        },
        abort.signal,
      );
      const decides = CHOOSES_DEFAULT.includes(protocol);
      // the report kept is the one the default and /compare read: a cut-off run is shown, not kept
      if (decides) this.store.saveEvaluation(run.report);
      const after = decides ? defaultAlgorithmFrom(run.report) : { algo: before.algo, why: `${CUTOFF_KEEPS_DEFAULT}; ${before.why}` };
      return { table: run.table, rows: run.rows, chartPng: run.chartPng, dataset, protocol: protocolLabel(protocol, folds), defaultBefore: before.algo, defaultAfter: after.algo, why: after.why };
    } finally {
      this.aborts.delete(abort);
      // held until the report is saved: the next evaluation starts from this one's result
      if (this.running === mine) this.running = undefined;
    }
  }

  /**
   * The store file the evaluation worker reads ease-side's movies from; a refusal for an
   * in-memory store, which no other thread can open.
   */
  private catalogueStore(algos: readonly string[]): string {
    if (this.store.path !== ':memory:') return this.store.path;
    const named = algos.filter(isEaseSide).join(', ');
    throw new EvaluationRequestError(`${named} cannot be evaluated here: its content rows are read from the store file by the evaluation worker, and this bot's store is in memory; evaluate it with npm run evaluate -- --topn --algos ease-side on the dataset`);
  }

  /** Stops a running evaluation (the service is closing). */
  abortAll(): void {
    for (const a of this.aborts) a.abort();
  }
}

/**
 * The canonical, distinct registry specs of an /evaluate request; a UserFacingError naming the
 * problem for an unknown name, a repeat ("svd,svd", "svd,SVD") or a content algorithm.
 */
export function algorithmsToEvaluate(names: readonly string[]): string[] {
  const given = names.map((a) => a.trim()).filter(Boolean);
  if (given.length === 0) throw new EvaluationRequestError('no algorithm to evaluate; name some, e.g. svd,knn-item,baseline');
  const specs: string[] = [];
  const content: string[] = [];
  for (const name of given) {
    let spec: string;
    try {
      spec = canonicalSpec(name);
    } catch (err) {
      throw new EvaluationRequestError((err as Error).message);
    }
    if (isContentAlgo(spec)) content.push(name);
    else if (specs.includes(spec)) {
      throw new EvaluationRequestError(`${name} is named twice (as ${spec}); name each algorithm once, e.g. svd,knn-item,baseline`);
    } else specs.push(spec);
  }
  if (content.length > 0) {
    throw new EvaluationRequestError(`${content.join(', ')} cannot be evaluated here (the yardstick ranks registry models); evaluate registry algorithms such as ease, item-knn, svd`);
  }
  if (specs.some(isAlsImport)) {
    // the yardstick holds ratings out and refits; Spark's factors were trained on them all
    throw new EvaluationRequestError('als-import cannot be evaluated here: its factors were trained by Spark on every rating, so the held-out ones would leak into the score; evaluate the Spark run where it trains');
  }
  return specs;
}

/** The times, or a refusal naming the cause when some rating has none (a dataset format without times). */
function withTimes(times: Float64Array, protocol: EvaluationProtocol): Float64Array {
  let missing = 0;
  for (let k = 0; k < times.length; k++) if (Number.isNaN(times[k])) missing++;
  if (missing > 0) {
    throw new EvaluationRequestError(
      `the ${protocol} protocol splits ratings by time, and ${missing} of ${times.length} ratings have none (the dataset's files carry no rating times); use loo or kfold`,
    );
  }
  return times;
}

/** "just now", "3 min ago", "2 h ago" */
function ago(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return 'just now';
  if (min < 120) return `${min} min ago`;
  return `${Math.floor(min / 60)} h ago`;
}
