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

const dot = (p: number[], q: number[]) => p.reduce((s, v, k) => s + v * q[k], 0);
/** (FᵀF)_ij, the cosine of two movies' feature rows */
const cosine = (i: number, j: number) => dot(MOVIE_FEATURES[ORDER[i]], MOVIE_FEATURES[ORDER[j]]);

/** B[j][i] over ORDER from the closed form with side term S (G = XᵀX + α·S + λI), computed naively. */
function naiveB(lambda: number, alpha: number, side: (i: number, j: number) => number = cosine): number[][] {
  const users = ['U1', 'U2', 'U3', 'U4', 'U5'];
  const x = users.map((u) => ORDER.map((i) => (WATCHED.some(([uu, ii]) => uu === u && ii === i) ? 1 : 0)));
  const g = ORDER.map((_, i) =>
    ORDER.map((_, j) => x.reduce((s, row) => s + row[i] * row[j], 0) + alpha * side(i, j) + (i === j ? lambda : 0)),
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

  it('without the diagonal (diag=drop), content only couples movies: G = XᵀX + α·(FᵀF − diag FᵀF) + λI', () => {
    // α below λ keeps G positive definite: FᵀF − diag FᵀF ≥ −I for unit rows
    const small = 1;
    const dropped = new EaseSide(FEATURES, { lambda, alpha: small, min_ratings: 1, diag: 'drop' }).fit(ts);
    const expected = naiveB(lambda, small, (i, j) => (i === j ? 0 : cosine(i, j)));
    for (const [r, j] of ORDER.entries()) for (const [c, i] of ORDER.entries()) expect(weightOf(dropped, j, i)).toBeCloseTo(expected[r][c], 6);
    // the sequel's vote is stronger than cEASE's, whose diagonal also regularises both movies by α
    const kept = new EaseSide(FEATURES, { lambda, alpha: small, min_ratings: 1 }).fit(ts);
    expect(weightOf(dropped, 'a', 'new')).toBeGreaterThan(weightOf(kept, 'a', 'new'));
  });

  it('says which parameters to change when dropping the diagonal leaves G indefinite (α above λ here)', () => {
    expect(() => new EaseSide(FEATURES, { lambda, alpha, min_ratings: 1, diag: 'drop' }).fit(ts)).toThrow(
      /ease-side: .*not positive definite.*lower alpha below lambda or keep the diagonal/,
    );
  });

  it('leaves out a feature more movies share than max_df: at 1 every feature here goes, and it is EASE', () => {
    const plain = new Ease(easeDescriptor.create({ lambda, min_ratings: 1 }).params).fit(ts);
    const none = new EaseSide(FEATURES, { lambda, alpha, min_ratings: 1, max_df: 1 }).fit(ts);
    expect(Array.from((none.state() as { b: Float32Array }).b)).toEqual(Array.from((plain.state() as { b: Float32Array }).b));
    // each feature is shared by two movies, so at 2 nothing is left out
    const all = new EaseSide(FEATURES, { lambda, alpha, min_ratings: 1, max_df: 2 }).fit(ts);
    expect(Array.from((all.state() as { b: Float32Array }).b)).toEqual(Array.from((model.state() as { b: Float32Array }).b));
  });

  it('with knn=1 couples each movie with its nearest look-alike only, one pseudo-user per pair', () => {
    // nearest by cosine: a ↔ new (1), b → c (0.6), c ↔ d (0.8); the pairs {a,new} 1, {b,c} 0.6, {c,d} 0.8,
    // each a pseudo-user who watched both: α·s on G_ij, G_ii and G_jj
    const pairs: Array<[string, string, number]> = [['a', 'new', 1], ['b', 'c', 0.6], ['c', 'd', 0.8]];
    const side = (i: number, j: number): number =>
      pairs.reduce((s, [p, q, w]) => {
        const touches = (k: number) => ORDER[k] === p || ORDER[k] === q;
        return s + (touches(i) && touches(j) ? w : 0);
      }, 0);
    const nearest = new EaseSide(FEATURES, { lambda, alpha, min_ratings: 1, knn: 1 }).fit(ts);
    const expected = naiveB(lambda, alpha, side);
    for (const [r, j] of ORDER.entries()) for (const [c, i] of ORDER.entries()) expect(weightOf(nearest, j, i)).toBeCloseTo(expected[r][c], 6);
    // b and d share no feature and no pair: unlike cEASE's they are coupled only through the members
    const dropped = new EaseSide(FEATURES, { lambda, alpha: 1, min_ratings: 1, knn: 1, diag: 'drop' }).fit(ts);
    const offDiagonal = naiveB(lambda, 1, (i, j) => (i === j ? 0 : side(i, j)));
    for (const [r, j] of ORDER.entries()) for (const [c, i] of ORDER.entries()) expect(weightOf(dropped, j, i)).toBeCloseTo(offDiagonal[r][c], 6);
  });

  it("with pop_power scales each movie's pseudo-user entries by (its ratings / the mean)^pop_power", () => {
    // ratings: a 3, b 3, c 3, d 3, new 1; mean 13/5 = 2.6
    const counts = [3, 3, 3, 3, 1];
    const scale = counts.map((n) => Math.sqrt(n / 2.6));
    const popular = new EaseSide(FEATURES, { lambda, alpha, min_ratings: 1, pop_power: 0.5 }).fit(ts);
    const expected = naiveB(lambda, alpha, (i, j) => scale[i] * scale[j] * cosine(i, j));
    for (const [r, j] of ORDER.entries()) for (const [c, i] of ORDER.entries()) expect(weightOf(popular, j, i)).toBeCloseTo(expected[r][c], 6);
    // the sequel, rated once, leans less on its look-alike than in cEASE
    expect(weightOf(popular, 'a', 'new')).toBeLessThan(weightOf(model, 'a', 'new'));
  });

  it('refuses a negative α and unknown parameters', () => {
    expect(() => new EaseSide(FEATURES, { alpha: -1 })).toThrow(ParamError);
    expect(() => new EaseSide(FEATURES, { knn: -1 })).toThrow(ParamError);
    expect(() => new EaseSide(FEATURES, { diag: 'half' })).toThrow(ParamError);
    expect(() => new EaseSide(FEATURES, { beta: 1 })).toThrow(/accepted: lambda, min_ratings, max_items, alpha, diag, max_df, pop_power, knn/);
  });
});
