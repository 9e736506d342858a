/**
 * One entry point for every supported dataset folder: `detectFormat` tells which files are there,
 * `loadDataset` reads them into a LoadedDataset. Any file problem is a DataFileError naming the file
 * and line; nothing partial is ever returned.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { loadMl100k, STAR_SCALE } from './ml100k.ts';
import { HALF_STAR_SCALE, loadMovieLensCsv } from './movielens-csv.ts';
import { loadMovieLensDat } from './movielens-dat.ts';
import { METADATA_FILES, RATINGS_FILES, firstExisting, loadMoviesDataset } from './movies-dataset.ts';
import { DataFileError, type DatasetFormat, type LoadedDataset, type MovieRecord } from './types.ts';

export { loadRatingsFile } from './ratings.ts';

const SIGNATURES: ReadonlyArray<{ format: DatasetFormat; needs: ReadonlyArray<readonly string[]>; describe: string }> = [
  { format: 'the-movies-dataset', needs: [METADATA_FILES, RATINGS_FILES], describe: 'movies_metadata.csv + ratings_small.csv (The Movies Dataset)' },
  { format: 'movielens-csv', needs: [['movies.csv'], ['ratings.csv']], describe: 'movies.csv + ratings.csv (ml-latest-small, ml-25m, ml-32m)' },
  { format: 'ml-100k', needs: [['u.item'], ['u.data']], describe: 'u.item + u.data (ml-100k)' },
  { format: 'movielens-dat', needs: [['movies.dat'], ['ratings.dat']], describe: 'movies.dat + ratings.dat (ml-1m, ml-10m)' },
];

/** The format of a dataset folder, or undefined when it holds none of the known sets of files. */
export function sniffFormat(dir: string): DatasetFormat | undefined {
  if (!isDir(dir)) return undefined;
  for (const s of SIGNATURES) if (s.needs.every((names) => firstExisting(dir, names) !== undefined)) return s.format;
  return undefined;
}

/** The format of a dataset folder; a DataFileError listing what was expected and what is there otherwise. */
export function detectFormat(dir: string): DatasetFormat {
  if (!existsSync(dir)) throw new DataFileError(dir, undefined, 'folder not found');
  if (!isDir(dir)) throw new DataFileError(dir, undefined, 'is a file, not a dataset folder');
  const format = sniffFormat(dir);
  if (format) return format;
  const present = readdirSync(dir).slice(0, 12);
  throw new DataFileError(
    dir,
    undefined,
    `no known dataset files here (found: ${present.length ? present.join(', ') : 'nothing'}); expected one of: ${SIGNATURES.map((s) => s.describe).join('; ')}`,
  );
}

export interface LoadOptions {
  /** attach members' tags (tags.csv / tags.dat) to the movies; default true */
  tags?: boolean;
  /**
   * bytes of the ratings file read so far and its size, every megabyte (MovieLens CSV folders:
   * ml-32m's 0.9 GB ratings.csv takes about a minute to read)
   */
  onRatingBytes?: (done: number, total: number) => void;
  /**
   * called with the movies, complete (links, tags, keywords attached), before the ratings file is
   * read: what needs only the catalogue (the content model) can start on another core meanwhile
   */
  onMovies?: (movies: readonly MovieRecord[]) => void;
}

/**
 * What a dataset folder looks like on disk: its path and each file's name, size and modification
 * time, hashed. Same signature, same files (short of a same-size edit that also restores the
 * modification time), so a start-up can skip reading a dataset the store already holds.
 */
export function sourceSignature(dir: string): string {
  const abs = resolve(dir);
  const h = createHash('sha256').update(abs);
  for (const name of readdirSync(abs).sort()) {
    const st = statSync(resolve(abs, name), { throwIfNoEntry: false });
    if (st?.isFile()) h.update(`\0${name}\0${st.size}\0${st.mtimeMs}`);
  }
  return h.digest('hex');
}

export async function loadDataset(dir: string, opts: LoadOptions = {}): Promise<LoadedDataset> {
  const abs = resolve(dir);
  const format = detectFormat(abs);
  // taken before reading, so a file changed while it is read shows up as a change next time
  const source = sourceSignature(abs);
  const ds = await loadFormat(abs, format, opts);
  return { ...ds, source };
}

async function loadFormat(abs: string, format: DatasetFormat, opts: LoadOptions): Promise<LoadedDataset> {
  const name = basename(abs);
  switch (format) {
    case 'movielens-csv': {
      const { movies, ratings } = await loadMovieLensCsv(abs, { tags: opts.tags, onBytes: opts.onRatingBytes, onMovies: opts.onMovies });
      return { name, format, dir: abs, scale: HALF_STAR_SCALE, movies, ratings };
    }
    case 'ml-100k': {
      const { movies, ratings } = await loadMl100k(abs, opts);
      return { name, format, dir: abs, scale: STAR_SCALE, movies, ratings };
    }
    case 'movielens-dat': {
      const { movies, ratings, scale } = await loadMovieLensDat(abs, opts);
      return { name, format, dir: abs, scale, movies, ratings };
    }
    case 'the-movies-dataset': {
      const { movies, ratings, skipped } = await loadMoviesDataset(abs, opts);
      return { name, format, dir: abs, scale: HALF_STAR_SCALE, movies, ratings, ...(skipped.length ? { skipped } : {}) };
    }
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

