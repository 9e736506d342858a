import { describe, expect, it } from 'vitest';
import { EvaluationCancelledError } from '../../src/core/eval/cross-validate.ts';
import { evaluate, inferScale, runEvaluation, type EvaluationProgress, type EvaluationRequest } from '../../src/evaluation/run.ts';
import { syntheticRatings } from '../core/eval/toy-algorithms.ts';

const toyModule = new URL('../core/eval/toy-algorithms.ts', import.meta.url).href;
const table = syntheticRatings(40, 25, 0.5);

function request(extra: Partial<EvaluationRequest> = {}): EvaluationRequest {
  return {
    data: { table, scale: [1, 5], name: 'synthetic' },
    algorithms: [
      { module: toyModule, export: 'ItemMean', name: 'item-mean' },
      { module: toyModule, export: 'GlobalMean', name: 'global-mean' },
    ],
    folds: 3,
    metrics: ['rmse', 'mae', 'fcp', 'precision', 'recall'],
    ...extra,
  };
}

/** Everything but the timings, which differ from run to run. */
function numbers(report: Awaited<ReturnType<typeof evaluate>>) {
  return report.cv!.results.map((r) => ({
    algorithm: r.algorithm,
    metrics: r.metrics,
    folds: r.folds.map((f) => ({ fold: f.fold, nTrain: f.nTrain, nTest: f.nTest, metrics: f.metrics, impossible: f.impossible })),
  }));
}

describe('runEvaluation in a worker thread', () => {
  it('emits progress per fold and algorithm and returns the same numbers as in-process', async () => {
    const events: EvaluationProgress[] = [];
    const inWorker = await runEvaluation(request({ k: 5 }), (e) => events.push(e));
    const inProcess = await evaluate(request({ k: 5 }));
    expect(inWorker.complete).toBe(true);
    expect(numbers(inWorker)).toEqual(numbers(inProcess));
    expect(inWorker.data).toEqual({ name: 'synthetic', nRatings: table.ratings.length, nUsers: 40, nItems: 25, scale: [1, 5] });

    const folds = events.filter((e) => e.type === 'fold-end');
    expect(folds.map((e) => (e.type === 'fold-end' ? `${e.algorithm} ${e.fold + 1}/${e.folds}` : ''))).toEqual([
      'item-mean 1/3',
      'item-mean 2/3',
      'item-mean 3/3',
      'global-mean 1/3',
      'global-mean 2/3',
      'global-mean 3/3',
    ]);
    expect(events[0]).toMatchObject({ type: 'loaded', name: 'synthetic', folds: 3, algorithms: ['item-mean', 'global-mean'] });
  });

  it('runs the top-N yardstick in the worker when asked (as /evaluate does), the popularity floor included', async () => {
    const events: EvaluationProgress[] = [];
    const topn = { protocol: 'loo' as const, n: 5, minItemRatings: 2, profileSizes: [1, 3] };
    const inWorker = await runEvaluation(request({ topn }), (e) => events.push(e));
    const inProcess = await evaluate(request({ topn }));
    expect(inWorker.cv).toBeUndefined();
    const hr = (r: typeof inWorker) => r.topN!.results.map((x) => [x.algorithm, x.hitRate, x.ndcg, x.profileSizes]);
    expect(hr(inWorker)).toEqual(hr(inProcess));
    expect(inWorker.topN!.results.map((x) => x.algorithm).sort()).toEqual(['global-mean', 'item-mean', 'popular']);
    expect(inWorker.topN!.n).toBe(5);
    expect(inWorker.topN!.minItemRatings).toBe(2);
    expect(events[0]).toMatchObject({ type: 'loaded', folds: 1, algorithms: ['popular', 'item-mean', 'global-mean'] });
    expect(events.filter((e) => e.type === 'topn-end')).toHaveLength(3);
  });

  it('is cancelled by the signal: the worker stops and no report comes back', async () => {
    const controller = new AbortController();
    const events: string[] = [];
    const run = runEvaluation(request({ folds: 10 }), (e) => {
      events.push(e.type);
      if (e.type === 'fold-end') controller.abort();
    }, { signal: controller.signal });
    await expect(run).rejects.toBeInstanceOf(EvaluationCancelledError);
    expect(events.filter((e) => e === 'algorithm-end')).toHaveLength(0);
  });

  it('passes errors back with their message', async () => {
    await expect(
      runEvaluation(request({ algorithms: [{ module: toyModule, export: 'Nope' }] })),
    ).rejects.toThrow(/toy-algorithms.ts has no Algorithm class or factory named Nope/);
    await expect(runEvaluation(request({ threshold: 6 }))).rejects.toThrow(/threshold 6 is outside the rating scale 1–5/);
  });

  it('refuses requests that mix modes', async () => {
    await expect(evaluate(request({ predictions: true }))).rejects.toThrow(/train\/test pair only/);
    await expect(evaluate({ ...request(), data: { train: 'a', test: 'b' }, topn: {} })).rejects.toThrow(/does not run on a given train\/test pair/);
    await expect(evaluate(request({ topn: {}, predictions: true }))).rejects.toThrow(/a top-N run ranks lists and has none/);
    await expect(evaluate(request({ folds: 1 }))).rejects.toThrow(/folds must be a whole number from 2 to 20, got 1/);
    // an unbounded fold count was accepted and never finished
    await expect(evaluate(request({ folds: 100000 }))).rejects.toThrow(/folds must be a whole number from 2 to 20, got 100000/);
    await expect(evaluate(request({ metrics: ['rmse', 'accuracy'] }))).rejects.toThrow(/unknown metric "accuracy"/);
  });
});

describe('evaluate in-process', () => {
  it('drops the long tail first when asked and says what it dropped', async () => {
    const full = await evaluate(request({ algorithms: [{ module: toyModule, export: 'GlobalMean' }] }));
    const r = await evaluate(request({ algorithms: [{ module: toyModule, export: 'GlobalMean' }], longTail: { minItemRatings: 21 } }));
    const counts = new Map<string, number>();
    for (const i of table.items) counts.set(i, (counts.get(i) ?? 0) + 1);
    const rare = [...counts.values()].filter((c) => c < 21);
    expect(r.data.dropped).toMatchObject({ items: rare.length, ratings: rare.reduce((a, b) => a + b, 0), minItemRatings: 21 });
    expect(r.data.nRatings).toBe(full.data.nRatings - r.data.dropped!.ratings);
    expect(r.cv!.nRatings).toBe(r.data.nRatings);
  });
});

describe('inferScale', () => {
  const t = (...r: number[]) => ({ users: r.map(() => 'u'), items: r.map(() => 'i'), ratings: Float32Array.from(r), timestamps: new Float64Array(r.length) });
  it('knows whole stars and half stars, and asks otherwise', () => {
    expect(inferScale([t(1, 3, 5)])).toEqual([1, 5]);
    expect(inferScale([t(1, 3), t(4.5)])).toEqual([0.5, 5]);
    expect(inferScale([t(0.5, 2)])).toEqual([0.5, 5]);
    expect(() => inferScale([t(1, 10)])).toThrow(/cannot infer the rating scale from ratings between 1 and 10/);
    expect(() => inferScale([t(1, 3.7)])).toThrow(/--scale/);
  });
});
