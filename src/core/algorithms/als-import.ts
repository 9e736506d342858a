/**
 * als-import: serves matrix factors trained elsewhere — by Spark MLlib's ALS on a cluster
 * (spark/train_als.py), or by Marquee's own iALS — without training anything here. The score of a
 * movie is x_u·y_i, as Spark's `ALSModel.transform` computes it (no biases).
 *
 * What it is given (no I/O here: src/data/spark-factors.ts reads the folders): the rank, user and
 * item factor tables keyed by raw ids, and the rule the factors were solved with. `fit(trainset)`
 * maps them onto the trainset's inner ids:
 *
 * - a movie the factors lack (added to the catalogue since the export) has no score (NaN), so this
 *   model never recommends it;
 * - a trained user the factors lack (a member who joined since the export), and every user the
 *   `refold` rule names (members, whose ratings keep moving), is solved again from their current
 *   ratings with the items fixed; a live member (a profile without `user`) is solved at query time.
 *
 * The fold-in is the trainer's own user step, so a user whose ratings did not change is solved
 * back to the factors the trainer wrote (both Spark and iALS solve the users last, against the
 * final items):
 *
 *   Spark, explicit (ALS-WR, Zhou et al. 2008):  (Σ_j y_j y_jᵀ + λ n_u I) x = Σ_j r_j y_j
 *   Spark, implicit (Hu et al. 2008, Spark's extension to |r|): with c1_j = α |r_j|,
 *        (YᵀY + Σ_j c1_j y_j y_jᵀ + λ n⁺_u I) x = Σ_{r_j > 0} (1 + c1_j) y_j
 *   iALS (./ials.ts):  (YᵀY + α Σ_j y_j y_jᵀ + λ I) x = (1 + α) Σ_j y_j, movies counted once
 *
 * n_u counts the member's ratings, n⁺_u those above 0, and YᵀY runs over every item factor the
 * trainer wrote (Spark's `computeYtY`), also those of movies this trainset lacks. These are
 * Spark's `ALS.computeFactors` equations (spark/mllib ALS.scala, 2.x–4.x), with its Cholesky solver.
 *
 * Explanation: x = W b with W = A⁻¹ and b = Σ_j w_j y_j, so x·y_i = Σ_j w_j (y_iᵀ W y_j) and rated
 * movie j contributes w_j · y_iᵀ W y_j to the score of i, exactly (as in iALS, Hu et al. §5).
 *
 * Cost: fit copies (n_users + n_items)·f floats and folds in the users it must (|I_u|·f²/2 + f³/3
 * each) plus YᵀY (n_factor_items·f²/2); a live member costs one such solve plus n_items·f.
 */
import { ParamError, defineParams, requireRatings, resolveParams, type AlgorithmDescriptor, type Estimate, type ModelState, type ParamsOf } from '../algorithm.ts';
import { choleskySolve, gram } from '../kernels/normal-equations.ts';
import { dotF32, ItemDotScorer } from '../kernels/svd-sgd.ts';
import { ModelStateError, stateArray, stateNumber } from '../snapshot.ts';
import type { Profile, Trainset } from '../trainset.ts';
import { topContributions, type Contribution } from './implicit.ts';
import { LearnedAlgorithm } from './learned.ts';

/** The equations the factors were solved with (see the file comment). */
export type AlsWeighting = 'spark' | 'ials';

export interface AlsFoldRule {
  implicit: boolean;
  /** λ, the trainer's regularisation (Spark's regParam, iALS's reg) */
  reg: number;
  /** α, the implicit confidence scale (ignored when explicit) */
  alpha: number;
  weighting: AlsWeighting;
}

/** Factors trained elsewhere, keyed by the trainset's raw ids. */
export interface AlsFactors {
  rank: number;
  userIds: readonly string[];
  /** userIds.length × rank, row-major */
  userFactors: Float32Array;
  itemIds: readonly string[];
  /** itemIds.length × rank, row-major */
  itemFactors: Float32Array;
  fold: AlsFoldRule;
  /**
   * Users solved again from their current ratings at fit even though the factors have them: the
   * service names its members here, whose ratings may have changed since the export.
   */
  refold?: (rawUser: string) => boolean;
}

export const alsImportParams = defineParams({});
export type AlsImportParams = ParamsOf<typeof alsImportParams>;

