/**
 * Tiny algorithms for the evaluation tests, so they do not depend on the real ones: a global-mean
 * predictor and an item-mean predictor (item mean, impossible for unknown items).
 */
import {
  Algorithm,
  requireRatings,
  resolveParams,
  type AlgorithmDescriptor,
  type Estimate,
  type ModelState,
} from '../../../src/core/algorithm.ts';
import type { Profile, Trainset } from '../../../src/core/trainset.ts';

export class GlobalMean extends Algorithm {
  readonly name = 'global-mean';
  constructor() {
    super({});
  }
  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    this.ts = ts;
    return this;
  }
  estimate(): Estimate {
    return { value: this.trainset.globalMean };
  }
  estimateFor(): Estimate {
    return { value: this.trainset.globalMean };
  }
  scoreAll(_p: Profile, out: Float64Array): void {
    out.fill(this.trainset.globalMean);
  }
  state(): ModelState {
    return {};
  }
  restore(ts: Trainset): void {
    this.ts = ts;
  }
}

export class ItemMean extends Algorithm {
  readonly name = 'item-mean';
  private means: Float64Array = new Float64Array(0);
  constructor() {
    super({});
  }
  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    this.ts = ts;
    this.means = ts.itemMeans();
    return this;
  }
  estimate(_u: number, i: number): Estimate {
    return i < 0 ? { impossible: 'Item is unknown.' } : { value: this.means[i] };
  }
  estimateFor(_p: Profile, i: number): Estimate {
    return this.estimate(-1, i);
  }
  scoreAll(_p: Profile, out: Float64Array): void {
    out.set(this.means);
  }
  state(): ModelState {
    return { means: this.means };
  }
  restore(ts: Trainset, state: ModelState): void {
    this.ts = ts;
    this.means = state.means as Float64Array;
  }
}

/** A small deterministic rating table: `nUsers` users, `nItems` items, ~`density` of the cells. */
export function syntheticRatings(nUsers: number, nItems: number, density = 0.5) {
  const users: string[] = [];
  const items: string[] = [];
  const ratings: number[] = [];
  const timestamps: number[] = [];
  let t = 1_000_000;
  let state = 12345;
  const rand = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 4294967296;
  };
  for (let u = 0; u < nUsers; u++) {
    for (let i = 0; i < nItems; i++) {
      if (rand() >= density) continue;
      users.push(`u${u}`);
      items.push(`i${i}`);
      // item quality plus user noise, on the 1–5 scale
      ratings.push(Math.min(5, Math.max(1, Math.round(1 + ((i * 7) % 5) + (rand() < 0.3 ? 1 : 0)))));
      timestamps.push((t += 1 + Math.floor(rand() * 100)));
    }
  }
  return { users, items, ratings: Float32Array.from(ratings), timestamps: Float64Array.from(timestamps) };
}

/** Item mean shrunk toward the global mean by `reg` pseudo-ratings: a one-parameter model for grid search. */
export class ShrunkItemMean extends Algorithm {
  readonly name = 'shrunk-item-mean';
  private est: Float64Array = new Float64Array(0);
  constructor(given: Record<string, unknown> = {}) {
    super(resolveParams('shrunk-item-mean', shrunkItemMeanDescriptor.params, given));
  }
  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    this.ts = ts;
    const reg = this.params.reg as number;
    this.est = new Float64Array(ts.nItems);
    const { indptr, values } = ts.byItem;
    for (let i = 0; i < ts.nItems; i++) {
      let s = 0;
      for (let k = indptr[i]; k < indptr[i + 1]; k++) s += values[k] - ts.globalMean;
      this.est[i] = ts.globalMean + s / (reg + indptr[i + 1] - indptr[i]);
    }
    return this;
  }
  estimate(_u: number, i: number): Estimate {
    return i < 0 ? { impossible: 'Item is unknown.' } : { value: this.est[i] };
  }
  estimateFor(_p: Profile, i: number): Estimate {
    return this.estimate(-1, i);
  }
  scoreAll(_p: Profile, out: Float64Array): void {
    out.set(this.est);
  }
  state(): ModelState {
    return { est: this.est };
  }
  restore(ts: Trainset, state: ModelState): void {
    this.ts = ts;
    this.est = state.est as Float64Array;
  }
}

export const shrunkItemMeanDescriptor: AlgorithmDescriptor = {
  name: 'shrunk-item-mean',
  description: 'item mean shrunk toward the global mean',
  params: { reg: { type: 'float', default: 0, min: 0 } },
  create: (given) => new ShrunkItemMean(given),
};
