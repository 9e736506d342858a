/**
 * Members' reactions through the real service: every list shown is an impression, 👎 keeps a
 * movie out of the next list, "seen it" is a rating, and an interleaved experiment mixes two
 * algorithms' lists, credits each like to the team that picked it and survives a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveService } from '../../../src/bot/service.ts';
import type { Member, Store } from '../../../src/store/api.ts';
import { openStore } from '../../../src/store/store.ts';
import { renderPreferenceChart } from '../../../src/evaluation/preference-chart.ts';
import { freshStore, lcg, start } from './fixture.ts';

describe("a member's reactions", () => {
  let store: Store;
  let svc: LiveService;
  let ada: Member;
  let bob: Member;

  beforeAll(async () => {
    store = freshStore('feedback');
    ada = store.member('discord', 'ada', 'Ada');
    bob = store.member('discord', 'bob', 'Bob');
    for (const [id, r] of [['100', 5], ['101', 4.5], ['200', 1], ['201', 1.5]] as const) store.rate(ada.id, id, r);
    svc = await start(store, { algorithms: ['svd'], experimentRandom: lcg(3), preferenceChart: renderPreferenceChart });
    await svc.ready;
  });
  afterAll(async () => {
    await svc.close();
    store.close();
  });

  it('records every list shown, with its algorithm and positions', () => {
    const res = svc.recommend(ada, { algo: 'svd', n: 5 });
    expect(res.listId).toBeDefined();
    const shown = store.feedback.impression(res.listId!)!;
    expect(shown).toMatchObject({ memberId: ada.id, surface: 'recommend', algo: 'svd' });
    expect(shown.items.map((i) => i.movieId)).toEqual(res.items.map((r) => r.movie.movieId));
  });

  it('a reader the bot never met gets the chart, and nothing is recorded for them', () => {
    const stranger = { id: 0, platform: 'discord' as const, platformUserId: 'x', displayName: null, createdAt: 0 };
    const res = svc.recommend(stranger, { n: 3 });
    expect(res.coldStart).toBeDefined();
    expect(res.listId).toBeUndefined();
  });

  it('👎 keeps the movie out of her next lists; the same button again brings it back', () => {
    const first = svc.recommend(ada, { algo: 'svd', n: 5 });
    const top = first.items[0].movie.movieId;
    expect(svc.react(ada, first.listId!, top, 'not-for-me')).toMatchObject({ kind: 'not-for-me', hidden: true, previous: null });
    const next = svc.recommend(ada, { algo: 'svd', n: 5 });
    expect(next.items.map((r) => r.movie.movieId)).not.toContain(top);
    expect(next.items).toHaveLength(5);
    expect(svc.hidden(ada).map((m) => m.movieId)).toEqual([top]);
    expect(svc.react(ada, first.listId!, top, 'not-for-me')).toMatchObject({ kind: 'cleared', hidden: false });
    expect(svc.recommend(ada, { algo: 'svd', n: 5 }).items[0].movie.movieId).toBe(top);
  });

  it('/unhide shows a hidden movie again', () => {
    const list = svc.recommend(ada, { algo: 'svd', n: 3 });
    const id = list.items[1].movie.movieId;
    svc.react(ada, list.listId!, id, 'not-for-me');
    expect(svc.unhide(ada, id)).toBe(true);
    expect(svc.unhide(ada, id)).toBe(false);
    expect(svc.hidden(ada)).toEqual([]);
  });

  it('"seen it" with a score is a normal rating; a second click changes the reaction, never adds one', () => {
    const list = svc.recommend(ada, { algo: 'svd', n: 3 });
    const id = list.items[2].movie.movieId;
    svc.react(ada, list.listId!, id, 'want');
    const seen = svc.react(ada, list.listId!, id, 'seen', 4.5);
    expect(seen).toMatchObject({ kind: 'seen', previous: 'want', rated: 4.5 });
    expect(svc.ratings(ada).find((r) => r.movieId === id)?.rating).toBe(4.5);
    expect(store.feedback.memberFeedback(ada.id).reactions.filter((r) => r.listId === list.listId)).toHaveLength(1);
  });

  it('only the member the list was made for can react, and nothing changes when another tries', () => {
    const list = svc.recommend(ada, { algo: 'svd', n: 3 });
    const id = list.items[0].movie.movieId;
    expect(() => svc.react(bob, list.listId!, id, 'seen', 5)).toThrow(/Only the member this list was made for/);
    expect(svc.ratings(bob)).toEqual([]);
    expect(store.feedback.reaction(list.listId!, id)).toBeUndefined();
  });

  it('interleaves svd and popular while an experiment runs, crediting likes to the right team', async () => {
    const started = svc.startExperiment({ a: 'svd', b: 'popular', startedBy: 'admin' });
    expect(() => svc.startExperiment({ a: 'svd', b: 'svd', startedBy: 'admin' })).toThrow(/still running/);
    const list = svc.recommend(ada, { n: 6 });
    expect(list.algo).toBe('svd + popular, interleaved');
    const shown = store.feedback.impression(list.listId!)!;
    expect(shown.experimentId).toBe(started.id);
    const teams = shown.items.map((i) => i.team);
    expect(teams.filter((t) => t === 'a').length).toBe(3);
    // she likes the svd team's picks only
    for (const it of shown.items) if (it.team === 'a') svc.react(ada, list.listId!, it.movieId, 'want');
    const status = (await svc.experimentStatus())!;
    expect(status).toMatchObject({ listsShown: 1, listsWithPreference: 1, winsA: 1, winsB: 0, members: 1, winner: null });
    expect(Buffer.from(status.chartPng!.subarray(1, 4)).toString()).toBe('PNG');
    expect(svc.likeRates().find((r) => r.algo === 'svd')!.liked).toBeGreaterThanOrEqual(3);

    // an explicit algorithm is the member's own choice, never part of the experiment
    expect(svc.recommend(ada, { algo: 'svd', n: 3 }).algo).toBe('svd');

    // it survives a restart: a new service on the same file still interleaves
    const again = await start(openStore(store.path), { algorithms: ['svd'] });
    await again.ready;
    expect(again.recommend(ada, { n: 4 }).algo).toBe('svd + popular, interleaved');
    await again.close();

    const stopped = await svc.stopExperiment();
    expect(stopped.stoppedAt).not.toBeNull();
    expect(svc.recommend(ada, { n: 3 }).algo).not.toMatch(/interleaved/);
    const history = svc.experimentHistory();
    expect(history[0]).toMatchObject({ id: started.id, winsA: 1, listsShown: 2 }); // one list more, from the restarted service
    // the report holds aggregates only: no member ids, no movie ids
    expect(JSON.stringify(store.feedback.experiments()[0].report)).not.toMatch(/memberId|movieId/);
  });

  it('/forget takes her lists and reactions with her; /export gives her own', () => {
    const json = JSON.parse(svc.exportFeedback(ada)) as { impressions: unknown[]; reactions: unknown[] };
    expect(json.impressions.length).toBeGreaterThan(3);
    expect(json.reactions.length).toBeGreaterThan(0);
    svc.forget(ada);
    expect(store.feedback.memberFeedback(ada.id)).toEqual({ impressions: [], reactions: [], hidden: [] });
  });
});

describe('the running preference the status chart draws', () => {
  it('follows members, not lists: a member who changes sides moves one count', async () => {
    const { runningPreference } = await import('../../../src/bot/service/experiments.ts');
    const points = runningPreference([
      { member: 1, a: 1, b: 0 }, // 1 prefers A: +½
      { member: 2, a: 0, b: 1 }, // 1:1 → 0
      { member: 1, a: 0, b: 2 }, // member 1 now net −1: 0:2 → −½
      { member: 3, a: 0, b: 0 }, // a list without a preference changes nothing
    ]);
    expect(points).toEqual([
      { lists: 1, preference: 0.5 },
      { lists: 2, preference: 0 },
      { lists: 3, preference: -0.5 },
      { lists: 4, preference: -0.5 },
    ]);
  });
});
