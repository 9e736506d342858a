import { describe, expect, it } from 'vitest';
import { nmfFit, type NmfInput, type NmfOptions } from '../../../src/core/kernels/nmf-epoch.ts';
import { Rng } from '../../../src/core/rng.ts';
import { lowRankTrainset } from '../algorithms/mf-fixtures.ts';

const ts = lowRankTrainset({ nUsers: 50, nItems: 35, rank: 3, density: 0.4, noise: 0.3, seed: 12 });

function input(f: number): NmfInput {
  const rng = new Rng(7);
  const p = new Float64Array(ts.nUsers * f);
  const q = new Float64Array(ts.nItems * f);
  for (let k = 0; k < p.length; k++) p[k] = rng.uniform(0, 1);
  for (let k = 0; k < q.length; k++) q[k] = rng.uniform(0, 1);
  // a few exact zeros: those factors must stay zero
  p[3] = 0;
  q[5] = 0;
  const itemDeg = new Int32Array(ts.nItems);
  for (let i = 0; i < ts.nItems; i++) itemDeg[i] = ts.itemDegree(i);
  return {
    nUsers: ts.nUsers,
    nItems: ts.nItems,
    indptr: ts.byUser.indptr,
    items: ts.byUser.indices,
    ratings: ts.byUser.values,
    itemDeg,
    nFactors: f,
    p,
    q,
    bu: new Float64Array(ts.nUsers),
    bi: new Float64Array(ts.nItems),
  };
}

const opts = (biased: boolean): NmfOptions => ({
  nEpochs: 9,
  mu: biased ? ts.globalMean : 0,
  biased,
  lrBu: 0.005,
  lrBi: 0.006,
  regBu: 0.02,
  regBi: 0.03,
  regPu: 0.06,
  regQi: 0.05,
});

describe('NMF epoch kernel', () => {
  for (const f of [1, 2, 5, 15, 16]) {
    for (const biased of [false, true]) {
      it(`WebAssembly and the TypeScript reference give the same model bit for bit (f=${f}, biased=${biased})`, () => {
        const a = input(f);
        const b = input(f);
        expect(nmfFit(a, opts(biased), 'wasm')).toBe('wasm');
        expect(nmfFit(b, opts(biased), 'ts')).toBe('ts');
        for (const k of ['p', 'q', 'bu', 'bi'] as const) {
          expect(Buffer.from(a[k].buffer).equals(Buffer.from(b[k].buffer))).toBe(true);
        }
        expect(a.p[3]).toBe(0);
        expect(a.q[5]).toBe(0);
        expect(a.p.every((v) => v >= 0) && a.q.every((v) => v >= 0)).toBe(true);
      });
    }
  }
});
