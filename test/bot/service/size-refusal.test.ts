/**
 * An algorithm too big for the machine never becomes a member's failure: configured, the service
 * refuses to start before training anything; asked for by a member, the answer says why and what
 * to use instead, and the algorithms that fit keep working. The budget is set between two
 * algorithms' estimates at this dataset's size, so one fits and the other does not.
 */
import { describe, expect, it } from 'vitest';
import { snapshotName } from '../../../src/bot/service/generation.ts';
import { estimateFit } from '../../../src/core/sizing.ts';
import { ratingCounts } from '../../../src/data/ratings.ts';
import { captureLogger, freshStore, start, tasteDataset } from './fixture.ts';

const counts = ratingCounts(tasteDataset().ratings);
// svd keeps 100 factors per member and movie, baseline one number: the budget lies between them
const budget = Math.round((estimateFit('baseline', counts).bytes + estimateFit('svd', counts).bytes) / 2);

describe('an algorithm too big for this machine', () => {
  it('configured: the service refuses to start, naming it, its need and a better choice, and trains nothing', async () => {
    const store = freshStore('size-configured');
    await expect(start(store, { algorithms: ['baseline', 'svd'], modelMemoryBytes: budget })).rejects.toThrow(
      /^MARQUEE_ALGORITHMS cannot train at this size: svd at 60 members, 30 movies and 1,132 ratings needs ~[\d.]+ [kM]B for 100 factors per member and movie, more than the [\d.]+ [kM]B a model may use here; use svd or ials with fewer factors \(n_factors\)$/,
    );
    expect(store.loadSnapshot(snapshotName('baseline'))).toBeUndefined();
    store.close();
  });

  it("asked for by a member: the answer says why and comes from a model that fits; nothing crashes", async () => {
    const store = freshStore('size-lazy');
    const { logger, lines } = captureLogger();
    const svc = await start(store, { algorithms: ['baseline'], modelMemoryBytes: budget, logger });
    await svc.ready;
    const ada = svc.member('discord', 'ada-size');
    for (const id of ['100', '101', '102', '103', '104']) svc.rate(ada, id, 4);
    const res = svc.recommend(ada, { algo: 'svd', n: 3 });
    expect(res.algo).toBe('baseline');
    expect(res.note).toMatch(/^svd could not be trained \(svd at 60 members, .* use svd or ials with fewer factors \(n_factors\)\)/);
    expect(res.items.length).toBe(3);
    expect(svc.stats().loaded).not.toContain('svd');
    expect(svc.stats().training).not.toContain('svd');
    // asked again: the same answer, refused once (one warning), never queued
    expect(svc.recommend(ada, { algo: 'svd', n: 3 }).note).toBe(res.note);
    expect(lines.filter((l) => l.msg === 'algorithm refused at this size')).toHaveLength(1);
    await svc.close();
    store.close();
  });

  it('counts are read once per member and movie, whatever the order of the lines', () => {
    expect(ratingCounts({ users: ['1', '1', '2', '1'], items: ['a', 'b', 'a', 'c'], ratings: new Float32Array(4), timestamps: new Float64Array(4) })).toEqual({
      users: 2,
      items: 3,
      ratings: 4,
    });
  });
});
