import { describe, expect, it } from 'vitest';
import { ParamError } from '../../src/core/algorithm.ts';
import { knnBasicDescriptor } from '../../src/core/algorithms/knn.ts';
import { svdDescriptor } from '../../src/core/algorithms/svd.ts';
import { DEFAULT_SHRINK_BETA, rankItems, servingOptions, shrinkBySupport } from '../../src/core/rank.ts';
import { Trainset } from '../../src/core/trainset.ts';

/**
 * Member M and five look-alikes U1..U5 rated a = 4 and b = 3 (msd similarity 1 between any two of
 * them). The look-alikes rated "classic" 5, 5, 5, 4, 4 (mean 4.6); only U1 rated "obscure", 5.
 * User-based KNNBasic for M: obscure 5.0 from one neighbour, classic 4.6 from five.
 * μ = 70 / 18.
 */
function lookAlikes(): Trainset {
  const rows: Array<{ user: string; item: string; rating: number }> = [];
  for (const user of ['M', 'U1', 'U2', 'U3', 'U4', 'U5']) {
    rows.push({ user, item: 'a', rating: 4 }, { user, item: 'b', rating: 3 });
  }
  [5, 5, 5, 4, 4].forEach((rating, k) => rows.push({ user: `U${k + 1}`, item: 'classic', rating }));
  rows.push({ user: 'U1', item: 'obscure', rating: 5 });
  return Trainset.fromRatings(rows, [1, 5]);
}

describe('ranking by predicted rating, aware of support', () => {
  const ts = lookAlikes();
  const algo = knnBasicDescriptor.create().fit(ts);
  const m = ts.profileOf(ts.innerUser('M') as number);
  const named = (picks: ReturnType<typeof rankItems>) => picks.map((p) => [ts.rawItem(p.item), p.support]);

  it('without shrinkage a 5.0 from one look-alike tops a 4.6 from five', () => {
    const picks = rankItems(algo, m, { n: 5 });
    expect(named(picks)).toEqual([['obscure', 1], ['classic', 5]]);
    expect(picks[0].score).toBe(5);
    expect(picks[1].score).toBeCloseTo(4.6, 12);
  });

  it('with shrinkage the well-supported 4.6 ranks first, and each pick says what its support counts', () => {
    const mu = 70 / 18;
    const beta = DEFAULT_SHRINK_BETA;
    // shrunk by the movies' training ratings: classic 5, obscure 1
    const picks = rankItems(algo, m, { n: 5, shrink: true });
    expect(named(picks)).toEqual([['classic', 5], ['obscure', 1]]);
    expect(picks.every((p) => p.supportKind === 'similar-members')).toBe(true);
    expect(picks[0].score).toBeCloseTo(mu + (5 / (5 + beta)) * (4.6 - mu), 12);
    expect(picks[1].score).toBeCloseTo(mu + (1 / (1 + beta)) * (5 - mu), 12);
    // by the algorithm's own support (here the same counts: five look-alikes, one) and a small β
    const bySupport = rankItems(algo, m, { n: 5, shrink: { beta: 2, by: 'support' } });
    expect(named(bySupport)).toEqual([['classic', 5], ['obscure', 1]]);
    expect(bySupport[1].score).toBeCloseTo(mu + (1 / 3) * (5 - mu), 12);
    // the estimates themselves are untouched, and each pick carries its own
    expect(algo.predict('M', 'obscure').est).toBe(5);
    expect(picks.map((p) => p.estimate)).toEqual([picks[0].estimate, 5]);
    expect(picks[0].estimate).toBeCloseTo(4.6, 12);
  });

  it('factor models report the movie’s training ratings as support', () => {
    const svd = svdDescriptor.create({ n_factors: 2, n_epochs: 5 }).fit(ts);
    const picks = rankItems(svd, m, { n: 5 });
    const support = Object.fromEntries(picks.map((p) => [ts.rawItem(p.item), [p.support, p.supportKind]]));
    expect(support).toEqual({ classic: [5, 'ratings'], obscure: [1, 'ratings'] });
  });

  it('refuses a β that is negative or not a number, naming it', () => {
    expect(() => rankItems(algo, m, { n: 5, shrink: { beta: -1 } })).toThrow(ParamError);
    expect(() => rankItems(algo, m, { n: 5, shrink: { beta: NaN } })).toThrow('shrinkage β must be a finite number ≥ 0, got NaN');
  });
});

describe('shrinkBySupport', () => {
  it('pulls each clipped score toward the mean by s / (s + β); β = 0 only clips; NaN stays NaN', () => {
    const scores = Float64Array.of(5.4, 4, NaN, 2);
    shrinkBySupport(scores, [1, 3, 9, 0], 1, 3, [1, 5]);
    expect(Array.from(scores)).toEqual([3 + 0.5 * 2, 3 + 0.75 * 1, NaN, 3]);
    const plain = Float64Array.of(5.4, 0.2);
    shrinkBySupport(plain, [0, 0], 0, 3, [1, 5]);
    expect(Array.from(plain)).toEqual([5, 1]);
  });
});

describe('the serving rule', () => {
  it('filters every model by the bot candidate filter but lets hybrid list a rarely rated movie on its content', () => {
    expect(servingOptions({ name: 'ease' }, 5)).toEqual({ minItemRatings: 5, shrink: false });
    expect(servingOptions({ name: 'svd' }, 5)).toEqual({ minItemRatings: 5, shrink: true });
    expect(servingOptions({ name: 'hybrid' }, 5)).toEqual({ minItemRatings: 0, shrink: false });
  });
});
