/**
 * /recommend keeps its ranking arrays from one list to the next: the next member's list must be
 * exactly what fresh arrays would give, whatever the list before it left behind.
 */
import { describe, expect, it } from 'vitest';
import { RankScratch } from '../../../src/bot/service/rank-scratch.ts';
import { createAlgorithm } from '../../../src/core/registry.ts';
import { rankItems, servingOptions } from '../../../src/core/rank.ts';
import { Trainset } from '../../../src/core/trainset.ts';
import { tasteDataset } from './fixture.ts';

describe('the ranking arrays kept between lists', () => {
  const ds = tasteDataset();
  const ts = Trainset.fromColumns(ds.ratings, [0.5, 5]);

  it.each(['knn-item', 'knn-user', 'slope-one', 'svd', 'ease'])('give %s the same lists, support included, as fresh arrays, member after member', (spec) => {
    const model = createAlgorithm(spec);
    model.fit(ts);
    const scratch = new RankScratch();
    for (const raw of ['2', '3', '8', '11', '2']) {
      const profile = ts.profileOf(ts.innerUser(raw)!);
      const opts = { ...servingOptions(model, 2), n: 10 };
      const fresh = rankItems(model, profile, opts);
      const kept = rankItems(model, profile, { ...opts, ...scratch.for(ts.nItems) });
      expect(kept).toEqual(fresh);
    }
  });

  it('are made again when the catalogue changes size, and zero their support each time', () => {
    const scratch = new RankScratch();
    const a = scratch.for(30);
    a.supportScratch.fill(7);
    expect(scratch.for(30)).toBe(a);
    expect(Array.from(a.supportScratch).every((v) => v === 0)).toBe(true);
    expect(scratch.for(31).scratch.length).toBe(31);
  });
});
