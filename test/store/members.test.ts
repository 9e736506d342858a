import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { StoreError, type Store } from '../../src/store/api.ts';
import { openStore } from '../../src/store/store.ts';
import { tinyDataset } from './fixtures.ts';

let store: Store;
let clock: number;
beforeEach(() => {
  clock = 1_000_000;
  store = openStore(':memory:', { now: () => clock });
  store.importDataset(tinyDataset());
  return () => store.close();
});

describe('members', () => {
  it('a platform user becomes a member once, and keeps the name the platform last reported', () => {
    const alice = store.member('discord', '1001', 'alice');
    expect(alice).toEqual({ id: 1, platform: 'discord', platformUserId: '1001', displayName: 'alice', createdAt: 1_000_000 });
    clock += 5;
    expect(store.member('discord', '1001')).toEqual(alice);
    expect(store.member('discord', '1001', 'Alice W.')).toEqual({ ...alice, displayName: 'Alice W.' });
    expect(store.findMember('discord', '1001')?.displayName).toBe('Alice W.');
    expect(store.memberById(alice.id)?.platformUserId).toBe('1001');

    // the same user id on another platform is another person
    const other = store.member('slack', '1001');
    expect(other.id).not.toBe(alice.id);
    expect(other.displayName).toBeNull();
    expect(store.findMember('console', '1001')).toBeUndefined();
    expect(store.memberById(999)).toBeUndefined();
  });

  it('rejects unknown platforms and empty user ids', () => {
    expect(() => store.member('irc' as 'console', 'x')).toThrow(
      new StoreError('unknown platform "irc" (accepted: console, discord, slack)'),
    );
    expect(() => store.member('slack', '')).toThrow(/non-empty platform user id/);
  });
});

