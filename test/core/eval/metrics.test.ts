import { describe, expect, it } from 'vitest';
import { MetricError, fcp, groupByUser, mae, mape, mse, predictionColumns, rmse } from '../../../src/core/eval/metrics.ts';

describe('accuracy metrics on a hand-computed fixture', () => {
  // errors 0.5, 0, 1, −1: squares sum to 2.25, absolute values to 2.5
  const p = { rTrue: [4, 3, 5, 1], est: [3.5, 3, 4, 2] };

  it('computes MSE, RMSE and MAE as Surprise does', () => {
    expect(mse(p)).toBeCloseTo(0.5625, 12);
    expect(rmse(p)).toBeCloseTo(0.75, 12);
    expect(mae(p)).toBeCloseTo(0.625, 12);
  });

  it('computes MAPE in percent', () => {
    // (0.5/4 + 0/3 + 1/5 + 1/1) / 4 = 0.33125
    const r = mape(p);
    expect(r.value).toBeCloseTo(33.125, 10);
    expect(r.skippedZero).toBe(0);
    expect(r.counted).toBe(4);
  });

  it('skips and counts true ratings of 0 in MAPE instead of dividing by zero', () => {
    const r = mape({ rTrue: [0, 2, 0], est: [1, 1, 0.5] });
    expect(r.value).toBeCloseTo(50, 12);
    expect(r.skippedZero).toBe(2);
    expect(r.counted).toBe(1);
    expect(() => mape({ rTrue: [0, 0], est: [1, 2] })).toThrow(/all 2 true ratings are 0/);
  });

  it('refuses an empty prediction list with a clear message, like Surprise', () => {
    const empty = { rTrue: [], est: [] };
    expect(() => rmse(empty)).toThrow(MetricError);
    expect(() => rmse(empty)).toThrow(/RMSE: prediction list is empty/);
    expect(() => mae(empty)).toThrow(/MAE: prediction list is empty/);
    expect(() => mse(empty)).toThrow(/MSE: prediction list is empty/);
  });

  it('refuses mismatched columns and missing values', () => {
    expect(() => rmse({ rTrue: [1, 2], est: [1] })).toThrow(/2 true ratings but 1 estimates/);
    expect(() => mae({ rTrue: [1, NaN], est: [1, 2] })).toThrow(/prediction 1 has no true rating/);
    expect(() => mae({ rTrue: [1, 2], est: [1, NaN] })).toThrow(/prediction 1 has no estimate/);
  });

  it('turns Algorithm.predict results into columns', () => {
    const cols = predictionColumns([
      { user: 'a', item: 'x', rTrue: 4, est: 3.5, wasImpossible: false },
      { user: 'b', item: 'y', rTrue: 2, est: 3, wasImpossible: true, reason: 'User is unknown.' },
    ]);
    expect(Array.from(cols.users)).toEqual(['a', 'b']);
    expect(Array.from(cols.est)).toEqual([3.5, 3]);
    expect(rmse(cols)).toBeCloseTo(Math.sqrt((0.25 + 1) / 2), 12);
  });
});

describe('FCP', () => {
  it('averages concordant and discordant counts over the users where each is non-zero (Surprise quirk)', () => {
    // A: nc = 2, nd = 1 (the estimate tie 3.5/3.5 with r 1 < 3 is discordant)
    // B: nc = 0, nd = 1; C: a single prediction, no pair.
    // Sparse means: mean(nc) over {A} = 2, mean(nd) over {A, B} = 1 → 2 / 3.
    // (Dense means over all three users would give 0.5.)
    const p = {
      users: ['A', 'A', 'A', 'B', 'B', 'C'],
      rTrue: [5, 3, 1, 4, 2, 3],
      est: [4.5, 3.5, 3.5, 2, 4, 3],
    };
    expect(fcp(p)).toBeCloseTo(2 / 3, 12);
  });

  it('is 1 for a perfect ordering and does not depend on the order of the predictions', () => {
    const p = { users: ['u', 'u', 'u', 'v', 'v'], rTrue: [1, 2, 3, 5, 4], est: [1.1, 2.2, 3.3, 4.9, 4.8] };
    expect(fcp(p)).toBe(1);
    const q = { users: ['v', 'u', 'u', 'v', 'u'], rTrue: [4, 3, 1, 5, 2], est: [4.8, 3.3, 1.1, 4.9, 2.2] };
    expect(fcp(q)).toBe(1);
  });

  it('throws when no user has a pair with different true ratings', () => {
    expect(() => fcp({ users: ['a', 'b'], rTrue: [4, 2], est: [3, 3] })).toThrow(/no user has two predictions/);
    expect(() => fcp({ users: ['a', 'a'], rTrue: [4, 4], est: [3, 5] })).toThrow(MetricError);
    expect(() => fcp({ users: [], rTrue: [], est: [] })).toThrow(/empty/);
  });
});

describe('groupByUser', () => {
  it('groups indices by user in first-appearance order, keeping input order inside a group', () => {
    const g = groupByUser(['b', 'a', 'b', 'c', 'a']);
    expect(g.users).toEqual(['b', 'a', 'c']);
    expect(Array.from(g.start)).toEqual([0, 2, 4, 5]);
    expect(Array.from(g.order)).toEqual([0, 2, 1, 4, 3]);
  });
});
