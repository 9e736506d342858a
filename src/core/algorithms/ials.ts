/**
 * iALS: implicit-feedback matrix factorisation by alternating least squares (Hu, Koren,
 * Volinsky, "Collaborative Filtering for Implicit Feedback Datasets", ICDM 2008; settings after
 * Rendle et al., "Revisiting the Performance of iALS on Item Recommendation Benchmarks", RecSys
 * 2022). Every (user, item) pair counts, with preference p = 1 when rated and 0 otherwise and
 * confidence c = 1 + α when rated, 1 otherwise:
 *
 *   min Σ_ui c_ui (p_ui − x_u·y_i)² + λ (Σ‖x_u‖² + Σ‖y_i‖²).
 *
 * With the items fixed, user u's optimum solves (YᵀY + Σ_{i∈I_u} α y_i y_iᵀ + λI) x_u =
 * (1 + α) Σ_{i∈I_u} y_i: YᵀY is shared, so a user costs only their own ratings (and items
 * likewise with the users fixed). Each half-step runs `cg_steps` conjugate-gradient steps warm-
 * started from the previous vector (Takács, Pilászy, Tikk, RecSys 2011); cg_steps = 0 solves
 * exactly by Cholesky. An epoch solves the items, then the users, so the trained users are solved
 * against the final items, which is what the fold-in does for a live member: one exact solve with
 * the items fixed. The score of a movie is x_u·y_i (a ranking, not a rating).
 *
 * Explanation (Hu et al. §5): with W = (YᵀC_uY + λI)⁻¹, x_u·y_i = Σ_{j∈I_u} c_uj (y_iᵀ W y_j),
 * so rated movie j contributes c_uj·y_iᵀWy_j to the score of i, exactly.
 *
 * Hand-written loops: the per-row conjugate gradient and the f × f Cholesky are small dense
 * kernels on typed arrays; ml-matrix would allocate a Matrix per user and step.
 *
 * Cost per epoch: (n_users + n_items)·(cg_steps + 1)·f² + 2·nnz·f·(cg_steps + 1) multiply-adds;
 * a live member: |I_u|·f²/2 + f³/3 (one exact solve) + n_items·f for the scores. Measured
 * (`npx tsx bench/rank-algos.ts <data> ials…`, CPU seconds on this shared 2-core machine, whose
 * wall clock ran 5–10× longer under other jobs): ml-latest-small, f = 64, 10 epochs: fit 9.6–17.6 s,
 * a live member folded in and ranked in 1.2–2.2 ms.
 *
 * Defaults by leave-one-out HR@10 on ml-latest-small (f = 64, 10 epochs): α 2, λ 5 → 0.2377;
 * α 2, λ 1 → 0.2328; α 5, λ 1 → 0.2246; α 10, λ 10 → 0.2066; α 20, λ 1 → 0.1803 (15 epochs,
 * α 10, λ 1: 0.2049). ml-100k, α 5, λ 1: 0.2651.
 *
 * Size and solver (α 2, λ 5, 10 epochs; the yardstick's HR@10 with the bot's ≥ 5 ratings filter,
 * and the fit alone on a quiet machine): f 64 with 3 CG steps 0.2361, fit 18.3 s; f 64, 2 steps
 * 0.2328, 8.1 s; f 48, 3 steps 0.2279, 5.6 s; f 48, 2 steps 0.2311, 5.0 s; 6 epochs 0.2279, 6.2 s.
 * The defaults are f 48 with 2 steps: within one interval (±0.034) of the best for a quarter of the
 * time, which keeps the fit under 10 s.
 */
import {
  requireRatings,
  resolveParams,
  type AlgorithmDescriptor,
  type Estimate,
  type ModelState,
  defineParams,
  type ParamsOf,
} from '../algorithm.ts';
import { LearnedAlgorithm } from './learned.ts';
import { dotF32, ItemDotScorer, type KernelChoice } from '../kernels/svd-sgd.ts';
import { choleskyFactor, choleskySolve, choleskySubstitute, gram } from '../kernels/normal-equations.ts';
import { Rng } from '../rng.ts';
import { stateArray } from '../snapshot.ts';
import type { Csr, Profile, Trainset } from '../trainset.ts';
import { distinctItems, topContributions, type Contribution } from './implicit.ts';

