/**
 * BaselineOnly, Surprise's r̂ = μ + b_u + b_i with the biases of the shared baseline estimator
 * (ALS by default, or SGD). An unknown user or item contributes a bias of 0, so it is never
 * impossible. A live member's b_u is folded in from their current ratings (see baselines.ts).
 */
import {
  Algorithm,
  ParamError,
  requireRatings,
  resolveParams,
  type AlgorithmDescriptor,
  type Estimate,
  type ModelState,
} from '../algorithm.ts';
import {
  applyMethodDefaults,
  BASELINE_PARAM_SPECS,
  baselineOptionsFrom,
  computeBaselines,
  foldInUserBias,
  type BaselineOptions,
  type BaselineParams,
} from '../baselines.ts';
import type { Profile, Trainset } from '../trainset.ts';

export function resolveBaselineParams(given: Record<string, unknown> = {}): BaselineParams {
  return applyMethodDefaults(resolveParams('baseline', BASELINE_PARAM_SPECS, given), given);
}

export class BaselineOnly extends Algorithm<BaselineParams> {
  readonly name = 'baseline';
  private readonly opts: BaselineOptions;
  private bu: Float64Array | undefined;
  private bi: Float64Array | undefined;

  constructor(params: BaselineParams = resolveBaselineParams()) {
    super(params);
    this.opts = baselineOptionsFrom(params);
  }

  /** The learned biases. */
  get biases(): { bu: Float64Array; bi: Float64Array } {
    void this.trainset;
    return { bu: this.bu as Float64Array, bi: this.bi as Float64Array };
  }

  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    const b = computeBaselines(ts, this.opts);
    this.bu = b.bu;
    this.bi = b.bi;
    this.ts = ts;
    return this;
  }

  estimate(u: number, i: number): Estimate {
    const ts = this.trainset;
    let est = ts.globalMean;
    if (u >= 0 && u < ts.nUsers) est += (this.bu as Float64Array)[u];
    if (i >= 0 && i < ts.nItems) est += (this.bi as Float64Array)[i];
    return { value: est };
  }

  estimateFor(p: Profile, i: number): Estimate {
    if (p.user !== undefined) return this.estimate(p.user, i);
    const ts = this.trainset;
    let est = ts.globalMean + this.memberBias(p);
    if (i >= 0 && i < ts.nItems) est += (this.bi as Float64Array)[i];
    return { value: est };
  }

  scoreAll(p: Profile, out: Float64Array): void {
    const ts = this.trainset;
    const bi = this.bi as Float64Array;
    const b = p.user !== undefined ? (this.bu as Float64Array)[p.user] : this.memberBias(p);
    const base = ts.globalMean + b;
    for (let i = 0; i < ts.nItems; i++) out[i] = base + bi[i];
  }

  /** b_u of a member from their current ratings, item biases fixed. */
  memberBias(p: Profile): number {
    return foldInUserBias(p.items, p.ratings, this.bi as Float64Array, this.trainset.globalMean, this.opts);
  }

  state(): ModelState {
    const ts = this.trainset;
    return {
      algorithm: this.name,
      n_users: ts.nUsers,
      n_items: ts.nItems,
      bu: this.bu as Float64Array,
      bi: this.bi as Float64Array,
    };
  }

  restore(ts: Trainset, state: ModelState): void {
    const who = `${this.name}: cannot restore state`;
    if (state.algorithm !== this.name) throw new ParamError(`${who} saved by "${String(state.algorithm)}"`);
    const bu = state.bu;
    const bi = state.bi;
    if (!(bu instanceof Float64Array || bu instanceof Float32Array) || bu.length !== ts.nUsers) {
      throw new ParamError(`${who}: "bu" must be an array of ${ts.nUsers} numbers (one per user)`);
    }
    if (!(bi instanceof Float64Array || bi instanceof Float32Array) || bi.length !== ts.nItems) {
      throw new ParamError(`${who}: "bi" must be an array of ${ts.nItems} numbers (one per item)`);
    }
    this.bu = bu instanceof Float64Array ? bu : Float64Array.from(bu);
    this.bi = bi instanceof Float64Array ? bi : Float64Array.from(bi);
    this.ts = ts;
  }
}

export const baselineDescriptor: AlgorithmDescriptor<BaselineOnly> = {
  name: 'baseline',
  surpriseName: 'BaselineOnly',
  description:
    'Global mean plus user and item biases (μ + b_u + b_i), learned by ALS (default) or SGD. ' +
    'bsl_options flattened: method, n_epochs (10 for als, 20 for sgd), reg_i, reg_u (als), reg, learning_rate (sgd).',
  params: BASELINE_PARAM_SPECS,
  create: (given) => new BaselineOnly(resolveBaselineParams(given)),
};
