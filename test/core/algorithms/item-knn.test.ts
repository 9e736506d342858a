import { describe, expect, it } from 'vitest';
import { ParamError } from '../../../src/core/algorithm.ts';
import { ItemKnn, itemKnnDescriptor } from '../../../src/core/algorithms/item-knn.ts';
import { decodeModel, encodeModel } from '../../../src/core/snapshot.ts';
import type { Trainset } from '../../../src/core/trainset.ts';
import { lowRankTrainset } from './mf-fixtures.ts';
import { build, type Row } from './small-ratings.ts';

/** Shrunk cosine of every pair, from a dense 0/1 matrix, the long way. */
function denseSimilarities(ts: Trainset, shrink: number): number[][] {
  const x = Array.from({ length: ts.nItems }, () => new Array<number>(ts.nUsers).fill(0));
  ts.forEachRating((u, i) => (x[i][u] = 1));
  const n = x.map((col) => col.reduce((s, v) => s + v, 0));
  return x.map((ci, i) =>
    x.map((cj, j) => {
      if (i === j) return 0;
      const co = ci.reduce((s, v, u) => s + v * cj[u], 0);
      return co === 0 ? 0 : (co / Math.sqrt(n[i] * n[j])) * (co / (co + shrink));
    }),
  );
}

/** The k best neighbours of each movie from the dense similarities: score desc, then id asc. */
function denseLists(sim: number[][], k: number): Array<Array<[number, number]>> {
  return sim.map((row, i) =>
    row
      .map((s, j) => [j, s] as [number, number])
      .filter(([j, s]) => j !== i && s > 0)
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, k),
  );
}

describe('implicit item-kNN', () => {
  const ts = lowRankTrainset({ nUsers: 50, nItems: 35, rank: 2, density: 0.25, noise: 0.3, seed: 11 });

  it('keeps, for every movie, the k most similar movies of a dense shrunk-cosine computation', () => {
    for (const [k, shrink] of [[5, 10], [40, 0]] as const) {
      const knn = itemKnnDescriptor.create({ k, shrink }).fit(ts) as ItemKnn;
      const { indptr, indices, values } = knn.neighbours;
      const expected = denseLists(denseSimilarities(ts, shrink), k);
      for (let i = 0; i < ts.nItems; i++) {
        const got = Array.from(indices.subarray(indptr[i], indptr[i + 1]));
        expect(got, `movie ${i}`).toEqual(expected[i].map(([j]) => j));
        const gotValues = Array.from(values.subarray(indptr[i], indptr[i + 1]));
        gotValues.forEach((v, x) => expect(v).toBeCloseTo(expected[i][x][1], 6));
      }
    }
  });

  it('computes by hand: two movies watched by the same two of three members', () => {
    // a: U1 U2 U3, b: U1 U2 → co = 2, sim = 2/√6 · 2/(2 + 1)
    const rows: Row[] = [['U1', 'a', 5], ['U2', 'a', 3], ['U3', 'a', 4], ['U1', 'b', 2], ['U2', 'b', 1]];
    const knn = itemKnnDescriptor.create({ k: 5, shrink: 1 }).fit(build(rows)) as ItemKnn;
    expect(knn.neighbours.values[0]).toBeCloseTo((2 / Math.sqrt(6)) * (2 / 3), 6);
    expect(Array.from(knn.neighbours.indptr)).toEqual([0, 1, 2]);
  });

  it('scores a movie by the similarities of the member\'s movies that list it, and explains with them', () => {
    const knn = itemKnnDescriptor.create({ k: 8, shrink: 5 }).fit(ts) as ItemKnn;
    const { indptr, indices, values } = knn.neighbours;
    const profile = { items: Int32Array.of(0, 3, 7), ratings: Float32Array.of(4, 2, 5) };
    const out = new Float64Array(ts.nItems);
    knn.scoreAll(profile, out);
    const expected = new Float64Array(ts.nItems);
    for (const j of [0, 3, 7]) for (let k = indptr[j]; k < indptr[j + 1]; k++) expected[indices[k]] += values[k];
    expect(Array.from(out)).toEqual(Array.from(expected));
    const best = knn.recommend(profile, 1)[0].item;
    expect(knn.estimateFor(profile, best).value).toBeCloseTo(out[best], 12);
    const because = knn.explain(profile, best, 3);
    expect(because.reduce((s, c) => s + c.weight, 0)).toBeCloseTo(out[best], 6);
    expect(because.map((c) => c.weight)).toEqual([...because.map((c) => c.weight)].sort((a, b) => b - a));
  });

  it('scores a live member holding exactly a trained user\'s ratings as that user', () => {
    const knn = itemKnnDescriptor.create().fit(ts);
    const p = ts.profileOf(4);
    const a = new Float64Array(ts.nItems);
    const b = new Float64Array(ts.nItems);
    knn.scoreAll(p, a);
    knn.scoreAll({ items: p.items, ratings: p.ratings }, b);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(knn.estimate(4, 2).value).toBeCloseTo(a[2], 12);
  });

  it('survives a snapshot with identical scores, and refuses lists for another catalogue', () => {
    const knn = itemKnnDescriptor.create({ k: 10 }).fit(ts);
    const back = decodeModel(encodeModel(knn), ts, (_name, params) => itemKnnDescriptor.create(params));
    for (const u of [0, 9, 21]) {
      const a = new Float64Array(ts.nItems);
      const b = new Float64Array(ts.nItems);
      knn.scoreAll(ts.profileOf(u), a);
      back.scoreAll(ts.profileOf(u), b);
      expect(Array.from(b)).toEqual(Array.from(a));
    }
    const other = new ItemKnn(knn.params);
    expect(() => other.restore(ts, { ...knn.state(), indptr: new Int32Array(3) })).toThrow(/indptr/);
  });

  it('refuses k = 0 and a negative shrinkage', () => {
    expect(() => itemKnnDescriptor.create({ k: 0 })).toThrow(ParamError);
    expect(() => itemKnnDescriptor.create({ shrink: -1 })).toThrow(/shrink must be at least 0/);
  });
});
