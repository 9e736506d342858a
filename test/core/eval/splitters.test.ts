import { describe, expect, it } from 'vitest';
import {
  SplitError,
  filterLongTail,
  kFold,
  cutoffSplit,
  cutoffTime,
  latestPerUser,
  leaveOneRareOut,
  leaveOneOut,
  predefinedSplit,
  temporalSplit,
  trainTestSplit,
  trainsetOf,
  type RatingData,
  type Split,
} from '../../../src/core/eval/splitters.ts';
import { syntheticRatings } from './toy-algorithms.ts';

function table(n: number): RatingData {
  return {
    users: Array.from({ length: n }, (_, k) => `u${k % 4}`),
    items: Array.from({ length: n }, (_, k) => `i${k}`),
    ratings: Array.from({ length: n }, (_, k) => 1 + (k % 5)),
    timestamps: Array.from({ length: n }, (_, k) => 1000 + ((k * 7) % n)),
  };
}

const sorted = (a: ArrayLike<number>): number[] => Array.from(a).sort((x, y) => x - y);

describe('kFold (Surprise KFold)', () => {
  const data = table(10);
  const folds = [...kFold(3, { seed: 1 }).split(data)];

  it('makes contiguous folds of the shuffled indices, the first n mod k one larger', () => {
    expect(folds.map((f) => f.test.length)).toEqual([4, 3, 3]);
    const shuffled = [...folds[0].test, ...folds[1].test, ...folds[2].test];
    expect(sorted(shuffled)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(shuffled).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // the trainset is the rest of the shuffled order: before the slice, then after it
    expect(Array.from(folds[1].train)).toEqual([...shuffled.slice(0, 4), ...shuffled.slice(7)]);
  });

  it('keeps train and test disjoint and complete in every fold', () => {
    for (const f of folds) {
      expect(sorted([...f.train, ...f.test])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
  });

  it('is deterministic for a seed and changes with it', () => {
    const again = [...kFold(3, { seed: 1 }).split(data)];
    expect(again.map((f) => Array.from(f.test))).toEqual(folds.map((f) => Array.from(f.test)));
    const other = [...kFold(3, { seed: 2 }).split(data)];
    expect(other.map((f) => Array.from(f.test))).not.toEqual(folds.map((f) => Array.from(f.test)));
  });

  it('can keep file order when not shuffled', () => {
    const f = [...kFold(2, { shuffle: false }).split(table(5))];
    expect(Array.from(f[0].test)).toEqual([0, 1, 2]);
    expect(Array.from(f[1].train)).toEqual([0, 1, 2]);
  });

  it('refuses fewer than 2 folds, or more folds than ratings', () => {
    expect(() => kFold(1)).toThrow(/whole number ≥ 2, got 1/);
    expect(() => kFold(2.5)).toThrow(SplitError);
    expect(() => [...kFold(5).split(table(3))]).toThrow(/5 folds need at least 5 ratings, but there are only 3/);
  });
});

describe('trainTestSplit', () => {
  it('puts ceil(fraction · n) shuffled ratings in the test set', () => {
    const [s] = [...trainTestSplit(0.25, { seed: 3 }).split(table(10))];
    expect(s.test.length).toBe(3);
    expect(s.train.length).toBe(7);
    expect(sorted([...s.train, ...s.test])).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [again] = [...trainTestSplit(0.25, { seed: 3 }).split(table(10))];
    expect(Array.from(again.test)).toEqual(Array.from(s.test));
  });

  it('refuses fractions outside (0, 1) and splits that leave nothing to train on', () => {
    expect(() => trainTestSplit(0)).toThrow(/between 0 and 1/);
    expect(() => trainTestSplit(1.2)).toThrow(/between 0 and 1/);
    expect(() => [...trainTestSplit(0.9).split(table(1))]).toThrow(/leaves nothing to train on/);
  });
});

describe('leaveOneOut (Surprise LeaveOneOut)', () => {
  // u0 has 3 ratings, u1 2, u2 1
  const data: RatingData = {
    users: ['u0', 'u1', 'u0', 'u2', 'u1', 'u0'],
    items: ['a', 'a', 'b', 'a', 'b', 'c'],
    ratings: [5, 4, 3, 2, 1, 5],
  };

  it('holds out exactly one rating per user with more than minRatings ratings', () => {
    const [s] = [...leaveOneOut({ seed: 0, minRatings: 1 }).split(data)];
    const testUsers = Array.from(s.test, (k) => data.users[k]);
    expect(testUsers).toEqual(['u0', 'u1']); // u2 (1 rating) is left out entirely
    expect(s.train.length).toBe(3);
    expect(sorted([...s.train, ...s.test])).toEqual([0, 1, 2, 4, 5]);
    // every tested user keeps at least minRatings in training
    for (const u of testUsers) expect(Array.from(s.train).some((k) => data.users[k] === u)).toBe(true);
  });

  it('builds the trainset user by user, each user’s ratings in file order', () => {
    const [s] = [...leaveOneOut({ seed: 5 }).split(data)];
    const users = Array.from(s.train, (k) => data.users[k]);
    const firstU1 = users.indexOf('u1');
    expect(users.slice(0, firstU1).every((u) => u === 'u0')).toBe(true);
    const u0 = Array.from(s.train).filter((k) => data.users[k] === 'u0');
    expect(u0).toEqual([...u0].sort((a, b) => a - b));
  });

  it('is deterministic for a seed', () => {
    const a = [...leaveOneOut({ seed: 9, nSplits: 3 }).split(data)].map((s: Split) => Array.from(s.test));
    const b = [...leaveOneOut({ seed: 9, nSplits: 3 }).split(data)].map((s: Split) => Array.from(s.test));
    expect(a).toEqual(b);
  });

  it('says so when no trainset can be built', () => {
    expect(() => [...leaveOneOut({ minRatings: 3 }).split(data)]).toThrow(/no rating to train on/);
    expect(() => leaveOneOut({ minRatings: -1 })).toThrow(/whole number ≥ 0/);
  });
});

describe('temporalSplit', () => {
  const data: RatingData = {
    users: ['a', 'a', 'b', 'b', 'a', 'b', 'a', 'b', 'a', 'b'],
    items: ['1', '2', '1', '2', '3', '3', '4', '4', '5', '5'],
    ratings: [1, 2, 3, 4, 5, 1, 2, 3, 4, 5],
    timestamps: [50, 10, 20, 90, 30, 60, 70, 40, 80, 100],
  };

  it('tests on the latest ratings overall, in time order, training in file order', () => {
    const [s] = [...temporalSplit(0.2).split(data)];
    expect(Array.from(s.test)).toEqual([3, 9]); // timestamps 90, 100
    expect(Array.from(s.train)).toEqual([0, 1, 2, 4, 5, 6, 7, 8]);
  });

  it('can hold out each user’s latest ratings', () => {
    const [s] = [...temporalSplit(0.4, { perUser: true }).split(data)];
    // a: 5 ratings → last 2 (ts 70, 80); b: 5 ratings → last 2 (ts 90, 100)
    expect(Array.from(s.test)).toEqual([6, 8, 3, 9]);
  });

  it('needs a timestamp on every rating', () => {
    expect(() => [...temporalSplit().split({ ...data, timestamps: undefined })]).toThrow(/needs timestamps/);
    const ts = [...(data.timestamps as number[])];
    ts[4] = NaN;
    expect(() => [...temporalSplit().split({ ...data, timestamps: ts })]).toThrow(/rating 5 has none/);
  });
});

describe('filterLongTail', () => {
  // item x: 3 ratings, y: 2, z: 1; user a: 3, b: 2, c: 1
  const data: RatingData = {
    users: ['a', 'a', 'a', 'b', 'b', 'c'],
    items: ['x', 'y', 'z', 'x', 'y', 'x'],
    ratings: [1, 2, 3, 4, 5, 3],
    timestamps: [1, 2, 3, 4, 5, 6],
  };

  it('drops movies and users under the minimum counts and reports what was dropped', () => {
    const r = filterLongTail(data, { minItemRatings: 2, minUserRatings: 2 });
    expect(Array.from(r.kept)).toEqual([0, 1, 3, 4]);
    expect(r.data.users).toEqual(['a', 'a', 'b', 'b']);
    expect(Array.from(r.data.timestamps)).toEqual([1, 2, 4, 5]);
    expect(r.dropped).toEqual({ ratings: 2, items: 1, users: 1 });
    expect(r.passes).toBe(1);
  });

  it('repeats until every remaining user and movie meets its minimum when asked', () => {
    const r = filterLongTail(data, { minItemRatings: 3, minUserRatings: 2, repeat: true });
    // pass 1 keeps x only (a, b, c rate it once each… c has 1 rating → dropped) → a:1, b:1 → pass 2 drops all
    expect(r.data.users).toEqual([]);
    expect(r.passes).toBeGreaterThan(1);
  });
});

describe('predefinedSplit and trainsetOf', () => {
  it('trains on the first table and tests on the second, each in its own order', () => {
    const train: RatingData = { users: ['b', 'a'], items: ['x', 'y'], ratings: [4, 2] };
    const test: RatingData = { users: ['a'], items: ['x'], ratings: [5] };
    const { data, splitter } = predefinedSplit(train, test);
    const [s] = [...splitter.split(data)];
    expect(Array.from(s.train)).toEqual([0, 1]);
    expect(Array.from(s.test)).toEqual([2]);
    const ts = trainsetOf(data, s.train, [1, 5]);
    expect(ts.rawUser(0)).toBe('b');
    expect(ts.globalMean).toBe(3);
  });

  it('builds the trainset in the split order, which fixes inner ids', () => {
    const d = syntheticRatings(5, 6);
    const [s] = [...kFold(2, { seed: 4 }).split(d)];
    const ts = trainsetOf(d, s.train, [1, 5]);
    expect(ts.nRatings).toBe(s.train.length);
    expect(ts.rawUser(0)).toBe(d.users[s.train[0]]);
    expect(ts.rawItem(0)).toBe(d.items[s.train[0]]);
  });
});

describe('latestPerUser (the temporal top-N protocol)', () => {
  it('holds out each user’s latest rating(s) by time, later row first among equal times', () => {
    const data: RatingData = {
      users: ['a', 'a', 'a', 'b', 'b', 'c'],
      items: ['x', 'y', 'z', 'x', 'y', 'x'],
      ratings: [1, 2, 3, 4, 5, 1],
      timestamps: [30, 10, 20, 5, 5, 1],
    };
    const [split] = [...latestPerUser().split(data)];
    // a's latest is x (t 30); b's two ratings tie at t 5, the later row (y) is the later rating; c has one rating, kept
    expect(Array.from(split.test)).toEqual([0, 4]);
    expect(Array.from(split.train)).toEqual([1, 2, 3, 5]);
    const [two] = [...latestPerUser(2).split(data)];
    expect(sorted(two.test)).toEqual([0, 2]); // only a has more than 2 ratings
  });

  it('refuses ratings without timestamps and counts below 1', () => {
    expect(() => [...latestPerUser().split({ users: ['a', 'a'], items: ['x', 'y'], ratings: [1, 2] })]).toThrow(/needs timestamps/);
    expect(() => latestPerUser(0)).toThrow(SplitError);
  });
});

describe('leaveOneRareOut (the rare top-N protocol)', () => {
  /**
   * "hit" and "hit2" have 3 ratings; "niche" 2, "cult" and "x" 1: with rareBelow 3 those three are
   * rare. a, b and c each rated one rare movie; d rated only hit2 (one rating: never tested); e
   * rated hit2 and x.
   */
  const data: RatingData = {
    users: ['a', 'a', 'b', 'b', 'c', 'c', 'c', 'd', 'e', 'e'],
    items: ['hit', 'niche', 'hit', 'cult', 'hit', 'niche', 'hit2', 'hit2', 'hit2', 'x'],
    ratings: [4, 5, 3, 4, 5, 2, 4, 3, 4, 1],
  };

  it('holds out one rating of a rarely rated movie per member who has one, and more ratings', () => {
    const [split] = [...leaveOneRareOut({ rareBelow: 3, seed: 0 }).split(data)];
    // a → niche (row 1), b → cult (row 3), c → niche (row 5); d has one rating; e rated "x" (1 rating) → row 9
    expect(Array.from(split.test)).toEqual([1, 3, 5, 9]);
    expect(Array.from(split.train)).toEqual([0, 2, 4, 6, 7, 8]);
  });

  it('draws among a member’s rare ratings by the seed', () => {
    const both: RatingData = { users: ['a', 'a', 'a', 'b'], items: ['p', 'q', 'r', 'p'], ratings: [1, 2, 3, 4] };
    // q and r have one rating each, p has two: with rareBelow 2 a holds out q or r
    const picks = new Set([0, 1, 2, 3, 4, 5, 6, 7].map((seed) => [...leaveOneRareOut({ rareBelow: 2, seed }).split(both)][0].test[0]));
    expect([...picks].sort()).toEqual([1, 2]);
  });

  it('refuses a threshold below 2 and data without any rare movie', () => {
    expect(() => leaveOneRareOut({ rareBelow: 1 })).toThrow(/rareBelow must be a whole number ≥ 2, got 1/);
    expect(() => [...leaveOneRareOut({ rareBelow: 2 }).split({ users: ['a', 'a', 'b', 'b'], items: ['p', 'q', 'p', 'q'], ratings: [1, 2, 3, 4] })]).toThrow(
      /no user with 2 or more ratings rated a movie with fewer than 2 ratings/,
    );
  });
});

describe('cutoffSplit (the "new movies" top-N protocol)', () => {
  /**
   * The club's history, by time: at the 0.7 quantile T = 8 (the 8th of 10 times), ana, ben and
   * cleo are known; after T ana rates Dune Part Two (nobody had rated it: new), cleo rates Heat
   * (rated before T: not new), and dora, unknown at T, rates Dune Part Two too — no profile to
   * rank from, so she is neither trained nor tested.
   */
  const club: RatingData = {
    users: ['ana', 'ana', 'ben', 'ben', 'cleo', 'ana', 'ben', 'ana', 'cleo', 'dora'],
    items: ['alien', 'heat', 'alien', 'fargo', 'heat', 'fargo', 'heat', 'dune2', 'alien', 'dune2'],
    ratings: [5, 3, 4, 4, 5, 2, 3, 5, 4, 4],
    timestamps: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  };

  it('trains on every rating before T and holds out what members known at T rated after it', () => {
    expect(cutoffTime(club, 0.7)).toBe(8);
    const [split] = [...cutoffSplit(0.7).split(club)];
    expect(Array.from(split.train)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(Array.from(split.test)).toEqual([7, 8]);
    // over the catalogue, the new movie is an item with no rating; one of two held-out ratings is of it
    const ts = trainsetOf(club, split.train, [1, 5], ['alien', 'heat', 'fargo', 'dune2', 'solaris']);
    expect(ts.nItems).toBe(5);
    expect(ts.itemDegree(ts.innerItem('dune2')!)).toBe(0);
    expect(ts.itemDegree(ts.innerItem('heat')!)).toBe(3);
    expect(ts.innerUser('dora')).toBeUndefined();
  });

  it('holds out in time order, whatever the file order', () => {
    const shuffled: RatingData = {
      users: ['ana', 'cleo', 'ana', 'ben'],
      items: ['dune2', 'heat', 'alien', 'heat'],
      ratings: [5, 4, 4, 3],
      timestamps: [20, 15, 1, 2],
    };
    const [split] = [...cutoffSplit(0.5).split(shuffled)];
    // T = 15: cleo has no rating before it, so only ana's Dune Part Two is held out
    expect(Array.from(split.train)).toEqual([2, 3]);
    expect(Array.from(split.test)).toEqual([0]);
  });

  it('refuses a quantile outside (0, 1), ratings without times, and a cut-off nobody spans', () => {
    expect(() => cutoffSplit(1)).toThrow(/between 0 and 1 \(exclusive\), got 1/);
    expect(() => cutoffSplit(0)).toThrow(/got 0/);
    const untimed: RatingData = { users: ['a', 'b'], items: ['x', 'y'], ratings: [1, 2] };
    expect(() => [...cutoffSplit().split(untimed)]).toThrow(/needs timestamps, and these ratings have none/);
    const apart: RatingData = { users: ['a', 'b'], items: ['x', 'y'], ratings: [1, 2], timestamps: [1, 2] };
    expect(() => [...cutoffSplit(0.5).split(apart)]).toThrow(/no user rated both before and after the cut-off/);
  });
});
