/**
 * The baseline estimator shared by BaselineOnly, KNNBaseline and the pearson_baseline similarity
 * (Surprise's `bsl_options`): r̂ = μ + b_u + b_i, with biases learned by alternating least squares
 * (the default) or by stochastic gradient descent, in Surprise's exact update order.
 *
 * Also the fold-in of a live member's bias from their current ratings with the item biases fixed,
 * so a member who rated something after the last training still gets a personal baseline.
 */
import { defineParams, type ParamsOf } from './algorithm.ts';
import type { Trainset } from './trainset.ts';

export type BaselineMethod = 'als' | 'sgd';

export interface BaselineOptions {
  method: BaselineMethod;
  /** epochs: Surprise's default is 10 for ALS, 20 for SGD */
  nEpochs: number;
  /** ALS item regularisation (default 10) */
  regI: number;
  /** ALS user regularisation (default 15) */
  regU: number;
  /** SGD regularisation (default 0.02) */
  reg: number;
  /** SGD learning rate (default 0.005) */
  learningRate: number;
}

export interface Baselines {
  /** user biases b_u (nUsers) */
  bu: Float64Array;
  /** item biases b_i (nItems) */
  bi: Float64Array;
}

export const DEFAULT_ALS_EPOCHS = 10;
export const DEFAULT_SGD_EPOCHS = 20;

export const DEFAULT_BASELINE_OPTIONS: Readonly<BaselineOptions> = Object.freeze({
  method: 'als',
  nEpochs: DEFAULT_ALS_EPOCHS,
  regI: 10,
  regU: 15,
  reg: 0.02,
  learningRate: 0.005,
});

/**
 * Surprise's `bsl_options` as flat parameters. `n_epochs` has one default per method; a spec can
 * hold only one, so it states the ALS one (the default method) and `baselineOptionsFrom` applies
 * 20 when the method is sgd and n_epochs was not given (see `applyMethodDefaults`).
 */
export const BASELINE_PARAM_SPECS = defineParams({
  method: { type: 'choice', default: 'als', choices: ['als', 'sgd'], doc: 'how the biases are learned' },
  n_epochs: {
    type: 'int',
    default: DEFAULT_ALS_EPOCHS,
    min: 0,
    doc: `epochs of the baseline fit; default ${DEFAULT_ALS_EPOCHS} for als, ${DEFAULT_SGD_EPOCHS} for sgd`,
  },
  reg_i: { type: 'float', default: 10, min: 0, doc: 'ALS regularisation of item biases' },
  reg_u: { type: 'float', default: 15, min: 0, doc: 'ALS regularisation of user biases' },
  reg: { type: 'float', default: 0.02, min: 0, doc: 'SGD regularisation' },
  learning_rate: { type: 'float', default: 0.005, min: 0, exclusiveMin: true, doc: 'SGD learning rate' },
});

export type BaselineParams = ParamsOf<typeof BASELINE_PARAM_SPECS>;

/**
 * After `resolveParams`: when the method is sgd and `n_epochs` was not given, Surprise uses 20
 * epochs, not the ALS default the spec shows. Returns params with the effective epoch count, so
 * `algo.params` always tells the truth about what was fitted.
 */
export function applyMethodDefaults<P extends Pick<BaselineParams, 'method' | 'n_epochs'>>(params: P, given: Record<string, unknown> | undefined): P {
  if (params.method === 'sgd' && (given === undefined || given.n_epochs === undefined)) {
    return { ...params, n_epochs: DEFAULT_SGD_EPOCHS };
  }
  return params;
}

/** Reads resolved flat params (`method`, `n_epochs`, `reg_i`, …) into options. */
export function baselineOptionsFrom(params: BaselineParams): BaselineOptions {
  return {
    method: params.method,
    nEpochs: params.n_epochs,
    regI: params.reg_i,
    regU: params.reg_u,
    reg: params.reg,
    learningRate: params.learning_rate,
  };
}

/** Learns b_u and b_i from the trainset with the given method (biases start at 0). */
export function computeBaselines(ts: Trainset, opts: BaselineOptions = DEFAULT_BASELINE_OPTIONS): Baselines {
  return opts.method === 'als' ? baselineAls(ts, opts) : baselineSgd(ts, opts);
}

/**
 * ALS: per epoch, every item bias from the current user biases, then every user bias from the item
 * biases just computed. Sums run in the trainset's rating order, as Surprise's do.
 */
