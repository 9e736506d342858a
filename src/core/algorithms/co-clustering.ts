/**
 * Co-clustering: Surprise's CoClustering (George & Merugu), users and items clustered at once.
 *
 *   r̂_ui = A_co[C_u, C_i] + (μ_u − A_u[C_u]) + (μ_i − A_i[C_i])
 *
 * A_u, A_i, A_co are the average ratings of the user clusters, item clusters and co-clusters (an
 * empty one gets the global mean), μ_u, μ_i the user's and item's mean ratings. Init: random
 * cluster ids, users then items. Each epoch computes the averages, moves every user to the
 * cluster that minimises the squared error of their ratings (ties: the first), then every item
 * likewise (with the new user clusters, the same averages); the averages are computed once more
 * at the end.
 *
 * Unlike Surprise, ratings are used as they are: Surprise keeps them in C ints and truncates half
 * stars (4.5 → 4) in every mean and average. On integer
 * ratings (ml-100k) the two agree. An unknown user or item gets the global mean (Surprise returns
 * it as a plain estimate, not as impossible).
 */
import {
  requireRatings,
  defineParams,
  resolveParams,
  type AlgorithmDescriptor,
  type Estimate,
  type ModelState,
  type ParamsOf,
} from '../algorithm.ts';
import { LearnedAlgorithm } from './learned.ts';
import { foldInCoCluster, type FoldedCluster } from '../fold-in.ts';
import { Rng } from '../rng.ts';
import { ModelStateError, stateArray } from '../snapshot.ts';
import type { Profile, Trainset } from '../trainset.ts';

export const coClusteringParams = defineParams({
  n_cltr_u: { type: 'int', default: 3, min: 1, doc: 'number of user clusters' },
  n_cltr_i: { type: 'int', default: 3, min: 1, doc: 'number of item clusters' },
  n_epochs: { type: 'int', default: 20, min: 0, doc: 'assignment rounds' },
  random_state: { type: 'seed', default: 0, doc: 'seed of the initial clusters' },
});

export type CoClusteringParams = ParamsOf<typeof coClusteringParams>;

export interface CoClusters {
  cltrU: Int32Array;
  cltrI: Int32Array;
  userMean: Float64Array;
  itemMean: Float64Array;
  avgU: Float64Array;
  avgI: Float64Array;
  /** nCltrU x nCltrI, row-major */
  avgCo: Float64Array;
}

export class CoClustering extends LearnedAlgorithm<CoClusters, FoldedCluster, CoClusteringParams> {
  readonly name = 'co-clustering';

  constructor(params: CoClusteringParams) {
    super(params);
  }

  private get nU(): number {
    return this.params.n_cltr_u;
  }

