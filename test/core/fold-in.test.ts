import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Algorithm, AlgorithmDescriptor } from '../../src/core/algorithm.ts';
import { coClusteringDescriptor } from '../../src/core/algorithms/co-clustering.ts';
import { nmfDescriptor } from '../../src/core/algorithms/nmf.ts';
import { svdDescriptor } from '../../src/core/algorithms/svd.ts';
import { svdppDescriptor } from '../../src/core/algorithms/svdpp.ts';
import { FoldCache, foldInCoCluster, foldInNmf, foldInSgd } from '../../src/core/fold-in.ts';
import { Rng } from '../../src/core/rng.ts';
import { Trainset, type Profile, type RawRating } from '../../src/core/trainset.ts';
import { sharedDataset } from '../helpers/shared-data.ts';
import { lowRankRatings } from './algorithms/mf-fixtures.ts';

interface Member {
  user: string;
  known: RawRating[];
  hidden: RawRating[];
}

/**
 * Takes `nHeld` users out: `base` has none of their ratings, `full` has 80% of each (what they
 * told the bot), and the other 20% are hidden to be predicted.
 */
function holdOut(ratings: RawRating[], nHeld: number, seed: number): { base: Trainset; full: Trainset; members: Member[] } {
  const rng = new Rng(seed);
  const users = rng.shuffle([...new Set(ratings.map((r) => r.user))]);
  const held = new Map(users.slice(0, nHeld).map((u) => [u, [] as RawRating[]]));
  for (const r of ratings) held.get(r.user)?.push(r);
  const members: Member[] = [];
  const knownSet = new Set<RawRating>();
  for (const [user, rs] of held) {
    rng.shuffle(rs);
    const cut = Math.round(rs.length * 0.8);
    members.push({ user, known: rs.slice(0, cut), hidden: rs.slice(cut) });
    for (const r of rs.slice(0, cut)) knownSet.add(r);
  }
  const base = Trainset.fromRatings(ratings.filter((r) => !held.has(r.user)));
  const full = Trainset.fromRatings(ratings.filter((r) => !held.has(r.user) || knownSet.has(r)));
  return { base, full, members };
}

function rmse(pairs: Array<[number, number]>): number {
  return Math.sqrt(pairs.reduce((s, [a, b]) => s + (a - b) ** 2, 0) / pairs.length);
}

/**
 * RMSE on the hidden ratings: members folded into `base`, a model retrained on `full`, and the
 * global mean (the no-skill baseline).
 */
function compare(d: AlgorithmDescriptor, params: Record<string, unknown>, data: ReturnType<typeof holdOut>) {
  const folded = d.create(params).fit(data.base);
  const retrained = d.create(params).fit(data.full);
  const fold: Array<[number, number]> = [];
  const retrain: Array<[number, number]> = [];
  const mean: Array<[number, number]> = [];
  for (const m of data.members) {
    const profile = data.base.profileFromRaw(m.known);
    for (const h of m.hidden) {
      fold.push([h.rating, folded.predictFor(profile, h.item).est]);
      retrain.push([h.rating, retrained.predict(m.user, h.item).est]);
      mean.push([h.rating, data.full.globalMean]);
    }
  }
  return { fold: rmse(fold), retrain: rmse(retrain), mean: rmse(mean) };
}

const families: Array<[string, AlgorithmDescriptor, Record<string, unknown>]> = [
  ['SVD', svdDescriptor, {}],
  ['SVD++', svdppDescriptor, {}],
  ['NMF', nmfDescriptor, {}],
  ['NMF (biased)', nmfDescriptor, { biased: true }],
  ['co-clustering', coClusteringDescriptor, {}],
];

describe('fold-in: a member outside the model is answered without retraining', () => {
  const synthetic = holdOut(
    lowRankRatings({ nUsers: 300, nItems: 150, rank: 3, density: 0.3, noise: 0.4, seed: 21 }),
    30,
    1,
  );

  // Being better than the retrain is allowed (the replay starts without the random init noise a
  // retrained user carries); being worse by 0.02 RMSE or more is not.
  for (const [label, d, params] of families) {
    it(`${label}: held-out RMSE within 0.02 of a retrain that includes the member (synthetic low-rank data)`, () => {
      const r = compare(d, params, synthetic);
      expect(r.fold - r.retrain).toBeLessThan(0.02);
      expect(r.fold).toBeLessThan(r.mean - 0.05);
    });
  }

  const dir = sharedDataset('ml-100k');
  it.skipIf(!dir)('on ml-100k, every factor model folds 60 held-out users in within 0.02 RMSE of a retrain', () => {
    const ratings: RawRating[] = readFileSync(join(dir as string, 'u.data'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [user, item, rating] = l.split('\t');
        return { user, item, rating: Number(rating) };
      });
    const data = holdOut(ratings, 60, 2);
    const lines: string[] = [];
    // Biased NMF is left out here: on ml-100k it is unstable from one fit to the next (retrains
    // with random_state 0..3 scored 0.91 to 1.39 RMSE on these members), so any two of its
    // models differ by more than 0.02 whatever the fold-in does. Surprise's docs warn that the
    // biased version overfits.
    for (const [label, d, params] of families.filter(([l]) => l !== 'NMF (biased)')) {
      const r = compare(d, params, data);
      lines.push(`${label}: fold-in ${r.fold.toFixed(4)}, retrain ${r.retrain.toFixed(4)}`);
      expect(r.fold - r.retrain, label).toBeLessThan(0.02);
    }
    console.info(`ml-100k fold-in vs retrain RMSE on held-out ratings:\n  ${lines.join('\n  ')}`);
  });
});

