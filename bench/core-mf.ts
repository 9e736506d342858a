/**
 * Speed of the factor models (SVD, SVD++, NMF, co-clustering) on ml-100k and ml-latest-small,
 * against Surprise 1.1.4 on this kind of machine. One
 * 80/20 split (Surprise's train_test_split, seed 0): fit time on the 80 %,
 * predictions per second through `predict()` over the 20 %, top-10 for every user through
 * `recommend()`, and the split's RMSE as a sanity check. Times are the best of a few runs (the
 * machine is shared). The SVD fit is also timed with the plain TypeScript kernel, the fallback
 * when WebAssembly is unavailable.
 *
 * Run alone: `npx tsx bench/core-mf.ts`.
 */
import { fileURLToPath } from 'node:url';
import type { Algorithm, AlgorithmDescriptor } from '../src/core/algorithm.ts';
import { coClusteringDescriptor } from '../src/core/algorithms/co-clustering.ts';
import { nmfDescriptor } from '../src/core/algorithms/nmf.ts';
import { Svd, svdDescriptor } from '../src/core/algorithms/svd.ts';
import { svdppDescriptor } from '../src/core/algorithms/svdpp.ts';
import { kernelProblem } from '../src/core/kernels/wasm.ts';
import { benchRatings, holdOut, type BenchRatings } from './ratings.ts';
import type { BenchRow } from './types.ts';

/** Best wall time in seconds over `runs` calls. */
function best<T>(runs: number, fn: () => T): { seconds: number; value: T } {
  let seconds = Infinity;
  let value: T | undefined;
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    value = fn();
    seconds = Math.min(seconds, (performance.now() - t) / 1000);
  }
  return { seconds, value: value as T };
}

/** Surprise 1.1.4 on this kind of machine: fit s/fold, test s/fold (20 % of the ratings). */
const SURPRISE: Record<string, Record<string, { fit: number; test: number }>> = {
  'ml-100k': {
    svd: { fit: 1.74, test: 0.28 },
    svdpp: { fit: 29.79, test: 5.7 },
    nmf: { fit: 2.76, test: 0.18 },
    'co-clustering': { fit: 2.65, test: 0.17 },
  },
  'ml-latest-small': {
    svd: { fit: 1.72, test: 0.24 },
    svdpp: { fit: 103.57, test: 14.28 },
    nmf: { fit: 3.17, test: 0.17 },
    'co-clustering': { fit: 3.14, test: 0.19 },
  },
};

/** Surprise's tutorial top-10 for every user (anti-testset + test + sort), after the SVD fit. */
const SURPRISE_TOP10: Record<string, number> = { 'ml-100k': 10.7, 'ml-latest-small': 49.4 };

const ALGOS: Array<[AlgorithmDescriptor, number]> = [
  [svdDescriptor, 5],
  [svdppDescriptor, 2],
  [nmfDescriptor, 5],
  [coClusteringDescriptor, 5],
];

function benchDataset(data: BenchRatings): BenchRow[] {
  const rows: BenchRow[] = [];
  const name = data.name;
  const { train, test } = holdOut(data);
  const nTest = test.ratings.length;
  for (const [d, runs] of ALGOS) {
    const surprise = SURPRISE[name][d.name];
    const fit = best(runs, () => d.create().fit(train));
    const algo: Algorithm = fit.value;
    const kernel = 'lastKernel' in algo ? ` (${String((algo as { lastKernel?: string }).lastKernel)} kernel)` : '';
    rows.push({
      name: `${name} ${d.name} fit (80 %)`,
      value: fit.seconds,
      unit: 's',
      note: `Surprise ${surprise.fit} s: ${(surprise.fit / fit.seconds).toFixed(1)}x faster${kernel}`,
    });
    let se = 0;
    const pred = best(3, () => {
      se = 0;
      for (let k = 0; k < nTest; k++) se += (test.ratings[k] - algo.predict(test.users[k], test.items[k]).est) ** 2;
    });
    const perSecond = nTest / pred.seconds;
    const surpriseRate = nTest / surprise.test;
    rows.push({
      name: `${name} ${d.name} predict() over the 20 %`,
      value: perSecond,
      unit: 'pred/s',
      note: `Surprise ${Math.round(surpriseRate)} pred/s: ${(perSecond / surpriseRate).toFixed(1)}x; RMSE ${Math.sqrt(se / nTest).toFixed(4)}`,
    });
    const top = best(3, () => {
      for (let u = 0; u < train.nUsers; u++) algo.recommend(train.profileOf(u), 10);
    });
    rows.push({
      name: `${name} ${d.name} top-10 for all ${train.nUsers} users`,
      value: top.seconds,
      unit: 's',
      note:
        d.name === 'svd'
          ? `Surprise's anti-testset method: ${SURPRISE_TOP10[name]} s after fit; target < 1 s`
          : undefined,
    });
  }
  const fallback = best(2, () => new Svd(svdDescriptor.create().params, 'ts').fit(train));
  rows.push({
    name: `${name} svd fit, plain TypeScript kernel (fallback)`,
    value: fallback.seconds,
    unit: 's',
    note: `Surprise ${SURPRISE[name].svd.fit} s: ${(SURPRISE[name].svd.fit / fallback.seconds).toFixed(1)}x`,
  });
  return rows;
}

export async function benchMf(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const problem = kernelProblem();
  if (problem) process.stderr.write(`core-mf: WebAssembly kernels not in use (${problem}); timing the TypeScript fallback\n`);
  for (const name of ['ml-100k', 'ml-latest-small'] as const) {
    const data = await benchRatings(name);
    if (data) rows.push(...benchDataset(data));
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const r of await benchMf()) {
    console.log(`${r.name.padEnd(58)} ${r.value.toPrecision(4).padStart(10)} ${r.unit.padEnd(7)} ${r.note ?? ''}`);
  }
}
