/**
 * The store's public surface. `openStore(path)` in ./store.ts returns one of these; the service
 * and the commands talk to this interface only.
 */
import type { LoadedDataset, MovieRecord, RatingTable } from '../data/types.ts';
import type { CodedRatings } from './columns.ts';
import type { FeedbackStore } from './feedback.ts';
import type { MatchRule } from './movie-match.ts';

export type { MatchRule } from './movie-match.ts';
export type {
  Experiment,
  FeedbackStore,
  LikeRate,
  ListCredits,
  MemberFeedback,
  Reaction,
  ReactionKind,
  ShownItem,
  ShownList,
  Surface,
  TeamName,
} from './feedback.ts';

export type Platform = 'console' | 'discord' | 'slack';

export interface Member {
  id: number;
  platform: Platform;
  platformUserId: string;
  displayName: string | null;
  createdAt: number;
}

export interface MemberRating {
  movieId: string;
  rating: number;
  /** milliseconds since the epoch */
  ratedAt: number;
}

export interface DatasetInfo {
  name: string;
  format: string;
  /** a hash of the imported content: same data, same fingerprint */
  fingerprint: string;
  nMovies: number;
  nRatings: number;
  /** the dataset's rating scale [lo, hi] (members always rate 0.5..5 in steps of 0.5) */
  scale: readonly [number, number];
  importedAt: number;
  /** the signature of the folder it was imported from (LoadedDataset.source), when known */
  source?: string;
}

export interface ImportProgress {
  phase: 'movies' | 'ratings';
  done: number;
  total: number;
}

export interface ImportResult {
  /** false when the same data was already imported (nothing changed) */
  changed: boolean;
  movies: number;
  ratings: number;
  /** what happened to members' ratings when this import replaced another dataset */
  members?: DatasetSwitchReport;
}

/**
 * Members' ratings across a dataset switch. Every rating either follows its film into the new
 * dataset (`moved`, however it was matched: `byRule`) or is set aside, never re-pointed by id alone.
 */
export interface DatasetSwitchReport {
  /** the dataset replaced */
  from: string;
  to: string;
  /** members' ratings now on the same film in the new dataset */
  moved: number;
  /** of those, how many the film's id in the new dataset differs from its old one */
  renumbered: number;
  /** ratings whose film the new dataset lacks (or a member's older rating of the same film), kept aside */
  setAside: number;
  /** ratings set aside by an earlier switch that found their film again */
  restored: number;
  /** ratings waiting aside after this switch, from this and earlier switches */
  waiting: number;
  /** how the moved and restored ratings were matched */
  byRule: Partial<Record<MatchRule, number>>;
}

/** A member's rating a dataset switch could not map, kept so a later switch can restore it. */
export interface AsideRating {
  memberId: number;
  /** the dataset the movie id belongs to */
  dataset: string;
  movieId: string;
  title: string;
  year: number | null;
  rating: number;
  ratedAt: number;
  setAsideAt: number;
  reason: string;
}

export interface Snapshot {
  /** what the model was trained on (dataset fingerprint + members' ratings version + params) */
  key: string;
  blob: Uint8Array;
  createdAt: number;
}

export interface Store {
  readonly path: string;
  close(): void;

  /**
   * One transaction; importing the same data twice changes nothing. Replaces a different dataset,
   * moving members' ratings to the same films in it and setting aside those it lacks (see
   * ImportResult.members); a failure anywhere leaves the store as it was.
   */
  importDataset(ds: LoadedDataset, onProgress?: (p: ImportProgress) => void): ImportResult;
  datasetInfo(): DatasetInfo | undefined;
  movies(): MovieRecord[];
  /** every movie's id, in movies()' order, without building the records */
  movieIds(): string[];
  movie(movieId: string): MovieRecord | undefined;
  /** dataset ratings in file order */
  datasetRatings(): RatingTable;
  /** the same ratings coded (each raw id once), without timestamps: what training reads */
  datasetRatingCodes(): CodedRatings;
  /** the same ratings' times in seconds (NaN where the dataset's format has none), in file order */
  datasetRatingTimestamps(): Float64Array;

  /** Finds or creates the member for a platform user. */
  member(platform: Platform, platformUserId: string, displayName?: string): Member;
  findMember(platform: Platform, platformUserId: string): Member | undefined;
  memberById(id: number): Member | undefined;
  /**
   * Group commit: every write `fn` makes is one transaction, committed (synchronous=FULL) once
   * when `fn` returns; a write inside that fails rolls back alone (a savepoint). Whoever answers
   * for those writes answers after this returns, never inside `fn`. If the commit itself fails,
   * nothing of `fn` is stored and this throws.
   */
  inOneCommit<T>(fn: () => T): T;
  /** Runs `fn`'s reads in one read transaction: they all see the store as it was at one moment. */
  inOneRead<T>(fn: () => T): T;
  /** Upsert; committed (synchronous=FULL) before it returns. Returns the previous rating, if any. */
  rate(memberId: number, movieId: string, rating: number, ratedAt?: number): { previous: number | null };
  /** Many ratings in one transaction (imports). */
  rateMany(memberId: number, ratings: ReadonlyArray<{ movieId: string; rating: number; ratedAt?: number }>): number;
  unrate(memberId: number, movieId: string): boolean;
  /** newest first */
  memberRatings(memberId: number): MemberRating[];
  allMemberRatings(): Array<MemberRating & { memberId: number }>;
  /** Ratings set aside by dataset switches (all members', or one member's), oldest first. */
  asideRatings(memberId?: number): AsideRating[];
  /** Deletes the member and everything of theirs (ratings set aside too). Returns the number of ratings removed. */
  forget(memberId: number): number;
  /** Grows on every change to members' ratings (for snapshot keys and retrain triggers). */
  ratingsVersion(): number;

  /** Saves a snapshot at once (every step of snapshotSaveSteps and of snapshotCleanupSteps in a row). */
  saveSnapshot(name: string, snap: Omit<Snapshot, 'createdAt'>): void;
  /**
   * The same save, one bounded step per `next()`: each step is one short write transaction of at
   * most one part (8 MB by default); the last step publishes the key with the parts. Until then
   * loadSnapshot returns the previous snapshot; stopped early (`return()`), or by a crash, the
   * save leaves parts no snapshot names, for snapshotCleanupSteps.
   */
  snapshotSaveSteps(name: string, snap: Omit<Snapshot, 'createdAt'>): Generator<void, void, void>;
  /** Deletes the parts no snapshot names (and no unfinished save of this store writes), one part per step. */
  snapshotCleanupSteps(): Generator<void, void, void>;
  /** Forgets snapshot `name` at once (its parts go in later cleanup steps); false when there was none. */
  dropSnapshot(name: string): boolean;
  loadSnapshot(name: string): Snapshot | undefined;

  saveEvaluation(report: unknown): void;
  lastEvaluation(): { report: unknown; createdAt: number } | undefined;

  /** Impressions, reactions, hidden movies and experiments (./feedback.ts); all go with the member on forget. */
  readonly feedback: FeedbackStore;
}

/** A store problem a person can fix (a bad rating, an unknown movie): the message says what. */
export class StoreError extends Error {
  override name = 'StoreError';
}
