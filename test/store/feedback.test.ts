import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { StoreError, type Member, type Store } from '../../src/store/api.ts';
import { openStore } from '../../src/store/store.ts';
import { tinyDataset } from './fixtures.ts';

let store: Store;
let clock: number;
let alice: Member;
let bob: Member;
beforeEach(() => {
  clock = 1_000_000;
  store = openStore(':memory:', { now: () => clock });
  store.importDataset(tinyDataset());
  alice = store.member('discord', 'a', 'alice');
  bob = store.member('discord', 'b', 'bob');
  return () => store.close();
});

function showAlice(listId = 'L1', experimentId?: number): void {
  store.feedback.recordImpression({
    listId,
    memberId: alice.id,
    surface: 'recommend',
    algo: experimentId === undefined ? 'ease' : `experiment:${experimentId}`,
    experimentId,
    items: [
      { movieId: '1', algo: 'ease', team: experimentId === undefined ? undefined : 'a' },
      { movieId: '2', algo: 'popular', team: experimentId === undefined ? undefined : 'b' },
      { movieId: '3', algo: 'ease', team: experimentId === undefined ? undefined : 'a' },
    ],
  });
}

describe('impressions: every list shown can be scored later', () => {
  it('keeps who saw which movies, in which order, by which algorithm and when', () => {
    showAlice();
    expect(store.feedback.impression('L1')).toEqual({
      listId: 'L1',
      memberId: alice.id,
      surface: 'recommend',
      algo: 'ease',
      shownAt: 1_000_000,
      items: [
        { movieId: '1', algo: 'ease' },
        { movieId: '2', algo: 'popular' },
        { movieId: '3', algo: 'ease' },
      ],
    });
  });

  it('refuses a list id twice, an empty list and an unknown surface, writing nothing', () => {
    showAlice();
    expect(() => showAlice()).toThrow(/already recorded/);
    expect(() => store.feedback.recordImpression({ listId: 'L2', memberId: alice.id, surface: 'recommend', algo: 'x', items: [] })).toThrow(/empty list/);
    expect(() =>
      store.feedback.recordImpression({ listId: 'L3', memberId: alice.id, surface: 'tv' as 'recommend', algo: 'x', items: [{ movieId: '1', algo: 'x' }] }),
    ).toThrow(/unknown list surface/);
    expect(store.feedback.impression('L2')).toBeUndefined();
    expect(store.feedback.impression('L3')).toBeUndefined();
  });
});

describe('reactions', () => {
  it('a second click changes the reaction and never counts twice', () => {
    showAlice();
    expect(store.feedback.react({ listId: 'L1', memberId: alice.id, movieId: '1', kind: 'want' }).previous).toBeNull();
    clock += 10;
    const second = store.feedback.react({ listId: 'L1', memberId: alice.id, movieId: '1', kind: 'not-for-me' });
    expect(second.previous?.kind).toBe('want');
    expect(store.feedback.reaction('L1', '1')).toMatchObject({ kind: 'not-for-me', reactedAt: 1_000_010 });
    expect(store.feedback.memberFeedback(alice.id).reactions).toHaveLength(1);
    expect(store.feedback.clearReaction('L1', alice.id, '1')).toBe(true);
    expect(store.feedback.clearReaction('L1', alice.id, '1')).toBe(false);
  });

  it('only the member the list was made for can react, and only to a movie it showed', () => {
    showAlice();
    expect(() => store.feedback.react({ listId: 'L1', memberId: bob.id, movieId: '1', kind: 'want' })).toThrow(StoreError);
    expect(() => store.feedback.react({ listId: 'L1', memberId: bob.id, movieId: '1', kind: 'want' })).toThrow(/only the member/);
    expect(() => store.feedback.react({ listId: 'L1', memberId: alice.id, movieId: '4', kind: 'want' })).toThrow(/was not in list/);
    expect(() => store.feedback.react({ listId: 'nope', memberId: alice.id, movieId: '1', kind: 'want' })).toThrow(/no list/);
    expect(() => store.feedback.react({ listId: 'L1', memberId: alice.id, movieId: '1', kind: 'seen' })).toThrow(/needs the rating/);
    expect(store.feedback.reaction('L1', '1')).toBeUndefined();
  });

  it('hides and unhides movies per member', () => {
    store.feedback.hide(alice.id, '2');
    clock += 1;
    store.feedback.hide(alice.id, '3');
    expect(store.feedback.hidden(alice.id)).toEqual(['3', '2']);
    expect(store.feedback.hidden(bob.id)).toEqual([]);
    expect(store.feedback.unhide(alice.id, '2')).toBe(true);
    expect(store.feedback.unhide(alice.id, '2')).toBe(false);
    expect(store.feedback.hidden(alice.id)).toEqual(['3']);
  });
});

