/**
 * Reads the staged real files for the content tests and the content benchmark, with csv-parse
 * directly (the project's loaders in src/data are a separate concern with their own tests).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { ContentMovie } from '../../../src/core/content/text.ts';

function rows(path: string): Record<string, string>[] {
  return parse(readFileSync(path), { columns: true, skip_empty_lines: true, bom: true, relax_quotes: true }) as Record<string, string>[];
}

/** ml-latest-small: title, genres ("A|B"), and every tag members gave (tags.csv). */
export function movieLensMovies(dir: string): ContentMovie[] {
  const tags = new Map<string, string[]>();
  for (const r of rows(join(dir, 'tags.csv'))) {
    const list = tags.get(r.movieId) ?? [];
    list.push(r.tag);
    tags.set(r.movieId, list);
  }
  return rows(join(dir, 'movies.csv')).map((r) => ({
    id: r.movieId,
    title: r.title,
    genres: r.genres.split('|'),
    tags: tags.get(r.movieId) ?? [],
  }));
}

export interface TutorialMovie {
  /** TMDB id (the metadata's `id`) */
  tmdbId: string;
  title: string;
  overview: string;
  tagline: string;
  /** the tutorial's description: overview + tagline, '' when the overview is missing */
  description: string;
  genres: string[];
}

/**
 * The Kaggle tutorial's `smd`: metadata rows (in file order, duplicates kept) whose id is a tmdbId
 * of links_small, with `description = overview + tagline` (tagline NaN → '', then a NaN overview
 * makes the whole description NaN → '').
 */
export function tutorialMovies(dir: string): TutorialMovie[] {
  const linked = new Set<string>();
  for (const r of rows(join(dir, 'links_small.csv'))) {
    const t = (r.tmdbId ?? '').trim();
    if (t !== '') linked.add(String(Number(t)));
  }
  const out: TutorialMovie[] = [];
  for (const r of rows(join(dir, 'movies_metadata_head5000.csv'))) {
    const id = (r.id ?? '').trim();
    if (!/^\d+$/.test(id) || !linked.has(String(Number(id)))) continue;
    const overview = pandasText(r.overview);
    const tagline = pandasText(r.tagline);
    out.push({
      tmdbId: id,
      title: r.title,
      overview,
      tagline,
      description: overview === '' ? '' : overview + tagline,
      genres: genreNames(r.genres ?? ''),
    });
  }
  return out;
}

// pandas.read_csv turns these cells into NaN by default; the tutorial then sees no text there.
const PANDAS_NA = new Set(['', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA', 'NULL', 'NaN', 'None', 'n/a', 'nan', 'null']);

function pandasText(cell: string | undefined): string {
  return cell === undefined || PANDAS_NA.has(cell) ? '' : cell;
}

/** TMDB's genres column is a Python literal: [{'id': 16, 'name': 'Animation'}, ...]. */
function genreNames(literal: string): string[] {
  return [...literal.matchAll(/'name':\s*'([^']*)'/g)].map((m) => m[1]);
}
