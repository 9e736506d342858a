import { describe, expect, it } from 'vitest';
import { kthLargest, kthSmallest, TopKHeap, topN } from '../../src/core/topn.ts';

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

describe('the bounded top-k heap the k-NN step and topN share', () => {
  it('keeps the k strongest pairs, the earlier key winning a tie, with their payloads', () => {
    const heap = new TopKHeap(3);
    // (similarity, position in the rating list, candidate)
    for (const [s, key, c] of [[0.5, 0, 10], [0.9, 1, 11], [0.5, 2, 12], [0.7, 3, 13], [0.5, 4, 14], [NaN, 5, 15]]) {
      heap.offer(s, key, c);
    }
    const kept = Array.from({ length: heap.size }, (_, j) => [heap.score[j], heap.key[j], heap.payload[j]]);
    expect(kept.sort((a, b) => b[0] - a[0])).toEqual([[0.9, 1, 11], [0.7, 3, 13], [0.5, 0, 10]]);
    heap.reset();
    heap.offer(1, 0, 0);
    expect(heap.size).toBe(1);
  });

  it('refuses a k that could keep nothing', () => {
    expect(() => new TopKHeap(0)).toThrow('top-k: k must be a whole number ≥ 1, got 0');
  });
});

describe('the quickselects of the k-NN step', () => {
  it('finds the k-th largest similarity and the k-th smallest position', () => {
    expect(kthLargest(Float64Array.of(0.2, 0.9, 0.4, 0.9, 0.1), 5, 3)).toBe(0.4);
    expect(kthLargest(Float64Array.of(0.2, 0.9, 0.4, 0.9, 0.1), 5, 2)).toBe(0.9);
    expect(kthSmallest(Float64Array.of(40, 3, 17, 8), 4, 2)).toBe(8);
  });
});
