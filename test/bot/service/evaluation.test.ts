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
import { openStore } from '../../../src/store/store.ts';
import { evaluationRunner } from '../../../src/cli/start.ts';
import { freshStore, scriptedRunner, start, tasteDataset } from './fixture.ts';

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

describe('an admin picks how ratings are held out', () => {
  /** the taste camps with times: each dataset user rated in file order, a day apart */
  function timedStore(): Store {
    const timed = openStore(':memory:');
    const ds = tasteDataset();
    ds.ratings.timestamps = Float64Array.from(ds.ratings.ratings, (_, k) => 1_500_000_000 + k * 86_400);
    timed.importDataset(ds);
    return timed;
  }

  it("temporal hands the runner every rating's time; a member's latest rating is their newest one", async () => {
    const store = timedStore();
    const runner = scriptedRunner([['svd', 0.2], ['popular', 0.1]]);
    const svc = await start(store, { algorithms: ['svd'], evaluationRunner: runner });
    const fan = svc.member('console', 'fan');
    svc.rate(fan, '100', 5);
    const outcome = await svc.evaluate({ algos: ['svd'], protocol: 'temporal' }, () => undefined);
    const req = runner.requests[0];
    expect(req.protocol).toBe('temporal');
    expect(req.timestamps!.length).toBe(req.columns.ratings.length);
    expect(req.timestamps![0]).toBe(1_500_000_000);
    // the member's rating, stamped now, is the newest of all
    const last = req.timestamps![req.timestamps!.length - 1];
    expect(Math.abs(last - Date.now() / 1000)).toBeLessThan(600);
    expect(req.catalogue).toBeUndefined();
    expect(outcome.protocol).toBe("each member's latest rating held out");
    await svc.close();
    store.close();
  });

  it('cutoff also hands over the whole catalogue, so a movie nobody rated before the cut-off is still a candidate', async () => {
    const store = timedStore();
    const runner = scriptedRunner([['svd', 0.2], ['popular', 0.1]]);
    const svc = await start(store, { algorithms: ['svd'], evaluationRunner: runner });
    const outcome = await svc.evaluate({ algos: ['svd'], protocol: 'cutoff' }, () => undefined);
    const req = runner.requests[0];
    expect(req.catalogue).toEqual(store.movies().map((m) => m.movieId));
    expect(req.timestamps).toBeDefined();
    expect(outcome.protocol).toMatch(/after a time cut-off/);
    // svd beat the chart here, yet a cut-off run (few members tested) never moves everyone's default
    expect(outcome).toMatchObject({ defaultBefore: 'ease', defaultAfter: 'ease' });
    expect(outcome.why).toMatch(/^the cut-off protocol tests only the members who rated after the cut-off.*; no \/evaluate has been run yet/);
    expect(store.lastEvaluation()).toBeUndefined();
    expect(svc.defaultAlgorithm().algo).toBe('ease');
    await svc.close();
    store.close();
  });

  it('folds with another protocol, or a timed protocol over ratings without times, are refused before anything runs', async () => {
    const store = freshStore('evaluate-protocol-refused'); // the taste camps carry no times
    const runner = scriptedRunner([['svd', 0.2]]);
    const svc = await start(store, { algorithms: ['svd'], evaluationRunner: runner });
    await expect(svc.evaluate({ algos: ['svd'], protocol: 'temporal', folds: 3 }, () => undefined)).rejects.toThrow(
      /^folds belong to the kfold protocol, not to temporal/,
    );
    const noTimes = svc.evaluate({ algos: ['svd'], protocol: 'temporal' }, () => undefined);
    await expect(noTimes).rejects.toBeInstanceOf(UserFacingError);
    await expect(noTimes).rejects.toThrow(/the temporal protocol splits ratings by time, and \d+ of \d+ ratings have none .*use loo or kfold$/);
    expect(runner.requests).toEqual([]);
    expect(store.lastEvaluation()).toBeUndefined();
    // and nothing is left claimed: the next request runs
    const outcome = await svc.evaluate({ algos: ['svd'], folds: 2 }, () => undefined);
    expect(outcome.protocol).toBe('2-fold cross-validation');
    await svc.close();
    store.close();
  });

  it('the real yardstick holds out each member\'s latest rating and reports it, the chart as the floor', async () => {
    const store = timedStore();
    const svc = await start(store, { algorithms: ['ease'], evaluationRunner: evaluationRunner() });
    await svc.ready;
    const outcome = await svc.evaluate({ algos: ['ease'], protocol: 'temporal' }, () => undefined);
    expect(outcome.rows.map((r) => r.algo).sort()).toEqual(['ease', 'popular']);
    expect(store.lastEvaluation()).toMatchObject({ report: { protocol: 'temporal' } });
    for (const r of outcome.rows) expect(r.hitRate).toBeGreaterThanOrEqual(0);
    await svc.close();
    store.close();
  }, 60_000);
});
