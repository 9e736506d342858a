/**
 * /compare on the live service: a science-fiction fan's lists from several algorithms are exactly
 * what /recommend serves for each, the shared movies are found, HR@10 is quoted only from a saved
 * top-N evaluation, and only an admin may look at a dataset user's lists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserFacingError } from '../../../src/bot/errors.ts';
import type { LiveService } from '../../../src/bot/service.ts';
import type { Member, Store } from '../../../src/store/api.ts';
import { memberRawId } from '../../../src/store/training-data.ts';
import { freshStore, scifiIds, start, tasteDataset, until } from './fixture.ts';

const ALGOS = ['svd', 'knn-item', 'content'];

describe('/compare on the service', () => {
  let store: Store;
  let svc: LiveService;
  let fan: Member;
  let stranger: Member;
  let boss: Member;

  beforeAll(async () => {
    store = freshStore('compare');
    svc = await start(store, { adminIds: [{ platform: 'discord', userId: 'boss' }] });
    await svc.ready;
    fan = svc.member('discord', 'fan');
    stranger = svc.member('discord', 'stranger');
    boss = svc.member('discord', 'boss');
    for (const id of ['100', '101', '102', '103']) svc.rate(fan, id, 5);
    svc.rate(fan, '200', 1);
    await until(() => ['svd', 'knn-item'].every((a) => svc.stats().loaded.includes(a)), 'models to load');
  }, 120_000);

  afterAll(async () => {
    await svc.close();
    store.close();
  });

  it('shows each algorithm’s top-5 as /recommend serves it, and the movies the lists share', () => {
    const res = svc.compare(fan, { algos: ALGOS });
    expect(res.subject).toEqual({ kind: 'member', ratings: 5 });
    expect(res.lists.map((l) => l.algo)).toEqual(ALGOS);
    for (const l of res.lists) {
      const served = svc.recommend(fan, { algo: l.algo, n: 5 });
      expect(l.result.items.map((i) => i.movie.movieId), l.algo).toEqual(served.items.map((i) => i.movie.movieId));
      expect(l.result.items).toHaveLength(5);
    }
    // a science-fiction fan: every algorithm agrees on science fiction, so some film is shared
    expect(res.agreed.length).toBeGreaterThan(0);
    for (const a of res.agreed) {
      expect(a.algos.length).toBeGreaterThanOrEqual(2);
      for (const algo of a.algos) expect(res.lists.find((l) => l.algo === algo)!.result.items.some((i) => i.movie.movieId === a.movie.movieId)).toBe(true);
    }
    expect(res.lists[0].result.items.filter((i) => scifiIds.has(i.movie.movieId)).length).toBeGreaterThan(2);
  });

  it('quotes no HR@10 before a top-N evaluation, and the saved report’s after one', () => {
    const before = svc.compare(fan, { algos: ALGOS });
    expect(before.evaluated).toBe(false);
    for (const l of before.lists) expect(l.hitRate).toBeUndefined();
    store.saveEvaluation({
      topN: { data: 'taste-camps', results: [{ algorithm: 'svd', hitRate: { mean: 0.31, lo: 0.25, hi: 0.37, users: 60 } }] },
    });
    const after = svc.compare(fan, { algos: ALGOS });
    expect(after.evaluated).toBe(true);
    expect(after.lists.find((l) => l.algo === 'svd')!.hitRate).toEqual({ mean: 0.31, lo: 0.25, hi: 0.37, dataset: 'taste-camps' });
    // an algorithm the report did not measure gets no invented number
    expect(after.lists.find((l) => l.algo === 'content')!.hitRate).toBeUndefined();
  });

  it('lets an admin see a dataset user’s lists from their public ratings', () => {
    const res = svc.compare(boss, { algos: ['svd', 'content'], datasetUser: '2' });
    expect(res.subject).toMatchObject({ kind: 'dataset-user', userId: '2' });
    expect(res.subject.ratings).toBeGreaterThan(5);
    // user 2 is a science-fiction fan (even ids): their svd list leans that way, without their rated films
    const data = tasteDataset().ratings;
    const rated = new Set(data.items.filter((_, k) => data.users[k] === '2'));
    const svd = res.lists[0].result;
    expect(svd.algo).toBe('svd');
    expect(svd.items.filter((i) => scifiIds.has(i.movie.movieId)).length).toBeGreaterThan(0);
    for (const i of svd.items) expect(rated.has(i.movie.movieId)).toBe(false);
  });

  it('refuses a dataset user to a member who is not an admin, and an unknown or member id to anyone', () => {
    expect(() => svc.compare(stranger, { datasetUser: '2' })).toThrow(UserFacingError);
    expect(() => svc.compare(stranger, { datasetUser: '2' })).toThrow(/Only admins can compare a dataset user/);
    expect(() => svc.compare(boss, { datasetUser: '999' })).toThrow(/no dataset user "999"/);
    // members' ratings are private, even to admins
    expect(() => svc.compare(boss, { datasetUser: memberRawId(fan.id) })).toThrow(/no dataset user/);
  });

  it('refuses an unknown algorithm and too many at once', () => {
    expect(() => svc.compare(fan, { algos: ['svd', 'nope'] })).toThrow(/unknown algorithm "nope"/);
    expect(() => svc.compare(fan, { algos: ['svd', 'knn-item', 'knn-user', 'baseline', 'content', 'hybrid', 'ease'] })).toThrow(/at most 6 algorithms/);
  });
});
