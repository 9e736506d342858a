/**
 * The algorithm contract, Surprise's `AlgoBase` in TypeScript.
 *
 * An algorithm is a small class: `fit(trainset)` and `estimate(u, i)` on inner ids, where an
 * estimate may be "impossible" with a reason. The shared `predict` maps raw ids, falls back to the
 * global mean when impossible and clips to the rating scale, exactly as Surprise does.
 *
 * On top of Surprise: `estimateFor(profile, i)` and `scoreAll(profile, out)` answer for a live
 * member from their current ratings (fold-in, no retrain), and `recommend` ranks every item in one
 * pass. Algorithms keep their learned state in `state()` / `restore()` so snapshots are generic.
 */
import type { Profile, Trainset } from './trainset.ts';
import { topN, type Scored } from './topn.ts';

export type Estimate = { value: number; impossible?: undefined } | { impossible: string; value?: undefined };

export interface Prediction {
  user: string;
  item: string;
  /** the true rating when known (evaluation), else NaN */
  rTrue: number;
  /** the final estimate: fallback applied and clipped */
  est: number;
  wasImpossible: boolean;
  reason?: string;
}

/**
 * What a support count counts: the item's training ratings; the member's nearest neighbours
 * (among the k) who rated it; the member's rated movies among the k most similar to it; the
 * member's rated movies that share a rater with it (Slope One's deviations).
 */
export type SupportKind = 'ratings' | 'similar-members' | 'similar-movies' | 'co-rated-movies';

export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

/** One parameter of an algorithm, with Surprise's name and default. */
export type ParamSpec =
  | { type: 'int'; default: number; min?: number; max?: number; doc?: string }
  | { type: 'float'; default: number; min?: number; max?: number; exclusiveMin?: boolean; doc?: string }
  | { type: 'bool'; default: boolean; doc?: string }
  | { type: 'choice'; default: string; choices: readonly string[]; doc?: string }
  | { type: 'seed'; default: number; doc?: string };

export type ParamSpecs = Record<string, ParamSpec>;

/** The value type of one spec: a choice is the union of its choices. Distributes over unions. */
export type ParamValueOf<S extends ParamSpec> = S extends { type: 'bool' }
  ? boolean
  : S extends { type: 'choice'; choices: readonly (infer C extends string)[] }
    ? C
    : number;

/**
 * The typed params object of a spec set: `{ k: number; name: 'cosine' | …; user_based: boolean }`.
 * For the wide `ParamSpecs` type it is `Params`, so untyped callers keep working.
 */
export type ParamsOf<S extends ParamSpecs> = { [K in keyof S]: ParamValueOf<S[K]> };

/**
 * Declares an algorithm's parameter specs once, keeping their literal types so `ParamsOf` can
 * infer the typed params object (the specs are frozen: one owner, never edited at run time).
 */
export function defineParams<const S extends ParamSpecs>(specs: S): S {
  return Object.freeze(specs);
}

export class ParamError extends Error {
  override name = 'ParamError';
}

/** Learned state: plain numbers/strings and typed arrays, so any model can be snapshotted. */
export type ModelState = Record<
  string,
  number | string | boolean | null | Float64Array | Float32Array | Int32Array | Uint8Array
>;

export class NotFittedError extends Error {
  override name = 'NotFittedError';
}

/**
 * Validates user-supplied parameters against specs: unknown names and out-of-range values are
 * refused with the accepted names and values; missing ones take their defaults.
 */
export function resolveParams<S extends ParamSpecs>(
  algo: string,
  specs: S,
  given: Record<string, unknown> = {},
): ParamsOf<S> {
  const out: Params = {};
  for (const key of Object.keys(given)) {
    if (!(key in specs)) {
      const accepted = Object.keys(specs);
      throw new ParamError(
        `${algo} has no parameter "${key}"; accepted: ${accepted.length ? accepted.join(', ') : '(none)'}`,
      );
    }
  }
  for (const [key, spec] of Object.entries(specs)) {
    const raw = given[key];
    if (raw === undefined) {
      out[key] = spec.default;
      continue;
    }
    out[key] = coerce(algo, key, spec, raw);
  }
  // the one cast: every key of specs was set above with a value coerced to its spec's type
  return out as ParamsOf<S>;
}

