/**
 * Members' reactions, kept beside what they reacted to: impressions (every list the bot showed,
 * for whom, by which algorithm or experiment team, in which order), reactions (one per list and
 * movie: a second click replaces the first), hidden movies ("not for me") and interleaved
 * experiments (one running at a time, its report kept when stopped).
 *
 * Only the member a list was made for can react to it: `react` refuses anyone else, and a movie
 * the list did not show. Every row is the member's and goes with them on /forget (the schema's
 * ON DELETE CASCADE, migration 4).
 */
import type Database from 'better-sqlite3';
import { StoreError } from './api.ts';

export type Surface = 'recommend' | 'cold-start' | 'because' | 'movienight';
export const SURFACES: readonly Surface[] = ['recommend', 'cold-start', 'because', 'movienight'];
export type ReactionKind = 'want' | 'not-for-me' | 'seen';
export const REACTION_KINDS: readonly ReactionKind[] = ['want', 'not-for-me', 'seen'];
export type TeamName = 'a' | 'b';

export interface ShownItem {
  movieId: string;
  /** the algorithm that put the movie in the list */
  algo: string;
  /** the experiment team that picked it, when the list was interleaved */
  team?: TeamName;
}

export interface ShownList {
  listId: string;
  memberId: number;
  surface: Surface;
  /** the answering algorithm, or "experiment:<id>" for an interleaved list */
  algo: string;
  experimentId?: number;
  /** in the order shown: position k + 1 */
  items: readonly ShownItem[];
  /** ms since the epoch; the store's clock when left out */
  shownAt?: number;
}

export interface Reaction {
  listId: string;
  movieId: string;
  memberId: number;
  kind: ReactionKind;
  rating: number | null;
  reactedAt: number;
}

export interface Experiment {
  id: number;
  a: string;
  b: string;
  listSize: number;
  startedBy: string;
  startedAt: number;
  stoppedAt: number | null;
  report: unknown;
}

/** One interleaved list's outcome: positive reactions credited to each team. */
export interface ListCredits {
  listId: string;
  memberId: number;
  shownAt: number;
  a: number;
  b: number;
}

export interface LikeRate {
  algo: string;
  /** movies shown by this algorithm (each position of each list) */
  shown: number;
  /** of those, how many drew 👍 or a rating ≥ 4 within the window */
  liked: number;
  lists: number;
}

export interface MemberFeedback {
  impressions: Array<Required<Omit<ShownList, 'experimentId'>> & { experimentId: number | null }>;
  reactions: Reaction[];
  hidden: Array<{ movieId: string; hiddenAt: number }>;
}

/** The rating from which a rating of a shown movie counts as a positive reaction (as a 👍). */
export const LIKED_RATING = 4;

export interface FeedbackStore {
  /** Records a list as shown; its id must be new. Committed before it returns. */
  recordImpression(list: ShownList): void;
  impression(listId: string): (ShownList & { shownAt: number; experimentId?: number }) | undefined;
  /**
   * The member's reaction to a movie of a list; replaces an earlier one to the same movie of the
   * same list. Refuses a list of another member and a movie the list did not show. Returns the
   * reaction it replaced, if any.
   */
  react(r: { listId: string; memberId: number; movieId: string; kind: ReactionKind; rating?: number; at?: number }): { previous: Reaction | null };
  /** Takes back the member's reaction to that movie of that list; false when there was none. */
  clearReaction(listId: string, memberId: number, movieId: string): boolean;
  reaction(listId: string, movieId: string): Reaction | undefined;
  hide(memberId: number, movieId: string): void;
  unhide(memberId: number, movieId: string): boolean;
  /** the member's hidden movies, newest first */
  hidden(memberId: number): string[];

  /** Starts an experiment; refused while another runs. */
  startExperiment(e: { a: string; b: string; listSize: number; startedBy: string }): Experiment;
  runningExperiment(): Experiment | undefined;
  /** Stops the running experiment `id`, keeping `report`. */
  stopExperiment(id: number, report: unknown): Experiment;
  /** every experiment, newest first */
  experiments(): Experiment[];
  /** Each interleaved list of the experiment with the positive reactions credited to each team. */
  experimentCredits(experimentId: number, windowMs: number): ListCredits[];
  /** Per algorithm, shown movies and liked ones (👍 or rating ≥ 4 within `windowMs`), over lists shown since `sinceMs`. */
  likeRates(windowMs: number, sinceMs?: number): LikeRate[];
  /** Everything of the member's, for /export. */
  memberFeedback(memberId: number): MemberFeedback;
}

