/**
 * NMF: Surprise's non-negative matrix factorisation (Luo et al.'s regularised multiplicative
 * updates), unbiased by default.
 *
 *   r̂_ui = q_i·p_u                     (biased = false, the default)
 *   r̂_ui = μ + b_u + b_i + q_i·p_u      (biased = true)
 *
 * Init: p then q uniform in [init_low, init_high); biases 0. Per epoch, in all_ratings() order:
 * est = [μ + b_u + b_i] + q_i·p_u; when biased, b_u and b_i move by SGD at once; the rating adds
 * q_i r and q_i est to the user's numerator/denominator and p_u r, p_u est to the item's. Then
 * every non-zero p_uf *= num / (den + |I_u| reg_pu p_uf), then every non-zero
 * q_if *= num / (den + |U_i| reg_qi q_if), the item sums having used the old p.
 *
 * The loop runs in the SIMD WebAssembly kernel (kernels/nmf-epoch.ts has the rule and the
 * TypeScript reference that gives the same bits).
 *
 * Unbiased: an unknown user or item is impossible (→ μ). Biased: as SVD.
 */
import {
  ParamError,
  requireRatings,
  defineParams,
  resolveParams,
  type AlgorithmDescriptor,
  type Estimate,
  type ModelState,
  type ParamsOf,
} from '../algorithm.ts';
import { LearnedAlgorithm } from './learned.ts';
import { foldInNmf, type FoldedFactors } from '../fold-in.ts';
import { nmfFit } from '../kernels/nmf-epoch.ts';
import type { KernelChoice, KernelUsed } from '../kernels/svd-sgd.ts';
import { Rng } from '../rng.ts';
import { stateArray } from '../snapshot.ts';
import type { Profile, Trainset } from '../trainset.ts';
import { dot } from '../vector.ts';

export const nmfParams = defineParams({
  n_factors: { type: 'int', default: 15, min: 1, doc: 'number of latent factors' },
  n_epochs: { type: 'int', default: 50, min: 0, doc: 'passes over the training ratings' },
  biased: { type: 'bool', default: false, doc: 'use the baselines μ + b_u + b_i' },
  reg_pu: { type: 'float', default: 0.06, min: 0, doc: 'regularisation of the user factors' },
  reg_qi: { type: 'float', default: 0.06, min: 0, doc: 'regularisation of the item factors' },
  reg_bu: { type: 'float', default: 0.02, min: 0, doc: 'regularisation of b_u (biased only)' },
  reg_bi: { type: 'float', default: 0.02, min: 0, doc: 'regularisation of b_i (biased only)' },
  lr_bu: { type: 'float', default: 0.005, min: 0, exclusiveMin: true, doc: 'learning rate of b_u (biased only)' },
  lr_bi: { type: 'float', default: 0.005, min: 0, exclusiveMin: true, doc: 'learning rate of b_i (biased only)' },
  init_low: { type: 'float', default: 0, min: 0, doc: 'lower bound of the uniform initialisation (≥ 0)' },
  init_high: { type: 'float', default: 1, min: 0, doc: 'upper bound of the uniform initialisation' },
  random_state: { type: 'seed', default: 0, doc: 'seed of the initialisation' },
});

export type NmfParams = ParamsOf<typeof nmfParams>;

export interface NmfFactors {
  p: Float64Array;
  q: Float64Array;
  bu: Float64Array;
  bi: Float64Array;
}

export class Nmf extends LearnedAlgorithm<NmfFactors, FoldedFactors, NmfParams> {
  readonly name = 'nmf';
  /** which implementation ran the last fit (for benchmarks and tests) */
  lastKernel: KernelUsed | undefined;

  constructor(
    params: NmfParams,
    private readonly kernel: KernelChoice = 'auto',
  ) {
    super(params);
    if (params.init_high < params.init_low) {
      throw new ParamError(
        `nmf: parameter init_high (${params.init_high}) must be at least init_low (${params.init_low})`,
      );
    }
  }

  private get f(): number {
    return this.params.n_factors;
  }

