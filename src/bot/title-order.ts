/**
 * The title index's popularity order (titles.ts): movies most rated first, and each movie's place
 * in that order, made apart from the index so that a retrain makes it in a warm-up step and its
 * swap only adopts it (87,585 look-ups and a sort, 40 ms of CPU as part of the swap step at
 * ml-32m shape, bench/scale-serve.ts --swap-only).
 */
import type { MovieRecord } from '../data/types.ts';
import { runToEnd } from '../util/run-to-end.ts';

export interface TitleOrder {
  /** the index it was made for (the order is by that index's movie positions) */
  index: object;
  /** movie positions, most popular first, ties in position order */
  byPopularity: Int32Array;
  /** per movie position: its place in byPopularity, so popularity order is a numeric sort of places */
  rank: Int32Array;
}

/** The order of `movies` (the positions of `index`) by `popularity`. */
export function titleOrder(index: object, movies: readonly MovieRecord[], popularity: (movieId: string) => number): TitleOrder {
  return runToEnd(titleOrderSteps(index, movies, popularity, Infinity));
}

/** titleOrder, `moviesPerStep` popularities looked up between yields, the sort after the last. */
export function* titleOrderSteps(
  index: object,
  movies: readonly MovieRecord[],
  popularity: (movieId: string) => number,
  moviesPerStep: number,
): Generator<void, TitleOrder, undefined> {
  if (!(moviesPerStep >= 1)) throw new Error(`moviesPerStep must be at least 1, got ${moviesPerStep}`);
  const values = new Float64Array(movies.length);
  for (let from = 0; from < movies.length; from += moviesPerStep) {
    const to = Math.min(movies.length, from + moviesPerStep);
    for (let idx = from; idx < to; idx++) {
      const p = popularity(movies[idx].movieId);
      values[idx] = Number.isFinite(p) ? p : 0;
    }
    yield;
  }
  const byPopularity = byPopularityThenIndex(values);
  const rank = new Int32Array(byPopularity.length);
  for (let k = 0; k < byPopularity.length; k++) rank[byPopularity[k]] = k;
  return { index, byPopularity, rank };
}

/**
 * Indexes by popularity, most popular first, ties in index order. Whole counts (what a retrain
 * gives) are packed with their index into one exact float, most popular lowest, and sorted
 * without a comparator: at 87,585 titles ~11–16 ms against ~28 ms for the comparator sort (a
 * probe, load ~4 on 2 cores), a step of a retrain's swap. Other popularities: the comparator.
 */
function byPopularityThenIndex(popularity: Float64Array): Int32Array {
  const n = popularity.length;
  const slots = 2 ** 21; // indexes below this; counts below 2^31: packed < 2^52, exact in a float
  let whole = n <= slots;
  for (let i = 0; i < n && whole; i++) {
    const p = popularity[i];
    whole = Number.isInteger(p) && p >= 0 && p < 2 ** 31;
  }
  if (!whole) {
    const order = Int32Array.from({ length: n }, (_, i) => i);
    return order.sort((a, b) => popularity[b] - popularity[a] || a - b);
  }
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = (2 ** 31 - 1 - popularity[i]) * slots + i;
  keys.sort();
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[k] = keys[k] % slots;
  return order;
}
