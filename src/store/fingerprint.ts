/**
 * The fingerprint of a dataset: sha256 over its movies and ratings in order, so importing the
 * same data again can be recognised without touching the database. The name, folder and format
 * are not part of it: the same content under another folder name is the same data.
 */
import { createHash } from 'node:crypto';
import type { LoadedDataset, MovieRecord } from '../data/types.ts';
import { StoreError } from './api.ts';
import { packColumns, type PackedColumns } from './columns.ts';

/**
 * Hashes the movies (JSON, a native call per batch rather than per movie) and the ratings in their
 * packed form: raw ids as JSON dictionaries plus fixed-width codes and values, which is
 * unambiguous and far cheaper than encoding every rating as text.
 */
export function datasetFingerprint(ds: LoadedDataset, packed: PackedColumns = packColumns(ds.ratings)): string {
  const hash = createHash('sha256');
  hash.update(`marquee-dataset-v1\nmovies ${ds.movies.length}\n`);
  let buf = '';
  for (const m of ds.movies) {
    buf += JSON.stringify(movieTuple(m)) + '\n';
    if (buf.length > CHUNK_CHARS) {
      hash.update(buf);
      buf = '';
    }
  }
  hash.update(buf);
  hash.update(`ratings ${packed.n}\n${packed.user_ids}\n${packed.movie_ids}\n`);
  hash.update(packed.user_codes);
  hash.update(packed.movie_codes);
  hash.update(packed.ratings);
  hash.update(packed.timestamps);
  return hash.digest('hex');
}

const CHUNK_CHARS = 1 << 20;

/** The movie's fields in a fixed order, absent optional fields as null (key order must not matter). */
export function movieTuple(m: MovieRecord): unknown[] {
  return [
    m.movieId,
    m.title,
    m.displayTitle,
    m.year,
    m.genres,
    m.imdbId ?? null,
    m.tmdbId ?? null,
    m.overview ?? null,
    m.tagline ?? null,
    m.keywords ?? null,
    m.tags ?? null,
  ];
}

/**
 * Checks what the database would otherwise reject with a cryptic constraint error (or silently
 * collapse, for duplicate movie ids), naming the offending record.
 */
export function checkDataset(ds: LoadedDataset): void {
  const seen = new Set<string>();
  ds.movies.forEach((m, k) => {
    if (typeof m.movieId !== 'string' || m.movieId === '') {
      throw new StoreError(`dataset ${ds.name}: movie ${k} has no movie id`);
    }
    if (seen.has(m.movieId)) throw new StoreError(`dataset ${ds.name}: movie id "${m.movieId}" appears twice`);
    seen.add(m.movieId);
    if (typeof m.title !== 'string' || typeof m.displayTitle !== 'string') {
      throw new StoreError(`dataset ${ds.name}: movie "${m.movieId}" has no title`);
    }
  });
  const { users, items, ratings, timestamps } = ds.ratings;
  const n = ratings.length;
  if (users.length !== n || items.length !== n || timestamps.length !== n) {
    throw new StoreError(
      `dataset ${ds.name}: rating columns differ in length (${users.length} users, ${items.length} items, ` +
        `${n} ratings, ${timestamps.length} timestamps)`,
    );
  }
  for (let k = 0; k < n; k++) {
    if (!Number.isFinite(ratings[k])) {
      throw new StoreError(`dataset ${ds.name}: rating ${k} (user ${users[k]}, movie ${items[k]}) is not a number`);
    }
  }
}
