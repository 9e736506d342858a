/**
 * The SQLite store: one better-sqlite3 connection, statements prepared once (./statements.ts), every write in an
 * IMMEDIATE transaction (taking the write lock up front, so a concurrent writer waits on
 * busy_timeout instead of failing half-way), WAL with synchronous=FULL so a write is on disk when
 * the call returns.
 *
 * Replacing the dataset keeps members' ratings: each follows its film to the film's id in the new
 * dataset, or waits aside until a dataset with the film returns (rating-switch.ts), so no member
 * ever loses a rating to a dataset change, nor finds it on another film. Dataset ratings are
 * replaced as a whole.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { LoadedDataset, MovieRecord, RatingTable } from '../data/types.ts';
import {
  StoreError,
  type AsideRating,
  type DatasetInfo,
  type ImportProgress,
  type DatasetSwitchReport,
  type ImportResult,
  type Member,
  type MemberRating,
  type Platform,
  type Snapshot,
  type Store,
} from './api.ts';
import { codeRatings, packColumns, unpackCodes, unpackColumns, unpackTimestamps, type CodedRatings } from './columns.ts';
import { SqliteFeedback } from './feedback.ts';
import {
  checkPlatformUser,
  checkRating,
  checkTime,
  movieParams,
  toMember,
  toMovie,
} from './rows.ts';
import { checkDataset, datasetFingerprint } from './fingerprint.ts';
import { SCHEMA_VERSION, migrate } from './migrations.ts';
import { prepareStatements, type Statements } from './statements.ts';
import { switchMemberRatings } from './rating-switch.ts';
import { startCheckpointer, type Checkpointer } from './checkpointer.ts';

export interface StoreOptions {
  /** how long a write waits for another process's lock before failing (default 5000 ms) */
  busyTimeoutMs?: number;
  /** the clock for created/rated/imported times, in ms since the epoch (tests pin it) */
  now?: () => number;
  /** the most bytes one stored part of a packed rating array holds (default 64 MB; tests make it tiny) */
  columnPartBytes?: number;
  /** the most bytes one part of a model snapshot holds, written in one transaction (default 8 MB) */
  snapshotPartBytes?: number;
  /**
   * Opens an existing, migrated store for reading only (a worker thread's own connection: in WAL
   * its reads neither wait for the service's writes nor hold them up).
   */
  readOnly?: boolean;
  /**
   * WAL checkpoints in a thread of their own instead of inside whichever commit crosses 1,000 WAL
   * pages (checkpointer.ts): the service's store, whose commits must not wait for a checkpoint.
   */
  checkpointInBackground?: boolean;
}

const PROGRESS_EVERY = 10_000;
/** the packed arrays stored in parts, and the most bytes one part holds (far below SQLite's row limit) */
const PACKED_ARRAYS = ['user_codes', 'movie_codes', 'ratings', 'timestamps'] as const;
const COLUMN_PART_BYTES = 64 * 1024 * 1024;
/**
 * One snapshot part, one transaction: small enough that writing it (and the WAL checkpoint its
 * commit may run) holds the thread, and a rating write waiting on the lock, for a short while.
 */
const SNAPSHOT_PART_BYTES = 8 * 1024 * 1024;
const EMPTY = Buffer.alloc(0);
/** SQLite's own automatic checkpoint threshold, restored if the checkpoint thread fails */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
const WAL_SIZE_LIMIT = 64 * 1024 * 1024;

