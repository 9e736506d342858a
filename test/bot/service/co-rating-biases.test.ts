/**
 * A restart on unchanged data reuses the co-ratings' item biases the previous start saved, so the
 * baselines' epochs over every rating run once per data version, not once per start. The answers
 * that rest on co-ratings ("because you rated …", "members also liked") do not change, and a
 * forget drops the saved biases with the models (they average the member's ratings in).
 */
import { describe, expect, it } from 'vitest';
import { captureLogger, freshStore, start, until } from './fixture.ts';

const SNAPSHOT = 'co-rating-item-biases';

describe('a restart on the same data', () => {
  it('finds the co-rating biases saved by the start before it, and answers exactly as that start did', async () => {
    const store = freshStore('co-rating-biases');
    const first = await start(store, { algorithms: ['svd'] });
    await first.ready;
    const me = first.member('console', 'me');
    for (const [id, r] of [['100', 5], ['101', 4.5], ['102', 2], ['200', 4]] as const) first.rate(me, id, r);
    await first.retrain();
    await first.close();
    // the retrained generation's co-ratings came from the worker: the next start computes and saves
    const second = await start(store, { algorithms: ['svd'] });
    await second.ready;
    const saved = store.loadSnapshot(SNAPSHOT);
    expect(saved?.key).toMatch(new RegExp(`ratings-v${store.ratingsVersion()}\\|`));
    expect(saved?.blob.byteLength).toBeGreaterThan(0);
    const before = { picks: second.recommend(me, { algo: 'svd', n: 5 }).items, alsoLiked: second.because('100', 5).alsoLiked };
    await second.close();

    const { logger, lines } = captureLogger();
    const third = await start(store, { algorithms: ['svd'], logger });
    await third.ready;
    expect(store.loadSnapshot(SNAPSHOT)?.createdAt).toBe(saved?.createdAt); // read, not computed and saved again
    expect(third.recommend(me, { algo: 'svd', n: 5 }).items).toEqual(before.picks); // reasons included
    expect(third.because('100', 5).alsoLiked).toEqual(before.alsoLiked);
    expect(lines.filter((l) => l.level !== 'info')).toEqual([]);

    third.forget(me);
    await until(() => store.loadSnapshot(SNAPSHOT) === undefined, 'the saved biases to be dropped');
    await third.close();
    store.close();
  });
});
