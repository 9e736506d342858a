/**
 * The benchmark suites' common inputs: a real dataset's ratings read by the product's own loader,
 * and one seeded 80/20 split (Surprise's train_test_split) built with the evaluation splitters.
 */
import { join } from 'node:path';
import type { Trainset } from '../src/core/trainset.ts';
import { subset, trainsetOf, trainTestSplit } from '../src/core/eval/splitters.ts';
import { loadRatingsFile } from '../src/data/load.ts';
import type { RatingTable } from '../src/data/types.ts';
import { sharedDataset } from '../test/helpers/shared-data.ts';

export interface BenchRatings {
  name: string;
  scale: [number, number];
  ratings: RatingTable;
}

const FILES: Record<string, { file: string; scale: [number, number] }> = {
  'ml-100k': { file: 'u.data', scale: [1, 5] },
  'ml-latest-small': { file: 'ratings.csv', scale: [0.5, 5] },
};

/** The dataset's ratings in file order, or undefined (with a message) when the files are absent. */
export async function benchRatings(name: keyof typeof FILES & string): Promise<BenchRatings | undefined> {
  const dir = sharedDataset(name);
  if (!dir) return undefined;
  const { file, scale } = FILES[name];
  return { name, scale, ratings: await loadRatingsFile(join(dir, file), { scale }) };
}

export interface HoldOut {
  train: Trainset;
  test: RatingTable;
}

/** One 80/20 split, shuffled with seed 0. */
export function holdOut(data: BenchRatings): HoldOut {
  const split = trainTestSplit(0.2, { seed: 0 }).split(data.ratings).next().value;
  if (!split) throw new Error(`no split of ${data.name}`);
  return { train: trainsetOf(data.ratings, split.train, data.scale), test: subset(data.ratings, split.test) };
}
