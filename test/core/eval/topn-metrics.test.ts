import { describe, expect, it } from 'vitest';
import { meanWithCI, popularityPercentiles, userTopNMetrics } from '../../../src/core/eval/topn-metrics.ts';

describe('userTopNMetrics: one member, one ranked list, computed by hand', () => {
  it('counts hits over every held-out item, liked hits over the liked ones, NDCG, recall@20 and MRR', () => {
    // list (best first): 4, 7, 1, 9, 3; top n = 3, recall cut-off 5; liked = rating ≥ 3.5
    // held out: movie 1 (rated 4, rank 3), movie 3 (rated 2, rank 5), movie 8 (rated 5, not listed)
    const m = userTopNMetrics([4, 7, 1, 9, 3], { items: [1, 3, 8], ratings: [4, 2, 5] }, 3, 5, 3.5);
    expect(m.hit).toBeCloseTo(1 / 3, 12); // only movie 1 is in the top 3
    expect(m.likedHit).toBeCloseTo(1 / 2, 12); // liked: movies 1 and 8; 1 found
    // DCG = 1/log2(3+1) = 0.5; ideal for 3 held out in a top 3 = 1 + 1/log2 3 + 1/2
    expect(m.ndcg).toBeCloseTo(0.5 / (1 + 1 / Math.log2(3) + 0.5), 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12); // movies 1 and 3 are in the top 5
    expect(m.reciprocalRank).toBeCloseTo(1 / 3, 12); // first hit at rank 3
  });

  it('with one held-out rating (leave-one-out) is the classic hit rate and ARHR', () => {
    const m = userTopNMetrics([2, 6, 5], { items: [6], ratings: [3] }, 10, 20, 3.5);
    expect(m).toEqual({ hit: 1, likedHit: NaN, ndcg: 1 / Math.log2(3), recall: 1, reciprocalRank: 1 / 2 });
  });

  it('counts a held-out movie the trainset never saw (inner id −1) as a miss', () => {
    const m = userTopNMetrics([0, 1], { items: [-1, 0], ratings: [5, 5] }, 2, 2, 3.5);
    expect(m.hit).toBe(0.5);
    expect(m.likedHit).toBe(0.5);
  });

  it('refuses a member with nothing held out', () => {
    expect(() => userTopNMetrics([1], { items: [], ratings: [] }, 1, 1, 3.5)).toThrow(/at least one held-out rating/);
  });
});

describe('meanWithCI', () => {
  it('is the mean ± 1.96 · sample sd / √n over members, skipping members without a value', () => {
    const ci = meanWithCI([1, 0, 0, 1, NaN]);
    // n = 4, mean 0.5, sample variance (4 · 0.25) / 3, so the half-width is 1.96 · √(1/3) / 2
    const half = (1.96 * Math.sqrt(1 / 3)) / 2;
    expect(ci.users).toBe(4);
    expect(ci.mean).toBe(0.5);
    expect(ci.lo).toBeCloseTo(0.5 - half, 12);
    expect(ci.hi).toBeCloseTo(0.5 + half, 12);
  });

  it('clips the interval to the range a value can take', () => {
    // 1 hit in 20 members: 0.05 ± 1.96 · √(0.05 · 0.95 · 20/19) / √20 = 0.05 ± 0.1025 runs below 0
    const hits = Array.from({ length: 20 }, (_, k) => (k === 0 ? 1 : 0));
    const open = meanWithCI(hits);
    expect(open.lo).toBeLessThan(0);
    const clipped = meanWithCI(hits, [0, 1]);
    expect(clipped).toEqual({ mean: 0.05, lo: 0, hi: open.hi, users: 20 });
  });

  it('has no interval for one member and no mean for none', () => {
    expect(meanWithCI([0.25, NaN])).toEqual({ mean: 0.25, lo: 0.25, hi: 0.25, users: 1 });
    expect(meanWithCI([]).mean).toBeNaN();
  });
});

describe('popularityPercentiles', () => {
  it('gives each movie the share of the catalogue with fewer ratings', () => {
    // counts 5, 1, 5, 3: the 5s beat two movies of four, the 3 beats one, the 1 none
    expect(Array.from(popularityPercentiles([5, 1, 5, 3]))).toEqual([50, 0, 50, 25]);
  });
});
