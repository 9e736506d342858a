/**
 * An operator configures algorithms without knowing their memory: the sizes known before training
 * decide whether each can train, and a refusal says why and what to use instead.
 */
import { describe, expect, it } from 'vitest';
import { ParamError } from '../../src/core/algorithm.ts';
import { estimateFit, sizeRefusal } from '../../src/core/sizing.ts';

const ML32M = { users: 200_948, items: 87_585, ratings: 32_000_204 };
const GB = 1e9;

describe('the algorithms at MovieLens 32M shape on a 24 GB machine (12 GB for a model)', () => {
  it('slope-one is refused whatever the memory: its deviation triangle cannot be indexed', () => {
    const why = sizeRefusal('slope-one', ML32M, 1000 * GB);
    expect(why).toMatch(/^slope-one at 200,948 members, 87,585 movies and 32,000,204 ratings needs a packed triangle of 3,835,522,320 deviations between 87,585 movies \(~17 GB\), more than the 2,147,483,647 a packed matrix can index; use item-knn or ease$/);
  });

  it('the defaults and the scalable models train', () => {
    for (const spec of ['ease', 'ease-side', 'svd', 'item-knn', 'ials', 'knn-user', 'knn-item', 'svdpp', 'nmf', 'co-clustering', 'baseline']) {
      expect(sizeRefusal(spec, ML32M, 12 * GB), spec).toBeUndefined();
    }
  });

  it('knn-user keeps neighbour lists above 20,000 members, a packed triangle below', () => {
    expect(estimateFit('knn-user', ML32M).what).toBe('top-80 neighbour lists of 200,948 members');
    const small = estimateFit('knn-user', { users: 15_000, items: 9_000, ratings: 1_000_000 });
    expect(small.what).toBe('a packed triangle of 112,492,500 similarities between 15,000 members');
    expect(small.bytes).toBeGreaterThan(112_492_500 * 4);
  });

  it("ease-side needs ease's memory (its feature Gram matrix goes into the same G), and a second m² with knn", () => {
    expect(estimateFit('ease-side', ML32M)).toEqual(estimateFit('ease', ML32M));
    expect(estimateFit('ease-side:knn=20', ML32M).bytes - estimateFit('ease', ML32M).bytes).toBe(6000 * 6000 * 8);
  });

  it('ease grows with max_items, not with the catalogue; too big a cap is refused with a smaller one named', () => {
    expect(estimateFit('ease', ML32M).what).toBe('a dense 6,000² item matrix');
    const why = sizeRefusal('ease:max_items=16000', ML32M, 2 * GB);
    expect(why).toMatch(/needs ~4\.4 GB for a dense 16,000² item matrix, more than the 2\.0 GB a model may use here; use ease with a smaller max_items/);
  });

  it('a factor model with many factors is refused on a small budget, with fewer factors named', () => {
    expect(sizeRefusal('svd:n_factors=1000', ML32M, 2 * GB)).toMatch(/1000 factors per member and movie, .* use svd or ials with fewer factors/);
  });
});

describe('bad requests change nothing and say what is wrong', () => {
  it('counts must be whole and not negative', () => {
    expect(() => estimateFit('svd', { users: -1, items: 2, ratings: 3 })).toThrow(new ParamError('counts.users must be a whole number ≥ 0, got -1'));
    expect(() => estimateFit('svd', { users: 1, items: 2.5, ratings: 3 })).toThrow(/counts\.items/);
  });

  it('the budget must be positive', () => {
    expect(() => sizeRefusal('svd', ML32M, 0)).toThrow(/memory budget must be a positive number of bytes, got 0/);
  });

  it('an unknown algorithm is the registry’s error', () => {
    expect(() => sizeRefusal('slope-two', ML32M, GB)).toThrow(/unknown algorithm "slope-two"/);
  });
});
