/** Small datasets built in code for the store tests. */
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
