import { describe, expect, it } from 'vitest';
import { ParamError } from '../../../src/core/algorithm.ts';
import { AlsImport, alsImportDescriptor, createAlsImport, type AlsFactors, type AlsFoldRule } from '../../../src/core/algorithms/als-import.ts';
import { ialsDescriptor, type Ials } from '../../../src/core/algorithms/ials.ts';
import { decodeModel, encodeModel } from '../../../src/core/snapshot.ts';
import { Trainset } from '../../../src/core/trainset.ts';
import { lowRankRatings } from './mf-fixtures.ts';
import { sparkAlsReference } from './spark-als-reference.ts';

const ratings = lowRankRatings({ nUsers: 50, nItems: 30, rank: 3, density: 0.35, noise: 0.3, seed: 23 });
const ts = Trainset.fromRatings(ratings);
const F = 4;

/** A member's ratings without the trained user's id: what the bot passes for a live member. */
const live = (u: number) => {
  const p = ts.profileOf(u);
  return { items: p.items, ratings: p.ratings };
};

function sparkAls(rule: AlsFoldRule, iters: number): { x: Float32Array; y: Float32Array } {
  return sparkAlsReference(ts, F, rule, iters);
}

function factorsOf(x: Float32Array, y: Float32Array, fold: AlsFoldRule, f = F): AlsFactors {
  return { rank: f, userIds: ts.rawUserIds(), userFactors: x, itemIds: ts.rawItemIds(), itemFactors: y, fold };
}

function closeAll(got: ArrayLike<number>, want: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(want.length);
  for (let k = 0; k < want.length; k++) expect(Math.abs(got[k] - want[k]), `entry ${k}: ${got[k]} vs ${want[k]}`).toBeLessThan(tol);
}

