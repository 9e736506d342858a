/**
 * Item-based kNN scores of every movie for one member from the neighbour lists (above
 * `denseMaxEntities` movies, see neighbours.ts).
 */
import type { NeighbourLists } from '../neighbours.ts';
import { knnSums, type CombineSums, type KnnStep } from './knn-step.ts';

/**
 * Which way a member's movies are found in the lists: `hits` through the lists turned around (cost:
 * marking the cells that hold a rated movie, then reading those), `rows` by reading every row in
 * order up to its k-th rated cell (cost: every cell), `auto` the cheaper for this member.
 */
export type ItemListDirection = 'auto' | 'hits' | 'rows';

/**
 * What `auto` weighs, in CPU ns per cell, measured at ml-32m shape (knn-item, 7 M cells, medians
 * of 25–30 runs at load ~10–13, each way timed in turn on the same lists): marking a cell that
 * holds a rated movie (a bit set at random, ~6), reading a marked cell's neighbour (~3.7), reading
 * a cell row by row (~5, every cell). With nothing marked before, the rows win above about half of
 * the cells rated: 46 % of them (2,001 ratings) hits 30.5 ms, rows 36.3; 64 % (4,996) hits 34.6,
 * rows 28.2.
 */
export const MARK_CELL_NS = 6;
export const HIT_CELL_NS = 3.7;
export const ROW_CELL_NS = 5;

/**
 * A member's scoring work space over one model's lists, kept between requests (all −1 / 0 between
 * uses): 87,585 slots and terms, 87,585 rated bits and 7 M cell bits at ml-32m shape.
 */
export class ItemListScoring {
  readonly direction: ItemListDirection;
  /** a member's rating position per movie (−1: unrated) */
  private slot = new Int32Array(0);
  /** their term per movie (0: unrated), so a cell reads its movie's term in one step */
  private termOf = new Float64Array(0);
  /** which movies they rated, one bit each (11 KB at ml-32m shape: it stays in the L1 cache) */
  private ratedBits = new Int32Array(0);
  /**
   * which list cells hold a movie of `marked`, one bit each (hits only), kept after a request: the
   * member's next request, one rating later, changes only that movie's cells (see markHits)
   */
  private hitBits = new Int32Array(0);
  /** the lists `hitBits` was marked on, and for which movies (a bit each, and their list) */
  private markedLists: NeighbourLists | undefined;
  private marked = new Int32Array(0);
  private markedItems = new Int32Array(0);

  constructor(direction: ItemListDirection = 'auto') {
    this.direction = direction;
  }

  /** The direction a member with these movies would be scored in now (what `scoreAll` would do). */
  directionFor(lists: NeighbourLists, items: Int32Array): 'hits' | 'rows' {
    this.setUp(lists.n, items, new Float64Array(items.length));
    try {
      return this.chooseDirection(lists, items);
    } finally {
      this.tearDown(items);
    }
  }

  /** The cheaper direction by the weights above; the member's movies are set up. */
  private chooseDirection(lists: NeighbourLists, items: Int32Array): 'hits' | 'rows' {
    if (this.direction !== 'auto') return this.direction;
    const { changed, all } = this.marking(lists, items);
    const hitsNs = MARK_CELL_NS * Math.min(changed, all) + HIT_CELL_NS * all;
    return ROW_CELL_NS * lists.size < hitsNs ? 'rows' : 'hits';
  }

  /**
   * Every movie's estimate (`combine`) and support for a member with ratings' terms `terms` at the
   * positions of `items`. Movie i's candidates are the rated movies in i's list (and i itself,
   * similarity 1, when rated); the list is sorted by similarity, so its first k rated entries are
   * the k neighbours: no selection. Both directions add the same terms in list order, the order the
   * whole-row walk adds them (identical bits). Surprise's tie rule (equal similarities: the earlier
   * rating first) is kept by `settleTies` at the k-th place.
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
    this.setUp(lists.n, items, terms);
    try {
      if (this.chooseDirection(lists, items) === 'rows') this.scoreRows(lists, terms, step, combine, out, support);
      else this.scoreHits(lists, items, terms, step, combine, out, support);
    } finally {
      this.tearDown(items);
    }
  }

  /** The member's slots, terms and rated bits, for n movies. */
  private setUp(n: number, items: Int32Array, terms: Float64Array): void {
    if (this.slot.length !== n) {
      this.slot = new Int32Array(n).fill(-1);
      this.termOf = new Float64Array(n);
      this.ratedBits = new Int32Array((n + 31) >>> 5);
    }
    const { slot, termOf, ratedBits } = this;
    for (let c = 0; c < items.length; c++) {
      const j = items[c];
      slot[j] = c;
      termOf[j] = terms[c];
      ratedBits[j >>> 5] |= 1 << (j & 31);
    }
  }

  /** Undoes setUp: all −1 and 0 again. */
  private tearDown(items: Int32Array): void {
    const { slot, termOf, ratedBits } = this;
    for (let c = 0; c < items.length; c++) {
      const j = items[c];
      slot[j] = -1;
      termOf[j] = 0;
      ratedBits[j >>> 5] = 0;
    }
  }

