/**
 * Schema migrations, applied in order by `PRAGMA user_version`. Each migration runs in its own
 * IMMEDIATE transaction together with the version bump, so a crash leaves the file at a whole
 * version and two processes opening the same file cannot both apply the same step.
 *
 * Never edit a migration that has shipped: append a new one.
 */
import type Database from 'better-sqlite3';
import { StoreError } from './api.ts';

/** Marks a SQLite file as a Marquee store ("MRQE"), so another program's database is refused. */
export const APPLICATION_ID = 0x4d52_5145;

export interface Migration {
  /** the `user_version` after this step */
  readonly version: number;
  readonly description: string;
  up(db: Database.Database): void;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'movies, dataset ratings (rows and packed columns), members and their ratings, snapshots, evaluations, meta',
    up(db) {
      db.exec(`
        CREATE TABLE movies (
          movie_id      TEXT PRIMARY KEY,
          title         TEXT NOT NULL,
          display_title TEXT NOT NULL,
          year          INTEGER,
          genres        TEXT NOT NULL DEFAULT '[]',   -- JSON array of strings
          imdb_id       TEXT,
          tmdb_id       TEXT,
          overview      TEXT,
          tagline       TEXT,
          keywords      TEXT,                         -- JSON array, NULL when the dataset has none
          tags          TEXT,                         -- JSON array, NULL when not loaded
          -- the movie's place in the imported dataset's file; NULL for a movie kept only because
          -- members rated it after a dataset without it replaced the one it came from
          position      INTEGER
        );

        -- no foreign key to movies: the dataset is imported as given (some formats rate movies
        -- their metadata file lacks), and it is always replaced as a whole
        CREATE TABLE dataset_ratings (
          user_id  TEXT NOT NULL,
          movie_id TEXT NOT NULL,
          rating   REAL NOT NULL,
          ts       REAL              -- seconds since the epoch; NULL when the format has none
        );

        -- the same ratings packed as columns for fast loading (see columns.ts); one row
        CREATE TABLE dataset_columns (
          id          INTEGER PRIMARY KEY CHECK (id = 1),
          n           INTEGER NOT NULL,
          user_ids    TEXT NOT NULL,   -- JSON array of distinct user ids, in order of first appearance
          user_codes  BLOB NOT NULL,   -- Int32 per rating: index into user_ids
          movie_ids   TEXT NOT NULL,
          movie_codes BLOB NOT NULL,
          ratings     BLOB NOT NULL,   -- Float32 per rating
          timestamps  BLOB NOT NULL    -- Float64 per rating, NaN when the format has none
        );

        CREATE TABLE dataset_info (
          id          INTEGER PRIMARY KEY CHECK (id = 1),
          name        TEXT NOT NULL,
          format      TEXT NOT NULL,
          fingerprint TEXT NOT NULL,
          n_movies    INTEGER NOT NULL,
          n_ratings   INTEGER NOT NULL,
          scale_lo    REAL NOT NULL,
          scale_hi    REAL NOT NULL,
          imported_at INTEGER NOT NULL
        );

        CREATE TABLE members (
          id               INTEGER PRIMARY KEY,
          platform         TEXT NOT NULL CHECK (platform IN ('console', 'discord', 'slack')),
          platform_user_id TEXT NOT NULL,
          display_name     TEXT,
          created_at       INTEGER NOT NULL,
          UNIQUE (platform, platform_user_id)
        );

        CREATE TABLE member_ratings (
          member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
          movie_id  TEXT NOT NULL REFERENCES movies (movie_id),
          rating    REAL NOT NULL CHECK (rating BETWEEN 0.5 AND 5 AND rating * 2 = CAST(rating * 2 AS INTEGER)),
          rated_at  INTEGER NOT NULL,  -- milliseconds since the epoch
          PRIMARY KEY (member_id, movie_id)
        );
        -- a member's history newest first, and everyone's in training order
        CREATE INDEX member_ratings_by_member_time ON member_ratings (member_id, rated_at);
        -- the foreign-key check when a dataset replacement deletes movies
        CREATE INDEX member_ratings_by_movie ON member_ratings (movie_id);

        CREATE TABLE snapshots (
          name       TEXT PRIMARY KEY,
          key        TEXT NOT NULL,
          blob       BLOB NOT NULL,
          created_at INTEGER NOT NULL
        );

        CREATE TABLE evaluations (
          id         INTEGER PRIMARY KEY AUTOINCREMENT,
          report     TEXT NOT NULL,    -- JSON
          created_at INTEGER NOT NULL
        );

        CREATE TABLE meta (
          key   TEXT PRIMARY KEY,
          value INTEGER NOT NULL
        );
        INSERT INTO meta (key, value) VALUES ('ratings_version', 0);
      `);
    },
  },
  {
    version: 2,
    description: "dataset_info.source: the dataset folder's signature, so start-up can skip re-reading it",
    up(db) {
      db.exec('ALTER TABLE dataset_info ADD COLUMN source TEXT');
    },
  },
  {
    version: 3,
    description: "member_ratings_aside: members' ratings a dataset switch could not map to the new dataset, kept to restore",
    up(db) {
      // member_ratings always refer to the movies of dataset_info's dataset. A rating whose film
      // the new dataset lacks waits here with what identifies the film outside any dataset
      // (IMDb/TMDB ids, title, year, genres), so a later switch can find it again.
      db.exec(`
        CREATE TABLE member_ratings_aside (
          id           INTEGER PRIMARY KEY,
          member_id    INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
          dataset      TEXT NOT NULL,   -- the dataset the movie id below belongs to
          movie_id     TEXT NOT NULL,
          title        TEXT NOT NULL,   -- as in that dataset's file, e.g. "Star Wars (1977)"
          year         INTEGER,
          genres       TEXT NOT NULL DEFAULT '[]',
          imdb_id      TEXT,
          tmdb_id      TEXT,
          rating       REAL NOT NULL,
          rated_at     INTEGER NOT NULL,
          set_aside_at INTEGER NOT NULL,
          reason       TEXT NOT NULL
        );
        CREATE INDEX member_ratings_aside_by_member ON member_ratings_aside (member_id);
      `);
    },
  },
  {
    version: 4,
    description: "members' reactions: impressions (every list shown), reactions, hidden movies, interleaved experiments",
    up(db) {
      // Every list the bot shows is an impression, so reactions to it can be scored later; all of
      // a member's rows go with the member (ON DELETE CASCADE), so /forget needs nothing more.
      db.exec(`
        CREATE TABLE experiments (
          id          INTEGER PRIMARY KEY,
          algo_a      TEXT NOT NULL,
          algo_b      TEXT NOT NULL,
          list_size   INTEGER NOT NULL,
          started_by  TEXT NOT NULL,
          started_at  INTEGER NOT NULL,
          stopped_at  INTEGER,
          report      TEXT                  -- JSON, aggregates only, written when stopped
        );
        -- one experiment at a time, enforced by the file itself
        CREATE UNIQUE INDEX experiments_one_running ON experiments (ifnull(stopped_at, 0)) WHERE stopped_at IS NULL;

        CREATE TABLE impressions (
          list_id       TEXT PRIMARY KEY,
          member_id     INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
          surface       TEXT NOT NULL,       -- recommend, cold-start, because, movienight
          algo          TEXT NOT NULL,       -- the answering algorithm, or "experiment:<id>"
          experiment_id INTEGER REFERENCES experiments (id),
          shown_at      INTEGER NOT NULL     -- milliseconds since the epoch
        );
        CREATE INDEX impressions_by_member ON impressions (member_id);
        CREATE INDEX impressions_by_experiment ON impressions (experiment_id) WHERE experiment_id IS NOT NULL;

        CREATE TABLE impression_items (
          list_id  TEXT NOT NULL REFERENCES impressions (list_id) ON DELETE CASCADE,
          position INTEGER NOT NULL,         -- 1-based, as shown
          movie_id TEXT NOT NULL,
          algo     TEXT NOT NULL,            -- the algorithm that put this movie here
          team     TEXT CHECK (team IN ('a', 'b')),
          PRIMARY KEY (list_id, position),
          UNIQUE (list_id, movie_id)
        );

        -- one reaction per (list, movie): a second click replaces it, never counts twice
        CREATE TABLE reactions (
          list_id    TEXT NOT NULL REFERENCES impressions (list_id) ON DELETE CASCADE,
          movie_id   TEXT NOT NULL,
          member_id  INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
          kind       TEXT NOT NULL CHECK (kind IN ('want', 'not-for-me', 'seen')),
          rating     REAL,
          reacted_at INTEGER NOT NULL,
          PRIMARY KEY (list_id, movie_id)
        );
        CREATE INDEX reactions_by_member ON reactions (member_id);

        CREATE TABLE hidden_movies (
          member_id INTEGER NOT NULL REFERENCES members (id) ON DELETE CASCADE,
          movie_id  TEXT NOT NULL,
          hidden_at INTEGER NOT NULL,
          PRIMARY KEY (member_id, movie_id)
        );
      `);
    },
  },
  {
    version: 5,
    description: 'packed dataset columns in parts: one row of all four arrays is past what SQLite stores in a row at ml-25m size',
    up(db) {
      // At 32 M ratings the four arrays are 640 MB, and better-sqlite3's SQLite refuses a row of
      // 600 MB ("string or blob too big"; 512 MB passes). dataset_columns keeps the ids and the
      // count; each array is cut into parts of at most 64 MB here (see columns.ts).
      db.exec(`
        CREATE TABLE dataset_column_parts (
          name  TEXT NOT NULL,       -- user_codes, movie_codes, ratings, timestamps
          part  INTEGER NOT NULL,    -- 0, 1, … in byte order
          bytes BLOB NOT NULL,
          PRIMARY KEY (name, part)
        );
      `);
    },
  },
  {
    version: 6,
    description: 'model snapshots in parts, written one short transaction at a time and published by their key last',
    up(db) {
      // One INSERT of a 450 MB snapshot (ease at ml-10m shape) held the main thread for 1.3–2 s.
      // A save now writes parts of at most 8 MB, each its own transaction, under a new save id;
      // its last transaction points snapshots.save_id at them, so a crash part-way leaves the
      // previous snapshot (or none) and parts no row names, deleted later (store.ts).
      // snapshots.blob keeps rows written before (save_id NULL) readable.
      db.exec(`
        CREATE TABLE snapshot_parts (
          save_id INTEGER NOT NULL,
          part    INTEGER NOT NULL,   -- 0, 1, … in byte order
          bytes   BLOB NOT NULL,
          PRIMARY KEY (save_id, part)
        );
        ALTER TABLE snapshots ADD COLUMN save_id INTEGER;   -- NULL: the bytes are in blob
        ALTER TABLE snapshots ADD COLUMN n_bytes INTEGER;   -- the parts' total, checked on load
        INSERT INTO meta (key, value) VALUES ('snapshot_saves', 0);
      `);
    },
  },
];

