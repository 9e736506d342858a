import { describe, expect, it } from 'vitest';
import { Trainset } from '../../src/core/trainset.ts';
import { openStore } from '../../src/store/store.ts';
import { expandCodes, memberRawId, parseMemberRawId, trainingCodes, trainingColumns, trainingTimestamps } from '../../src/store/training-data.ts';
import { tinyDataset } from './fixtures.ts';

describe('training data', () => {
  it('is the dataset in file order, then members by id, each member oldest rating first', () => {
    const store = openStore(':memory:');
    store.importDataset(tinyDataset());
    const zoe = store.member('discord', 'zoe');
    const yan = store.member('slack', 'yan');
    store.rate(yan.id, '2', 2, 300);
    store.rate(zoe.id, '4', 4.5, 200);
    store.rate(zoe.id, '1', 1, 100);
    // user '7' of the dataset also rated movie '3': a member's rating of it adds, never replaces
    store.rate(zoe.id, '3', 5, 400);

    const cols = trainingColumns(store);
    expect(cols.users).toEqual(['7', '7', '2', '9', '2', 'member:1', 'member:1', 'member:1', 'member:2']);
    expect(cols.items).toEqual(['3', '1', '1', '4', '2', '1', '4', '3', '2']);
    expect(Array.from(cols.ratings)).toEqual([4, 3.5, 5, 1, 0.5, 1, 4.5, 5, 2]);
    expect(cols.ratings).toBeInstanceOf(Float32Array);

    const ts = Trainset.fromColumns(cols, [0.5, 5]);
    expect(ts.nUsers).toBe(5);
    expect(ts.nItems).toBe(4);
    expect(ts.nRatings).toBe(9);
    expect(ts.innerUser(memberRawId(zoe.id))).toBe(3);
    const heat = ts.innerItem('3')!;
    expect(ts.itemDegree(heat)).toBe(2);
    store.close();
  });

  it('is just the dataset when nobody has rated yet, and empty for an empty store', () => {
    const store = openStore(':memory:');
    expect(trainingColumns(store)).toEqual({ users: [], items: [], ratings: new Float32Array(0) });
    store.importDataset(tinyDataset());
    expect(trainingColumns(store).users).toEqual(['7', '7', '2', '9', '2']);
    store.close();
  });

  it("carries each rating's time in seconds, in the same order: the dataset's from its files, a member's from when it was set", () => {
    const store = openStore(':memory:');
    const ds = tinyDataset();
    store.importDataset(ds);
    const zoe = store.member('discord', 'zoe');
    store.rate(zoe.id, '4', 4.5, 200_000);
    store.rate(zoe.id, '1', 1, 100_500);
    const times = trainingTimestamps(store);
    expect(times).toBeInstanceOf(Float64Array);
    expect(times.length).toBe(trainingColumns(store).ratings.length);
    // the member's ratings oldest first, as trainingColumns orders them (rated_at is milliseconds)
    expect(Array.from(times)).toEqual([...Array.from(ds.ratings.timestamps), 100.5, 200]);
    store.close();
  });

  it('member raw ids round-trip and are never confused with dataset users', () => {
    expect(memberRawId(12)).toBe('member:12');
    expect(parseMemberRawId(memberRawId(12))).toBe(12);
    expect(parseMemberRawId('12')).toBeUndefined();
    expect(parseMemberRawId('member:')).toBeUndefined();
    expect(parseMemberRawId('member:abc')).toBeUndefined();
    expect(parseMemberRawId('member:012')).toBeUndefined();
    expect(parseMemberRawId('xmember:1')).toBeUndefined();
  });
});

