/**
 * SVD++: Surprise's SVDpp, SVD plus implicit feedback from which items a user rated.
 *
 *   r̂_ui = μ + b_u + b_i + q_i·(p_u + |I_u|^(-1/2) Σ_{j∈I_u} y_j)
 *
 * Init: p, q, then y from N(init_mean, init_std_dev); biases 0. SGD in all_ratings() order; per
 * rating the implicit sum uses the current y_j, then b_u, b_i, p_u, q_i move as in SVD and every
 * y_j of the user moves by lr_yj (err q_i(old) / sqrt|I_u| - reg_yj y_j).
 *
 * Surprise applies that last update to all |I_u| vectors on every rating: O(Σ_u |I_u|² f) per
 * epoch, which is why it takes 30 s on ml-100k. Within one user's block of ratings nothing else
 * touches those y_j, and each update is the same affine map for all of them,
 * y_j ← a·y_j + c_k q_i  (a = 1 - lr_yj reg_yj, c_k = lr_yj err_k / sqrt|I_u|), so after k ratings
 * every y_j equals A_k·y_j(start) + D_k with one scalar A_k and one vector D_k shared by the
 * block. `fit` keeps A, D and the implicit sum A·Y + |I_u|·D as it goes and writes the y_j once
 * at the end of the block: the same updates, in the same order, in O(|I_u| f) per user. Only the
 * floating-point rounding differs (tests check it against the literal per-rating loop, which is
 * kept below and still used for a user who rated an item twice, where the shared map breaks).
 *
 * Unknown user: b_u, p_u and the implicit part count as 0; unknown item: b_i, q_i count as 0.
 */
import {
  defineParams,
  requireRatings,
  type AlgorithmDescriptor,
  type Estimate,
  type ModelState,
  type ParamsOf,
} from '../algorithm.ts';
import { LearnedAlgorithm } from './learned.ts';
import { foldInSgd } from '../fold-in.ts';
import { Rng } from '../rng.ts';
import { stateArray } from '../snapshot.ts';
import type { Profile, Trainset } from '../trainset.ts';
import { lrRegSpecs, resolveLrReg } from './svd.ts';
import { dot } from '../vector.ts';

const PARTS = ['bu', 'bi', 'pu', 'qi', 'yj'] as const;

export const svdppParams = defineParams({
  n_factors: { type: 'int', default: 20, min: 1, doc: 'number of latent factors' },
  n_epochs: { type: 'int', default: 20, min: 0, doc: 'SGD passes over the training ratings' },
  init_mean: { type: 'float', default: 0, doc: 'mean of the normal initialisation of the factors' },
  init_std_dev: { type: 'float', default: 0.1, min: 0, doc: 'standard deviation of the initialisation' },
  ...lrRegSpecs(0.007, 0.02, PARTS),
  random_state: { type: 'seed', default: 0, doc: 'seed of the initialisation' },
});

export type SvdppParams = ParamsOf<typeof svdppParams>;

/** Learned parameters, float64 (the fit runs in plain TypeScript). */
export interface SvdppFactors {
  p: Float64Array;
  q: Float64Array;
  y: Float64Array;
  bu: Float64Array;
  bi: Float64Array;
}

interface SvdppOptions {
  f: number;
  nEpochs: number;
  mu: number;
  lrBu: number;
  lrBi: number;
  lrPu: number;
  lrQi: number;
  lrYj: number;
  regBu: number;
  regBi: number;
  regPu: number;
  regQi: number;
  regYj: number;
}

/**
 * Runs the SGD in place. `literal` forces Surprise's per-rating update of every y_j (the
 * reference for tests); otherwise the deferred form is used wherever it is exact.
 */
