/**
 * Cosine similarity between documents whose rows are L2-normalised, so cosine = dot product.
 * One row of X·Xᵀ at a time through the inverted index (term → documents): only documents that
 * share a term with the row are ever touched, and no n×n matrix exists. Hand-written typed-array
 * kernel because this loop is the whole cost of building the model (~10⁸ multiply-adds on
 * MovieLens, where every movie shares a genre with thousands of others).
 *
 * Ties go to the lower document index, which is what the Kaggle tutorial's stable descending sort
 * of `enumerate(cosine_sim[idx])` gives.
 */
import { transpose, type SparseRows } from './sparse.ts';

/** Per-document top-K lists: the neighbours of d are items[indptr[d] .. indptr[d+1]), best first. */
export interface NeighbourLists {
  readonly k: number;
  readonly indptr: Int32Array;
  readonly items: Int32Array;
  readonly scores: Float64Array;
}

export class SimilarityIndex {
  readonly x: SparseRows;
  /** the inverted index */
  readonly xt: SparseRows;
  private readonly acc: Float64Array;
  private readonly touched: Int32Array;

  constructor(x: SparseRows) {
    this.x = x;
    this.xt = transpose(x);
    this.acc = new Float64Array(x.nRows);
    this.touched = new Int32Array(x.nRows);
  }

  /**
   * Row a of X·Xᵀ into the scratch accumulator; returns how many documents were touched (they
   * are `touched[0..count)`, scores in `acc`). The caller must call `clear(count)` afterwards.
   */
  private scoreRow(a: number): number {
    const { indptr, indices, data } = this.x;
    const ti = this.xt.indptr;
    const tIdx = this.xt.indices;
    const tData = this.xt.data;
    const acc = this.acc;
    const touched = this.touched;
    let count = 0;
    for (let k = indptr[a]; k < indptr[a + 1]; k++) {
      const w = data[k];
      const t = indices[k];
      for (let p = ti[t]; p < ti[t + 1]; p++) {
        const b = tIdx[p];
        // tf-idf weights are positive, so a touched document always has acc > 0
        if (acc[b] === 0) touched[count++] = b;
        acc[b] += w * tData[p];
      }
    }
    return count;
  }

  private clear(count: number): void {
    for (let c = 0; c < count; c++) this.acc[this.touched[c]] = 0;
  }

  /**
   * Top-K neighbours of every document (never itself, only positive similarity).
   *
   * Each pair is scored once: row a accumulates only documents b > a (a column's entries are in
   * document order, so a per-column cursor finds a's own entry and the rest follow), and the
   * score is offered to both a's and b's bounded heaps. That halves the multiply-adds; the value
   * is the same either way, since both rows meet their shared terms in ascending term order.
   */
  neighbours(k: number): NeighbourLists {
    const n = this.x.nRows;
    const { indptr, indices, data } = this.x;
    const ti = this.xt.indptr;
    const tIdx = this.xt.indices;
    const tData = this.xt.data;
    const acc = this.acc;
    const touched = this.touched;
    const heaps = new HeapSet(n, k);
    const cursor = ti.slice(0, this.xt.nRows);
    for (let a = 0; a < n; a++) {
      let count = 0;
      for (let q = indptr[a]; q < indptr[a + 1]; q++) {
        const t = indices[q];
        const w = data[q];
        const own = cursor[t]++; // tIdx[own] === a
        const end = ti[t + 1];
        for (let p = own + 1; p < end; p++) {
          const b = tIdx[p];
          if (acc[b] === 0) touched[count++] = b;
          acc[b] += w * tData[p];
        }
      }
      const floor = heaps.floor;
      for (let c = 0; c < count; c++) {
        const b = touched[c];
        const s = acc[b];
        acc[b] = 0;
        // most candidates rank below both heaps' worst kept score: reject them here
        if (s >= floor[a]) heaps.offer(a, b, s);
        if (s >= floor[b]) heaps.offer(b, a, s);
      }
    }
    return heaps.drainAll();
  }

  /**
   * The n documents most similar to a that pass `accept`, computed over the whole catalogue
   * (used when a filter leaves the precomputed top-K list short).
   */
  mostSimilar(a: number, n: number, accept?: (b: number) => boolean): Array<{ index: number; score: number }> {
    const count = this.scoreRow(a);
    const heap = new TopK(n);
    for (let c = 0; c < count; c++) {
      const b = this.touched[c];
      if (b !== a && (accept === undefined || accept(b))) heap.offer(b, this.acc[b]);
    }
    this.clear(count);
    const items = new Int32Array(heap.size);
    const scores = new Float64Array(heap.size);
    const m = heap.drainSorted(items, scores, 0);
    const out: Array<{ index: number; score: number }> = [];
    for (let i = 0; i < m; i++) out.push({ index: items[i], score: scores[i] });
    return out;
  }
}

/**
 * One bounded min-heap per document in flat typed arrays (document h owns slots h·k .. h·k+k),
 * root = the worst kept neighbour; same order as TopK.
 */
class HeapSet {
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  private readonly size: Int32Array;
  /**
   * Each heap's root score once it is full (0 before): a compact copy so that the common case,
   * a candidate worse than everything kept, is rejected without touching the heap itself.
   */
  readonly floor: Float64Array;