export const SCHEMA_VERSION = migrations[migrations.length - 1].version;

/**
 * Brings the database up to SCHEMA_VERSION. Refuses a file written by a newer Marquee, and an
 * SQLite file that belongs to another program.
 */
export function migrate(db: Database.Database, label: string): { from: number; to: number } {
  const from = userVersion(db);
  checkVersion(from, label);
  let current = from;
  for (const m of migrations) {
    if (m.version <= current) continue;
    db.transaction(() => {
      // Re-read inside the write lock: another process may have migrated meanwhile.
      const now = userVersion(db);
      checkVersion(now, label);
      if (now >= m.version) return;
      if (now === 0) {
        checkForeign(db, label);
        db.pragma(`application_id = ${APPLICATION_ID}`);
      }
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
    current = m.version;
  }
  return { from, to: userVersion(db) };
}

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

function checkVersion(version: number, label: string): void {
  if (version > SCHEMA_VERSION) {
    throw new StoreError(
      `${label} was written by a newer Marquee (schema version ${version}; this version reads up to ${SCHEMA_VERSION}). ` +
        'Upgrade Marquee, or point it at another database file.',
    );
  }
}

function checkForeign(db: Database.Database, label: string): void {
  const appId = db.pragma('application_id', { simple: true }) as number;
  const nObjects = (db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: number }).n;
  if ((appId !== 0 && appId !== APPLICATION_ID) || nObjects > 0) {
    throw new StoreError(
      `${label} is an SQLite database of another program (it already holds tables but is not a Marquee store); ` +
        'point Marquee at a new file instead.',
    );
  }
}
