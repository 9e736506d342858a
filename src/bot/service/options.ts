/** What a service is started with, and the checks that refuse a bad setting before anything starts. */
import { totalmem } from 'node:os';
import type { PreferenceChartRenderer } from './experiments.ts';
import { ParamError } from '../../core/algorithm.ts';
import { sizeRefusal, type DataCounts } from '../../core/sizing.ts';
import type { Platform, Store } from '../../store/api.ts';
import type { AdminRef } from '../../config.ts';
import type { Trainer } from '../trainer.ts';
import type { ContentPrebuild } from './content-host.ts';
import type { EvaluationRunner } from './evaluation.ts';

/** The subset of pino's logger the service uses. */
export interface ServiceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ServiceOptions {
  store: Store;
  /** algorithm specs trained at start-up and kept loaded (MARQUEE_ALGORITHMS) */
  algorithms: readonly string[];
  /** ratings a member needs before personal recommendations */
  coldStart: number;
  /** retrain after this many rating changes */
  retrainAfter: number;
  /** retrain this often (minutes) when anything changed */
  retrainMinutes: number;
  /**
   * Movies with fewer ratings than this in the trainset are never recommended by the
   * collaborative algorithms (nor in a movie night): a prediction from one or two raters is noise,
   * and with a single rater it is that person's rating (MARQUEE_MIN_RATINGS; default 5).
   * Content and popular picks are not affected.
   */
  minRatings?: number;
  /**
   * At most this many algorithms outside the configured list stay loaded (default 2); asking for
   * another lets go of the one used least recently. Without a bound, members asking for every
   * algorithm would load them all (knn-item and slope-one alone hold ~190 MB each on
   * ml-latest-small).
   */
  maxLazyModels?: number;
  /** the folder of Spark ALS factors als-import serves (MARQUEE_ALS_FACTORS; ./als-factors.ts) */
  alsFactors?: string;
  /**
   * Bytes one model's training may take (default half the machine's memory: the serving process
   * holds the dataset and the loaded models beside the worker). An algorithm whose estimate at
   * the data's size is larger (core/sizing.ts) is refused: at start-up when configured, on the
   * member's request when loaded lazily, with a message naming a better choice.
   */
  modelMemoryBytes?: number;
  /** who may run admin commands; undefined = the console user */
  adminIds?: ReadonlyArray<{ platform: Platform; userId: string }>;
  /** runs /evaluate (src/cli/start.ts builds the real one); without it /evaluate is refused */
  evaluationRunner?: EvaluationRunner;
  /** fits models off the main thread (default: trainInWorker) */
  trainer?: Trainer;
  /** the content model's build started while the dataset was imported (ContentPrebuild.start), taken over */
  contentPrebuild?: ContentPrebuild;
  logger?: ServiceLogger;
  /** the coin of interleaved experiments, uniform in [0, 1) (default Math.random; the simulator seeds it) */
  experimentRandom?: () => number;
  /** draws an experiment's running preference (src/cli/start.ts passes the real one); none: no chart */
  preferenceChart?: PreferenceChartRenderer;
}

/** The default of ServiceOptions.maxLazyModels. */
export const DEFAULT_MAX_LAZY_MODELS = 2;
/** The default of ServiceOptions.minRatings. */
export const DEFAULT_MIN_RATINGS = 5;

/** The options with their defaults, checked; a ParamError names the first bad one. */
export function checkOptions(opts: ServiceOptions): {
  minRatings: number;
  maxLazyModels: number;
  modelMemoryBytes: number;
  admins: readonly AdminRef[] | undefined;
} {
  if (!Number.isInteger(opts.coldStart) || opts.coldStart < 0) {
    throw new ParamError(`coldStart must be a whole number >= 0, got ${String(opts.coldStart)}`);
  }
  if (!Number.isInteger(opts.retrainAfter) || opts.retrainAfter < 1) {
    throw new ParamError(`retrainAfter must be a whole number >= 1, got ${String(opts.retrainAfter)}`);
  }
  if (!(opts.retrainMinutes > 0)) throw new ParamError(`retrainMinutes must be > 0, got ${String(opts.retrainMinutes)}`);
  const minRatings = opts.minRatings ?? DEFAULT_MIN_RATINGS;
  if (!Number.isInteger(minRatings) || minRatings < 0) {
    throw new ParamError(`minRatings must be a whole number >= 0, got ${String(opts.minRatings)}`);
  }
  const maxLazyModels = opts.maxLazyModels ?? DEFAULT_MAX_LAZY_MODELS;
  if (!Number.isInteger(maxLazyModels) || maxLazyModels < 1) {
    throw new ParamError(`maxLazyModels must be a whole number >= 1, got ${String(opts.maxLazyModels)}`);
  }
  const modelMemoryBytes = opts.modelMemoryBytes ?? defaultModelMemoryBytes();
  if (!(modelMemoryBytes > 0) || !Number.isFinite(modelMemoryBytes)) {
    throw new ParamError(`modelMemoryBytes must be a positive number of bytes, got ${String(opts.modelMemoryBytes)}`);
  }
  return { minRatings, maxLazyModels, modelMemoryBytes, admins: opts.adminIds };
}

/** The default of ServiceOptions.modelMemoryBytes: half the machine's memory. */
export function defaultModelMemoryBytes(): number {
  return Math.floor(totalmem() / 2);
}

/**
 * Refuses, before any training, the configured algorithms that cannot train at this size: one
 * ParamError naming each with its need and a better choice.
 */
export function refuseOversized(specs: readonly string[], counts: DataCounts, budgetBytes: number): void {
  const refusals = specs.map((spec) => sizeRefusal(spec, counts, budgetBytes)).filter((r): r is string => r !== undefined);
  if (refusals.length > 0) throw new ParamError(`MARQUEE_ALGORITHMS cannot train at this size: ${refusals.join('; ')}`);
}
