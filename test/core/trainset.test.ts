import { describe, expect, it } from 'vitest';
import { Trainset, TrainsetError } from '../../src/core/trainset.ts';

// Four ratings, in this order: ann rates Alien 5 and Heat 3, bob rates Heat 4, cat rates Up 2.
const ratings = [
  { user: 'ann', item: 'alien', rating: 5 },
  { user: 'bob', item: 'heat', rating: 4 },
  { user: 'ann', item: 'heat', rating: 3 },
  { user: 'cat', item: 'up', rating: 2 },
];

describe('a trainset indexes ratings the way Surprise does', () => {
  const ts = Trainset.fromRatings(ratings, [0.5, 5]);

  it('gives inner ids in order of first appearance, both ways', () => {
    expect([ts.nUsers, ts.nItems, ts.nRatings]).toEqual([3, 3, 4]);
    expect(ts.rawUserIds()).toEqual(['ann', 'bob', 'cat']);
    expect(ts.rawItemIds()).toEqual(['alien', 'heat', 'up']);
    expect(ts.innerUser('bob')).toBe(1);
    expect(ts.innerItem('up')).toBe(2);
    expect(ts.innerUser('nobody')).toBeUndefined();
    expect(ts.rawItem(1)).toBe('heat');
    expect(() => ts.rawUser(7)).toThrow(TrainsetError);
  });

  it('keeps each row in appearance order in both CSR views', () => {
    expect([...ts.byUser.indptr]).toEqual([0, 2, 3, 4]);
    expect([...ts.byUser.indices]).toEqual([0, 1, 1, 2]); // ann: alien, heat; bob: heat; cat: up
    expect([...ts.byUser.values]).toEqual([5, 3, 4, 2]);
    expect([...ts.byItem.indptr]).toEqual([0, 1, 3, 4]);
    expect([...ts.byItem.indices]).toEqual([0, 1, 0, 2]); // heat: bob first (he rated it first), then ann
    expect([...ts.byItem.values]).toEqual([5, 4, 3, 2]);
  });

  it('knows the global mean, the scale, degrees and per-row means', () => {
    expect(ts.globalMean).toBe(3.5);
    expect(ts.scale).toEqual([0.5, 5]);
    expect(ts.userDegree(0)).toBe(2);
    expect(ts.itemDegree(1)).toBe(2);
    expect([...ts.userMeans()]).toEqual([4, 4, 2]);
    expect([...ts.itemMeans()]).toEqual([5, 3.5, 2]);
  });

  it("walks all ratings in Surprise's all_ratings() order: users by inner id, then appearance", () => {
    const seen: string[] = [];
    ts.forEachRating((u, i, r) => seen.push(`${ts.rawUser(u)}:${ts.rawItem(i)}=${r}`));
    expect(seen).toEqual(['ann:alien=5', 'ann:heat=3', 'bob:heat=4', 'cat:up=2']);
  });
});

describe("a live member's profile", () => {
  const ts = Trainset.fromRatings(ratings, [0.5, 5]);

  it('names the trained user only when the ratings are exactly the trained ones', () => {
    expect(ts.profileFromRaw([{ item: 'heat', rating: 3 }, { item: 'alien', rating: 5 }], 'ann').user).toBe(0);
    // ann re-rated Heat since training: the models must fold her in from her current ratings
    expect(ts.profileFromRaw([{ item: 'alien', rating: 5 }, { item: 'heat', rating: 4.5 }], 'ann').user).toBeUndefined();
    expect(ts.profileFromRaw([{ item: 'alien', rating: 5 }], 'ann').user).toBeUndefined();
    expect(ts.profileFromRaw([{ item: 'alien', rating: 5 }], 'nobody').user).toBeUndefined();
  });

  it('drops movies the trainset does not know, since no model can use them', () => {
    const p = ts.profileFromRaw([{ item: 'alien', rating: 4 }, { item: 'brand-new', rating: 5 }]);
    expect([...p.items]).toEqual([0]);
    expect([...p.ratings]).toEqual([4]);
  });

  it("profileOf is the trained user's own row", () => {
    const p = ts.profileOf(0);
    expect(p.user).toBe(0);
    expect([...p.items]).toEqual([0, 1]);
    expect([...p.ratings]).toEqual([5, 3]);
  });
});

