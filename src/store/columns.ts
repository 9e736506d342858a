/**
 * The dataset's ratings packed as columns: raw ids once each (JSON) plus per-rating Int32 codes,
 * and the ratings and timestamps as raw Float32/Float64 bytes.
 *
 * Why columns and not the `dataset_ratings` table's rows: better-sqlite3 costs about a microsecond
 * per row, so reading 100k rows back takes ~100–130 ms however the query is written, while the
 * packed columns decode in a few milliseconds (and share one string per distinct id). An import
 * now writes the columns alone (the 32 M rows beside them, which nothing read, took most of an
 * ml-32m import); the table is read only in stores written before that.
 *
 * Byte order is the host's, which is little-endian on every platform Node ships for; the
 * decoder refuses anything else rather than misread it.
 */
import { endianness } from 'node:os';
import type { RatingTable } from '../data/types.ts';
import { StoreError } from './api.ts';

export interface PackedColumns {
  n: number;
  user_ids: string;
  user_codes: Buffer;
  movie_ids: string;
  movie_codes: Buffer;
  ratings: Buffer;
  timestamps: Buffer;
}

export function packColumns(t: RatingTable): PackedColumns {
  const n = t.ratings.length;
  const users = encode(t.users, n);
  const movies = encode(t.items, n);
  return {
    n,
    user_ids: JSON.stringify(users.ids),
    user_codes: bytesOf(users.codes),
    movie_ids: JSON.stringify(movies.ids),
    movie_codes: bytesOf(movies.codes),
    ratings: bytesOf(Float32Array.from(t.ratings)),
    timestamps: bytesOf(canonicalNaN(Float64Array.from(t.timestamps))),
  };
}

export function unpackColumns(p: PackedColumns): RatingTable {
  if (endianness() !== 'LE') throw new StoreError('the packed dataset ratings are little-endian; this host is not');
  const n = p.n;
  const userCodes = copyInto(new Int32Array(n), p.user_codes, 'user codes');
  const movieCodes = copyInto(new Int32Array(n), p.movie_codes, 'movie codes');
  const ratings = copyInto(new Float32Array(n), p.ratings, 'ratings');
  const timestamps = copyInto(new Float64Array(n), p.timestamps, 'timestamps');
  return {
    users: decode(JSON.parse(p.user_ids) as string[], userCodes),
    items: decode(JSON.parse(p.movie_ids) as string[], movieCodes),
    ratings,
    timestamps,
  };
}

/**
 * The dataset's ratings with each raw id once: `userCodes[k]` indexes `userIds`. What training
 * needs, without the 2 × n strings of unpackColumns (13 s to build and 12 s to copy to a worker
 * at 10 M ratings on the shared machine) and without the timestamps.
 */
export interface CodedRatings {
  userIds: string[];
  userCodes: Int32Array;
  itemIds: string[];
  itemCodes: Int32Array;
  ratings: Float32Array;
  /** itemIds ends with catalogue movies no code names, to be kept (trainingCodes; core's CodedColumns) */
  keepUnratedItems?: boolean;
  /** the dataset's share of the id lists, when they start with a dataset's own ids (trainingCodes) */
  dataset?: DatasetIdPrefix;
}

/**
 * The first `users` ids of a CodedRatings' userIds and the first `items` of its itemIds are the
 * dataset's own: the same, in the same order, for every read of the dataset with this fingerprint
 * (the fingerprint hashes the packed id lists). A retrain's worker leaves them out of what it
 * sends back when the main thread already holds them (bot/trainer.ts TrainJob.heldIds).
 */
export interface DatasetIdPrefix {
  fingerprint: string;
  users: number;
  items: number;
}

/** The packed timestamps (seconds, NaN where the format has none) of `n` ratings. */
export function unpackTimestamps(n: number, bytes: Buffer): Float64Array {
  if (endianness() !== 'LE') throw new StoreError('the packed dataset ratings are little-endian; this host is not');
  return copyInto(new Float64Array(n), bytes, 'timestamps');
}

export function unpackCodes(p: Omit<PackedColumns, 'timestamps'>): CodedRatings {
  if (endianness() !== 'LE') throw new StoreError('the packed dataset ratings are little-endian; this host is not');
  const n = p.n;
  return {
    userIds: JSON.parse(p.user_ids) as string[],
    userCodes: copyInto(new Int32Array(n), p.user_codes, 'user codes'),
    itemIds: JSON.parse(p.movie_ids) as string[],
    itemCodes: copyInto(new Int32Array(n), p.movie_codes, 'movie codes'),
    ratings: copyInto(new Float32Array(n), p.ratings, 'ratings'),
  };
}

/** The coded form of string columns (the fallback when no packed copy exists). */
export function codeRatings(t: { users: ArrayLike<string>; items: ArrayLike<string>; ratings: Float32Array }): CodedRatings {
  const n = t.ratings.length;
  const users = encode(t.users, n);
  const items = encode(t.items, n);
  return { userIds: users.ids, userCodes: users.codes, itemIds: items.ids, itemCodes: items.codes, ratings: t.ratings };
}

function encode(raw: ArrayLike<string>, n: number): { ids: string[]; codes: Int32Array } {
  const index = new Map<string, number>();
  const ids: string[] = [];
  const codes = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const id = raw[k];
    let c = index.get(id);
    if (c === undefined) {
      c = ids.length;
      index.set(id, c);
      ids.push(id);
    }
    codes[k] = c;
  }
  return { ids, codes };
}

function decode(ids: string[], codes: Int32Array): string[] {
  const out = new Array<string>(codes.length);
  for (let k = 0; k < codes.length; k++) out[k] = ids[codes[k]];
  return out;
}

/** NaN has many bit patterns; one is stored so equal data packs (and fingerprints) to equal bytes. */
function canonicalNaN(a: Float64Array): Float64Array {
  for (let k = 0; k < a.length; k++) if (Number.isNaN(a[k])) a[k] = NaN;
  return a;
}

function bytesOf(a: Int32Array | Float32Array | Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Copies (SQLite's buffers need not be aligned for a typed-array view) and checks the length. */
function copyInto<T extends Int32Array | Float32Array | Float64Array>(out: T, bytes: Buffer, what: string): T {
  if (bytes.byteLength !== out.byteLength) {
    throw new StoreError(
      `the packed dataset ${what} hold ${bytes.byteLength} bytes, expected ${out.byteLength}: re-import the dataset`,
    );
  }
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(bytes);
  return out;
}
