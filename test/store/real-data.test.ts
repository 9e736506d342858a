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
