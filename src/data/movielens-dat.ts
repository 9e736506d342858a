/**
 * MovieLens 1M and 10M: "::"-separated ratings.dat, movies.dat and (10M) tags.dat, no header, no
 * quoting. ml-1m movies.dat is Latin-1 and ml-10m's is UTF-8: the bytes decide. ml-1m rates in whole
 * stars (it ships users.dat); ml-10m in half stars.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { detectEncoding, readCsv } from './csv.ts';
import { MovieIndex, attachTags, movieFromTitle, requireWhole, splitGenres } from './movies.ts';
import { readRatings } from './ratings.ts';
import { DataFileError, type MovieRecord, type RatingTable, type TagRecord } from './types.ts';

export function datScale(dir: string): readonly [number, number] {
  return existsSync(join(dir, 'users.dat')) ? [1, 5] : [0.5, 5];
}

export async function loadMovieLensDat(
  dir: string,
  opts: { tags?: boolean; onMovies?: (movies: readonly MovieRecord[]) => void } = {},
): Promise<{ movies: MovieRecord[]; ratings: RatingTable; scale: readonly [number, number] }> {
  const scale = datScale(dir);
  const index = await readDatMovies(join(dir, 'movies.dat'));
  const tagsFile = join(dir, 'tags.dat');
  if (opts.tags !== false && existsSync(tagsFile)) attachTags(index.byId, await readDatTags(tagsFile));
  opts.onMovies?.(index.list);
  const ratings = await readRatings(join(dir, 'ratings.dat'), { delimiter: '::', header: false, scale, strict: true });
  return { movies: index.list, ratings, scale };
}

/** movies.dat: movieId::title::genres */
export async function readDatMovies(file: string): Promise<MovieIndex> {
  const index = new MovieIndex();
  await readCsv(file, { delimiter: '::', quote: false, relaxColumnCount: true, encoding: detectEncoding(file) }, (f, line) => {
    if (f.length !== 3) throw new DataFileError(file, line, `expected 3 fields (movieId::title::genres), found ${f.length}`);
    const id = requireWhole(file, line, 'movieId', f[0]);
    const title = f[1].trim();
    if (title === '') throw new DataFileError(file, line, `movie ${id} has an empty title`);
    index.add(file, line, movieFromTitle(id, title, splitGenres(f[2].trim())));
  });
  return index;
}

/** tags.dat: userId::movieId::tag::timestamp; a tag holding "::" is put back together. */
export async function readDatTags(file: string): Promise<TagRecord[]> {
  const tags: TagRecord[] = [];
  await readCsv(file, { delimiter: '::', quote: false, relaxColumnCount: true, encoding: detectEncoding(file) }, (f, line) => {
    if (f.length < 4) throw new DataFileError(file, line, `expected 4 fields (userId::movieId::tag::timestamp), found ${f.length}`);
    const tsText = f[f.length - 1];
    const ts = Number(tsText);
    if (tsText.trim() === '' || !Number.isFinite(ts)) throw new DataFileError(file, line, `timestamp ${JSON.stringify(tsText)} is not a number`);
    tags.push({
      userId: requireWhole(file, line, 'userId', f[0]),
      movieId: requireWhole(file, line, 'movieId', f[1]),
      tag: f.slice(2, -1).join('::'),
      timestamp: ts,
    });
  });
  return tags;
}