describe('coded training data (what a retrain sends to the worker)', () => {
  it('is the same ratings in the same order, each raw id once, members coded after the dataset', () => {
    const store = openStore(':memory:');
    store.importDataset(tinyDataset());
    const zoe = store.member('discord', 'zoe');
    store.rate(zoe.id, '4', 4.5, 200);
    store.rate(zoe.id, '3', 5, 400);
    const coded = trainingCodes(store);
    expect(coded.userIds).toEqual(['7', '2', '9', 'member:1']);
    expect(Array.from(coded.userCodes)).toEqual([0, 0, 1, 2, 1, 3, 3]);
    expect(coded.itemIds).toEqual(['3', '1', '4', '2']);
    expect(Array.from(coded.itemCodes)).toEqual([0, 1, 1, 2, 3, 2, 0]);
    expect(expandCodes(coded)).toEqual(trainingColumns(store));
    store.close();
  });

  it("names the catalogue's movies nobody has rated, in the catalogue's order, so the models know them", () => {
    const store = openStore(':memory:');
    const ds = tinyDataset();
    ds.movies.push({ ...ds.movies[0], movieId: '5', title: 'Dune', displayTitle: 'Dune (2021)', year: 2021 });
    store.importDataset(ds);
    // every tiny movie is rated by the dataset but the new one; a member's rating takes it off the list
    const before = trainingCodes(store);
    expect(before.itemIds).toEqual(['3', '1', '4', '2', '5']);
    expect(before.keepUnratedItems).toBe(true);
    expect(Array.from(before.itemCodes)).not.toContain(4);
    expect(expandCodes(before).items).not.toContain('5');
    store.rate(store.member('discord', 'zoe').id, '5', 4, 100);
    const after = trainingCodes(store);
    expect(after.itemIds).toEqual(['3', '1', '4', '2', '5']);
    expect(Array.from(after.itemCodes).at(-1)).toBe(4);
    store.close();
  });

  it('is empty for an empty store', () => {
    const store = openStore(':memory:');
    expect(expandCodes(trainingCodes(store))).toEqual({ users: [], items: [], ratings: new Float32Array(0) });
    // no dataset, so no ids of one leading the lists
    expect(trainingCodes(store).dataset).toBeUndefined();
    store.close();
  });

  it("marks how many leading ids are the dataset's own, the same for every read until another dataset comes", () => {
    const store = openStore(':memory:');
    const ds = tinyDataset();
    ds.movies.push({ ...ds.movies[0], movieId: '5', title: 'Dune', displayTitle: 'Dune (2021)', year: 2021 });
    store.importDataset(ds);
    const fingerprint = store.datasetInfo()!.fingerprint;
    const before = trainingCodes(store);
    expect(before.dataset).toEqual({ fingerprint, users: 3, items: 4 });
    // members and their movies come after the mark; the lists' leading ids stay as they were
    const zoe = store.member('discord', 'zoe');
    store.rate(zoe.id, '5', 4, 100);
    store.rate(zoe.id, '1', 2, 200);
    const after = trainingCodes(store);
    expect(after.dataset).toEqual(before.dataset);
    expect(after.userIds.slice(0, 3)).toEqual(before.userIds.slice(0, 3));
    expect(after.userIds.slice(3)).toEqual(['member:1']);
    expect(after.itemIds.slice(0, 4)).toEqual(before.itemIds.slice(0, 4));
    // another dataset: another fingerprint, its own counts
    const bigger = tinyDataset();
    bigger.ratings.users.push('11');
    bigger.ratings.items.push('2');
    bigger.ratings.ratings = Float32Array.from([...bigger.ratings.ratings, 3]);
    bigger.ratings.timestamps = Float64Array.from([...bigger.ratings.timestamps, 500]);
    store.importDataset(bigger);
    const next = trainingCodes(store);
    expect(next.dataset?.fingerprint).not.toBe(fingerprint);
    expect(next.dataset).toEqual({ fingerprint: store.datasetInfo()!.fingerprint, users: 4, items: 4 });
    expect(next.userIds.slice(0, 4)).toEqual(['7', '2', '9', '11']);
    store.close();
  });
});