  constructor(
    private readonly n: number,
    private readonly k: number,
  ) {
    this.idx = new Int32Array(n * k);
    this.val = new Float64Array(n * k);
    this.size = new Int32Array(n);
    this.floor = new Float64Array(n);
  }

  offer(h: number, i: number, s: number): void {
    if (!(s > 0) || s < this.floor[h]) return;
    const k = this.k;
    const base = h * k;
    const idx = this.idx;
    const val = this.val;
    const size = this.size[h];
    if (size < k) {
      let c = size;
      this.size[h] = size + 1;
      while (c > 0) {
        const p = (c - 1) >> 1;
        const vp = val[base + p];
        if (!(s < vp || (s === vp && i > idx[base + p]))) break;
        idx[base + c] = idx[base + p];
        val[base + c] = vp;
        c = p;
      }
      idx[base + c] = i;
      val[base + c] = s;
      if (size + 1 === k) this.floor[h] = val[base];
      return;
    }
    const v0 = val[base];
    // keep the root unless (s, i) ranks above it
    if (s < v0 || (s === v0 && i > idx[base])) return;
    this.siftDown(base, size, i, s);
    this.floor[h] = val[base];
  }

  private siftDown(base: number, size: number, i: number, s: number): void {
    const idx = this.idx;
    const val = this.val;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= size) break;
      const r = l + 1;
      let m = l;
      if (r < size) {
        const vr = val[base + r];
        const vl = val[base + l];
        if (vr < vl || (vr === vl && idx[base + r] > idx[base + l])) m = r;
      }
      const vm = val[base + m];
      if (!(vm < s || (vm === s && idx[base + m] > i))) break;
      idx[base + c] = idx[base + m];
      val[base + c] = vm;
      c = m;
    }
    idx[base + c] = i;
    val[base + c] = s;
  }

  /** Every heap emptied best-first into compact lists. */
  drainAll(): NeighbourLists {
    const { n, k } = this;
    const indptr = new Int32Array(n + 1);
    for (let h = 0; h < n; h++) indptr[h + 1] = indptr[h] + this.size[h];
    const items = new Int32Array(indptr[n]);
    const scores = new Float64Array(indptr[n]);
    for (let h = 0; h < n; h++) {
      const base = h * k;
      let size = this.size[h];
      for (let pos = indptr[h] + size - 1; pos >= indptr[h]; pos--) {
        items[pos] = this.idx[base];
        scores[pos] = this.val[base];
        size--;
        if (size > 0) this.siftDown(base, size, this.idx[base + size], this.val[base + size]);
      }
      this.size[h] = 0;
      this.floor[h] = 0;
    }
    return { k, indptr, items, scores };
  }
}

/**
 * Bounded min-heap keeping the k best (score desc, index asc) among offered positive scores.
 * The root is the worst kept entry.
 */
export class TopK {
  private readonly idx: Int32Array;
  private readonly val: Float64Array;
  size = 0;

  constructor(readonly k: number) {
    this.idx = new Int32Array(Math.max(0, k));
    this.val = new Float64Array(Math.max(0, k));
  }

  reset(): void {
    this.size = 0;
  }

  /** true when (sa, ia) ranks below (sb, ib) */
  private static worse(sa: number, ia: number, sb: number, ib: number): boolean {
    return sa < sb || (sa === sb && ia > ib);
  }

  offer(i: number, s: number): void {
    if (!(s > 0) || this.k <= 0) return;
    const idx = this.idx;
    const val = this.val;
    if (this.size < this.k) {
      let c = this.size++;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!TopK.worse(s, i, val[p], idx[p])) break;
        idx[c] = idx[p];
        val[c] = val[p];
        c = p;
      }
      idx[c] = i;
      val[c] = s;
      return;
    }
    if (!TopK.worse(val[0], idx[0], s, i)) return;
    this.siftDownFromRoot(i, s);
  }

  private siftDownFromRoot(i: number, s: number): void {
    const idx = this.idx;
    const val = this.val;
    const size = this.size;
    let c = 0;
    for (;;) {
      const l = 2 * c + 1;
      if (l >= size) break;
      const r = l + 1;
      let m = l;
      if (r < size && TopK.worse(val[r], idx[r], val[l], idx[l])) m = r;
      if (!TopK.worse(val[m], idx[m], s, i)) break;
      idx[c] = idx[m];
      val[c] = val[m];
      c = m;
    }
    idx[c] = i;
    val[c] = s;
  }

  /** Writes the kept entries best-first at out[offset..] and empties the heap; returns the count. */
  drainSorted(outIdx: Int32Array, outVal: Float64Array, offset: number): number {
    const m = this.size;
    // pop the worst repeatedly, filling from the back
    for (let pos = m - 1; pos >= 0; pos--) {
      outIdx[offset + pos] = this.idx[0];
      outVal[offset + pos] = this.val[0];
      const lastI = this.idx[this.size - 1];
      const lastS = this.val[this.size - 1];
      this.size--;
      if (this.size > 0) this.siftDownFromRoot(lastI, lastS);
    }
    return m;
  }
}
