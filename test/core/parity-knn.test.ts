/**
 * Accuracy parity with Surprise 1.1.4 on ml-100k: 5-fold cross-validation with default parameters,
 * mean RMSE within 0.01 of the figures measured with Surprise (Surprise 1.1.4, 5-fold CV,
 * shuffled, measured on ml-100k).
 *
 * The folds are built like Surprise's KFold(shuffle=True): the rating indices are shuffled (here
 * with our Rng, seed 0, so the folds are not numpy's), fold k is a contiguous slice, and each
 * trainset is built from the remaining ratings in shuffled order. A tiny local splitter on purpose:
 * this test checks the algorithms, not the evaluation module.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Trainset } from '../../src/core/trainset.ts';
import { Rng } from '../../src/core/rng.ts';
import type { AlgorithmDescriptor } from '../../src/core/algorithm.ts';
import { normalDescriptor } from '../../src/core/algorithms/normal.ts';
import { baselineDescriptor } from '../../src/core/algorithms/baseline-only.ts';
import {
  knnBaselineDescriptor,
  knnBasicDescriptor,
  knnMeansDescriptor,
  knnZScoreDescriptor,
} from '../../src/core/algorithms/knn.ts';
import { slopeOneDescriptor } from '../../src/core/algorithms/slope-one.ts';
import { sharedDataset } from '../helpers/shared-data.ts';

interface Fold {
  train: Trainset;
  users: string[];
  items: string[];
  ratings: number[];
}

function loadFolds(dir: string, nFolds: number): Fold[] {
  const users: string[] = [];
  const items: string[] = [];
  const ratings: number[] = [];
  for (const line of readFileSync(join(dir, 'u.data'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const [u, i, r] = line.split('\t');
    users.push(u);
    items.push(i);
    ratings.push(Number(r));
  }
  const n = ratings.length;
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[k] = k;
  new Rng(0).shuffle(order);
  const folds: Fold[] = [];
  let start = 0;
  for (let f = 0; f < nFolds; f++) {
    const size = Math.floor(n / nFolds) + (f < n % nFolds ? 1 : 0);
    const end = start + size;
    const tr = { users: [] as string[], items: [] as string[], ratings: [] as number[] };
    const te: Fold = { train: undefined as unknown as Trainset, users: [], items: [], ratings: [] };
    for (let k = 0; k < n; k++) {
      const j = order[k];
      const into = k >= start && k < end ? te : tr;
      into.users.push(users[j]);
      into.items.push(items[j]);
      into.ratings.push(ratings[j]);
    }
    te.train = Trainset.fromColumns(tr, [1, 5]);
    folds.push(te);
    start = end;
  }
  return folds;
}

function rmse(d: AlgorithmDescriptor, params: Record<string, unknown>, fold: Fold): number {
  const algo = d.create(params).fit(fold.train);
  let se = 0;
  for (let k = 0; k < fold.ratings.length; k++) {
    const p = algo.predict(fold.users[k], fold.items[k], fold.ratings[k]);
    se += (p.est - fold.ratings[k]) ** 2;
  }
  return Math.sqrt(se / fold.ratings.length);
}

const dir = sharedDataset('ml-100k');

describe.skipIf(!dir)('accuracy parity with Surprise 1.1.4 on ml-100k, 5-fold CV', () => {
  let folds: Fold[] = [];
  beforeAll(() => {
    folds = loadFolds(dir as string, 5);
  });

  const cases: [string, AlgorithmDescriptor, Record<string, unknown>, number][] = [
    ['NormalPredictor', normalDescriptor, {}, 1.5236],
    ['BaselineOnly', baselineDescriptor, {}, 0.944],
    ['KNNBasic (user-based)', knnBasicDescriptor, {}, 0.9797],
    ['KNNBasic (item-based)', knnBasicDescriptor, { user_based: false }, 0.9751],
    ['KNNWithMeans', knnMeansDescriptor, {}, 0.9511],
    ['KNNWithZScore', knnZScoreDescriptor, {}, 0.9509],
    ['KNNBaseline', knnBaselineDescriptor, {}, 0.9307],
    ['SlopeOne', slopeOneDescriptor, {}, 0.9459],
  ];

  for (const [label, d, params, surprise] of cases) {
    it(`${label}: mean RMSE within 0.01 of Surprise's ${surprise}`, () => {
      const scores = folds.map((f) => rmse(d, params, f));
      const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
      const detail = `mean RMSE ${mean.toFixed(4)} (folds ${scores.map((s) => s.toFixed(4)).join(', ')})`;
      expect(Math.abs(mean - surprise), detail).toBeLessThan(0.01);
    });
  }
});
