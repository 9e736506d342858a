import { describe, expect, it } from 'vitest';
import {
  EvaluationCancelledError,
  EvaluationError,
  crossValidate,
  gridSearch,
  parseMetrics,
  summarize,
  type AlgorithmFactory,
  type EvalData,
  type ProgressEvent,
} from '../../../src/core/eval/cross-validate.ts';
import { kFold } from '../../../src/core/eval/splitters.ts';
import { GlobalMean, ItemMean, shrunkItemMeanDescriptor, syntheticRatings } from './toy-algorithms.ts';

const ratings = syntheticRatings(30, 20, 0.5);
const data: EvalData = { ratings, scale: [1, 5], name: 'synthetic' };
const globalMean: AlgorithmFactory = { name: 'global-mean', create: () => new GlobalMean() };
const itemMean: AlgorithmFactory = { name: 'item-mean', create: () => new ItemMean() };

describe('crossValidate', () => {
  it('scores each fold exactly as computing the metric by hand on that fold', async () => {
    const splitter = kFold(3, { seed: 7 });
    const report = await crossValidate([globalMean], data, splitter, { metrics: ['rmse', 'mae'] });
    const folds = [...splitter.split(ratings)];
    const expected = folds.map((f) => {
      let mean = 0;
      for (const k of f.train) mean += ratings.ratings[k];
      mean /= f.train.length;
      let se = 0;
      for (const k of f.test) se += (ratings.ratings[k] - mean) ** 2;
      return Math.sqrt(se / f.test.length);
    });
    const r = report.results[0];
    expect(r.folds.map((f) => f.metrics.rmse)).toEqual(expected.map((v) => expect.closeTo(v, 12)));
    // mean ± population std (numpy's default)
    const mean = expected.reduce((a, b) => a + b) / 3;
    const std = Math.sqrt(expected.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
    expect(r.metrics.rmse.mean).toBeCloseTo(mean, 12);
    expect(r.metrics.rmse.std).toBeCloseTo(std, 12);
    expect(r.folds.map((f) => f.nTest)).toEqual(folds.map((f) => f.test.length));
    expect(r.fitTime.values).toHaveLength(3);
    expect(r.totalTime).toBeGreaterThanOrEqual(0);
    expect(report.complete).toBe(true);
    expect(report.nFolds).toBe(3);
    expect(report.metrics).toEqual(['rmse', 'mae']);
  });

  it('sorts algorithms by RMSE and counts impossible predictions', async () => {
    const report = await crossValidate([globalMean, itemMean], data, kFold(5, { seed: 0 }), {
      metrics: ['mae', 'rmse', 'fcp', 'precision', 'recall', 'ndcg', 'map', 'mse', 'mape'],
      k: 5,
    });
    expect(report.results.map((r) => r.algorithm)).toEqual(['item-mean', 'global-mean']);
    expect(report.metrics).toEqual(['mae', 'rmse', 'fcp', 'precision@5', 'recall@5', 'ndcg@5', 'map@5', 'mse', 'mape']);
    const item = report.results[0];
    for (const label of report.metrics) expect(Number.isFinite(item.metrics[label].mean)).toBe(true);
    // the global mean never fails; item-mean has no answer for items missing from a fold's trainset
    expect(report.results[1].folds.every((f) => f.impossible === 0)).toBe(true);
    // FCP of a constant predictor: every pair with different true ratings is a tie, i.e. discordant
    expect(report.results[1].metrics.fcp.mean).toBe(0);
  });

  it('emits progress for every fold of every algorithm, in order', async () => {
    const events: ProgressEvent[] = [];
    await crossValidate([globalMean, itemMean], data, kFold(2, { seed: 1 }), { onProgress: (e) => events.push(e) });
    expect(events.map((e) => `${e.type}:${e.algorithm}${'fold' in e ? `#${e.fold}` : ''}`)).toEqual([
      'fold-start:global-mean#0',
      'fold-end:global-mean#0',
      'fold-start:global-mean#1',
      'fold-end:global-mean#1',
      'algorithm-end:global-mean',
      'fold-start:item-mean#0',
      'fold-end:item-mean#0',
      'fold-start:item-mean#1',
      'fold-end:item-mean#1',
      'algorithm-end:item-mean',
    ]);
  });

  it('keeps each fold’s estimates when asked', async () => {
    const report = await crossValidate([globalMean], data, kFold(2, { seed: 1 }), { keepPredictions: true });
    const f = report.results[0].folds[0];
    expect(f.predictions?.test.length).toBe(f.nTest);
    expect(f.predictions?.est.length).toBe(f.nTest);
  });

  it('stops on abort and reports nothing', async () => {
    const controller = new AbortController();
    const run = crossValidate([globalMean], data, kFold(3), {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'fold-end') controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(EvaluationCancelledError);
  });

  it('refuses bad options with a clear message', async () => {
    await expect(crossValidate([globalMean], data, kFold(3), { k: 0 })).rejects.toThrow(/k must be a whole number ≥ 1, got 0/);
    await expect(crossValidate([globalMean], data, kFold(3), { threshold: 7 })).rejects.toThrow(
      /threshold 7 is outside the rating scale 1–5/,
    );
    await expect(crossValidate([], data, kFold(3))).rejects.toThrow(/no algorithm/);
    await expect(crossValidate([globalMean, globalMean], data, kFold(3))).rejects.toThrow(/"global-mean" is listed twice/);
    const tiny: EvalData = { ratings: { users: ['a', 'b'], items: ['x', 'y'], ratings: [1, 2] }, scale: [1, 5] };
    await expect(crossValidate([globalMean], tiny, kFold(5))).rejects.toThrow(/5 folds need at least 5 ratings/);
  });

  it('reports an undefined metric on a fold as NaN with the reason', async () => {
    // one rating per user in every test fold → FCP has no pair
    const d: EvalData = {
      ratings: { users: ['a', 'b', 'c', 'd'], items: ['x', 'x', 'y', 'y'], ratings: [1, 2, 3, 4] },
      scale: [1, 5],
    };
    const report = await crossValidate([globalMean], d, kFold(2, { seed: 0 }), { metrics: ['rmse', 'fcp'] });
    expect(report.results[0].metrics.fcp.mean).toBeNaN();
    expect(report.results[0].folds[0].notes[0]).toMatch(/FCP: no user has two predictions/);
  });
});

describe('parseMetrics', () => {
  it('accepts names with or without @k and refuses unknown ones', () => {
    expect(parseMetrics(['RMSE', 'precision@k', 'recall@10', 'mae'], 10)).toEqual(['rmse', 'precision', 'recall', 'mae']);
    expect(() => parseMetrics(['rmse', 'accuracy'])).toThrow(/unknown metric "accuracy"; accepted: rmse, mse, mae/);
    expect(() => parseMetrics(['precision@5'], 10)).toThrow(/asks for @5 but k is 10/);
    expect(() => parseMetrics(['rmse@3'])).toThrow(EvaluationError);
  });
});

describe('summarize', () => {
  it('gives mean and population std', () => {
    expect(summarize([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(1.25), values: [1, 2, 3, 4] });
  });
});

describe('gridSearch', () => {
  it('tries every combination and picks the best mean of the chosen metric', async () => {
    const result = await gridSearch(shrunkItemMeanDescriptor, { reg: [0, 3, 1000] }, data, kFold(3, { seed: 2 }), 'rmse');
    expect(result.results.map((r) => r.spec)).toEqual([
      'shrunk-item-mean:reg=0',
      'shrunk-item-mean:reg=3',
      'shrunk-item-mean:reg=1000',
    ]);
    const scores = result.results.map((r) => r.metrics.rmse.mean);
    expect(result.best.score).toBe(Math.min(...scores));
    // a huge shrinkage collapses to the global mean, which is worse on item-driven data
    expect(result.best.params.reg).not.toBe(1000);
    expect(result.metric).toBe('rmse');
    expect(result.better).toBe('lower');
  });

  it('maximises metrics where higher is better', async () => {
    const result = await gridSearch(shrunkItemMeanDescriptor, { reg: [0, 1000] }, data, kFold(3), 'precision', { k: 5 });
    expect(result.metric).toBe('precision@5');
    expect(result.best.score).toBe(Math.max(...result.results.map((r) => r.metrics['precision@5'].mean)));
  });

  it('refuses an empty value list and a bad parameter before running', async () => {
    await expect(gridSearch(shrunkItemMeanDescriptor, { reg: [] }, data, kFold(3))).rejects.toThrow(/reg has no values/);
    await expect(gridSearch(shrunkItemMeanDescriptor, { reg: [-1] }, data, kFold(3))).rejects.toThrow(/at least 0/);
    await expect(gridSearch(shrunkItemMeanDescriptor, { reg: [1] }, data, kFold(3), 'accuracy')).rejects.toThrow(/unknown metric/);
  });
});
