/**
 * The store's SQL: every prepared statement of SqliteStore (./store.ts), in one place, typed by
 * the rows it binds and returns. Prepared once per connection.
 */
import type Database from 'better-sqlite3';
import type { PackedColumns } from './columns.ts';
import { MOVIE_COLUMNS, type AsideRow, type InfoRow, type MemberRatingRow, type MemberRow, type MovieParams, type MovieRow } from './rows.ts';

/** The statements of one connection (prepareStatements). */
export type Statements = ReturnType<typeof prepareStatements>;

export function prepareStatements(db: Database.Database) {
  return {
    info: db.prepare<[], InfoRow>('SELECT * FROM dataset_info WHERE id = 1'),
    putInfo: db.prepare<[string, string, string, number, number, number, number, number, string | null]>(
      `INSERT OR REPLACE INTO dataset_info
         (id, name, format, fingerprint, n_movies, n_ratings, scale_lo, scale_hi, imported_at, source)
       VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    putSource: db.prepare<[string | null]>('UPDATE dataset_info SET source = ? WHERE id = 1'),
    clearMovies: db.prepare('DELETE FROM movies'),
    upsertMovie: db.prepare<MovieParams>(
      `INSERT INTO movies (${MOVIE_COLUMNS}, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (movie_id) DO UPDATE SET
         title = excluded.title, display_title = excluded.display_title, year = excluded.year,
         genres = excluded.genres, imdb_id = excluded.imdb_id, tmdb_id = excluded.tmdb_id,
         overview = excluded.overview, tagline = excluded.tagline, keywords = excluded.keywords,
         tags = excluded.tags, position = excluded.position`,
    ),
    movies: db.prepare<[], MovieRow>(
      `SELECT ${MOVIE_COLUMNS} FROM movies ORDER BY position IS NULL, position, rowid`,
    ),
    movie: db.prepare<[string], MovieRow>(`SELECT ${MOVIE_COLUMNS} FROM movies WHERE movie_id = ?`),
    movieExists: db.prepare<[string], number>('SELECT 1 FROM movies WHERE movie_id = ?').pluck(),
    movieIds: db.prepare<[], string>('SELECT movie_id FROM movies ORDER BY position IS NULL, position, rowid').pluck(),
    clearDatasetRatings: db.prepare('DELETE FROM dataset_ratings'),
    putColumns: db.prepare<[PackedColumns]>(
      `INSERT OR REPLACE INTO dataset_columns
         (id, n, user_ids, user_codes, movie_ids, movie_codes, ratings, timestamps)
       VALUES (1, @n, @user_ids, @user_codes, @movie_ids, @movie_codes, @ratings, @timestamps)`,
    ),
    columns: db.prepare<[], PackedColumns>(
      'SELECT n, user_ids, user_codes, movie_ids, movie_codes, ratings, timestamps FROM dataset_columns WHERE id = 1',
    ),
    columnCodes: db.prepare<[], Omit<PackedColumns, 'timestamps'>>(
      'SELECT n, user_ids, user_codes, movie_ids, movie_codes, ratings FROM dataset_columns WHERE id = 1',
    ),
    clearColumnParts: db.prepare('DELETE FROM dataset_column_parts'),
    putColumnPart: db.prepare<[string, number, Buffer]>('INSERT INTO dataset_column_parts (name, part, bytes) VALUES (?, ?, ?)'),
    columnParts: db.prepare<[string], Buffer>('SELECT bytes FROM dataset_column_parts WHERE name = ? ORDER BY part').pluck(),
    countDatasetRatings: db.prepare<[], number>('SELECT count(*) FROM dataset_ratings').pluck(),
    datasetRatings: db
      .prepare<[], [string, string, number, number | null]>(
        'SELECT user_id, movie_id, rating, ts FROM dataset_ratings ORDER BY rowid',
      )
      .raw(),

    findMember: db.prepare<[string, string], MemberRow>(
      'SELECT * FROM members WHERE platform = ? AND platform_user_id = ?',
    ),
    memberById: db.prepare<[number], MemberRow>('SELECT * FROM members WHERE id = ?'),
    addMember: db.prepare<[string, string, string | null, number], MemberRow>(
      'INSERT INTO members (platform, platform_user_id, display_name, created_at) VALUES (?, ?, ?, ?) RETURNING *',
    ),
    renameMember: db.prepare<[string, number]>('UPDATE members SET display_name = ? WHERE id = ?'),
    deleteMember: db.prepare<[number]>('DELETE FROM members WHERE id = ?'),

    rating: db
      .prepare<[number, string], number>('SELECT rating FROM member_ratings WHERE member_id = ? AND movie_id = ?')
      .pluck(),
    upsertRating: db.prepare<[number, string, number, number]>(
      `INSERT INTO member_ratings (member_id, movie_id, rating, rated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (member_id, movie_id) DO UPDATE SET rating = excluded.rating, rated_at = excluded.rated_at`,
    ),
    deleteRating: db.prepare<[number, string]>('DELETE FROM member_ratings WHERE member_id = ? AND movie_id = ?'),
    countMemberRatings: db.prepare<[number, number], number>(
      'SELECT (SELECT count(*) FROM member_ratings WHERE member_id = ?) + (SELECT count(*) FROM member_ratings_aside WHERE member_id = ?)',
    ).pluck(),
    asideRatings: db.prepare<[], AsideRow>('SELECT * FROM member_ratings_aside ORDER BY id'),
    memberAsideRatings: db.prepare<[number], AsideRow>('SELECT * FROM member_ratings_aside WHERE member_id = ? ORDER BY id'),
    memberRatings: db.prepare<[number], MemberRatingRow>(
      `SELECT member_id, movie_id, rating, rated_at FROM member_ratings WHERE member_id = ?
       ORDER BY rated_at DESC, rowid DESC`,
    ),
    allMemberRatings: db.prepare<[], MemberRatingRow>(
      'SELECT member_id, movie_id, rating, rated_at FROM member_ratings ORDER BY member_id, rated_at, rowid',
    ),
    bumpVersion: db.prepare("UPDATE meta SET value = value + 1 WHERE key = 'ratings_version'"),
    version: db.prepare<[], number>("SELECT value FROM meta WHERE key = 'ratings_version'").pluck(),

    nextSnapshotSave: db
      .prepare<[], number>("UPDATE meta SET value = value + 1 WHERE key = 'snapshot_saves' RETURNING value")
      .pluck(),
    putSnapshotPart: db.prepare<[number, number, Buffer]>('INSERT INTO snapshot_parts (save_id, part, bytes) VALUES (?, ?, ?)'),
    snapshotPartsWritten: db.prepare<[number], { parts: number; bytes: number }>(
      'SELECT count(*) AS parts, coalesce(sum(length(bytes)), 0) AS bytes FROM snapshot_parts WHERE save_id = ?',
    ),
    publishSnapshot: db.prepare<[string, string, number, number, number]>(
      "INSERT OR REPLACE INTO snapshots (name, key, blob, created_at, save_id, n_bytes) VALUES (?, ?, x'', ?, ?, ?)",
    ),
    snapshot: db.prepare<[string], { key: string; blob: Buffer; created_at: number; save_id: number | null; n_bytes: number | null }>(
      'SELECT key, blob, created_at, save_id, n_bytes FROM snapshots WHERE name = ?',
    ),
    snapshotParts: db.prepare<[number], Buffer>('SELECT bytes FROM snapshot_parts WHERE save_id = ? ORDER BY part').pluck(),
    // a part of a save no snapshot names, skipping the saves still being written (a JSON array)
    orphanSnapshotPart: db.prepare<[string], { save_id: number; part: number }>(
      `SELECT save_id, part FROM snapshot_parts
       WHERE save_id NOT IN (SELECT save_id FROM snapshots WHERE save_id IS NOT NULL)
         AND save_id NOT IN (SELECT value FROM json_each(?))
       LIMIT 1`,
    ),
    deleteSnapshotPart: db.prepare<[number, number]>('DELETE FROM snapshot_parts WHERE save_id = ? AND part = ?'),
    deleteSnapshot: db.prepare<[string]>('DELETE FROM snapshots WHERE name = ?'),
    addEvaluation: db.prepare<[string, number]>('INSERT INTO evaluations (report, created_at) VALUES (?, ?)'),
    lastEvaluation: db.prepare<[], { report: string; created_at: number }>(
      'SELECT report, created_at FROM evaluations ORDER BY id DESC LIMIT 1',
    ),
  };
}
