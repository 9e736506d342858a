/**
 * SVD: Surprise's biased matrix factorisation (Funk / Koren), trained by SGD.
 *
 *   r̂_ui = μ + b_u + b_i + q_i·p_u        (biased, the default)
 *   r̂_ui = q_i·p_u                         (biased = false)
 *
 * Init: p (n_users × f) then q (n_items × f) from N(init_mean, init_std_dev), biases 0. Each
 * epoch walks the ratings in all_ratings() order, no shuffling (see kernels/svd-sgd.ts for the
 * update). Factors are float32 so the fit runs in the SIMD WebAssembly kernel; the float32
 * rounding costs no accuracy (test/core/parity-mf.test.ts).
 *
 * Unknown user: b_u and p_u count as 0 (biases only); unknown item likewise. Unbiased: an
 * unknown user or item is impossible (→ μ).
 */
import {
  ParamError,
  requireRatings,
  defineParams,
  resolveParams,
  type AlgorithmDescriptor,
  type Estimate,
  type ModelState,
  type ParamSpec,
  type ParamSpecs,
  type Params,
  type ParamsOf,
} from '../algorithm.ts';
import { LearnedAlgorithm } from './learned.ts';
import { foldInSgd, type SgdFoldModel } from '../fold-in.ts';
import { dotF32, ItemDotScorer, svdSgd, type KernelChoice, type KernelUsed } from '../kernels/svd-sgd.ts';
import { Rng } from '../rng.ts';
import { stateArray } from '../snapshot.ts';
import type { Profile, Trainset } from '../trainset.ts';

/** The per-parameter learning rates and regularisations that default to lr_all / reg_all. */
const PARTS = ['bu', 'bi', 'pu', 'qi'] as const;

type FloatSpec = Extract<ParamSpec, { type: 'float' }>;

/** The names lrRegSpecs declares for the given parts. */
export type LrRegName<Part extends string> = 'lr_all' | 'reg_all' | `lr_${Part}` | `reg_${Part}`;

/** Param specs for lr_all/reg_all and their per-parameter overrides (lr_bu, reg_qi, ...). */
export function lrRegSpecs<const Part extends string>(
  lrAll: number,
  regAll: number,
  parts: readonly Part[],
): Record<LrRegName<Part>, FloatSpec> {
  const specs: Record<string, FloatSpec> = {
    lr_all: { type: 'float', default: lrAll, min: 0, exclusiveMin: true, doc: 'learning rate of every parameter' },
    reg_all: { type: 'float', default: regAll, min: 0, doc: 'regularisation of every parameter' },
  };
  for (const part of parts) {
    specs[`lr_${part}`] = { type: 'float', default: lrAll, min: 0, exclusiveMin: true, doc: `learning rate of ${part} (default: lr_all)` };
  }
  for (const part of parts) {
    specs[`reg_${part}`] = { type: 'float', default: regAll, min: 0, doc: `regularisation of ${part} (default: reg_all)` };
  }
  return specs as Record<LrRegName<Part>, FloatSpec>;
}

/**
 * resolveParams, then Surprise's rule that lr_x / reg_x not given take lr_all / reg_all. The
 * resolved params carry every value explicitly, so a snapshot recreates the same configuration.
 */
export function resolveLrReg<S extends ParamSpecs>(
  algo: string,
  specs: S,
  given: Record<string, unknown>,
  parts: readonly string[],
): ParamsOf<S> {
  const params: Params = { ...resolveParams(algo, specs, given) };
  for (const part of parts) {
    if (given[`lr_${part}`] === undefined) params[`lr_${part}`] = params.lr_all;
    if (given[`reg_${part}`] === undefined) params[`reg_${part}`] = params.reg_all;
  }
  // same keys and value types as resolved: only numbers were copied between lr/reg keys
  return params as ParamsOf<S>;
}

