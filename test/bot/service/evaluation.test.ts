/**
 * An admin runs /evaluate. The default /recommend algorithm follows one rule (defaultAlgorithm()),
 * and the evaluation's outcome says what the default was, what it is now, and why, so nobody's
 * /recommend changes silently. A request the service cannot run (an unknown name, a name twice)
 * is refused with a message for the admin, before anything runs and without touching the store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveService } from '../../../src/bot/service.ts';
import { UserFacingError } from '../../../src/bot/errors.ts';
import type { Store } from '../../../src/store/api.ts';
import { freshStore, scriptedRunner, start } from './fixture.ts';

describe('the default /recommend algorithm, before and after /evaluate', () => {
  it('says svd before any evaluation, and why', async () => {
    const store = freshStore('default-none');
    const svc = await start(store, { algorithms: ['baseline'] });
    expect(svc.defaultAlgorithm()).toEqual({ algo: 'svd', why: 'no /evaluate has been run yet, so svd' });
    await svc.close();
    store.close();
  });

  it('when baseline wins on RMSE the default stays svd, and the outcome says so and why', async () => {
    const store = freshStore('default-baseline-wins');
    const runner = scriptedRunner([['baseline', 0.8722], ['svd', 0.8736]]);
    const svc = await start(store, { algorithms: ['svd', 'baseline'], evaluationRunner: runner });
    const outcome = await svc.evaluate({ algos: ['svd', 'baseline'], folds: 2 }, () => undefined);
    expect(outcome.defaultBefore).toBe('svd');
    expect(outcome.defaultAfter).toBe('svd');
    expect(outcome.why).toMatch(/^svd had the lowest RMSE of the personal algorithms .*; baseline scored lower \(0\.8722\) but ranks every movie alike for everyone$/);
    expect(svc.defaultAlgorithm()).toEqual({ algo: outcome.defaultAfter, why: outcome.why });
    await svc.close();
    store.close();
  });

  it('when a personal algorithm wins, the change of default is in the outcome and /recommend follows it', async () => {
    const store = freshStore('default-knn-wins');
    const runner = scriptedRunner([['knn-item', 0.85], ['svd', 0.87]]);
    const svc = await start(store, { algorithms: ['svd', 'knn-item'], evaluationRunner: runner });
    await svc.ready;
    const outcome = await svc.evaluate({ algos: ['svd', 'knn-item'], folds: 2 }, () => undefined);
    expect(outcome).toMatchObject({ defaultBefore: 'svd', defaultAfter: 'knn-item', why: 'knn-item had the lowest RMSE in the last /evaluate (RMSE 0.8500)' });
    const fan = svc.member('console', 'fan');
    for (const id of ['100', '101', '102']) svc.rate(fan, id, 5);
    expect(svc.recommend(fan, { n: 3 }).algo).toBe('knn-item');
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
    [['content'], /^content cannot be cross-validated/],
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
