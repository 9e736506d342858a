/**
 * Kaggle's "The Movies Dataset": MovieLens ratings (ratings_small.csv, else ratings.csv) and links
 * (links_small.csv / links.csv: movieId,imdbId,tmdbId) plus TMDB metadata keyed by TMDB id
 * (movies_metadata.csv, or the local 5,000-row movies_metadata_head5000.csv) and keywords.csv.
 * Genres and keywords are Python literals, read by ./python-literal.ts without evaluating anything.
 *
 * Movies are keyed by the MovieLens movieId through the links (tmdbId -> movieId) so they line up
 * with the ratings; a TMDB movie with no link keeps "tmdb:<id>" as its id. The published metadata
 * has malformed rows (shifted columns, dates where the id belongs) and repeated ids: those are
 * skipped and counted in `skipped`, never fatal.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { headerIndex, readCsv } from './csv.ts';
import { SkipCounter, WHOLE_NUMBER, canonicalImdbId, requireWhole } from './movies.ts';
import { PythonLiteralError, namesFromPythonList } from './python-literal.ts';
import { readRatings } from './ratings.ts';
import { DataFileError, type MovieRecord, type RatingTable, type SkippedRows } from './types.ts';

export const METADATA_FILES = ['movies_metadata.csv', 'movies_metadata_head5000.csv'] as const;
export const RATINGS_FILES = ['ratings_small.csv', 'ratings.csv'] as const;
export const LINKS_FILES = ['links_small.csv', 'links.csv'] as const;

export function firstExisting(dir: string, names: readonly string[]): string | undefined {
  for (const n of names) if (existsSync(join(dir, n))) return join(dir, n);
  return undefined;
}

export async function loadMoviesDataset(
  dir: string,
  opts: { onMovies?: (movies: readonly MovieRecord[]) => void } = {},
): Promise<{ movies: MovieRecord[]; ratings: RatingTable; skipped: SkippedRows[] }> {
  const metadata = firstExisting(dir, METADATA_FILES);
  const ratingsFile = firstExisting(dir, RATINGS_FILES);
  if (!metadata) throw new DataFileError(join(dir, METADATA_FILES[0]), undefined, `file not found (nor ${METADATA_FILES[1]})`);
  if (!ratingsFile) throw new DataFileError(join(dir, RATINGS_FILES[0]), undefined, `file not found (nor ${RATINGS_FILES[1]})`);

  const skips = new SkipCounter();
  const tmdbToMovieId = await readTmdbLinks(dir);
  const movies = await readMetadata(metadata, tmdbToMovieId, skips);
  const keywordsFile = join(dir, 'keywords.csv');
  if (existsSync(keywordsFile)) await readKeywords(keywordsFile, movies, skips);
  const list = [...movies.values()];
  opts.onMovies?.(list);
  const ratings = await readRatings(ratingsFile, { delimiter: ',', header: true, scale: [0.5, 5], strict: true });
  return { movies: list, ratings, skipped: skips.list() };
}

/**
 * tmdbId -> MovieLens movieId. links_small.csv (the companion of ratings_small.csv) wins; links.csv
 * fills in the rest. A tmdbId listed for two movieIds keeps the first; a movieId is used once.
 */
export async function readTmdbLinks(dir: string): Promise<Map<string, { movieId: string; imdbId?: string }>> {
  const map = new Map<string, { movieId: string; imdbId?: string }>();
  const used = new Set<string>();
  for (const name of LINKS_FILES) {
    const file = join(dir, name);
    if (!existsSync(file)) continue;
    let col: Record<'id' | 'imdb' | 'tmdb', number> | undefined;
    await readCsv(file, {}, (f, line) => {
      if (!col) {
        col = headerIndex(file, f, { id: { names: ['movieId'] }, imdb: { names: ['imdbId'] }, tmdb: { names: ['tmdbId'] } }, 'movieId,imdbId,tmdbId', line);
        return;
      }
      const movieId = requireWhole(file, line, 'movieId', f[col.id]);
      const tmdb = f[col.tmdb].trim();
      if (tmdb === '' || map.has(tmdb) || used.has(movieId)) return;
      const imdb = canonicalImdbId(f[col.imdb]);
      map.set(tmdb, { movieId, ...(imdb ? { imdbId: imdb } : {}) });
      used.add(movieId);
    });
  }
  return map;
}