interface AlsImportModel {
  f: number;
  fold: AlsFoldRule;
  /** nUsers × f; a row of zeros where userKnown is 0 */
  x: Float32Array;
  userKnown: Uint8Array;
  /** nItems × f; a row of zeros where itemKnown is 0 */
  y: Float32Array;
  itemKnown: Uint8Array;
  /** YᵀY over every item factor the trainer wrote (f × f) */
  yty: Float64Array;
}

interface Folded {
  known: boolean;
  xu: Float32Array;
}

/** A member's normal equation: A (lower triangle), b, and the weight of each rating in b. */
interface System {
  a: Float64Array;
  b: Float64Array;
  /** the profile's positions that entered the system, and their weights w_j in b = Σ w_j y_j */
  used: Int32Array;
  weights: Float64Array;
}

const WEIGHTINGS: readonly AlsWeighting[] = ['spark', 'ials'];

export class AlsImport extends LearnedAlgorithm<AlsImportModel, Folded, AlsImportParams> {
  readonly name = 'als-import';
  private scorer: ItemDotScorer | undefined;

  constructor(
    params: AlsImportParams,
    private readonly factors?: AlsFactors,
  ) {
    super(params);
    if (factors) checkFactors(factors);
  }

  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    const src = this.factors;
    if (!src) {
      throw new ParamError(
        'als-import has no factors to serve: it serves the factors a Spark job wrote (spark/train_als.py), named by MARQUEE_ALS_FACTORS',
      );
    }
    const f = src.rank;
    const y = new Float32Array(ts.nItems * f);
    const itemKnown = new Uint8Array(ts.nItems);
    const itemRow = new Map<string, number>();
    src.itemIds.forEach((id, k) => itemRow.set(id, k));
    let shared = 0;
    for (let i = 0; i < ts.nItems; i++) {
      const k = itemRow.get(ts.rawItem(i));
      if (k === undefined) continue;
      y.set(src.itemFactors.subarray(k * f, k * f + f), i * f);
      itemKnown[i] = 1;
      shared++;
    }
    if (ts.nItems > 0 && shared === 0) {
      throw new ParamError('als-import: the factors know none of the trainset\'s movies; were they trained on another dataset?');
    }
    const m: AlsImportModel = {
      f,
      fold: { ...src.fold },
      x: new Float32Array(ts.nUsers * f),
      userKnown: new Uint8Array(ts.nUsers),
      y,
      itemKnown,
      yty: gram(src.itemFactors, src.itemIds.length, f),
    };
    const userRow = new Map<string, number>();
    src.userIds.forEach((id, k) => userRow.set(id, k));
    for (let u = 0; u < ts.nUsers; u++) {
      const raw = ts.rawUser(u);
      const k = userRow.get(raw);
      if (k !== undefined && !src.refold?.(raw)) {
        m.x.set(src.userFactors.subarray(k * f, k * f + f), u * f);
        m.userKnown[u] = 1;
        continue;
      }
      const xu = solve(m, ts.profileOf(u));
      if (xu) {
        m.x.set(xu, u * f);
        m.userKnown[u] = 1;
      }
    }
    this.install(ts, m);
    return this;
  }

  protected override install(ts: Trainset, m: AlsImportModel): void {
    this.scorer = undefined;
    super.install(ts, m);
  }

  /** The rule the served factors were solved with. */
  get foldRule(): AlsFoldRule {
    return { ...this.m.fold };
  }

  estimate(u: number, i: number): Estimate {
    const ts = this.trainset;
    if (u < 0 || u >= ts.nUsers) return { impossible: 'User is unknown.' };
    if (!this.m.userKnown[u]) return { impossible: 'User has no rated movie the factors know.' };
    return this.score(this.m.x, u * this.m.f, i);
  }

  estimateFor(p: Profile, i: number): Estimate {
    if (p.user !== undefined) return this.estimate(p.user, i);
    const fu = this.folded(p);
    if (!fu.known) return { impossible: 'Member has no rated movie the factors know.' };
    return this.score(fu.xu, 0, i);
  }

  private score(xu: Float32Array, at: number, i: number): Estimate {
    const ts = this.trainset;
    if (i < 0 || i >= ts.nItems) return { impossible: 'Item is unknown.' };
    if (!this.m.itemKnown[i]) return { impossible: 'Movie is newer than the imported factors.' };
    const f = this.m.f;
    return { value: dotF32(xu, at, this.m.y, i * f, f) };
  }

  scoreAll(p: Profile, out: Float64Array): void {
    const ts = this.trainset;
    const { f, x, userKnown, y, itemKnown } = this.m;
    let xu: Float32Array;
    let at = 0;
    if (p.user !== undefined) {
      if (p.user < 0 || p.user >= ts.nUsers || !userKnown[p.user]) {
        out.fill(NaN, 0, ts.nItems);
        return;
      }
      xu = x;
      at = p.user * f;
    } else {
      const fu = this.folded(p);
      if (!fu.known) {
        out.fill(NaN, 0, ts.nItems);
        return;
      }
      xu = fu.xu;
    }
    this.scorer ??= new ItemDotScorer(y, ts.nItems, f);
    this.scorer.scoreInto(xu, at, out);
    for (let i = 0; i < ts.nItems; i++) if (!itemKnown[i]) out[i] = NaN;
  }

  /** The member's factors solved with the items fixed (the trainer's own user step). */
  foldIn(p: Profile): Float32Array | undefined {
    const fu = this.folded(p);
    return fu.known ? fu.xu : undefined;
  }

  private folded(p: Profile): Folded {
    return this.folds.get(p, (prof) => {
      const xu = solve(this.m, prof);
      return xu ? { known: true, xu } : { known: false, xu: new Float32Array(0) };
    });
  }

  /** The member's rated movies that raise `item`'s score most (positive contributions, largest first). */
  explain(p: Profile, item: number, n = 3): Contribution[] {
    const c = this.contributions(p, item);
    return c ? topContributions(c.items, c.weights, n) : [];
  }

  /**
   * Every rated movie's contribution to `item`'s folded-in score, w_j · y_iᵀ W y_j (file
   * comment); they sum to that score. Undefined when the item or every rated movie is unknown.
   */
  contributions(p: Profile, item: number): { items: Int32Array; weights: Float64Array } | undefined {
    const ts = this.trainset;
    const { f, y, itemKnown } = this.m;
    if (item < 0 || item >= ts.nItems || !itemKnown[item]) return undefined;
    const sys = system(this.m, p);
    if (!sys) return undefined;
    const w = Float64Array.from(y.subarray(item * f, item * f + f));
    choleskySolve(sys.a, w, f);
    const items = Int32Array.from(sys.used, (k) => p.items[k]);
    const weights = Float64Array.from(sys.used, (k, n) => {
      const j = p.items[k];
      let s = 0;
      for (let r = 0; r < f; r++) s += w[r] * y[j * f + r];
      return sys.weights[n] * s;
    });
    return { items, weights };
  }

  state(): ModelState {
    const { f, fold, x, userKnown, y, itemKnown, yty } = this.m;
    return {
      rank: f,
      implicit: fold.implicit,
      reg: fold.reg,
      alpha: fold.alpha,
      weighting: fold.weighting,
      x,
      userKnown,
      y,
      itemKnown,
      yty,
    };
  }

  restore(ts: Trainset, state: ModelState): void {
    const f = stateNumber(this.name, state, 'rank');
    const { implicit, weighting } = state;
    if (typeof implicit !== 'boolean') throw new ModelStateError(`${this.name}: state "implicit" must be true or false`);
    if (typeof weighting !== 'string' || !(WEIGHTINGS as readonly string[]).includes(weighting)) {
      throw new ModelStateError(`${this.name}: state "weighting" must be one of ${WEIGHTINGS.join(', ')}`);
    }
    const fold: AlsFoldRule = {
      implicit,
      reg: stateNumber(this.name, state, 'reg'),
      alpha: stateNumber(this.name, state, 'alpha'),
      weighting: weighting as AlsWeighting,
    };
    checkRule(f, fold);
    this.install(ts, {
      f,
      fold,
      x: stateArray(this.name, state, 'x', Float32Array, ts.nUsers * f),
      userKnown: stateArray(this.name, state, 'userKnown', Uint8Array, ts.nUsers),
      y: stateArray(this.name, state, 'y', Float32Array, ts.nItems * f),
      itemKnown: stateArray(this.name, state, 'itemKnown', Uint8Array, ts.nItems),
      yty: stateArray(this.name, state, 'yty', Float64Array, f * f),
    });
  }
}

