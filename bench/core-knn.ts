/**
 * Speed and memory of the neighbourhood family (NormalPredictor, BaselineOnly, the four kNN,
 * Slope One) on ml-100k and ml-latest-small, against Surprise 1.1.4 on this kind of machine
 * (Surprise's figures were measured with Surprise 1.1.4 on the same kind of machine). One 80/20 split (Surprise's train_test_split, seed 0): fit time on the 80 %, predictions per second through `predict()` over the 20 %, top-10 for
 * every user through `recommend()`. Times are the best of a few runs (the machine is shared), with
 * the CPU time of that run alongside.
 * Peak RSS of single full-trainset fits runs in a child process, so it is the fit's own peak.
 *
 * Run alone: `npx tsx bench/core-knn.ts`.
 */
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Trainset } from '../src/core/trainset.ts';
import type { Algorithm, AlgorithmDescriptor } from '../src/core/algorithm.ts';
import { normalDescriptor } from '../src/core/algorithms/normal.ts';
import { baselineDescriptor } from '../src/core/algorithms/baseline-only.ts';
import {
  knnBaselineDescriptor,
  knnBasicDescriptor,
  knnMeansDescriptor,
  knnZScoreDescriptor,
} from '../src/core/algorithms/knn.ts';
import { slopeOneDescriptor } from '../src/core/algorithms/slope-one.ts';
import { sharedDataset } from '../test/helpers/shared-data.ts';
import type { BenchRow } from './types.ts';
import { benchRatings, holdOut, type HoldOut } from './ratings.ts';
import { loadRatingsFile } from '../src/data/load.ts';


/**
 * Best of `runs` by wall time, with the CPU time (user + system) of that run: on a shared 2-core
 * machine the CPU time says what the code costs when it has a core to itself.
 */
function best<T>(runs: number, fn: () => T): { ms: number; cpuMs: number; value: T } {
  let ms = Infinity;
  let cpuMs = Infinity;
  let value: T | undefined;
  let spent = 0;
  // at least `runs`; quick cases get up to 7 runs (at most ~1 s more) for a steadier best
  for (let r = 0; r < runs || (r < 7 && spent < 1000); r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    value = fn();
    const wall = performance.now() - t0;
    spent += wall;
    const c = process.cpuUsage(c0);
    if (wall < ms) {
      ms = wall;
      cpuMs = (c.user + c.system) / 1000;
    }
  }
  return { ms, cpuMs, value: value as T };
}

const cpuNote = (r: { ms: number; cpuMs: number }): string => `cpu ${(r.cpuMs / 1000).toFixed(3)} s`;

interface Case {
  label: string;
  d: AlgorithmDescriptor;
  params: Record<string, unknown>;
  /** Surprise's fit and test seconds per fold on this dataset, when measured */
  surprise?: { fit: number; test: number };
  topN?: boolean;
}

function measure(dataset: string, s: HoldOut, c: Case, runs: number): BenchRow[] {
  const rows: BenchRow[] = [];
  const fit = best(runs, () => c.d.create(c.params).fit(s.train));
  const algo: Algorithm = fit.value;
  const nTest = s.test.ratings.length;
  const predict = best(runs, () => {
    let se = 0;
    for (let k = 0; k < nTest; k++) se += (algo.predict(s.test.users[k], s.test.items[k]).est - s.test.ratings[k]) ** 2;
    return Math.sqrt(se / nTest);
  });
  const sf = c.surprise;
  rows.push({
    name: `${dataset} ${c.label}: fit (80%)`,
    value: fit.ms / 1000,
    unit: 's',
    note: cpuNote(fit) + (sf ? `; Surprise ${sf.fit} s → ${(sf.fit / (fit.ms / 1000)).toFixed(1)}× faster (target 3×)` : ''),
  });
  const perSec = nTest / (predict.ms / 1000);
  rows.push({
    name: `${dataset} ${c.label}: predict() over the 20% test set`,
    value: perSec,
    unit: 'pred/s',
    note:
      `${nTest} in ${(predict.ms / 1000).toFixed(3)} s (${cpuNote(predict)}), RMSE ${predict.value.toFixed(4)}` +
      (sf ? `; Surprise ${sf.test} s → ${(sf.test / (predict.ms / 1000)).toFixed(1)}× faster (target 10×)` : ''),
  });
  if (c.topN) {
    const ts = s.train;
    const top = best(1, () => {
      for (let u = 0; u < ts.nUsers; u++) algo.recommend(ts.profileOf(u), 10);
    });
    rows.push({
      name: `${dataset} ${c.label}: top-10 for all ${ts.nUsers} users (recommend)`,
      value: top.ms / 1000,
      unit: 's',
      note: `${(top.ms / ts.nUsers).toFixed(2)} ms per user (${cpuNote(top)}), ${ts.nItems} items scored each`,
    });
  }
  return rows;
}