  private get biased(): boolean {
    return this.params.biased;
  }

  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    const f = this.f;
    const pr = this.params;
    const rng = new Rng(pr.random_state);
    const m: NmfFactors = {
      p: new Float64Array(ts.nUsers * f),
      q: new Float64Array(ts.nItems * f),
      bu: new Float64Array(ts.nUsers),
      bi: new Float64Array(ts.nItems),
    };
    for (let k = 0; k < m.p.length; k++) m.p[k] = rng.uniform(pr.init_low, pr.init_high);
    for (let k = 0; k < m.q.length; k++) m.q[k] = rng.uniform(pr.init_low, pr.init_high);
    this.sgd(ts, m);
    this.install(ts, m);
    return this;
  }

  private sgd(ts: Trainset, m: NmfFactors): void {
    const pr = this.params;
    const itemDeg = new Int32Array(ts.nItems);
    for (let i = 0; i < ts.nItems; i++) itemDeg[i] = ts.itemDegree(i);
    this.lastKernel = nmfFit(
      {
        nUsers: ts.nUsers,
        nItems: ts.nItems,
        indptr: ts.byUser.indptr,
        items: ts.byUser.indices,
        ratings: ts.byUser.values,
        itemDeg,
        nFactors: this.f,
        ...m,
      },
      {
        nEpochs: pr.n_epochs,
        mu: this.biased ? ts.globalMean : 0,
        biased: this.biased,
        lrBu: pr.lr_bu,
        lrBi: pr.lr_bi,
        regBu: pr.reg_bu,
        regBi: pr.reg_bi,
        regPu: pr.reg_pu,
        regQi: pr.reg_qi,
      },
      this.kernel,
    );
  }

  /** The learned parameters (read-only use: tests and diagnostics). */
  factors(): Readonly<NmfFactors> {
    return this.m;
  }

  estimate(u: number, i: number): Estimate {
    const ts = this.trainset;
    const ku = u >= 0 && u < ts.nUsers;
    return this.combine(ku, ku ? this.m.bu[u] : 0, this.m.p, u * this.f, i >= 0 && i < ts.nItems ? i : -1);
  }

  private combine(ku: boolean, bu: number, pu: Float64Array, po: number, i: number): Estimate {
    const m = this.m;
    const ki = i >= 0;
    if (this.biased) {
      let est = this.trainset.globalMean;
      if (ku) est += bu;
      if (ki) est += m.bi[i];
      if (ku && ki) est += dot(m.q, i * this.f, pu, po, this.f);
      return { value: est };
    }
    if (ku && ki) return { value: dot(m.q, i * this.f, pu, po, this.f) };
    return { impossible: 'User and item are unknown.' };
  }

  estimateFor(p: Profile, i: number): Estimate {
    if (p.user !== undefined) return this.estimate(p.user, i);
    const fu = this.folded(p);
    return this.combine(fu.known, fu.bu, fu.pu, 0, i >= 0 && i < this.trainset.nItems ? i : -1);
  }

  scoreAll(p: Profile, out: Float64Array): void {
    const ts = this.trainset;
    const m = this.m;
    const f = this.f;
    let known = false;
    let bu = 0;
    let pu = m.p;
    let po = 0;
    if (p.user !== undefined) {
      if (p.user >= 0 && p.user < ts.nUsers) {
        known = true;
        bu = m.bu[p.user];
        po = p.user * f;
      }
    } else {
      const fu = this.folded(p);
      known = fu.known;
      bu = fu.bu;
      pu = fu.pu;
    }
    const n = ts.nItems;
    if (this.biased) {
      const base = ts.globalMean + (known ? bu : 0);
      for (let i = 0; i < n; i++) out[i] = known ? base + m.bi[i] + dot(m.q, i * f, pu, po, f) : base + m.bi[i];
    } else if (known) {
      for (let i = 0; i < n; i++) out[i] = dot(m.q, i * f, pu, po, f);
    } else {
      out.fill(NaN, 0, n);
    }
  }

  private folded(p: Profile): FoldedFactors {
    return this.folds.get(p, (prof) => {
      const pr = this.params;
      return foldInNmf(prof, {
        nFactors: this.f,
        q: this.m.q,
        bi: this.m.bi,
        mu: this.biased ? this.trainset.globalMean : 0,
        biased: this.biased,
        nEpochs: pr.n_epochs,
        lrBu: pr.lr_bu,
        regBu: pr.reg_bu,
        regPu: pr.reg_pu,
        initLow: pr.init_low,
        initHigh: pr.init_high,
      });
    });
  }

  state(): ModelState {
    const m = this.m;
    return { p: m.p, q: m.q, bu: m.bu, bi: m.bi };
  }

  restore(ts: Trainset, state: ModelState): void {
    const f = this.f;
    this.install(ts, {
      p: stateArray(this.name, state, 'p', Float64Array, ts.nUsers * f),
      q: stateArray(this.name, state, 'q', Float64Array, ts.nItems * f),
      bu: stateArray(this.name, state, 'bu', Float64Array, ts.nUsers),
      bi: stateArray(this.name, state, 'bi', Float64Array, ts.nItems),
    });
  }
}

export const nmfDescriptor: AlgorithmDescriptor<Nmf> = {
  name: 'nmf',
  surpriseName: 'NMF',
  description: 'Non-negative matrix factorisation by regularised multiplicative updates',
  params: nmfParams,
  create(given: Record<string, unknown> = {}): Nmf {
    return new Nmf(resolveParams('nmf', nmfParams, given));
  },
};