  /**
   * Cells the hit bits hold for the member's movies (`all`), and how many would change from what
   * they hold now (`changed`: the cells of the movies added and dropped; `all` when they were
   * marked on other lists). The member's movies are set up.
   */
  private marking(lists: NeighbourLists, items: Int32Array): { changed: number; all: number } {
    const rev = lists.byNeighbour();
    const same = this.markedLists === lists;
    const { ratedBits, marked } = this;
    let changed = 0;
    let all = 0;
    const before = same ? this.markedItems : new Int32Array(0);
    for (let c = 0; c < before.length; c++) {
      const j = before[c];
      if (((ratedBits[j >>> 5] >>> (j & 31)) & 1) === 0) changed += rev.ptr[j + 1] - rev.ptr[j];
    }
    for (let c = 0; c < items.length; c++) {
      const j = items[c];
      const cells = rev.ptr[j + 1] - rev.ptr[j];
      all += cells;
      if (!same || ((marked[j >>> 5] >>> (j & 31)) & 1) === 0) changed += cells;
    }
    return { changed, all };
  }

  /**
   * Through the hits: each rated movie's cells (the lists turned around, `byNeighbour`) get a bit
   * in a set over all n·K cells, and each row is then read bit by bit, in list order, to its k-th
   * set bit.
   *
   * Why not always the rows: at ml-32m shape every one of the 87,585 lists is full (K = 80) and
   * made of popular movies (the most listed sits in 24,758 lists), so a member's movies hit
   * 0.2–3 M of the 7 M cells; below about half of them, marking and reading the hits costs less
   * than reading every cell (see MARK_CELL_NS). Gathering the hits per movie with their
   * terms and sorting them cost more still (CPU p95 356 against 187 ms for 2,000 ratings): the bit
   * set needs no buckets and no sort.
   */
  private scoreHits(
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
    const { slot, termOf } = this;
    const hit = this.markHits(lists, items);
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
            sumST += sv * termOf[nb[p]];
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
  }

  /**
   * Sets the bits of the cells that hold one of `items` (and only those). When the bits were last
   * marked on these lists for nearly the same movies (a member's request after their own rating),
   * only the cells of the movies added or dropped change; otherwise all are cleared and marked
   * again. Marking is the larger part of the hits way: at ml-32m shape, 3.2 M cells at random for
   * 2,001 ratings, about 19 of its 31 CPU ms (median at load ~10).
   */
  private markHits(lists: NeighbourLists, items: Int32Array): Int32Array {
    const words = (lists.size + 31) >>> 5;
    const rev = lists.byNeighbour();
    const { ratedBits } = this;
    if (this.hitBits.length !== words || this.markedLists !== lists) {
      this.hitBits = new Int32Array(words);
      this.marked = new Int32Array(ratedBits.length);
      this.markedItems = new Int32Array(0);
      this.markedLists = lists;
    }
    const hit = this.hitBits;
    const marked = this.marked;
    const before = this.markedItems;
    // the cells of the movies dropped and added one by one, or all again if that is less work
    const { changed, all } = this.marking(lists, items);
    if (changed < all) {
      for (let c = 0; c < before.length; c++) {
        const j = before[c];
        if (((ratedBits[j >>> 5] >>> (j & 31)) & 1) !== 0) continue;
        for (let r = rev.ptr[j]; r < rev.ptr[j + 1]; r++) {
          const p = rev.cells[r];
          hit[p >>> 5] &= ~(1 << (p & 31));
        }
      }
      for (let c = 0; c < items.length; c++) {
        const j = items[c];
        if (((marked[j >>> 5] >>> (j & 31)) & 1) !== 0) continue;
        for (let r = rev.ptr[j]; r < rev.ptr[j + 1]; r++) {
          const p = rev.cells[r];
          hit[p >>> 5] |= 1 << (p & 31);
        }
      }
    } else {
      hit.fill(0);
      for (let c = 0; c < items.length; c++) {
        const j = items[c];
        for (let r = rev.ptr[j]; r < rev.ptr[j + 1]; r++) {
          const p = rev.cells[r];
          hit[p >>> 5] |= 1 << (p & 31);
        }
      }
    }
    marked.set(ratedBits);
    this.markedItems = Int32Array.from(items);
    return hit;
  }

  /**
   * Row by row: each row is read in list order to its k-th rated cell. A cell adds sim × (1, term)
   * of its movie, which is (0, 0) for an unrated one: adding +0 leaves a sum unchanged, so the sums
   * are those of the hits direction bit for bit, and the loop has no branch on whether a movie is
   * rated (where this way is chosen, about every other cell is rated: a branch would mispredict).
   */
  private scoreRows(
    lists: NeighbourLists,
    terms: Float64Array,
    step: KnnStep,
    combine: CombineSums,
    out: Float64Array,
    support: Float64Array | null,
  ): void {
    const n = lists.n;
    const k = step.k;
    const { slot, termOf, ratedBits } = this;
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
      if (cnt < k) {
        for (; from < end; from++) {
          const j = nb[from];
          const w = (ratedBits[j >>> 5] >>> (j & 31)) & 1;
          const sv = sim[from];
          sumS += sv * w;
          sumST += sv * termOf[j];
          cnt += w;
          if (cnt === k) {
            last = sv;
            from++;
            break;
          }
        }
      }
      sums[0] = sumST;
      sums[1] = sumS;
      sums[2] = cnt;
      if (cnt === k) {
        // as in scoreHits: only the next rated cell can tie with the k-th
        let next = from;
        while (next < end && ((ratedBits[nb[next] >>> 5] >>> (nb[next] & 31)) & 1) === 0) next++;
        if (next < end && sim[next] === last) settleTies(step, lists, i, own, slot, terms);
      }
      out[i] = combine(i);
      if (support) support[i] = cnt;
    }
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
