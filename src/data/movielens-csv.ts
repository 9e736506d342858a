/**
 * MovieLens CSV releases (ml-latest-small, ml-latest, ml-25m, ml-32m): movies.csv, ratings.csv,
 * optional links.csv and tags.csv. CRLF or LF; titles with commas are quoted.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { headerIndex, readCsv } from './csv.ts';
import { MovieIndex, attachTags, canonicalImdbId, movieFromTitle, requireWhole, splitGenres } from './movies.ts';
import { readRatings } from './ratings.ts';
import { DataFileError, type MovieRecord, type RatingTable, type TagRecord } from './types.ts';

export const HALF_STAR_SCALE = [0.5, 5] as const;

export interface MovieLensCsvData {
  movies: MovieRecord[];
  ratings: RatingTable;
}

export async function loadMovieLensCsv(
  dir: string,
  opts: { tags?: boolean; onBytes?: (done: number, total: number) => void } = {},
): Promise<MovieLensCsvData> {
  const index = await readMovieLensMovies(join(dir, 'movies.csv'));
  const links = join(dir, 'links.csv');
  if (existsSync(links)) await readLinks(links, index.byId);
  const tagsFile = join(dir, 'tags.csv');
  if (opts.tags !== false && existsSync(tagsFile)) attachTags(index.byId, await readTags(tagsFile));
  const ratings = await readRatings(join(dir, 'ratings.csv'), { delimiter: ',', header: true, scale: HALF_STAR_SCALE, strict: true, onBytes: opts.onBytes });
  return { movies: index.list, ratings };
}

/** movies.csv: movieId,title,genres */
export async function readMovieLensMovies(file: string): Promise<MovieIndex> {
  const index = new MovieIndex();
  let col: Record<'id' | 'title' | 'genres', number> | undefined;
  await readCsv(file, {}, (f, line) => {
    if (!col) {
      col = headerIndex(file, f, { id: { names: ['movieId'] }, title: { names: ['title'] }, genres: { names: ['genres'] } }, 'movieId,title,genres', line);
      return;
    }
    const id = requireWhole(file, line, 'movieId', f[col.id]);
    const title = f[col.title].trim();
    if (title === '') throw new DataFileError(file, line, `movie ${id} has an empty title`);
    index.add(file, line, movieFromTitle(id, title, splitGenres(f[col.genres].trim())));
  });
  if (!col) throw new DataFileError(file, undefined, 'the file is empty: expected a header "movieId,title,genres"');
  return index;
}

/** links.csv: movieId,imdbId,tmdbId — attached to the movies; links to unknown movies are ignored. */
export async function readLinks(file: string, movies: ReadonlyMap<string, MovieRecord>): Promise<void> {
  let col: Record<'id' | 'imdb' | 'tmdb', number> | undefined;
  await readCsv(file, {}, (f, line) => {
    if (!col) {
      col = headerIndex(file, f, { id: { names: ['movieId'] }, imdb: { names: ['imdbId'] }, tmdb: { names: ['tmdbId'] } }, 'movieId,imdbId,tmdbId', line);
      return;
    }
    const movie = movies.get(requireWhole(file, line, 'movieId', f[col.id]));
    if (!movie) return;
    const imdb = canonicalImdbId(f[col.imdb]);
    if (imdb === null) throw new DataFileError(file, line, `imdbId ${JSON.stringify(f[col.imdb])} is not an IMDb id`);
    if (imdb) movie.imdbId = imdb;
    const tmdb = f[col.tmdb].trim();
    if (tmdb !== '') movie.tmdbId = requireWhole(file, line, 'tmdbId', tmdb);
  });
}

/** tags.csv: userId,movieId,tag,timestamp (a tag may be quoted and hold commas). */
export async function readTags(file: string): Promise<TagRecord[]> {
  const tags: TagRecord[] = [];
  let col: Record<'user' | 'movie' | 'tag' | 'ts', number> | undefined;
  await readCsv(file, {}, (f, line) => {
    if (!col) {
      col = headerIndex(
        file,
        f,
        { user: { names: ['userId'] }, movie: { names: ['movieId'] }, tag: { names: ['tag'] }, ts: { names: ['timestamp'] } },
        'userId,movieId,tag,timestamp',
        line,
      );
      return;
    }
    const ts = Number(f[col.ts]);
    if (f[col.ts].trim() === '' || !Number.isFinite(ts)) throw new DataFileError(file, line, `timestamp ${JSON.stringify(f[col.ts])} is not a number`);
    tags.push({ userId: requireWhole(file, line, 'userId', f[col.user]), movieId: requireWhole(file, line, 'movieId', f[col.movie]), tag: f[col.tag], timestamp: ts });
  });
  return tags;
}
