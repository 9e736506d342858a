import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import type { Profile, Trainset } from '../../../src/core/trainset.ts';
import {
  KNNBaseline,
  KNNBasic,
  KNNWithMeans,
  KNNWithZScore,
  resolveKnnParams,
  type KnnAlgorithm,
} from '../../../src/core/algorithms/knn.ts';
import { computeSimilarities, SIMILARITY_NAMES, type SimilarityName } from '../../../src/core/similarity.ts';
import { computeBaselines } from '../../../src/core/baselines.ts';
import { computeNeighbourLists, memberSimilarityRow, neighbourListOptions } from '../../../src/core/neighbours.ts';
import { similarityRowForProfile } from '../../../src/core/similarity.ts';
import { ParamError } from '../../../src/core/algorithm.ts';
import { build, type Row } from './small-ratings.ts';

/** 40 members × 25 movies, about a third rated, half-star ratings: ties and small supports occur. */
function randomSet(seed: number): Trainset {
  const rng = new Rng(seed);
  const rows: Row[] = [];
  for (let u = 0; u < 40; u++) {
    for (let i = 0; i < 25; i++) {
      if (rng.random() < 0.33) rows.push([`u${u}`, `m${i}`, 1 + rng.int(9) / 2]);
    }
  }
  return build(rows);
}

const VARIANTS = [
  ['knn-basic', KNNBasic],
  ['knn-means', KNNWithMeans],
  ['knn-zscore', KNNWithZScore],
  ['knn-baseline', KNNBaseline],
] as const;

/** a dense model and one forced onto neighbour lists that hold every positive similarity */
function pair(
  name: (typeof VARIANTS)[number][0],
  make: (typeof VARIANTS)[number][1],
  given: Record<string, unknown>,
  ts: Trainset,
  build: 'exact' | 'bounded',
): [KnnAlgorithm, KnnAlgorithm] {
  const params = resolveKnnParams(name, given);
  const dense = new make(params).fit(ts);
  const lists = { denseMaxEntities: 0, listSize: 100, maxMemberCandidates: 100, maxRowCandidates: 100 };
  const sparse = new make(params, { ...lists, exactPairBudget: build === 'exact' ? 1e9 : 0 }).fit(ts);
  return [dense, sparse];
}

/** equal to 12 decimals, NaN (no estimate) where the dense one is NaN */
function expectClose(got: Float64Array, want: Float64Array): void {
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) expect(got[i]).toBeNaN();
    else expect(got[i]).toBeCloseTo(want[i], 12);
  }
}

const asMember = (ts: Trainset, u: number): Profile => {
  const p = ts.profileOf(u);
  return { items: p.items.slice(), ratings: p.ratings.slice() };
};

describe('kNN on neighbour lists, when the lists hold every neighbour, estimates as the dense matrix does', () => {
  const ts = randomSet(7);
  for (const [name, make] of VARIANTS) {
    for (const sim of SIMILARITY_NAMES) {
      for (const [userBased, build] of [[true, 'exact'], [false, 'exact'], [true, 'bounded'], [false, 'bounded']] as const) {
        it(`${name}, ${sim}, ${userBased ? 'user' : 'item'}-based, k 3, ${build} build`, () => {
          const [dense, sparse] = pair(name, make, { name: sim, user_based: userBased, k: 3, min_support: 2 }, ts, build);
          expect(sparse.neighbourLists).toBeDefined();
          expect(() => sparse.similarities).toThrow(/neighbour lists/);
          const a1 = new Float64Array(ts.nItems);
          const b1 = new Float64Array(ts.nItems);
          for (let u = 0; u < ts.nUsers; u++) {
            for (let i = 0; i < ts.nItems; i++) {
              const d = dense.estimate(u, i);
              a1[i] = d.value ?? NaN;
              const e = sparse.estimate(u, i);
              b1[i] = e.value ?? NaN;
            }
            // the bounded build sums each pair from the other end: ulps
            expectClose(b1, a1);
          }
          for (const u of [0, 11, 39]) {
            const a = new Float64Array(ts.nItems);
            const b = new Float64Array(ts.nItems);
            // a trained member, then the same ratings as a live member (no `user`)
            dense.scoreAll({ ...asMember(ts, u), user: u }, a);
            sparse.scoreAll({ ...asMember(ts, u), user: u }, b);
            // the dense item-based path sums in movie-id order, the lists in rating order: ulps
            expectClose(b, a);
            dense.scoreAll(asMember(ts, u), a);
            sparse.scoreAll(asMember(ts, u), b);
            expectClose(b, a);
            const d = dense.estimateFor(asMember(ts, u), 3);
            const e = sparse.estimateFor(asMember(ts, u), 3);
            expectClose(Float64Array.of(e.value ?? NaN), Float64Array.of(d.value ?? NaN));
          }
        });
      }
    }
  }
});

