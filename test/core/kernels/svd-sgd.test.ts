import { describe, expect, it } from 'vitest';
import { kernelProblem } from '../../../src/core/kernels/wasm.ts';
import {
  ItemDotScorer,
  dotF32,
  svdSgd,
  type SvdSgdInput,
  type SvdSgdOptions,
} from '../../../src/core/kernels/svd-sgd.ts';
import { Rng } from '../../../src/core/rng.ts';
import { lowRankTrainset } from '../algorithms/mf-fixtures.ts';

const ts = lowRankTrainset({ nUsers: 60, nItems: 45, rank: 3, density: 0.4, noise: 0.3, seed: 11 });

function problem(f: number, seed = 0): SvdSgdInput {
  const rng = new Rng(seed);
  const p = new Float32Array(ts.nUsers * f);
  const q = new Float32Array(ts.nItems * f);
  rng.fillNormal(p, 0, 0.1);
  rng.fillNormal(q, 0, 0.1);
  return {
    nUsers: ts.nUsers,
    nItems: ts.nItems,
    indptr: ts.byUser.indptr,
    items: ts.byUser.indices,
    ratings: ts.byUser.values,
    nFactors: f,
    p,
    q,
    bu: new Float64Array(ts.nUsers),
    bi: new Float64Array(ts.nItems),
  };
}

const opts = (biased: boolean): SvdSgdOptions => ({
  nEpochs: 7,
  mu: biased ? ts.globalMean : 0,
  biased,
  lrBu: 0.01,
  lrBi: 0.012,
  lrPu: 0.02,
  lrQi: 0.015,
  regBu: 0.02,
  regBi: 0.03,
  regPu: 0.05,
  regQi: 0.04,
});

describe('SVD SGD kernel', () => {
  it('loads the SIMD WebAssembly build (npm install runs `npm run build:wasm`)', () => {
    expect(kernelProblem()).toBeUndefined();
  });

  // factor counts that are and are not multiples of the four SIMD lanes
  for (const f of [1, 3, 4, 7, 16, 100]) {
    for (const biased of [true, false]) {
      it(`WebAssembly and the TypeScript reference give the same model bit for bit (f=${f}, biased=${biased})`, () => {
        const a = problem(f);
        const b = problem(f);
        expect(svdSgd(a, opts(biased), 'wasm')).toBe('wasm');
        expect(svdSgd(b, opts(biased), 'ts')).toBe('ts');
        expect(Buffer.from(a.p.buffer).equals(Buffer.from(b.p.buffer))).toBe(true);
        expect(Buffer.from(a.q.buffer).equals(Buffer.from(b.q.buffer))).toBe(true);
        expect(Buffer.from(a.bu.buffer).equals(Buffer.from(b.bu.buffer))).toBe(true);
        expect(Buffer.from(a.bi.buffer).equals(Buffer.from(b.bi.buffer))).toBe(true);
        if (!biased) expect(a.bu.every((x) => x === 0)).toBe(true);
      });
    }
  }

  it('the item scorer matches dotF32 in both implementations', () => {
    for (const f of [5, 8, 100]) {
      const { p, q } = problem(f, 3);
      const wasm = new ItemDotScorer(q, ts.nItems, f, 'wasm');
      const ref = new ItemDotScorer(q, ts.nItems, f, 'ts');
      expect(wasm.kernel).toBe('wasm');
      const outW = new Float64Array(ts.nItems);
      const outT = new Float64Array(ts.nItems);
      for (const u of [0, 7, ts.nUsers - 1]) {
        wasm.scoreInto(p, u * f, outW);
        ref.scoreInto(p, u * f, outT);
        expect(Array.from(outW)).toEqual(Array.from(outT));
        for (let i = 0; i < ts.nItems; i++) expect(outW[i]).toBe(dotF32(p, u * f, q, i * f, f));
      }
    }
  });

  it('copies the item factors a few rows at a time, or finishes the copy when asked to score first', () => {
    for (const f of [5, 100]) {
      const { p, q } = problem(f, 3);
      const whole = new ItemDotScorer(q, ts.nItems, f, 'wasm');
      const want = new Float64Array(ts.nItems);
      whole.scoreInto(p, 0, want);

      const sliced = new ItemDotScorer(q, ts.nItems, f, 'wasm', { copyNow: false });
      let calls = 1;
      while (!sliced.copyRows(7)) calls++;
      expect(calls).toBe(Math.ceil(ts.nItems / 7));
      const got = new Float64Array(ts.nItems);
      sliced.scoreInto(p, 0, got);
      expect(Array.from(got)).toEqual(Array.from(want));

      // half copied, then asked for a member's scores: the rest is copied first
      const early = new ItemDotScorer(q, ts.nItems, f, 'wasm', { copyNow: false });
      early.copyRows(Math.floor(ts.nItems / 2));
      early.scoreInto(p, 0, got);
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });

  it('dotF32 is a float32 dot product', () => {
    const a = Float32Array.from([1, 2, 3, 4, 5]);
    const b = Float32Array.from([0.5, 0.25, 2, -1, 1]);
    expect(dotF32(a, 0, b, 0, 5)).toBeCloseTo(0.5 + 0.5 + 6 - 4 + 5, 6);
    expect(dotF32(a, 1, b, 1, 2)).toBeCloseTo(2 * 0.25 + 3 * 2, 6);
  });
});
