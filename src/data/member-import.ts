/**
 * A member's own ratings exported from elsewhere, for importing into Marquee:
 *  - Letterboxd ratings.csv  (Date,Name,Year,Letterboxd URI,Rating — Rating 0.5–5 in half stars;
 *    diary.csv works too, its unrated entries are skipped)
 *  - IMDb ratings.csv        (Const,Your Rating,Date Rated,Title,...,Title Type,...,Year,... — 1–10,
 *    halved and rounded to the nearest half star; TV series, episodes and games are skipped)
 *  - Marquee's own export    (title,year,rating,rated_at — see exportMemberCsv)
 * The kind is recognised from the header.
 *
 * Error policy: a file that cannot be read as one of these (unknown header, broken CSV quoting)
 * throws a DataFileError naming the file and line. A bad row does not stop the import: it lands in
 * `errors` with its line and the problem, and the good rows are still returned, so a member with
 * one odd line in 800 still gets 799 ratings and a precise list of what was left out.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseSync } from 'csv-parse/sync';
import { asDataFileError, headerIndex } from './csv.ts';
import { canonicalImdbId } from './movies.ts';
import { normalizeTitle } from './titles.ts';
import { DataFileError } from './types.ts';

export type MemberImportSource = 'letterboxd' | 'imdb' | 'marquee';

export interface MemberImportRow {
  title: string;
  year: number | null;
  /** half stars, 0.5–5 */
  rating: number;
  /** canonical "tt0133093" form (IMDb exports) */
  imdbId?: string;
  /** milliseconds since the epoch, when the export says when */
  ratedAt?: number;
  /** 1-based line in the file */
  line: number;
}

export interface MemberImportIssue {
  line: number;
  problem: string;
}

/** Why a row was left out on purpose: what the row is (IMDb's title types), or had no rating, or repeats a film. */
export type SkipKind =
  | 'TV series'
  | 'TV episode'
  | 'TV mini-series'
  | 'video game'
  | 'podcast series'
  | 'podcast episode'
  | 'music video'
  | 'no rating'
  | 'repeat';

export interface MemberImportSkip extends MemberImportIssue {
  kind: SkipKind;
}

export interface MemberImportResult {
  source: MemberImportSource;
  rows: MemberImportRow[];
  /** rows that could not be read, with the reason */
  errors: MemberImportIssue[];
  /** rows left out on purpose: no rating, not a film, or an older duplicate of a later row */
  skipped: MemberImportSkip[];
}

export async function readMemberRatingsFile(path: string): Promise<MemberImportResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw asDataFileError(path, err);
  }
  return parseMemberRatings(bytes, path);
}

/**
 * Parses an export held in memory (e.g. a chat attachment). `fileName` names it in messages: the
 * member's own file name when known, else "your file" or "the pasted text".
 */
export function parseMemberRatings(content: string | Uint8Array, fileName = 'your file'): MemberImportResult {
  const text = memberExportText(content, fileName).replace(/^\uFEFF/u, '');
  const records: Array<{ fields: string[]; line: number }> = [];
  try {
    parseSync(text, {
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (fields: string[], ctx) => {
        records.push({ fields, line: ctx.lines });
        return null;
      },
    });
  } catch (err) {
    throw asDataFileError(fileName, err);
  }
  if (records.length === 0) throw new DataFileError(fileName, undefined, 'the file is empty');
  const header = records[0].fields.map((h) => h.trim().toLowerCase());
  const has = (...names: string[]): boolean => names.every((n) => header.includes(n));

  let result: MemberImportResult;
  if (has('const', 'your rating')) result = readImdb(fileName, records);
  else if (has('name', 'year', 'rating')) result = readLetterboxd(fileName, records);
  else if (has('title', 'year', 'rating')) result = readMarquee(fileName, records);
  else {
    throw new DataFileError(
      fileName,
      records[0].line,
      `not a ratings export Marquee knows (header "${shownHeader(records[0].fields)}"): expected Letterboxd's ratings.csv ` +
        '(Date,Name,Year,Letterboxd URI,Rating), IMDb\'s ratings export (Const,Your Rating,Date Rated,Title,...) or title,year,rating,rated_at',
    );
  }
  return dedupe(result);
}

type Rec = { fields: string[]; line: number };

/**
 * The export as text, refusing what is not text before any of it reaches a message: a NUL byte
 * (no CSV has one; images, spreadsheets and zips do) or bytes that are not UTF-8 (Letterboxd and
 * IMDb both export UTF-8). Text that was decoded already shows failed bytes as U+FFFD.
 */
export function memberExportText(content: string | Uint8Array, fileName: string): string {
  let text: string;
  if (typeof content === 'string') text = content;
  else {
    if (content.includes(0)) throw notText(fileName);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(content);
    } catch {
      throw notUtf8(fileName);
    }
  }
  if (text.includes('\u0000')) throw notText(fileName);
  if (text.includes('\uFFFD')) throw notUtf8(fileName);
  return text;
}

