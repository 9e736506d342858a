import { describe, expect, it } from 'vitest';
import {
  averageReciprocalHitRank,
  catalogCoverage,
  cumulativeHitRate,
  diversity,
  hitRate,
  itemCosineSimilarity,
  mapAtK,
  ndcgAtK,
  novelty,
  popularityRanks,
  precisionRecallAtK,
  topNLists,
  userCoverage,
  type HeldOut,
  type RankedItem,
} from '../../../src/core/eval/ranking.ts';
import { MetricError } from '../../../src/core/eval/metrics.ts';
import { Trainset } from '../../../src/core/trainset.ts';
import { ItemMean } from './toy-algorithms.ts';

// Four users' test predictions (true rating, estimate), threshold 3.5, k = 2:
// A: a2 and a4 tie at 4.0; input order puts a2 (r 2) into the top 2, so precision is 1/2.
// B: nothing estimated ≥ 3.5 → nothing recommended → precision 0; two relevant → recall 0.
// C: two recommended, none relevant → precision 0; no relevant item → recall 0.
// D: one item, recommended and relevant → 1 and 1.
const fixture = {
  users: ['A', 'A', 'A', 'A', 'B', 'B', 'C', 'C', 'D'],
  rTrue: [4, 2, 5, 5, 5, 4, 2, 1, 4],
  est: [4.5, 4.0, 3.0, 4.0, 3.0, 2.0, 4.0, 5.0, 4.0],
};

describe('precision@k and recall@k (Surprise FAQ)', () => {
  it('matches the hand-computed values, ties kept in input order', () => {
    const r = precisionRecallAtK(fixture, 2, 3.5);
    expect(r.users).toBe(4);
    expect(Array.from(r.perUser.precision)).toEqual([0.5, 0, 0, 1]);
    expect(r.perUser.recall[0]).toBeCloseTo(1 / 3, 12);
    expect(Array.from(r.perUser.recall).slice(1)).toEqual([0, 0, 1]);
    expect(r.precision).toBeCloseTo(0.375, 12);
    expect(r.recall).toBeCloseTo((1 / 3 + 1) / 4, 12);
  });

  it('counts every item when k exceeds a user’s predictions', () => {
    const r = precisionRecallAtK({ users: ['A', 'A'], rTrue: [4, 2], est: [4, 4] }, 10, 3.5);
    expect(r.precision).toBe(0.5);
    expect(r.recall).toBe(1);
  });

  it('rejects k ≤ 0 and empty input', () => {
    expect(() => precisionRecallAtK(fixture, 0)).toThrow(/k must be a whole number ≥ 1, got 0/);
    expect(() => precisionRecallAtK({ users: [], rTrue: [], est: [] })).toThrow(/empty/);
  });
});

describe('NDCG@k', () => {
  const two = { users: ['A', 'A', 'A', 'A', 'D'], rTrue: [4, 2, 5, 5, 4], est: [4.5, 4.0, 3.0, 4.0, 4.0] };

  it('uses the true rating as gain by default', () => {
    // A ranked a1(4), a2(2), a4(5), a3(5): DCG@2 = 4 + 2/log2(3); IDCG@2 = 5 + 5/log2(3). D: 1.
    const a = (4 + 2 / Math.log2(3)) / (5 + 5 / Math.log2(3));
    const r = ndcgAtK(two, 2);
    expect(r.users).toBe(2);
    expect(r.value).toBeCloseTo((a + 1) / 2, 12);
  });

  it('supports binary gain at the threshold', () => {
    const a = 1 / (1 + 1 / Math.log2(3));
    expect(ndcgAtK(two, 2, { gain: 'binary', threshold: 3.5 }).value).toBeCloseTo((a + 1) / 2, 12);
  });

  it('gives 0 to a user with no gain at all, and refuses negative ratings with graded gain', () => {
    expect(ndcgAtK({ users: ['A'], rTrue: [2], est: [4] }, 5, { gain: 'binary' }).value).toBe(0);
    expect(() => ndcgAtK({ users: ['A'], rTrue: [-2], est: [4] }, 5)).toThrow(/graded gain needs true ratings ≥ 0/);
  });
});

describe('MAP@k', () => {
  it('matches the hand-computed values (no estimate threshold, 0 for users without relevant items)', () => {
    // A: ranked a1 (rel), a2 → AP = 1 / min(2, 3) = 0.5; B: both relevant → 1; C: none → 0; D: 1.
    expect(mapAtK(fixture, 2, 3.5).value).toBeCloseTo(0.625, 12);
  });

  it('normalises by min(k, relevant)', () => {
    // relevant at ranks 2 and 3 of 3: AP@3 = (1/2 + 2/3) / 2
    const p = { users: ['u', 'u', 'u'], rTrue: [1, 5, 4], est: [5, 4, 3] };
    expect(mapAtK(p, 3).value).toBeCloseTo((1 / 2 + 2 / 3) / 2, 12);
  });
});

