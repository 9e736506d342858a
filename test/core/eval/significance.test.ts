import { describe, expect, it } from 'vitest';
import {
  abMembersNeeded,
  binomialCdf,
  bootstrapPreference,
  decide,
  normalCdf,
  normalQuantile,
  preferencesByMember,
  signTestMembersNeeded,
  signTestP,
} from '../../../src/core/eval/significance.ts';

describe('the sign test decides from members, not lists', () => {
  it('sums a member\'s lists before counting their preference, and drops ties', () => {
    const prefs = preferencesByMember([
      { member: 1, a: 2, b: 0 },
      { member: 1, a: 0, b: 1 }, // member 1: net +1 → A
      { member: 2, a: 0, b: 1 }, // member 2: B
      { member: 3, a: 1, b: 1 }, // member 3: tie
      { member: 4, a: 0, b: 0 },
      { member: 4, a: 3, b: 3 }, // member 4: tie
    ]);
    expect(prefs).toMatchObject({ winsA: 1, winsB: 1, ties: 2 });
    expect([...prefs.signs]).toEqual([1, -1]);
  });

  it('gives the exact two-sided binomial p (hand-computed)', () => {
    // 9 of 10 prefer A: P(X ≤ 1) = 11/1024, two-sided 22/1024
    expect(signTestP(9, 1)).toBeCloseTo(22 / 1024, 12);
    // 5 of 5: 2 · 1/32
    expect(signTestP(0, 5)).toBeCloseTo(2 / 32, 12);
    // an even split is no evidence at all
    expect(signTestP(4, 4)).toBe(1);
    expect(signTestP(0, 0)).toBe(1);
    expect(() => signTestP(-1, 3)).toThrow(/winsA/);
  });

  it('matches the binomial CDF by hand', () => {
    expect(binomialCdf(2, 4, 0.5)).toBeCloseTo(11 / 16, 12);
    expect(binomialCdf(0, 3, 0.2)).toBeCloseTo(0.512, 12);
  });

  it('names the winner only below alpha', () => {
    const many = Array.from({ length: 20 }, (_, m) => ({ member: m, a: m < 17 ? 1 : 0, b: m < 17 ? 0 : 1 }));
    const v = decide(many);
    expect(v.winner).toBe('a');
    expect(v.p).toBeLessThan(0.05);
    expect(v.interval.lo).toBeGreaterThan(0);
    const even = Array.from({ length: 20 }, (_, m) => ({ member: m, a: m % 2, b: 1 - (m % 2) }));
    expect(decide(even).winner).toBe('none');
  });

  it('bootstraps an interval around the preference that is reproducible by seed', () => {
    const signs = Int8Array.from([1, 1, 1, -1, 1, -1, 1, 1]);
    const r1 = bootstrapPreference(signs, { seed: 7 });
    expect(r1.preference).toBeCloseTo(6 / 8 - 0.5, 12);
    expect(r1.interval.lo).toBeLessThanOrEqual(r1.preference);
    expect(r1.interval.hi).toBeGreaterThanOrEqual(r1.preference);
    expect(bootstrapPreference(signs, { seed: 7 })).toEqual(r1);
  });
});

describe('power: how many members an experiment needs', () => {
  it('needs more members for a smaller preference, and fewer when more members have one', () => {
    const strong = signTestMembersNeeded(0.7, 1);
    const weak = signTestMembersNeeded(0.6, 1);
    expect(weak).toBeGreaterThan(strong);
    expect(signTestMembersNeeded(0.7, 0.5)).toBe(2 * strong);
    expect(signTestMembersNeeded(0.5, 1)).toBe(Infinity);
    // textbook: p = 0.7, α = 0.05, 80 % power → about 50 deciding members (normal approx. 47)
    expect(strong).toBeGreaterThan(40);
    expect(strong).toBeLessThan(60);
  });

  it('matches the two-sample formula for an A/B split', () => {
    // δ = 0.5 sd: 2 · 2 · (1.96 + 0.8416)² / 0.25 ≈ 63 per group
    expect(abMembersNeeded(0.5, 1)).toBe(2 * 63);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
  });
});
