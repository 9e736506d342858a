import { describe, expect, it } from 'vitest';
import type { AlgorithmFactory, EvalData } from '../../../src/core/eval/cross-validate.ts';
import { leaveOneOut } from '../../../src/core/eval/splitters.ts';
import { evaluateTopN, topNSplitter, withFloor } from '../../../src/core/eval/topn.ts';
import { rankItems } from '../../../src/core/rank.ts';
import type { Profile } from '../../../src/core/trainset.ts';
import { ItemMean, syntheticRatings } from './toy-algorithms.ts';

/**
 * Three members, four movies, in the order they rated them (t = time):
 *   ana:  x 5 (t1), y 4 (t2), z 2 (t3)   → temporal holds out z
 *   ben:  x 4 (t1), w 3 (t2), y 5 (t3)   → holds out y (liked)
 *   cleo: y 2 (t1), z 4 (t2), w 1 (t3)   → holds out w
 * Training means: x 4.5 (2 ratings), y 3 (2), z 4 (1), w 3 (1). Item-mean ranks what a member has
 * not rated by those means:
 *   ana  (rated x, y): z 4, w 3  → top 1 = z: a hit at rank 1
 *   ben  (rated x, w): z 4, y 3  → top 1 = z: miss; y at rank 2
 *   cleo (rated y, z): x 4.5, w 3 → top 1 = x: miss; w at rank 2
 */
const toy: EvalData = {
  ratings: {
    users: ['ana', 'ben', 'cleo', 'ana', 'ben', 'cleo', 'ana', 'ben', 'cleo'],
    items: ['x', 'x', 'y', 'y', 'w', 'z', 'z', 'y', 'w'],
    ratings: [5, 4, 2, 4, 3, 4, 2, 5, 1],
    timestamps: [1, 1, 1, 2, 2, 2, 3, 3, 3],
  },
  scale: [1, 5],
  name: 'toy',
};
const itemMean: AlgorithmFactory = { name: 'item-mean', create: () => new ItemMean() };

describe('evaluateTopN on a toy split, every number by hand', () => {
  it('scores the lists /recommend would serve: HR, liked HR, NDCG, recall, MRR, coverage, popularity, CI', async () => {
    const report = await evaluateTopN([itemMean], toy, { protocol: 'temporal', n: 1, recallAt: 2, minItemRatings: 0 });
    const r = report.results.find((x) => x.algorithm === 'item-mean')!;
    expect(r.users).toBe(3);
    // HR@1: ana 1, ben 0, cleo 0; 95% CI = mean ± 1.96 · sd / √3 with sample sd √(1/3) = 1/3 ± 0.653,
    // clipped to [0, 1]
    const half = (1.96 * Math.sqrt(1 / 3)) / Math.sqrt(3);
    expect(r.hitRate.mean).toBeCloseTo(1 / 3, 12);
    expect(r.hitRate.lo).toBe(0);
    expect(r.hitRate.hi).toBeCloseTo(1 / 3 + half, 12);
    // liked held out (≥ 3.5): only ben's y (5), missed at 1
    expect(r.likedHitRate).toEqual({ mean: 0, lo: 0, hi: 0, users: 1 });
    // NDCG@1 = 1 for ana's rank-1 hit, 0 for the others
    expect(r.ndcg.mean).toBeCloseTo(1 / 3, 12);
    // recall@2: every held-out movie is within each top 2
    expect(r.recall).toEqual({ mean: 1, lo: 1, hi: 1, users: 3 });
    // MRR counts ranks within the top n only: 1, 0, 0
    expect(r.mrr.mean).toBeCloseTo(1 / 3, 12);
    // top-1 lists z, z, x: 2 distinct of 4 movies
    expect(r.coverage).toBe(0.5);
    // training counts z 1, z 1, x 2; percentiles (share with fewer ratings among 2,2,1,1) 0, 0, 50
    expect(r.meanPopularity).toBeCloseTo(4 / 3, 12);
    expect(r.popularityPercentile).toBeCloseTo(50 / 3, 12);
    expect(report).toMatchObject({ protocol: 'temporal', n: 1, recallAt: 2, catalogSize: 4, candidates: 4, splits: 1, complete: true });
  });

  it('applies the bot candidate filter: movies with fewer training ratings are never recommended', async () => {
    // with minItemRatings 2 only x and y are candidates: ana has none left, ben gets y (a hit), cleo gets x
    const report = await evaluateTopN([itemMean], toy, { protocol: 'temporal', n: 1, recallAt: 1, minItemRatings: 2 });
    const r = report.results.find((x) => x.algorithm === 'item-mean')!;
    expect(r.hitRate.mean).toBeCloseTo(1 / 3, 12);
    expect(r.likedHitRate.mean).toBe(1); // ben's liked y is now found
    expect(r.meanPopularity).toBe(2);
    expect(report.candidates).toBe(2);
  });

  it('always carries the popularity chart as the floor, once', async () => {
    expect(withFloor(['svd'])).toEqual(['popular', 'svd']);
    expect(withFloor(['svd', 'popular:percentile=80'])).toEqual(['svd', 'popular:percentile=80']);
    const report = await evaluateTopN([itemMean], toy, { protocol: 'temporal', minItemRatings: 0 });
    expect(report.results.map((x) => x.algorithm).sort()).toEqual(['item-mean', 'popular']);
  });

  it('ranks through rankItems, the path /recommend serves', async () => {
    const data = { ratings: syntheticRatings(20, 15, 0.5), scale: [1, 5] as [number, number] };
    const report = await evaluateTopN([itemMean], data, { protocol: 'loo', n: 3, recallAt: 3, minItemRatings: 4, seed: 1 });
    // recompute HR@3 from rankItems on the same split
    const [split] = [...leaveOneOut({ seed: 1, minRatings: 1 }).split(data.ratings)];
    const { trainsetOf } = await import('../../../src/core/eval/splitters.ts');
    const ts = trainsetOf(data.ratings, split.train, data.scale);
    const algo = new ItemMean().fit(ts);
    let hits = 0;
    for (const j of split.test) {
      const u = ts.innerUser(data.ratings.users[j])!;
      const list = rankItems(algo, ts.profileOf(u), { n: 3, minItemRatings: 4 }).map((p) => p.item);
      if (list.includes(ts.innerItem(data.ratings.items[j]) ?? -1)) hits++;
    }
    expect(report.results.find((x) => x.algorithm === 'item-mean')!.hitRate.mean).toBeCloseTo(hits / split.test.length, 12);
  });
});

