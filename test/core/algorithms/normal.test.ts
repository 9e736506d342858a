import { describe, expect, it } from 'vitest';
import { Trainset } from '../../../src/core/trainset.ts';
import { NormalPredictor, normalDescriptor } from '../../../src/core/algorithms/normal.ts';

const ratings = [1, 2, 3, 4, 5, 5, 4, 4];
const fixture = (): Trainset =>
  Trainset.fromRatings(ratings.map((rating, k) => ({ user: `u${k % 3}`, item: `i${k}`, rating })));

describe('NormalPredictor', () => {
  it('fits the maximum-likelihood normal: mean and std dividing by n', () => {
    const algo = normalDescriptor.create().fit(fixture()) as NormalPredictor;
    const mean = ratings.reduce((a, b) => a + b) / ratings.length;
    const std = Math.sqrt(ratings.reduce((a, b) => a + (b - mean) ** 2, 0) / ratings.length);
    expect(algo.distribution.mean).toBeCloseTo(mean, 14);
    expect(algo.distribution.std).toBeCloseTo(std, 14);
  });

  it('draws around the mean, clipped to the scale, and is never impossible (even for strangers)', () => {
    const algo = normalDescriptor.create().fit(fixture());
    const draws = Array.from({ length: 4000 }, () => algo.predict('stranger', 'unknown', NaN, false));
    expect(draws.every((p) => !p.wasImpossible)).toBe(true);
    const mean = draws.reduce((a, p) => a + p.est, 0) / draws.length;
    expect(mean).toBeCloseTo(3.5, 1);
    const clipped = Array.from({ length: 2000 }, () => algo.predict('u0', 'i0').est);
    expect(Math.min(...clipped)).toBe(1);
    expect(Math.max(...clipped)).toBeLessThanOrEqual(5);
  });

  it('the same seed gives the same draws; another seed other draws', () => {
    const a = normalDescriptor.create({ random_state: 42 }).fit(fixture());
    const b = normalDescriptor.create({ random_state: 42 }).fit(fixture());
    const c = normalDescriptor.create({ random_state: 43 }).fit(fixture());
    const seq = (x: typeof a) => Array.from({ length: 5 }, () => x.estimate(0, 0).value);
    const sa = seq(a);
    expect(seq(b)).toEqual(sa);
    expect(seq(c)).not.toEqual(sa);
  });

  it('a restored model draws the same sequence as a freshly fitted one', () => {
    const ts = fixture();
    const a = normalDescriptor.create().fit(ts);
    const state = a.state();
    const fresh = normalDescriptor.create().fit(ts);
    const b = normalDescriptor.create();
    b.restore(ts, state);
    const outA = new Float64Array(ts.nItems);
    const outB = new Float64Array(ts.nItems);
    fresh.scoreAll(ts.profileOf(0), outA);
    b.scoreAll(ts.profileOf(0), outB);
    expect([...outB]).toEqual([...outA]);
  });

  it('refuses a seed that is not a whole number', () => {
    expect(() => normalDescriptor.create({ random_state: 'abc' })).toThrow(/random_state must be a whole number/);
  });
});
