/**
 * Accuracy parity with Surprise 1.1.4 on ml-100k: 5-fold
 * cross-validation with default parameters, mean RMSE within 0.01 of Surprise's measured means.
 * Our RNG is not numpy's, so the per-fold numbers differ within the seed noise; co-clustering is
 * the noisiest (Surprise's own folds spread ±0.01).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AlgorithmDescriptor } from '../../src/core/algorithm.ts';
import { coClusteringDescriptor } from '../../src/core/algorithms/co-clustering.ts';
import { nmfDescriptor } from '../../src/core/algorithms/nmf.ts';
import { svdDescriptor } from '../../src/core/algorithms/svd.ts';
import { svdppDescriptor } from '../../src/core/algorithms/svdpp.ts';
import { Rng } from '../../src/core/rng.ts';
import { Trainset } from '../../src/core/trainset.ts';
import { sharedDataset } from '../helpers/shared-data.ts';

interface Ratings {
  users: string[];
  items: string[];
  ratings: number[];
}

function readMl100k(dir: string): Ratings {
  const out: Ratings = { users: [], items: [], ratings: [] };
  for (const line of readFileSync(join(dir, 'u.data'), 'utf8').split('\n')) {
    if (line === '') continue;
    const [u, i, r] = line.split('\t');
    out.users.push(u);
    out.items.push(i);
    out.ratings.push(Number(r));
  }
  return out;
}

/**
 * Surprise's KFold(5, shuffle=True) shape: shuffle the indices once (our seeded Rng), fold k is a
 * contiguous slice (the first n mod k folds one longer), its trainset the other ratings in
 * shuffled order.
 */
function* kFold(d: Ratings, k: number, seed: number): Generator<{ ts: Trainset; test: number[] }> {
  const n = d.ratings.length;
  const idx = new Rng(seed).shuffle(Array.from({ length: n }, (_, j) => j));
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(n / k) + (f < n % k ? 1 : 0);
    const train = [...idx.slice(0, start), ...idx.slice(start + size)];
    const test = idx.slice(start, start + size);
    start += size;
    const ts = Trainset.fromColumns({
      users: train.map((j) => d.users[j]),
      items: train.map((j) => d.items[j]),
      ratings: train.map((j) => d.ratings[j]),
    });
    yield { ts, test };
  }
}

const dir = sharedDataset('ml-100k');

describe.skipIf(!dir)('accuracy parity with Surprise on ml-100k (5-fold CV, default parameters)', () => {
  const data = dir ? readMl100k(dir) : { users: [], items: [], ratings: [] };
  const folds = dir ? [...kFold(data, 5, 0)] : [];

  const cases: Array<[string, AlgorithmDescriptor, number]> = [
    ['SVD', svdDescriptor, 0.9355],
    ['SVD++', svdppDescriptor, 0.9202],
    ['NMF', nmfDescriptor, 0.9622],
    ['co-clustering', coClusteringDescriptor, 0.9636],
  ];
  for (const [label, d, surprise] of cases) {
    it(`${label}: mean RMSE within 0.01 of Surprise's ${surprise}`, () => {
      const perFold: number[] = [];
      for (const { ts, test } of folds) {
        const algo = d.create().fit(ts);
        let se = 0;
        for (const j of test) se += (data.ratings[j] - algo.predict(data.users[j], data.items[j]).est) ** 2;
        perFold.push(Math.sqrt(se / test.length));
      }
      const mean = perFold.reduce((a, b) => a + b, 0) / perFold.length;
      console.info(`${label}: mean RMSE ${mean.toFixed(4)} (Surprise ${surprise}); folds ${perFold.map((r) => r.toFixed(4)).join(', ')}`);
      expect(Math.abs(mean - surprise)).toBeLessThan(0.01);
    });
  }
});
