import { describe, expect, it } from 'vitest';
import { CoRating } from '../../../src/bot/service/co-rating.ts';
import { computeBaselines } from '../../../src/core/baselines.ts';
import { Rng } from '../../../src/core/rng.ts';
import { DEFAULT_SIMILARITY_OPTIONS, shrunkPearsonBaseline } from '../../../src/core/similarity.ts';
import { Trainset } from '../../../src/core/trainset.ts';

// 60 members who each rate about half of 12 movies, half-stars: enough common raters per pair
// for every similarity to be a real number
function community(): Trainset {
  const rng = new Rng(7);
  const ratings = [];
  for (let u = 0; u < 60; u++) {
    for (let i = 0; i < 12; i++) if (rng.int(2) === 0) ratings.push({ user: `u${u}`, item: `m${i}`, rating: 0.5 + rng.int(10) / 2 });
  }
  return Trainset.fromRatings(ratings, [0.5, 5]);
}

/** pearson_baseline between two movies, the long way: every user, residuals from the baselines */
function byHand(ts: Trainset, a: number, b: number): { sim: number; support: number } {
  const { bu, bi } = computeBaselines(ts);
  const residualOf = (item: number): Map<number, number> => {
    const out = new Map<number, number>();
    const { indptr, indices, values } = ts.byItem;
    for (let k = indptr[item]; k < indptr[item + 1]; k++) out.set(indices[k], values[k] - (ts.globalMean + bu[indices[k]] + bi[item]));
    return out;
  };
  const za = residualOf(a);
  const zb = residualOf(b);
  let num = 0;
  let sa = 0;
  let sb = 0;
  let n = 0;
  for (const [u, x] of za) {
    const y = zb.get(u);
    if (y === undefined) continue;
    num += Math.fround(x) * Math.fround(y);
    sa += Math.fround(x) ** 2;
    sb += Math.fround(y) ** 2;
    n++;
  }
  return { sim: a === b ? 1 : shrunkPearsonBaseline(num, Math.sqrt(sa * sb), n, DEFAULT_SIMILARITY_OPTIONS.shrinkage), support: n };
}

describe('"because you rated …": how alike two movies are by who rated them both', () => {
  const ts = community();
  const co = new CoRating(ts);

  it('gives each liked movie the pearson_baseline similarity and common raters a hand count gives', () => {
    const liked = [3, 0, 7, 11, 5];
    for (const pick of [1, 2, 9]) {
      const got = co.similarities(pick, liked);
      expect(got.map((s) => s.item)).toEqual(liked);
      got.forEach((s, o) => {
        const want = byHand(ts, pick, liked[o]);
        expect(s.support).toBe(want.support);
        expect(s.support).toBeGreaterThan(2);
        expect(s.sim).toBeCloseTo(want.sim, 12);
      });
    }
  });

  it('answers the same for a pick whatever was asked before it (another member, the pick itself among the liked)', () => {
    const first = co.similarities(4, [1, 2, 6]);
    co.similarities(4, [8, 10]);
    expect(co.similarities(4, [1, 2, 6])).toEqual(first);
    const self = co.similarities(6, [1, 6]);
    expect(self[1]).toMatchObject({ item: 6, sim: 1 });
    expect(self[0].sim).toBeCloseTo(byHand(ts, 6, 1).sim, 12);
    // its raters' arrays are kept from one set of liked movies to the next: a larger set, then
    // a smaller one, each as a CoRating that never saw another set answers
    const fresh = () => new CoRating(ts, co.residuals());
    for (const liked of [[8, 10], [1, 2, 3, 5, 6, 7, 9, 11], [0, 4], [1, 2, 3, 5, 6, 7, 9, 11, 0]]) {
      expect(co.similarities(10, liked)).toEqual(fresh().similarities(10, liked));
    }
  });

  it('built again from the item biases of another start, holds the very same residuals', () => {
    const again = new CoRating(ts, { itemBiases: co.itemBiases! });
    expect(again.residuals()).toEqual(co.residuals());
    expect(again.similarities(2, [3, 0, 7])).toEqual(co.similarities(2, [3, 0, 7]));
  });

  it('"members also liked": the same neighbours asked again, for more or fewer, as a fresh count gives them', () => {
    const fresh = () => new CoRating(ts, co.residuals());
    const kept = fresh();
    for (const item of [3, 8, 10]) {
      const all = fresh().neighbours(item, 12, 2);
      expect(all.length).toBeGreaterThanOrEqual(5);
      expect(all.every((nb, k) => k === 0 || nb.sim <= all[k - 1].sim)).toBe(true);
      // asked for 2 first, then more (computed again), then fewer (from the kept list)
      expect(kept.neighbours(item, 2, 2)).toEqual(all.slice(0, 2));
      expect(kept.neighbours(item, 4, 2)).toEqual(all.slice(0, 4));
      expect(kept.neighbours(item, 3, 2)).toEqual(all.slice(0, 3));
      expect(kept.neighbours(item, 12, 2)).toEqual(all);
      // another support floor is another list: more common raters than any pair has, none
      expect(kept.neighbours(item, 12, 61)).toEqual([]);
      expect(kept.neighbours(item, 12, 2)).toEqual(all);
    }
  });

  it('a caller changing the list it got changes nothing the next caller sees', () => {
    const got = co.neighbours(4, 3, 2);
    const want = [...got];
    got.pop();
    got.reverse();
    expect(co.neighbours(4, 3, 2)).toEqual(want);
  });

  it('refuses a count that is not a whole number', () => {
    expect(() => co.neighbours(1, 2.5)).toThrow(/n must be a whole number/);
    expect(() => co.neighbours(1, -1)).toThrow(/n must be a whole number/);
  });
});