describe('fold-in details', () => {
  const ratings = lowRankRatings({ nUsers: 60, nItems: 40, rank: 2, density: 0.5, noise: 0.3, seed: 3 });
  const ts = Trainset.fromRatings(ratings);
  const empty: Profile = { items: new Int32Array(0), ratings: new Float32Array(0) };

  it('a profile that names a trained user uses the trained factors', () => {
    for (const d of [svdDescriptor, svdppDescriptor, nmfDescriptor, coClusteringDescriptor]) {
      const a = d.create().fit(ts);
      const p = ts.profileOf(4);
      const out = new Float64Array(ts.nItems);
      a.scoreAll(p, out);
      for (let i = 0; i < ts.nItems; i++) {
        expect(a.estimateFor(p, i)).toEqual(a.estimate(4, i));
        expect(out[i]).toBe(a.estimate(4, i).value);
      }
    }
  });

  it('scoreAll and estimateFor agree for a folded member, and the member is solved once per profile', () => {
    for (const d of [svdDescriptor, svdppDescriptor, nmfDescriptor, coClusteringDescriptor]) {
      const a = d.create().fit(ts);
      const member = ts.profileFromRaw([
        { item: 'i1', rating: 5 },
        { item: 'i2', rating: 1 },
        { item: 'i7', rating: 4 },
      ]);
      const out = new Float64Array(ts.nItems);
      a.scoreAll(member, out);
      for (let i = 0; i < ts.nItems; i++) expect(a.estimateFor(member, i).value).toBe(out[i]);
    }
    const cache = new FoldCache<number>();
    let solves = 0;
    const solve = (): number => ++solves;
    const p1 = ts.profileFromRaw([{ item: 'i1', rating: 5 }]);
    const p2 = ts.profileFromRaw([{ item: 'i1', rating: 5 }]);
    expect([cache.get(p1, solve), cache.get(p1, solve), cache.get(p2, solve)]).toEqual([1, 1, 2]);
    cache.clear();
    expect(cache.get(p1, solve)).toBe(3);
  });

  it('a member whose ratings changed gets new predictions (a new profile is a new fold-in)', () => {
    const a = svdDescriptor.create({ n_factors: 10 }).fit(ts);
    const before = ts.profileFromRaw([{ item: 'i3', rating: 2 }]);
    const after = ts.profileFromRaw([
      { item: 'i3', rating: 2 },
      { item: 'i4', rating: 5 },
      { item: 'i9', rating: 5 },
    ]);
    const item = ts.innerItem('i5') as number;
    expect(a.estimateFor(after, item).value).not.toBe(a.estimateFor(before, item).value);
    // liking things raises the member's bias
    expect(a.estimateFor(after, item).value as number).toBeGreaterThan(a.estimateFor(before, item).value as number);
  });

  it('a member with no usable ratings follows the unknown-user rules', () => {
    const svd = svdDescriptor.create().fit(ts);
    const i = ts.innerItem('i2') as number;
    expect(svd.estimateFor(empty, i).value).toBe(svd.estimate(-1, i).value);
    const nmf = nmfDescriptor.create().fit(ts);
    expect(nmf.estimateFor(empty, i).impossible).toBe('User and item are unknown.');
    expect(nmf.predictFor(empty, 'i2')).toMatchObject({ wasImpossible: true, est: ts.globalMean });
    const cc = coClusteringDescriptor.create().fit(ts);
    expect(cc.estimateFor(empty, i).value).toBe(ts.globalMean);
    expect(svd.predictFor(empty, 'not-a-film').wasImpossible).toBe(true);
  });

  it('the SGD replay of one rating matches the update rule by hand', () => {
    const q = Float64Array.from([0.5, -0.5]);
    const bi = Float64Array.from([0.25]);
    const member: Profile = { items: Int32Array.from([0]), ratings: Float32Array.from([4]) };
    const fu = foldInSgd(member, {
      nFactors: 2, q, bi, mu: 3.5, biased: true, nEpochs: 1, lrBu: 0.1, lrPu: 0.2, regBu: 0.5, regPu: 0.25, initMean: 0,
    });
    // err = 4 - (3.5 + 0 + 0.25 + 0) = 0.25; b_u = 0.1 · 0.25; p_u = 0.2 · 0.25 · q
    expect(fu.bu).toBeCloseTo(0.025, 12);
    expect(Array.from(fu.pu)).toEqual([expect.closeTo(0.025, 12), expect.closeTo(-0.025, 12)]);
  });

  it('NMF fold-in keeps the member non-negative and one pass is the multiplicative rule', () => {
    const q = Float64Array.from([1, 0.5, 2, 1]);
    const member: Profile = { items: Int32Array.from([0, 1]), ratings: Float32Array.from([4, 2]) };
    const fu = foldInNmf(member, {
      nFactors: 2, q, bi: new Float64Array(2), mu: 0, biased: false, nEpochs: 1, lrBu: 0, regBu: 0, regPu: 0.06,
      initLow: 0, initHigh: 1,
    });
    // p starts at 0.5; est_0 = 0.5·1 + 0.5·0.5 = 0.75, est_1 = 0.5·2 + 0.5·1 = 1.5
    const num0 = 1 * 4 + 2 * 2;
    const den0 = 1 * 0.75 + 2 * 1.5;
    const num1 = 0.5 * 4 + 1 * 2;
    const den1 = 0.5 * 0.75 + 1 * 1.5;
    expect(fu.pu[0]).toBeCloseTo(0.5 * (num0 / (den0 + 2 * 0.06 * 0.5)), 12);
    expect(fu.pu[1]).toBeCloseTo(0.5 * (num1 / (den1 + 2 * 0.06 * 0.5)), 12);
    const trained = nmfDescriptor.create().fit(ts);
    const m = foldInNmf(ts.profileFromRaw(ratings.slice(0, 30)), {
      nFactors: 15, q: (trained.state().q as Float64Array), bi: new Float64Array(ts.nItems), mu: 0, biased: false,
      nEpochs: 50, lrBu: 0, regBu: 0, regPu: 0.06, initLow: 0, initHigh: 1,
    });
    expect(m.pu.every((v) => v >= 0)).toBe(true);
  });

  it('co-clustering puts a member who rates like a trained user into that user\'s cluster', () => {
    const blocks: RawRating[] = [];
    for (let u = 0; u < 16; u++) {
      for (let i = 0; i < 16; i++) {
        const loves = u < 8 === i < 8;
        if ((u * 7 + i) % 4 !== 0) blocks.push({ user: `m${u}`, item: `f${i}`, rating: loves ? 5 : 1 });
      }
    }
    const bts = Trainset.fromRatings(blocks);
    const cc = coClusteringDescriptor.create({ n_cltr_u: 2, n_cltr_i: 2 }).fit(bts);
    const c = (cc as unknown as { clusters(): { cltrU: Int32Array; cltrI: Int32Array; itemMean: Float64Array; avgU: Float64Array; avgI: Float64Array; avgCo: Float64Array } }).clusters();
    const likeFirstHalf = bts.profileFromRaw([
      { item: 'f0', rating: 5 },
      { item: 'f3', rating: 5 },
      { item: 'f12', rating: 1 },
      { item: 'f9', rating: 1 },
    ]);
    const fu = foldInCoCluster(likeFirstHalf, { nCltrU: 2, nCltrI: 2, ...c });
    expect(fu).toEqual({ known: true, cluster: c.cltrU[bts.innerUser('m0') as number], mean: 3 });
    expect(cc.predictFor(likeFirstHalf, 'f5').est).toBeGreaterThan(4.5);
    expect(cc.predictFor(likeFirstHalf, 'f10').est).toBeLessThan(1.5);
  });

  it('recommend for a folded member never returns what they rated', () => {
    const algos: Algorithm[] = [svdDescriptor.create().fit(ts), svdppDescriptor.create().fit(ts)];
    const member = ts.profileFromRaw(ratings.filter((r) => r.user === 'u0').map((r) => ({ item: r.item, rating: r.rating })));
    const rated = new Set(member.items);
    for (const a of algos) {
      const top = a.recommend(member, 10);
      expect(top).toHaveLength(10);
      for (const t of top) expect(rated.has(t.item)).toBe(false);
    }
  });
});