function notText(fileName: string): DataFileError {
  return new DataFileError(fileName, undefined, "not a text file (it holds binary data): export your ratings as CSV from Letterboxd or IMDb and import that file");
}

function notUtf8(fileName: string): DataFileError {
  return new DataFileError(fileName, undefined, 'not UTF-8 text: save it as UTF-8 CSV (as Letterboxd and IMDb export it) and import it again');
}

/** A header for a message: printable characters only, clipped. */
function shownHeader(fields: string[]): string {
  const h = fields.join(',').replace(/[\p{C}]/gu, '?');
  return h.length > 80 ? `${h.slice(0, 79)}…` : h;
}

function readLetterboxd(file: string, records: Rec[]): MemberImportResult {
  const col = headerIndex(
    file,
    records[0].fields,
    { name: { names: ['Name'] }, year: { names: ['Year'] }, rating: { names: ['Rating'] }, date: { names: ['Date'], optional: true } },
    'Date,Name,Year,Letterboxd URI,Rating',
    records[0].line,
  );
  const out: MemberImportResult = { source: 'letterboxd', rows: [], errors: [], skipped: [] };
  for (const { fields: f, line } of records.slice(1)) {
    const title = (f[col.name] ?? '').trim();
    const ratingText = (f[col.rating] ?? '').trim();
    if (title === '') {
      out.errors.push({ line, problem: 'the film has no name' });
      continue;
    }
    if (ratingText === '') {
      out.skipped.push({ line, kind: 'no rating', problem: `${title}: no rating` });
      continue;
    }
    const rating = Number(ratingText);
    if (!Number.isFinite(rating) || rating < 0.5 || rating > 5 || Math.round(rating * 2) !== rating * 2) {
      out.errors.push({ line, problem: `${title}: rating ${JSON.stringify(ratingText)} is not a half-star rating from 0.5 to 5` });
      continue;
    }
    const year = parseYear(f[col.year]);
    if (year === undefined) {
      out.errors.push({ line, problem: `${title}: year ${JSON.stringify(f[col.year])} is not a year` });
      continue;
    }
    const ratedAt = parseDate(col.date >= 0 ? f[col.date] : undefined);
    out.rows.push({ title, year, rating, line, ...(ratedAt !== undefined ? { ratedAt } : {}) });
  }
  return out;
}

/** IMDb title types that are not films one rates in Marquee (old and new export spellings). */
const NOT_FILMS: ReadonlyMap<string, SkipKind> = new Map([
  ['tvseries', 'TV series'],
  ['tvepisode', 'TV episode'],
  ['tvminiseries', 'TV mini-series'],
  ['videogame', 'video game'],
  ['podcastseries', 'podcast series'],
  ['podcastepisode', 'podcast episode'],
  ['musicvideo', 'music video'],
]);

function readImdb(file: string, records: Rec[]): MemberImportResult {
  const col = headerIndex(
    file,
    records[0].fields,
    {
      id: { names: ['Const'] },
      rating: { names: ['Your Rating'] },
      date: { names: ['Date Rated'], optional: true },
      title: { names: ['Title'] },
      type: { names: ['Title Type'], optional: true },
      year: { names: ['Year'], optional: true },
    },
    'Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,...',
    records[0].line,
  );
  const out: MemberImportResult = { source: 'imdb', rows: [], errors: [], skipped: [] };
  for (const { fields: f, line } of records.slice(1)) {
    const title = (f[col.title] ?? '').trim();
    if (title === '') {
      out.errors.push({ line, problem: 'the title is empty' });
      continue;
    }
    const type = col.type >= 0 ? (f[col.type] ?? '').replace(/[\s-]+/gu, '').toLowerCase() : '';
    const notFilm = NOT_FILMS.get(type);
    if (notFilm) {
      out.skipped.push({ line, kind: notFilm, problem: `${title}: a ${(f[col.type] ?? '').trim()}, not a film` });
      continue;
    }
    const ratingText = (f[col.rating] ?? '').trim();
    const ten = Number(ratingText);
    if (ratingText === '' || !Number.isFinite(ten) || ten < 1 || ten > 10) {
      out.errors.push({ line, problem: `${title}: rating ${JSON.stringify(ratingText)} is not a rating from 1 to 10` });
      continue;
    }
    const imdbId = canonicalImdbId(f[col.id] ?? '');
    if (imdbId === null) {
      out.errors.push({ line, problem: `${title}: ${JSON.stringify(f[col.id])} is not an IMDb id` });
      continue;
    }
    const year = col.year >= 0 ? parseYear(f[col.year]) : null;
    if (year === undefined) {
      out.errors.push({ line, problem: `${title}: year ${JSON.stringify(f[col.year])} is not a year` });
      continue;
    }
    const ratedAt = parseDate(col.date >= 0 ? f[col.date] : undefined);
    out.rows.push({
      title,
      year,
      rating: Math.round(ten) / 2, // 1–10 -> 0.5–5, nearest half star
      line,
      ...(imdbId ? { imdbId } : {}),
      ...(ratedAt !== undefined ? { ratedAt } : {}),
    });
  }
  return out;
}

