import { describe, expect, it } from 'vitest';
import { CoClustering, coClusteringDescriptor } from '../../../src/core/algorithms/co-clustering.ts';
import { Trainset, type RawRating } from '../../../src/core/trainset.ts';
import { Rng } from '../../../src/core/rng.ts';
import { lowRankTrainset } from './mf-fixtures.ts';

/**
 * Two obvious blocks: users a0..a9 love films f0..f9 (5) and dislike g0..g9 (1); users b0..b9
 * the other way round. Every user leaves a fifth of the films unrated.
 */
function twoBlocks(): { ts: Trainset; unrated: RawRating[] } {
  const rng = new Rng(4);
  const ratings: RawRating[] = [];
  const unrated: RawRating[] = [];
  for (const group of ['a', 'b']) {
    for (let u = 0; u < 10; u++) {
      for (const kind of ['f', 'g']) {
        for (let i = 0; i < 10; i++) {
          const loves = (group === 'a') === (kind === 'f');
          const r = { user: `${group}${u}`, item: `${kind}${i}`, rating: loves ? 5 : 1 };
          if ((u + i) % 5 === 0) unrated.push(r);
          else ratings.push(r);
        }
      }
    }
  }
  return { ts: Trainset.fromRatings(rng.shuffle(ratings)), unrated };
}

describe('Co-clustering (Surprise CoClustering)', () => {
  it("has Surprise's defaults and refuses bad cluster counts", () => {
    expect(coClusteringDescriptor.create().params).toEqual({ n_cltr_u: 3, n_cltr_i: 3, n_epochs: 20, random_state: 0 });
    expect(() => coClusteringDescriptor.create({ n_cltr_u: 0 })).toThrow(/n_cltr_u must be at least 1/);
    expect(() => coClusteringDescriptor.create({ n_cltr_i: 1.5 })).toThrow(/n_cltr_i must be a whole number/);
  });

  it('finds the two blocks of an obviously two-block dataset and predicts the unrated films', () => {
    const { ts, unrated } = twoBlocks();
    for (const seed of [0, 1, 2, 3]) {
      const a = coClusteringDescriptor.create({ n_cltr_u: 2, n_cltr_i: 2, random_state: seed }).fit(ts) as CoClustering;
      const c = a.clusters();
      const cu = (raw: string): number => c.cltrU[ts.innerUser(raw) as number];
      const ci = (raw: string): number => c.cltrI[ts.innerItem(raw) as number];
      for (let k = 1; k < 10; k++) {
        expect(cu(`a${k}`)).toBe(cu('a0'));
        expect(cu(`b${k}`)).toBe(cu('b0'));
        expect(ci(`f${k}`)).toBe(ci('f0'));
        expect(ci(`g${k}`)).toBe(ci('g0'));
      }
      expect(cu('a0')).not.toBe(cu('b0'));
      expect(ci('f0')).not.toBe(ci('g0'));
      for (const r of unrated) expect(a.predict(r.user, r.item).est).toBeCloseTo(r.rating, 6);
    }
  });

  it('keeps half-star ratings as they are (Surprise truncates them to whole stars)', () => {
    const ts = Trainset.fromRatings([
      { user: 'u1', item: 'x', rating: 4.5 },
      { user: 'u1', item: 'y', rating: 3 },
      { user: 'u2', item: 'x', rating: 2.5 },
      { user: 'u2', item: 'y', rating: 2 },
    ]);
    const c = (coClusteringDescriptor.create().fit(ts) as CoClustering).clusters();
    expect(Array.from(c.userMean)).toEqual([3.75, 2.25]);
    expect(Array.from(c.itemMean)).toEqual([3.5, 2.5]);
  });

  it('gives an empty cluster the global mean as its average', () => {
    const ts = Trainset.fromRatings([
      { user: 'u1', item: 'x', rating: 4 },
      { user: 'u2', item: 'y', rating: 2 },
    ]);
    const c = (coClusteringDescriptor.create({ n_cltr_u: 5, n_cltr_i: 4 }).fit(ts) as CoClustering).clusters();
    const used = new Set(c.cltrU);
    for (let uc = 0; uc < 5; uc++) if (!used.has(uc)) expect(c.avgU[uc]).toBe(3);
  });

  it('estimates A_co + (μ_u − A_u) + (μ_i − A_i); an unknown user or item gets μ, not "impossible"', () => {
    const ts = lowRankTrainset({ nUsers: 30, nItems: 25, rank: 2, density: 0.5, noise: 0.3, seed: 1 });
    const a = coClusteringDescriptor.create().fit(ts) as CoClustering;
    const c = a.clusters();
    const u = 3;
    const i = 5;
    const uc = c.cltrU[u];
    const ic = c.cltrI[i];
    expect(a.estimate(u, i).value).toBeCloseTo(c.avgCo[uc * 3 + ic] + c.userMean[u] - c.avgU[uc] + c.itemMean[i] - c.avgI[ic], 12);
    expect(a.predict('stranger', 'i1')).toMatchObject({ wasImpossible: false, est: ts.globalMean });
    expect(a.predict('u1', 'nothing')).toMatchObject({ wasImpossible: false, est: ts.globalMean });
    const out = new Float64Array(ts.nItems);
    a.scoreAll(ts.profileOf(u), out);
    for (let k = 0; k < ts.nItems; k++) expect(out[k]).toBe(a.estimate(u, k).value);
  });

  it('is deterministic by seed', () => {
    const ts = lowRankTrainset({ nUsers: 50, nItems: 40, rank: 3, density: 0.4, noise: 0.3, seed: 2 });
    const a = (coClusteringDescriptor.create().fit(ts) as CoClustering).clusters();
    const b = (coClusteringDescriptor.create().fit(ts) as CoClustering).clusters();
    expect(Array.from(a.cltrU)).toEqual(Array.from(b.cltrU));
    expect(Array.from(a.avgCo)).toEqual(Array.from(b.avgCo));
  });
});