/** movies_metadata.csv -> movies by TMDB id. */
export async function readMetadata(
  file: string,
  links: ReadonlyMap<string, { movieId: string; imdbId?: string }>,
  skips: SkipCounter,
): Promise<Map<string, MovieRecord>> {
  const byTmdb = new Map<string, MovieRecord>();
  let header: string[] | undefined;
  let col: Record<'id' | 'imdb' | 'title' | 'original' | 'overview' | 'tagline' | 'genres' | 'date', number> | undefined;
  await readCsv(file, { relaxColumnCount: true }, (f, line) => {
    if (!header || !col) {
      header = f;
      col = headerIndex(
        file,
        f,
        {
          id: { names: ['id'] },
          imdb: { names: ['imdb_id'], optional: true },
          title: { names: ['title'] },
          original: { names: ['original_title'], optional: true },
          overview: { names: ['overview'], optional: true },
          tagline: { names: ['tagline'], optional: true },
          genres: { names: ['genres'] },
          date: { names: ['release_date'], optional: true },
        },
        'adult,...,genres,...,id,imdb_id,...,title,...',
        line,
      );
      return;
    }
    if (f.length !== header.length) return skips.skip(file, line, `row has ${f.length} fields instead of ${header.length}`);
    const tmdb = f[col.id].trim();
    if (!WHOLE_NUMBER.test(tmdb)) return skips.skip(file, line, 'id is not a TMDB id (shifted columns)');
    if (byTmdb.has(tmdb)) return skips.skip(file, line, 'repeated TMDB id');
    const title = f[col.title].trim() || (col.original >= 0 ? f[col.original].trim() : '');
    if (title === '') return skips.skip(file, line, 'no title');
    let genres: string[];
    try {
      genres = namesFromPythonList(f[col.genres]);
    } catch (err) {
      if (err instanceof PythonLiteralError) return skips.skip(file, line, 'genres are not a readable list');
      throw err;
    }
    const link = links.get(tmdb);
    const date = col.date >= 0 ? /^(\d{4})-\d{2}-\d{2}$/u.exec(f[col.date].trim()) : null;
    const movie: MovieRecord = {
      movieId: link ? link.movieId : `tmdb:${tmdb}`,
      title,
      displayTitle: title,
      year: date ? Number(date[1]) : null,
      genres,
      tmdbId: tmdb,
    };
    const original = col.original >= 0 ? f[col.original].trim() : '';
    if (original !== '' && original !== title) movie.alternateTitles = [original];
    const imdb = (col.imdb >= 0 ? canonicalImdbId(f[col.imdb]) : undefined) ?? link?.imdbId;
    if (imdb) movie.imdbId = imdb;
    const overview = col.overview >= 0 ? f[col.overview].trim() : '';
    if (overview !== '' && overview !== 'No overview found.') movie.overview = overview;
    const tagline = col.tagline >= 0 ? f[col.tagline].trim() : '';
    if (tagline !== '') movie.tagline = tagline;
    byTmdb.set(tmdb, movie);
  });
  if (!header) throw new DataFileError(file, undefined, 'the file is empty');
  return byTmdb;
}

/** keywords.csv: id,keywords (a Python-literal list of {'id', 'name'}) for the movies already read. */
export async function readKeywords(file: string, byTmdb: ReadonlyMap<string, MovieRecord>, skips: SkipCounter): Promise<void> {
  let col: Record<'id' | 'keywords', number> | undefined;
  const seen = new Set<string>();
  await readCsv(file, {}, (f, line) => {
    if (!col) {
      col = headerIndex(file, f, { id: { names: ['id'] }, keywords: { names: ['keywords'] } }, 'id,keywords', line);
      return;
    }
    const tmdb = f[col.id].trim();
    const movie = byTmdb.get(tmdb);
    // keywords.csv repeats some ids with the same list; the first one counts
    if (!movie || seen.has(tmdb)) return;
    seen.add(tmdb);
    try {
      const names = namesFromPythonList(f[col.keywords]);
      if (names.length > 0) movie.keywords = names;
    } catch (err) {
      if (err instanceof PythonLiteralError) return skips.skip(file, line, 'keywords are not a readable list');
      throw err;
    }
  });
}