interface ImpressionRow {
  list_id: string;
  member_id: number;
  surface: Surface;
  algo: string;
  experiment_id: number | null;
  shown_at: number;
}
interface ItemRow {
  list_id: string;
  position: number;
  movie_id: string;
  algo: string;
  team: TeamName | null;
}
interface ReactionRow {
  list_id: string;
  movie_id: string;
  member_id: number;
  kind: ReactionKind;
  rating: number | null;
  reacted_at: number;
}
interface ExperimentRow {
  id: number;
  algo_a: string;
  algo_b: string;
  list_size: number;
  started_by: string;
  started_at: number;
  stopped_at: number | null;
  report: string | null;
}

/** A shown movie counts as liked: 👍, "seen it" with ≥ 4, or the member rated it ≥ 4 within the window. */
const LIKED = `(
  EXISTS (SELECT 1 FROM reactions r WHERE r.list_id = it.list_id AND r.movie_id = it.movie_id
          AND (r.kind = 'want' OR (r.kind = 'seen' AND r.rating >= ${LIKED_RATING})))
  OR EXISTS (SELECT 1 FROM member_ratings mr WHERE mr.member_id = im.member_id AND mr.movie_id = it.movie_id
          AND mr.rating >= ${LIKED_RATING} AND mr.rated_at >= im.shown_at AND mr.rated_at <= im.shown_at + @window)
)`;

export class SqliteFeedback implements FeedbackStore {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly st;

  constructor(db: Database.Database, now: () => number) {
    this.db = db;
    this.now = now;
    this.st = {
      addImpression: db.prepare<[string, number, string, string, number | null, number]>(
        'INSERT INTO impressions (list_id, member_id, surface, algo, experiment_id, shown_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      addItem: db.prepare<[string, number, string, string, string | null]>(
        'INSERT INTO impression_items (list_id, position, movie_id, algo, team) VALUES (?, ?, ?, ?, ?)',
      ),
      impression: db.prepare<[string], ImpressionRow>('SELECT * FROM impressions WHERE list_id = ?'),
      items: db.prepare<[string], ItemRow>('SELECT * FROM impression_items WHERE list_id = ? ORDER BY position'),
      item: db.prepare<[string, string], ItemRow>('SELECT * FROM impression_items WHERE list_id = ? AND movie_id = ?'),
      reaction: db.prepare<[string, string], ReactionRow>('SELECT * FROM reactions WHERE list_id = ? AND movie_id = ?'),
      upsertReaction: db.prepare<[string, string, number, string, number | null, number]>(
        `INSERT INTO reactions (list_id, movie_id, member_id, kind, rating, reacted_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (list_id, movie_id) DO UPDATE SET kind = excluded.kind, rating = excluded.rating, reacted_at = excluded.reacted_at`,
      ),
      deleteReaction: db.prepare<[string, number, string]>('DELETE FROM reactions WHERE list_id = ? AND member_id = ? AND movie_id = ?'),
      hide: db.prepare<[number, string, number]>(
        'INSERT INTO hidden_movies (member_id, movie_id, hidden_at) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET hidden_at = excluded.hidden_at',
      ),
      unhide: db.prepare<[number, string]>('DELETE FROM hidden_movies WHERE member_id = ? AND movie_id = ?'),
      hidden: db.prepare<[number], { movie_id: string; hidden_at: number }>(
        'SELECT movie_id, hidden_at FROM hidden_movies WHERE member_id = ? ORDER BY hidden_at DESC, rowid DESC',
      ),
      memberExists: db.prepare<[number], number>('SELECT 1 FROM members WHERE id = ?').pluck(),
      addExperiment: db.prepare<[string, string, number, string, number], ExperimentRow>(
        'INSERT INTO experiments (algo_a, algo_b, list_size, started_by, started_at) VALUES (?, ?, ?, ?, ?) RETURNING *',
      ),
      running: db.prepare<[], ExperimentRow>('SELECT * FROM experiments WHERE stopped_at IS NULL'),
      experiment: db.prepare<[number], ExperimentRow>('SELECT * FROM experiments WHERE id = ?'),
      stop: db.prepare<[number, string, number]>('UPDATE experiments SET stopped_at = ?, report = ? WHERE id = ? AND stopped_at IS NULL'),
      experiments: db.prepare<[], ExperimentRow>('SELECT * FROM experiments ORDER BY id DESC'),
      credits: db.prepare<{ id: number; window: number }, { list_id: string; member_id: number; shown_at: number; a: number; b: number }>(
        `SELECT im.list_id, im.member_id, im.shown_at,
                coalesce(sum(CASE WHEN it.team = 'a' AND ${LIKED} THEN 1 ELSE 0 END), 0) AS a,
                coalesce(sum(CASE WHEN it.team = 'b' AND ${LIKED} THEN 1 ELSE 0 END), 0) AS b
           FROM impressions im JOIN impression_items it ON it.list_id = im.list_id
          WHERE im.experiment_id = @id
          GROUP BY im.list_id ORDER BY im.shown_at, im.rowid`,
      ),
      likeRates: db.prepare<{ window: number; since: number }, { algo: string; shown: number; liked: number; lists: number }>(
        `SELECT it.algo AS algo, count(*) AS shown, sum(CASE WHEN ${LIKED} THEN 1 ELSE 0 END) AS liked,
                count(DISTINCT it.list_id) AS lists
           FROM impressions im JOIN impression_items it ON it.list_id = im.list_id
          WHERE im.shown_at >= @since
          GROUP BY it.algo ORDER BY it.algo`,
      ),
      memberImpressions: db.prepare<[number], ImpressionRow>('SELECT * FROM impressions WHERE member_id = ? ORDER BY shown_at, rowid'),
      memberReactions: db.prepare<[number], ReactionRow>('SELECT * FROM reactions WHERE member_id = ? ORDER BY reacted_at, rowid'),
    };
  }

