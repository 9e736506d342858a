/**
 * MovieLens 100K: u.data (tab-separated user item rating timestamp, no header), u.item (pipe-separated,
 * Latin-1, 5 fields then one 0/1 flag per genre of u.genre), u.genre ("name|index" lines).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { detectEncoding, readCsv } from './csv.ts';
import { MovieIndex, movieFromTitle, requireWhole } from './movies.ts';
import { readRatings } from './ratings.ts';
import { DataFileError, type MovieRecord, type RatingTable } from './types.ts';

export const STAR_SCALE = [1, 5] as const;

/** u.genre of the published ml-100k, used when the file is missing. */
export const ML100K_GENRES: readonly string[] = [
  'unknown', 'Action', 'Adventure', 'Animation', "Children's", 'Comedy', 'Crime', 'Documentary', 'Drama', 'Fantasy',
  'Film-Noir', 'Horror', 'Musical', 'Mystery', 'Romance', 'Sci-Fi', 'Thriller', 'War', 'Western',
];

export async function loadMl100k(
  dir: string,
  opts: { onMovies?: (movies: readonly MovieRecord[]) => void } = {},
): Promise<{ movies: MovieRecord[]; ratings: RatingTable }> {
  const genreFile = join(dir, 'u.genre');
  const genres = existsSync(genreFile) ? await readGenres(genreFile) : ML100K_GENRES;
  const index = await readItems(join(dir, 'u.item'), genres);
  opts.onMovies?.(index.list);
  const ratings = await readRatings(join(dir, 'u.data'), { delimiter: '\t', header: false, scale: STAR_SCALE, strict: true });
  return { movies: index.list, ratings };
}

/** u.genre: "Action|1" lines, ordered by index. */
export async function readGenres(file: string): Promise<string[]> {
  const byIndex: string[] = [];
  await readCsv(file, { delimiter: '|', quote: false, relaxColumnCount: true, encoding: detectEncoding(file) }, (f, line) => {
    if (f.length !== 2) throw new DataFileError(file, line, `expected "name|index", found ${f.length} fields`);
    const at = Number(requireWhole(file, line, 'genre index', f[1]));
    if (byIndex[at] !== undefined) throw new DataFileError(file, line, `genre index ${at} appears twice`);
    byIndex[at] = f[0].trim();
  });
  for (let k = 0; k < byIndex.length; k++) {
    if (byIndex[k] === undefined) throw new DataFileError(file, undefined, `genre index ${k} is missing`);
  }
  if (byIndex.length === 0) throw new DataFileError(file, undefined, 'no genres listed');
  return byIndex;
}

/**
 * u.item: movie id | title | release date | video release date | IMDb URL (ignored) | genre flags.
 * The "unknown" genre becomes no genre, as "(no genres listed)" does in the CSV releases.
 */
export async function readItems(file: string, genres: readonly string[]): Promise<MovieIndex> {
  const index = new MovieIndex();
  const nFields = 5 + genres.length;
  await readCsv(file, { delimiter: '|', quote: false, relaxColumnCount: true, encoding: detectEncoding(file) }, (f, line) => {
    if (f.length !== nFields) {
      throw new DataFileError(file, line, `expected ${nFields} fields (id|title|release date|video date|IMDb URL|${genres.length} genre flags), found ${f.length}`);
    }
    const id = requireWhole(file, line, 'movie id', f[0]);
    const title = f[1].trim();
    const g: string[] = [];
    for (let k = 0; k < genres.length; k++) {
      const flag = f[5 + k];
      if (flag !== '0' && flag !== '1') throw new DataFileError(file, line, `genre flag for ${genres[k]} is ${JSON.stringify(flag)}, expected 0 or 1`);
      if (flag === '1' && genres[k] !== 'unknown') g.push(genres[k]);
    }
    const movie = movieFromTitle(id, title, g);
    // a few titles carry no year; the release date ("01-Jan-1995") still does
    if (movie.year === null) {
      const y = /(\d{4})\s*$/u.exec(f[2].trim());
      if (y) movie.year = Number(y[1]);
    }
    index.add(file, line, movie);
  });
  return index;
}