function coerce(algo: string, key: string, spec: ParamSpec, raw: unknown): ParamValue {
  const where = `${algo}: parameter ${key}`;
  switch (spec.type) {
    case 'bool': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).toLowerCase();
      if (s === 'true' || s === '1' || s === 'yes') return true;
      if (s === 'false' || s === '0' || s === 'no') return false;
      throw new ParamError(`${where} must be true or false, got "${String(raw)}"`);
    }
    case 'choice': {
      const s = String(raw).toLowerCase();
      const hit = spec.choices.find((c) => c.toLowerCase() === s);
      if (hit === undefined) throw new ParamError(`${where} must be one of ${spec.choices.join(', ')}, got "${String(raw)}"`);
      return hit;
    }
    case 'int':
    case 'seed': {
      const v = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (!Number.isInteger(v) || String(raw).trim() === '') throw new ParamError(`${where} must be a whole number, got "${String(raw)}"`);
      if (spec.type === 'int') {
        if (spec.min !== undefined && v < spec.min) throw new ParamError(`${where} must be at least ${spec.min}, got ${v}`);
        if (spec.max !== undefined && v > spec.max) throw new ParamError(`${where} must be at most ${spec.max}, got ${v}`);
      } else if (v < 0 || v > 0xffffffff) {
        throw new ParamError(`${where} (a random seed) must be from 0 to 4294967295, got ${v}`);
      }
      return v;
    }
    case 'float': {
      const v = typeof raw === 'number' ? raw : Number(String(raw).trim());
      if (!Number.isFinite(v) || String(raw).trim() === '') throw new ParamError(`${where} must be a number, got "${String(raw)}"`);
      if (spec.min !== undefined) {
        if (spec.exclusiveMin ? v <= spec.min : v < spec.min) {
          throw new ParamError(`${where} must be ${spec.exclusiveMin ? 'greater than' : 'at least'} ${spec.min}, got ${v}`);
        }
      }
      if (spec.max !== undefined && v > spec.max) throw new ParamError(`${where} must be at most ${spec.max}, got ${v}`);
      return v;
    }
  }
}

/**
 * The base of every algorithm. `P` is its typed params object (`ParamsOf<typeof specs>`), so an
 * algorithm reads `this.params.n_factors` as a number without a cast.
 */
export abstract class Algorithm<P extends Params = Params> {
  /** stable kebab-case name shared by code, CLI and /recommend */
  abstract readonly name: string;
  readonly params: Readonly<P>;
  protected ts: Trainset | undefined;

  protected constructor(params: P) {
    this.params = Object.freeze({ ...params });
  }

  get trainset(): Trainset {
    if (!this.ts) throw new NotFittedError(`${this.name} is not fitted: call fit(trainset) first`);
    return this.ts;
  }

  get fitted(): boolean {
    return this.ts !== undefined;
  }

  /** Learns from the trainset. Throws on an empty trainset. */
  abstract fit(ts: Trainset): this;

  /** Surprise's estimate on inner ids; u or i may be -1 for "unknown". Not clipped. */
  abstract estimate(u: number, i: number): Estimate;

  /**
   * Estimate for a profile (a live member): with `p.user` set the trained user is used; without
   * it the algorithm folds the member in from `p.items`/`p.ratings`. Not clipped.
   */
  abstract estimateFor(p: Profile, i: number): Estimate;

  /**
   * Scores every item for the profile in one pass: out[i] = estimate, NaN where impossible.
   * The fast path behind `recommend`; no anti-testset.
   */
  abstract scoreAll(p: Profile, out: Float64Array): void;

  /**
   * `scoreAll` plus the support of each score: support[i] counts the evidence out[i] rests on, and
   * the returned kind says what was counted, so a reason line can state it ("from 12 ratings" is
   * not "8 similar members rated it"). The ranking path shrinks weakly supported scores (rank.ts).
   * Default: the item's number of training ratings, what a factor model or a baseline learned the
   * item's parameters from. Neighbourhood models count their neighbours instead.
   */
  scoreAllWithSupport(p: Profile, out: Float64Array, support: Float64Array): SupportKind {
    this.scoreAll(p, out);
    const ts = this.trainset;
    for (let i = 0; i < ts.nItems; i++) support[i] = ts.itemDegree(i);
    return 'ratings';
  }

  /**
   * Builds now what scoring a member will build on first use (a model's scoring kernel and its
   * copy of the item factors), so that a service can do it as a step of its own before the first
   * list: at ml-32m shape svd's item-dot kernel (36 MB of padded factors) is 19 ms of CPU that its
   * first list, 103–114 ms inside a retrain's swap, no longer pays. Default: nothing to build.
   */
  prepareScoring(): void {
    for (const _ of this.prepareScoringSteps(Infinity)) continue;
  }