function baselineAls(ts: Trainset, opts: BaselineOptions): Baselines {
  const mu = ts.globalMean;
  const bu = new Float64Array(ts.nUsers);
  const bi = new Float64Array(ts.nItems);
  const { indptr: iPtr, indices: iIdx, values: iVal } = ts.byItem;
  for (let epoch = 0; epoch < opts.nEpochs; epoch++) {
    for (let i = 0; i < ts.nItems; i++) {
      let dev = 0;
      const a = iPtr[i];
      const b = iPtr[i + 1];
      for (let k = a; k < b; k++) dev += iVal[k] - mu - bu[iIdx[k]];
      bi[i] = dev / (opts.regI + (b - a));
    }
    for (let u = 0; u < ts.nUsers; u++) bu[u] = alsUserStep(ts, u, bi, mu, opts.regU);
  }
  return { bu, bi };
}

/**
 * The user biases ALS ends with, from its final item biases: its last half-epoch again, so the
 * same b_u to the bit. What lets a caller keep b_i only (one value per movie) and skip the other
 * epochs: at 32 M ratings those are ~4.5 s of CPU per trainset (a restart's --cpu-prof).
 */
export function alsUserBiases(ts: Trainset, bi: Float64Array, opts: BaselineOptions = DEFAULT_BASELINE_OPTIONS): Float64Array {
  if (opts.method !== 'als') throw new Error(`user biases from item biases need the als method, not ${opts.method}`);
  if (bi.length !== ts.nItems) throw new Error(`item biases hold ${bi.length} movies, the trainset ${ts.nItems}`);
  const bu = new Float64Array(ts.nUsers);
  if (opts.nEpochs === 0) return bu;
  for (let u = 0; u < ts.nUsers; u++) bu[u] = alsUserStep(ts, u, bi, ts.globalMean, opts.regU);
  return bu;
}

function alsUserStep(ts: Trainset, u: number, bi: Float64Array, mu: number, regU: number): number {
  const { indptr, indices, values } = ts.byUser;
  const a = indptr[u];
  const b = indptr[u + 1];
  let dev = 0;
  for (let k = a; k < b; k++) dev += values[k] - mu - bi[indices[k]];
  return dev / (regU + (b - a));
}

/**
 * SGD: for every rating in `all_ratings()` order, one error e and both biases nudged with that same
 * e. No shuffling between epochs (Surprise does none).
 */
function baselineSgd(ts: Trainset, opts: BaselineOptions): Baselines {
  const mu = ts.globalMean;
  const bu = new Float64Array(ts.nUsers);
  const bi = new Float64Array(ts.nItems);
  const { indptr, indices, values } = ts.byUser;
  const lr = opts.learningRate;
  const reg = opts.reg;
  for (let epoch = 0; epoch < opts.nEpochs; epoch++) {
    for (let u = 0; u < ts.nUsers; u++) {
      for (let k = indptr[u]; k < indptr[u + 1]; k++) {
        const i = indices[k];
        const err = values[k] - (mu + bu[u] + bi[i]);
        bu[u] += lr * (err - reg * bu[u]);
        bi[i] += lr * (err - reg * bi[i]);
      }
    }
  }
  return { bu, bi };
}

/**
 * The bias of a member who is not (or no longer exactly) in the trainset, from their ratings with
 * the item biases fixed.
 *
 * - ALS: the ALS user step, b = Σ(r − μ − b_i) / (reg_u + n). Since every ALS epoch ends with this
 *   step, a trained user's own ratings give back exactly their trained b_u.
 * - SGD: Surprise's SGD has no closed form (20 epochs of lr 0.005 stop far from convergence, which
 *   is part of its regularisation), so the member's ratings are replayed through the same updates,
 *   n_epochs times, moving only b_u. This approximates, but does not equal, the trained b_u of a
 *   user with the same ratings (in training the item biases moved alongside).
 *
 * An empty profile gives 0, the bias Surprise uses for an unknown user.
 */
export function foldInUserBias(
  items: ArrayLike<number>,
  ratings: ArrayLike<number>,
  bi: Float64Array,
  mu: number,
  opts: BaselineOptions = DEFAULT_BASELINE_OPTIONS,
): number {
  const n = items.length;
  if (n === 0) return 0;
  if (opts.method === 'als') {
    let dev = 0;
    for (let k = 0; k < n; k++) dev += ratings[k] - mu - bi[items[k]];
    return dev / (opts.regU + n);
  }
  let b = 0;
  const lr = opts.learningRate;
  const reg = opts.reg;
  for (let epoch = 0; epoch < opts.nEpochs; epoch++) {
    for (let k = 0; k < n; k++) {
      const err = ratings[k] - (mu + b + bi[items[k]]);
      b += lr * (err - reg * b);
    }
  }
  return b;
}