export function svdppSgd(ts: Trainset, m: SvdppFactors, o: SvdppOptions, literal = false): void {
  const { indptr, indices: items, values: ratings } = ts.byUser;
  const { f, mu, lrBu, lrBi, lrPu, lrQi, lrYj, regBu, regBi, regPu, regQi, regYj } = o;
  const { p, q, y, bu, bi } = m;
  const a = 1 - lrYj * regYj;
  const sumY = new Float64Array(f);
  const shift = new Float64Array(f);
  const imp = new Float64Array(f);
  const repeats = literal ? undefined : usersWithRepeats(ts);
  for (let epoch = 0; epoch < o.nEpochs; epoch++) {
    for (let u = 0; u < ts.nUsers; u++) {
      const start = indptr[u];
      const end = indptr[u + 1];
      const n = end - start;
      if (n === 0) continue;
      const sqrtN = Math.sqrt(n);
      const pu = u * f;
      if (literal || repeats![u]) {
        for (let k = start; k < end; k++) {
          const i = items[k];
          const qi = i * f;
          imp.fill(0);
          for (let kj = start; kj < end; kj++) {
            const yj = items[kj] * f;
            for (let x = 0; x < f; x++) imp[x] += y[yj + x] / sqrtN;
          }
          let dot = 0;
          for (let x = 0; x < f; x++) dot += q[qi + x] * (p[pu + x] + imp[x]);
          const err = ratings[k] - (mu + bu[u] + bi[i] + dot);
          bu[u] += lrBu * (err - regBu * bu[u]);
          bi[i] += lrBi * (err - regBi * bi[i]);
          for (let x = 0; x < f; x++) {
            const puf = p[pu + x];
            const qif = q[qi + x];
            p[pu + x] += lrPu * (err * qif - regPu * puf);
            q[qi + x] += lrQi * (err * (puf + imp[x]) - regQi * qif);
            for (let kj = start; kj < end; kj++) {
              const yj = items[kj] * f + x;
              y[yj] += lrYj * ((err * qif) / sqrtN - regYj * y[yj]);
            }
          }
        }
        continue;
      }
      // deferred form: every y_j of the block is A·y_j(start) + shift
      sumY.fill(0);
      for (let kj = start; kj < end; kj++) {
        const yj = items[kj] * f;
        for (let x = 0; x < f; x++) sumY[x] += y[yj + x];
      }
      shift.fill(0);
      let scale = 1;
      for (let k = start; k < end; k++) {
        const i = items[k];
        const qi = i * f;
        let dot = 0;
        for (let x = 0; x < f; x++) {
          imp[x] = (scale * sumY[x] + n * shift[x]) / sqrtN;
          dot += q[qi + x] * (p[pu + x] + imp[x]);
        }
        const err = ratings[k] - (mu + bu[u] + bi[i] + dot);
        bu[u] += lrBu * (err - regBu * bu[u]);
        bi[i] += lrBi * (err - regBi * bi[i]);
        const c = (lrYj * err) / sqrtN;
        for (let x = 0; x < f; x++) {
          const puf = p[pu + x];
          const qif = q[qi + x];
          p[pu + x] += lrPu * (err * qif - regPu * puf);
          q[qi + x] += lrQi * (err * (puf + imp[x]) - regQi * qif);
          shift[x] = a * shift[x] + c * qif;
        }
        scale *= a;
      }
      for (let kj = start; kj < end; kj++) {
        const yj = items[kj] * f;
        for (let x = 0; x < f; x++) y[yj + x] = scale * y[yj + x] + shift[x];
      }
    }
  }
}

/** Users who rated some item more than once (possible in a raw dataset). */
function usersWithRepeats(ts: Trainset): Uint8Array {
  const { indptr, indices } = ts.byUser;
  const seen = new Int32Array(ts.nItems).fill(-1);
  const out = new Uint8Array(ts.nUsers);
  for (let u = 0; u < ts.nUsers; u++) {
    for (let k = indptr[u]; k < indptr[u + 1]; k++) {
      if (seen[indices[k]] === u) out[u] = 1;
      seen[indices[k]] = u;
    }
  }
  return out;
}

/** |I|^(-1/2) Σ_{j∈I} y_j over a list of items (repeats count, as in Surprise). */
function implicitOf(items: Int32Array, y: Float64Array, f: number, out: Float64Array): Float64Array {
  out.fill(0);
  const n = items.length;
  if (n === 0) return out;
  const sqrtN = Math.sqrt(n);
  for (let k = 0; k < n; k++) {
    const yj = items[k] * f;
    for (let x = 0; x < f; x++) out[x] += y[yj + x] / sqrtN;
  }
  return out;
}

interface FoldedPp {
  known: boolean;
  bu: number;
  /** p_u + implicit feedback */
  z: Float64Array;
}

export class SvdPp extends LearnedAlgorithm<SvdppFactors, FoldedPp, SvdppParams> {
  readonly name = 'svdpp';
  /** per trained user: p_u + |I_u|^(-1/2) Σ y_j, the vector every estimate dots with q_i */
  private z: Float64Array | undefined;

  constructor(params: SvdppParams) {
    super(params);
  }

  private get f(): number {
    return this.params.n_factors;
  }

  private options(ts: Trainset): SvdppOptions {
    const pr = this.params;
    return {
      f: this.f,
      nEpochs: pr.n_epochs,
      mu: ts.globalMean,
      lrBu: pr.lr_bu,
      lrBi: pr.lr_bi,
      lrPu: pr.lr_pu,
      lrQi: pr.lr_qi,
      lrYj: pr.lr_yj,
      regBu: pr.reg_bu,
      regBi: pr.reg_bi,
      regPu: pr.reg_pu,
      regQi: pr.reg_qi,
      regYj: pr.reg_yj,
    };
  }

  /** Fits; `literal` runs Surprise's per-rating y_j loop instead of the deferred form (tests). */
  fit(ts: Trainset, literal = false): this {
    requireRatings(this.name, ts);
    const f = this.f;
    const pr = this.params;
    const rng = new Rng(pr.random_state);
    const m: SvdppFactors = {
      p: new Float64Array(ts.nUsers * f),
      q: new Float64Array(ts.nItems * f),
      y: new Float64Array(ts.nItems * f),
      bu: new Float64Array(ts.nUsers),
      bi: new Float64Array(ts.nItems),
    };
    rng.fillNormal(m.p, pr.init_mean, pr.init_std_dev);
    rng.fillNormal(m.q, pr.init_mean, pr.init_std_dev);
    rng.fillNormal(m.y, pr.init_mean, pr.init_std_dev);
    svdppSgd(ts, m, this.options(ts), literal);
    this.install(ts, m);
    return this;
  }

