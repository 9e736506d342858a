import { describe, expect, it } from 'vitest';
import { topN } from '../../src/core/topn.ts';

describe('top-n selection', () => {
  it('returns the n best, best first, skipping NaN (impossible) scores', () => {
    expect(topN([3, NaN, 5, 1, 4], 3)).toEqual([
      { item: 2, score: 5 },
      { item: 4, score: 4 },
      { item: 0, score: 3 },
    ]);
  });

  it('breaks ties by the lower item id, so answers are deterministic', () => {
    expect(topN([2, 7, 7, 7, 1], 2).map((s) => s.item)).toEqual([1, 2]);
  });

  it('agrees with a full sort on random scores', () => {
    const scores = Array.from({ length: 1000 }, (_, k) => ((k * 7919) % 101) / 7);
    const expected = scores
      .map((score, item) => ({ item, score }))
      .sort((a, b) => b.score - a.score || a.item - b.item)
      .slice(0, 25);
    expect(topN(scores, 25)).toEqual(expected);
  });

  it('handles n larger than the list, n = 0 and an empty list', () => {
    expect(topN([1, 2], 10).map((s) => s.item)).toEqual([1, 0]);
    expect(topN([1, 2], 0)).toEqual([]);
    expect(topN([], 5)).toEqual([]);
  });
});
