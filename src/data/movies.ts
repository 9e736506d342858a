/** Pieces shared by the loaders: movie records from titles, IMDb ids, tags, skipped-row counts. */
import { parseTitle } from './titles.ts';
import { DataFileError, type MovieRecord, type SkippedRows, type TagRecord } from './types.ts';

export function movieFromTitle(movieId: string, title: string, genres: string[]): MovieRecord {
  const p = parseTitle(title);
  const movie: MovieRecord = { movieId, title, displayTitle: p.display, year: p.year, genres };
  if (p.alternates.length > 0) movie.alternateTitles = p.alternates;
  return movie;
}

/**
 * The one IMDb id normaliser: "0114709", "114709", "tt0114709", "TT00114709" -> "tt0114709";
 * empty -> undefined; anything else -> null. IMDb writes at least 7 digits ("tt0114709") and
 * only ids past 9,999,999 take 8, so leading zeros beyond 7 digits are dropped: every spelling
 * of one title gives one string, and two ids are the same title exactly when these are equal.
 */
export function canonicalImdbId(text: string): string | undefined | null {
  const t = text.trim();
  if (t === '') return undefined;
  const m = /^(?:tt)?(\d+)$/iu.exec(t);
  if (!m) return null;
  const digits = m[1].replace(/^0+(?=\d)/u, '');
  if (digits === '0') return null;
  return `tt${digits.padStart(7, '0')}`;
}

/** MovieLens genres "Adventure|Animation"; "(no genres listed)" means none. */
export function splitGenres(text: string): string[] {
  if (text === '' || text === '(no genres listed)') return [];
  return text.split('|').filter((g) => g !== '' && g !== '(no genres listed)');
}

/**
 * Attaches members' tags to their movies: distinct (case-insensitively, first spelling kept), most used
 * first, ties in order of first use. Tags of movies not in the list are ignored.
 */
export function attachTags(movies: ReadonlyMap<string, MovieRecord>, tags: readonly TagRecord[]): void {
  const byMovie = new Map<string, Map<string, { tag: string; count: number; first: number }>>();
  tags.forEach((t, index) => {
    const text = t.tag.trim();
    if (text === '' || !movies.has(t.movieId)) return;
    let m = byMovie.get(t.movieId);
    if (!m) byMovie.set(t.movieId, (m = new Map()));
    const key = text.toLowerCase();
    const e = m.get(key);
    if (e) e.count++;
    else m.set(key, { tag: text, count: 1, first: index });
  });
  for (const [movieId, m] of byMovie) {
    const movie = movies.get(movieId)!;
    movie.tags = [...m.values()].sort((a, b) => b.count - a.count || a.first - b.first).map((e) => e.tag);
  }
}

/** Movies in file order and by id, refusing a repeated id (it would make ratings ambiguous). */
export class MovieIndex {
  readonly list: MovieRecord[] = [];
  readonly byId = new Map<string, MovieRecord>();
  private readonly lineOf = new Map<string, number>();

  add(file: string, line: number, movie: MovieRecord): void {
    const first = this.lineOf.get(movie.movieId);
    if (first !== undefined) throw new DataFileError(file, line, `movie id ${movie.movieId} appears twice (first on line ${first})`);
    this.lineOf.set(movie.movieId, line);
    this.byId.set(movie.movieId, movie);
    this.list.push(movie);
  }
}

/** Counts rows skipped for one reason in one file, keeping the first few line numbers. */
export class SkipCounter {
  private readonly entries = new Map<string, SkippedRows>();
  constructor(private readonly keepLines = 10) {}

  skip(file: string, line: number, reason: string): void {
    const key = `${file}\u0000${reason}`;
    let e = this.entries.get(key);
    if (!e) this.entries.set(key, (e = { file, count: 0, reason, lines: [] }));
    e.count++;
    if (e.lines.length < this.keepLines) e.lines.push(line);
  }

  list(): SkippedRows[] {
    return [...this.entries.values()];
  }
}

export const WHOLE_NUMBER = /^\d+$/u;

export function requireWhole(file: string, line: number, what: string, text: string): string {
  const t = text.trim();
  if (!WHOLE_NUMBER.test(t)) throw new DataFileError(file, line, `${what} ${JSON.stringify(text)} is not a whole number`);
  return t;
}
