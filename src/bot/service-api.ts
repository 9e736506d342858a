/**
 * What the commands may ask of the bot's service. Commands depend on this interface only; the
 * service (./service.ts) implements it over the store, the trained models and the content model.
 * Everything here is platform-neutral and never shows one member another member's ratings.
 */
import type { SkipKind } from '../data/member-import.ts';
import type { MovieRecord } from '../data/types.ts';
import type { Member, MemberRating, Platform } from '../store/api.ts';

/**
 * The scale members rate on: 0.5 to 5 in half stars (the store enforces it; the MovieLens
 * datasets lie inside it). The one definition for the bot's side: /rate's option, the service.
 */
export const HALF_STARS = Object.freeze({ min: 0.5, max: 5, step: 0.5 } as const);

/** A rating as people write it: "4.5", "5" (the one formatter; commands draw stars around it). */
export function formatRating(r: number): string {
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

/**
 * How a title was found. `exact`: the title as stored or shown, in any case, or `id:<movieId>`;
 * `normalised`: the same title once case, accents, punctuation and articles are ignored, maybe
 * with its year, or one of its alternate titles; `prefix`: the first words of a title;
 * `fuzzy`: a close spelling. Only exact and normalised matches may be written without asking.
 */
export type TitleMatchHow = 'exact' | 'normalised' | 'prefix' | 'fuzzy';

export type TitleMatch =
  | { kind: 'found'; movie: MovieRecord; how: TitleMatchHow }
  | { kind: 'ambiguous'; choices: MovieRecord[] }
  | { kind: 'unknown'; suggestions: MovieRecord[] };

/** The longest list any answer gives (`n` of recommend, because, movie night): 1 to this. */
export const MAX_LIST_LENGTH = 100;

/**
 * The top-N yardstick's protocols an admin can run with /evaluate on the bot's own ratings: loo
 * (one random rating per member), temporal (each member's latest rating: what a member rates
 * next), kfold (every rating once over `folds` folds) and cutoff (every rating after the 90th
 * percentile of rating times: the movies members go on to rate, new releases among them). The
 * CLI (`npm run evaluate -- --topn`) has these and the rare protocol.
 */
export const EVALUATION_PROTOCOLS = ['loo', 'temporal', 'kfold', 'cutoff'] as const;
export type EvaluationProtocol = (typeof EVALUATION_PROTOCOLS)[number];

export interface RecommendedMovie {
  movie: MovieRecord;
  /** the algorithm's score (predicted rating, weighted rating or similarity) */
  score: number;
  /** one line: "because you rated Alien 5", "shared: Sci-Fi, space", "popular with members like you" */
  reason: string;
}

export interface RecommendResult {
  /** the algorithm that answered (after any cold-start fallback) */
  algo: string;
  items: RecommendedMovie[];
  /** set when the member has too few ratings for personal recommendations */
  coldStart?: { have: number; need: number };
  /** a note for the member, e.g. why a fallback was used */
  note?: string;
  /**
   * What `score` means: a predicted rating on the dataset's scale (rating predictors: their
   * clipped estimate), a 0–1 match (content: cosine to the taste profile), the chart's weighted
   * rating (popular), or 'rank': a ranking model's score (EASE, iALS, item-kNN, PureSVD, and the
   * hybrid's blend of z-scores), which only orders the list and must never be shown as stars.
   */
  scoreKind: 'rating' | 'match' | 'weighted-rating' | 'rank';
  /** the list's id for reactions (👍 / 👎 / seen it); unset when the reader has no member record */
  listId?: string;
}

/** A member's reaction to a movie of a list shown to them. */
export type ReactionKind = 'want' | 'not-for-me' | 'seen';

export interface ReactionOutcome {
  /** what the reaction is now; `cleared` when the same 👍 or 👎 was clicked again */
  kind: ReactionKind | 'cleared';
  movie: MovieRecord;
  previous: ReactionKind | null;
  /** whether the movie is now kept out of the member's lists */
  hidden: boolean;
  /** the rating written by "seen it" */
  rated?: number;
}

/** An interleaved experiment's verdict: aggregates only, never one member's reactions. */
export interface ExperimentSummary {
  id: number;
  a: string;
  b: string;
  listSize: number;
  startedBy: string;
  startedAt: number;
  stoppedAt: number | null;
  listsShown: number;
  /** lists whose teams drew different numbers of positive reactions */
  listsWithPreference: number;
  members: number;
  /** members preferring A, B, or neither (their lists' credits summed) */
  winsA: number;
  winsB: number;
  ties: number;
  /** the two-sided sign test's p over members */
  p: number;
  /** winsA / (winsA + winsB) − ½, with a 95 % bootstrap interval over members */
  preference: number;
  interval: { lo: number; hi: number };
  /** the algorithm the test favours at `alpha`, or null */
  winner: string | null;
  alpha: number;
}

export interface ExperimentStatus extends ExperimentSummary {
  /** the running preference after each list */
  chartPng?: Uint8Array;
}

/** Per algorithm: movies shown, and the share members liked (👍, or rated ≥ 4 within a week). */
export interface LikeRateRow {
  algo: string;
  shown: number;
  liked: number;
  lists: number;
  rate: number;
}

/** One algorithm's list in `/compare`. */
export interface CompareList {
  /** the algorithm asked for */
  algo: string;
  /** the recommend answer for it (its `algo` says who answered: a fallback while it trains, the chart at cold start) */
  result: RecommendResult;
  /** HR@10 with its 95% interval in the last /evaluate top-N report, when that report measured this algorithm */
  hitRate?: { mean: number; lo: number; hi: number; dataset?: string };
}

/** `/compare`: several algorithms' top-n side by side, and where they agree. */
export interface CompareResult {
  /** whose lists: the asking member's, or a dataset user's (admins only), with their rating count */
  subject: { kind: 'member'; ratings: number } | { kind: 'dataset-user'; userId: string; ratings: number };
  lists: CompareList[];
  /** movies on two or more lists, on the most lists first */
  agreed: Array<{ movie: MovieRecord; algos: string[] }>;
  /** whether a top-N evaluation report exists to quote HR@10 from */
  evaluated: boolean;
}

export interface ChartEntry {
  movie: MovieRecord;
  score: number;
  count: number;
  mean: number;
}

/** `/top`: the chart and what it took to get in. */
export interface TopChart {
  entries: ChartEntry[];
  /** movies that pass the genre/decade filter and the vote-count percentile */
  qualified: number;
  /** the vote-count percentile used, in [0, 1) */
  percentile: number;
  /** the vote count that percentile means: a movie needs at least this many ratings */
  minVotes: number;
}

/** The default `/recommend` algorithm and why, in words a member reads. */
export interface DefaultAlgorithm {
  algo: string;
  why: string;
}

export interface MovieDetails {
  movie: MovieRecord;
  communityMean: number | null;
  communityCount: number;
  myRating: number | null;
  similar: RecommendedMovie[];
}

export interface EvaluationProgress {
  done: number;
  total: number;
  message: string;
}

/**
 * What /evaluate found: the top-N yardstick (the lists /recommend serves, for every member with a
 * held-out rating; the popularity chart is the floor).
 */
export interface EvaluationOutcome {
  /** a plain-text table of the results */
  table: string;
  /** one row per algorithm, best HR@10 first; `hitRate` is HR@10, `ci` its 95% half-width */
  rows: Array<{ algo: string; hitRate: number; ci: number; [metric: string]: number | string }>;
  chartPng?: Uint8Array;
  dataset: string;
  /** how ratings were held out: "leave-one-out" (one per member) or "3-fold cross-validation" */
  protocol: string;
  /** the default `/recommend` algorithm before and after this evaluation, and why it is the one after */
  defaultBefore: string;
  defaultAfter: string;
  why: string;
}

export interface ImportOutcome {
  imported: number;
  updated: number;
  unmatched: Array<{ title: string; year: number | null; reason: string }>;
  /**
   * Movies the member had already rated more recently than the file says (or the file's row has
   * no date): their own rating was kept. reason: "kept your newer rating (5 on 2024-06-01); the
   * file's 3 is from 2019-05-01".
   */
  kept?: Array<{ title: string; year: number | null; reason: string }>;
  /** rows that could not be read (a score or year out of range), by line: not titles */
  invalid?: Array<{ line: number; reason: string }>;
  /** rows left out on purpose, counted per kind in order of first appearance (TV episodes, no rating, repeats) */
  skipped?: Array<{ kind: SkipKind; count: number }>;
}

export interface MarqueeService {
  /** Finds or creates the member behind a platform user. */
  member(platform: Platform, platformUserId: string, displayName?: string): Member;
  /** Member lookup without creating (e.g. /movienight mentions). */
  findMember(platform: Platform, platformUserId: string): Member | undefined;

  /** Exact, then normalised (case, punctuation, articles, optional year), then prefix, then fuzzy; `how` says which. */
  resolveTitle(query: string): TitleMatch;
  /** Up to `limit` (≤ 25) choices for a partly typed title: name shown, value = movie id. */
  autocomplete(partial: string, limit?: number): Array<{ name: string; value: string }>;
  movie(movieId: string): MovieRecord | undefined;
  /** "The Matrix (1999)" */
  label(movie: MovieRecord): string;
  genres(): string[];

  /**
   * Commits to SQLite first; the member's next recommendation reflects it (fold-in). `count`: the
   * member's number of ratings after the write.
   */
  rate(member: Member, movieId: string, rating: number): { previous: number | null; count: number };
  unrate(member: Member, movieId: string): boolean;
  /** newest first */
  ratings(member: Member): Array<MemberRating & { movie: MovieRecord }>;

  /** `percentile`: of the vote counts, 0 ≤ p < 1 (default 0.95); a member may lower it, e.g. 0.8. */
  top(opts: { genre?: string; decade?: number; n: number; percentile?: number }): TopChart;
  /** Personal top-n; `algo` undefined = defaultAlgorithm(). */
  recommend(member: Member, opts: { algo?: string; n: number }): RecommendResult;
  /**
   * `/compare`: each algorithm's top-n through `recommend` (the same serving path), the movies two
   * or more lists share, and each one's HR@10 from the last top-N /evaluate. `datasetUser`: a
   * dataset user's public ratings instead of the member's; refused (UserFacingError) unless the
   * member is an admin, or when the id is not a dataset user.
   */
  compare(member: Member, opts: { algos?: string[]; n?: number; datasetUser?: string }): CompareResult;
  /** The one rule for the default `/recommend` algorithm (also shown by /help and /evaluate). */
  defaultAlgorithm(): DefaultAlgorithm;
  /** Algorithms `/recommend` accepts. */
  algorithms(): string[];
  because(movieId: string, n: number): { content: RecommendedMovie[]; alsoLiked: RecommendedMovie[]; note?: string };
  movieDetails(member: Member, movieId: string): MovieDetails;
  movieNight(members: Member[], n: number): RecommendedMovie[];

  /**
   * Runs in a worker; progress through the callback; the bot keeps answering meanwhile. One at a
   * time: a call while one runs rejects at once with a UserFacingError (EvaluationBusyError) whose
   * message says "an evaluation is already running (started by …, x% done) …". Unknown or repeated
   * algorithms are refused with a UserFacingError before anything runs.
   */
  evaluate(
    /**
     * protocol: which ratings are held out (loo, the default without folds: one per member; temporal: each
     * member's latest; kfold, the default with folds: `folds` folds; cutoff: every rating after the 90th percentile of
     * rating times); startedBy: who asked (a display name), shown to anyone who asks while it runs.
     * `folds` with another protocol than kfold, or a timed protocol over ratings without times, is
     * refused with a UserFacingError before anything runs
     */
    opts: { algos?: string[]; protocol?: EvaluationProtocol; folds?: number; startedBy?: string },
    onProgress: (p: EvaluationProgress) => void,
  ): Promise<EvaluationOutcome>;

  /** `fileName` names the export in messages: the member's file name, else "your file" or "the pasted text". */
  importRatings(member: Member, csvText: string, fileName?: string): ImportOutcome;
  exportRatings(member: Member): string;
  /** Deletes everything of the member's; returns the number of ratings removed. */
  forget(member: Member): number;

  /**
   * Records a list shown by /because or /movienight (made for `member`, the one who asked);
   * returns its id for reactions, or undefined when the member has no record yet.
   */
  recordList(member: Member, surface: 'because' | 'movienight', algo: string, movieIds: readonly string[]): string | undefined;
  /**
   * 👍 (`want`), 👎 (`not-for-me`: keeps the movie out of the member's lists) or "seen it" with a
   * score (a normal rating). Only the list's own member may react; a second click replaces the
   * reaction, the same 👍/👎 again takes it back.
   */
  react(member: Member, listId: string, movieId: string, kind: ReactionKind, rating?: number): ReactionOutcome;
  /** The member's hidden (👎) movies, newest first. */
  hidden(member: Member): MovieRecord[];
  /** Shows a hidden movie again; false when it was not hidden. */
  unhide(member: Member, movieId: string): boolean;
  /** Per algorithm like rates over every list shown. */
  likeRates(): LikeRateRow[];
  /** Starts an interleaved experiment (admins; one at a time). */
  startExperiment(opts: { a: string; b: string; listSize?: number; startedBy: string }): ExperimentSummary;
  /** The running experiment with its chart, or undefined. */
  experimentStatus(): Promise<ExperimentStatus | undefined>;
  /** Stops the running experiment, keeping its report. */
  stopExperiment(): Promise<ExperimentStatus>;
  /** Every experiment, newest first. */
  experimentHistory(): ExperimentSummary[];
  /** The member's impressions, reactions and hidden movies as JSON (for /export). */
  exportFeedback(member: Member): string;

  /** Minimum ratings before personal recommendations. */
  readonly coldStartThreshold: number;
}
