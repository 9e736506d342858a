import { describe, expect, it } from 'vitest';
import { distinctItems } from '../../../src/core/algorithms/implicit.ts';

const profile = (...items: number[]) => ({ items: Int32Array.from(items), ratings: new Float32Array(items.length).fill(4) });

describe('a member\'s distinct movies (what the implicit models read of a profile)', () => {
  it('counts a movie rated twice once, in the order first rated, and skips ids outside the catalogue', () => {
    expect(Array.from(distinctItems(profile(3, 1, 3, 7, 1, -1, 12), 10))).toEqual([3, 1, 7]);
  });

  it('forgets the previous member: a movie both rated is kept for each (its scratch is kept between calls)', () => {
    expect(Array.from(distinctItems(profile(2, 5, 2), 8))).toEqual([2, 5]);
    expect(Array.from(distinctItems(profile(5, 2, 6), 8))).toEqual([5, 2, 6]);
    // a larger catalogue next, then a smaller one again
    expect(Array.from(distinctItems(profile(2, 40, 40, 5), 50))).toEqual([2, 40, 5]);
    expect(Array.from(distinctItems(profile(5, 5, 2), 8))).toEqual([5, 2]);
  });

  it('gives an empty list for a member with no ratings', () => {
    expect(distinctItems(profile(), 8).length).toBe(0);
  });
});