  /**
   * One IMMEDIATE transaction committed without waiting for the disk (synchronous=NORMAL for this
   * write only; the store's other writes stay FULL). In WAL mode such a commit is atomic and the
   * file stays consistent; a power cut may lose the last reactions, never a rating (ratings
   * commit with FULL, which also syncs every feedback row before them). An fsync per click cost
   * 4 ms p50 / 12 ms p95 per write on the shared build disk (bench/feedback.ts), far over the
   * 2 ms budget a command may spend on feedback.
   */
  private write<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    this.db.pragma('synchronous = NORMAL');
    try {
      return this.db.transaction(fn).immediate();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
  }

  recordImpression(list: ShownList): void {
    if (typeof list.listId !== 'string' || list.listId === '') throw new StoreError('an impression needs a non-empty list id');
    if (!SURFACES.includes(list.surface)) throw new StoreError(`unknown list surface ${JSON.stringify(list.surface)} (accepted: ${SURFACES.join(', ')})`);
    if (list.items.length === 0) throw new StoreError(`impression ${list.listId}: an empty list shows nothing to react to`);
    const shownAt = list.shownAt ?? this.now();
    this.write(() => {
      if (!this.st.memberExists.get(list.memberId)) throw new StoreError(`no member with id ${String(list.memberId)}`);
      if (this.st.impression.get(list.listId)) throw new StoreError(`list ${list.listId} was already recorded`);
      this.st.addImpression.run(list.listId, list.memberId, list.surface, list.algo, list.experimentId ?? null, shownAt);
      list.items.forEach((it, k) => this.st.addItem.run(list.listId, k + 1, it.movieId, it.algo, it.team ?? null));
    });
  }

  impression(listId: string): (ShownList & { shownAt: number; experimentId?: number }) | undefined {
    const row = this.st.impression.get(listId);
    if (!row) return undefined;
    return { ...toList(row), items: this.st.items.all(listId).map(toItem) };
  }

  react(r: { listId: string; memberId: number; movieId: string; kind: ReactionKind; rating?: number; at?: number }): { previous: Reaction | null } {
    if (!REACTION_KINDS.includes(r.kind)) throw new StoreError(`unknown reaction ${JSON.stringify(r.kind)} (accepted: ${REACTION_KINDS.join(', ')})`);
    if (r.kind === 'seen' && r.rating === undefined) throw new StoreError('"seen it" needs the rating you gave the movie');
    if (r.kind !== 'seen' && r.rating !== undefined) throw new StoreError(`a "${r.kind}" reaction carries no rating`);
    const at = r.at ?? this.now();
    return this.write(() => {
      this.checkReactor(r.listId, r.memberId, r.movieId);
      const before = this.st.reaction.get(r.listId, r.movieId);
      this.st.upsertReaction.run(r.listId, r.movieId, r.memberId, r.kind, r.rating ?? null, at);
      return { previous: before ? toReaction(before) : null };
    });
  }

  clearReaction(listId: string, memberId: number, movieId: string): boolean {
    return this.write(() => {
      this.checkReactor(listId, memberId, movieId);
      return this.st.deleteReaction.run(listId, memberId, movieId).changes > 0;
    });
  }

  /** The one rule for who may react: the list's own member, to a movie the list showed. */
  private checkReactor(listId: string, memberId: number, movieId: string): void {
    const list = this.st.impression.get(listId);
    if (!list) throw new StoreError(`no list ${JSON.stringify(listId)}: it was never shown, or its member asked to be forgotten`);
    if (list.member_id !== memberId) throw new StoreError('only the member this list was made for can react to it');
    if (!this.st.item.get(listId, movieId)) throw new StoreError(`movie ${JSON.stringify(movieId)} was not in list ${listId}`);
  }