/** One array's parts back into one buffer (one copy; unpackColumns then copies into typed arrays). */
function joinParts(parts: Buffer[]): Buffer {
  const total = parts.reduce((sum, p) => sum + p.byteLength, 0);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** Opens (creating it and its folder if needed) the store at `path`, migrated to the current schema. */
export function openStore(path: string, opts: StoreOptions = {}): Store {
  const inMemory = path === ':memory:';
  const label = inMemory ? 'the in-memory database' : resolve(path);
  if (opts.readOnly) return openReadOnly(label, opts);
  if (!inMemory) {
    try {
      mkdirSync(dirname(label), { recursive: true });
    } catch (err) {
      throw new StoreError(`cannot create the folder for the database ${label}: ${(err as Error).message}`);
    }
  }
  let db: Database.Database;
  try {
    db = new Database(inMemory ? ':memory:' : label);
  } catch (err) {
    throw asStoreError(err, label);
  }
  try {
    // Set first, so switching to WAL below waits for a busy file instead of failing.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    // The first statement that reads the file is where SQLite notices it is not a database.
    if (!inMemory) db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = FULL');
    migrate(db, label);
    const store = new SqliteStore(db, inMemory ? ':memory:' : label, opts.now ?? Date.now, {
      column: opts.columnPartBytes ?? COLUMN_PART_BYTES,
      snapshot: opts.snapshotPartBytes ?? SNAPSHOT_PART_BYTES,
    });
    if (opts.checkpointInBackground && !inMemory) store.checkpointInBackground();
    return store;
  } catch (err) {
    db.close();
    throw asStoreError(err, label);
  }
}

function openReadOnly(label: string, opts: StoreOptions): Store {
  if (label === 'the in-memory database') throw new StoreError('an in-memory store cannot be opened a second time, read-only');
  let db: Database.Database;
  try {
    db = new Database(label, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new StoreError(`cannot open the database ${label} for reading: ${(err as Error).message}`);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== SCHEMA_VERSION) {
      throw new StoreError(`${label} is at schema version ${version}, not ${SCHEMA_VERSION}: open it for writing first (that migrates it)`);
    }
    return new SqliteStore(db, label, opts.now ?? Date.now, {
      column: opts.columnPartBytes ?? COLUMN_PART_BYTES,
      snapshot: opts.snapshotPartBytes ?? SNAPSHOT_PART_BYTES,
    });
  } catch (err) {
    db.close();
    throw asStoreError(err, label);
  }
}

function asStoreError(err: unknown, label: string): unknown {
  if (err instanceof StoreError) return err;
  if (err instanceof Database.SqliteError) {
    if (err.code === 'SQLITE_NOTADB') {
      return new StoreError(`${label} is not a Marquee database (the file is not SQLite); point Marquee at another path`);
    }
    if (err.code.startsWith('SQLITE_CORRUPT')) {
      return new StoreError(`${label} is damaged (SQLite reports corruption: ${err.message})`);
    }
    if (err.code.startsWith('SQLITE_CANTOPEN')) {
      return new StoreError(`cannot open the database ${label} (${err.message}): is it a folder, or unwritable?`);
    }
  }
  return err;
}

class SqliteStore implements Store {
  readonly path: string;
  readonly feedback: SqliteFeedback;
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly tx: Database.Transaction<(fn: () => unknown) => unknown>;
  private readonly st: Statements;

  private readonly partBytes: number;
  private readonly snapshotPartBytes: number;
  private checkpointer: Checkpointer | undefined;
  /** the save ids of snapshotSaveSteps begun and not finished: their parts are not garbage yet */
  private readonly savesInFlight = new Set<number>();

  constructor(db: Database.Database, path: string, now: () => number, partBytes: { column: number; snapshot: number }) {
    for (const [what, n] of [['columnPartBytes', partBytes.column], ['snapshotPartBytes', partBytes.snapshot]] as const) {
      if (!Number.isSafeInteger(n) || n < 8 || n % 8 !== 0) {
        throw new StoreError(`${what} must be a whole multiple of 8 bytes, at least 8; got ${n}`);
      }
    }
    this.partBytes = partBytes.column;
    this.snapshotPartBytes = partBytes.snapshot;
    this.db = db;
    this.path = path;
    this.now = now;
    this.tx = db.transaction((fn: () => unknown) => fn());
    this.feedback = new SqliteFeedback(db, now);
    this.st = prepareStatements(db);
  }

  close(): void {
    this.checkpointer?.stop();
    if (this.db.open) this.db.close();
  }

  /** See StoreOptions.checkpointInBackground. */
  checkpointInBackground(): void {
    if (this.checkpointer) return;
    this.db.pragma('wal_autocheckpoint = 0');
    // a WAL that grew with a snapshot is cut back to this when the writer starts it over
    this.db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT}`);
    this.checkpointer = startCheckpointer(this.path, () => {
      // no checkpoints any more unless the commits run them again
      if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    });
  }

  private write<T>(fn: () => T): T {
    return this.tx.immediate(fn) as T;
  }

  inOneCommit<T>(fn: () => T): T {
    // each write inside opens a savepoint of this transaction: one fsync for all of them
    return this.write(fn);
  }

  inOneRead<T>(fn: () => T): T {
    return this.tx.deferred(fn) as T;
  }

  // ---- dataset -------------------------------------------------------------------------------

  importDataset(ds: LoadedDataset, onProgress?: (p: ImportProgress) => void): ImportResult {
    checkDataset(ds);
    const packed = packColumns(ds.ratings);
    const fingerprint = datasetFingerprint(ds, packed);
    const nMovies = ds.movies.length;
    const nRatings = ds.ratings.ratings.length;
    return this.write(() => {
      const current = this.st.info.get();
      if (current?.fingerprint === fingerprint) {
        // same data from files that were touched or moved: remember where it now comes from
        if (ds.source !== undefined && ds.source !== current.source) this.st.putSource.run(ds.source);
        return { changed: false, movies: current.n_movies, ratings: current.n_ratings };
      }
      const replaceCatalogue = () => {
        this.st.clearMovies.run();
        for (let k = 0; k < nMovies; k++) {
          this.st.upsertMovie.run(...movieParams(ds.movies[k], k));
          if ((k + 1) % PROGRESS_EVERY === 0) onProgress?.({ phase: 'movies', done: k + 1, total: nMovies });
        }
        if (nMovies % PROGRESS_EVERY !== 0 || nMovies === 0) onProgress?.({ phase: 'movies', done: nMovies, total: nMovies });
      };
      let members: DatasetSwitchReport | undefined;
      if (current) {
        members = switchMemberRatings(this.db, current.name, ds, this.now(), replaceCatalogue);
        // movie ids or the set of ratings changed: models trained on the old ones are stale
        if (members.renumbered + members.setAside + members.restored > 0) this.st.bumpVersion.run();
      } else {
        replaceCatalogue();
      }

      // The packed columns are the dataset's one copy of its ratings. Earlier versions also wrote
      // each rating as a row of dataset_ratings, which nothing read while the packed copy exists:
      // at ml-32m shape the import with the rows took 161 s (29.7 CPU s) on the loaded shared
      // machine and left a 1.6 GB database beside a 1.6 GB WAL; at ml-10m shape 32.1 s (8.5 CPU s)
      // with them, 11.1 s (1.8 CPU s) without (bench/first-start.ts). An old store's rows are
      // emptied here.
      this.st.clearDatasetRatings.run();
      this.st.clearColumnParts.run();
      // the arrays go in parts (a row of all four is past SQLite's row size at ml-25m size); the
      // row keeps the ids and the count, with empty arrays that say "see the parts". Progress
      // counts ratings in proportion to the bytes written.
      const totalBytes = PACKED_ARRAYS.reduce((sum, name) => sum + packed[name].byteLength, 0);
      let written = 0;
      for (const name of PACKED_ARRAYS) {
        const bytes = packed[name];
        for (let part = 0, at = 0; at < bytes.byteLength; part++, at += this.partBytes) {
          const chunk = bytes.subarray(at, Math.min(at + this.partBytes, bytes.byteLength));
          this.st.putColumnPart.run(name, part, chunk);
          written += chunk.byteLength;
          if (written < totalBytes) onProgress?.({ phase: 'ratings', done: Math.floor((nRatings * written) / totalBytes), total: nRatings });
        }
      }
      this.st.putColumns.run({ ...packed, user_codes: EMPTY, movie_codes: EMPTY, ratings: EMPTY, timestamps: EMPTY });
      onProgress?.({ phase: 'ratings', done: nRatings, total: nRatings });

      this.st.putInfo.run(ds.name, ds.format, fingerprint, nMovies, nRatings, ds.scale[0], ds.scale[1], this.now(), ds.source ?? null);
      return { changed: true, movies: nMovies, ratings: nRatings, ...(members ? { members } : {}) };
    });
  }

  datasetInfo(): DatasetInfo | undefined {
    const row = this.st.info.get();
    if (!row) return undefined;
    return {
      name: row.name,
      format: row.format,
      fingerprint: row.fingerprint,
      nMovies: row.n_movies,
      nRatings: row.n_ratings,
      scale: [row.scale_lo, row.scale_hi],
      importedAt: row.imported_at,
      ...(row.source !== null ? { source: row.source } : {}),
    };
  }

  movies(): MovieRecord[] {
    return this.st.movies.all().map(toMovie);
  }

  movieIds(): string[] {
    return this.st.movieIds.all();
  }

  movie(movieId: string): MovieRecord | undefined {
    const row = this.st.movie.get(movieId);
    return row && toMovie(row);
  }

  datasetRatings(): RatingTable {
    const packed = this.st.columns.get();
    if (!packed) return this.datasetRatingRows();
    // a store written before the parts (schema 4) holds the arrays in the row itself
    if (packed.n > 0 && packed.ratings.byteLength === 0) {
      for (const name of PACKED_ARRAYS) packed[name] = joinParts(this.st.columnParts.all(name));
    }
    return unpackColumns(packed);
  }

  datasetRatingCodes(): CodedRatings {
    const packed = this.st.columnCodes.get();
    if (!packed) return codeRatings(this.datasetRatingRows());
    // the arrays live in parts since schema 5 (see datasetRatings)
    if (packed.n > 0 && packed.ratings.byteLength === 0) {
      for (const name of PACKED_ARRAYS) if (name !== 'timestamps') packed[name] = joinParts(this.st.columnParts.all(name));
    }
    return unpackCodes(packed);
  }

  datasetRatingTimestamps(): Float64Array {
    const packed = this.st.columns.get();
    if (!packed) return Float64Array.from(this.datasetRatingRows().timestamps);
    // the arrays live in parts since schema 5 (see datasetRatings)
    const bytes = packed.n > 0 && packed.ratings.byteLength === 0 ? joinParts(this.st.columnParts.all('timestamps')) : packed.timestamps;
    return unpackTimestamps(packed.n, bytes);
  }

  /** The row table read into columns: the fallback when no packed copy exists (an empty store). */
  private datasetRatingRows(): RatingTable {
    // Raw rows straight into preallocated columns skip building an object per rating.
    const n = this.st.countDatasetRatings.get() ?? 0;
    const users = new Array<string>(n);
    const items = new Array<string>(n);
    const ratings = new Float32Array(n);
    const timestamps = new Float64Array(n);
    let k = 0;
    for (const row of this.st.datasetRatings.iterate()) {
      users[k] = row[0];
      items[k] = row[1];
      ratings[k] = row[2];
      timestamps[k] = row[3] ?? NaN;
      k++;
    }
    return { users, items, ratings, timestamps };
  }

  // ---- members -------------------------------------------------------------------------------

  member(platform: Platform, platformUserId: string, displayName?: string): Member {
    checkPlatformUser(platform, platformUserId);
    const found = this.st.findMember.get(platform, platformUserId);
    if (found && (displayName === undefined || displayName === found.display_name)) return toMember(found);
    return this.write(() => {
      const row = this.st.findMember.get(platform, platformUserId);
      if (!row) return toMember(this.st.addMember.get(platform, platformUserId, displayName ?? null, this.now())!);
      // People rename themselves; keep the name the platform last reported.
      if (displayName !== undefined && displayName !== row.display_name) {
        this.st.renameMember.run(displayName, row.id);
        row.display_name = displayName;
      }
      return toMember(row);
    });
  }

  findMember(platform: Platform, platformUserId: string): Member | undefined {
    const row = this.st.findMember.get(platform, platformUserId);
    return row && toMember(row);
  }

  memberById(id: number): Member | undefined {
    const row = this.st.memberById.get(id);
    return row && toMember(row);
  }

  rate(memberId: number, movieId: string, rating: number, ratedAt?: number): { previous: number | null } {
    checkRating(rating);
    const at = checkTime(ratedAt ?? this.now());
    return this.write(() => {
      this.checkTarget(memberId, movieId);
      const previous = this.st.rating.get(memberId, movieId) ?? null;
      this.st.upsertRating.run(memberId, movieId, rating, at);
      this.st.bumpVersion.run();
      return { previous };
    });
  }

  rateMany(memberId: number, ratings: ReadonlyArray<{ movieId: string; rating: number; ratedAt?: number }>): number {
    // Validate everything first so a bad entry names its position and nothing is written.
    const now = this.now();
    const rows = ratings.map((r, k) => {
      try {
        checkRating(r.rating);
        return { movieId: r.movieId, rating: r.rating, at: checkTime(r.ratedAt ?? now) };
      } catch (err) {
        throw new StoreError(`rating ${k + 1} of ${ratings.length} (movie ${String(r.movieId)}): ${(err as Error).message}`);
      }
    });
    if (rows.length === 0) return 0;
    return this.write(() => {
      rows.forEach((r, k) => {
        try {
          this.checkTarget(memberId, r.movieId);
        } catch (err) {
          throw new StoreError(`rating ${k + 1} of ${rows.length}: ${(err as Error).message}`);
        }
        this.st.upsertRating.run(memberId, r.movieId, r.rating, r.at);
      });
      this.st.bumpVersion.run();
      return rows.length;
    });
  }

  unrate(memberId: number, movieId: string): boolean {
    return this.write(() => {
      const removed = this.st.deleteRating.run(memberId, movieId).changes > 0;
      if (removed) this.st.bumpVersion.run();
      return removed;
    });
  }

  memberRatings(memberId: number): MemberRating[] {
    return this.st.memberRatings.all(memberId).map((r) => ({ movieId: r.movie_id, rating: r.rating, ratedAt: r.rated_at }));
  }

  allMemberRatings(): Array<MemberRating & { memberId: number }> {
    return this.st.allMemberRatings
      .all()
      .map((r) => ({ memberId: r.member_id, movieId: r.movie_id, rating: r.rating, ratedAt: r.rated_at }));
  }

  asideRatings(memberId?: number): AsideRating[] {
    const rows = memberId === undefined ? this.st.asideRatings.all() : this.st.memberAsideRatings.all(memberId);
    return rows.map((r) => ({
      memberId: r.member_id,
      dataset: r.dataset,
      movieId: r.movie_id,
      title: r.title,
      year: r.year,
      rating: r.rating,
      ratedAt: r.rated_at,
      setAsideAt: r.set_aside_at,
      reason: r.reason,
    }));
  }

  forget(memberId: number): number {
    return this.write(() => {
      const n = this.st.countMemberRatings.get(memberId, memberId) ?? 0;
      // member_ratings and member_ratings_aside rows go with the member (ON DELETE CASCADE).
      this.st.deleteMember.run(memberId);
      if (n > 0) this.st.bumpVersion.run();
      return n;
    });
  }

  ratingsVersion(): number {
    return this.st.version.get() ?? 0;
  }

  private checkTarget(memberId: number, movieId: string): void {
    if (!Number.isInteger(memberId) || !this.st.memberById.get(memberId)) {
      throw new StoreError(`no member with id ${String(memberId)}`);
    }
    if (typeof movieId !== 'string' || !this.st.movieExists.get(movieId)) {
      throw new StoreError(`no movie with id ${JSON.stringify(movieId)} in the catalogue`);
    }
  }

  // ---- snapshots and evaluations ------------------------------------------------------------

  saveSnapshot(name: string, snap: Omit<Snapshot, 'createdAt'>): void {
    for (const _ of this.snapshotSaveSteps(name, snap));
    for (const _ of this.snapshotCleanupSteps());
  }

  *snapshotSaveSteps(name: string, snap: Omit<Snapshot, 'createdAt'>): Generator<void, void, void> {
    if (typeof name !== 'string' || name === '') throw new StoreError('a snapshot needs a non-empty name');
    if (typeof snap.key !== 'string') throw new StoreError(`snapshot ${name}: key must be a string`);
    if (!(snap.blob instanceof Uint8Array)) throw new StoreError(`snapshot ${name}: blob must be a Uint8Array`);
    // A Buffer view over the same bytes: better-sqlite3 binds Buffers as BLOBs, without a copy.
    const blob = Buffer.from(snap.blob.buffer, snap.blob.byteOffset, snap.blob.byteLength);
    const saveId = this.write(() => this.st.nextSnapshotSave.get()!);
    this.savesInFlight.add(saveId);
    try {
      let parts = 0;
      for (let at = 0; at < blob.byteLength; at += this.snapshotPartBytes, parts++) {
        yield;
        const part = blob.subarray(at, Math.min(at + this.snapshotPartBytes, blob.byteLength));
        this.write(() => this.st.putSnapshotPart.run(saveId, parts, part));
      }
      yield;
      this.write(() => {
        // the parts are checked where the key is published: a part deleted meanwhile (another
        // process cleaning up) fails the save instead of publishing a snapshot with a hole
        const written = this.st.snapshotPartsWritten.get(saveId)!;
        if (written.parts !== parts || written.bytes !== blob.byteLength) {
          throw new StoreError(`snapshot ${name}: ${written.parts} of ${parts} parts were found when saving; not saved`);
        }
        this.st.publishSnapshot.run(name, snap.key, this.now(), saveId, blob.byteLength);
      });
    } finally {
      this.savesInFlight.delete(saveId);
    }
  }

  *snapshotCleanupSteps(): Generator<void, void, void> {
    for (;;) {
      const orphan = this.st.orphanSnapshotPart.get(JSON.stringify([...this.savesInFlight]));
      if (!orphan) return;
      this.write(() => this.st.deleteSnapshotPart.run(orphan.save_id, orphan.part));
      yield;
    }
  }

  dropSnapshot(name: string): boolean {
    return this.write(() => this.st.deleteSnapshot.run(name).changes > 0);
  }

  loadSnapshot(name: string): Snapshot | undefined {
    // one read transaction: the row and the parts it names are seen together
    return this.inOneRead(() => {
      const row = this.st.snapshot.get(name);
      if (!row) return undefined;
      let b = row.blob;
      if (row.save_id !== null) {
        b = joinParts(this.st.snapshotParts.all(row.save_id));
        if (b.byteLength !== row.n_bytes) {
          throw new StoreError(`snapshot ${name} holds ${b.byteLength} bytes in its parts, expected ${String(row.n_bytes)}`);
        }
      }
      return { key: row.key, blob: new Uint8Array(b.buffer, b.byteOffset, b.byteLength), createdAt: row.created_at };
    }) as Snapshot | undefined;
  }

  saveEvaluation(report: unknown): void {
    const json = JSON.stringify(report);
    if (json === undefined) throw new StoreError('an evaluation report must be a JSON value (got undefined or a function)');
    this.write(() => this.st.addEvaluation.run(json, this.now()));
  }

  lastEvaluation(): { report: unknown; createdAt: number } | undefined {
    const row = this.st.lastEvaluation.get();
    return row && { report: JSON.parse(row.report) as unknown, createdAt: row.created_at };
  }
}