describe('als-import: factors trained elsewhere, served with fold-in', () => {
  for (const rule of [
    { implicit: false, reg: 0.1, alpha: 1, weighting: 'spark' },
    { implicit: true, reg: 0.05, alpha: 2, weighting: 'spark' },
  ] as AlsFoldRule[]) {
    const kind = rule.implicit ? 'implicit' : 'explicit';
    it(`serves Spark's ${kind} factors: trained users score x·y, and a member's fold-in is Spark's own user step`, () => {
      const { x, y } = sparkAls(rule, 6);
      const model = createAlsImport(factorsOf(x, y, rule)).fit(ts);
      const out = new Float64Array(ts.nItems);
      for (const u of [0, 17, 49]) {
        model.scoreAll(ts.profileOf(u), out);
        const want = Array.from({ length: ts.nItems }, (_, i) => {
          let s = 0;
          for (let t = 0; t < F; t++) s += x[u * F + t] * y[i * F + t];
          return s;
        });
        closeAll(out, want, 1e-6);
        // the last half-step solved the users against the final items: the fold-in lands on them
        closeAll(model.foldIn(live(u))!, x.subarray(u * F, u * F + F), 1e-5);
      }
    });
  }

  it("serves Marquee's own iALS factors as iALS serves them: the same scores, the same fold-in", () => {
    const ials = ialsDescriptor.create({ n_factors: F, n_epochs: 5, cg_steps: 0, reg: 0.5, alpha: 3 }) as Ials;
    ials.fit(ts);
    const { x, y } = ials.state() as { x: Float32Array; y: Float32Array };
    const model = createAlsImport(factorsOf(x, y, { implicit: true, reg: 0.5, alpha: 3, weighting: 'ials' })).fit(ts);
    const got = new Float64Array(ts.nItems);
    const want = new Float64Array(ts.nItems);
    for (let u = 0; u < ts.nUsers; u++) {
      model.scoreAll(ts.profileOf(u), got);
      ials.scoreAll(ts.profileOf(u), want);
      closeAll(got, want, 1e-6);
    }
    // a live member who rated a few movies, none of them a trained user
    const member = { items: Int32Array.of(3, 8, 21, 8), ratings: Float32Array.of(4, 2.5, 5, 3) };
    closeAll(model.foldIn(member)!, ials.foldIn(member)!, 1e-6);
    model.scoreAll(member, got);
    ials.scoreAll(member, want);
    closeAll(got, want, 1e-6);
  });

  it('explains a folded-in score exactly: the rated movies\' contributions sum to it', () => {
    const rule: AlsFoldRule = { implicit: true, reg: 0.05, alpha: 2, weighting: 'spark' };
    const { x, y } = sparkAls(rule, 3);
    const model = createAlsImport(factorsOf(x, y, rule)).fit(ts);
    const p = live(30);
    const out = new Float64Array(ts.nItems);
    model.scoreAll(p, out);
    const item = model.recommend(p, 1)[0].item;
    const c = model.contributions(p, item)!;
    expect(Array.from(c.items).sort()).toEqual(Array.from(p.items).sort());
    expect(c.weights.reduce((s, w) => s + w, 0)).toBeCloseTo(out[item], 5);
    expect(model.explain(p, item, 2).length).toBeLessThanOrEqual(2);
  });

  it('gives movies newer than the factors no score, and solves users the factors lack from their ratings', () => {
    const rule: AlsFoldRule = { implicit: false, reg: 0.1, alpha: 1, weighting: 'spark' };
    const { x, y } = sparkAls(rule, 4);
    const users = ts.rawUserIds();
    const items = ts.rawItemIds();
    // the export knew every user but u-last and every movie but the last two
    const keepUsers = users.slice(0, -1);
    const keepItems = items.slice(0, -2);
    const model = createAlsImport({
      rank: F,
      userIds: keepUsers,
      userFactors: x.slice(0, keepUsers.length * F),
      itemIds: keepItems,
      itemFactors: y.slice(0, keepItems.length * F),
      fold: rule,
    }).fit(ts);
    const newest = ts.nItems - 1;
    expect(model.estimate(0, newest)).toEqual({ impossible: 'Movie is newer than the imported factors.' });
    const out = new Float64Array(ts.nItems);
    model.scoreAll(ts.profileOf(0), out);
    expect(Number.isNaN(out[newest])).toBe(true);
    expect(model.recommend(ts.profileOf(0), ts.nItems).map((s) => s.item)).not.toContain(newest);
    // the user the export lacks was solved at fit from their ratings on the movies it knows
    const last = ts.nUsers - 1;
    const known = ts.profileOf(last);
    const onKnown = { items: known.items.filter((i) => i < ts.nItems - 2), ratings: known.ratings.filter((_, k) => known.items[k] < ts.nItems - 2) };
    model.scoreAll(ts.profileOf(last), out);
    const fresh = new Float64Array(ts.nItems);
    model.scoreAll(onKnown, fresh);
    closeAll(out.subarray(0, ts.nItems - 2), fresh.subarray(0, ts.nItems - 2), 1e-6);
  });

  it('solves again the users the refold rule names (members whose ratings moved since the export)', () => {
    const rule: AlsFoldRule = { implicit: false, reg: 0.1, alpha: 1, weighting: 'spark' };
    const { x, y } = sparkAls(rule, 4);
    const stale = x.slice();
    stale.fill(9, 5 * F, 6 * F); // user 5's exported row is out of date
    const base = factorsOf(stale, y, rule);
    const kept = createAlsImport(base).fit(ts);
    const refolded = createAlsImport({ ...base, refold: (raw) => raw === ts.rawUser(5) }).fit(ts);
    expect(kept.estimate(5, 0).value).toBeCloseTo(9 * y.subarray(0, F).reduce((s, v) => s + v, 0), 4);
    const want = x.subarray(5 * F, 6 * F).reduce((s, v, t) => s + v * y[t], 0);
    expect(refolded.estimate(5, 0).value).toBeCloseTo(want, 5);
  });

  it('survives a snapshot: restored from its state alone, it scores and folds in the same', () => {
    const rule: AlsFoldRule = { implicit: true, reg: 0.05, alpha: 2, weighting: 'spark' };
    const { x, y } = sparkAls(rule, 2);
    const model = createAlsImport(factorsOf(x, y, rule)).fit(ts);
    const back = decodeModel(encodeModel(model), ts, (_name, params) => alsImportDescriptor.create(params)) as AlsImport;
    expect(back.foldRule).toEqual(rule);
    const a = new Float64Array(ts.nItems);
    const b = new Float64Array(ts.nItems);
    for (const p of [ts.profileOf(4), live(9)]) {
      model.scoreAll(p, a);
      back.scoreAll(p, b);
      expect(Array.from(b)).toEqual(Array.from(a));
    }
  });

  it('refuses to fit without factors, and factors that do not fit together', () => {
    expect(() => alsImportDescriptor.create().fit(ts)).toThrow(/als-import has no factors to serve.*MARQUEE_ALS_FACTORS/);
    expect(() => alsImportDescriptor.create({ rank: 3 })).toThrow(/als-import has no parameter "rank"/);
    const rule: AlsFoldRule = { implicit: false, reg: 0.1, alpha: 1, weighting: 'spark' };
    const x = new Float32Array(ts.nUsers * F);
    const y = new Float32Array(ts.nItems * F);
    expect(() => createAlsImport({ ...factorsOf(x, y, rule), userFactors: x.subarray(1) })).toThrow(ParamError);
    expect(() => createAlsImport({ ...factorsOf(x, y, rule), fold: { ...rule, weighting: 'ials' } })).toThrow(/iALS factors are implicit/);
    const elsewhere = createAlsImport({ ...factorsOf(x, y, rule), itemIds: ts.rawItemIds().map((i) => `other-${i}`) });
    expect(() => elsewhere.fit(ts)).toThrow(/know none of the trainset's movies/);
  });
});