  reaction(listId: string, movieId: string): Reaction | undefined {
    const row = this.st.reaction.get(listId, movieId);
    return row && toReaction(row);
  }

  hide(memberId: number, movieId: string): void {
    this.write(() => {
      if (!this.st.memberExists.get(memberId)) throw new StoreError(`no member with id ${String(memberId)}`);
      this.st.hide.run(memberId, movieId, this.now());
    });
  }

  unhide(memberId: number, movieId: string): boolean {
    return this.write(() => this.st.unhide.run(memberId, movieId).changes > 0);
  }

  hidden(memberId: number): string[] {
    return this.st.hidden.all(memberId).map((r) => r.movie_id);
  }

  startExperiment(e: { a: string; b: string; listSize: number; startedBy: string }): Experiment {
    for (const [name, v] of [['a', e.a], ['b', e.b]] as const) {
      if (typeof v !== 'string' || v.trim() === '') throw new StoreError(`an experiment needs algorithm ${name}`);
    }
    if (!Number.isInteger(e.listSize) || e.listSize < 2) throw new StoreError(`an experiment's lists need at least 2 movies (got ${String(e.listSize)})`);
    return this.write(() => {
      const running = this.st.running.get();
      if (running) throw new StoreError(`experiment ${running.id} (${running.algo_a} vs ${running.algo_b}) is still running: stop it first`);
      return toExperiment(this.st.addExperiment.get(e.a, e.b, e.listSize, e.startedBy, this.now())!);
    });
  }

  runningExperiment(): Experiment | undefined {
    const row = this.st.running.get();
    return row && toExperiment(row);
  }

  stopExperiment(id: number, report: unknown): Experiment {
    const json = JSON.stringify(report);
    if (json === undefined) throw new StoreError('an experiment report must be a JSON value');
    return this.write(() => {
      if (this.st.stop.run(this.now(), json, id).changes === 0) {
        throw new StoreError(this.st.experiment.get(id) ? `experiment ${id} was already stopped` : `no experiment ${id}`);
      }
      return toExperiment(this.st.experiment.get(id)!);
    });
  }

  experiments(): Experiment[] {
    return this.st.experiments.all().map(toExperiment);
  }

  experimentCredits(experimentId: number, windowMs: number): ListCredits[] {
    return this.st.credits
      .all({ id: experimentId, window: checkWindow(windowMs) })
      .map((r) => ({ listId: r.list_id, memberId: r.member_id, shownAt: r.shown_at, a: r.a, b: r.b }));
  }

  likeRates(windowMs: number, sinceMs = 0): LikeRate[] {
    return this.st.likeRates.all({ window: checkWindow(windowMs), since: sinceMs });
  }

  memberFeedback(memberId: number): MemberFeedback {
    return {
      impressions: this.st.memberImpressions.all(memberId).map((row) => ({
        ...toList(row),
        experimentId: row.experiment_id,
        items: this.st.items.all(row.list_id).map(toItem),
      })),
      reactions: this.st.memberReactions.all(memberId).map(toReaction),
      hidden: this.st.hidden.all(memberId).map((r) => ({ movieId: r.movie_id, hiddenAt: r.hidden_at })),
    };
  }
}

function checkWindow(ms: number): number {
  if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) throw new StoreError(`a reaction window must be a number of ms ≥ 0 (got ${String(ms)})`);
  return Math.round(ms);
}

function toList(r: ImpressionRow): Omit<ShownList, 'items'> & { shownAt: number; experimentId?: number } {
  return {
    listId: r.list_id,
    memberId: r.member_id,
    surface: r.surface,
    algo: r.algo,
    ...(r.experiment_id !== null ? { experimentId: r.experiment_id } : {}),
    shownAt: r.shown_at,
  };
}

function toItem(r: ItemRow): ShownItem {
  return r.team === null ? { movieId: r.movie_id, algo: r.algo } : { movieId: r.movie_id, algo: r.algo, team: r.team };
}

function toReaction(r: ReactionRow): Reaction {
  return { listId: r.list_id, movieId: r.movie_id, memberId: r.member_id, kind: r.kind, rating: r.rating, reactedAt: r.reacted_at };
}

function toExperiment(r: ExperimentRow): Experiment {
  return {
    id: r.id,
    a: r.algo_a,
    b: r.algo_b,
    listSize: r.list_size,
    startedBy: r.started_by,
    startedAt: r.started_at,
    stoppedAt: r.stopped_at,
    report: r.report === null ? null : (JSON.parse(r.report) as unknown),
  };
}