describe('experiments', () => {
  it('runs one at a time, credits likes to teams, and keeps its report when stopped', () => {
    const e = store.feedback.startExperiment({ a: 'ease', b: 'popular', listSize: 10, startedBy: 'admin' });
    expect(() => store.feedback.startExperiment({ a: 'ease', b: 'knn', listSize: 10, startedBy: 'x' })).toThrow(/still running/);
    showAlice('L1', e.id);
    store.feedback.react({ listId: 'L1', memberId: alice.id, movieId: '1', kind: 'want' });
    // a rating ≥ 4 of a shown movie inside the window counts; outside it does not
    clock += 1000;
    store.rate(alice.id, '2', 4.5);
    expect(store.feedback.experimentCredits(e.id, 5000)).toEqual([{ listId: 'L1', memberId: alice.id, shownAt: 1_000_000, a: 1, b: 1 }]);
    expect(store.feedback.experimentCredits(e.id, 500)).toEqual([{ listId: 'L1', memberId: alice.id, shownAt: 1_000_000, a: 1, b: 0 }]);
    // a 👎 is not a like
    store.feedback.react({ listId: 'L1', memberId: alice.id, movieId: '3', kind: 'not-for-me' });
    expect(store.feedback.experimentCredits(e.id, 500)[0].a).toBe(1);

    expect(store.feedback.likeRates(5000)).toEqual([
      { algo: 'ease', shown: 2, liked: 1, lists: 1 },
      { algo: 'popular', shown: 1, liked: 1, lists: 1 },
    ]);

    const stopped = store.feedback.stopExperiment(e.id, { winsA: 1 });
    expect(stopped).toMatchObject({ id: e.id, stoppedAt: 1_001_000, report: { winsA: 1 } });
    expect(store.feedback.runningExperiment()).toBeUndefined();
    expect(() => store.feedback.stopExperiment(e.id, {})).toThrow(/already stopped/);
    expect(store.feedback.experiments().map((x) => x.id)).toEqual([e.id]);
  });

  it('survives a restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-fb-'));
    try {
      const path = join(dir, 'm.db');
      const s1 = openStore(path);
      s1.importDataset(tinyDataset());
      const e = s1.feedback.startExperiment({ a: 'ease', b: 'popular', listSize: 10, startedBy: 'admin' });
      s1.close();
      const s2 = openStore(path);
      expect(s2.feedback.runningExperiment()).toMatchObject({ id: e.id, a: 'ease', b: 'popular', stoppedAt: null });
      s2.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('privacy: /forget takes the reactions with the member; /export gets only their own', () => {
  it('deletes impressions, reactions and hidden movies of the forgotten member only', () => {
    showAlice();
    store.feedback.recordImpression({ listId: 'B1', memberId: bob.id, surface: 'because', algo: 'content', items: [{ movieId: '1', algo: 'content' }] });
    store.feedback.react({ listId: 'L1', memberId: alice.id, movieId: '1', kind: 'want' });
    store.feedback.react({ listId: 'B1', memberId: bob.id, movieId: '1', kind: 'want' });
    store.feedback.hide(alice.id, '2');
    const mine = store.feedback.memberFeedback(alice.id);
    expect(mine.impressions.map((i) => i.listId)).toEqual(['L1']);
    expect(mine.reactions.map((r) => r.memberId)).toEqual([alice.id]);
    expect(mine.hidden.map((h) => h.movieId)).toEqual(['2']);

    store.forget(alice.id);
    expect(store.feedback.impression('L1')).toBeUndefined();
    expect(store.feedback.reaction('L1', '1')).toBeUndefined();
    expect(store.feedback.hidden(alice.id)).toEqual([]);
    expect(store.feedback.impression('B1')).toBeDefined();
    expect(store.feedback.reaction('B1', '1')?.memberId).toBe(bob.id);
  });
});
