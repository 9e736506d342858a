import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/api.ts';
import { APPLICATION_ID, SCHEMA_VERSION, migrations } from '../../src/store/migrations.ts';
import { openStore } from '../../src/store/store.ts';
import { tinyDataset } from './fixtures.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'marquee-store-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function inspect(path: string): Database.Database {
  return new Database(path, { readonly: true });
}

describe('opening a store', () => {
  it('creates the folder and file, applies every migration and marks the file as Marquee', () => {
    const path = join(dir, 'nested', 'deeper', 'marquee.db');
    const store = openStore(path);
    expect(store.path).toBe(path);
    store.close();

    const db = inspect(path);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(migrations.length);
    expect(db.pragma('application_id', { simple: true })).toBe(APPLICATION_ID);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual([
      'dataset_column_parts',
      'dataset_columns',
      'dataset_info',
      'dataset_ratings',
      'evaluations',
      'experiments',
      'hidden_movies',
      'impression_items',
      'impressions',
      'member_ratings',
      'member_ratings_aside',
      'members',
      'meta',
      'movies',
      'reactions',
      'snapshot_parts',
      'snapshots',
    ]);
    db.close();
  });

  it('opens a second, read-only connection that sees committed writes and writes nothing', () => {
    const path = join(dir, 'read-only', 'marquee.db');
    expect(() => openStore(path, { readOnly: true })).toThrow(/cannot open the database/);
    const store = openStore(path);
    const reader = openStore(path, { readOnly: true });
    expect(reader.ratingsVersion()).toBe(0);
    store.saveEvaluation({ rmse: 0.9 });
    expect(reader.lastEvaluation()?.report).toEqual({ rmse: 0.9 });
    expect(() => reader.saveEvaluation({ rmse: 1 })).toThrow(/readonly/);
    expect(store.lastEvaluation()?.report).toEqual({ rmse: 0.9 });
    expect(() => openStore(':memory:', { readOnly: true })).toThrow(/in-memory store cannot be opened a second time/);
    reader.close();
    store.close();
  });

  it('re-opens an existing store without migrating again and keeps its data', () => {
    const path = join(dir, 'marquee.db');
    const first = openStore(path);
    first.importDataset(tinyDataset());
    const alice = first.member('discord', '1001', 'alice');
    first.rate(alice.id, '3', 4.5, 1_000);
    first.close();

    const again = openStore(path);
    expect(again.datasetInfo()?.name).toBe('tiny');
    expect(again.memberRatings(alice.id)).toEqual([{ movieId: '3', rating: 4.5, ratedAt: 1_000 }]);
    expect(again.ratingsVersion()).toBe(1);
    again.close();
    const db = inspect(path);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('an in-memory store works the same, without a file', () => {
    const store = openStore(':memory:');
    expect(store.path).toBe(':memory:');
    expect(store.importDataset(tinyDataset()).changed).toBe(true);
    expect(store.movies()).toHaveLength(4);
    store.close();
  });

  it('refuses a file that is not SQLite, saying so', () => {
    const path = join(dir, 'notes.db');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(100));
    expect(() => openStore(path)).toThrow(StoreError);
    expect(() => openStore(path)).toThrow(/notes\.db is not a Marquee database \(the file is not SQLite\)/);
  });

  it('refuses a folder, or a path under a file, saying which', () => {
    expect(() => openStore(dir)).toThrow(new RegExp(`cannot open the database ${dir}`));
    const file = join(dir, 'plain.txt');
    writeFileSync(file, 'x');
    expect(() => openStore(join(file, 'marquee.db'))).toThrow(/cannot create the folder for the database .*plain\.txt/);
  });

  it('upgrades a version-1 database in place, keeping its dataset and members', () => {
    const path = join(dir, 'v1.db');
    const db = new Database(path);
    db.pragma(`application_id = ${APPLICATION_ID}`);
    migrations[0].up(db);
    db.pragma('user_version = 1');
    db.prepare(
      `INSERT INTO dataset_info (id, name, format, fingerprint, n_movies, n_ratings, scale_lo, scale_hi, imported_at)
       VALUES (1, 'ml-latest-small', 'movielens-csv', 'abc', 2, 3, 0.5, 5, 1)`,
    ).run();
    db.prepare(`INSERT INTO members (platform, platform_user_id, created_at) VALUES ('console', 'me', 1)`).run();
    db.close();

    const store = openStore(path);
    expect(store.datasetInfo()).toMatchObject({ name: 'ml-latest-small', fingerprint: 'abc' });
    expect(store.datasetInfo()?.source).toBeUndefined();
    expect(store.findMember('console', 'me')).toBeDefined();
    store.close();
    const after = inspect(path);
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    after.close();
  });

  it('refuses a file written by a newer Marquee', () => {
    const path = join(dir, 'future.db');
    openStore(path).close();
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openStore(path)).toThrow(
      new RegExp(`written by a newer Marquee \\(schema version ${SCHEMA_VERSION + 1}; this version reads up to ${SCHEMA_VERSION}\\)`),
    );
  });

  it("refuses another program's SQLite database instead of adding tables to it", () => {
    const path = join(dir, 'other.db');
    const db = new Database(path);
    db.exec('CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)');
    db.close();
    expect(() => openStore(path)).toThrow(/SQLite database of another program/);
    const after = inspect(path);
    expect(after.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'movies'").pluck().get()).toBe(0);
    after.close();
  });

  it('a second connection to the same file sees committed ratings at once', () => {
    const path = join(dir, 'shared.db');
    const bot = openStore(path);
    bot.importDataset(tinyDataset());
    const cli = openStore(path);
    const bob = bot.member('slack', 'U42');
    bot.rate(bob.id, '1', 3, 5_000);
    expect(cli.memberRatings(bob.id)).toEqual([{ movieId: '1', rating: 3, ratedAt: 5_000 }]);
    expect(cli.ratingsVersion()).toBe(1);
    cli.close();
    bot.close();
  });

  it('the schema itself refuses off-scale ratings and ratings of unknown movies', () => {
    const path = join(dir, 'schema.db');
    const store = openStore(path);
    store.importDataset(tinyDataset());
    const m = store.member('console', 'lee');
    store.close();
    const db = new Database(path);
    db.pragma('foreign_keys = ON');
    const insert = db.prepare('INSERT INTO member_ratings (member_id, movie_id, rating, rated_at) VALUES (?, ?, ?, 0)');
    expect(() => insert.run(m.id, '1', 0.3)).toThrow(/CHECK constraint failed/);
    expect(() => insert.run(m.id, '1', 5.5)).toThrow(/CHECK constraint failed/);
    expect(() => insert.run(m.id, 'nope', 3)).toThrow(/FOREIGN KEY constraint failed/);
    expect(insert.run(m.id, '1', 3).changes).toBe(1);
    db.close();
  });
});
