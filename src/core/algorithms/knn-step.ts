/**
 * The k-NN step shared by every kNN scoring path: from a movie's (or user's) candidate
 * neighbours with their similarities and terms, the sums over the k kept, as Surprise keeps them.
 */
import { kthLargest, kthSmallest, TopKHeap } from '../topn.ts';

/**
 * Scratch space of the k-NN step for a given k: a bounded top-k heap of (similarity, position,
 * candidate) whose root is the weakest kept neighbour (smallest similarity; among equal ones, the
 * latest in the rating list), and buffers for the quickselect path, grown on demand.
 */
export class NeighbourHeap {
  readonly k: number;
  readonly top: TopKHeap;
  work = new Float64Array(64);
  tiedC = new Int32Array(64);
  tiedPos = new Float64Array(64);

  constructor(k: number) {
    this.k = k;
    this.top = new TopKHeap(k);
  }

  ensure(m: number): void {
    if (this.work.length < m) {
      const size = Math.max(m, this.work.length * 2);
      this.work = new Float64Array(size);
      this.tiedC = new Int32Array(size);
      this.tiedPos = new Float64Array(size);
    }
  }
}

/** The estimate of movie i from a KnnStep's sums (what the model's variant makes of them). */
export type CombineSums = (i: number) => number;

/** Above this many candidates per neighbour slot the heap beats quickselect (measured). */
const HEAP_FACTOR = 16;

/**
 * The k-NN step. Candidate c < m has similarity sims[c], term terms[tOff + c] and position pos[c]
 * in the rating list (only compared between equal similarities). Writes out[0] = Σ sim·term and
 * out[1] = Σ sim over the kept neighbours, out[2] = actual_k.
 *
 * Surprise takes the k largest similarities (heapq.nlargest: ties keep the earlier candidate), then
 * drops those ≤ 0. Positive similarities always outrank the others, so this keeps the k best
 * positive candidates by (similarity desc, position asc), whatever order they come in here. When
 * at most k are positive all are kept; otherwise short lists use a quickselect for the k-th
 * largest similarity and long ones a bounded heap (one pass, most candidates rejected at the root).
 */
export function knnSums(
  m: number,
  sims: Float64Array,
  terms: Float64Array,
  tOff: number,
  pos: Int32Array,
  heap: NeighbourHeap,
  out: Float64Array,
): void {
  const k = heap.k;
  if (m > HEAP_FACTOR * k) {
    heapSums(m, sims, terms, tOff, pos, heap, out);
    return;
  }
  heap.ensure(m);
  const work = heap.work;
  let nPos = 0;
  let sumS = 0;
  let sumST = 0;
  for (let c = 0; c < m; c++) {
    const s = sims[c];
    if (s > 0) {
      work[nPos++] = s;
      sumS += s;
      sumST += s * terms[tOff + c];
    }
  }
  if (nPos > k) {
    const t = kthLargest(work, nPos, k);
    const tiedC = heap.tiedC;
    let above = 0;
    let tied = 0;
    sumS = 0;
    sumST = 0;
    for (let c = 0; c < m; c++) {
      const s = sims[c];
      if (s > t) {
        above++;
        sumS += s;
        sumST += s * terms[tOff + c];
      } else if (s === t) {
        tiedC[tied++] = c;
      }
    }
    // of the candidates equal to t, the `slots` earliest in the rating list are kept
    const slots = k - above;
    let lastPos = 0x7fffffff;
    if (tied > slots) {
      const tiedPos = heap.tiedPos;
      for (let q = 0; q < tied; q++) tiedPos[q] = pos[tiedC[q]];
      lastPos = kthSmallest(tiedPos, tied, slots);
    }
    for (let q = 0; q < tied; q++) {
      const c = tiedC[q];
      if (pos[c] <= lastPos) {
        sumS += t;
        sumST += t * terms[tOff + c];
      }
    }
    nPos = k;
  }
  out[0] = sumST;
  out[1] = sumS;
  out[2] = nPos;
}

function heapSums(
  m: number,
  sims: Float64Array,
  terms: Float64Array,
  tOff: number,
  pos: Int32Array,
  heap: NeighbourHeap,
  out: Float64Array,
): void {
  const top = heap.top;
  top.reset();
  for (let c = 0; c < m; c++) {
    const s = sims[c];
    if (s > 0) top.offer(s, pos[c], c);
  }
  const hs = top.score;
  const hc = top.payload;
  let sumS = 0;
  let sumST = 0;
  for (let j = 0; j < top.size; j++) {
    sumS += hs[j];
    sumST += hs[j] * terms[tOff + hc[j]];
  }
  out[0] = sumST;
  out[1] = sumS;
  out[2] = top.size;
}

/**
 * The work space of the k-NN step for one model: the heap, candidate buffers grown to the longest
 * candidate list seen, and the sums of the last step (Σ sim·term, Σ sim, actual_k).
 */
export class KnnStep {
  readonly heap: NeighbourHeap;
  readonly sums = new Float64Array(3);
  /** candidate similarities */
  sims = new Float64Array(64);
  /** 0, 1, 2, …: candidate positions when candidates come in rating-list order */
  iota = Int32Array.from({ length: 64 }, (_, c) => c);
  /** candidate positions when candidates come bucketed (lists mode) */
  pos = new Int32Array(64);
  /** candidate terms gathered from a list row (lists mode, item-based, tied k-th place) */
  terms = new Float64Array(64);

  constructor(k: number) {
    this.heap = new NeighbourHeap(k);
  }

  get k(): number {
    return this.heap.k;
  }

  ensure(m: number): void {
    if (this.sims.length < m) {
      const size = Math.max(m, this.sims.length * 2);
      this.sims = new Float64Array(size);
      this.iota = new Int32Array(size);
      for (let c = 0; c < size; c++) this.iota[c] = c;
      this.pos = new Int32Array(size);
      this.terms = new Float64Array(size);
    }
  }
}
