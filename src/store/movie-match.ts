/**
 * Finds, in a new catalogue, the movie a member rated in an old one. Dataset movie ids are only
 * meaningful inside their dataset (ml-latest-small's 260 is Star Wars, ml-100k's 260 is Event
 * Horizon), so a rating follows what identifies the film itself, strongest evidence first:
 *
 *  1. the IMDb id, then the TMDB id (links.csv of the MovieLens CSV sets, The Movies Dataset);
 *  2. the same movie id with the same title and year (a newer release of the same dataset);
 *  3. the same normalised title and year, when exactly one new movie has it;
 *  4. the same main title (before a colon) and year, when exactly one movie has it in the new
 *     catalogue AND in the old one, and the two share a genre: ml-100k calls it "Star Wars (1977)",
 *     ml-latest-small "Star Wars: Episode IV - A New Hope (1977)". The old side must be unique too:
 *     ml-latest-small holds "Mortal Kombat (1995)" and "Mortal Kombat: The Journey Begins (1995)",
 *     and without that check the second would land on ml-100k's "Mortal Kombat (1995)".
 *
 * Title rules never pair two films whose IMDb or TMDB ids disagree, and a title shared by several
 * new movies matches none of them: a rating is set aside rather than guessed. ml-100k's u.item
 * holds IMDb title-search URLs, not ids (0 of its 1,682 rows carry a "tt" id), so between ml-100k
 * and a MovieLens CSV set only the title rules apply. Measured on the real files (every movie of
 * one matched into the other): ml-100k -> ml-latest-small finds 1,276 of 1,682 (rule 2: 3, rule 3:
 * 1,268, rule 4: 5); ml-latest-small -> ml-100k finds 1,253 of 9,742 (3, 1,245, 5), each rule-4
 * pair checked by hand to be the same film.
 */
import { canonicalImdbId } from '../data/movies.ts';
import { parseTitle, normalizeTitle } from '../data/titles.ts';
import type { MovieRecord } from '../data/types.ts';

/** What a rating remembers of its movie, enough to find the film again in another catalogue. */
export interface MovieRef {
  movieId: string;
  title: string;
  year: number | null;
  genres: readonly string[];
  imdbId?: string | null;
  tmdbId?: string | null;
}

export type MatchRule = 'imdb' | 'tmdb' | 'same id and title' | 'title and year' | 'main title and year';

export interface MovieMatch {
  movieId: string;
  rule: MatchRule;
}

/** several new movies share the key: it identifies none of them */
const AMBIGUOUS = Symbol('ambiguous');
type Slot = MovieRecord | typeof AMBIGUOUS;

export class MovieMatcher {
  private readonly byImdb = new Map<string, Slot>();
  private readonly byTmdb = new Map<string, Slot>();
  private readonly byId = new Map<string, MovieRecord>();
  private readonly byTitle = new Map<string, Slot>();
  private readonly byMainTitle = new Map<string, Slot>();
  /** main-title keys of the old catalogue, and how many old movies share each; absent: rule 4 is off */
  private readonly oldMainTitles: Map<string, number> | undefined;

  /**
   * `oldCatalogue`: every movie of the catalogue the ratings come from, when it is still at hand
   * (rule 4 needs it; ratings set aside earlier go without).
   */
  constructor(movies: readonly MovieRecord[], oldCatalogue?: ReadonlyArray<{ title: string; year: number | null }>) {
    if (oldCatalogue) {
      this.oldMainTitles = new Map();
      for (const m of oldCatalogue) {
        const key = mainTitleKey(m.title, m.year);
        if (key) this.oldMainTitles.set(key, (this.oldMainTitles.get(key) ?? 0) + 1);
      }
    }
    for (const m of movies) {
      this.byId.set(m.movieId, m);
      const imdb = imdbOf(m.imdbId);
      if (imdb) put(this.byImdb, imdb, m);
      if (m.tmdbId) put(this.byTmdb, m.tmdbId, m);
      const t = titleKey(m.title, m.year);
      if (t) put(this.byTitle, t, m);
      const main = mainTitleKey(m.title, m.year);
      if (main) put(this.byMainTitle, main, m);
    }
  }

  match(old: MovieRef): MovieMatch | undefined {
    const oldImdb = imdbOf(old.imdbId);
    const imdb = oldImdb ? this.byImdb.get(oldImdb) : undefined;
    if (imdb && imdb !== AMBIGUOUS) return { movieId: imdb.movieId, rule: 'imdb' };
    const tmdb = old.tmdbId ? this.byTmdb.get(old.tmdbId) : undefined;
    if (tmdb && tmdb !== AMBIGUOUS && !conflicts(old, tmdb)) return { movieId: tmdb.movieId, rule: 'tmdb' };

    const key = titleKey(old.title, old.year);
    const same = this.byId.get(old.movieId);
    if (key && same && titleKey(same.title, same.year) === key && !conflicts(old, same)) {
      return { movieId: same.movieId, rule: 'same id and title' };
    }
    const byTitle = key ? this.byTitle.get(key) : undefined;
    if (byTitle && byTitle !== AMBIGUOUS && !conflicts(old, byTitle)) return { movieId: byTitle.movieId, rule: 'title and year' };

    const main = mainTitleKey(old.title, old.year);
    const uniqueInOld = main !== undefined && this.oldMainTitles?.get(main) === 1;
    const byMain = main && uniqueInOld ? this.byMainTitle.get(main) : undefined;
    if (byMain && byMain !== AMBIGUOUS && !conflicts(old, byMain) && shareGenre(old.genres, byMain.genres)) {
      return { movieId: byMain.movieId, rule: 'main title and year' };
    }
    return undefined;
  }
}

function put(map: Map<string, Slot>, key: string, m: MovieRecord): void {
  map.set(key, map.has(key) ? AMBIGUOUS : m);
}

/** Both carry an IMDb (or TMDB) id and the ids differ: different films, whatever their titles say. */
function conflicts(a: MovieRef, b: MovieRecord): boolean {
  const ai = imdbOf(a.imdbId);
  const bi = imdbOf(b.imdbId);
  return Boolean((ai && bi && ai !== bi) || (a.tmdbId && b.tmdbId && a.tmdbId !== b.tmdbId));
}

/** Stores written by older loaders, and some fixtures, hold "0113497" rather than "tt0113497". */
function imdbOf(id: string | null | undefined): string | undefined {
  return id ? (canonicalImdbId(id) ?? undefined) : undefined;
}

/** Titles without a year identify nothing ("Hamlet" has been filmed a dozen times). */
function titleKey(title: string, year: number | null): string | undefined {
  if (year === null) return undefined;
  const t = normalizeTitle(title);
  return t === '' ? undefined : `${t}|${year}`;
}

function mainTitleKey(title: string, year: number | null): string | undefined {
  if (year === null) return undefined;
  const display = parseTitle(title).display;
  const colon = display.indexOf(':');
  const main = normalizeTitle(colon > 0 ? display.slice(0, colon) : display);
  return main === '' ? undefined : `${main}|${year}`;
}

/** MovieLens spells a few genres differently across releases ("Children's" in ml-100k, "Children" later). */
function shareGenre(a: readonly string[], b: readonly string[]): boolean {
  const norm = (g: string) => g.toLowerCase().replace(/['’]s$/u, '');
  const set = new Set(a.map(norm));
  return b.some((g) => set.has(norm(g)));
}
