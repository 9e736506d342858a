/**
 * Item-based kNN scores of every movie for one member from the packed similarity triangle (up to
 * `denseMaxEntities` movies, see neighbours.ts).
 */
import type { PackedTriangle } from '../similarity.ts';
import { knnSums, type CombineSums, type KnnStep } from './knn-step.ts';

/**
 * Item-based scores of every item for one user, the hot path of `recommend`. The user's items are
 * sorted by id once (positions kept for Surprise's tie rule), so for each candidate item i the
 * rated items below i are read down their packed rows at column i (consecutive i: consecutive
 * addresses, cache lines reused) and those above i along row i in increasing order, without a
 * branch per pair.
 */
export function scoreAllFromTriangle(
  packed: PackedTriangle,
  items: Int32Array,
  terms: Float64Array,
  step: KnnStep,
  combine: CombineSums,
  out: Float64Array,
  support: Float64Array | null,
): void {
  const m = items.length;
  const order = Array.from({ length: m }, (_, c) => c).sort((x, y) => items[x] - items[y] || x - y);
  const J = new Int32Array(m);
  const offJ = new Int32Array(m);
  const T = new Float64Array(m);
  const P = new Int32Array(m);
  const { data, off } = packed;
  for (let c = 0; c < m; c++) {
    const o = order[c];
    J[c] = items[o];
    offJ[c] = off[items[o]];
    T[c] = terms[o];
    P[c] = o;
  }
  step.ensure(m);
  const sims = step.sims;
  const n = packed.n;
  let lo = 0;
  for (let i = 0; i < n; i++) {
    while (lo < m && J[lo] < i) lo++;
    let hi = lo;
    while (hi < m && J[hi] === i) hi++;
    for (let c = 0; c < lo; c++) sims[c] = data[offJ[c] + i];
    for (let c = lo; c < hi; c++) sims[c] = 1;
    const oi = off[i];
    for (let c = hi; c < m; c++) sims[c] = data[oi + J[c]];
    knnSums(m, sims, T, 0, P, step.heap, step.sums);
    out[i] = combine(i);
    if (support) support[i] = step.sums[2];
  }
}