function readMarquee(file: string, records: Rec[]): MemberImportResult {
  const col = headerIndex(
    file,
    records[0].fields,
    { title: { names: ['title'] }, year: { names: ['year'] }, rating: { names: ['rating'] }, at: { names: ['rated_at'], optional: true }, imdb: { names: ['imdb_id'], optional: true } },
    'title,year,rating,rated_at',
    records[0].line,
  );
  const out: MemberImportResult = { source: 'marquee', rows: [], errors: [], skipped: [] };
  for (const { fields: f, line } of records.slice(1)) {
    const title = (f[col.title] ?? '').trim();
    const ratingText = (f[col.rating] ?? '').trim();
    const rating = Number(ratingText);
    if (title === '') {
      out.errors.push({ line, problem: 'the title is empty' });
      continue;
    }
    if (ratingText === '' || !Number.isFinite(rating) || rating < 0.5 || rating > 5 || Math.round(rating * 2) !== rating * 2) {
      out.errors.push({ line, problem: `${title}: rating ${JSON.stringify(ratingText)} is not a half-star rating from 0.5 to 5` });
      continue;
    }
    const year = parseYear(f[col.year]);
    if (year === undefined) {
      out.errors.push({ line, problem: `${title}: year ${JSON.stringify(f[col.year])} is not a year` });
      continue;
    }
    const ratedAt = parseDate(col.at >= 0 ? f[col.at] : undefined);
    const imdbId = col.imdb >= 0 ? canonicalImdbId(f[col.imdb] ?? '') : undefined;
    out.rows.push({ title, year, rating, line, ...(imdbId ? { imdbId } : {}), ...(ratedAt !== undefined ? { ratedAt } : {}) });
  }
  return out;
}

/** A film rated twice (Letterboxd diary rewatches, re-imports): the latest rating wins. */
function dedupe(result: MemberImportResult): MemberImportResult {
  const keep = new Map<string, MemberImportRow>();
  for (const row of result.rows) {
    const key = row.imdbId ?? `${normalizeTitle(row.title)}|${row.year ?? ''}`;
    const prev = keep.get(key);
    if (!prev) {
      keep.set(key, row);
      continue;
    }
    const newer = (row.ratedAt ?? -Infinity) >= (prev.ratedAt ?? -Infinity) ? row : prev;
    const older = newer === row ? prev : row;
    keep.set(key, newer);
    result.skipped.push({ line: older.line, kind: 'repeat', problem: `${older.title}: rated again on line ${newer.line}, which counts` });
  }
  result.rows = [...keep.values()].sort((a, b) => a.line - b.line);
  result.skipped.sort((a, b) => a.line - b.line);
  return result;
}

/** '' -> null; "1999" -> 1999; anything else -> undefined (an error). */
function parseYear(text: string | undefined): number | null | undefined {
  const t = (text ?? '').trim();
  if (t === '') return null;
  return /^\d{4}$/u.test(t) ? Number(t) : undefined;
}

/** "2023-01-15" (or a full ISO date-time) -> ms since the epoch; unreadable -> undefined. */
function parseDate(text: string | undefined): number | undefined {
  const t = (text ?? '').trim();
  if (t === '') return undefined;
  const day = /^(\d{4})-(\d{2})-(\d{2})$/u.exec(t);
  const ms = day ? Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) : Date.parse(t);
  return Number.isFinite(ms) ? ms : undefined;
}

export interface MemberExportRow {
  title: string;
  year: number | null;
  rating: number;
  /** milliseconds since the epoch */
  ratedAt?: number;
}

/**
 * A member's ratings as CSV (title,year,rating,rated_at; rated_at in ISO 8601 UTC), RFC 4180 quoting,
 * CRLF line ends. parseMemberRatings reads it back.
 */
export function exportMemberCsv(rows: readonly MemberExportRow[]): string {
  const lines = ['title,year,rating,rated_at'];
  for (const r of rows) {
    lines.push([r.title, r.year === null ? '' : String(r.year), String(r.rating), r.ratedAt === undefined ? '' : new Date(r.ratedAt).toISOString()].map(csvField).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** A field quoted when it holds a comma, quote, line break or edge spaces; quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/u.test(value) ? `"${value.replace(/"/gu, '""')}"` : value;
}

