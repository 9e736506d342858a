/**
 * Members' ratings across a dataset switch. member_ratings always refer to the movies of the
 * dataset in dataset_info; when another dataset replaces it, each rating follows its film to the
 * film's id in the new dataset (see movie-match.ts), and a rating whose film the new dataset
 * lacks moves to member_ratings_aside with what identifies the film, so switching back (or to any
 * dataset that has the film) restores it. Nothing is re-pointed by movie id alone: ml-latest-small's
 * 260 is Star Wars, ml-100k's 260 is Event Horizon.
 *
 * Runs inside the import's transaction: a failure anywhere leaves every rating where it was.
 */
import type Database from 'better-sqlite3';
import type { LoadedDataset } from '../data/types.ts';
import type { DatasetSwitchReport } from './api.ts';
import { MovieMatcher, type MatchRule, type MovieRef } from './movie-match.ts';

interface ActiveRow {
  member_id: number;
  movie_id: string;
  rating: number;
  rated_at: number;
  title: string;
  year: number | null;
  genres: string;
  imdb_id: string | null;
  tmdb_id: string | null;
}

interface AsideRow extends ActiveRow {
  id: number;
  dataset: string;
}

/** One rating on its way into the new catalogue. */
interface Placed {
  memberId: number;
  movieId: string;
  rating: number;
  ratedAt: number;
  /** the aside row it comes from, when it is a restored one */
  asideId?: number;
  /** the rating as it stood, should it have to be set aside after all */
  from: ActiveRow & { dataset: string };
}

export const REASON_NOT_IN_DATASET = 'the film is not in the new dataset';
export const REASON_RATED_AGAIN = 'the member rated the same film later';

/**
 * Reads members' ratings against the current catalogue and clears them; `replaceCatalogue` then
 * swaps the movies; the ratings come back on their films in the new one or go aside.
 */
