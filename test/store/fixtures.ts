/** Small datasets built in code for the store tests, and a minimal reader of ml-latest-small. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { LoadedDataset, MovieRecord } from '../../src/data/types.ts';

export function movie(movieId: string, title: string, year: number | null, genres: string[] = []): MovieRecord {
  return { movieId, title: year === null ? title : `${title} (${year})`, displayTitle: title, year, genres };
}

/** Ratings as [user, movie, rating, timestamp] rows, in file order. */
export type RatingRow = [user: string, movie: string, rating: number, ts: number];

export function dataset(name: string, movies: MovieRecord[], rows: RatingRow[]): LoadedDataset {
  return {
    name,
    format: 'movielens-csv',
    dir: `/nowhere/${name}`,
    scale: [0.5, 5],
    movies,
    ratings: {
      users: rows.map((r) => r[0]),
      items: rows.map((r) => r[1]),
      ratings: Float32Array.from(rows.map((r) => r[2])),
      timestamps: Float64Array.from(rows.map((r) => r[3])),
    },
  };
}

/** Four films, three users: the catalogue most tests start from. */
export function tinyDataset(): LoadedDataset {
  return dataset(
    'tiny',
    [
      movie('1', 'Toy Story', 1995, ['Animation', 'Children']),
      { ...movie('2', 'Jumanji', 1995, ['Adventure']), imdbId: '0113497', tmdbId: '8844', keywords: ['board game'] },
      movie('3', 'Heat', 1995, ['Action', 'Crime']),
      movie('4', 'Babylon 5', null),
    ],
    [
      ['7', '3', 4, 964982703],
      ['7', '1', 3.5, 964981247],
      ['2', '1', 5, 964982224],
      ['9', '4', 1, NaN],
      ['2', '2', 0.5, 964983815],
    ],
  );
}

/** ml-latest-small's movies.csv and ratings.csv, read just enough for the store (titles left as-is). */
export function readMlLatestSmall(dir: string): LoadedDataset {
  const movieRows = parse(readFileSync(join(dir, 'movies.csv')), { columns: true, skip_empty_lines: true }) as Array<
    Record<'movieId' | 'title' | 'genres', string>
  >;
  const ratingRows = parse(readFileSync(join(dir, 'ratings.csv')), { from_line: 2, skip_empty_lines: true }) as string[][];
  const n = ratingRows.length;
  const users = new Array<string>(n);
  const items = new Array<string>(n);
  const ratings = new Float32Array(n);
  const timestamps = new Float64Array(n);
  ratingRows.forEach((r, k) => {
    users[k] = r[0];
    items[k] = r[1];
    ratings[k] = Number(r[2]);
    timestamps[k] = Number(r[3]);
  });
  return {
    name: 'ml-latest-small',
    format: 'movielens-csv',
    dir,
    scale: [0.5, 5],
    movies: movieRows.map((m) => ({
      movieId: m.movieId,
      title: m.title,
      displayTitle: m.title,
      year: null,
      genres: m.genres === '(no genres listed)' ? [] : m.genres.split('|'),
    })),
    ratings: { users, items, ratings, timestamps },
  };
}
