import { describe, expect, it } from 'vitest';
import { ParamError } from '../../../src/core/algorithm.ts';
import { SvdPp, svdppDescriptor } from '../../../src/core/algorithms/svdpp.ts';
import { Trainset } from '../../../src/core/trainset.ts';
import { lowRankRatings, lowRankTrainset } from './mf-fixtures.ts';

const small = lowRankTrainset({ nUsers: 40, nItems: 30, rank: 2, density: 0.5, noise: 0.3, seed: 8 });

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let k = 0; k < a.length; k++) d = Math.max(d, Math.abs(a[k] - b[k]));
  return d;
}

describe('SVD++ (Surprise SVDpp)', () => {
  it("has Surprise's defaults (20 factors, lr 0.007 as in the code, reg 0.02)", () => {
    expect(svdppDescriptor.create().params).toMatchObject({
      n_factors: 20,
      n_epochs: 20,
      init_mean: 0,
      init_std_dev: 0.1,
      lr_all: 0.007,
      reg_all: 0.02,
      lr_yj: 0.007,
      reg_yj: 0.02,
      random_state: 0,
    });
    expect(svdppDescriptor.create({ reg_all: 0.1, reg_yj: 0.5 }).params).toMatchObject({ reg_bu: 0.1, reg_yj: 0.5 });
    expect(() => svdppDescriptor.create({ biased: false })).toThrow(ParamError);
  });

  it('does one SGD step exactly as the update rule says (hand-checked)', () => {
    const ts = Trainset.fromRatings([{ user: 'ann', item: 'x', rating: 4 }]);
    const a = svdppDescriptor
      .create({ n_factors: 2, n_epochs: 1, init_mean: 0.5, init_std_dev: 0 })
      .fit(ts) as SvdPp;
    const lr = 0.007;
    const reg = 0.02;
    // I_u = {x}: implicit = y_x / sqrt(1) = (0.5, 0.5); dot = 2 · 0.5 · (0.5 + 0.5) = 1
    const err = 4 - (4 + 1); // -1
    const m = a.factors();
    expect(m.bu[0]).toBeCloseTo(lr * err, 12);
    expect(m.bi[0]).toBeCloseTo(lr * err, 12);
    for (const v of m.p) expect(v).toBeCloseTo(0.5 + lr * (err * 0.5 - reg * 0.5), 12);
    for (const v of m.q) expect(v).toBeCloseTo(0.5 + lr * (err * (0.5 + 0.5) - reg * 0.5), 12);
    for (const v of m.y) expect(v).toBeCloseTo(0.5 + lr * (err * 0.5 - reg * 0.5), 12);
  });

  it('the deferred y_j updates give the model of the literal per-rating loop', () => {
    const params = svdppDescriptor.create({ n_factors: 6, n_epochs: 15, lr_all: 0.02 }).params;
    const fast = new SvdPp(params).fit(small).factors();
    const literal = new SvdPp(params).fit(small, true).factors();
    for (const k of ['p', 'q', 'y', 'bu', 'bi'] as const) expect(maxDiff(fast[k], literal[k])).toBeLessThan(1e-9);
  });

  it('a user who rated an item twice is updated literally, as Surprise does', () => {
    const ratings = lowRankRatings({ nUsers: 12, nItems: 10, rank: 2, density: 0.6, noise: 0.2, seed: 2 });
    ratings.push({ user: 'u1', item: ratings.find((r) => r.user === 'u1')!.item, rating: 1 });
    const ts = Trainset.fromRatings(ratings);
    const params = svdppDescriptor.create({ n_factors: 4, n_epochs: 10 }).params;
    const fast = new SvdPp(params).fit(ts).factors();
    const literal = new SvdPp(params).fit(ts, true).factors();
    for (const k of ['p', 'q', 'y', 'bu', 'bi'] as const) expect(maxDiff(fast[k], literal[k])).toBeLessThan(1e-9);
  });

  it('estimates μ + b_u + b_i + q_i·(p_u + |I_u|^-1/2 Σ y_j)', () => {
    const a = svdppDescriptor.create({ n_factors: 3 }).fit(small) as SvdPp;
    const m = a.factors();
    const u = 4;
    const i = 7;
    const rated = small.profileOf(u).items;
    let want = small.globalMean + m.bu[u] + m.bi[i];
    for (let x = 0; x < 3; x++) {
      let imp = 0;
      for (const j of rated) imp += m.y[j * 3 + x];
      want += m.q[i * 3 + x] * (m.p[u * 3 + x] + imp / Math.sqrt(rated.length));
    }
    expect(a.estimate(u, i).value).toBeCloseTo(want, 12);
  });

  it('answers unknown users and items with the biases it knows', () => {
    const a = svdppDescriptor.create().fit(small) as SvdPp;
    const m = a.factors();
    const i = small.innerItem('i2') as number;
    expect(a.predict('stranger', 'i2', NaN, false)).toMatchObject({ wasImpossible: false, est: small.globalMean + m.bi[i] });
    expect(a.predict('stranger', 'nothing').est).toBe(small.globalMean);
  });

  it('is deterministic by seed, and scoreAll equals the per-item estimates', () => {
    const a = svdppDescriptor.create().fit(small) as SvdPp;
    const b = svdppDescriptor.create().fit(small) as SvdPp;
    const c = svdppDescriptor.create({ random_state: 3 }).fit(small) as SvdPp;
    for (const k of ['p', 'q', 'y', 'bu', 'bi'] as const) {
      expect(Buffer.from(a.factors()[k].buffer).equals(Buffer.from(b.factors()[k].buffer))).toBe(true);
    }
    expect(maxDiff(a.factors().y, c.factors().y)).toBeGreaterThan(0);
    const out = new Float64Array(small.nItems);
    a.scoreAll(small.profileOf(9), out);
    for (let i = 0; i < small.nItems; i++) expect(out[i]).toBe(a.estimate(9, i).value);
  });
});