const ML100K: Case[] = [
  { label: 'NormalPredictor', d: normalDescriptor, params: {}, surprise: { fit: 0.09, test: 0.1 } },
  { label: 'BaselineOnly', d: baselineDescriptor, params: {}, surprise: { fit: 0.4, test: 0.16 }, topN: true },
  { label: 'KNNBasic user-based', d: knnBasicDescriptor, params: {}, surprise: { fit: 0.61, test: 3.23 }, topN: true },
  {
    label: 'KNNBasic item-based',
    d: knnBasicDescriptor,
    params: { user_based: false },
    surprise: { fit: 0.99, test: 4.0 },
    topN: true,
  },
  { label: 'KNNWithMeans', d: knnMeansDescriptor, params: {}, surprise: { fit: 0.79, test: 3.42 } },
  { label: 'KNNWithZScore', d: knnZScoreDescriptor, params: {}, surprise: { fit: 0.97, test: 3.9 } },
  { label: 'KNNBaseline', d: knnBaselineDescriptor, params: {}, surprise: { fit: 1.11, test: 3.86 }, topN: true },
  {
    label: 'KNNBaseline item-based pearson_baseline',
    d: knnBaselineDescriptor,
    params: { user_based: false, name: 'pearson_baseline' },
    topN: true,
  },
  { label: 'SlopeOne', d: slopeOneDescriptor, params: {}, surprise: { fit: 1.58, test: 3.69 }, topN: true },
];

const LATEST_SMALL: Case[] = [
  { label: 'BaselineOnly', d: baselineDescriptor, params: {}, surprise: { fit: 0.27, test: 0.13 } },
  { label: 'KNNBasic user-based', d: knnBasicDescriptor, params: {}, surprise: { fit: 0.14, test: 1.31 }, topN: true },
  {
    label: 'KNNBasic item-based',
    d: knnBasicDescriptor,
    params: { user_based: false },
    surprise: { fit: 5.52, test: 8.33 },
    topN: true,
  },
  { label: 'KNNBaseline', d: knnBaselineDescriptor, params: {}, surprise: { fit: 0.52, test: 1.8 } },
  {
    label: 'KNNBaseline item-based',
    d: knnBaselineDescriptor,
    params: { user_based: false },
    topN: true,
  },
  { label: 'SlopeOne', d: slopeOneDescriptor, params: {}, surprise: { fit: 5.67, test: 7.02 }, topN: true },
];

/** Children: fit once on the full ml-latest-small trainset and report the process's peak RSS. */
const CHILD_CASES: Record<string, Case> = {
  'load-only': { label: 'load + trainset only', d: normalDescriptor, params: {} },
  'knn-baseline-item': { label: 'KNNBaseline item-based (msd)', d: knnBaselineDescriptor, params: { user_based: false } },
  'knn-baseline-item-pb': {
    label: 'KNNBaseline item-based (pearson_baseline)',
    d: knnBaselineDescriptor,
    params: { user_based: false, name: 'pearson_baseline' },
  },
  'slope-one': { label: 'SlopeOne', d: slopeOneDescriptor, params: {} },
};

async function child(caseId: string, dir: string): Promise<void> {
  const c = CHILD_CASES[caseId];
  const cols = await loadRatingsFile(join(dir, 'ratings.csv'), { scale: [0.5, 5] });
  const ts = Trainset.fromColumns(cols, [0.5, 5]);
  const t0 = performance.now();
  if (caseId !== 'load-only') c.d.create(c.params).fit(ts);
  const fitS = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ maxRssKb: process.resourceUsage().maxRSS, fitS }) + '\n');
}

function peakRss(caseId: string, dir: string): { maxRssKb: number; fitS: number } {
  const self = fileURLToPath(import.meta.url);
  const out = execFileSync(process.execPath, ['--import', 'tsx', self, '--child', caseId, dir], {
    cwd: join(dirname(self), '..'), // where `--import tsx` resolves from
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as { maxRssKb: number; fitS: number };
}

export async function benchKnn(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const d100k = await benchRatings('ml-100k');
  if (d100k) {
    const s = holdOut(d100k);
    for (const c of ML100K) rows.push(...measure('ml-100k', s, c, 3));
  }
  const small = await benchRatings('ml-latest-small');
  const dSmall = sharedDataset('ml-latest-small');
  if (small && dSmall) {
    const s = holdOut(small);
    for (const c of LATEST_SMALL) rows.push(...measure('ml-latest-small', s, c, 2));
    for (const id of Object.keys(CHILD_CASES)) {
      const r = peakRss(id, dSmall);
      rows.push({
        name: `ml-latest-small full trainset, ${CHILD_CASES[id].label}: peak RSS`,
        value: r.maxRssKb / 1024,
        unit: 'MB',
        note:
          (id === 'load-only' ? 'node + tsx + data' : `fit ${r.fitS.toFixed(2)} s, limit 500 MB`) +
          (id.startsWith('knn-baseline-item') ? '; Surprise item-based kNN: 2,146 MB' : ''),
      });
    }
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const k = process.argv.indexOf('--child');
  if (k >= 0) {
    await child(process.argv[k + 1], process.argv[k + 2]);
  } else {
    const rows = await benchKnn();
    for (const r of rows) {
      console.log(`${r.name.padEnd(76)} ${r.value.toPrecision(4).padStart(10)} ${r.unit.padEnd(7)} ${r.note ?? ''}`);
    }
  }
}
