/**
 * An admin runs /evaluate: the top-N yardstick, the chart as the floor. The default /recommend
 * algorithm follows one rule (defaultAlgorithm(): the best HR@10 above the chart, else ease), and
 * the evaluation's outcome says what the default was, what it is now, and why, with the numbers,
 * so nobody's /recommend changes silently. A request the service cannot run (an unknown name, a name twice)
 * is refused with a message for the admin, before anything runs and without touching the store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveService } from '../../../src/bot/service.ts';
import { UserFacingError } from '../../../src/bot/errors.ts';
import type { Store } from '../../../src/store/api.ts';
import { freshStore, scriptedRunner, start } from './fixture.ts';

describe('the default /recommend algorithm, before and after /evaluate', () => {
  it('says ease before any evaluation, and why, with the numbers it rests on', async () => {
    const store = freshStore('default-none');
    const svc = await start(store, { algorithms: ['baseline'] });
    expect(svc.defaultAlgorithm()).toEqual({
      algo: 'ease',
      why: 'no /evaluate has been run yet; ease is the best on the top-N yardstick measured on ml-latest-small (HR@10 0.257, the popularity chart 0.074)',
    });
    await svc.close();
    store.close();
  });

  it('when only algorithms below the chart were evaluated the default stays ease, and the outcome says why', async () => {
    const store = freshStore('default-below-chart');
    const runner = scriptedRunner([['popular', 0.074], ['svd', 0.067], ['baseline', 0.09]]);
    const svc = await start(store, { algorithms: ['svd', 'baseline'], evaluationRunner: runner });
    const outcome = await svc.evaluate({ algos: ['svd', 'baseline'] }, () => undefined);
    expect(runner.requests[0]).toMatchObject({ protocol: 'loo', minItemRatings: 5 });
    expect(outcome.defaultBefore).toBe('ease');
    expect(outcome.defaultAfter).toBe('ease');
    expect(outcome.why).toMatch(/^no personal algorithm in the last \/evaluate beat the popularity chart on HR@10, the popularity chart 0\.074; ease is the best/);
    expect(svc.defaultAlgorithm()).toEqual({ algo: outcome.defaultAfter, why: outcome.why });
    await svc.close();
    store.close();
  });

  it('when a personal algorithm beats the chart, the change of default is in the outcome and /recommend follows it', async () => {
    const store = freshStore('default-knn-wins');
    const runner = scriptedRunner([['item-knn', 0.167], ['svd', 0.067], ['popular', 0.074]]);
    const svc = await start(store, { algorithms: ['svd', 'item-knn'], evaluationRunner: runner });
    await svc.ready;
    const outcome = await svc.evaluate({ algos: ['svd', 'item-knn'] }, () => undefined);
    expect(outcome).toMatchObject({ defaultBefore: 'ease', defaultAfter: 'item-knn', why: 'item-knn had the best HR@10 in the last /evaluate (0.167, the popularity chart 0.074)' });
    const fan = svc.member('console', 'fan');
    for (const id of ['100', '101', '102']) svc.rate(fan, id, 5);
    expect(svc.recommend(fan, { n: 3 }).algo).toBe('item-knn');
    await svc.close();
    store.close();
  });
});

describe('an /evaluate request the service refuses', () => {
  let store: Store;
  let svc: LiveService;
  const runner = scriptedRunner([['svd', 0.87]]);

  beforeAll(async () => {
    store = freshStore('evaluate-refused');
    svc = await start(store, { algorithms: ['baseline'], evaluationRunner: runner });
  });
  afterAll(async () => {
    await svc.close();
    store.close();
  });

  it.each([
    [['svd', 'svd'], /^svd is named twice \(as svd\); name each algorithm once/],
    [['svd', 'SVD'], /^SVD is named twice \(as svd\)/],
    [['baseline', 'baseline-only'], /^baseline-only is named twice \(as baseline\)/],
    [['svd', 'deep-magic'], /deep-magic/],
    [['content'], /^content cannot be evaluated here/],
    [[' ', ''], /^no algorithm to evaluate/],
  ])('%j is refused with a message for the admin; nothing runs, the store is unchanged', async (algos, message) => {
    const progress: string[] = [];
    const attempt = svc.evaluate({ algos, folds: 2 }, (p) => progress.push(p.message));
    await expect(attempt).rejects.toBeInstanceOf(UserFacingError);
    await expect(attempt).rejects.toThrow(message);
    expect(runner.requests).toEqual([]);
    expect(progress).toEqual([]);
    expect(store.lastEvaluation()).toBeUndefined();
  });

  it('after a refusal the next request runs, with the names canonicalised', async () => {
    const outcome = await svc.evaluate({ algos: ['SVD'], folds: 2 }, () => undefined);
    expect(runner.requests.map((r) => r.algorithms)).toEqual([['svd']]);
    expect(outcome.rows.map((r) => r.algo)).toEqual(['svd']);
    expect(store.lastEvaluation()).toBeDefined();
  });
});
