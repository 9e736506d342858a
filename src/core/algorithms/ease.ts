/**
 * EASEᴿ: an item-item linear model with a closed form (Steck, "Embarrassingly Shallow
 * Autoencoders for Sparse Data", WWW 2019). X is the user × item 0/1 matrix (any rating = 1),
 *
 *   G = XᵀX + λI,   P = G⁻¹,   B = I − P·diag(1/diag P)   (so B_jj = 0),
 *
 * and a member's scores are x·B: movie i gets Σ over their rated movies j of B[j, i], the weight
 * with which j "votes" for i. No user parameters, so a live member is scored from their current
 * ratings exactly as a trained user is (fold-in is the product itself).
 *
 * Domain: only movies with ≥ min_ratings ratings (the bot never recommends fewer than 5) and, of
 * those, the max_items most rated; other movies score NaN (never recommended) and are ignored in
 * profiles. B is dense, max_items² float32: the default 6,000 keeps B at 144 MB and the float64 Gram
 * matrix during the fit at 288 MB; 20k items would be 1.6 GB + 3.2 GB.
 *
 * Cost: fit = the Gram matrix (Σ_u |I_u|² additions) + the inverse (m³/2 multiply-adds, in the
 * SIMD WebAssembly kernel of kernels/sym-inverse.ts); scoring a member = |I_u| row additions of
 * length m. Measured (`npx tsx bench/rank-algos.ts <data> ease`, CPU seconds on this shared 2-core
 * machine, whose wall clock ran 5–10× longer under other jobs): ml-latest-small (3,650 movies in the
 * model) fit 6.9–9.4 s, a member ranked in 0.8–3 ms; ml-100k fit 0.6 s.
 *
 * λ = 100 by leave-one-out HR@10 on ml-latest-small: λ 50 → 0.2492, 100 → 0.2574, 200 → 0.2525,
 * 400 → 0.2443, 800 → 0.2361 (popularity chart 0.0738); ml-100k: λ 100 → 0.3372, 400 → 0.3266.
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
import { invertSpd, type DenseKernelChoice, type DenseKernelUsed } from '../kernels/sym-inverse.ts';
import { ModelStateError, stateArray } from '../snapshot.ts';
import type { Profile, Trainset } from '../trainset.ts';
import { distinctItems, ItemToItemModel, topContributions, type Contribution } from './implicit.ts';

export const easeParams = defineParams({
  lambda: { type: 'float', default: 100, min: 0, exclusiveMin: true, doc: 'L2 regularisation λ added to the diagonal of XᵀX' },
  min_ratings: { type: 'int', default: 5, min: 1, doc: 'movies with fewer ratings are left out of the model' },
  max_items: { type: 'int', default: 6000, min: 1, max: 16000, doc: 'at most this many movies (the most rated) in the model; memory is max_items² × 4 bytes' },
});

export type EaseParams = ParamsOf<typeof easeParams>;

export interface EaseModel {
  /** inner item ids of the model's columns, ascending */
  cols: Int32Array;
  /** column of each inner item, -1 when outside the model */
  pos: Int32Array;
  /** m × m row-major: b[j·m + i] = B[j, i], how much movie j votes for movie i */
  b: Float32Array;
}

export class Ease<P extends EaseParams = EaseParams> extends ItemToItemModel<EaseModel, P> {
  readonly name: string = 'ease';
  /** which implementation ran the last fit's inverse (for benchmarks and tests) */
  lastKernel: DenseKernelUsed | undefined;
  /** scoreAll's scratch (columnScratch) */
  private acc: Float64Array | undefined;

  constructor(
    params: P,
    private readonly kernel: DenseKernelChoice = 'auto',
  ) {
    super(params);
  }

