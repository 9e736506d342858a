import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StoreError, type ImportProgress } from '../../src/store/api.ts';
import { openStore } from '../../src/store/store.ts';
import { dataset, movie, tinyDataset, type RatingRow } from './fixtures.ts';

describe('importing a dataset', () => {
  it('stores the movies and the ratings in file order, timestamps included', () => {
    const store = openStore(':memory:', { now: () => 1_700_000_000_000 });
    const ds = tinyDataset();
    expect(store.importDataset(ds)).toEqual({ changed: true, movies: 4, ratings: 5 });

    expect(store.movies()).toEqual(ds.movies);
    expect(store.movie('2')).toEqual({
      movieId: '2',
      title: 'Jumanji (1995)',
      displayTitle: 'Jumanji',
      year: 1995,
      genres: ['Adventure'],
      imdbId: '0113497',
      tmdbId: '8844',
      keywords: ['board game'],
    });
    expect(store.movie('4')?.year).toBeNull();
    expect(store.movie('404')).toBeUndefined();

    const table = store.datasetRatings();
    expect(table.users).toEqual(['7', '7', '2', '9', '2']);
    expect(table.items).toEqual(['3', '1', '1', '4', '2']);
    expect(Array.from(table.ratings)).toEqual([4, 3.5, 5, 1, 0.5]);
    expect(table.ratings).toBeInstanceOf(Float32Array);
    expect(table.timestamps[0]).toBe(964982703);
    expect(table.timestamps[3]).toBeNaN();

    const info = store.datasetInfo();
    expect(info).toMatchObject({
      name: 'tiny',
      format: 'movielens-csv',
      nMovies: 4,
      nRatings: 5,
      scale: [0.5, 5],
      importedAt: 1_700_000_000_000,
    });
    expect(info?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    store.close();
  });

  it('importing the same data twice changes nothing the second time', () => {
    let clock = 1_000;
    const store = openStore(':memory:', { now: () => clock });
    const first = store.importDataset(tinyDataset());
    const infoBefore = store.datasetInfo();
    clock = 2_000;
    const seen: ImportProgress[] = [];
    // A fresh, equal copy (not the same object) is still recognised as the same data.
    const second = store.importDataset(tinyDataset(), (p) => seen.push(p));
    expect(second).toEqual({ changed: false, movies: first.movies, ratings: first.ratings });
    expect(store.datasetInfo()).toEqual(infoBefore);
    expect(seen).toEqual([]);
    expect(store.datasetRatings().users).toHaveLength(5);
    store.close();
  });

  it("remembers the folder's signature, and updates it when the same data comes from touched files", () => {
    const store = openStore(':memory:');
    store.importDataset({ ...tinyDataset(), source: 'folder-as-first-read' });
    expect(store.datasetInfo()?.source).toBe('folder-as-first-read');
    const again = store.importDataset({ ...tinyDataset(), source: 'same-files-touched' });
    expect(again.changed).toBe(false);
    expect(store.datasetInfo()?.source).toBe('same-files-touched');
    store.close();
  });

  it('a fresh store has no dataset and empty rating columns', () => {
    const store = openStore(':memory:');
    expect(store.datasetInfo()).toBeUndefined();
    expect(store.movies()).toEqual([]);
    const t = store.datasetRatings();
    expect([t.users.length, t.items.length, t.ratings.length, t.timestamps.length]).toEqual([0, 0, 0, 0]);
    store.close();
  });

  it("a different dataset replaces the old one; members' ratings follow their films or wait aside", () => {
    const store = openStore(':memory:');
    store.importDataset(tinyDataset());
    const alice = store.member('console', 'alice');
    store.rate(alice.id, '3', 4, 10); // Heat: not in the new dataset
    store.rate(alice.id, '1', 5, 20); // Toy Story: in both
    const version = store.ratingsVersion();

    const next = dataset(
      'next',
      [movie('5', 'Casino', 1995, ['Crime']), { ...movie('1', 'Toy Story', 1995, ['Animation']), tmdbId: '862' }],
      [
        ['11', '5', 3, 100],
        ['12', '1', 4, 200],
      ],
    );
    const result = store.importDataset(next);
    expect(result).toMatchObject({ changed: true, movies: 2, ratings: 2 });
    expect(result.members).toMatchObject({ from: 'tiny', to: 'next', moved: 1, renumbered: 0, setAside: 1, restored: 0, waiting: 1 });

    // only the new dataset's movies, in its file order
    expect(store.movies().map((m) => m.movieId)).toEqual(['5', '1']);
    expect(store.movie('1')?.tmdbId).toBe('862');
    expect(store.movie('1')?.genres).toEqual(['Animation']);
    expect(store.movie('3')).toBeUndefined();
    expect(store.datasetRatings().users).toEqual(['11', '12']);
    expect(store.datasetInfo()).toMatchObject({ name: 'next', nMovies: 2, nRatings: 2 });
    expect(store.memberRatings(alice.id).map((r) => r.movieId)).toEqual(['1']);
    expect(store.asideRatings(alice.id)).toMatchObject([{ dataset: 'tiny', movieId: '3', title: 'Heat (1995)', rating: 4, ratedAt: 10 }]);
    expect(store.ratingsVersion()).toBeGreaterThan(version);

    expect(() => store.rate(alice.id, '2', 3)).toThrow(/no movie with id "2"/);

    // Going back: Heat's rating returns.
    const back = store.importDataset(tinyDataset());
    expect(back.members).toMatchObject({ from: 'next', to: 'tiny', moved: 1, setAside: 0, restored: 1, waiting: 0 });
    expect(store.movies().map((m) => m.movieId)).toEqual(['1', '2', '3', '4']);
    expect(store.memberRatings(alice.id).map((r) => [r.movieId, r.rating])).toEqual([['1', 5], ['3', 4]]);
    store.close();
  });

  it('reports progress per phase: movies every 10,000, ratings as their packed bytes are written, each total once', () => {
    const rows: RatingRow[] = [];
    for (let k = 0; k < 25_000; k++) rows.push([String(k % 300), String(k % 40), 0.5 + (k % 10) / 2, k]);
    const movies = Array.from({ length: 40 }, (_, i) => movie(String(i), `Film ${i}`, 2000 + i));
    // parts of 8 KB: the 25,000 ratings' 500 KB of arrays go in 62 writes
    const store = openStore(':memory:', { columnPartBytes: 8192 });
    const seen: ImportProgress[] = [];
    store.importDataset(dataset('synthetic', movies, rows), (p) => seen.push(p));
    expect(seen[0]).toEqual({ phase: 'movies', done: 40, total: 40 });
    const ratings = seen.slice(1);
    expect(ratings.every((p) => p.phase === 'ratings' && p.total === 25_000)).toBe(true);
    expect(ratings.length).toBeGreaterThan(50);
    for (let k = 1; k < ratings.length; k++) expect(ratings[k].done).toBeGreaterThan(ratings[k - 1].done);
    expect(ratings.filter((p) => p.done === 25_000)).toHaveLength(1);
    expect(ratings.at(-1)).toEqual({ phase: 'ratings', done: 25_000, total: 25_000 });

    const t = store.datasetRatings();
    expect(t.users[24_999]).toBe(String(24_999 % 300));
    expect(t.ratings[24_999]).toBe(0.5 + (24_999 % 10) / 2);
    expect(t.timestamps[12_345]).toBe(12_345);
    store.close();
  });

  it("keeps the ratings once, packed; an older store's rating rows are emptied by its next import", () => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-store-'));
    try {
      const path = join(dir, 'm.db');
      const store = openStore(path);
      store.importDataset(tinyDataset());
      store.close();
      const db = new Database(path);
      const rowCount = (): number => db.prepare('SELECT count(*) FROM dataset_ratings').pluck().get() as number;
      expect(rowCount()).toBe(0);
      // a store written by an earlier version held every rating as a row as well
      db.prepare("INSERT INTO dataset_ratings (user_id, movie_id, rating, ts) VALUES ('7', '3', 4, 964982703)").run();
      const again = openStore(path);
      const rows: RatingRow[] = [['u1', '1', 3, 1]];
      again.importDataset(dataset('next', tinyDataset().movies, rows));
      expect(rowCount()).toBe(0);
      expect(again.datasetRatings().users).toEqual(['u1']);
      again.close();
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a malformed dataset with a clear error and leaves the store as it was', () => {
    const store = openStore(':memory:');
    store.importDataset(tinyDataset());
    const before = store.datasetInfo();

    const dup = tinyDataset();
    dup.name = 'dup';
    dup.movies.push(movie('2', 'Jumanji again', 1995));
    expect(() => store.importDataset(dup)).toThrow(new StoreError('dataset dup: movie id "2" appears twice'));

    const ragged = tinyDataset();
    ragged.name = 'ragged';
    ragged.ratings.users.pop();
    expect(() => store.importDataset(ragged)).toThrow(/dataset ragged: rating columns differ in length \(4 users, 5 items/);

    const nan = tinyDataset();
    nan.ratings.ratings[2] = NaN;
    expect(() => store.importDataset(nan)).toThrow(/rating 2 \(user 2, movie 1\) is not a number/);

    expect(store.datasetInfo()).toEqual(before);
    expect(store.movies()).toHaveLength(4);
    store.close();
  });
});
