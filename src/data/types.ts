/** What the loaders produce: plain records, independent of the file format they came from. */

export interface MovieRecord {
  /** the dataset's movie id (MovieLens movieId; for The Movies Dataset, the MovieLens id via links when known) */
  movieId: string;
  /** the title exactly as in the file, e.g. "Matrix, The (1999)" */
  title: string;
  /** the title for people, e.g. "The Matrix" */
  displayTitle: string;
  /** other names the title carries, e.g. "Le Fabuleux destin d'Amélie Poulain" for "Amelie" (for title lookup) */
  alternateTitles?: string[];
  year: number | null;
  genres: string[];
  /** IMDb id in its canonical "tt0114709" form, whatever form the file used */
  imdbId?: string;
  tmdbId?: string;
  overview?: string;
  tagline?: string;
  keywords?: string[];
  /** members' free-text tags (MovieLens tags.csv), when loaded */
  tags?: string[];
}

/** Ratings as columns, in file order (file order fixes Surprise's inner ids and ties). */
export interface RatingTable {
  users: string[];
  items: string[];
  ratings: Float32Array;
  /** seconds since the epoch; NaN when the format has none */
  timestamps: Float64Array;
}

export interface TagRecord {
  userId: string;
  movieId: string;
  tag: string;
  timestamp: number;
}

export type DatasetFormat = 'movielens-csv' | 'ml-100k' | 'movielens-dat' | 'the-movies-dataset';

export interface LoadedDataset {
  /** e.g. "ml-latest-small" (the folder's name) */
  name: string;
  format: DatasetFormat;
  dir: string;
  scale: readonly [number, number];
  movies: MovieRecord[];
  ratings: RatingTable;
  /** the folder's signature when it was read (sourceSignature in load.ts), if read from a folder */
  source?: string;
  /** rows left out on purpose (known quirks of published files, e.g. malformed rows in movies_metadata.csv) */
  skipped?: SkippedRows[];
}

/** Rows a loader skipped rather than failed on, so callers can say so to a person. */
export interface SkippedRows {
  file: string;
  count: number;
  reason: string;
  /** the first few 1-based line numbers, for a person to look at */
  lines: number[];
}

/** A file problem a person can fix: names the file and the line. */
export class DataFileError extends Error {
  override name = 'DataFileError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(`${file}${line !== undefined ? `, line ${line}` : ''}: ${problem}`);
  }
}
