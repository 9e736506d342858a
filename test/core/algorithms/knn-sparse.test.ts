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
): [KnnAlgorithm, KnnAlgorithm] {
  const params = resolveKnnParams(name, given);
  const dense = new make(params).fit(ts);
  const sparse = new make(params, { denseMaxEntities: 0, listSize: 100, maxMemberCandidates: 100 }).fit(ts);
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
      for (const userBased of [true, false]) {
        it(`${name}, ${sim}, ${userBased ? 'user' : 'item'}-based, k 3`, () => {
          const [dense, sparse] = pair(name, make, { name: sim, user_based: userBased, k: 3, min_support: 2 }, ts);
          expect(sparse.neighbourLists).toBeDefined();
          expect(() => sparse.similarities).toThrow(/neighbour lists/);
          for (let u = 0; u < ts.nUsers; u++) {
            for (let i = 0; i < ts.nItems; i++) expect(sparse.estimate(u, i)).toEqual(dense.estimate(u, i));
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
            expect(sparse.estimateFor(asMember(ts, u), 3)).toEqual(dense.estimateFor(asMember(ts, u), 3));
          }
        });
      }
    }
  }
});

describe('neighbour lists keep each row’s K strongest positive similarities', () => {
  const ts = randomSet(11);
  const baselines = computeBaselines(ts);
  for (const sim of SIMILARITY_NAMES as readonly SimilarityName[]) {
    for (const userBased of [true, false]) {
      it(`${sim}, ${userBased ? 'users' : 'movies'}, K 4: the lists match a naive sort of the dense rows`, () => {
        const opts = { name: sim, userBased, minSupport: 1, shrinkage: 100 };
        const dense = computeSimilarities(ts, opts, baselines);
        const lists = computeNeighbourLists(ts, opts, 4, baselines);
        for (let a = 0; a < dense.n; a++) {
          const naive = Array.from({ length: dense.n }, (_, b) => ({ b, s: dense.get(a, b) }))
            .filter(({ b, s }) => b !== a && s > 0)
            .sort((x, y) => y.s - x.s || x.b - y.b)
            .slice(0, 4);
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