export const ialsParams = defineParams({
  n_factors: { type: 'int', default: 48, min: 1, max: 1024, doc: 'number of latent factors' },
  n_epochs: { type: 'int', default: 10, min: 1, doc: 'alternating passes (items, then users)' },
  reg: { type: 'float', default: 5, min: 0, exclusiveMin: true, doc: 'L2 regularisation λ of user and item factors' },
  alpha: { type: 'float', default: 2, min: 0, doc: 'confidence of a rated movie is 1 + alpha' },
  cg_steps: { type: 'int', default: 2, min: 0, max: 100, doc: 'conjugate-gradient steps per vector and half-step; 0 = exact solve' },
  init_std_dev: { type: 'float', default: 0.01, min: 0, doc: 'standard deviation of the random initialisation' },
  random_state: { type: 'seed', default: 0, doc: 'seed of the initialisation' },
});

export type IalsParams = ParamsOf<typeof ialsParams>;

interface IalsModel {
  /** user factors, nUsers × f */
  x: Float32Array;
  /** item factors, nItems × f */
  y: Float32Array;
  /** YᵀY (f × f), for fold-in */
  yty: Float64Array;
}

interface Folded {
  known: boolean;
  xu: Float32Array;
}

/** A profile's normal equations, factored: what its fold-in and every explain of it solve against. */
interface FactoredSystem {
  profile: Profile;
  /** the profile's distinct known movies */
  items: Int32Array;
  /** b = (1 + α) Σ y_j, not yet solved */
  b: Float64Array;
  /** Cholesky factor of A = YᵀY + α Σ y_j y_jᵀ + λI */
  l: Float64Array;
}

interface HalfStep {
  f: number;
  reg: number;
  alpha: number;
  cgSteps: number;
}

export class Ials extends LearnedAlgorithm<IalsModel, Folded, IalsParams> {
  readonly name = 'ials';
  private scorer: ItemDotScorer | undefined;
  /**
   * The last profile's factored system. /recommend folds a member in and then explains each of
   * its ten picks from the same system; refactoring it per pick was 4.3 ms of a list's ~6 ms at
   * ml-latest-small (f 48, 30 ratings; bench/recommend-algos.ts with MARQUEE_BENCH_PROFILE, loaded
   * machine). One slot: an f × f factor per member kept for every member would grow with them.
   */
  private lastSystem: FactoredSystem | undefined;

  constructor(
    params: IalsParams,
    private readonly kernel: KernelChoice = 'auto',
  ) {
    super(params);
  }

  private get f(): number {
    return this.params.n_factors;
  }