  protected override install(ts: Trainset, m: SvdppFactors): void {
    const f = this.f;
    const z = new Float64Array(ts.nUsers * f);
    const imp = new Float64Array(f);
    for (let u = 0; u < ts.nUsers; u++) {
      implicitOf(ts.profileOf(u).items, m.y, f, imp);
      for (let x = 0; x < f; x++) z[u * f + x] = m.p[u * f + x] + imp[x];
    }
    this.z = z;
    super.install(ts, m);
  }

  /** The learned parameters (read-only use: tests and diagnostics). */
  factors(): Readonly<SvdppFactors> {
    return this.m;
  }

  estimate(u: number, i: number): Estimate {
    const ts = this.trainset;
    const ku = u >= 0 && u < ts.nUsers;
    return this.combine(ku, ku ? this.m.bu[u] : 0, this.z as Float64Array, u * this.f, i >= 0 && i < ts.nItems ? i : -1);
  }

  private combine(ku: boolean, bu: number, z: Float64Array, zo: number, i: number): Estimate {
    const m = this.m;
    let est = this.trainset.globalMean;
    if (ku) est += bu;
    if (i >= 0) est += m.bi[i];
    if (ku && i >= 0) est += dot(m.q, i * this.f, z, zo, this.f);
    return { value: est };
  }

  estimateFor(p: Profile, i: number): Estimate {
    if (p.user !== undefined) return this.estimate(p.user, i);
    const fu = this.folded(p);
    return this.combine(fu.known, fu.bu, fu.z, 0, i >= 0 && i < this.trainset.nItems ? i : -1);
  }

  scoreAll(p: Profile, out: Float64Array): void {
    const ts = this.trainset;
    const m = this.m;
    const f = this.f;
    let known = false;
    let bu = 0;
    let z = this.z as Float64Array;
    let zo = 0;
    if (p.user !== undefined) {
      if (p.user >= 0 && p.user < ts.nUsers) {
        known = true;
        bu = m.bu[p.user];
        zo = p.user * f;
      }
    } else {
      const fu = this.folded(p);
      known = fu.known;
      bu = fu.bu;
      z = fu.z;
    }
    const base = ts.globalMean + (known ? bu : 0);
    for (let i = 0; i < ts.nItems; i++) {
      out[i] = known ? base + m.bi[i] + dot(m.q, i * f, z, zo, f) : base + m.bi[i];
    }
  }

  private folded(p: Profile): FoldedPp {
    return this.folds.get(p, (prof) => {
      const m = this.m;
      const f = this.f;
      const pr = this.params;
      const imp = implicitOf(prof.items, m.y, f, new Float64Array(f));
      // with the items fixed, the implicit part is a fixed offset q_i·imp per rating
      const offsets = new Float64Array(prof.items.length);
      for (let k = 0; k < prof.items.length; k++) offsets[k] = dot(m.q, prof.items[k] * f, imp, 0, f);
      const fu = foldInSgd(
        prof,
        {
          nFactors: f,
          q: m.q,
          bi: m.bi,
          mu: this.trainset.globalMean,
          biased: true,
          nEpochs: pr.n_epochs,
          lrBu: pr.lr_bu,
          lrPu: pr.lr_pu,
          regBu: pr.reg_bu,
          regPu: pr.reg_pu,
          initMean: pr.init_mean,
        },
        offsets,
      );
      const z = new Float64Array(f);
      for (let x = 0; x < f; x++) z[x] = fu.pu[x] + imp[x];
      return { known: fu.known, bu: fu.bu, z };
    });
  }

  state(): ModelState {
    const m = this.m;
    return { p: m.p, q: m.q, y: m.y, bu: m.bu, bi: m.bi };
  }

  restore(ts: Trainset, state: ModelState): void {
    const f = this.f;
    this.install(ts, {
      p: stateArray(this.name, state, 'p', Float64Array, ts.nUsers * f),
      q: stateArray(this.name, state, 'q', Float64Array, ts.nItems * f),
      y: stateArray(this.name, state, 'y', Float64Array, ts.nItems * f),
      bu: stateArray(this.name, state, 'bu', Float64Array, ts.nUsers),
      bi: stateArray(this.name, state, 'bi', Float64Array, ts.nItems),
    });
  }
}

export const svdppDescriptor: AlgorithmDescriptor<SvdPp> = {
  name: 'svdpp',
  surpriseName: 'SVDpp',
  description: 'SVD++: SVD plus implicit feedback from the items each user rated',
  params: svdppParams,
  create(given: Record<string, unknown> = {}): SvdPp {
    return new SvdPp(resolveLrReg('svdpp', svdppParams, given, PARTS));
  },
};
