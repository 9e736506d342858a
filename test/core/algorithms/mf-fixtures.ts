/** Small synthetic rating sets for the factor-model tests (no real data needed). */
import { Rng } from '../../../src/core/rng.ts';
import { Trainset, type RawRating } from '../../../src/core/trainset.ts';

export interface LowRankOptions {
  nUsers: number;
  nItems: number;
  rank: number;
  /** share of the user × item grid that is rated */
  density: number;
  /** standard deviation of the noise added to each rating */
  noise: number;
  seed: number;
}

/**
 * Ratings from a hidden low-rank taste model: r = 3 + b_u + b_i + u·v + noise, rounded to half
 * stars and kept in [1, 5], in a shuffled order (as a real file would be).
 */
export function lowRankRatings(o: LowRankOptions): RawRating[] {
  const rng = new Rng(o.seed);
  const u = new Float64Array(o.nUsers * o.rank);
  const v = new Float64Array(o.nItems * o.rank);
  rng.fillNormal(u, 0, 0.7);
  rng.fillNormal(v, 0, 0.7);
  const bu = new Float64Array(o.nUsers);
  const bi = new Float64Array(o.nItems);
  rng.fillNormal(bu, 0, 0.4);
  rng.fillNormal(bi, 0, 0.5);
  const out: RawRating[] = [];
  for (let a = 0; a < o.nUsers; a++) {
    for (let b = 0; b < o.nItems; b++) {
      if (rng.random() >= o.density) continue;
      let r = 3 + bu[a] + bi[b] + rng.normal(0, o.noise);
      for (let k = 0; k < o.rank; k++) r += u[a * o.rank + k] * v[b * o.rank + k];
      r = Math.min(5, Math.max(1, Math.round(r * 2) / 2));
      out.push({ user: `u${a}`, item: `i${b}`, rating: r });
    }
  }
  return rng.shuffle(out);
}

export function lowRankTrainset(o: LowRankOptions): Trainset {
  return Trainset.fromRatings(lowRankRatings(o));
}

/** Every (user, item) pair of a small trainset, as raw ids, plus a few unknown ones. */
export function allPairs(ts: Trainset): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  const users = [...ts.rawUserIds(), 'nobody'];
  const items = [...ts.rawItemIds(), 'nothing'];
  for (const u of users) for (const i of items) pairs.push([u, i]);
  return pairs;
}