describe('bad input', () => {
  it('refuses columns of different lengths, a non-number rating and an upside-down scale', () => {
    expect(() => Trainset.fromColumns({ users: ['a'], items: ['x', 'y'], ratings: [1] })).toThrow(/differ in length/);
    expect(() => Trainset.fromRatings([{ user: 'a', item: 'x', rating: NaN }])).toThrow(/rating 0 \(user a, item x\) is not a number/);
    expect(() => Trainset.fromRatings(ratings, [5, 1])).toThrow(/lo < hi/);
  });

  it('an empty trainset has no mean', () => {
    const ts = Trainset.fromRatings([]);
    expect(ts.nRatings).toBe(0);
    expect(ts.globalMean).toBeNaN();
  });
});

describe('a trainset handed to another thread as parts', () => {
  const ts = Trainset.fromRatings(ratings, [0.5, 5]);

  it('comes back the same trainset: ids, rows, mean and scale, sharing the rating arrays', () => {
    const back = Trainset.fromParts(structuredClone(ts.toParts()));
    expect([back.nUsers, back.nItems, back.nRatings, back.globalMean, back.scale]).toEqual([3, 3, 4, 3.5, [0.5, 5]]);
    expect(back.innerUser('bob')).toBe(1);
    expect(back.innerItem('up')).toBe(2);
    expect([...back.byUser.indices]).toEqual([...ts.byUser.indices]);
    expect([...back.byItem.values]).toEqual([...ts.byItem.values]);
    const parts = ts.toParts();
    expect(Trainset.fromParts(parts).byUser.values).toBe(ts.byUser.values); // taken over, not copied
  });

  it('refuses parts that disagree, saying how', () => {
    const parts = ts.toParts();
    expect(() => Trainset.fromParts({ ...parts, userRaw: ['ann', 'bob'] })).toThrow(
      new TrainsetError('trainset parts disagree: 2 users and 3 items for row pointers of 3 and 3 rows'),
    );
    expect(() => Trainset.fromParts({ ...parts, byItem: { ...parts.byItem, indices: new Int32Array(3) } })).toThrow(
      new TrainsetError('trainset parts disagree: 4 ratings by user, 3 by item'),
    );
  });

  it('takes id maps built beforehand (a slice at a time, elsewhere) and looks ids up in them', () => {
    const parts = ts.toParts();
    const users = new Map(parts.userRaw.map((id, u) => [id, u]));
    const items = new Map(parts.itemRaw.map((id, i) => [id, i]));
    const back = Trainset.fromParts(parts, { users, items });
    expect(back.innerUser('bob')).toBe(1);
    expect(back.innerItem('up')).toBe(2);
    expect(back.innerItem('nope')).toBeUndefined();
    expect(back.rawItemIds()).toEqual(ts.rawItemIds());
  });

  it('refuses id maps that do not cover the ids, saying how', () => {
    const parts = ts.toParts();
    const users = new Map(parts.userRaw.map((id, u) => [id, u]));
    const items = new Map(parts.itemRaw.slice(1).map((id, i) => [id, i + 1]));
    expect(() => Trainset.fromParts(parts, { users, items })).toThrow(
      new TrainsetError('trainset id maps disagree: 3 users and 2 items mapped for 3 and 3 ids'),
    );
  });
});

