/**
 * 5-fold cross-validation of every Surprise algorithm except SVD++ on ml-100k, in one run, with
 * default parameters (KFold seed 0). Measures the total fit + test seconds over all folds, which
 * is what Surprise's 158 s figure counts (sum of its per-algorithm "5-fold total" column:
 * trainset construction and metrics excluded). Target: at least 3× faster, i.e. ≤ 52.8 s.
 * Also reports each algorithm's time and mean RMSE next to Surprise's.
 */
import { crossValidate } from '../src/core/eval/cross-validate.ts';
import { kFold } from '../src/core/eval/splitters.ts';
import { loadDataset } from '../src/data/load.ts';
import { sharedDataset } from '../test/helpers/shared-data.ts';
import type { BenchRow } from './types.ts';

/** Surprise 1.1.4 on this machine: [registry name, RMSE mean, 5-fold fit+test seconds]. */
const SURPRISE: ReadonlyArray<readonly [string, number, number]> = [
  ['normal', 1.5236, 1.0],
  ['baseline', 0.944, 2.8],
  ['knn-basic', 0.9797, 19.2],
  ['knn-means', 0.9511, 21.1],
  ['knn-zscore', 0.9509, 24.4],
  ['knn-baseline', 0.9307, 24.8],
  ['svd', 0.9355, 10.1],
  ['nmf', 0.9622, 14.7],
  ['slope-one', 0.9459, 26.3],
  ['co-clustering', 0.9636, 14.1],
];
const SURPRISE_TOTAL = SURPRISE.reduce((s, [, , t]) => s + t, 0);

export async function benchEvaluate(): Promise<BenchRow[]> {
  const dir = sharedDataset('ml-100k');
  if (!dir) return [];
  const ds = await loadDataset(dir, { tags: false });
  const report = await crossValidate(
    SURPRISE.map(([name]) => name),
    { ratings: ds.ratings, scale: ds.scale, name: ds.name },
    kFold(5, { seed: 0 }),
    {
      metrics: ['rmse', 'mae'],
      onProgress: (e) => {
        if (e.type === 'algorithm-end') {
          process.stderr.write(`  ${e.algorithm}: ${e.result.totalTime.toFixed(2)} s, RMSE ${e.result.metrics.rmse.mean.toFixed(4)}\n`);
        }
      },
    },
  );
  const total = report.results.reduce((s, r) => s + r.totalTime, 0);
  const rows: BenchRow[] = [
    {
      name: 'ml-100k 5-fold CV, 10 algorithms (all but SVD++): fit+test',
      value: total,
      unit: 's',
      note: `Surprise ${SURPRISE_TOTAL.toFixed(1)} s; target ≤ ${(SURPRISE_TOTAL / 3).toFixed(1)} s (≥ 3×)`,
    },
    {
      name: 'ml-100k 5-fold CV, 10 algorithms: speed-up over Surprise',
      value: SURPRISE_TOTAL / total,
      unit: '×',
      note: 'target ≥ 3×',
    },
  ];
  for (const [name, rmse, seconds] of SURPRISE) {
    const r = report.results.find((x) => x.algorithm === name);
    if (!r) continue;
    rows.push({
      name: `ml-100k 5-fold CV ${name}: fit+test`,
      value: r.totalTime,
      unit: 's',
      note: `Surprise ${seconds.toFixed(1)} s (${(seconds / r.totalTime).toFixed(1)}× faster); fit ${r.fitTime.mean.toFixed(2)} s/fold, test ${r.testTime.mean.toFixed(2)} s/fold`,
    });
    rows.push({
      name: `ml-100k 5-fold CV ${name}: RMSE`,
      value: r.metrics.rmse.mean,
      unit: 'RMSE',
      note: `± ${r.metrics.rmse.std.toFixed(4)}; Surprise ${rmse.toFixed(4)}`,
    });
  }
  return rows;
}
