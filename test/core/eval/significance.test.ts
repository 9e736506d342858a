import { describe, expect, it } from 'vitest';
import {
  abMembersNeeded,
  binomialCdf,
  bootstrapPreference,
  decide,
  normalCdf,
  normalQuantile,
  pairedComparison,
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

describe('two models on the same members: the paired comparison', () => {
  it('counts the members one model hits and the other misses (hand-checked)', () => {
    // ten members' HR@10 under the hybrid (a) and EASE (b): both hit 1 and 2, both miss 3–6,
    // only the hybrid hits 7, 8 and 9, only EASE hits 10
    const a = [1, 1, 0, 0, 0, 0, 1, 1, 1, 0];
    const b = [1, 1, 0, 0, 0, 0, 0, 0, 0, 1];
    const c = pairedComparison(a, b);
    expect(c).toMatchObject({ members: 10, winsA: 3, winsB: 1, ties: 6 });
    expect(c.meanA).toBeCloseTo(0.5, 12);
    expect(c.meanB).toBeCloseTo(0.3, 12);
    expect(c.diff).toBeCloseTo(0.2, 12);
    // McNemar exact: 3 against 1 of 4 discordant members, 2 · P(X ≤ 1) = 2 · 5/16
    expect(c.p).toBeCloseTo(10 / 16, 12);
    // differences 0×6, +1×3, −1: sample sd √((6·0.04 + 3·0.64 + 1.44)/9) = √(3.6/9) = 0.6325
    const half = (1.959964 * Math.sqrt(3.6 / 9)) / Math.sqrt(10);
    expect(c.interval.lo).toBeCloseTo(0.2 - half, 5);
    expect(c.interval.hi).toBeCloseTo(0.2 + half, 5);
  });

  it('leaves out a member without a value under either model (no liked held-out movie)', () => {
    const c = pairedComparison([1, NaN, 0, 1], [0, 1, NaN, 1]);
    expect(c).toMatchObject({ members: 2, winsA: 1, winsB: 0, ties: 1 });
    expect(c.diff).toBeCloseTo(0.5, 12);
    expect(pairedComparison([NaN], [1])).toMatchObject({ members: 0, p: 1 });
  });

  it('refuses values of different members or a confidence outside (0, 1)', () => {
    expect(() => pairedComparison([1, 0], [1])).toThrow(/same members: 2 vs 1/);
    expect(() => pairedComparison([1], [1], { confidence: 1 })).toThrow(/confidence/);
  });
});
