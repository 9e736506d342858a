/**
 * At ml-32m size the packed rating arrays are 640 MB, past what SQLite stores in one row, so they
 * are stored in parts. A dataset comes back exactly as imported whatever the part size; a new
 * import leaves no part of the old one behind; a store written before the parts still reads.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { dataset, movie, type RatingRow } from './fixtures.ts';

const tmp = mkdtempSync(join(tmpdir(), 'marquee-parts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function ratings(n: number, seed: number): RatingRow[] {
  return Array.from({ length: n }, (_, k): RatingRow => [String(1 + ((k * seed) % 37)), String(1 + (k % 5)), 0.5 + ((k * 7 + seed) % 10) / 2, 1e9 + k]);
}
const movies = ['1', '2', '3', '4', '5'].map((id) => movie(id, `Film ${id}`, 2000));

describe('packed rating arrays stored in parts', () => {
  it('come back exactly as imported, in parts of the size asked for, and a new import replaces every part', () => {
    const path = join(tmp, 'parts.db');
    const store = openStore(path, { columnPartBytes: 64 });
    const first = dataset('first', movies, ratings(100, 3));
    store.importDataset(first);
    expect(store.datasetRatings()).toEqual(first.ratings);
    // what a retrain reads: the same ratings as codes into the distinct ids, from the same parts
    const coded = store.datasetRatingCodes();
    expect(Array.from(coded.userCodes, (c) => coded.userIds[c])).toEqual(first.ratings.users);
    expect(Array.from(coded.itemCodes, (c) => coded.itemIds[c])).toEqual(first.ratings.items);
    expect(coded.ratings).toEqual(first.ratings.ratings);
    store.close();

    const db = new Database(path, { readonly: true });
    const count = (name: string): number => db.prepare('SELECT count(*) FROM dataset_column_parts WHERE name = ?').pluck().get(name) as number;
    // 100 Int32 codes = 400 bytes in parts of 64: 7 parts; 100 Float64 timestamps = 800 bytes: 13
    expect([count('user_codes'), count('movie_codes'), count('ratings'), count('timestamps')]).toEqual([7, 7, 7, 13]);
    db.close();

    const again = openStore(path, { columnPartBytes: 64 });
    const second = dataset('second', movies, ratings(20, 5));
    again.importDataset(second);
    expect(again.datasetRatings()).toEqual(second.ratings);
    again.close();
    const after = new Database(path, { readonly: true });
    expect(after.prepare("SELECT count(*) FROM dataset_column_parts WHERE name = 'timestamps'").pluck().get()).toBe(3); // 160 bytes
    after.close();
  });

  it('a store whose arrays are in the row itself (written before the parts) reads the same', () => {
    const path = join(tmp, 'old-row.db');
    const store = openStore(path);
    const ds = dataset('old', movies, ratings(50, 7));
    store.importDataset(ds);
    store.close();
    // rewrite it as schema 4 wrote it: whole arrays in the row, no parts
    const db = new Database(path);
    for (const name of ['user_codes', 'movie_codes', 'ratings', 'timestamps']) {
      const parts = db.prepare('SELECT bytes FROM dataset_column_parts WHERE name = ? ORDER BY part').pluck().all(name) as Buffer[];
      db.prepare(`UPDATE dataset_columns SET ${name} = ? WHERE id = 1`).run(Buffer.concat(parts));
    }
    db.exec('DELETE FROM dataset_column_parts');
    db.close();
    const reopened = openStore(path);
    expect(reopened.datasetRatings()).toEqual(ds.ratings);
    reopened.close();
  });

  it('refuses a part size that would cut a value in two', () => {
    expect(() => openStore(join(tmp, 'bad.db'), { columnPartBytes: 12 })).toThrow(/columnPartBytes must be a whole multiple of 8 bytes, at least 8; got 12/);
  });
});