describe('neighbour lists keep each row’s K strongest positive similarities', () => {
  const ts = randomSet(11);
  const baselines = computeBaselines(ts);
  const sortedRow = (dense: { n: number; get(a: number, b: number): number }, a: number, K: number) =>
    Array.from({ length: dense.n }, (_, b) => ({ b, s: dense.get(a, b) }))
      .filter(({ b, s }) => b !== a && s > 0)
      .sort((x, y) => y.s - x.s || x.b - y.b)
      .slice(0, K);
  for (const sim of SIMILARITY_NAMES as readonly SimilarityName[]) {
    it(`${sim}, bounded build with 3 candidates per row: every stored similarity is the exact one`, () => {
      const opts = { name: sim, userBased: true, minSupport: 1, shrinkage: 100 };
      const dense = computeSimilarities(ts, opts, baselines);
      const lists = computeNeighbourLists(ts, opts, { listSize: 10, exactPairBudget: 0, maxRowCandidates: 3 }, baselines);
      for (let a = 0; a < dense.n; a++) {
        expect(lists.ptr[a + 1] - lists.ptr[a]).toBeLessThanOrEqual(3);
        for (let p = lists.ptr[a]; p < lists.ptr[a + 1]; p++) expect(lists.sim[p]).toBeCloseTo(dense.get(a, lists.nb[p]), 12);
      }
      expect(lists.size).toBeGreaterThan(dense.n);
    });
    it(`${sim}, bounded build with room for every co-rater: the lists match a naive sort`, () => {
      const opts = { name: sim, userBased: false, minSupport: 1, shrinkage: 100 };
      const dense = computeSimilarities(ts, opts, baselines);
      const lists = computeNeighbourLists(ts, opts, { listSize: 4, exactPairBudget: 0, maxRowCandidates: 1000 }, baselines);
      for (let a = 0; a < dense.n; a++) {
        const naive = sortedRow(dense, a, 4);
        expect(Array.from(lists.sim.subarray(lists.ptr[a], lists.ptr[a + 1]))).toEqual(naive.map((e) => expect.closeTo(e.s, 12)));
      }
    });
    for (const userBased of [true, false]) {
      it(`${sim}, ${userBased ? 'users' : 'movies'}, K 4: the lists match a naive sort of the dense rows`, () => {
        const opts = { name: sim, userBased, minSupport: 1, shrinkage: 100 };
        const dense = computeSimilarities(ts, opts, baselines);
        const lists = computeNeighbourLists(ts, opts, { listSize: 4, exactPairBudget: 1e9, maxRowCandidates: 1 }, baselines);
        for (let a = 0; a < dense.n; a++) {
          const naive = sortedRow(dense, a, 4);
          const got = [];
          for (let p = lists.ptr[a]; p < lists.ptr[a + 1]; p++) got.push({ b: lists.nb[p], s: lists.sim[p] });
          expect(got).toEqual(naive);
        }
      });
    }
  }
});

describe('a live member’s similarities come from a bounded set of co-raters', () => {
  const ts = randomSet(3);
  const opts = { name: 'pearson' as const, userBased: true, minSupport: 1, shrinkage: 100 };
  const me = asMember(ts, 5);

  it('with room for every co-rater, the row equals the full computation', () => {
    const full = similarityRowForProfile(ts, opts, me.items, me.ratings);
    const bounded = memberSimilarityRow(ts, opts, me.items, me.ratings, 1000);
    for (let v = 0; v < ts.nUsers; v++) expect(bounded[v]).toBeCloseTo(full[v], 12);
  });

  it('with a cap of 5, at most 5 members are compared, each with their exact similarity', () => {
    const full = similarityRowForProfile(ts, opts, me.items, me.ratings);
    const bounded = memberSimilarityRow(ts, opts, me.items, me.ratings, 5);
    const compared = [...bounded.keys()].filter((v) => bounded[v] !== 0);
    expect(compared.length).toBeGreaterThan(0);
    expect(compared.length).toBeLessThanOrEqual(5);
    for (const v of compared) expect(bounded[v]).toBeCloseTo(full[v], 12);
  });
});

describe('list settings', () => {
  it('K is at least k, and nonsense is refused with the setting named', () => {
    expect(neighbourListOptions(40, { listSize: 10 }).listSize).toBe(40);
    expect(neighbourListOptions(40).listSize).toBe(80);
    expect(() => neighbourListOptions(40, { maxMemberCandidates: 0 })).toThrow(ParamError);
    expect(() => neighbourListOptions(40, { denseMaxEntities: 1.5 })).toThrow(/denseMaxEntities/);
  });
});

describe('a snapshot carries the similarities, so a restart does not compute them again', () => {
  const ts = randomSet(5);
  for (const mode of ['packed triangle', 'neighbour lists'] as const) {
    it(`${mode}: the restored model uses the saved values`, () => {
      const params = resolveKnnParams('knn-baseline', { name: 'pearson_baseline', user_based: true, k: 5 });
      const lists = mode === 'neighbour lists' ? { denseMaxEntities: 0 } : {};
      const algo = new KNNBaseline(params, lists).fit(ts);
      const state = algo.state();
      const copy = new KNNBaseline(params, lists);
      copy.restore(ts, state);
      const a = new Float64Array(ts.nItems);
      const b = new Float64Array(ts.nItems);
      algo.scoreAll({ ...asMember(ts, 2), user: 2 }, a);
      copy.scoreAll({ ...asMember(ts, 2), user: 2 }, b);
      expect(b).toEqual(a);
      // the proof that they are read, not recomputed: changed saved values change the estimates
      const saved = (mode === 'packed triangle' ? state.sim_packed : state.list_sim) as Float64Array;
      expect(saved.length).toBeGreaterThan(0);
      saved.fill(0.5);
      const tampered = new KNNBaseline(params, lists);
      tampered.restore(ts, state);
      tampered.scoreAll({ ...asMember(ts, 2), user: 2 }, b);
      expect(b).not.toEqual(a);
    });
  }
});
