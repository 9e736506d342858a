/**
 * Moving a member's ratings in and out: CSV exports of MovieLens, Letterboxd and IMDb, matched to
 * the catalogue by IMDb id, then by title and year (a year's slack: exports and catalogues often
 * differ by one, festival vs release date). The newer rating wins; a row without a date never
 * overwrites one the member gave.
 */
import { exportMemberCsv, parseMemberRatings, type SkipKind } from '../../data/member-import.ts';
import { canonicalImdbId } from '../../data/movies.ts';
import type { MovieRecord } from '../../data/types.ts';
import type { MemberRating } from '../../store/api.ts';
import { formatRating, type ImportOutcome } from '../service-api.ts';
import { movieLabel } from '../titles.ts';
import type { Catalog } from './catalog.ts';
import type { MemberRatings } from './member-ratings.ts';

/** "tt0133093", "0133093" and "133093" are one IMDb id (the data layer owns the rule). */
function imdbKey(id: string): string | undefined {
  return canonicalImdbId(id) ?? undefined;
}

export class RatingsTransfer {
  private readonly catalog: Catalog;
  private readonly ratings: MemberRatings;

  constructor(catalog: Catalog, ratings: MemberRatings) {
    this.catalog = catalog;
    this.ratings = ratings;
  }

  /** `fileName`: the member's own file name, for error messages ("your file" when unknown). */
  import(memberId: number, csvText: string, fileName?: string): ImportOutcome {
    const parsed = parseMemberRatings(csvText, fileName);
    const unmatched: ImportOutcome['unmatched'] = [];
    const invalid = parsed.errors.map((e) => ({ line: e.line, reason: e.problem }));
    const skipped = new Map<SkipKind, number>();
    for (const e of parsed.skipped) skipped.set(e.kind, (skipped.get(e.kind) ?? 0) + 1);
    const byImdb = new Map<string, MovieRecord>();
    for (const m of this.catalog.byId.values()) {
      const key = m.imdbId ? imdbKey(m.imdbId) : undefined;
      if (key) byImdb.set(key, m);
    }
    const now = Date.now();
    const chosen = new Map<string, { movie: MovieRecord; rating: number; ratedAt?: number }>();
    for (const row of parsed.rows) {
      const found = this.matchImported(row, byImdb);
      if ('reason' in found) {
        unmatched.push({ title: row.title, year: row.year, reason: found.reason });
        continue;
      }
      // a date in the future (a clock or time-zone slip in the export) counts as now
      const ratedAt = row.ratedAt === undefined ? undefined : Math.min(row.ratedAt, now);
      // two rows of one movie (two spellings of its title): the newer wins, the later row on a tie
      const prev = chosen.get(found.movie.movieId);
      if (prev && (prev.ratedAt ?? -Infinity) > (ratedAt ?? -Infinity)) continue;
      chosen.set(found.movie.movieId, { movie: found.movie, rating: row.rating, ratedAt });
    }
    const before = new Map(this.ratings.of(memberId).map((r) => [r.movieId, r]));
    let imported = 0;
    let updated = 0;
    const kept: NonNullable<ImportOutcome['kept']> = [];
    const writes: Array<{ movieId: string; rating: number; ratedAt?: number }> = [];
    for (const c of chosen.values()) {
      const mine = before.get(c.movie.movieId);
      if (mine === undefined) {
        imported++;
        writes.push({ movieId: c.movie.movieId, rating: c.rating, ratedAt: c.ratedAt });
        continue;
      }
      // the same score: nothing to write (importing the same file twice changes nothing)
      if (mine.rating === c.rating) continue;
      // the newer rating wins; a row without a date never overwrites one the member gave
      if (c.ratedAt === undefined || c.ratedAt <= mine.ratedAt) {
        const theirs = c.ratedAt === undefined ? 'has no date' : `is from ${isoDay(c.ratedAt)}`;
        kept.push({
          title: c.movie.displayTitle || c.movie.title,
          year: c.movie.year,
          reason: `kept your newer rating (${formatRating(mine.rating)} on ${isoDay(mine.ratedAt)}); the file's ${formatRating(c.rating)} ${theirs}`,
        });
        continue;
      }
      updated++;
      writes.push({ movieId: c.movie.movieId, rating: c.rating, ratedAt: c.ratedAt });
    }
    this.ratings.rateMany(memberId, writes);
    return {
      imported,
      updated,
      unmatched,
      kept,
      invalid,
      skipped: [...skipped].map(([kind, count]) => ({ kind, count })),
    };
  }

  export(ratings: ReadonlyArray<MemberRating & { movie: MovieRecord }>): string {
    return exportMemberCsv(
      ratings.map((r) => ({
        title: r.movie.displayTitle || r.movie.title,
        year: r.movie.year,
        rating: r.rating,
        ratedAt: r.ratedAt,
      })),
    );
  }

  private matchImported(
    row: { title: string; year: number | null; imdbId?: string },
    byImdb: ReadonlyMap<string, MovieRecord>,
  ): { movie: MovieRecord } | { reason: string } {
    if (row.imdbId) {
      const key = imdbKey(row.imdbId);
      const m = key ? byImdb.get(key) : undefined;
      if (m) return { movie: m };
    }
    const query = row.year === null ? row.title : `${row.title} (${row.year})`;
    const match = this.catalog.titles.resolve(query);
    if (match.kind === 'found') {
      if (row.year !== null && match.movie.year !== null && Math.abs(match.movie.year - row.year) > 1) {
        return { reason: `closest title is ${movieLabel(match.movie)}, a different year` };
      }
      return { movie: match.movie };
    }
    if (match.kind === 'ambiguous') {
      const pick = row.year === null ? undefined : byYear(match.choices, row.year);
      if (pick) return { movie: pick };
      return { reason: `several movies match: ${match.choices.slice(0, 3).map(movieLabel).join('; ')}` };
    }
    if (row.year !== null) {
      // the title exists, a year off ("Heat, 1996" for Heat (1995)): the title alone, same tolerance
      const bare = this.catalog.titles.resolve(row.title);
      const choices = bare.kind === 'found' ? [bare.movie] : bare.kind === 'ambiguous' ? bare.choices : [];
      const pick = byYear(choices, row.year);
      if (pick) return { movie: pick };
    }
    return { reason: 'not in the catalogue' };
  }
}

/**
 * The one movie of `choices` released in `year`, else the one within a year of it (exports and
 * catalogues often differ by a year: festival vs release date); undefined when none or several.
 */
function byYear(choices: readonly MovieRecord[], year: number): MovieRecord | undefined {
  const exact = choices.filter((m) => m.year === year);
  if (exact.length > 0) return exact.length === 1 ? exact[0] : undefined;
  const near = choices.filter((m) => m.year !== null && Math.abs(m.year - year) <= 1);
  return near.length === 1 ? near[0] : undefined;
}

/** "2019-05-01" (UTC) */
function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