/** The member's factors by one exact solve, or undefined when no rated movie counts. */
function solve(m: AlsImportModel, p: Profile): Float32Array | undefined {
  const sys = system(m, p);
  if (!sys) return undefined;
  choleskySolve(sys.a, sys.b, m.f);
  return Float32Array.from(sys.b);
}

/** The member's normal equation under the trainer's rule (file comment), over known movies. */
function system(m: AlsImportModel, p: Profile): System | undefined {
  const { f, fold, y, itemKnown, yty } = m;
  const a = fold.implicit ? Float64Array.from(yty) : new Float64Array(f * f);
  const b = new Float64Array(f);
  const used: number[] = [];
  const weights: number[] = [];
  const seen = fold.weighting === 'ials' ? new Set<number>() : undefined;
  let counted = 0;
  for (let k = 0; k < p.items.length; k++) {
    const j = p.items[k];
    if (j < 0 || j >= itemKnown.length || !itemKnown[j]) continue;
    const r = p.ratings[k];
    let inA: number; // this rating's weight on y_j y_jᵀ in A
    let inB: number; // and on y_j in b
    if (fold.weighting === 'ials') {
      if (seen!.has(j)) continue; // iALS reads a rating as "watched": a movie counts once
      seen!.add(j);
      inA = fold.alpha;
      inB = 1 + fold.alpha;
      counted = 1; // λ is not scaled
    } else if (fold.implicit) {
      const c1 = fold.alpha * Math.abs(r);
      inA = c1;
      inB = r > 0 ? 1 + c1 : 0;
      if (r > 0) counted++;
    } else {
      inA = 1;
      inB = r;
      counted++;
    }
    const o = j * f;
    for (let t = 0; t < f; t++) {
      const yt = y[o + t];
      b[t] += inB * yt;
      const w = inA * yt;
      for (let s = 0; s <= t; s++) a[t * f + s] += w * y[o + s];
    }
    used.push(k);
    weights.push(inB);
  }
  if (used.length === 0 || counted === 0) return undefined;
  for (let t = 0; t < f; t++) a[t * f + t] += fold.reg * counted;
  return { a, b, used: Int32Array.from(used), weights: Float64Array.from(weights) };
}