  private get step(): HalfStep {
    const pr = this.params;
    return { f: this.f, reg: pr.reg, alpha: pr.alpha, cgSteps: pr.cg_steps };
  }

  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    const pr = this.params;
    const f = this.f;
    const rng = new Rng(pr.random_state);
    const x = new Float32Array(ts.nUsers * f);
    const y = new Float32Array(ts.nItems * f);
    rng.fillNormal(x, 0, pr.init_std_dev);
    rng.fillNormal(y, 0, pr.init_std_dev);
    const hs = this.step;
    for (let epoch = 0; epoch < pr.n_epochs; epoch++) {
      halfStep(ts.byItem, ts.nItems, y, x, ts.nUsers, hs);
      halfStep(ts.byUser, ts.nUsers, x, y, ts.nItems, hs);
    }
    this.install(ts, { x, y, yty: gram(y, ts.nItems, f) });
    return this;
  }

  protected override install(ts: Trainset, m: IalsModel): void {
    this.scorer = undefined;
    this.lastSystem = undefined;
    super.install(ts, m);
  }

  estimate(u: number, i: number): Estimate {
    const ts = this.trainset;
    if (u < 0 || u >= ts.nUsers) return { impossible: 'User is unknown.' };
    if (i < 0 || i >= ts.nItems) return { impossible: 'Item is unknown.' };
    return { value: dotF32(this.m.x, u * this.f, this.m.y, i * this.f, this.f) };
  }

  estimateFor(p: Profile, i: number): Estimate {
    if (p.user !== undefined) return this.estimate(p.user, i);
    const ts = this.trainset;
    if (i < 0 || i >= ts.nItems) return { impossible: 'Item is unknown.' };
    const fu = this.folded(p);
    if (!fu.known) return { impossible: 'Member has no rated movie the model knows.' };
    return { value: dotF32(fu.xu, 0, this.m.y, i * this.f, this.f) };
  }

  scoreAll(p: Profile, out: Float64Array): void {
    const ts = this.trainset;
    let xu: Float32Array;
    let at = 0;
    if (p.user !== undefined && p.user >= 0 && p.user < ts.nUsers) {
      xu = this.m.x;
      at = p.user * this.f;
    } else {
      const fu = p.user === undefined ? this.folded(p) : { known: false, xu: new Float32Array(0) };
      if (!fu.known) {
        out.fill(NaN, 0, ts.nItems);
        return;
      }
      xu = fu.xu;
    }
    this.scorer ??= new ItemDotScorer(this.m.y, ts.nItems, this.f, this.kernel);
    this.scorer.scoreInto(xu, at, out);
  }

  /** The member's factors solved exactly with the items fixed (what the fit's user step solves). */
  foldIn(p: Profile): Float32Array | undefined {
    const fu = this.folded(p);
    return fu.known ? fu.xu : undefined;
  }

  private folded(p: Profile): Folded {
    return this.folds.get(p, (prof) => {
      const sys = this.factored(prof);
      if (!sys) return { known: false, xu: new Float32Array(0) };
      const b = Float64Array.from(sys.b);
      choleskySubstitute(sys.l, b, this.f);
      return { known: true, xu: Float32Array.from(b) };
    });
  }

  /** The profile's system, factored (kept for the last profile asked); undefined without known movies. */
  private factored(p: Profile): FactoredSystem | undefined {
    if (this.lastSystem?.profile === p) return this.lastSystem;
    const items = distinctItems(p, this.trainset.nItems);
    if (items.length === 0) return undefined;
    const { a, b } = this.system(items);
    choleskyFactor(a, this.f);
    this.lastSystem = { profile: p, items, b, l: a };
    return this.lastSystem;
  }

  /** A = YᵀY + α Σ y_j y_jᵀ + λI and b = (1 + α) Σ y_j over the member's movies. */
  private system(items: Int32Array): { a: Float64Array; b: Float64Array } {
    const f = this.f;
    const { y, yty } = this.m;
    const { reg, alpha } = this.step;
    const a = Float64Array.from(yty);
    const b = new Float64Array(f);
    for (const j of items) {
      const o = j * f;
      for (let r = 0; r < f; r++) {
        const yr = y[o + r];
        b[r] += (1 + alpha) * yr;
        const w = alpha * yr;
        for (let s = 0; s <= r; s++) a[r * f + s] += w * y[o + s];
      }
    }
    for (let r = 0; r < f; r++) a[r * f + r] += reg;
    return { a, b };
  }

  /**
   * The member's rated movies that raise `item`'s score most (positive contributions, largest
   * first); see `contributions`.
   */
  explain(p: Profile, item: number, n = 3): Contribution[] {
    const c = this.contributions(p, item);
    return c ? topContributions(c.items, c.weights, n) : [];
  }

  /**
   * Every rated movie's contribution to `item`'s folded-in score, c_uj · y_iᵀ W y_j with
   * W = (YᵀC_uY + λI)⁻¹ (Hu et al. 2008 §5); they sum to that score. Undefined when the item is
   * unknown or the member has no known movie.
   */
  contributions(p: Profile, item: number): { items: Int32Array; weights: Float64Array } | undefined {
    const ts = this.trainset;
    if (item < 0 || item >= ts.nItems) return undefined;
    const sys = this.factored(p);
    if (!sys) return undefined;
    const { items, l } = sys;
    const f = this.f;
    const { y } = this.m;
    const w = Float64Array.from(y.subarray(item * f, item * f + f));
    choleskySubstitute(l, w, f);
    const c = 1 + this.step.alpha;
    const weights = Float64Array.from(items, (j) => {
      let s = 0;
      for (let r = 0; r < f; r++) s += w[r] * y[j * f + r];
      return c * s;
    });
    return { items, weights };
  }

  state(): ModelState {
    return { x: this.m.x, y: this.m.y };
  }

  restore(ts: Trainset, state: ModelState): void {
    const f = this.f;
    const x = stateArray(this.name, state, 'x', Float32Array, ts.nUsers * f);
    const y = stateArray(this.name, state, 'y', Float32Array, ts.nItems * f);
    this.install(ts, { x, y, yty: gram(y, ts.nItems, f) });
  }
}