  /** inner item ids in the model (movies that can be scored) */
  get modelItems(): Int32Array {
    return this.m.cols;
  }

  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    const pr = this.params;
    const cols = selectItems(ts, pr.min_ratings, pr.max_items);
    const pos = positions(cols, ts.nItems);
    const m = cols.length;
    const b = new Float32Array(m * m);
    if (m > 0) {
      const inv = invertSpd(
        m,
        (g) => {
          fillGram(ts, pos, m, pr.lambda, g);
          this.addToGram(ts, cols, g);
        },
        this.kernel,
      );
      this.lastKernel = inv.used;
      toWeights(inv.lower, m, b);
    }
    this.install(ts, { cols, pos, b });
    return this;
  }

  /**
   * More terms for the lower triangle of G = XᵀX + λI (m × m over `cols`) before it is inverted:
   * none here; a side-information variant adds its item-feature Gram matrix (ease-side.ts).
   */
  protected addToGram(_ts: Trainset, _cols: Int32Array, _g: Float64Array): void {}

  estimateFor(p: Profile, i: number): Estimate {
    const { pos, b } = this.m;
    const ts = this.trainset;
    if (i < 0 || i >= ts.nItems) return { impossible: 'Item is unknown.' };
    const ci = pos[i];
    if (ci < 0) return { impossible: `Item has fewer than ${this.params.min_ratings} ratings or is outside the model.` };
    const m = this.m.cols.length;
    let s = 0;
    for (const j of distinctItems(p, ts.nItems)) if (pos[j] >= 0) s += b[pos[j] * m + ci];
    return { value: s };
  }

  scoreAll(p: Profile, out: Float64Array): void {
    const { cols, pos, b } = this.m;
    const ts = this.trainset;
    const m = cols.length;
    const acc = this.columnScratch(m);
    for (const j of distinctItems(p, ts.nItems)) {
      const cj = pos[j];
      if (cj < 0) continue;
      const row = cj * m;
      for (let c = 0; c < m; c++) acc[c] += b[row + c];
    }
    out.fill(NaN, 0, ts.nItems);
    for (let c = 0; c < m; c++) out[cols[c]] = acc[c];
  }

  /**
   * The member's rated movies that vote most for `item` (B[j, item] > 0), largest first: "because
   * you rated Alien". Empty when the item is outside the model.
   */
  explain(p: Profile, item: number, n = 3): Contribution[] {
    const { cols, pos, b } = this.m;
    const m = cols.length;
    const ci = item >= 0 && item < pos.length ? pos[item] : -1;
    if (ci < 0) return [];
    // plain arrays, a few entries per rated movie: no ArrayBuffer per pick (see columnScratch)
    const rated: number[] = [];
    const w: number[] = [];
    for (const j of distinctItems(p, pos.length)) {
      if (pos[j] < 0) continue;
      rated.push(j);
      w.push(b[pos[j] * m + ci]);
    }
    return topContributions(rated, w, n);
  }

  /**
   * scoreAll's per-column sums, kept by the model and zeroed per call: a fresh Float64Array of
   * the model's columns was 48 KB per /recommend list with the default 6,000, external memory
   * to V8 (see distinctItems in implicit.ts for what that costs the main thread).
   */
  private columnScratch(m: number): Float64Array {
    let acc = this.acc;
    if (!acc || acc.length !== m) {
      acc = new Float64Array(m);
      this.acc = acc;
    } else {
      acc.fill(0);
    }
    return acc;
  }

  state(): ModelState {
    const { cols, b } = this.m;
    return { cols, b };
  }

  restore(ts: Trainset, state: ModelState): void {
    const v = state.cols;
    if (!(v instanceof Int32Array)) throw new ModelStateError(`${this.name}: state "cols" must be an Int32Array`);
    const cols = v;
    for (let k = 0; k < cols.length; k++) {
      if (cols[k] < 0 || cols[k] >= ts.nItems || (k > 0 && cols[k] <= cols[k - 1])) {
        throw new ModelStateError(`${this.name}: state "cols" must hold ascending inner item ids below ${ts.nItems}`);
      }
    }
    const b = stateArray(this.name, state, 'b', Float32Array, cols.length * cols.length);
    this.install(ts, { cols, pos: positions(cols, ts.nItems), b });
  }
}

/** Distinct raters per item (a user who rated a movie twice counts once). */
function raterCounts(ts: Trainset): Int32Array {
  const { indptr, indices } = ts.byItem;
  const count = new Int32Array(ts.nItems);
  const last = new Int32Array(ts.nUsers).fill(-1);
  for (let i = 0; i < ts.nItems; i++) {
    for (let k = indptr[i]; k < indptr[i + 1]; k++) {
      const u = indices[k];
      if (last[u] !== i) {
        last[u] = i;
        count[i]++;
      }
    }
  }
  return count;
}

/** Items with ≥ minRatings raters, the maxItems most rated (ties: lower inner id), ascending. */
export function selectItems(ts: Trainset, minRatings: number, maxItems: number): Int32Array {
  const count = raterCounts(ts);
  const keep: number[] = [];
  for (let i = 0; i < ts.nItems; i++) if (count[i] >= minRatings) keep.push(i);
  if (keep.length > maxItems) {
    keep.sort((a, b) => count[b] - count[a] || a - b);
    keep.length = maxItems;
  }
  return Int32Array.from(keep).sort();
}

function positions(cols: Int32Array, nItems: number): Int32Array {
  const pos = new Int32Array(nItems).fill(-1);
  for (let c = 0; c < cols.length; c++) pos[cols[c]] = c;
  return pos;
}

/** Lower triangle of XᵀX + λI over the model's columns into the zeroed g (m × m). */
function fillGram(ts: Trainset, pos: Int32Array, m: number, lambda: number, g: Float64Array): void {
  const { indptr, indices } = ts.byUser;
  const seen = new Int32Array(m).fill(-1);
  const row = new Int32Array(m);
  for (let u = 0; u < ts.nUsers; u++) {
    let n = 0;
    for (let k = indptr[u]; k < indptr[u + 1]; k++) {
      const c = pos[indices[k]];
      if (c < 0 || seen[c] === u) continue;
      seen[c] = u;
      row[n++] = c;
    }
    const cs = row.subarray(0, n).sort();
    for (let x = 0; x < n; x++) {
      const base = cs[x] * m;
      for (let y = 0; y <= x; y++) g[base + cs[y]] += 1;
    }
  }
  for (let c = 0; c < m; c++) g[c * m + c] += lambda;
}

/** B[j, i] = −P[j, i] / P[i, i] off the diagonal, 0 on it, from P's lower triangle. */
function toWeights(p: Float64Array, m: number, b: Float32Array): void {
  const d = new Float64Array(m);
  for (let c = 0; c < m; c++) d[c] = p[c * m + c];
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < j; i++) {
      const v = p[j * m + i];
      b[j * m + i] = -v / d[i];
      b[i * m + j] = -v / d[j];
    }
  }
}

export const easeDescriptor: AlgorithmDescriptor<Ease> = {
  name: 'ease',
  kind: 'ranking',
  description: 'EASE^R (Steck 2019): item-item weights B from the closed-form inverse of XᵀX + λI; ranks movies, not ratings',
  params: easeParams,
  create(given: Record<string, unknown> = {}): Ease {
    return new Ease(resolveParams('ease', easeParams, given));
  },
};
