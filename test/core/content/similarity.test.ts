import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import { SimilarityIndex, TopK } from '../../../src/core/content/similarity.ts';
import { transpose, type SparseRows } from '../../../src/core/content/sparse.ts';

/** Random L2-normalised sparse rows over nCols terms, some rows repeated (exact ties) and some empty. */
function randomRows(rng: Rng, nRows: number, nCols: number): { x: SparseRows; dense: number[][] } {
  const dense: number[][] = [];
  for (let r = 0; r < nRows; r++) {
    if (r % 17 === 5) {
      dense.push(new Array<number>(nCols).fill(0)); // no features
      continue;
    }
    if (r % 11 === 3 && r > 0) {
      dense.push([...dense[r - 1]]); // a duplicate of the previous row
      continue;
    }
    const v = new Array<number>(nCols).fill(0);
    const nnz = 1 + rng.int(5);
    for (let k = 0; k < nnz; k++) v[rng.int(nCols)] = 0.1 + rng.random();
    const norm = Math.hypot(...v);
    dense.push(v.map((w) => w / norm));
  }
  const indptr = new Int32Array(nRows + 1);
  const indices: number[] = [];
  const data: number[] = [];
  dense.forEach((v, r) => {
    v.forEach((w, c) => {
      if (w !== 0) {
        indices.push(c);
        data.push(w);
      }
    });
    indptr[r + 1] = indices.length;
  });
  return { x: { nRows, nCols, indptr, indices: Int32Array.from(indices), data: Float64Array.from(data) }, dense };
}

/** Brute force: every pair by a dense dot product, sorted by score desc then index asc. */
function bruteNeighbours(dense: number[][], a: number, k: number): Array<{ index: number; score: number }> {
  const all: Array<{ index: number; score: number }> = [];
  dense.forEach((v, b) => {
    if (b === a) return;
    let s = 0;
    for (let c = 0; c < v.length; c++) s += dense[a][c] * v[c];
    if (s > 0) all.push({ index: b, score: s });
  });
  all.sort((p, q) => q.score - p.score || p.index - q.index);
  return all.slice(0, k);
}

describe('top-K neighbour lists', () => {
  it('equal a brute-force all-pairs search, ties going to the lower index', () => {
    const { x, dense } = randomRows(new Rng(7), 160, 40);
    const index = new SimilarityIndex(x);
    const k = 6;
    const lists = index.neighbours(k);
    for (let a = 0; a < x.nRows; a++) {
      const got = Array.from(lists.items.subarray(lists.indptr[a], lists.indptr[a + 1]));
      const scores = Array.from(lists.scores.subarray(lists.indptr[a], lists.indptr[a + 1]));
      const want = bruteNeighbours(dense, a, k);
      expect(got.length).toBe(want.length);
      for (let r = 0; r < want.length; r++) {
        expect(scores[r]).toBeCloseTo(want[r].score, 12);
        // ids agree unless two candidates tie to rounding
        if (got[r] !== want[r].index) expect(Math.abs(scores[r] - want[r].score)).toBeLessThan(1e-12);
      }
      expect(got).not.toContain(a);
    }
  });

  it('give a movie without features no neighbours, and find exact duplicates first', () => {
    const { x } = randomRows(new Rng(3), 40, 12);
    const lists = new SimilarityIndex(x).neighbours(5);
    expect(lists.indptr[6] - lists.indptr[5]).toBe(0); // row 5 is empty
    // row 14 (14 % 11 === 3) duplicates row 13: each is the other's nearest, with cosine 1
    expect(lists.items[lists.indptr[13]]).toBe(14);
    expect(lists.scores[lists.indptr[13]]).toBeCloseTo(1, 12);
    expect(lists.items[lists.indptr[14]]).toBe(13);
  });

  it('answer a filtered query over the whole catalogue', () => {
    const { x, dense } = randomRows(new Rng(11), 120, 30);
    const index = new SimilarityIndex(x);
    const even = (b: number): boolean => b % 2 === 0;
    const got = index.mostSimilar(1, 8, even);
    const want = bruteNeighbours(dense, 1, 1000).filter((c) => even(c.index)).slice(0, 8);
    expect(got.map((c) => c.score)).toEqual(want.map((c) => expect.closeTo(c.score, 12)));
    expect(got.every((c) => even(c.index))).toBe(true);
  });
});

describe('TopK', () => {
  it('keeps the k best positive scores, best first, lower index on ties', () => {
    const top = new TopK(3);
    const offers: Array<[number, number]> = [[5, 0.2], [1, 0.9], [7, 0.5], [2, 0.5], [9, 0], [4, -1], [3, 0.5], [8, 0.1]];
    for (const [i, s] of offers) top.offer(i, s);
    const idx = new Int32Array(3);
    const val = new Float64Array(3);
    expect(top.drainSorted(idx, val, 0)).toBe(3);
    expect(Array.from(idx)).toEqual([1, 2, 3]);
    expect(Array.from(val)).toEqual([0.9, 0.5, 0.5]);
    expect(top.size).toBe(0);
  });
});

describe('transpose', () => {
  it('is the inverted index: documents ascending per term', () => {
    const x: SparseRows = { nRows: 3, nCols: 2, indptr: Int32Array.from([0, 2, 2, 3]), indices: Int32Array.from([0, 1, 1]), data: Float64Array.from([1, 2, 3]) };
    const t = transpose(x);
    expect(Array.from(t.indptr)).toEqual([0, 1, 3]);
    expect(Array.from(t.indices)).toEqual([0, 0, 2]);
    expect(Array.from(t.data)).toEqual([1, 2, 3]);
  });
});
