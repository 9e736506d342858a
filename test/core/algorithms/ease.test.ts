import { describe, expect, it } from 'vitest';
import { ParamError } from '../../../src/core/algorithm.ts';
import { Ease, easeDescriptor } from '../../../src/core/algorithms/ease.ts';
import { decodeModel, encodeModel } from '../../../src/core/snapshot.ts';
import { build, type Row } from './small-ratings.ts';
import { lowRankTrainset } from './mf-fixtures.ts';
import { naiveInverse } from '../../helpers/naive-inverse.ts';

/**
 * Five members, four movies (any rating counts as "watched"):
 *
 *        a  b  c  d
 *   U1   x  x  .  .
 *   U2   x  x  x  .
 *   U3   .  x  x  x
 *   U4   x  .  .  x
 *   U5   .  .  x  x
 */
const WATCHED: readonly Row[] = [
  ['U1', 'a', 4], ['U1', 'b', 5],
  ['U2', 'a', 3], ['U2', 'b', 4], ['U2', 'c', 2],
  ['U3', 'b', 5], ['U3', 'c', 4], ['U3', 'd', 1],
  ['U4', 'a', 2], ['U4', 'd', 5],
  ['U5', 'c', 3], ['U5', 'd', 4],
];

describe('EASE (Steck 2019)', () => {
  const ts = build(WATCHED);
  const lambda = 2;
  const ease = new Ease(easeDescriptor.create({ lambda, min_ratings: 1 }).params).fit(ts);

  it('learns B = I − P·diag(1/diag P) with P = (XᵀX + λI)⁻¹, zero on the diagonal', () => {
    const items = ['a', 'b', 'c', 'd'];
    const x = ['U1', 'U2', 'U3', 'U4', 'U5'].map((u) => items.map((i) => (WATCHED.some(([uu, ii]) => uu === u && ii === i) ? 1 : 0)));
    const g = items.map((_, i) => items.map((_, j) => x.reduce((s, row) => s + row[i] * row[j], 0) + (i === j ? lambda : 0)));
    const p = naiveInverse(g);
    const { b } = ease.state() as { b: Float32Array };
    const cols = Array.from(ease.modelItems, (c) => ts.rawItem(c));
    for (const [r, rawJ] of cols.entries()) {
      for (const [c, rawI] of cols.entries()) {
        const j = items.indexOf(rawJ);
        const i = items.indexOf(rawI);
        const expected = (j === i ? 1 : 0) - p[j][i] / p[i][i];
        expect(b[r * cols.length + c]).toBeCloseTo(expected, 6);
      }
      expect(b[r * cols.length + r]).toBe(0);
    }
  });

  it('scores a member as the sum of the B rows of the movies they watched', () => {
    const { b } = ease.state() as { b: Float32Array };
    const m = ease.modelItems.length;
    const ia = ts.innerItem('a')!;
    const id = ts.innerItem('d')!;
    const ic = ts.innerItem('c')!;
    const profile = { items: Int32Array.of(ia, id), ratings: Float32Array.of(5, 1) };
    const out = new Float64Array(ts.nItems);
    ease.scoreAll(profile, out);
    const col = (i: number) => ease.modelItems.indexOf(i);
    expect(out[ic]).toBeCloseTo(b[col(ia) * m + col(ic)] + b[col(id) * m + col(ic)], 6);
    expect(ease.estimateFor(profile, ic).value).toBeCloseTo(out[ic], 12);
  });

  it('scores a live member holding exactly a trained user\'s ratings as that user', () => {
    const u = ts.innerUser('U3')!;
    const trained = ts.profileOf(u);
    const withUser = new Float64Array(ts.nItems);
    const live = new Float64Array(ts.nItems);
    ease.scoreAll(trained, withUser);
    ease.scoreAll({ items: trained.items, ratings: trained.ratings }, live);
    expect(Array.from(live)).toEqual(Array.from(withUser));
    expect(ease.estimate(u, ts.innerItem('a')!).value).toBeCloseTo(withUser[ts.innerItem('a')!], 12);
  });

  it('explains a recommendation by the watched movies that vote for it most', () => {
    const ia = ts.innerItem('a')!;
    const ib = ts.innerItem('b')!;
    const ic = ts.innerItem('c')!;
    const profile = { items: Int32Array.of(ia, ib), ratings: Float32Array.of(5, 4) };
    const because = ease.explain(profile, ic, 3);
    const { b } = ease.state() as { b: Float32Array };
    const m = ease.modelItems.length;
    const col = (i: number) => ease.modelItems.indexOf(i);
    const expected = [ia, ib]
      .map((j) => ({ item: j, weight: b[col(j) * m + col(ic)] }))
      .filter((e) => e.weight > 0)
      .sort((p, q) => q.weight - p.weight);
    expect(because).toEqual(expected);
    expect(because.length).toBeGreaterThan(0);
  });

  it('leaves movies with fewer than min_ratings raters out: never scored, never recommended', () => {
    const rows: Row[] = [...WATCHED, ['U1', 'rare', 5]];
    const t = build(rows);
    const e = easeDescriptor.create({ min_ratings: 2 }).fit(t) as Ease;
    const rare = t.innerItem('rare')!;
    expect(Array.from(e.modelItems)).not.toContain(rare);
    const out = new Float64Array(t.nItems);
    e.scoreAll(t.profileOf(t.innerUser('U2')!), out);
    expect(out[rare]).toBeNaN();
    expect(e.estimate(0, rare).impossible).toMatch(/fewer than 2 ratings/);
  });

  it('keeps only the max_items most rated movies', () => {
    const e = easeDescriptor.create({ min_ratings: 1, max_items: 2 }).fit(ts) as Ease;
    // a, b, c and d each have 3 raters: ties go to the lower inner ids
    expect(Array.from(e.modelItems)).toEqual([0, 1]);
  });

  it('scores each member from zero when lists follow one another (its sums are kept between calls)', () => {
    const t = lowRankTrainset({ nUsers: 60, nItems: 40, rank: 2, density: 0.3, noise: 0.3, seed: 5 });
    const params = easeDescriptor.create({ lambda: 10, min_ratings: 2 }).params;
    const served = new Ease(params).fit(t);
    const scoresOf = (model: Ease, u: number) => {
      const out = new Float64Array(t.nItems);
      model.scoreAll(t.profileOf(u), out);
      return Array.from(out);
    };
    const first = scoresOf(served, 4);
    const second = scoresOf(served, 21);
    expect(scoresOf(served, 4)).toEqual(first);
    // a model that never scored anyone else gives the very same numbers
    expect(scoresOf(new Ease(params).fit(t), 21)).toEqual(second);
    expect(second).not.toEqual(first);
  });

  it('survives a snapshot with identical scores', () => {
    const t = lowRankTrainset({ nUsers: 60, nItems: 40, rank: 2, density: 0.3, noise: 0.3, seed: 3 });
    const e = easeDescriptor.create({ lambda: 10, min_ratings: 2 }).fit(t);
    const back = decodeModel(encodeModel(e), t, (_name, params) => easeDescriptor.create(params));
    for (const u of [0, 7, 33]) {
      const a = new Float64Array(t.nItems);
      const b = new Float64Array(t.nItems);
      e.scoreAll(t.profileOf(u), a);
      back.scoreAll(t.profileOf(u), b);
      expect(Array.from(b)).toEqual(Array.from(a));
    }
  });

  it('refuses a non-positive λ and unknown parameters', () => {
    expect(() => easeDescriptor.create({ lambda: 0 })).toThrow(ParamError);
    expect(() => easeDescriptor.create({ alpha: 1 })).toThrow(/accepted: lambda, min_ratings, max_items/);
  });
});
