import { describe, expect, it } from 'vitest';
import { ParamError } from '../../../src/core/algorithm.ts';
import { Ials, ialsDescriptor } from '../../../src/core/algorithms/ials.ts';
import { decodeModel, encodeModel } from '../../../src/core/snapshot.ts';
import { lowRankTrainset } from './mf-fixtures.ts';

const ts = lowRankTrainset({ nUsers: 60, nItems: 40, rank: 3, density: 0.3, noise: 0.3, seed: 17 });

function userVector(a: Ials, u: number): number[] {
  const { x } = a.state() as { x: Float32Array };
  const f = a.params.n_factors as number;
  return Array.from(x.subarray(u * f, u * f + f));
}

const live = (u: number) => {
  const p = ts.profileOf(u);
  return { items: p.items, ratings: p.ratings };
};

describe('iALS (Hu, Koren, Volinsky 2008)', () => {
  it('folds a member in to the user vector a refit gives them (exact solves: the same vector)', () => {
    const a = ialsDescriptor.create({ n_factors: 8, n_epochs: 6, cg_steps: 0, reg: 0.5, alpha: 5 }) as Ials;
    a.fit(ts);
    for (const u of [0, 13, 42]) {
      const folded = Array.from(a.foldIn(live(u))!);
      userVector(a, u).forEach((v, t) => expect(folded[t]).toBeCloseTo(v, 5));
    }
  });

  it('with conjugate-gradient half-steps, the trained vectors are within 2 % of the exact fold-in', () => {
    const a = ialsDescriptor.create({ n_factors: 8, n_epochs: 10, cg_steps: 3, reg: 0.5, alpha: 5 }) as Ials;
    a.fit(ts);
    for (const u of [1, 20, 55]) {
      const folded = Array.from(a.foldIn(live(u))!);
      const trained = userVector(a, u);
      const diff = Math.hypot(...folded.map((v, t) => v - trained[t]));
      expect(diff / Math.hypot(...trained)).toBeLessThan(0.02);
    }
  });

  it('ranks a live member as the trained user when the profile holds exactly their ratings', () => {
    const a = ialsDescriptor.create({ n_factors: 8, n_epochs: 6, cg_steps: 0 }).fit(ts);
    const trained = new Float64Array(ts.nItems);
    const folded = new Float64Array(ts.nItems);
    a.scoreAll(ts.profileOf(7), trained);
    a.scoreAll(live(7), folded);
    folded.forEach((v, i) => expect(v).toBeCloseTo(trained[i], 5));
    const p = live(7);
    expect(a.recommend(p, 5).map((r) => r.item)).toEqual(a.recommend(ts.profileOf(7), 5).map((r) => r.item));
    expect(a.estimateFor(p, 3).value).toBeCloseTo(folded[3], 5);
  });

  it('explains a score exactly: the rated movies\' contributions sum to it (Hu et al. §5)', () => {
    const a = ialsDescriptor.create({ n_factors: 6, n_epochs: 5 }) as Ials;
    a.fit(ts);
    const p = live(30);
    const out = new Float64Array(ts.nItems);
    a.scoreAll(p, out);
    const item = a.recommend(p, 1)[0].item;
    const c = a.contributions(p, item)!;
    expect(Array.from(c.items).sort()).toEqual(Array.from(p.items).sort());
    expect(c.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(out[item], 5);
    const top = a.explain(p, item, 2);
    const best = Array.from(c.items, (i, k) => ({ item: i, weight: c.weights[k] }))
      .filter((x) => x.weight > 0)
      .sort((x, y) => y.weight - x.weight)
      .slice(0, 2);
    expect(top).toEqual(best);
  });

  it('learns: a rated movie scores above an unrated one for most users', () => {
    const a = ialsDescriptor.create({ n_factors: 8, n_epochs: 10 }).fit(ts);
    let above = 0;
    let pairs = 0;
    for (let u = 0; u < ts.nUsers; u++) {
      const out = new Float64Array(ts.nItems);
      a.scoreAll(ts.profileOf(u), out);
      const rated = new Set(ts.profileOf(u).items);
      const r = [...rated].reduce((s, i) => s + out[i], 0) / rated.size;
      const others = out.filter((_, i) => !rated.has(i));
      const o = others.reduce((s, v) => s + v, 0) / others.length;
      pairs++;
      if (r > o) above++;
    }
    expect(above / pairs).toBeGreaterThan(0.95);
  });

  it('survives a snapshot with identical scores', () => {
    const a = ialsDescriptor.create({ n_factors: 5, n_epochs: 3 }).fit(ts);
    const back = decodeModel(encodeModel(a), ts, (_name, params) => ialsDescriptor.create(params));
    for (const p of [ts.profileOf(3), live(3)]) {
      const x = new Float64Array(ts.nItems);
      const y = new Float64Array(ts.nItems);
      a.scoreAll(p, x);
      back.scoreAll(p, y);
      expect(Array.from(y)).toEqual(Array.from(x));
    }
  });

  it('explains each member from their own system: after another member, or after a refit, the same as a fresh model', () => {
    const params = { n_factors: 6, n_epochs: 3 };
    const a = ialsDescriptor.create(params).fit(ts) as Ials;
    const anna = live(30);
    const ben = live(31);
    const item = 5;
    const fresh = (on: typeof ts) => (ialsDescriptor.create(params).fit(on) as Ials).contributions(anna, item);
    // anna, then ben (the kept system is ben's), then anna again: every answer is anna's own
    const first = a.contributions(anna, item)!;
    expect(a.contributions(ben, item)!.weights).not.toEqual(first.weights);
    expect(a.contributions(anna, item)).toEqual(first);
    expect(first).toEqual(fresh(ts));
    expect(Array.from(a.foldIn(anna)!)).toEqual(Array.from((ialsDescriptor.create(params).fit(ts) as Ials).foldIn(anna)!));
    // a refit on other ratings forgets the kept system, though anna's profile object is the same
    const other = lowRankTrainset({ nUsers: 60, nItems: 40, rank: 3, density: 0.3, noise: 0.3, seed: 18 });
    a.fit(other);
    expect(a.contributions(anna, item)).toEqual(fresh(other));
  });

  it('is reproducible from its seed', () => {
    const a = ialsDescriptor.create({ n_factors: 4, n_epochs: 2, random_state: 3 }).fit(ts);
    const b = ialsDescriptor.create({ n_factors: 4, n_epochs: 2, random_state: 3 }).fit(ts);
    expect(userVector(b as Ials, 9)).toEqual(userVector(a as Ials, 9));
  });

  it('refuses a zero regularisation and a member with no known movie gets no scores', () => {
    expect(() => ialsDescriptor.create({ reg: 0 })).toThrow(ParamError);
    const a = ialsDescriptor.create({ n_factors: 4, n_epochs: 1 }).fit(ts);
    const out = new Float64Array(ts.nItems);
    a.scoreAll({ items: new Int32Array(0), ratings: new Float32Array(0) }, out);
    expect(out.every(Number.isNaN)).toBe(true);
  });
});
