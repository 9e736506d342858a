import { describe, expect, it } from 'vitest';
import { PureSvd, pureSvdDescriptor } from '../../../src/core/algorithms/pure-svd.ts';
import { decodeModel, encodeModel } from '../../../src/core/snapshot.ts';
import { lowRankTrainset } from './mf-fixtures.ts';

const ts = lowRankTrainset({ nUsers: 40, nItems: 12, rank: 2, density: 0.4, noise: 0.3, seed: 23 });

/** X as dense 0/1 rows. */
function dense(): number[][] {
  const x = Array.from({ length: ts.nUsers }, () => new Array<number>(ts.nItems).fill(0));
  ts.forEachRating((u, i) => (x[u][i] = 1));
  return x;
}

describe('PureSVD (Cremonesi et al. 2010)', () => {
  it('with k = every movie, projects a member onto the whole row space: their own row back', () => {
    const a = pureSvdDescriptor.create({ n_factors: ts.nItems, n_iter: 3 }).fit(ts);
    const out = new Float64Array(ts.nItems);
    const p = ts.profileOf(5);
    a.scoreAll({ items: p.items, ratings: p.ratings }, out);
    const rated = new Set(p.items);
    out.forEach((s, i) => expect(s).toBeCloseTo(rated.has(i) ? 1 : 0, 4));
  });

  it('with k = 1, scores x·v₁ v₁ for the top eigenvector v₁ of XᵀX (found here by dense power iteration)', () => {
    const x = dense();
    const n = ts.nItems;
    const g = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => x.reduce((s, r) => s + r[i] * r[j], 0)));
    let v = new Array<number>(n).fill(1);
    for (let it = 0; it < 500; it++) {
      const w = g.map((row) => row.reduce((s, gij, j) => s + gij * v[j], 0));
      const norm = Math.hypot(...w);
      v = w.map((t) => t / norm);
    }
    const a = pureSvdDescriptor.create({ n_factors: 1, n_iter: 200 }).fit(ts);
    const p = ts.profileOf(9);
    const xv = Array.from(p.items).reduce((s, i) => s + v[i], 0);
    const out = new Float64Array(n);
    a.scoreAll(p, out);
    out.forEach((s, i) => expect(s).toBeCloseTo(xv * v[i], 4));
    const because = (a as PureSvd).explain(p, 0, p.items.length);
    expect(because.reduce((s, c) => s + c.weight, 0)).toBeCloseTo(out[0], 4);
  });

  it('survives a snapshot with identical scores', () => {
    const a = pureSvdDescriptor.create({ n_factors: 4 }).fit(ts);
    const back = decodeModel(encodeModel(a), ts, (_name, params) => pureSvdDescriptor.create(params));
    const x = new Float64Array(ts.nItems);
    const y = new Float64Array(ts.nItems);
    a.scoreAll(ts.profileOf(2), x);
    back.scoreAll(ts.profileOf(2), y);
    expect(Array.from(y)).toEqual(Array.from(x));
  });

  it('refuses an unknown kind of values', () => {
    expect(() => pureSvdDescriptor.create({ values: 'counts' })).toThrow(/values must be one of binary, ratings/);
  });
});