  /**
   * prepareScoring in steps, at most `itemsPerStep` items' worth of work between yields (a
   * service's warm-up runs each in an event-loop turn of its own): at ml-32m shape svd's copy of
   * its factors into the kernel was 40 ms of CPU as one step, with the page faults of 35 MB of
   * fresh memory (bench/scale-serve.ts, load 0.8–1.5). Default: nothing to build.
   */
  *prepareScoringSteps(itemsPerStep: number): Generator<void, void, undefined> {
    void itemsPerStep;
  }

  /** Bytes of new memory prepareScoring allocates (a kernel's copy of the factors); 0 when it builds nothing. */
  scoringBytes(): number {
    return 0;
  }

  /** Learned state for snapshots (typed arrays and scalars). */
  abstract state(): ModelState;

  /** Restores learned state saved by `state()` for the same trainset. */
  abstract restore(ts: Trainset, state: ModelState): void;

  /** Surprise's default prediction when an estimate is impossible: the global mean. */
  defaultPrediction(): number {
    return this.trainset.globalMean;
  }

  /** Surprise's `predict`: raw ids, fallback to the mean when impossible, clipped to the scale. */
  predict(rawUser: string, rawItem: string, rTrue = NaN, clip = true): Prediction {
    const ts = this.trainset;
    const u = ts.innerUser(rawUser) ?? -1;
    const i = ts.innerItem(rawItem) ?? -1;
    return this.finish(rawUser, rawItem, rTrue, this.estimate(u, i), clip);
  }

  /** `predict` for a live member's profile. */
  predictFor(p: Profile, rawItem: string, clip = true): Prediction {
    const i = this.trainset.innerItem(rawItem) ?? -1;
    const e: Estimate = i < 0 ? { impossible: 'Item is unknown.' } : this.estimateFor(p, i);
    return this.finish(p.user !== undefined ? this.trainset.rawUser(p.user) : '(member)', rawItem, NaN, e, clip);
  }

  private finish(user: string, item: string, rTrue: number, e: Estimate, clip: boolean): Prediction {
    let est: number;
    let wasImpossible = false;
    let reason: string | undefined;
    if (e.impossible !== undefined) {
      est = this.defaultPrediction();
      wasImpossible = true;
      reason = e.impossible;
    } else {
      est = e.value;
    }
    if (clip) est = clipTo(est, this.trainset.scale);
    return { user, item, rTrue, est, wasImpossible, reason };
  }

  /**
   * Top-n items for the profile by `scoreAll`, skipping what the profile rated and `exclude`
   * (inner item ids). Impossible items (NaN) are never recommended. Scores are clipped.
   */
  recommend(p: Profile, n: number, opts: { exclude?: Iterable<number> } = {}): Scored[] {
    const ts = this.trainset;
    const scores = new Float64Array(ts.nItems);
    this.scoreAll(p, scores);
    for (let k = 0; k < p.items.length; k++) scores[p.items[k]] = NaN;
    if (opts.exclude) for (const i of opts.exclude) if (i >= 0 && i < scores.length) scores[i] = NaN;
    const [lo, hi] = ts.scale;
    return topN(scores, n).map((s) => ({ item: s.item, score: Math.min(hi, Math.max(lo, s.score)) }));
  }
}

export function clipTo(x: number, scale: readonly [number, number]): number {
  return x < scale[0] ? scale[0] : x > scale[1] ? scale[1] : x;
}

/** Common guard for `fit`. */
export function requireRatings(algo: string, ts: Trainset): void {
  if (ts.nRatings === 0) throw new ParamError(`${algo}: cannot fit on an empty trainset (no ratings)`);
}

/**
 * How the registry knows an algorithm: its name, parameters and constructor. `A` is the class it
 * creates, so `svdDescriptor.create().params` is typed.
 */
export interface AlgorithmDescriptor<A extends Algorithm = Algorithm> {
  name: string;
  /** Surprise's class name, for docs and reports */
  surpriseName?: string;
  description: string;
  /**
   * What its scores are: 'rating' (the default) estimates a member's rating on the scale, so a
   * list of them is shrunk by support before ranking and a member may be told the estimate;
   * 'ranking' scores only order movies (EASE, iALS, implicit item-kNN, PureSVD, the chart) and
   * are never shown as stars. How each kind is served is core/rank.ts's servingOptions.
   */
  kind?: 'rating' | 'ranking';
  params: ParamSpecs;
  /** validates `given` with resolveParams (unknown or out-of-range values throw ParamError) */
  create(given?: Record<string, unknown>): A;
}