function checkRule(rank: number, fold: AlsFoldRule): void {
  if (!Number.isInteger(rank) || rank < 1) throw new ParamError(`als-import: the rank must be a whole number ≥ 1, got ${rank}`);
  if (!(fold.reg > 0) || !Number.isFinite(fold.reg)) throw new ParamError(`als-import: the regularisation must be a number > 0, got ${fold.reg}`);
  if (!(fold.alpha >= 0) || !Number.isFinite(fold.alpha)) throw new ParamError(`als-import: alpha must be a number ≥ 0, got ${fold.alpha}`);
  if (!WEIGHTINGS.includes(fold.weighting)) throw new ParamError(`als-import: the weighting must be one of ${WEIGHTINGS.join(', ')}, got ${String(fold.weighting)}`);
  if (fold.weighting === 'ials' && !fold.implicit) throw new ParamError('als-import: iALS factors are implicit; the rule says explicit');
}

function checkFactors(src: AlsFactors): void {
  checkRule(src.rank, src.fold);
  const f = src.rank;
  if (src.userFactors.length !== src.userIds.length * f) {
    throw new ParamError(`als-import: ${src.userIds.length} user ids need ${src.userIds.length * f} user factors at rank ${f}, got ${src.userFactors.length}`);
  }
  if (src.itemFactors.length !== src.itemIds.length * f) {
    throw new ParamError(`als-import: ${src.itemIds.length} item ids need ${src.itemIds.length * f} item factors at rank ${f}, got ${src.itemFactors.length}`);
  }
}

/** The model serving `factors` (what the registry's descriptor cannot make: it has no factors). */
export function createAlsImport(factors: AlsFactors): AlsImport {
  return new AlsImport({}, factors);
}

export const alsImportDescriptor: AlgorithmDescriptor<AlsImport> = {
  name: 'als-import',
  // explicit ALS factors do estimate ratings, but without biases; both kinds are served as a ranking
  kind: 'ranking',
  description: 'serves ALS factors trained by Spark MLlib (spark/train_als.py) or Marquee\'s iALS, folding in live members',
  params: alsImportParams,
  create(given: Record<string, unknown> = {}): AlsImport {
    // no parameters: the factors' folder says how they were trained
    return new AlsImport(resolveParams('als-import', alsImportParams, given));
  },
};