/**
 * Solves every row of `solve` (rows of `csr`, columns = rows of `fixed`) with `fixed` held:
 * (FᵀF + α Σ f_j f_jᵀ + λI) v = (1 + α) Σ f_j.
 */
function halfStep(csr: Csr, nRows: number, solve: Float32Array, fixed: Float32Array, nFixed: number, hs: HalfStep): void {
  const { f, reg, alpha, cgSteps } = hs;
  const g = gram(fixed, nFixed, f);
  const { indptr, indices } = csr;
  const a = new Float64Array(f * f);
  const b = new Float64Array(f);
  const v = new Float64Array(f);
  const r = new Float64Array(f);
  const p = new Float64Array(f);
  const ap = new Float64Array(f);
  for (let row = 0; row < nRows; row++) {
    const k0 = indptr[row];
    const k1 = indptr[row + 1];
    const o = row * f;
    b.fill(0);
    for (let k = k0; k < k1; k++) {
      const jo = indices[k] * f;
      for (let t = 0; t < f; t++) b[t] += fixed[jo + t];
    }
    for (let t = 0; t < f; t++) b[t] *= 1 + alpha;
    if (cgSteps === 0) {
      a.set(g);
      for (let k = k0; k < k1; k++) {
        const jo = indices[k] * f;
        for (let t = 0; t < f; t++) {
          const w = alpha * fixed[jo + t];
          for (let s = 0; s <= t; s++) a[t * f + s] += w * fixed[jo + s];
        }
      }
      for (let t = 0; t < f; t++) a[t * f + t] += reg;
      choleskySolve(a, b, f);
      for (let t = 0; t < f; t++) solve[o + t] = b[t];
      continue;
    }
    for (let t = 0; t < f; t++) v[t] = solve[o + t];
    // r = b − A v
    applyA(g, fixed, indices, k0, k1, f, reg, alpha, v, ap);
    let rs = 0;
    for (let t = 0; t < f; t++) {
      r[t] = b[t] - ap[t];
      p[t] = r[t];
      rs += r[t] * r[t];
    }
    for (let step = 0; step < cgSteps && rs > 1e-20; step++) {
      applyA(g, fixed, indices, k0, k1, f, reg, alpha, p, ap);
      let pap = 0;
      for (let t = 0; t < f; t++) pap += p[t] * ap[t];
      const gamma = rs / pap;
      let rsNew = 0;
      for (let t = 0; t < f; t++) {
        v[t] += gamma * p[t];
        r[t] -= gamma * ap[t];
        rsNew += r[t] * r[t];
      }
      const beta = rsNew / rs;
      for (let t = 0; t < f; t++) p[t] = r[t] + beta * p[t];
      rs = rsNew;
    }
    for (let t = 0; t < f; t++) solve[o + t] = v[t];
  }
}

/** out = (G + λI) v + α Σ_{k∈[k0,k1)} (f_k·v) f_k, with G full. */
function applyA(
  g: Float64Array,
  fixed: Float32Array,
  indices: Int32Array,
  k0: number,
  k1: number,
  f: number,
  reg: number,
  alpha: number,
  v: Float64Array,
  out: Float64Array,
): void {
  for (let t = 0; t < f; t++) {
    let s = reg * v[t];
    const go = t * f;
    for (let q = 0; q < f; q++) s += g[go + q] * v[q];
    out[t] = s;
  }
  for (let k = k0; k < k1; k++) {
    const jo = indices[k] * f;
    let d = 0;
    for (let t = 0; t < f; t++) d += fixed[jo + t] * v[t];
    d *= alpha;
    for (let t = 0; t < f; t++) out[t] += d * fixed[jo + t];
  }
}

export const ialsDescriptor: AlgorithmDescriptor<Ials> = {
  name: 'ials',
  kind: 'ranking',
  description: 'iALS (Hu, Koren, Volinsky 2008): implicit-feedback matrix factorisation by alternating least squares; ranks movies, not ratings',
  params: ialsParams,
  create(given: Record<string, unknown> = {}): Ials {
    return new Ials(resolveParams('ials', ialsParams, given));
  },
};
