/**
 * The story of one rating, from `rate()` to the member's next `recommend()`: the rating is
 * committed, the member's profile changes (it no longer names their trained user), every model
 * folds them in from their current ratings, and the scores of movies they have NOT rated move,
 * all without a retrain.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveService } from '../../../src/bot/service.ts';
import type { Member, Store } from '../../../src/store/api.ts';
import { freshStore, start } from './fixture.ts';

describe('a rating, from rate() to the next recommendation', () => {
  let store: Store;
  let svc: LiveService;
  let ada: Member;

  beforeAll(async () => {
    store = freshStore('rating-story');
    // Ada's first ratings are trained into the generation, so she starts as a trained user
    ada = store.member('discord', 'ada', 'Ada');
    for (const [id, r] of [['100', 5], ['101', 4.5], ['200', 1]] as const) store.rate(ada.id, id, r);
    svc = await start(store, { algorithms: ['svd'] });
    await svc.ready;
  });
  afterAll(async () => {
    await svc.close();
    store.close();
  });

  const scores = (): Map<string, number> =>
    new Map(svc.recommend(ada, { algo: 'svd', n: 100 }).items.map((i) => [i.movie.movieId, i.score]));

  it('moves the predicted score of a movie she has not rated, without a retrain', () => {
    const before = scores();
    const generation = svc.stats().generation;
    // she now tells the bot she disliked a science-fiction film her camp loves
    const ack = svc.rate(ada, '102', 0.5);
    expect(ack).toEqual({ previous: null, count: 4 });
    expect(store.memberRatings(ada.id).find((r) => r.movieId === '102')?.rating).toBe(0.5); // committed
    const after = scores();
    expect(svc.stats().generation).toEqual(generation); // the same trained models answered
    expect(after.has('102')).toBe(false); // what she rated is never recommended
    // a movie she has not rated, in both lists: its prediction changed with her profile
    const unrated = [...before.keys()].filter((id) => after.has(id) && !['100', '101', '102', '200'].includes(id));
    expect(unrated.length).toBeGreaterThan(5);
    const moved = unrated.filter((id) => Math.abs(after.get(id)! - before.get(id)!) > 1e-6);
    expect(moved.length, 'unrated movies whose score changed').toBeGreaterThan(0);
    // and the sibling sci-fi titles she has not rated are predicted lower than before
    const sibling = unrated.find((id) => id.startsWith('1') && moved.includes(id));
    expect(sibling, 'an unrated sci-fi movie whose score moved').toBeDefined();
    expect(after.get(sibling!)!).toBeLessThan(before.get(sibling!)!);
  });

  it('the same score again changes nothing: same profile, same scores', () => {
    const before = scores();
    const version = store.ratingsVersion();
    expect(svc.rate(ada, '102', 0.5)).toEqual({ previous: 0.5, count: 4 });
    expect(store.ratingsVersion()).toBe(version);
    expect(scores()).toEqual(before);
  });
});