describe('rating', () => {
  it('rating twice updates the rating, returns the previous one, and grows the ratings version', () => {
    const bob = store.member('slack', 'U1');
    expect(store.ratingsVersion()).toBe(0);
    expect(store.rate(bob.id, '3', 4, 10)).toEqual({ previous: null });
    expect(store.ratingsVersion()).toBe(1);
    expect(store.rate(bob.id, '3', 2.5, 20)).toEqual({ previous: 4 });
    expect(store.ratingsVersion()).toBe(2);
    expect(store.memberRatings(bob.id)).toEqual([{ movieId: '3', rating: 2.5, ratedAt: 20 }]);
  });

  it('stamps a rating with the current time when none is given', () => {
    const bob = store.member('slack', 'U1');
    clock = 1_234_567;
    store.rate(bob.id, '1', 3);
    expect(store.memberRatings(bob.id)[0].ratedAt).toBe(1_234_567);
  });

  it('lists a member’s ratings newest first, and everyone’s in member then time order', () => {
    const carol = store.member('console', 'carol');
    const dave = store.member('console', 'dave');
    store.rate(dave.id, '2', 1, 50);
    store.rate(carol.id, '1', 5, 1_000);
    store.rate(carol.id, '3', 3, 3_000);
    store.rate(carol.id, '4', 4, 2_000);
    expect(store.memberRatings(carol.id).map((r) => r.movieId)).toEqual(['3', '4', '1']);
    expect(store.allMemberRatings()).toEqual([
      { memberId: carol.id, movieId: '1', rating: 5, ratedAt: 1_000 },
      { memberId: carol.id, movieId: '4', rating: 4, ratedAt: 2_000 },
      { memberId: carol.id, movieId: '3', rating: 3, ratedAt: 3_000 },
      { memberId: dave.id, movieId: '2', rating: 1, ratedAt: 50 },
    ]);
  });

  it('refuses bad ratings, unknown movies and unknown members with a clear message, changing nothing', () => {
    const erin = store.member('discord', 'erin');
    store.rate(erin.id, '1', 3.5, 100);
    const before = { ratings: store.allMemberRatings(), version: store.ratingsVersion() };

    const bad: Array<[unknown, RegExp]> = [
      [0, /from 0\.5 to 5 in steps of 0\.5 \(got 0\)/],
      [5.5, /\(got 5\.5\)/],
      [7, /\(got 7\)/],
      [-1, /\(got -1\)/],
      [3.25, /\(got 3\.25\)/],
      [NaN, /\(got NaN\)/],
      [Infinity, /\(got Infinity\)/],
      ['abc', /\(got "abc"\)/],
      ['4', /\(got "4"\)/],
    ];
    for (const [rating, message] of bad) {
      expect(() => store.rate(erin.id, '1', rating as number)).toThrow(StoreError);
      expect(() => store.rate(erin.id, '1', rating as number)).toThrow(message);
    }
    expect(() => store.rate(erin.id, '999', 4)).toThrow(new StoreError('no movie with id "999" in the catalogue'));
    expect(() => store.rate(77, '1', 4)).toThrow(new StoreError('no member with id 77'));
    expect(() => store.rate(erin.id, '1', 4, Number.NaN)).toThrow(/ratedAt must be a time in milliseconds/);

    expect({ ratings: store.allMemberRatings(), version: store.ratingsVersion() }).toEqual(before);
  });

  it('accepts every half step from 0.5 to 5', () => {
    const fay = store.member('console', 'fay');
    for (let r = 0.5; r <= 5; r += 0.5) expect(store.rate(fay.id, '2', r, r * 10).previous).toBe(r === 0.5 ? null : r - 0.5);
  });

  it('rateMany writes all ratings in one step, or none when one is wrong', () => {
    const gus = store.member('slack', 'gus');
    expect(
      store.rateMany(gus.id, [
        { movieId: '1', rating: 4, ratedAt: 1 },
        { movieId: '2', rating: 2 },
      ]),
    ).toBe(2);
    expect(store.ratingsVersion()).toBe(1);
    expect(store.memberRatings(gus.id)).toEqual([
      { movieId: '2', rating: 2, ratedAt: 1_000_000 },
      { movieId: '1', rating: 4, ratedAt: 1 },
    ]);

    expect(() =>
      store.rateMany(gus.id, [
        { movieId: '3', rating: 5 },
        { movieId: '4', rating: 9 },
      ]),
    ).toThrow(new StoreError('rating 2 of 2 (movie 4): a rating must be a number from 0.5 to 5 in steps of 0.5 (got 9)'));
    expect(() =>
      store.rateMany(gus.id, [
        { movieId: '3', rating: 5 },
        { movieId: 'nope', rating: 1 },
      ]),
    ).toThrow(new StoreError('rating 2 of 2: no movie with id "nope" in the catalogue'));
    expect(store.memberRatings(gus.id)).toHaveLength(2);
    expect(store.ratingsVersion()).toBe(1);
    expect(store.rateMany(gus.id, [])).toBe(0);
  });

  it('unrate removes one rating and says whether there was one', () => {
    const hal = store.member('console', 'hal');
    store.rate(hal.id, '1', 4);
    store.rate(hal.id, '2', 2);
    expect(store.unrate(hal.id, '1')).toBe(true);
    expect(store.ratingsVersion()).toBe(3);
    expect(store.unrate(hal.id, '1')).toBe(false);
    expect(store.ratingsVersion()).toBe(3);
    expect(store.memberRatings(hal.id).map((r) => r.movieId)).toEqual(['2']);
  });

  it('forget deletes the member and all their ratings, and nobody else’s', () => {
    const ida = store.member('discord', 'ida');
    const jon = store.member('discord', 'jon');
    store.rate(ida.id, '1', 4);
    store.rate(ida.id, '2', 3);
    store.rate(jon.id, '1', 1);
    const version = store.ratingsVersion();

    expect(store.forget(ida.id)).toBe(2);
    expect(store.memberById(ida.id)).toBeUndefined();
    expect(store.findMember('discord', 'ida')).toBeUndefined();
    expect(store.memberRatings(ida.id)).toEqual([]);
    expect(store.allMemberRatings().map((r) => r.memberId)).toEqual([jon.id]);
    expect(store.ratingsVersion()).toBeGreaterThan(version);
    expect(store.forget(ida.id)).toBe(0);

    // coming back makes a new member with a clean slate
    const back = store.member('discord', 'ida');
    expect(back.id).not.toBe(ida.id);
    expect(store.memberRatings(back.id)).toEqual([]);
  });
});

describe('durability', () => {
  it('a rating is on disk when rate() returns: a re-opened file store sees it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-store-'));
    try {
      const path = join(dir, 'marquee.db');
      const a = openStore(path);
      a.importDataset(tinyDataset());
      const kim = a.member('slack', 'kim', 'Kim');
      a.rate(kim.id, '4', 5, 42);
      a.close();

      const b = openStore(path);
      expect(b.findMember('slack', 'kim')?.displayName).toBe('Kim');
      expect(b.memberRatings(kim.id)).toEqual([{ movieId: '4', rating: 5, ratedAt: 42 }]);
      b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
