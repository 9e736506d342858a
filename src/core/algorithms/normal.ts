/**
 * NormalPredictor, Surprise's random baseline: every estimate is an independent draw from
 * N(μ̂, σ̂²), the maximum-likelihood normal fitted to the training ratings (σ̂ divides by n).
 *
 * Surprise draws from numpy's global generator (`random_state` does not exist there, so its runs
 * differ); here draws come from a seeded `Rng` restarted at every fit and restore, so a model gives
 * the same sequence of predictions after `fit` as after `restore`. Never impossible, even for an
 * unknown user or item (as in Surprise).
 */
import {
  Algorithm,
  ParamError,
  requireRatings,
  defineParams,
  resolveParams,
  type AlgorithmDescriptor,
  type Estimate,
  type ModelState,
  type ParamsOf,
} from '../algorithm.ts';
import { Rng } from '../rng.ts';
import type { Profile, Trainset } from '../trainset.ts';

export const NORMAL_PARAM_SPECS = defineParams({
  random_state: { type: 'seed', default: 0, doc: 'seed of the random draws' },
});

export type NormalParams = ParamsOf<typeof NORMAL_PARAM_SPECS>;

export class NormalPredictor extends Algorithm<NormalParams> {
  readonly name = 'normal';
  private mu = NaN;
  private sigma = NaN;
  private rng: Rng;

  constructor(params: NormalParams = resolveParams('normal', NORMAL_PARAM_SPECS)) {
    super(params);
    this.rng = new Rng(params.random_state);
  }

  /** μ̂ and σ̂ of the fitted normal. */
  get distribution(): { mean: number; std: number } {
    void this.trainset;
    return { mean: this.mu, std: this.sigma };
  }

  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    const mu = ts.globalMean;
    const values = ts.byUser.values;
    let s = 0;
    for (let k = 0; k < values.length; k++) {
      const d = values[k] - mu;
      s += d * d;
    }
    this.mu = mu;
    this.sigma = Math.sqrt(s / values.length);
    this.rng = new Rng(this.params.random_state);
    this.ts = ts;
    return this;
  }

  estimate(_u: number, _i: number): Estimate {
    void this.trainset;
    return { value: this.rng.normal(this.mu, this.sigma) };
  }

  estimateFor(_p: Profile, _i: number): Estimate {
    void this.trainset;
    return { value: this.rng.normal(this.mu, this.sigma) };
  }

  scoreAll(_p: Profile, out: Float64Array): void {
    const n = this.trainset.nItems;
    for (let i = 0; i < n; i++) out[i] = this.rng.normal(this.mu, this.sigma);
  }

  state(): ModelState {
    void this.trainset;
    return { algorithm: this.name, mu: this.mu, sigma: this.sigma };
  }

  restore(ts: Trainset, state: ModelState): void {
    const who = `${this.name}: cannot restore state`;
    if (state.algorithm !== this.name) throw new ParamError(`${who} saved by "${String(state.algorithm)}"`);
    if (typeof state.mu !== 'number' || typeof state.sigma !== 'number' || !(state.sigma >= 0)) {
      throw new ParamError(`${who}: "mu" and "sigma" (≥ 0) must be numbers`);
    }
    this.mu = state.mu;
    this.sigma = state.sigma;
    this.rng = new Rng(this.params.random_state);
    this.ts = ts;
  }
}

export const normalDescriptor: AlgorithmDescriptor<NormalPredictor> = {
  name: 'normal',
  surpriseName: 'NormalPredictor',
  description: 'Random ratings drawn from the normal distribution of the training ratings (a floor to compare against).',
  params: NORMAL_PARAM_SPECS,
  create: (given) => new NormalPredictor(resolveParams('normal', NORMAL_PARAM_SPECS, given)),
};
