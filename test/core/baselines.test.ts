import { describe, expect, it } from 'vitest';
import { Trainset } from '../../src/core/trainset.ts';
import {
  alsUserBiases,
  applyMethodDefaults,
  computeBaselines,
  DEFAULT_BASELINE_OPTIONS,
  foldInUserBias,
  type BaselineOptions,
} from '../../src/core/baselines.ts';

// u1 rated i1 = 4 and i2 = 2; u2 rated i1 = 5. μ = 11/3.
const tiny = (): Trainset =>
  Trainset.fromRatings([
    { user: 'u1', item: 'i1', rating: 4 },
    { user: 'u1', item: 'i2', rating: 2 },
    { user: 'u2', item: 'i1', rating: 5 },
  ]);

const als = (nEpochs: number): BaselineOptions => ({ ...DEFAULT_BASELINE_OPTIONS, nEpochs });
const sgd = (nEpochs: number): BaselineOptions => ({ ...DEFAULT_BASELINE_OPTIONS, method: 'sgd', nEpochs });

describe('ALS baselines', () => {
  it('after one epoch: items from zero user biases, then users from those item biases', () => {
    const ts = tiny();
    const mu = 11 / 3;
    const { bu, bi } = computeBaselines(ts, als(1));
    const bi1 = (4 - mu + (5 - mu)) / (10 + 2);
    const bi2 = (2 - mu) / (10 + 1);
    expect(bi[0]).toBeCloseTo(bi1, 14);
    expect(bi[1]).toBeCloseTo(bi2, 14);
    expect(bu[0]).toBeCloseTo((4 - mu - bi1 + (2 - mu - bi2)) / (15 + 2), 14);
    expect(bu[1]).toBeCloseTo((5 - mu - bi1) / (15 + 1), 14);
  });

  it('the second epoch uses the first epoch user biases for the items', () => {
    const ts = tiny();
    const mu = 11 / 3;
    const one = computeBaselines(ts, als(1));
    const two = computeBaselines(ts, als(2));
    expect(two.bi[0]).toBeCloseTo((4 - mu - one.bu[0] + (5 - mu - one.bu[1])) / 12, 14);
    expect(two.bi[1]).toBeCloseTo((2 - mu - one.bu[0]) / 11, 14);
  });

  it('defaults to 10 epochs with reg_i 10 and reg_u 15', () => {
    expect(DEFAULT_BASELINE_OPTIONS).toMatchObject({ method: 'als', nEpochs: 10, regI: 10, regU: 15 });
  });

  it('folding a trained user back in gives exactly their bias (the last ALS step is the user step)', () => {
    const ts = tiny();
    const { bu, bi } = computeBaselines(ts);
    const p = ts.profileOf(0);
    expect(foldInUserBias(p.items, p.ratings, bi, ts.globalMean)).toBeCloseTo(bu[0], 14);
    expect(foldInUserBias(new Int32Array(0), new Float32Array(0), bi, ts.globalMean)).toBe(0);
  });

  it('the item biases alone give every user bias back, to the bit (what a restart keeps instead of all epochs)', () => {
    const ts = tiny();
    for (const opts of [DEFAULT_BASELINE_OPTIONS, als(1), als(0)]) {
      const { bu, bi } = computeBaselines(ts, opts);
      expect([...alsUserBiases(ts, bi, opts)]).toEqual([...bu]);
    }
    expect(() => alsUserBiases(ts, new Float64Array(1))).toThrow('item biases hold 1 movies, the trainset 2');
    expect(() => alsUserBiases(ts, new Float64Array(2), sgd(1))).toThrow(/need the als method/);
  });
});

describe('SGD baselines', () => {
  it('after one epoch: one error per rating, both biases nudged with it, ratings in user order', () => {
    const ts = tiny();
    const mu = 11 / 3;
    const lr = 0.005;
    const reg = 0.02;
    let bu1 = 0;
    let bu2 = 0;
    let bi1 = 0;
    let bi2 = 0;
    // u1/i1 = 4
    let e = 4 - (mu + bu1 + bi1);
    bu1 += lr * (e - reg * bu1);
    bi1 += lr * (e - reg * bi1);
    // u1/i2 = 2
    e = 2 - (mu + bu1 + bi2);
    bu1 += lr * (e - reg * bu1);
    bi2 += lr * (e - reg * bi2);
    // u2/i1 = 5
    e = 5 - (mu + bu2 + bi1);
    bu2 += lr * (e - reg * bu2);
    bi1 += lr * (e - reg * bi1);
    const { bu, bi } = computeBaselines(ts, sgd(1));
    expect([...bu]).toEqual([bu1, bu2]);
    expect([...bi]).toEqual([bi1, bi2]);
  });

  it('a member folded in by replaying the updates lands near the trained bias', () => {
    const ts = tiny();
    const { bu, bi } = computeBaselines(ts, sgd(20));
    const p = ts.profileOf(0);
    const b = foldInUserBias(p.items, p.ratings, bi, ts.globalMean, sgd(20));
    expect(Math.abs(b - bu[0])).toBeLessThan(0.01);
    expect(Math.sign(b)).toBe(Math.sign(bu[0]));
  });

  it('uses 20 epochs when the method is sgd and n_epochs is not given', () => {
    const resolved = { method: 'sgd' as const, n_epochs: 10 };
    expect(applyMethodDefaults(resolved, { method: 'sgd' }).n_epochs).toBe(20);
    expect(applyMethodDefaults(resolved, { method: 'sgd', n_epochs: 10 }).n_epochs).toBe(10);
    expect(applyMethodDefaults({ method: 'als' as const, n_epochs: 10 }, {}).n_epochs).toBe(10);
  });
});
