import { describe, expect, it } from 'vitest';
import { crossValidate, type EvalData } from '../../src/core/eval/cross-validate.ts';
import { kFold } from '../../src/core/eval/splitters.ts';
import type { TopNReport } from '../../src/core/eval/topn.ts';
import { formatMeanCI, formatTable, formatTopNTable } from '../../src/evaluation/table.ts';
import { GlobalMean, ItemMean, syntheticRatings } from '../core/eval/toy-algorithms.ts';

const data: EvalData = { ratings: syntheticRatings(30, 20, 0.5), scale: [1, 5], name: 'synthetic' };

describe('formatTable (cross-validation)', () => {
  it('prints mean ± std per metric and times, best first', async () => {
    const report = await crossValidate(
      [
        { name: 'global-mean', create: () => new GlobalMean() },
        { name: 'item-mean', create: () => new ItemMean() },
      ],
      data,
      kFold(3),
      { metrics: ['rmse', 'precision'] },
    );
    const table = formatTable(report);
    expect(table).toMatch(/^synthetic, \d+ ratings, 3-fold CV \(seed 0\), k = 10, threshold = 3.5/);
    expect(table).toMatch(/Algorithm\s+RMSE\s+precision@10\s+fit s\/fold\s+test s\/fold\s+total s/);
    expect(table).toMatch(/item-mean\s+\d\.\d{4} ± \d\.\d{4}/);
    expect(table.indexOf('item-mean')).toBeLessThan(table.indexOf('global-mean'));
  });

  it('prints n/a for a metric undefined on the folds', async () => {
    const d: EvalData = { ratings: { users: ['a', 'b', 'c', 'd'], items: ['x', 'x', 'y', 'y'], ratings: [1, 2, 3, 4] }, scale: [1, 5] };
    const report = await crossValidate([{ name: 'global-mean', create: () => new GlobalMean() }], d, kFold(2, { seed: 0 }), { metrics: ['rmse', 'fcp'] });
    expect(formatTable(report)).toMatch(/n\/a/);
  });
});

describe('formatTopNTable', () => {
  const ci = (mean: number, half: number, users = 600) => ({ mean, lo: mean - half, hi: mean + half, users });
  const result = (algorithm: string, hr: number) => ({
    algorithm,
    users: 600,
    hitRate: ci(hr, 0.02),
    likedHitRate: ci(hr + 0.01, 0.03, 450),
    ndcg: ci(hr / 2, 0.01),
    recall: ci(hr * 1.5, 0.025),
    mrr: ci(hr / 3, 0.01),
    coverage: 0.0123,
    meanPopularity: 123.45,
    popularityPercentile: 98.76,
    profileSizes: [
      { size: 1, hitRate: ci(0.05, 0.01, 600) },
      { size: 20, hitRate: ci(0.1, 0.02, 420) },
    ],
    fitTime: 1.234,
    rankTime: 0.5,
  });
  const report: TopNReport = {
    data: 'ml-latest-small',
    protocol: 'loo',
    description: 'leave-one-out per user (users with > 1 ratings, seed 0)',
    n: 10,
    recallAt: 20,
    likedThreshold: 3.5,
    minItemRatings: 5,
    catalogSize: 9724,
    candidates: 3650,
    splits: 1,
    results: [result('svd', 0.2), result('popular', 0.1)],
    complete: true,
  };

  it('prints per-member means ± the 95% half-width, the floor marked, and the cold-start curve', () => {
    const table = formatTopNTable(report);
    expect(table).toMatch(/^Top-10 over the full catalogue, leave-one-out .*, ml-latest-small: 600 members tested; candidates = movies with ≥ 5 training ratings \(3,650 of 9,724\); liked = rating ≥ 3\.5/);
    expect(table).toMatch(/Algorithm\s+HR@10\s+liked HR@10\s+NDCG@10\s+recall@20\s+MRR\s+coverage\s+mean pop\.\s+pop\. pct\s+fit s\s+rank s/);
    expect(table).toMatch(/svd\s+0\.2000 ±0\.0200\s+0\.2100 ±0\.0300\s+0\.1000 ±0\.0100\s+0\.3000 ±0\.0250\s+0\.0667 ±0\.0100\s+0\.0123\s+123\.5\s+98\.8\s+1\.23\s+0\.50/);
    expect(table).toMatch(/popular \(floor\)\s+0\.1000 ±0\.0200/);
    expect(table).toMatch(/HR@10 by profile size/);
    expect(table).toMatch(/Algorithm\s+k=1\s+k=20\n.*\nsvd\s+0\.0500 ±0\.0100\s+0\.1000 ±0\.0200/);
    expect(table).toMatch(/members with at least k training ratings: k=1: 600, k=20: 420/);
  });

  it('prints n/a for a mean over nobody, and a clipped interval whole', () => {
    expect(formatMeanCI({ mean: NaN, lo: NaN, hi: NaN, users: 0 })).toBe('n/a');
    expect(formatMeanCI({ mean: 0.0016, lo: 0, hi: 0.0048, users: 610 })).toBe('0.0016 [0.0000, 0.0048]');
  });
});
