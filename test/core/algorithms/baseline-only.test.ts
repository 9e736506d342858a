import { describe, expect, it } from 'vitest';
import type { Profile } from '../../../src/core/trainset.ts';
import { BaselineOnly, baselineDescriptor } from '../../../src/core/algorithms/baseline-only.ts';
import { build, fourUsers } from './small-ratings.ts';

const fixture = fourUsers;

describe('BaselineOnly', () => {
  it('predicts μ + b_u + b_i; an unknown side contributes 0 and is not impossible', () => {
    const ts = fixture();
    const algo = baselineDescriptor.create().fit(ts) as BaselineOnly;
    const { bu, bi } = algo.biases;
    const [A, x] = [ts.innerUser('A') as number, ts.innerItem('x') as number];
    expect(algo.predict('A', 'x').est).toBeCloseTo(ts.globalMean + bu[A] + bi[x], 14);
    expect(algo.predict('A', 'new')).toMatchObject({ wasImpossible: false });
    expect(algo.predict('A', 'new').est).toBeCloseTo(ts.globalMean + bu[A], 14);
    expect(algo.predict('new', 'x').est).toBeCloseTo(ts.globalMean + bi[x], 14);
    expect(algo.predict('new', 'new').est).toBeCloseTo(ts.globalMean, 14);
  });

  it('with one ALS epoch the biases are the hand-computed ones', () => {
    const ts = build([
      ['u1', 'i1', 4],
      ['u1', 'i2', 2],
      ['u2', 'i1', 5],
    ]);
    const mu = 11 / 3;
    const algo = baselineDescriptor.create({ n_epochs: 1 }).fit(ts);
    const bi1 = (4 - mu + (5 - mu)) / 12;
    const bi2 = (2 - mu) / 11;
    const bu2 = (5 - mu - bi1) / 16;
    expect(algo.predict('u2', 'i2').est).toBeCloseTo(mu + bu2 + bi2, 14);
  });

  it('clips through predict: a generous user on a well-liked item goes past 5', () => {
    // without regularisation ALS converges to an exact fit: μ = 4, b_u1 = +1.5, b_c = +1.5
    const ts = build([
      ['u1', 'a', 5],
      ['u1', 'b', 5],
      ['u2', 'a', 3],
      ['u2', 'c', 5],
      ['u3', 'b', 2],
      ['u3', 'c', 4],
    ]);
    const algo = baselineDescriptor.create({ reg_i: 0, reg_u: 0 }).fit(ts);
    expect(algo.predict('u1', 'c', NaN, false).est).toBeCloseTo(7, 3);
    expect(algo.predict('u1', 'c').est).toBe(5);
  });

  it('a member is folded in: exact for ALS, close for SGD', () => {
    const ts = fixture();
    for (const method of ['als', 'sgd']) {
      const algo = baselineDescriptor.create({ method }).fit(ts);
      const u = ts.innerUser('A') as number;
      const trained = ts.profileOf(u);
      const p: Profile = { items: trained.items.slice(), ratings: trained.ratings.slice() };
      const out = new Float64Array(ts.nItems);
      algo.scoreAll(p, out);
      for (let i = 0; i < ts.nItems; i++) {
        const want = algo.estimate(u, i).value as number;
        const got = algo.estimateFor(p, i).value as number;
        expect(out[i]).toBe(got);
        if (method === 'als') expect(got).toBeCloseTo(want, 12);
        else expect(Math.abs(got - want)).toBeLessThan(0.02);
      }
    }
  });

  it('a member who loves everything is placed above the average user', () => {
    const ts = fixture();
    const algo = baselineDescriptor.create().fit(ts);
    const fan: Profile = { items: Int32Array.of(0, 1, 2), ratings: Float32Array.of(5, 5, 5) };
    expect(algo.estimateFor(fan, 0).value as number).toBeGreaterThan(algo.predict('new', ts.rawItem(0), NaN, false).est);
  });

  it('state and restore give identical predictions', () => {
    const ts = fixture();
    const algo = baselineDescriptor.create({ method: 'sgd' }).fit(ts);
    const copy = baselineDescriptor.create({ method: 'sgd' });
    copy.restore(ts, algo.state());
    for (let u = 0; u < ts.nUsers; u++) {
      for (let i = 0; i < ts.nItems; i++) expect(copy.estimate(u, i)).toEqual(algo.estimate(u, i));
    }
    expect(() => copy.restore(build([['A', 'x', 1]]), algo.state())).toThrow(/"bu" must be an array of 1 numbers/);
  });

  it('n_epochs defaults to 10 for ALS and 20 for SGD; bad values are refused', () => {
    expect(baselineDescriptor.create().params).toMatchObject({ method: 'als', n_epochs: 10, reg_i: 10, reg_u: 15 });
    expect(baselineDescriptor.create({ method: 'SGD' }).params).toMatchObject({
      method: 'sgd',
      n_epochs: 20,
      reg: 0.02,
      learning_rate: 0.005,
    });
    expect(baselineDescriptor.create({ method: 'sgd', n_epochs: '5' }).params.n_epochs).toBe(5);
    expect(() => baselineDescriptor.create({ method: 'lbfgs' })).toThrow(/method must be one of als, sgd/);
    expect(() => baselineDescriptor.create({ reg_u: -0.5 })).toThrow(/reg_u must be at least 0/);
    expect(() => baselineDescriptor.create({ learning_rate: 0 })).toThrow(/learning_rate must be greater than 0/);
    expect(() => baselineDescriptor.create({ n_epochs: 2.5 })).toThrow(/n_epochs must be a whole number/);
  });
});
