/**
 * Item-based kNN scores of every movie for one member from the neighbour lists (above
 * `denseMaxEntities` movies, see neighbours.ts).
 */
import type { NeighbourLists } from '../neighbours.ts';
import { knnSums, type CombineSums, type KnnStep } from './knn-step.ts';

/** A member's scoring work space over one model's lists, kept between requests. */
export class ItemListScoring {
  /** a member's rating position per movie (−1: unrated), see memberScratch */
  private slotOf = new Int32Array(0);
  /** …and which list cells hold a movie they rated, one bit each */
  private hitBits = new Int32Array(0);

  /**
   * Item-based scores of every movie from the neighbour lists. Movie i's candidates are the rated
   * movies in i's list (and i itself, similarity 1, when rated); the list is sorted by similarity,
   * so its first k rated entries are the k neighbours: no selection. Which cells are rated comes
   * from the lists turned around (`byNeighbour`): each rated movie's cells get a bit in a set over
   * all n·K cells, and each row is then read bit by bit, in list order, to its k-th set bit, so the
   * sums are added in the order the whole-row walk added them (bit-identical estimates).
   *
   * Why bits and not the walk over every row: at ml-32m shape every one of the 87,585 lists is
   * full (K = 80) and made of popular movies (the most listed sits in 24,758 lists), so a member's
   * movies hit 1–2 M of the 7 M cells and the walk read all 7 M, at CPU p95 37–88 ms on this
   * shared machine for members with 200–2,000 ratings. Gathering the hits per movie with their
   * terms and sorting them cost more still (CPU p95 356 against 187 ms for 2,000 ratings): the bit
   * set needs no buckets and no sort. Surprise's tie rule (equal similarities: the earlier rating
   * first) is kept by `settleTies` at the k-th place.
   */
  scoreAll(
    lists: NeighbourLists,
    items: Int32Array,
    terms: Float64Array,
    step: KnnStep,
    combine: CombineSums,
    out: Float64Array,
    support: Float64Array | null,
  ): void {
    const n = lists.n;
    const k = step.k;
    const { slot, hit } = this.memberScratch(n, lists.size);
    const rev = lists.byNeighbour();
    for (let c = 0; c < items.length; c++) {
      const j = items[c];
      slot[j] = c;
      for (let r = rev.ptr[j]; r < rev.ptr[j + 1]; r++) {
        const p = rev.cells[r];
        hit[p >>> 5] |= 1 << (p & 31);
      }
    }
    const { ptr, nb, sim } = lists;
    const sums = step.sums;
    for (let i = 0; i < n; i++) {
      let cnt = 0;
      let sumS = 0;
      let sumST = 0;
      let last = Infinity;
      const own = slot[i];
      if (own >= 0) {
        cnt = 1;
        sumS = 1;
        sumST = terms[own];
        last = 1;
      }
      const end = ptr[i + 1];
      // the next cell to read: after the loop, the one after the k-th rated (or the row's end)
      let from = ptr[i];
      if (cnt < k && from < end) {
        let w = from >>> 5;
        let bits = hit[w] & (-1 << (from & 31));
        const lastWord = (end - 1) >>> 5;
        from = end;
        scan: for (;;) {
          while (bits !== 0) {
            const low = bits & -bits;
            const p = w * 32 + 31 - Math.clz32(low);
            if (p >= end) break scan;
            bits ^= low;
            const sv = sim[p];
            sumS += sv;
            sumST += sv * terms[slot[nb[p]]];
            last = sv;
            if (++cnt === k) {
              from = p + 1;
              break scan;
            }
          }
          if (++w > lastWord) break;
          bits = hit[w];
        }
      }
      sums[0] = sumST;
      sums[1] = sumS;
      sums[2] = cnt;
      // a rated movie after the k-th with the same similarity may take its place (earlier rating);
      // the row is sorted, so only the next rated cell can tie
      const next = cnt === k ? nextSetBit(hit, from, end) : -1;
      if (next >= 0 && sim[next] === last) settleTies(step, lists, i, own, slot, terms);
      out[i] = combine(i);
      if (support) support[i] = cnt;
    }
    for (let c = 0; c < items.length; c++) slot[items[c]] = -1;
    hit.fill(0);
  }

  /**
   * A member's rating position per movie (−1: unrated) and a bit per list cell, kept between
   * requests, all −1 and all 0 between uses: 87,585 slots and 7 M bits at ml-32m shape.
   */
  private memberScratch(n: number, cells: number): { slot: Int32Array; hit: Int32Array } {
    if (this.slotOf.length !== n) this.slotOf = new Int32Array(n).fill(-1);
    const words = (cells + 31) >>> 5;
    if (this.hitBits.length !== words) this.hitBits = new Int32Array(words);
    return { slot: this.slotOf, hit: this.hitBits };
  }
}

/**
 * Movie i's neighbour sums the general way (knnSums over every rated candidate with its rating
 * position), for the rare movie whose k-th place is tied: the walk above cannot tell which of
 * the tied ratings came first.
 */
function settleTies(step: KnnStep, lists: NeighbourLists, i: number, own: number, slot: Int32Array, terms: Float64Array): void {
  step.ensure(lists.longestRow + 1);
  const sims = step.sims;
  const pos = step.pos;
  const candTerms = step.terms;
  let m = 0;
  if (own >= 0) {
    sims[0] = 1;
    pos[0] = own;
    candTerms[0] = terms[own];
    m = 1;
  }
  for (let p = lists.ptr[i]; p < lists.ptr[i + 1]; p++) {
    const c = slot[lists.nb[p]];
    if (c < 0) continue;
    sims[m] = lists.sim[p];
    pos[m] = c;
    candTerms[m++] = terms[c];
  }
  knnSums(m, sims, candTerms, 0, pos, step.heap, step.sums);
}

/** The first set bit at or after `from` and before `end`, or −1. */
function nextSetBit(bits: Int32Array, from: number, end: number): number {
  if (from >= end) return -1;
  let w = from >>> 5;
  let word = bits[w] & (-1 << (from & 31));
  const lastWord = (end - 1) >>> 5;
  for (;;) {
    if (word !== 0) {
      const p = w * 32 + 31 - Math.clz32(word & -word);
      return p < end ? p : -1;
    }
    if (++w > lastWord) return -1;
    word = bits[w];
  }
}