describe('the protocols hold out', () => {
  const data = syntheticRatings(12, 10, 0.6);

  it('leave-one-out: one seeded random rating per member with at least two', () => {
    const a = [...topNSplitter('loo', { seed: 5 }).split(data)][0];
    const b = [...topNSplitter('loo', { seed: 5 }).split(data)][0];
    const c = [...topNSplitter('loo', { seed: 6 }).split(data)][0];
    expect(Array.from(a.test)).toEqual(Array.from(b.test));
    expect(Array.from(a.test)).not.toEqual(Array.from(c.test));
    expect(new Set(Array.from(a.test, (j) => data.users[j])).size).toBe(a.test.length); // one per member
  });

  it('temporal: each member’s latest rating', async () => {
    const report = await evaluateTopN([itemMean], toy, { protocol: 'temporal', n: 1, minItemRatings: 0 });
    expect(report.description).toMatch(/latest rating held out/);
    const [split] = [...topNSplitter('temporal').split(toy.ratings)];
    expect(Array.from(split.test, (j) => `${toy.ratings.users[j]}:${toy.ratings.items[j]}`)).toEqual(['ana:z', 'ben:y', 'cleo:w']);
  });

  it('k-fold: a member’s held-out items are their ratings in the test fold, averaged over folds', async () => {
    // lists as long as the catalogue find every held-out movie the trainset knows
    const d = { ratings: syntheticRatings(10, 8, 0.9), scale: [1, 5] as [number, number] };
    const report = await evaluateTopN([itemMean], d, { protocol: 'kfold', folds: 3, n: 8, recallAt: 8, minItemRatings: 0 });
    const r = report.results.find((x) => x.algorithm === 'item-mean')!;
    expect(report.splits).toBe(3);
    expect(r.hitRate.mean).toBe(1);
    expect(r.users).toBe(10);
  });

  it('rare: one rating per member of a movie with fewer than rareBelow ratings; behind the candidate filter none is ever listed', async () => {
    // x, z and w have 2 ratings each, y has 3: with rareBelow 3 every member holds out x, z or w
    const [split] = [...topNSplitter('rare', { seed: 4, rareBelow: 3 }).split(toy.ratings)];
    const held = Array.from(split.test, (j) => `${toy.ratings.users[j]}:${toy.ratings.items[j]}`);
    expect(held.map((h) => h.split(':')[0])).toEqual(['ana', 'ben', 'cleo']);
    for (const h of held) expect(['x', 'z', 'w']).toContain(h.split(':')[1]);
    // a held-out rare movie keeps at most 1 training rating: the bot's filter of 2 hides it, so nothing can hit
    const report = await evaluateTopN([itemMean], toy, { protocol: 'rare', rareBelow: 3, seed: 4, n: 4, minItemRatings: 2 });
    expect(report.description).toMatch(/rarely rated movie per user \(movies with < 3 ratings, seed 4\)/);
    expect(report.results.every((r) => r.users === 3 && r.hitRate.mean === 0)).toBe(true);
  });

  it('refuses a protocol it does not know and options out of range', async () => {
    // @ts-expect-error: a name outside the union, as a caller from JSON could send
    await expect(evaluateTopN([itemMean], toy, { protocol: 'random' })).rejects.toThrow(/unknown top-N protocol "random"; accepted: loo, temporal, kfold, rare/);
    await expect(evaluateTopN([itemMean], toy, { n: 0 })).rejects.toThrow(/n must be a whole number from 1 to 1000, got 0/);
    await expect(evaluateTopN([itemMean], toy, { profileSizes: [2, 2] })).rejects.toThrow(/profile sizes are listed twice/);
    await expect(evaluateTopN([itemMean], { ...toy, ratings: { ...toy.ratings, timestamps: undefined } }, { protocol: 'temporal' })).rejects.toThrow(/needs timestamps/);
  });
});