export const svdParams = defineParams({
  n_factors: { type: 'int', default: 100, min: 1, doc: 'number of latent factors' },
  n_epochs: { type: 'int', default: 20, min: 0, doc: 'SGD passes over the training ratings' },
  biased: { type: 'bool', default: true, doc: 'use the baselines μ + b_u + b_i' },
  init_mean: { type: 'float', default: 0, doc: 'mean of the normal initialisation of the factors' },
  init_std_dev: { type: 'float', default: 0.1, min: 0, doc: 'standard deviation of the initialisation' },
  ...lrRegSpecs(0.005, 0.02, PARTS),
  random_state: { type: 'seed', default: 0, doc: 'seed of the initialisation' },
});

export type SvdParams = ParamsOf<typeof svdParams>;

interface SvdModel {
  p: Float32Array;
  q: Float32Array;
  bu: Float64Array;
  bi: Float64Array;
}

interface FoldedSvd {
  known: boolean;
  bu: number;
  pu: Float32Array;
}

export class Svd extends LearnedAlgorithm<SvdModel, FoldedSvd, SvdParams> {
  readonly name = 'svd';
  /** which implementation ran the last fit (for benchmarks and tests) */
  lastKernel: KernelUsed | undefined;
  private scorer: ItemDotScorer | undefined;

  constructor(
    params: SvdParams,
    private readonly kernel: KernelChoice = 'auto',
  ) {
    super(params);
  }

  private get f(): number {
    return this.params.n_factors;
  }

  private get biased(): boolean {
    return this.params.biased;
  }

