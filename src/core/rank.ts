/**
 * The one ranking path: what `/recommend` serves and what the top-N yardstick measures are the
 * same function, so an offline score is a score of the lists members see.
 *
 * scoreAll over the profile → candidate filter (movies with too few ratings never picked) →
 * exclusions (what the profile rated, hidden movies) → top-n.
 *
 * Rating predictors rank poorly over a full catalogue because an estimate from one or two
 * co-ratings can be extreme (Cremonesi, Koren, Turrin, RecSys 2010); `shrink` is where a
 * support-aware score belongs (see `RankOptions.shrink`).
 */
import type { Algorithm } from './algorithm.ts';
import type { Profile } from './trainset.ts';
import { topN } from './topn.ts';

export interface RankOptions {
  /** list length */
  n: number;
  /** inner item ids never to return (besides what the profile rated) */
  exclude?: Iterable<number>;
  /** items with fewer training ratings than this are never candidates (0 or undefined: all) */
  minItemRatings?: number;
  /** reuse a scratch buffer of length nItems (hot loops: evaluation over every user) */
  scratch?: Float64Array;
}

export interface RankedPick {
  /** inner item id */
  item: number;
  /** the score the list was ordered by */
  score: number;
}

/** Ranks the whole catalogue for a profile; see the file comment for the order of steps. */
export function rankItems(algo: Algorithm, profile: Profile, opts: RankOptions): RankedPick[] {
  const ts = algo.trainset;
  const scores = opts.scratch && opts.scratch.length === ts.nItems ? opts.scratch : new Float64Array(ts.nItems);
  scores.fill(NaN);
  algo.scoreAll(profile, scores);
  const min = opts.minItemRatings ?? 0;
  if (min > 1) {
    for (let i = 0; i < ts.nItems; i++) if (ts.itemDegree(i) < min) scores[i] = NaN;
  }
  for (let k = 0; k < profile.items.length; k++) scores[profile.items[k]] = NaN;
  if (opts.exclude) for (const i of opts.exclude) if (i >= 0 && i < scores.length) scores[i] = NaN;
  return topN(scores, opts.n);
}