describe('a trainset built from coded columns (the store hands codes, not a string per rating)', () => {
  // the same four ratings as codes; the user ids list holds an id no rating uses, and two codes
  // that name the same member, as a store's ids never would but a caller might
  const coded = {
    userIds: ['cat', 'ann', 'bob', 'nobody', 'ann'],
    userCodes: Int32Array.from([1, 2, 4, 0]),
    itemIds: ['up', 'heat', 'alien'],
    itemCodes: Int32Array.from([2, 1, 1, 0]),
    ratings: Float32Array.from([5, 4, 3, 2]),
  };

  it('is the trainset of the expanded strings: same inner ids, same rows, same mean', () => {
    const fromCodes = Trainset.fromCoded(coded, [0.5, 5]);
    const fromStrings = Trainset.fromRatings(ratings, [0.5, 5]);
    expect(fromCodes.rawUserIds()).toEqual(['ann', 'bob', 'cat']);
    expect(fromCodes.rawItemIds()).toEqual(fromStrings.rawItemIds());
    for (const csr of ['byUser', 'byItem'] as const) {
      expect([...fromCodes[csr].indptr]).toEqual([...fromStrings[csr].indptr]);
      expect([...fromCodes[csr].indices]).toEqual([...fromStrings[csr].indices]);
      expect([...fromCodes[csr].values]).toEqual([...fromStrings[csr].values]);
    }
    expect(fromCodes.globalMean).toBe(fromStrings.globalMean);
    expect(fromCodes.innerUser('ann')).toBe(0);
    expect(fromCodes.innerUser('nobody')).toBeUndefined();
  });

  it("takes a store's codes (numbered by first appearance already) as the inner ids themselves", () => {
    const inOrder = {
      userIds: ['ann', 'bob', 'cat'],
      userCodes: Int32Array.from([0, 1, 0, 2]),
      itemIds: ['alien', 'heat', 'up'],
      itemCodes: Int32Array.from([0, 1, 1, 2]),
      ratings: Float32Array.from([5, 4, 3, 2]),
    };
    const fromCodes = Trainset.fromCoded(inOrder, [0.5, 5]);
    const fromStrings = Trainset.fromRatings(ratings, [0.5, 5]);
    for (const csr of ['byUser', 'byItem'] as const) {
      expect([...fromCodes[csr].indices]).toEqual([...fromStrings[csr].indices]);
      expect([...fromCodes[csr].values]).toEqual([...fromStrings[csr].values]);
    }
    expect(fromCodes.rawUserIds()).toEqual(['ann', 'bob', 'cat']);
  });

  it("holds the catalogue's unrated movies after the rated ones, with no rating, so a content pick can name them", () => {
    // 'dune' is a new release nobody has rated
    const ts = Trainset.fromCoded({ ...coded, itemIds: [...coded.itemIds, 'dune'], keepUnratedItems: true }, [0.5, 5]);
    const rated = Trainset.fromCoded(coded, [0.5, 5]);
    expect(ts.rawItemIds()).toEqual([...rated.rawItemIds(), 'dune']);
    const dune = ts.innerItem('dune')!;
    expect(dune).toBe(3);
    expect(ts.byItem.indptr[dune + 1] - ts.byItem.indptr[dune]).toBe(0);
    // the rated movies' rows, the members and the mean are the same as without it
    expect([...ts.byUser.indices]).toEqual([...rated.byUser.indices]);
    expect([...ts.byItem.indptr.subarray(0, dune + 1)]).toEqual([...rated.byItem.indptr]);
    expect(ts.globalMean).toBe(rated.globalMean);
    expect(ts.nUsers).toBe(rated.nUsers);
  });

  it('refuses a code outside its ids, columns of different lengths and a non-number rating', () => {
    expect(() => Trainset.fromCoded({ ...coded, itemCodes: Int32Array.from([2, 1, 3, 0]) })).toThrow(
      new TrainsetError('rating 2 has item code 3, outside the 3 item ids'),
    );
    expect(() => Trainset.fromCoded({ ...coded, userCodes: Int32Array.from([1, -1, 4, 0]) })).toThrow(/rating 1 has user code -1/);
    expect(() => Trainset.fromCoded({ ...coded, ratings: Float32Array.from([5, 4, 3]) })).toThrow(/differ in length/);
    expect(() => Trainset.fromCoded({ ...coded, ratings: Float32Array.from([5, NaN, 3, 2]) })).toThrow(/rating 1 \(user bob, item heat\) is not a number/);
  });
});