describe('HR@n by profile size (the cold-start curve)', () => {
  it('ranks each tested member as a LIVE member (no user id) from k of their training ratings', async () => {
    const seen: Array<{ user?: number; size: number }> = [];
    class Watching extends ItemMean {
      override scoreAll(p: Profile, out: Float64Array): void {
        seen.push({ user: p.user, size: p.items.length });
        super.scoreAll(p, out);
      }
    }
    const report = await evaluateTopN([{ name: 'watching', create: () => new Watching() }], toy, {
      protocol: 'temporal',
      n: 1,
      minItemRatings: 0,
      profileSizes: [2, 3],
    });
    const r = report.results.find((x) => x.algorithm === 'watching')!;
    // every member kept 2 training ratings: at k = 2 the live profile is the whole profile, so HR@1 is the trained 1/3
    expect(r.profileSizes![0]).toMatchObject({ size: 2, hitRate: { users: 3 } });
    expect(r.profileSizes![0].hitRate.mean).toBeCloseTo(1 / 3, 12);
    // nobody has 3 training ratings: no member at that point
    expect(r.profileSizes![1].hitRate.users).toBe(0);
    const live = seen.filter((s) => s.user === undefined);
    expect(live).toHaveLength(3);
    expect(live.every((s) => s.size === 2)).toBe(true);
  });

  it('keeps the member’s other training movies out of the live list: seen movies take no slot', async () => {
    // from one of two ratings, item-mean still lists only unseen movies: ana z (hit), ben z, cleo x,
    // whichever rating is drawn; were ana's other rating x (4.5) listed, she would miss
    for (const seed of [0, 1, 2, 3, 4]) {
      const report = await evaluateTopN([itemMean], toy, { protocol: 'temporal', n: 1, minItemRatings: 0, profileSizes: [1], seed });
      const r = report.results.find((x) => x.algorithm === 'item-mean')!;
      expect(r.profileSizes![0].hitRate.mean).toBeCloseTo(1 / 3, 12);
    }
  });
});

describe('the cut-off protocol: new movies in the catalogue', () => {
  /**
   * At the 0.7 quantile (T = 8): ana and cleo are tested on what they rated after T. ana's Dune
   * Part Two has no training rating (new), cleo's Alien has three: 1 of 2 held-out ratings is of a
   * new movie. The trainset holds the whole catalogue (5 movies, Solaris and Dune Part Two
   * unrated). Item-mean ranks by training mean and cannot score a movie without a rating: ana has
   * rated the three others, so her list is empty, never Dune Part Two; cleo's is Alien (4.5)
   * first: a hit at 1.
   */
  const club: EvalData = {
    ratings: {
      users: ['ana', 'ana', 'ben', 'ben', 'cleo', 'ana', 'ben', 'ana', 'cleo', 'dora'],
      items: ['alien', 'heat', 'alien', 'fargo', 'heat', 'fargo', 'heat', 'dune2', 'alien', 'dune2'],
      ratings: [5, 3, 4, 4, 5, 2, 3, 5, 4, 4],
      timestamps: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    },
    scale: [1, 5],
    name: 'club',
    catalogue: ['alien', 'heat', 'fargo', 'dune2', 'solaris'],
  };

  it('reports the share of held-out ratings that are of new movies, and HR on them alone', async () => {
    const report = await evaluateTopN([itemMean], club, { protocol: 'cutoff', cutoff: 0.7, n: 1, minItemRatings: 0 });
    expect(report).toMatchObject({ protocol: 'cutoff', catalogSize: 5, newMovies: { heldOut: 2, new: 1 } });
    const r = report.results.find((x) => x.algorithm === 'item-mean')!;
    expect(r.users).toBe(2);
    // ana misses, cleo hits at 1
    expect(r.hitRate.mean).toBeCloseTo(0.5, 12);
    // on new movies alone: ana's Dune Part Two, missed — a model without the catalogue's text cannot list it
    expect(r.newHitRate).toMatchObject({ mean: 0, users: 1 });
  });

  it('without the catalogue a new movie is no item at all, and still counts as new and missed', async () => {
    const report = await evaluateTopN([itemMean], { ...club, catalogue: undefined }, { protocol: 'cutoff', cutoff: 0.7, n: 1, minItemRatings: 0 });
    expect(report).toMatchObject({ catalogSize: 3, newMovies: { heldOut: 2, new: 1 } });
  });
});
