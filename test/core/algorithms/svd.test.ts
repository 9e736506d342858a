import { describe, expect, it } from 'vitest';
import { NotFittedError, ParamError } from '../../../src/core/algorithm.ts';
import { Svd, svdDescriptor } from '../../../src/core/algorithms/svd.ts';
import { Trainset } from '../../../src/core/trainset.ts';
import { lowRankTrainset } from './mf-fixtures.ts';

const small = lowRankTrainset({ nUsers: 40, nItems: 30, rank: 2, density: 0.5, noise: 0.3, seed: 5 });

function arrays(a: Svd): Record<string, number[]> {
  const s = a.state();
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, Array.from(v as ArrayLike<number>)]));
}

describe('SVD (Surprise SVD)', () => {
  it('has Surprise\'s defaults, with every lr_/reg_ taking lr_all / reg_all', () => {
    const a = svdDescriptor.create();
    expect(a.name).toBe('svd');
    expect(a.params).toMatchObject({
      n_factors: 100,
      n_epochs: 20,
      biased: true,
      init_mean: 0,
      init_std_dev: 0.1,
      lr_all: 0.005,
      reg_all: 0.02,
      lr_bu: 0.005,
      reg_qi: 0.02,
      random_state: 0,
    });
    const b = svdDescriptor.create({ lr_all: '0.01', reg_all: 0.1, lr_qi: 0.002 });
    expect(b.params).toMatchObject({ lr_bu: 0.01, lr_bi: 0.01, lr_pu: 0.01, lr_qi: 0.002, reg_bu: 0.1, reg_qi: 0.1 });
  });

  it('refuses unknown or out-of-range parameters with the accepted values', () => {
    expect(() => svdDescriptor.create({ n_factor: 5 })).toThrow(/svd has no parameter "n_factor"; accepted: n_factors/);
    expect(() => svdDescriptor.create({ n_factors: 0 })).toThrow(ParamError);
    expect(() => svdDescriptor.create({ lr_all: -1 })).toThrow(/lr_all must be greater than 0/);
    expect(() => svdDescriptor.create({ biased: 'maybe' })).toThrow(/biased must be true or false/);
  });

  it('does one SGD epoch exactly as the update rule says (hand-checked)', () => {
    // one user, two ratings; every factor starts at 0.5 (std 0) so the arithmetic is by hand
    const ts = Trainset.fromRatings([
      { user: 'ann', item: 'x', rating: 5 },
      { user: 'ann', item: 'y', rating: 3 },
    ]);
    const a = svdDescriptor
      .create({ n_factors: 2, n_epochs: 1, init_mean: 0.5, init_std_dev: 0 })
      .fit(ts) as Svd;
    const lr = 0.005;
    const reg = 0.02;
    const mu = 4;
    // rating (ann, x, 5): err = 5 - (4 + 0 + 0 + 0.5) = 0.5
    let bu = lr * 0.5;
    const bx = lr * 0.5;
    const p1 = 0.5 + lr * (0.5 * 0.5 - reg * 0.5); // 0.5012
    const qx = 0.5 + lr * (0.5 * 0.5 - reg * 0.5);
    // rating (ann, y, 3): the new b_u and p_u, item y still at its init
    const err2 = 3 - (mu + bu + 0 + 2 * p1 * 0.5);
    bu += lr * (err2 - reg * bu);
    const by = lr * err2;
    const p2 = p1 + lr * (err2 * 0.5 - reg * p1);
    const qy = 0.5 + lr * (err2 * p1 - reg * 0.5);
    const s = a.state();
    expect(Array.from(s.bu as Float64Array)[0]).toBeCloseTo(bu, 6);
    expect(Array.from(s.bi as Float64Array)).toEqual([expect.closeTo(bx, 6), expect.closeTo(by, 6)]);
    for (const v of s.p as Float32Array) expect(v).toBeCloseTo(p2, 6);
    expect(Array.from(s.q as Float32Array)).toEqual([qx, qx, qy, qy].map((v) => expect.closeTo(v, 6)));
    // and the estimate is μ + b_u + b_i + q_i·p_u
    expect(a.predict('ann', 'y').est).toBeCloseTo(mu + bu + by + 2 * p2 * qy, 5);
  });

  it('draws p then q from N(init_mean, init_std_dev): zero epochs leave the initialisation', () => {
    const a = svdDescriptor.create({ n_factors: 50, n_epochs: 0, init_mean: 1, init_std_dev: 0.2 }).fit(small) as Svd;
    const p = a.state().p as Float32Array;
    const mean = p.reduce((s, v) => s + v, 0) / p.length;
    const sd = Math.sqrt(p.reduce((s, v) => s + (v - mean) ** 2, 0) / p.length);
    expect(mean).toBeCloseTo(1, 1);
    expect(sd).toBeCloseTo(0.2, 1);
    expect(Array.from(a.state().bu as Float64Array).every((v) => v === 0)).toBe(true);
  });

  it('is deterministic: the same seed gives the same model bit for bit, another seed another model', () => {
    const a = svdDescriptor.create({ n_factors: 10 }).fit(small) as Svd;
    const b = svdDescriptor.create({ n_factors: 10 }).fit(small) as Svd;
    const c = svdDescriptor.create({ n_factors: 10, random_state: 1 }).fit(small) as Svd;
    expect(arrays(a)).toEqual(arrays(b));
    expect(arrays(a).p).not.toEqual(arrays(c).p);
  });

  it('learns: training error falls well below the global-mean baseline', () => {
    const a = svdDescriptor.create({ n_factors: 5, n_epochs: 60, lr_all: 0.02 }).fit(small);
    let se = 0;
    let base = 0;
    small.forEachRating((u, i, r) => {
      se += (r - a.predict(small.rawUser(u), small.rawItem(i)).est) ** 2;
      base += (r - small.globalMean) ** 2;
    });
    expect(se).toBeLessThan(0.5 * base);
  });

  it('answers an unknown user with the biases only, and an unknown item likewise', () => {
    const a = svdDescriptor.create({ n_factors: 4 }).fit(small) as Svd;
    const s = a.state();
    const i = small.innerItem('i3') as number;
    const u = small.innerUser('u2') as number;
    const mu = small.globalMean;
    const unknownUser = a.predict('stranger', 'i3', NaN, false);
    expect(unknownUser.wasImpossible).toBe(false);
    expect(unknownUser.est).toBe(mu + (s.bi as Float64Array)[i]);
    expect(a.predict('u2', 'new-film', NaN, false).est).toBe(mu + (s.bu as Float64Array)[u]);
    expect(a.predict('stranger', 'new-film').est).toBe(mu);
  });

  it('unbiased: μ and the biases are not used, and an unknown user or item is impossible (→ μ)', () => {
    const a = svdDescriptor.create({ n_factors: 4, biased: false }).fit(small) as Svd;
    expect(Array.from(a.state().bu as Float64Array).every((v) => v === 0)).toBe(true);
    const est = a.estimate(0, 0);
    expect(est.value).toBeDefined();
    const pred = a.predict('stranger', 'i3');
    expect(pred).toMatchObject({ wasImpossible: true, est: small.globalMean, reason: 'User and item are unknown.' });
    expect(a.estimate(0, -1).impossible).toBe('User and item are unknown.');
  });

  it('clips predictions to the rating scale', () => {
    // a strong user and a strong item, trained hard: the raw estimate passes 5
    const ratings = [];
    for (let u = 0; u < 6; u++) {
      for (let i = 0; i < 6; i++) {
        const top = u === 0 || i === 0;
        ratings.push({ user: `u${u}`, item: `i${i}`, rating: top ? 5 : 1 });
      }
    }
    const ts = Trainset.fromRatings(ratings.filter((r) => !(r.user === 'u0' && r.item === 'i0')));
    const a = svdDescriptor.create({ n_factors: 2, n_epochs: 200, lr_all: 0.05 }).fit(ts);
    const raw = a.predict('u0', 'i0', NaN, false).est;
    expect(raw).toBeGreaterThan(5);
    expect(a.predict('u0', 'i0').est).toBe(5);
    expect(a.recommend(ts.profileOf(ts.innerUser('u0')!), 1)[0].score).toBe(5);
  });

  it('scoreAll gives exactly the per-item estimates, and recommend skips what the user rated', () => {
    const a = svdDescriptor.create({ n_factors: 12 }).fit(small);
    const out = new Float64Array(small.nItems);
    for (const u of [0, 5, 17]) {
      const profile = small.profileOf(u);
      a.scoreAll(profile, out);
      for (let i = 0; i < small.nItems; i++) expect(out[i]).toBe(a.estimate(u, i).value);
      const rated = new Set(profile.items);
      const top = a.recommend(profile, 5);
      expect(top).toHaveLength(5);
      for (const t of top) expect(rated.has(t.item)).toBe(false);
      for (let k = 1; k < top.length; k++) expect(top[k - 1].score).toBeGreaterThanOrEqual(top[k].score);
    }
  });

  it('prepares its scoring kernel in steps of a few items, then scores as without them', () => {
    const fresh = svdDescriptor.create({ n_factors: 12 }).fit(small);
    const want = new Float64Array(small.nItems);
    fresh.scoreAll(small.profileOf(5), want);

    const stepped = svdDescriptor.create({ n_factors: 12 }).fit(small);
    const steps = stepped.prepareScoringSteps(8);
    let yields = 0;
    while (!steps.next().done) yields++;
    // a yield once the kernel's memory is allocated, then 30 items 8 a step: a yield after each
    // of the first three copies, the fourth the last
    expect(yields).toBe(4);
    const got = new Float64Array(small.nItems);
    stepped.scoreAll(small.profileOf(5), got);
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(() => stepped.prepareScoringSteps(0).next()).toThrow(/itemsPerStep must be at least 1, got 0/);
    // what the kernel allocates: 12 factors as float32 and a float64 score, per item
    expect(stepped.scoringBytes()).toBe(small.nItems * (4 * 12 + 8));
  });

  it('gives the same model with the TypeScript kernel as with WebAssembly', () => {
    const w = new Svd(svdDescriptor.create({ n_factors: 9 }).params, 'wasm').fit(small);
    const t = new Svd(svdDescriptor.create({ n_factors: 9 }).params, 'ts').fit(small);
    expect(w.lastKernel).toBe('wasm');
    expect(t.lastKernel).toBe('ts');
    expect(arrays(w)).toEqual(arrays(t));
    const ow = new Float64Array(small.nItems);
    const ot = new Float64Array(small.nItems);
    w.scoreAll(small.profileOf(3), ow);
    t.scoreAll(small.profileOf(3), ot);
    expect(Array.from(ow)).toEqual(Array.from(ot));
  });

  it('refuses to predict before fit and to fit on nothing', () => {
    const a = svdDescriptor.create();
    expect(() => a.predict('u', 'i')).toThrow(NotFittedError);
    expect(() => a.fit(Trainset.fromRatings([]))).toThrow(/svd: cannot fit on an empty trainset/);
  });
});