  /** the global mean as the model uses it: 0 when unbiased */
  private mu(ts: Trainset): number {
    return this.biased ? ts.globalMean : 0;
  }

  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    const f = this.f;
    const pr = this.params;
    const rng = new Rng(pr.random_state);
    const p = new Float32Array(ts.nUsers * f);
    const q = new Float32Array(ts.nItems * f);
    rng.fillNormal(p, pr.init_mean, pr.init_std_dev);
    rng.fillNormal(q, pr.init_mean, pr.init_std_dev);
    const bu = new Float64Array(ts.nUsers);
    const bi = new Float64Array(ts.nItems);
    this.lastKernel = svdSgd(
      {
        nUsers: ts.nUsers,
        nItems: ts.nItems,
        indptr: ts.byUser.indptr,
        items: ts.byUser.indices,
        ratings: ts.byUser.values,
        nFactors: f,
        p,
        q,
        bu,
        bi,
      },
      {
        nEpochs: pr.n_epochs,
        mu: this.mu(ts),
        biased: this.biased,
        lrBu: pr.lr_bu,
        lrBi: pr.lr_bi,
        lrPu: pr.lr_pu,
        lrQi: pr.lr_qi,
        regBu: pr.reg_bu,
        regBi: pr.reg_bi,
        regPu: pr.reg_pu,
        regQi: pr.reg_qi,
      },
      this.kernel,
    );
    this.install(ts, { p, q, bu, bi });
    return this;
  }

  protected override install(ts: Trainset, m: SvdModel): void {
    this.scorer = undefined;
    super.install(ts, m);
  }

  estimate(u: number, i: number): Estimate {
    const ts = this.trainset;
    const m = this.m;
    const ku = u >= 0 && u < ts.nUsers;
    const ki = i >= 0 && i < ts.nItems;
    return this.combine(ku, ku ? m.bu[u] : 0, m.p, u * this.f, ki ? i : -1);
  }

  /** r̂ from a user's parts (trained or folded) for item i (-1 = unknown). */
  private combine(ku: boolean, bu: number, pu: Float32Array, po: number, i: number): Estimate {
    const m = this.m;
    const ki = i >= 0;
    if (this.biased) {
      let est = this.trainset.globalMean;
      if (ku) est += bu;
      if (ki) est += m.bi[i];
      if (ku && ki) est += dotF32(pu, po, m.q, i * this.f, this.f);
      return { value: est };
    }
    if (ku && ki) return { value: dotF32(pu, po, m.q, i * this.f, this.f) };
    return { impossible: 'User and item are unknown.' };
  }

  estimateFor(p: Profile, i: number): Estimate {
    if (p.user !== undefined) return this.estimate(p.user, i);
    const ts = this.trainset;
    const fu = this.folded(p);
    return this.combine(fu.known, fu.bu, fu.pu, 0, i >= 0 && i < ts.nItems ? i : -1);
  }

  scoreAll(p: Profile, out: Float64Array): void {
    const ts = this.trainset;
    const m = this.m;
    let known: boolean;
    let bu: number;
    let pu: Float32Array;
    let po: number;
    if (p.user !== undefined && p.user >= 0 && p.user < ts.nUsers) {
      known = true;
      bu = m.bu[p.user];
      pu = m.p;
      po = p.user * this.f;
    } else if (p.user !== undefined) {
      known = false;
      bu = 0;
      pu = m.p;
      po = 0;
    } else {
      const fu = this.folded(p);
      known = fu.known;
      bu = fu.bu;
      pu = fu.pu;
      po = 0;
    }
    const n = ts.nItems;
    if (!known) {
      if (this.biased) for (let i = 0; i < n; i++) out[i] = ts.globalMean + m.bi[i];
      else out.fill(NaN, 0, n);
      return;
    }
    this.scoringKernel().scoreInto(pu, po, out);
    if (this.biased) {
      // same association as `combine`: ((μ + b_u) + b_i) + dot
      const base = ts.globalMean + bu;
      for (let i = 0; i < n; i++) out[i] = base + m.bi[i] + out[i];
    }
  }

  override *prepareScoringSteps(itemsPerStep: number): Generator<void, void, undefined> {
    if (!(itemsPerStep >= 1)) throw new ParamError(`svd: itemsPerStep must be at least 1, got ${itemsPerStep}`);
    if (!this.scorer) {
      this.scorer = new ItemDotScorer(this.m.q, this.trainset.nItems, this.f, this.kernel, { copyNow: false });
      yield;
    }
    while (!this.scorer.copyRows(itemsPerStep)) yield;
  }

  override scoringBytes(): number {
    return ItemDotScorer.bytesFor(this.trainset.nItems, this.f);
  }

  /** every item's dot product with a member's factors, built on first use */
  private scoringKernel(): ItemDotScorer {
    this.scorer ??= new ItemDotScorer(this.m.q, this.trainset.nItems, this.f, this.kernel);
    return this.scorer;
  }

  private folded(p: Profile): FoldedSvd {
    return this.folds.get(p, (prof) => {
      const fu = foldInSgd(prof, this.foldModel());
      return { known: fu.known, bu: fu.bu, pu: Float32Array.from(fu.pu) };
    });
  }

  /** The model as the fold-in sees it (items fixed). */
  foldModel(): SgdFoldModel {
    const m = this.m;
    const pr = this.params;
    return {
      nFactors: this.f,
      q: m.q,
      bi: m.bi,
      mu: this.mu(this.trainset),
      biased: this.biased,
      nEpochs: pr.n_epochs,
      lrBu: pr.lr_bu,
      lrPu: pr.lr_pu,
      regBu: pr.reg_bu,
      regPu: pr.reg_pu,
      initMean: pr.init_mean,
    };
  }

  state(): ModelState {
    const m = this.m;
    return { p: m.p, q: m.q, bu: m.bu, bi: m.bi };
  }

  restore(ts: Trainset, state: ModelState): void {
    const f = this.f;
    this.install(ts, {
      p: stateArray(this.name, state, 'p', Float32Array, ts.nUsers * f),
      q: stateArray(this.name, state, 'q', Float32Array, ts.nItems * f),
      bu: stateArray(this.name, state, 'bu', Float64Array, ts.nUsers),
      bi: stateArray(this.name, state, 'bi', Float64Array, ts.nItems),
    });
  }
}

export const svdDescriptor: AlgorithmDescriptor<Svd> = {
  name: 'svd',
  surpriseName: 'SVD',
  description: 'Matrix factorisation (Funk/Koren SVD) trained by SGD: μ + b_u + b_i + q_i·p_u',
  params: svdParams,
  create(given: Record<string, unknown> = {}): Svd {
    return new Svd(resolveLrReg('svd', svdParams, given, PARTS));
  },
};