export function switchMemberRatings(
  db: Database.Database,
  fromDataset: string,
  to: LoadedDataset,
  now: number,
  replaceCatalogue: () => void,
): DatasetSwitchReport {
  const active = db
    .prepare<[], ActiveRow>(
      `SELECT r.member_id, r.movie_id, r.rating, r.rated_at, m.title, m.year, m.genres, m.imdb_id, m.tmdb_id
         FROM member_ratings r JOIN movies m ON m.movie_id = r.movie_id
        ORDER BY r.rowid`,
    )
    .all();
  const aside = db
    .prepare<[], AsideRow>(
      `SELECT id, member_id, dataset, movie_id, rating, rated_at, title, year, genres, imdb_id, tmdb_id
         FROM member_ratings_aside ORDER BY id`,
    )
    .all();
  const report: DatasetSwitchReport = {
    from: fromDataset,
    to: to.name,
    moved: 0,
    renumbered: 0,
    setAside: 0,
    restored: 0,
    waiting: 0,
    byRule: {},
  };
  if (active.length === 0 && aside.length === 0) {
    replaceCatalogue();
    return report;
  }
  const oldCatalogue = db.prepare<[], { title: string; year: number | null }>('SELECT title, year FROM movies').all();
  db.prepare('DELETE FROM member_ratings').run();
  replaceCatalogue();

  const matcher = new MovieMatcher(to.movies, oldCatalogue);
  // ratings set aside earlier: their catalogue is gone, so the main-title rule cannot check it
  const asideMatcher = aside.length > 0 ? new MovieMatcher(to.movies) : matcher;
  const countRule = (rule: MatchRule) => (report.byRule[rule] = (report.byRule[rule] ?? 0) + 1);

  // member|movie -> the rating that holds the place; a member's newer rating of the same film wins
  const placed = new Map<string, Placed>();
  const goAside: Array<{ row: ActiveRow & { dataset: string }; reason: string }> = [];
  const place = (p: Placed): boolean => {
    const key = `${p.memberId}\u0000${p.movieId}`;
    const held = placed.get(key);
    if (!held) {
      placed.set(key, p);
      return true;
    }
    const [newer, older] = p.ratedAt > held.ratedAt ? [p, held] : [held, p];
    placed.set(key, newer);
    // an active rating displaced here is set aside; a restored one simply stays where it was
    if (older.asideId === undefined) goAside.push({ row: older.from, reason: REASON_RATED_AGAIN });
    return newer === p;
  };

  for (const row of active) {
    const from = { ...row, dataset: fromDataset };
    const hit = matcher.match(refOf(row));
    if (!hit) {
      goAside.push({ row: from, reason: REASON_NOT_IN_DATASET });
      continue;
    }
    countRule(hit.rule);
    place({ memberId: row.member_id, movieId: hit.movieId, rating: row.rating, ratedAt: row.rated_at, from });
  }
  for (const row of aside) {
    const hit = asideMatcher.match(refOf(row));
    if (!hit) continue;
    if (place({ memberId: row.member_id, movieId: hit.movieId, rating: row.rating, ratedAt: row.rated_at, asideId: row.id, from: row })) {
      countRule(hit.rule);
    }
  }

  const insertRating = db.prepare<[number, string, number, number]>(
    'INSERT INTO member_ratings (member_id, movie_id, rating, rated_at) VALUES (?, ?, ?, ?)',
  );
  const deleteAside = db.prepare<[number]>('DELETE FROM member_ratings_aside WHERE id = ?');
  for (const p of placed.values()) {
    insertRating.run(p.memberId, p.movieId, p.rating, p.ratedAt);
    if (p.asideId !== undefined) {
      deleteAside.run(p.asideId);
      report.restored++;
    } else {
      report.moved++;
      if (p.movieId !== p.from.movie_id) report.renumbered++;
    }
  }
  const insertAside = db.prepare<[number, string, string, string, number | null, string, string | null, string | null, number, number, number, string]>(
    `INSERT INTO member_ratings_aside
       (member_id, dataset, movie_id, title, year, genres, imdb_id, tmdb_id, rating, rated_at, set_aside_at, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  for (const { row, reason } of goAside) {
    insertAside.run(row.member_id, row.dataset, row.movie_id, row.title, row.year, row.genres, row.imdb_id, row.tmdb_id, row.rating, row.rated_at, now, reason);
    report.setAside++;
  }
  report.waiting = db.prepare<[], number>('SELECT count(*) FROM member_ratings_aside').pluck().get() ?? 0;
  return report;
}

function refOf(row: ActiveRow): MovieRef {
  return {
    movieId: row.movie_id,
    title: row.title,
    year: row.year,
    genres: JSON.parse(row.genres) as string[],
    imdbId: row.imdb_id,
    tmdbId: row.tmdb_id,
  };
}

/** One line for a person starting Marquee: what a dataset switch did to members' ratings. */
export function describeDatasetSwitch(r: DatasetSwitchReport): string {
  if (r.moved + r.setAside + r.restored + r.waiting === 0) return `Dataset switched from ${r.from} to ${r.to} (no members' ratings to move).`;
  const parts = [`${r.moved} moved to the same films in ${r.to}${r.renumbered > 0 ? ` (${r.renumbered} under another movie id there)` : ''}`];
  parts.push(r.setAside === 0 ? 'none set aside' : `${r.setAside} set aside (${r.to} lacks the film, or the member rated it again later)`);
  if (r.restored > 0) parts.push(`${r.restored} restored from an earlier switch`);
  let line = `Dataset switched from ${r.from} to ${r.to}. Members' ratings: ${parts.join(', ')}.`;
  if (r.waiting > 0) {
    line += ` ${r.waiting} ${r.waiting === 1 ? 'rating waits' : 'ratings wait'} aside, kept until a dataset with the film is imported again (e.g. ${r.from}).`;
  }
  return line;
}
