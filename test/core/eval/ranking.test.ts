import { describe, expect, it } from 'vitest';
import { mapAtK, ndcgAtK, precisionRecallAtK } from '../../../src/core/eval/ranking.ts';
import { MetricError } from '../../../src/core/eval/metrics.ts';

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
