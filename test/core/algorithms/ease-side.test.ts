import { describe, expect, it } from 'vitest';
import { ParamError } from '../../../src/core/algorithm.ts';
import { Ease, easeDescriptor } from '../../../src/core/algorithms/ease.ts';
import { EaseSide, type ItemFeatures } from '../../../src/core/algorithms/ease-side.ts';
import type { SparseRows } from '../../../src/core/content/sparse.ts';
import { decodeModel, encodeModel } from '../../../src/core/snapshot.ts';
import { build, type Row } from './small-ratings.ts';
import { naiveInverse } from '../../helpers/naive-inverse.ts';

/**
 * Five members, five movies; "new" was watched by one member only (U5):
 *
 *        a  b  c  d  new
 *   U1   x  x  .  .  .
 *   U2   x  x  x  .  .
 *   U3   .  x  x  x  .
 *   U4   x  .  .  x  .
 *   U5   .  .  c  x  x
 */
const WATCHED: readonly Row[] = [
  ['U1', 'a', 4], ['U1', 'b', 5],
  ['U2', 'a', 3], ['U2', 'b', 4], ['U2', 'c', 2],
  ['U3', 'b', 5], ['U3', 'c', 4], ['U3', 'd', 1],
  ['U4', 'a', 2], ['U4', 'd', 5],
  ['U5', 'c', 3], ['U5', 'd', 4], ['U5', 'new', 5],
];

/**
 * Three features (say "animation", "space", "heist"), each movie's row of unit length:
 * a and new are both animation (new is a sequel of a), b and c share space, d is a heist.
 */
const MOVIE_FEATURES: Record<string, number[]> = {
  a: [1, 0, 0],
  b: [0, 1, 0],
  c: [0, 0.6, 0.8],
  d: [0, 0, 1],
  new: [1, 0, 0],
};
const ORDER = ['a', 'b', 'c', 'd', 'new'];

function sparse(rows: number[][]): SparseRows {
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (const row of rows) {
    row.forEach((v, c) => {
      if (v !== 0) {
        indices.push(c);
        data.push(v);
      }
    });
    indptr.push(indices.length);
  }
  return { nRows: rows.length, nCols: rows[0].length, indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: Float64Array.from(data) };
}

const FEATURES: ItemFeatures = {
  rows: sparse(ORDER.map((id) => MOVIE_FEATURES[id])),
  rowOf: (id) => (ORDER.includes(id) ? ORDER.indexOf(id) : undefined),
};

/** B[j][i] over ORDER from the closed form, computed naively. */
function naiveB(lambda: number, alpha: number): number[][] {
  const users = ['U1', 'U2', 'U3', 'U4', 'U5'];
  const x = users.map((u) => ORDER.map((i) => (WATCHED.some(([uu, ii]) => uu === u && ii === i) ? 1 : 0)));
  const f = ORDER.map((id) => MOVIE_FEATURES[id]);
  const dot = (p: number[], q: number[]) => p.reduce((s, v, k) => s + v * q[k], 0);
  const g = ORDER.map((_, i) =>
    ORDER.map((_, j) => x.reduce((s, row) => s + row[i] * row[j], 0) + alpha * dot(f[i], f[j]) + (i === j ? lambda : 0)),
  );
  const p = naiveInverse(g);
  return ORDER.map((_, j) => ORDER.map((_, i) => (j === i ? 0 : -p[j][i] / p[i][i])));
}

/** The model's B[j, i] by raw ids. */
function weightOf(model: Ease, j: string, i: string): number {
  const ts = model.trainset;
  const { b } = model.state() as { b: Float32Array };
  const cols = Array.from(model.modelItems);
  const m = cols.length;
  return b[cols.indexOf(ts.innerItem(j)!) * m + cols.indexOf(ts.innerItem(i)!)];
}

describe('EASE with side information (cEASE, Jeunen et al. 2020)', () => {
  const ts = build(WATCHED);
  const lambda = 2;
  const alpha = 3;
  const model = new EaseSide(FEATURES, { lambda, alpha, min_ratings: 1 }).fit(ts);

  it('learns B from G = XᵀX + α·FᵀF + λI, zero on the diagonal, as the closed form computed by hand', () => {
    const expected = naiveB(lambda, alpha);
    for (const [r, j] of ORDER.entries()) {
      for (const [c, i] of ORDER.entries()) expect(weightOf(model, j, i)).toBeCloseTo(expected[r][c], 6);
      expect(weightOf(model, j, j)).toBe(0);
    }
  });

  it('is EASE, bit for bit, when α is 0', () => {
    const plain = new Ease(easeDescriptor.create({ lambda, min_ratings: 1 }).params).fit(ts);
    const side = new EaseSide(FEATURES, { lambda, alpha: 0, min_ratings: 1 }).fit(ts);
    expect(Array.from((side.state() as { b: Float32Array }).b)).toEqual(Array.from((plain.state() as { b: Float32Array }).b));
  });

  it('lets a member who rated one movie be offered its rarely rated sequel: the shared feature votes', () => {
    // plain EASE: a and new were never watched together, so a votes against new
    const plain = new Ease(easeDescriptor.create({ lambda, min_ratings: 1 }).params).fit(ts);
    expect(weightOf(plain, 'a', 'new')).toBeLessThan(0);
    expect(weightOf(model, 'a', 'new')).toBeGreaterThan(0);
    const member = { items: Int32Array.of(ts.innerItem('a')!), ratings: Float32Array.of(5) };
    const out = new Float64Array(ts.nItems);
    model.scoreAll(member, out);
    const ranked = ['b', 'c', 'd', 'new'].sort((p, q) => out[ts.innerItem(q)!] - out[ts.innerItem(p)!]);
    expect(ranked.slice(0, 2)).toContain('new');
    plain.scoreAll(member, out);
    expect(['b', 'c', 'd', 'new'].sort((p, q) => out[ts.innerItem(q)!] - out[ts.innerItem(p)!])[3]).toBe('new');
  });

  it('explains a pick by the rated movies that vote for it', () => {
    const member = { items: Int32Array.of(ts.innerItem('a')!, ts.innerItem('d')!), ratings: Float32Array.of(5, 4) };
    const because = model.explain(member, ts.innerItem('new')!, 2);
    expect(because[0]).toEqual({ item: ts.innerItem('a')!, weight: weightOf(model, 'a', 'new') });
  });

  it('survives a snapshot with identical scores', () => {
    const back = decodeModel(encodeModel(model), ts, (_name, params) => new EaseSide(FEATURES, params));
    const p = ts.profileOf(ts.innerUser('U2')!);
    const a = new Float64Array(ts.nItems);
    const b = new Float64Array(ts.nItems);
    model.scoreAll(p, a);
    back.scoreAll(p, b);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('refuses a negative α and unknown parameters', () => {
    expect(() => new EaseSide(FEATURES, { alpha: -1 })).toThrow(ParamError);
    expect(() => new EaseSide(FEATURES, { beta: 1 })).toThrow(/accepted: lambda, min_ratings, max_items, alpha/);
  });
});