  private get nI(): number {
    return this.params.n_cltr_i;
  }

  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    const pr = this.params;
    const rng = new Rng(pr.random_state);
    const nCu = this.nU;
    const nCi = this.nI;
    const cltrU = new Int32Array(ts.nUsers);
    const cltrI = new Int32Array(ts.nItems);
    for (let u = 0; u < ts.nUsers; u++) cltrU[u] = rng.int(nCu);
    for (let i = 0; i < ts.nItems; i++) cltrI[i] = rng.int(nCi);
    const m: CoClusters = {
      cltrU,
      cltrI,
      userMean: ts.userMeans(),
      itemMean: ts.itemMeans(),
      avgU: new Float64Array(nCu),
      avgI: new Float64Array(nCi),
      avgCo: new Float64Array(nCu * nCi),
    };
    const errors = new Float64Array(Math.max(nCu, nCi));
    for (let epoch = 0; epoch < pr.n_epochs; epoch++) {
      this.averages(ts, m);
      const { avgU, avgI, avgCo, userMean, itemMean } = m;
      {
        const { indptr, indices, values } = ts.byUser;
        for (let u = 0; u < ts.nUsers; u++) {
          errors.fill(0);
          for (let k = indptr[u]; k < indptr[u + 1]; k++) {
            const i = indices[k];
            const ic = cltrI[i];
            for (let uc = 0; uc < nCu; uc++) {
              const e = values[k] - (avgCo[uc * nCi + ic] + userMean[u] - avgU[uc] + itemMean[i] - avgI[ic]);
              errors[uc] += e * e;
            }
          }
          cltrU[u] = argmin(errors, nCu);
        }
      }
      {
        const { indptr, indices, values } = ts.byItem;
        for (let i = 0; i < ts.nItems; i++) {
          errors.fill(0);
          for (let k = indptr[i]; k < indptr[i + 1]; k++) {
            const u = indices[k];
            const uc = cltrU[u];
            for (let ic = 0; ic < nCi; ic++) {
              const e = values[k] - (avgCo[uc * nCi + ic] + userMean[u] - avgU[uc] + itemMean[i] - avgI[ic]);
              errors[ic] += e * e;
            }
          }
          cltrI[i] = argmin(errors, nCi);
        }
      }
    }
    this.averages(ts, m);
    this.install(ts, m);
    return this;
  }

  /** Average rating of every user cluster, item cluster and co-cluster (empty → global mean). */
  private averages(ts: Trainset, m: CoClusters): void {
    const nCu = this.nU;
    const nCi = this.nI;
    const sumU = new Float64Array(nCu);
    const cntU = new Float64Array(nCu);
    const sumI = new Float64Array(nCi);
    const cntI = new Float64Array(nCi);
    const sumCo = new Float64Array(nCu * nCi);
    const cntCo = new Float64Array(nCu * nCi);
    const { indptr, indices, values } = ts.byUser;
    for (let u = 0; u < ts.nUsers; u++) {
      const uc = m.cltrU[u];
      for (let k = indptr[u]; k < indptr[u + 1]; k++) {
        const ic = m.cltrI[indices[k]];
        const r = values[k];
        sumU[uc] += r;
        cntU[uc]++;
        sumI[ic] += r;
        cntI[ic]++;
        sumCo[uc * nCi + ic] += r;
        cntCo[uc * nCi + ic]++;
      }
    }
    const mu = ts.globalMean;
    for (let c = 0; c < nCu; c++) m.avgU[c] = cntU[c] > 0 ? sumU[c] / cntU[c] : mu;
    for (let c = 0; c < nCi; c++) m.avgI[c] = cntI[c] > 0 ? sumI[c] / cntI[c] : mu;
    for (let c = 0; c < nCu * nCi; c++) m.avgCo[c] = cntCo[c] > 0 ? sumCo[c] / cntCo[c] : mu;
  }

  /** The learned clusters and averages (read-only use: tests, explanations). */
  clusters(): Readonly<CoClusters> {
    return this.m;
  }

  estimate(u: number, i: number): Estimate {
    const ts = this.trainset;
    if (!(u >= 0 && u < ts.nUsers && i >= 0 && i < ts.nItems)) return { value: ts.globalMean };
    const m = this.m;
    return { value: this.combine(m.cltrU[u], m.userMean[u], i) };
  }

  private combine(uc: number, userMean: number, i: number): number {
    const m = this.m;
    const ic = m.cltrI[i];
    return m.avgCo[uc * this.nI + ic] + userMean - m.avgU[uc] + m.itemMean[i] - m.avgI[ic];
  }

  estimateFor(p: Profile, i: number): Estimate {
    if (p.user !== undefined) return this.estimate(p.user, i);
    const ts = this.trainset;
    const fu = this.folded(p);
    if (!fu.known || !(i >= 0 && i < ts.nItems)) return { value: ts.globalMean };
    return { value: this.combine(fu.cluster, fu.mean, i) };
  }

  scoreAll(p: Profile, out: Float64Array): void {
    const ts = this.trainset;
    const m = this.m;
    let uc = -1;
    let mean = NaN;
    if (p.user !== undefined) {
      if (p.user >= 0 && p.user < ts.nUsers) {
        uc = m.cltrU[p.user];
        mean = m.userMean[p.user];
      }
    } else {
      const fu = this.folded(p);
      if (fu.known) {
        uc = fu.cluster;
        mean = fu.mean;
      }
    }
    if (uc < 0) {
      out.fill(ts.globalMean, 0, ts.nItems);
      return;
    }
    for (let i = 0; i < ts.nItems; i++) out[i] = this.combine(uc, mean, i);
  }

  private folded(p: Profile): FoldedCluster {
    return this.folds.get(p, (prof) => {
      const m = this.m;
      return foldInCoCluster(prof, {
        nCltrU: this.nU,
        nCltrI: this.nI,
        cltrI: m.cltrI,
        itemMean: m.itemMean,
        avgU: m.avgU,
        avgI: m.avgI,
        avgCo: m.avgCo,
      });
    });
  }

  state(): ModelState {
    const m = this.m;
    return { ...m };
  }

  restore(ts: Trainset, state: ModelState): void {
    const nCu = this.nU;
    const nCi = this.nI;
    const m: CoClusters = {
      cltrU: stateArray(this.name, state, 'cltrU', Int32Array, ts.nUsers),
      cltrI: stateArray(this.name, state, 'cltrI', Int32Array, ts.nItems),
      userMean: stateArray(this.name, state, 'userMean', Float64Array, ts.nUsers),
      itemMean: stateArray(this.name, state, 'itemMean', Float64Array, ts.nItems),
      avgU: stateArray(this.name, state, 'avgU', Float64Array, nCu),
      avgI: stateArray(this.name, state, 'avgI', Float64Array, nCi),
      avgCo: stateArray(this.name, state, 'avgCo', Float64Array, nCu * nCi),
    };
    for (const [key, arr, n] of [
      ['cltrU', m.cltrU, nCu],
      ['cltrI', m.cltrI, nCi],
    ] as const) {
      for (let k = 0; k < arr.length; k++) {
        if (!(arr[k] >= 0 && arr[k] < n)) {
          throw new ModelStateError(`${this.name}: state "${key}"[${k}] = ${arr[k]} is not a cluster in 0..${n - 1}`);
        }
      }
    }
    this.install(ts, m);
  }
}

/** Index of the smallest of the first n values; ties go to the first (numpy's argmin). */
function argmin(v: Float64Array, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (v[c] < v[best]) best = c;
  return best;
}

export const coClusteringDescriptor: AlgorithmDescriptor<CoClustering> = {
  name: 'co-clustering',
  surpriseName: 'CoClustering',
  description: 'Co-clustering of users and items: cluster averages plus user and item offsets',
  params: coClusteringParams,
  create(given: Record<string, unknown> = {}): CoClustering {
    return new CoClustering(resolveParams('co-clustering', coClusteringParams, given));
  },
};
