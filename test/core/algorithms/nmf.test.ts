import { describe, expect, it } from 'vitest';
import { ParamError } from '../../../src/core/algorithm.ts';
import { Nmf, nmfDescriptor } from '../../../src/core/algorithms/nmf.ts';
import { Trainset } from '../../../src/core/trainset.ts';
import { lowRankTrainset } from './mf-fixtures.ts';

const small = lowRankTrainset({ nUsers: 40, nItems: 30, rank: 2, density: 0.5, noise: 0.3, seed: 9 });

describe('NMF (Surprise NMF)', () => {
  it("has Surprise's defaults", () => {
    expect(nmfDescriptor.create().params).toEqual({
      n_factors: 15,
      n_epochs: 50,
      biased: false,
      reg_pu: 0.06,
      reg_qi: 0.06,
      reg_bu: 0.02,
      reg_bi: 0.02,
      lr_bu: 0.005,
      lr_bi: 0.005,
      init_low: 0,
      init_high: 1,
      random_state: 0,
    });
  });

  it('refuses a negative init_low and an init range that runs backwards', () => {
    expect(() => nmfDescriptor.create({ init_low: -0.1 })).toThrow(/init_low must be at least 0/);
    expect(() => nmfDescriptor.create({ init_low: 0.5, init_high: 0.2 })).toThrow(ParamError);
    expect(() => nmfDescriptor.create({ init_low: 0.5, init_high: 0.2 })).toThrow(/init_high \(0.2\) must be at least init_low/);
  });

  it('does one epoch of multiplicative updates exactly as the rule says (hand-checked)', () => {
    // one factor, every factor starts at 0.5 (init_low = init_high)
    const ts = Trainset.fromRatings([
      { user: 'a', item: 'x', rating: 4 },
      { user: 'a', item: 'y', rating: 2 },
      { user: 'b', item: 'x', rating: 3 },
    ]);
    const m = (nmfDescriptor.create({ n_factors: 1, n_epochs: 1, init_low: 0.5, init_high: 0.5 }).fit(ts) as Nmf).factors();
    const reg = 0.06;
    // every estimate is 0.5 · 0.5 = 0.25
    // user a: num = 0.5·4 + 0.5·2 = 3, den = 2 · 0.5 · 0.25 = 0.25; p *= 3 / (0.25 + 2·reg·0.5)
    expect(m.p[0]).toBeCloseTo(0.5 * (3 / (0.25 + 2 * reg * 0.5)), 12);
    // user b: num = 0.5·3, den = 0.5·0.25
    expect(m.p[1]).toBeCloseTo(0.5 * (1.5 / (0.125 + 1 * reg * 0.5)), 12);
    // item x uses the OLD user factors: num = 0.5·4 + 0.5·3, den = 2 · 0.5 · 0.25
    expect(m.q[0]).toBeCloseTo(0.5 * (3.5 / (0.25 + 2 * reg * 0.5)), 12);
    expect(m.q[1]).toBeCloseTo(0.5 * (1 / (0.125 + 1 * reg * 0.5)), 12);
    expect(Array.from(m.bu)).toEqual([0, 0]);
  });

  it('keeps every factor non-negative and fits the data', () => {
    const a = nmfDescriptor.create().fit(small) as Nmf;
    const m = a.factors();
    expect(m.p.every((v) => v >= 0)).toBe(true);
    expect(m.q.every((v) => v >= 0)).toBe(true);
    let se = 0;
    let base = 0;
    small.forEachRating((u, i, r) => {
      se += (r - (a.estimate(u, i).value as number)) ** 2;
      base += (r - small.globalMean) ** 2;
    });
    expect(se).toBeLessThan(0.6 * base);
  });

  it('unbiased: an unknown user or item is impossible and falls back to μ', () => {
    const a = nmfDescriptor.create().fit(small);
    expect(a.predict('stranger', 'i1')).toMatchObject({ wasImpossible: true, est: small.globalMean });
    expect(a.predict('u1', 'nothing').wasImpossible).toBe(true);
    const out = new Float64Array(small.nItems);
    a.scoreAll({ items: new Int32Array(0), ratings: new Float32Array(0) }, out);
    expect(out.every((v) => Number.isNaN(v))).toBe(true);
    expect(a.recommend({ items: new Int32Array(0), ratings: new Float32Array(0) }, 5)).toEqual([]);
  });

  it('biased: learns b_u and b_i by SGD and answers unknown users with the biases', () => {
    const a = nmfDescriptor.create({ biased: true }).fit(small) as Nmf;
    const m = a.factors();
    expect(m.bu.some((v) => v !== 0)).toBe(true);
    const i = small.innerItem('i4') as number;
    expect(a.predict('stranger', 'i4', NaN, false)).toMatchObject({ wasImpossible: false, est: small.globalMean + m.bi[i] });
  });

  it('is deterministic by seed, and scoreAll equals the per-item estimates', () => {
    const a = (nmfDescriptor.create().fit(small) as Nmf).factors();
    const b = (nmfDescriptor.create().fit(small) as Nmf).factors();
    const c = (nmfDescriptor.create({ random_state: 2 }).fit(small) as Nmf).factors();
    expect(Buffer.from(a.p.buffer).equals(Buffer.from(b.p.buffer))).toBe(true);
    expect(Buffer.from(a.q.buffer).equals(Buffer.from(b.q.buffer))).toBe(true);
    expect(Buffer.from(a.p.buffer).equals(Buffer.from(c.p.buffer))).toBe(false);
    for (const biased of [false, true]) {
      const algo = nmfDescriptor.create({ biased }).fit(small);
      const out = new Float64Array(small.nItems);
      algo.scoreAll(small.profileOf(6), out);
      for (let i = 0; i < small.nItems; i++) expect(out[i]).toBe(algo.estimate(6, i).value);
    }
  });
});

describe('NMF kernels', () => {
  it('gives the same model with the TypeScript kernel as with WebAssembly', () => {
    for (const biased of [false, true]) {
      const params = nmfDescriptor.create({ biased, n_factors: 7 }).params;
      const w = new Nmf(params, 'wasm').fit(small);
      const t = new Nmf(params, 'ts').fit(small);
      expect([w.lastKernel, t.lastKernel]).toEqual(['wasm', 'ts']);
      for (const k of ['p', 'q', 'bu', 'bi'] as const) {
        expect(Buffer.from(w.factors()[k].buffer).equals(Buffer.from(t.factors()[k].buffer))).toBe(true);
      }
    }
  });
});
