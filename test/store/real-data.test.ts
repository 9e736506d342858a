import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { trainingColumns } from '../../src/store/training-data.ts';
import { sharedDataset } from '../helpers/shared-data.ts';
import { loadDataset } from '../../src/data/load.ts';

const dir = sharedDataset('ml-latest-small');

describe.skipIf(!dir)('ml-latest-small in a file store', () => {
  it('imports once, reads back identical columns, and re-importing changes nothing', async () => {
    const ds = await loadDataset(dir!);
    const tmp = mkdtempSync(join(tmpdir(), 'marquee-store-'));
    try {
      const store = openStore(join(tmp, 'marquee.db'));
      expect(store.importDataset(ds)).toEqual({ changed: true, movies: 9_742, ratings: 100_836 });
      const t = store.datasetRatings();
      expect(t.users).toEqual(ds.ratings.users);
      expect(t.items).toEqual(ds.ratings.items);
      expect(t.ratings).toEqual(ds.ratings.ratings);
      expect(t.timestamps).toEqual(ds.ratings.timestamps);
      expect(store.movie('2571')?.title).toBe('Matrix, The (1999)');
      expect(store.importDataset(ds).changed).toBe(false);

      const me = store.member('console', 'me');
      store.rate(me.id, '2571', 5);
      const cols = trainingColumns(store);
      expect(cols.ratings.length).toBe(100_837);
      expect(cols.users[100_836]).toBe(`member:${me.id}`);
      store.close();
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

const ml100k = sharedDataset('ml-100k');

describe.skipIf(!dir || !ml100k)('switching a store from ml-latest-small to ml-100k', () => {
  it('Star Wars stays Star Wars (not ml-100k item 260, Event Horizon); films ml-100k lacks wait aside and come back', async () => {
    const small = await loadDataset(dir!);
    const hundredK = await loadDataset(ml100k!);
    const store = openStore(':memory:');
    store.importDataset(small);
    const me = store.member('discord', 'me');
    store.rate(me.id, '260', 5, 1_000); // Star Wars: Episode IV - A New Hope (1977), tt0076759
    store.rate(me.id, '2571', 4.5, 2_000); // The Matrix (1999): after ml-100k's time
    store.rate(me.id, '1', 4, 3_000); // Toy Story (1995)

    const report = store.importDataset(hundredK).members!;
    expect(report).toMatchObject({ from: 'ml-latest-small', to: 'ml-100k', moved: 2, setAside: 1, waiting: 1 });
    const mine = store.memberRatings(me.id).map((r) => [r.movieId, store.movie(r.movieId)?.title, r.rating]);
    expect(mine).toEqual([
      ['1', 'Toy Story (1995)', 4],
      ['50', 'Star Wars (1977)', 5],
    ]);
    expect(store.asideRatings(me.id).map((r) => r.title)).toEqual(['Matrix, The (1999)']);

    const back = store.importDataset(small).members!;
    expect(back).toMatchObject({ restored: 1, waiting: 0 });
    expect(store.memberRatings(me.id).map((r) => [r.movieId, r.rating])).toEqual([
      ['1', 4],
      ['2571', 4.5],
      ['260', 5],
    ]);
    store.close();
  });
});
