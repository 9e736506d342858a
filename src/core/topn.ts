/**
 * Top-k selection, the one owner: a bounded heap over typed arrays (`TopKHeap`), `topN` over a
 * dense score vector built on it, and the two typed quickselects the k-NN step uses.
 *
 * Order everywhere: higher score first; equal scores go to the lower key (the item id, or the
 * candidate's position in a rating list, as Python's heapq.nlargest keeps the earlier one), so
 * results are deterministic. NaN scores are never kept.
 */
export interface Scored {
  item: number;
  score: number;
}

/**
 * Keeps the k strongest (score, key) pairs offered, each with an int payload, in O(log k) per
 * accepted offer and O(1) per rejected one: the root is the weakest kept pair. Flat typed arrays
 * and no per-offer objects, because the k-NN step offers every candidate neighbour of every
 * (user, item) pair. `reset()` reuses the storage.
 */
export class TopKHeap {
  readonly k: number;
  readonly score: Float64Array;
  readonly key: Int32Array;
  readonly payload: Int32Array;
  size = 0;

  constructor(k: number) {
    if (!Number.isInteger(k) || k < 1) throw new RangeError(`top-k: k must be a whole number ≥ 1, got ${k}`);
    this.k = k;
    this.score = new Float64Array(k);
    this.key = new Int32Array(k);
    this.payload = new Int32Array(k);
  }

  reset(): void {
    this.size = 0;
  }

  /** Offers a pair; kept when the heap is not full or it beats the weakest kept pair. */
  offer(s: number, key: number, payload: number): void {
    if (!(s === s)) return; // NaN
    const hs = this.score;
    const hk = this.key;
    const hp = this.payload;
    if (this.size < this.k) {
      // sift up: parents must not be stronger than children
      let j = this.size++;
      while (j > 0) {
        const parent = (j - 1) >> 1;
        if (!(s < hs[parent] || (s === hs[parent] && key > hk[parent]))) break;
        hs[j] = hs[parent];
        hk[j] = hk[parent];
        hp[j] = hp[parent];
        j = parent;
      }
      hs[j] = s;
      hk[j] = key;
      hp[j] = payload;
      return;
    }
    if (s < hs[0] || (s === hs[0] && key > hk[0])) return; // weaker than the weakest kept
    // replace the weakest and sift down
    const size = this.size;
    let j = 0;
    for (;;) {
      const l = 2 * j + 1;
      if (l >= size) break;
      const r = l + 1;
      let w = l;
      if (r < size && (hs[r] < hs[l] || (hs[r] === hs[l] && hk[r] > hk[l]))) w = r;
      if (!(hs[w] < s || (hs[w] === s && hk[w] > key))) break;
      hs[j] = hs[w];
      hk[j] = hk[w];
      hp[j] = hp[w];
      j = w;
    }
    hs[j] = s;
    hk[j] = key;
    hp[j] = payload;
  }
}

/** The n best of a dense score vector (item = index), best first; NaN scores are skipped. */
export function topN(scores: ArrayLike<number>, n: number): Scored[] {
  if (!(n > 0)) return [];
  const heap = new TopKHeap(Math.max(1, Math.min(n, scores.length)));
  for (let i = 0; i < scores.length; i++) heap.offer(scores[i], i, 0);
  const out: Scored[] = [];
  for (let k = 0; k < heap.size; k++) out.push({ item: heap.key[k], score: heap.score[k] });
  out.sort((a, b) => b.score - a.score || a.item - b.item);
  return out;
}

/*
 * The quickselect is monomorphic on purpose (float64 only; positions are stored as float64, exact
 * below 2^53): the k-NN step calls it for every (user, item) pair with short candidate lists, where
 * a generic comparator-taking selection would be megamorphic and allocate.
 */

/** The k-th largest of a[0..n) (1 ≤ k ≤ n); reorders a. */
export function kthLargest(a: Float64Array, n: number, k: number): number {
  return kthSmallest(a, n, n - k + 1);
}

/** The k-th smallest of a[0..n) (1 ≤ k ≤ n); reorders a. Hoare quickselect, median-of-three pivot. */
export function kthSmallest(a: Float64Array, n: number, k: number): number {
  const r = k - 1; // rank in ascending order
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const tmp = a[i];
        a[i] = a[j];
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (r <= j) hi = j;
    else if (r >= i) lo = i;
    else return a[r];
  }
  return a[r];
}