describe('leave-one-out top-N metrics', () => {
  const list = (...items: Array<[string, number]>): RankedItem[] => items.map(([item, score]) => ({ item, score }));
  const topN = new Map<string, RankedItem[]>([
    ['u1', list(['x', 5], ['y', 4], ['z', 3])],
    ['u2', list(['y', 3], ['w', 2])],
  ]);
  const leftOut: HeldOut[] = [
    { user: 'u1', item: 'y', rating: 5 }, // hit at rank 2
    { user: 'u2', item: 'q', rating: 4 }, // miss
    { user: 'u3', item: 'x', rating: 2 }, // no list: miss
  ];

  it('computes hit rate, cumulative hit rate and average reciprocal hit rank', () => {
    expect(hitRate(topN, leftOut)).toEqual({ value: 1 / 3, hits: 1, count: 3 });
    expect(cumulativeHitRate(topN, leftOut, 3.5)).toEqual({ value: 0.5, hits: 1, count: 2 });
    expect(averageReciprocalHitRank(topN, leftOut).value).toBeCloseTo(1 / 6, 12);
  });

  it('gives cumulative hit rate 0 over 0 liked ratings rather than NaN', () => {
    expect(cumulativeHitRate(topN, [{ user: 'u1', item: 'x', rating: 1 }], 3.5)).toEqual({ value: 0, hits: 0, count: 0 });
  });

  it('refuses an empty held-out set', () => {
    expect(() => hitRate(topN, [])).toThrow(/no held-out rating/);
  });

  it('computes user and catalog coverage', () => {
    expect(userCoverage(topN, 3, 3.5).value).toBeCloseTo(1 / 3, 12);
    expect(catalogCoverage(topN, 10).value).toBe(0.4);
    expect(() => catalogCoverage(topN, 0)).toThrow(/catalog size must be ≥ 1/);
  });

  it('computes diversity as 1 − mean (per list) pairwise similarity', () => {
    const sim = (a: string, b: string): number => (['x', 'y'].includes(a) && ['x', 'y'].includes(b) ? 1 : 0.5);
    // u1: (1 + 0.5 + 0.5)/3 = 2/3; u2: 0.5 → mean 7/12 → diversity 5/12
    expect(diversity(topN, sim).value).toBeCloseTo(5 / 12, 12);
    expect(() => diversity(new Map([['u', list(['x', 1])]]), sim)).toThrow(/no top-N list has two items/);
  });

  it('computes novelty as the mean popularity rank of recommended items', () => {
    const ranks = new Map([
      ['x', 1],
      ['y', 2],
      ['z', 3],
      ['w', 4],
    ]);
    expect(novelty(topN, ranks).value).toBeCloseTo(12 / 5, 12);
    expect(() => novelty(topN, new Map())).toThrow(MetricError);
  });

  it('ranks popularity by rating count, ties by first appearance', () => {
    const ranks = popularityRanks(['a', 'b', 'b', 'c', 'c', 'a', 'd', 'c']);
    expect([...ranks.entries()]).toEqual([
      ['c', 1],
      ['a', 2],
      ['b', 3],
      ['d', 4],
    ]);
  });
});

describe('item cosine similarity on ratings', () => {
  // item A's ratings appear as u2 then u1, so its user list is not sorted by inner id
  const ts = Trainset.fromRatings([
    { user: 'u1', item: 'C', rating: 2 },
    { user: 'u2', item: 'A', rating: 3 },
    { user: 'u2', item: 'B', rating: 5 },
    { user: 'u1', item: 'A', rating: 4 },
    { user: 'u1', item: 'B', rating: 2 },
    { user: 'u3', item: 'D', rating: 1 },
  ]);
  const sim = itemCosineSimilarity(ts);

  it('is Surprise’s cosine over the users who rated both', () => {
    expect(sim('A', 'B')).toBeCloseTo((3 * 5 + 4 * 2) / Math.sqrt((9 + 16) * (25 + 4)), 12);
    expect(sim('B', 'A')).toBeCloseTo(sim('A', 'B'), 15);
    expect(sim('A', 'C')).toBeCloseTo(1, 12);
    expect(sim('A', 'A')).toBe(1);
  });

  it('is 0 with no common user or an unknown item', () => {
    expect(sim('A', 'D')).toBe(0);
    expect(sim('A', 'nope')).toBe(0);
  });
});

describe('topNLists', () => {
  it('ranks unrated items per user through Algorithm.recommend, with raw ids', () => {
    const ts = Trainset.fromRatings([
      { user: 'u1', item: 'A', rating: 5 },
      { user: 'u2', item: 'B', rating: 4 },
      { user: 'u2', item: 'C', rating: 2 },
      { user: 'u3', item: 'A', rating: 3 },
    ]);
    const algo = new ItemMean().fit(ts);
    const lists = topNLists(algo, ts, 2);
    expect(lists.get('u1')).toEqual([
      { item: 'B', score: 4 },
      { item: 'C', score: 2 },
    ]);
    expect(lists.get('u2')).toEqual([{ item: 'A', score: 4 }]);
    expect(() => topNLists(algo, ts, 0)).toThrow(/n must be a whole number ≥ 1/);
  });
});
