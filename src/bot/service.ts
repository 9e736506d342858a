/**
 * The bot's service: members, titles, live models, fold-in and retraining, behind the
 * MarqueeService interface the commands use.
 *
 * Lifecycle. `createService` reads the catalogue and the training columns (dataset + members'
 * ratings), builds the trainset and loads each configured algorithm from its snapshot when the
 * snapshot was trained on exactly this data (key = dataset fingerprint + ratings version + rating
 * count + spec). Whatever is missing, stale or corrupt is trained in a worker thread; meanwhile
 * those algorithms answer "warming up" from the popularity chart. `ready` resolves when every
 * configured model and the content model are loaded. The content model (TF-IDF over titles,
 * genres and tags) is restored right after start-up from its snapshot when that was built from
 * this catalogue (key = content format version + dataset fingerprint; the snapshot also carries a
 * fingerprint of the movies' text, checked on restore); otherwise, or when the snapshot is
 * unusable, it is built on the main thread (~1 s on ml-latest-small) and saved for the next start.
 *
 * Ratings. `rate` commits to SQLite (synchronous=FULL) and only then returns. The member's next
 * `recommend` rebuilds their profile from their current ratings: without the trained user id when
 * anything changed since training, so the algorithms fold them in (no retrain needed).
 *
 * Retraining. After `retrainAfter` changes, or every `retrainMinutes` when anything changed, a
 * worker fits every active algorithm on fresh columns; the new generation replaces the old one in
 * one assignment, so no command ever waits for training or sees half a generation.
 *
 * Forgetting. A forget that removed ratings overwrites every saved model with an empty one (so a
 * restart cannot reload the member) and retrains right away; a retrain that had already read the
 * member's ratings is discarded and run again, and nothing read before the forget is saved.
 *
 * Privacy of aggregates. The dataset is public, so an aggregate per movie that mixed in members'
 * ratings would give a member's rating away whenever they are its only member rater. Whatever a
 * member sees per movie (the community average, the charts and the popular picks, "members also
 * liked") is computed from the dataset's ratings plus members' ratings of the movies at least
 * three members rated (Generation.community, MIN_MEMBERS_IN_AGGREGATES). Collaborative
 * picks (recommend, movie night, the collaborative half of hybrid) skip movies with fewer than
 * `minRatings` ratings: a prediction from one rater is that rater's rating.
 *
 * Lazy algorithms. Algorithms not in the configured list (e.g. svdpp, knn-user) are loaded from
 * their snapshot on first request when one fits the current data, else trained in the worker;
 * meanwhile the request is answered by the default algorithm with a note ("training knn-user, try
 * again in a few seconds"). Once trained they stay loaded and join later retrains. This keeps the
 * resident set small: only what is configured (MARQUEE_ALGORITHMS) is loaded at start.
 *
 * Memory, measured on ml-latest-small (bench/bot.ts): svd, knn-user, baseline and popular plus the
 * content model and the title index take about 280 MB of RSS. knn-item adds a 9,724² float32
 * similarity triangle (~190 MB, ~350 MB in all) and, because the k-NN snapshot state does not
 * carry the similarities, decoding it recomputes them on the main thread (~1 s per start-up or
 * retrain), so it is better left to load lazily on first request.
 */
import type { Algorithm } from '../core/algorithm.ts';
import { ParamError } from '../core/algorithm.ts';
import { HybridRecommender } from '../core/content/hybrid.ts';
import { CONTENT_FORMAT_VERSION, ContentModel, type ContentMovie } from '../core/content/model.ts';
import { formatTable } from '../evaluation/table.ts';
import { popularityChart } from '../core/popularity.ts';
import { describeAlgorithm } from '../core/registry.ts';
import { decodeModel } from '../core/snapshot.ts';
import { topN } from '../core/topn.ts';
import { Trainset, type Profile } from '../core/trainset.ts';
import { exportMemberCsv, parseMemberRatings } from '../data/member-import.ts';
import type { MovieRecord } from '../data/types.ts';
import { runEvaluation, type EvaluationReport } from '../evaluation/run.ts';
import { log as defaultLog } from '../log.ts';
import type { Member, MemberRating, Platform, Store } from '../store/api.ts';
import { memberRawId, trainingColumns } from '../store/training-data.ts';
import {
  CONTENT_ALGOS,
  Generation,
  RATING_SCALE,
  bestEvaluated,
  botAlgorithmNames,
  canonicalSpec,
  likedMovies,
  memberProfile,
  mostSimilarLiked,
  normaliseImdb,
  popularReason,
  sharedReason,
  snapshotName,
  stars,
  type LikedMovie,
} from './models.ts';
import type {
  ChartEntry,
  EvaluationOutcome,
  EvaluationProgress,
  ImportOutcome,
  MarqueeService,
  MovieDetails,
  RecommendResult,
  RecommendedMovie,
  TitleMatch,
} from './service-api.ts';
import { TitleIndex, movieLabel } from './titles.ts';
import { contentMovieOf } from './content-movies.ts';
import { trainInWorker, type TrainColumns, type TrainHandle } from './trainer.ts';

/** The subset of pino's logger the service uses. */
export interface ServiceLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface ServiceOptions {
  store: Store;
  /** algorithm specs trained at start-up and kept loaded (MARQUEE_ALGORITHMS) */
  algorithms: readonly string[];
  /** ratings a member needs before personal recommendations */
  coldStart: number;
  /** retrain after this many rating changes */
  retrainAfter: number;
  /** retrain this often (minutes) when anything changed */
  retrainMinutes: number;
  /**
   * Movies with fewer ratings than this in the trainset are never recommended by the
   * collaborative algorithms (nor in a movie night): a prediction from one or two raters is noise,
   * and with a single rater it is that person's rating (MARQUEE_MIN_RATINGS; default 5).
   * Content and popular picks are not affected.
   */
  minRatings?: number;
  /**
   * At most this many algorithms outside the configured list stay loaded (default 2); asking for
   * another lets go of the one used least recently. Without a bound, members asking for every
   * algorithm would load them all (knn-item and slope-one alone hold ~190 MB each on
   * ml-latest-small).
   */
  maxLazyModels?: number;
  /** who may run admin commands; undefined = the console user */
  adminIds?: ReadonlyArray<{ platform: Platform; userId: string }>;
  logger?: ServiceLogger;
}

export interface ServiceStats {
  /** what the current generation was trained on */
  generation: { ratingsVersion: number; nUsers: number; nItems: number; nRatings: number; createdAt: number };
  /** algorithms answering now */
  loaded: string[];
  /** algorithms being trained (start-up, lazy or retrain) */
  training: string[];
  contentModel: 'ready' | 'building' | 'failed';
  /** rating changes since the current generation was read */
  pendingChanges: number;
  retraining: boolean;
  /** ms from createService to its promise resolving, and to `ready` */
  startupMs: number;
  readyMs: number | null;
  rssBytes: number;
}

export type Service = MarqueeService & {
  close(): Promise<void>;
  /** resolves when every configured model (and the content model) is loaded */
  ready: Promise<void>;
  stats(): ServiceStats;
  /** whether the member may run admin commands */
  isAdmin(member: Member): boolean;
  /** starts a full retrain now (normally triggered by changes or the timer); resolves when swapped */
  retrain(): Promise<void>;
};

/** Predicted ratings below this keep a movie out of a movie night. */
const MOVIE_NIGHT_FLOOR = 2.5;
/** Popular movies considered when blending the chart with a new member's content profile. */
const COLD_POOL = 200;
const MAX_N = 100;
/** The store's snapshot name of the content model. */
const CONTENT_SNAPSHOT = 'content';
/** The default of ServiceOptions.maxLazyModels. */
export const DEFAULT_MAX_LAZY_MODELS = 2;

/** The default of ServiceOptions.minRatings. */
export const DEFAULT_MIN_RATINGS = 5;
/** The key of a model snapshot dropped after a forget: it matches no data, so it is never loaded. */
const DROPPED_SNAPSHOT_KEY = 'dropped after a forget';
/** After a failed retrain, new ratings do not trigger another for this long (the timer still does). */
const RETRY_AFTER_FAILURE_MS = 60_000;

/**
 * `/evaluate` while another evaluation runs: one at a time (each is a cross-validation of every
 * algorithm in a worker). Named UserError so the dispatcher shows the message to the member.
 */
export class EvaluationBusyError extends Error {
  override name = 'UserError';
}

export async function createService(opts: ServiceOptions): Promise<Service> {
  const svc = new MarqueeBotService(opts);
  svc.start();
  return svc;
}

class MarqueeBotService implements MarqueeService {
  readonly coldStartThreshold: number;
  ready!: Promise<void>;
  private readonly minRatings: number;

  private readonly store: Store;
  private readonly log: ServiceLogger;
  private readonly opts: ServiceOptions;
  private readonly t0 = performance.now();
  private startupMs = 0;
  private readyMs: number | null = null;

  private catalog = new Map<string, MovieRecord>();
  private titleIndex: TitleIndex | undefined;
  private genreList: string[] = [];
  private gen!: Generation;
  private fingerprint = 'no-dataset';

  /** registry specs kept in every generation: the configured ones plus those asked for since */
  private readonly active = new Set<string>();
  private readonly configured: string[] = [];
  /** lazily loaded algorithms (not configured) → the use clock at their last use */
  private readonly lazyUse = new Map<string, number>();
  private useClock = 0;
  private readonly maxLazyModels: number;
  private readonly training = new Set<string>();
  private content: ContentModel | undefined;
  private contentState: 'ready' | 'building' | 'failed' = 'building';

  private readonly ratingsCache = new Map<number, MemberRating[]>();
  private readonly profileCache = new Map<number, { gen: Generation; profile: Profile }>();
  private readonly chartCache = new WeakMap<Generation, ReturnType<typeof popularityChart>>();
  private readonly rankedCache = new WeakMap<Generation, ChartRow[]>();
  private readonly wrCache = new WeakMap<Generation, Map<string, number>>();
  /** per generation: inner ids of the movies with fewer than `minRatings` ratings */
  private readonly obscureCache = new WeakMap<Generation, { inner: Int32Array; raw: ReadonlySet<string> }>();
  private defaultCache: { at: number; spec: string } | undefined;

  private changes = 0;
  private retraining = false;
  private retrainFailedAt = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly handles = new Set<TrainHandle>();
  private timer: NodeJS.Timeout | undefined;
  private readonly evaluations = new Set<AbortController>();
  /** the evaluation running now: one at a time (each one is a full cross-validation in a worker) */
  private evaluation: { startedBy: string; startedAt: number; done: number; total: number } | undefined;
  /** grows on every forget that removed ratings: a retrain that read its data before must not land */
  private forgets = 0;
  private closed = false;

  constructor(opts: ServiceOptions) {
    if (!Number.isInteger(opts.coldStart) || opts.coldStart < 0) {
      throw new ParamError(`coldStart must be a whole number >= 0, got ${String(opts.coldStart)}`);
    }
    if (!Number.isInteger(opts.retrainAfter) || opts.retrainAfter < 1) {
      throw new ParamError(`retrainAfter must be a whole number >= 1, got ${String(opts.retrainAfter)}`);
    }
    if (!(opts.retrainMinutes > 0)) throw new ParamError(`retrainMinutes must be > 0, got ${String(opts.retrainMinutes)}`);
    const minRatings = opts.minRatings ?? DEFAULT_MIN_RATINGS;
    if (!Number.isInteger(minRatings) || minRatings < 0) {
      throw new ParamError(`minRatings must be a whole number >= 0, got ${String(opts.minRatings)}`);
    }
    this.minRatings = minRatings;
    const maxLazy = opts.maxLazyModels ?? DEFAULT_MAX_LAZY_MODELS;
    if (!Number.isInteger(maxLazy) || maxLazy < 1) {
      throw new ParamError(`maxLazyModels must be a whole number >= 1, got ${String(opts.maxLazyModels)}`);
    }
    this.maxLazyModels = maxLazy;
    this.opts = opts;
    this.store = opts.store;
    this.log = opts.logger ?? defaultLog;
    this.coldStartThreshold = opts.coldStart;
    for (const spec of opts.algorithms) {
      const c = canonicalSpec(spec);
      if (!this.configured.includes(c)) this.configured.push(c);
      if (!isContentAlgo(c)) this.active.add(c);
    }
  }

  start(): void {
    const movies = this.store.movies();
    for (const m of movies) this.catalog.set(m.movieId, m);
    this.genreList = [...new Set(movies.flatMap((m) => m.genres))]
      .filter((g) => g !== '(no genres listed)')
      .sort((a, b) => a.localeCompare(b));
    this.fingerprint = this.store.datasetInfo()?.fingerprint ?? 'no-dataset';
    this.gen = this.readGeneration();
    this.afterSwap();

    const missing = [...this.active].filter((spec) => !this.loadSnapshot(this.gen, spec));
    const models = missing.length > 0 ? this.train(missing) : Promise.resolve();
    // the title index and the content model are built right after start-up returns (a command
    // that needs the titles before then builds them on the spot)
    const content = new Promise<void>((resolve) =>
      setImmediate(() => {
        void this.titles;
        this.warm(this.gen);
        setImmediate(() => resolve(this.buildContent()));
      }),
    );
    this.ready = Promise.all([models, content]).then(() => {
      this.readyMs = performance.now() - this.t0;
      this.log.info({ ms: Math.round(this.readyMs), models: this.gen.specs() }, 'models ready');
    });
    const every = this.opts.retrainMinutes * 60_000;
    this.timer = setInterval(() => {
      if (this.store.ratingsVersion() !== this.gen.version) void this.retrain();
    }, every);
    this.timer.unref();
    this.startupMs = performance.now() - this.t0;
  }

  // ---- members and titles -----------------------------------------------------------------------

  member(platform: Platform, platformUserId: string, displayName?: string): Member {
    return this.store.member(platform, platformUserId, displayName);
  }

  findMember(platform: Platform, platformUserId: string): Member | undefined {
    return this.store.findMember(platform, platformUserId);
  }

  isAdmin(member: Member): boolean {
    const admins = this.opts.adminIds;
    if (admins === undefined) return member.platform === 'console';
    return admins.some((a) => a.platform === member.platform && a.userId === member.platformUserId);
  }

  resolveTitle(query: string): TitleMatch {
    return this.titles.resolve(query);
  }

  autocomplete(partial: string, limit = 25): Array<{ name: string; value: string }> {
    return this.titles.autocomplete(partial, limit);
  }

  movie(movieId: string): MovieRecord | undefined {
    return this.catalog.get(movieId) ?? this.store.movie(movieId);
  }

  label(movie: MovieRecord): string {
    return movieLabel(movie);
  }

  genres(): string[] {
    return [...this.genreList];
  }

  // ---- ratings ----------------------------------------------------------------------------------

  rate(member: Member, movieId: string, rating: number): { previous: number | null } {
    const current = this.ratingsOf(member.id).find((r) => r.movieId === movieId);
    // the same score again changes nothing: no write, no new ratings version, nothing counted
    // towards a retrain, and the date the member first gave it stays
    if (current !== undefined && current.rating === rating) return { previous: current.rating };
    const out = this.store.rate(member.id, movieId, rating); // committed before it returns
    this.changed(member.id, 1);
    return out;
  }

  unrate(member: Member, movieId: string): boolean {
    const removed = this.store.unrate(member.id, movieId);
    if (removed) this.changed(member.id, 1);
    return removed;
  }

  ratings(member: Member): Array<MemberRating & { movie: MovieRecord }> {
    const out: Array<MemberRating & { movie: MovieRecord }> = [];
    for (const r of this.ratingsOf(member.id)) {
      const movie = this.movie(r.movieId);
      if (movie) out.push({ ...r, movie });
    }
    return out;
  }

  importRatings(member: Member, csvText: string): ImportOutcome {
    const parsed = parseMemberRatings(csvText, 'import.csv');
    const unmatched: ImportOutcome['unmatched'] = [];
    for (const e of parsed.errors) unmatched.push({ title: `line ${e.line}`, year: null, reason: e.problem });
    const byImdb = new Map<string, MovieRecord>();
    for (const m of this.catalog.values()) if (m.imdbId) byImdb.set(normaliseImdb(m.imdbId), m);
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
    const before = new Map(this.ratingsOf(member.id).map((r) => [r.movieId, r]));
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
          reason: `kept your newer rating (${stars(mine.rating)} on ${isoDay(mine.ratedAt)}); the file's ${stars(c.rating)} ${theirs}`,
        });
        continue;
      }
      updated++;
      writes.push({ movieId: c.movie.movieId, rating: c.rating, ratedAt: c.ratedAt });
    }
    if (writes.length > 0) {
      this.store.rateMany(member.id, writes);
      this.changed(member.id, writes.length);
    }
    return { imported, updated, unmatched, kept };
  }

  exportRatings(member: Member): string {
    return exportMemberCsv(
      this.ratings(member).map((r) => ({
        title: r.movie.displayTitle || r.movie.title,
        year: r.movie.year,
        rating: r.rating,
        ratedAt: r.ratedAt,
      })),
    );
  }

  forget(member: Member): number {
    const removed = this.store.forget(member.id);
    this.changed(member.id, removed);
    if (removed > 0) {
      // The member's ratings are still in the live generation (averages, knn-user neighbours)
      // and in the saved models: drop the snapshots now, so a restart cannot reload them, and
      // retrain right away (in the worker) instead of at the next change count or timer tick.
      // A retrain already running read the member's ratings: it is discarded and run again.
      this.forgets++;
      this.dropModelSnapshots();
      void this.retrain();
    }
    return removed;
  }

  // ---- recommendations --------------------------------------------------------------------------

  algorithms(): string[] {
    return botAlgorithmNames();
  }

  recommend(member: Member, opts: { algo?: string; n: number }): RecommendResult {
    const n = checkN(opts.n);
    const requested = opts.algo === undefined || opts.algo.trim() === '' ? undefined : canonicalSpec(opts.algo);
    const ratings = this.ratingsOf(member.id);
    // the content profile works from the first rating (issue: content "works from a member's very
    // first rating"), so an explicit content or hybrid request is not held back by the cold start
    const contentFromFirst = requested !== undefined && isContentAlgo(requested) && ratings.length > 0;
    if (ratings.length < this.coldStartThreshold && !contentFromFirst) {
      const cold = this.coldStartAnswer(ratings, n);
      const note = requested && requested !== 'popular'
        ? `${requested} starts after ${this.coldStartThreshold} ratings; until then, popular picks.`
        : undefined;
      return { ...cold, coldStart: { have: ratings.length, need: this.coldStartThreshold }, note: note ?? cold.note };
    }
    const spec = requested ?? this.defaultSpec();
    if (spec === 'popular') return this.popularAnswer(ratings, n);
    if (isContentAlgo(spec)) return this.contentAnswer(spec, member, ratings, n);

    const gen = this.gen;
    let model = gen.model(spec);
    if (model) this.usedLazy(spec);
    let answered = spec;
    let note: string | undefined;
    if (!model) {
      const waiting = this.ensureModel(spec);
      const fallback = this.fallbackModel(gen, spec);
      const doing = waiting === 'training' ? `training ${spec}, try again in a few seconds` : `${spec} could not be trained (see the logs)`;
      if (!fallback) {
        const pop = this.popularAnswer(ratings, n);
        return { ...pop, note: `Models are warming up (${doing}); meanwhile, popular picks.` };
      }
      model = fallback.model;
      answered = fallback.spec;
      note = `${doing}; meanwhile these come from ${fallback.spec}.`;
    }
    const profile = this.profileFor(member.id, gen);
    const scored = model.recommend(profile, n, { exclude: this.obscure(gen).inner });
    const liked = likedMovies(ratings);
    const userBased = isUserBased(model);
    const items: RecommendedMovie[] = [];
    for (const s of scored) {
      const movie = this.movie(gen.ts.rawItem(s.item));
      if (!movie) continue;
      const reason = userBased ? 'popular with members like you' : this.becauseReason(gen, s.item, movie, liked, s.score);
      items.push({ movie, score: s.score, reason });
    }
    return { algo: answered, items, note, scoreKind: 'rating' };
  }

  because(movieId: string, n: number): { content: RecommendedMovie[]; alsoLiked: RecommendedMovie[]; note?: string } {
    const count = checkN(n);
    const movie = this.requireMovie(movieId);
    const notes: string[] = [];
    const content: RecommendedMovie[] = [];
    if (this.content) {
      // the tutorial's "improved" recommender: of the 25 most similar movies, the best by weighted
      // rating first, so a well-loved film beats an obscure one that merely shares a title word
      const wr = this.weightedRatings(this.gen);
      const res = this.content.because(movieId, count, { rankBy: (id) => wr.get(id) ?? -Infinity });
      if (!res.ok) notes.push(res.reason);
      for (const hit of res.items) {
        const m = this.movie(hit.id);
        if (m) content.push({ movie: m, score: hit.score, reason: sharedReason(hit.terms.map((t) => t.label)) });
      }
    } else {
      notes.push('The content model is still warming up; similar titles will appear in a moment.');
    }
    const alsoLiked: RecommendedMovie[] = [];
    // "also liked" comes from the community's ratings (Generation.community): with every member's
    // rating mixed in, the common-rater counts and similarities would tell about one member's ratings
    const community = this.gen.community;
    const i = community.innerItem(movieId);
    if (i === undefined) {
      notes.push(`${movieLabel(movie)} has too few ratings yet, so there is no "members also liked".`);
    } else {
      for (const nb of this.gen.communityCoRating.neighbours(i, count)) {
        const m = this.movie(community.rawItem(nb.item));
        if (m) alsoLiked.push({ movie: m, score: nb.sim, reason: `rated alike by ${nb.support} members` });
      }
      if (alsoLiked.length === 0) notes.push(`Too few members rated ${movieLabel(movie)} alongside other movies to say who liked what.`);
    }
    return { content, alsoLiked, note: notes.length > 0 ? notes.join(' ') : undefined };
  }

  movieDetails(member: Member, movieId: string): MovieDetails {
    const movie = this.requireMovie(movieId);
    // the community's ratings (Generation.community): the dataset is public, so an average that
    // included the rating of a movie only one member rated would give that rating away
    const community = this.gen.community;
    const i = community.innerItem(movieId);
    let communityMean: number | null = null;
    let communityCount = 0;
    if (i !== undefined) {
      const { indptr, values } = community.byItem;
      communityCount = indptr[i + 1] - indptr[i];
      let s = 0;
      for (let k = indptr[i]; k < indptr[i + 1]; k++) s += values[k];
      communityMean = communityCount > 0 ? s / communityCount : null;
    }
    const mine = this.ratingsOf(member.id).find((r) => r.movieId === movieId);
    const b = this.because(movieId, 5);
    return {
      movie,
      communityMean,
      communityCount,
      myRating: mine ? mine.rating : null,
      similar: b.alsoLiked.length > 0 ? b.alsoLiked : b.content,
    };
  }

  movieNight(members: Member[], n: number): RecommendedMovie[] {
    const count = checkN(n);
    const group = [...new Map(members.map((m) => [m.id, m])).values()];
    if (group.length === 0) return [];
    const gen = this.gen;
    const spec = this.defaultSpec();
    const model = gen.model(spec) ?? this.fallbackModel(gen, spec)?.model;
    const nItems = gen.ts.nItems;
    const sum = new Float64Array(nItems);
    const excluded = new Uint8Array(nItems);
    const ratedByAnyone = new Set<string>();
    for (const m of group) {
      for (const r of this.ratingsOf(m.id)) {
        ratedByAnyone.add(r.movieId);
        const i = gen.ts.innerItem(r.movieId);
        if (i !== undefined) excluded[i] = 1;
      }
    }
    if (!model) {
      // no model yet: the chart, minus what anyone rated
      const chart = this.ranked(gen).filter((e) => !ratedByAnyone.has(e.movieId)).slice(0, count);
      return chart.flatMap((e) => {
        const movie = this.movie(e.movieId);
        return movie ? [{ movie, score: e.score, reason: popularReason(e.mean, e.count) }] : [];
      });
    }
    // as for /recommend: a prediction from one or two raters is theirs, not the group's
    for (const i of this.obscure(gen).inner) excluded[i] = 1;
    const scores = new Float64Array(nItems);
    const [lo, hi] = gen.ts.scale;
    for (const m of group) {
      model.scoreAll(this.profileFor(m.id, gen), scores);
      for (let i = 0; i < nItems; i++) {
        const s = scores[i];
        if (s !== s) {
          excluded[i] = 1;
          continue;
        }
        const clipped = s < lo ? lo : s > hi ? hi : s;
        if (clipped < MOVIE_NIGHT_FLOOR) excluded[i] = 1;
        sum[i] += clipped;
      }
    }
    for (let i = 0; i < nItems; i++) sum[i] = excluded[i] ? NaN : sum[i] / group.length;
    const out: RecommendedMovie[] = [];
    for (const s of topN(sum, count)) {
      const movie = this.movie(gen.ts.rawItem(s.item));
      if (!movie) continue;
      const who = group.length === 1 ? 'for you' : `on average for the ${group.length} of you`;
      out.push({ movie, score: s.score, reason: `predicted ${s.score.toFixed(1)} ${who}` });
    }
    return out;
  }

  top(opts: { genre?: string; decade?: number; n: number }): ChartEntry[] {
    const n = checkN(opts.n);
    let genre: string | undefined;
    if (opts.genre !== undefined && opts.genre.trim() !== '') {
      const want = opts.genre.trim().toLowerCase();
      genre = this.genreList.find((g) => g.toLowerCase() === want);
      if (!genre) throw new ParamError(`unknown genre "${opts.genre}"; genres: ${this.genreList.join(', ')}`);
    }
    let from: number | undefined;
    if (opts.decade !== undefined) {
      if (!Number.isInteger(opts.decade) || opts.decade < 1800 || opts.decade > 2100) {
        throw new ParamError(`decade must be a year such as 1990, got ${String(opts.decade)}`);
      }
      from = opts.decade - (opts.decade % 10);
    }
    const gen = this.gen;
    // the community's ratings (see Generation.community): a chart is an average per movie too
    const community = gen.community;
    const movieAt = community.rawItemIds().map((id) => this.catalog.get(id));
    const filter =
      genre === undefined && from === undefined
        ? undefined
        : (i: number): boolean => {
            const m = movieAt[i];
            if (!m) return false;
            if (genre !== undefined && !m.genres.includes(genre)) return false;
            if (from !== undefined && (m.year === null || m.year < from || m.year >= from + 10)) return false;
            return true;
          };
    const chart = filter ? popularityChart(community, { filter, limit: n }) : { entries: this.chart(gen).entries.slice(0, n) };
    return chart.entries.flatMap((e) => {
      const movie = movieAt[e.item];
      return movie ? [{ movie, score: e.score, count: e.count, mean: e.mean }] : [];
    });
  }

  async evaluate(
    opts: { algos?: string[]; folds?: number; startedBy?: string },
    onProgress: (p: EvaluationProgress) => void,
  ): Promise<EvaluationOutcome> {
    const running = this.evaluation;
    if (running) {
      const pct = running.total > 0 ? Math.floor((100 * running.done) / running.total) : 0;
      throw new EvaluationBusyError(
        `an evaluation is already running (started by ${running.startedBy} ${ago(Date.now() - running.startedAt)}, ${pct}% done); ` +
          'its results will be posted when it finishes, then you can start another',
      );
    }
    const algos = (opts.algos && opts.algos.length > 0 ? opts.algos : [...this.active]).map((a) => a.trim()).filter(Boolean);
    const content = algos.filter((a) => isContentAlgo(canonicalSpec(a)));
    if (content.length > 0) {
      throw new ParamError(`${content.join(', ')} cannot be cross-validated (no rating estimates); evaluate registry algorithms such as svd, knn-item, baseline`);
    }
    if (algos.length === 0) throw new ParamError('no algorithm to evaluate; name some, e.g. svd,knn-item,baseline');
    const folds = opts.folds ?? 5;
    const columns = trainingColumns(this.store);
    const n = columns.ratings.length;
    const name = this.store.datasetInfo()?.name ?? 'ratings';
    const dataset = `${name} + members' ratings`;
    const total = algos.length * folds;
    let done = 0;
    // claimed before the first await: a second request arriving meanwhile is refused
    const mine = { startedBy: opts.startedBy?.trim() || 'an admin', startedAt: Date.now(), done, total };
    this.evaluation = mine;
    try {
      const abort = new AbortController();
      this.evaluations.add(abort);
      let report: EvaluationReport;
      try {
        onProgress({ done, total, message: `cross-validating ${algos.join(', ')} on ${n} ratings, ${folds} folds` });
        report = await runEvaluation(
          {
            data: { table: { ...columns, timestamps: new Float64Array(n).fill(NaN) }, scale: scaleOf(columns), name: dataset },
            algorithms: algos,
            folds,
            metrics: ['rmse', 'mae'],
          },
          (e) => {
            if (e.type === 'fold-end') {
              done++;
              mine.done = done;
              const rmse = e.result.metrics.rmse;
              onProgress({ done, total, message: `${e.algorithm}: fold ${e.fold + 1}/${e.folds}${rmse === undefined ? '' : `, RMSE ${rmse.toFixed(4)}`}` });
            }
          },
          { signal: abort.signal },
        );
      } finally {
        this.evaluations.delete(abort);
      }
      const cv = report.cv!; // a request without `topn` always has a cross-validation report
      this.store.saveEvaluation(cv);
      this.defaultCache = undefined; // the default algorithm follows the new report
      let chartPng: Uint8Array | undefined;
      try {
        // loaded on demand: vega, vega-lite and resvg cost ~0.5 s and tens of MB at start-up
        const { renderChart } = await import('../evaluation/chart.ts');
        chartPng = new Uint8Array(await renderChart(cv));
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'the evaluation chart could not be drawn');
      }
      const rows = cv.results.map((r) => {
        const row: EvaluationOutcome['rows'][number] = {
          algo: r.algorithm,
          rmse: r.metrics.rmse?.mean ?? NaN,
          mae: r.metrics.mae?.mean ?? NaN,
        };
        row['fit s'] = Math.round(r.fitTime.mean * 100) / 100;
        return row;
      });
      return { table: formatTable(cv), rows, chartPng, dataset, folds: cv.nFolds };
    } finally {
      // held until the report is saved and drawn: the next evaluation starts from this one's result
      if (this.evaluation === mine) this.evaluation = undefined;
    }
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  stats(): ServiceStats {
    const ts = this.gen.ts;
    return {
      generation: {
        ratingsVersion: this.gen.version,
        nUsers: ts.nUsers,
        nItems: ts.nItems,
        nRatings: ts.nRatings,
        createdAt: this.gen.createdAt,
      },
      loaded: this.gen.specs(),
      training: [...this.training],
      contentModel: this.contentState,
      pendingChanges: this.changes,
      retraining: this.retraining,
      startupMs: this.startupMs,
      readyMs: this.readyMs,
      rssBytes: process.memoryUsage().rss,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    for (const e of this.evaluations) e.abort();
    await Promise.all([...this.handles].map((h) => h.cancel()));
    await this.queue.catch(() => undefined);
  }

  /** A full retrain on the store's current data; the new generation replaces the old one whole. */
  retrain(): Promise<void> {
    if (this.retraining || this.closed) return this.queue;
    this.retraining = true;
    let specs: string[] = [];
    let swapped = false;
    let again = false;
    const run = async (): Promise<void> => {
      try {
        if (this.closed) return;
        const forgetEpoch = this.forgets;
        const columns = trainingColumns(this.store);
        const version = this.store.ratingsVersion();
        const changesAtStart = this.changes;
        specs = [...this.active].filter((s) => !this.training.has(s));
        specs.forEach((s) => this.training.add(s));
        const started = performance.now();
        await nextTurn();
        const outcome = await this.runWorker(columns, specs);
        if (!outcome) this.retrainFailedAt = Date.now();
        if (this.closed || !outcome) return;
        const fitted = performance.now();
        // the main thread's share, one step per event-loop turn so that commands interleave
        const gen = new Generation(Trainset.fromColumns(columns, scaleOf(columns)), version, this.fingerprint);
        gen.columns = columns;
        gen.forgetEpoch = forgetEpoch;
        for (const m of outcome.models) {
          await nextTurn();
          this.decodeInto(gen, m.spec, m.bytes);
        }
        for (const f of outcome.failures) {
          gen.failed.add(f.spec);
          this.log.error({ algo: f.spec, err: f.message }, 'retraining failed; the algorithm is unavailable until the next retrain');
        }
        await nextTurn();
        this.warm(gen);
        await nextTurn();
        if (this.closed) return;
        if (this.forgets !== forgetEpoch) {
          // a member was forgotten after this data was read: never serve or save it; start over
          again = true;
          this.log.info({ version }, 'a member was forgotten during the retrain; retraining without them');
          return;
        }
        this.gen = gen; // the swap: readers see the old generation or the new one, never a mix
        this.changes = Math.max(0, this.changes - changesAtStart);
        this.afterSwap();
        swapped = true;
        const swappedAt = performance.now();
        for (const m of outcome.models) {
          await nextTurn();
          if (this.closed) break;
          if (gen.has(m.spec)) this.saveModel(gen, m.spec, m.bytes); // skipped once someone is forgotten
        }
        this.log.info(
          {
            version,
            models: gen.specs(),
            fitMs: Math.round(fitted - started),
            swapMs: Math.round(swappedAt - fitted),
            saveMs: Math.round(performance.now() - swappedAt),
          },
          'retrained',
        );
      } finally {
        this.retraining = false;
        specs.forEach((s) => this.training.delete(s));
        // (here, not after the try: the discarded run returns early)
        if (again || (swapped && this.changes >= this.opts.retrainAfter)) void this.retrain();
      }
    };
    this.queue = this.queue.then(() => this.guard(run, 'retraining'));
    return this.queue;
  }

  // ---- internals --------------------------------------------------------------------------------

  private readGeneration(): Generation {
    const columns = trainingColumns(this.store);
    const version = this.store.ratingsVersion();
    const gen = new Generation(Trainset.fromColumns(columns, scaleOf(columns)), version, this.fingerprint);
    gen.columns = columns;
    gen.forgetEpoch = this.forgets;
    return gen;
  }

  /** Per-generation structures built before the first request needs them. */
  private warm(gen: Generation): void {
    void gen.coRating;
    void gen.communityCoRating;
    this.ranked(gen);
  }

  private get titles(): TitleIndex {
    if (!this.titleIndex) {
      this.titleIndex = new TitleIndex([...this.catalog.values()]);
      this.afterSwap();
    }
    return this.titleIndex;
  }

  /** Title choices are ordered by how many ratings each movie has in the current generation. */
  private afterSwap(): void {
    const ts = this.gen.ts;
    this.titleIndex?.setPopularity((id) => {
      const i = ts.innerItem(id);
      return i === undefined ? 0 : ts.itemDegree(i);
    });
  }

  private loadSnapshot(gen: Generation, spec: string): boolean {
    let snap;
    try {
      snap = this.store.loadSnapshot(snapshotName(spec));
    } catch (err) {
      this.log.warn({ algo: spec, err: (err as Error).message }, 'cannot read the model snapshot; retraining');
      return false;
    }
    if (!snap || snap.key !== gen.key(spec)) return false;
    try {
      gen.add(spec, decodeModel(snap.blob, gen.ts, createFromSnapshot));
      return true;
    } catch (err) {
      this.log.warn({ algo: spec, err: (err as Error).message }, 'model snapshot is unusable; retraining');
      return false;
    }
  }

  /** Decodes a model trained in the worker into `gen`; false (logged) when it does not decode. */
  private decodeInto(gen: Generation, spec: string, bytes: Uint8Array): boolean {
    try {
      gen.add(spec, decodeModel(bytes, gen.ts, createFromSnapshot));
      return true;
    } catch (err) {
      gen.failed.add(spec);
      this.log.error({ algo: spec, err: (err as Error).message }, 'the trained model did not decode');
      return false;
    }
  }

  /**
   * Saves the snapshot the next start-up reuses when the data is unchanged; never for a
   * generation read before a forget (it may hold the forgotten member's ratings).
   */
  private saveModel(gen: Generation, spec: string, bytes: Uint8Array): void {
    if (gen.forgetEpoch !== this.forgets) return;
    try {
      this.store.saveSnapshot(snapshotName(spec), { key: gen.key(spec), blob: bytes });
    } catch (err) {
      this.log.warn({ algo: spec, err: (err as Error).message }, 'could not save the model snapshot');
    }
  }

  /** Trains `specs` on the current generation's data and adds them to it. */
  private train(specs: string[]): Promise<void> {
    specs.forEach((s) => this.training.add(s));
    const run = async (): Promise<void> => {
      const gen = this.gen;
      try {
        if (this.closed || !gen.columns) return;
        const todo = specs.filter((s) => !gen.has(s));
        if (todo.length === 0) return;
        const outcome = await this.runWorker(gen.columns, todo);
        if (!outcome) {
          if (!this.closed) todo.forEach((s) => gen.failed.add(s));
          return;
        }
        for (const m of outcome.models) {
          await nextTurn();
          if (this.closed) return;
          if (this.decodeInto(gen, m.spec, m.bytes)) this.saveModel(gen, m.spec, m.bytes);
        }
        for (const f of outcome.failures) {
          gen.failed.add(f.spec);
          this.log.error({ algo: f.spec, err: f.message }, 'training failed');
        }
        for (const s of todo) if (!gen.has(s)) gen.failed.add(s);
      } finally {
        specs.forEach((s) => this.training.delete(s));
      }
      // a retrain swapped generations meanwhile: the new one needs these too
      if (this.gen !== gen && !this.closed) {
        const again = specs.filter((s) => !this.gen.has(s) && this.active.has(s));
        if (again.length > 0) void this.train(again); // queued after this job, not awaited inside it
      }
    };
    this.queue = this.queue.then(() => this.guard(run, 'training'));
    return this.queue;
  }

  /** Jobs on the queue never reject: a failure is logged and the next job still runs. */
  private async guard(job: () => Promise<void>, what: string): Promise<void> {
    try {
      await job();
    } catch (err) {
      if (!this.closed) this.log.error({ err: err instanceof Error ? err.message : String(err) }, `${what} failed`);
    }
  }

  private async runWorker(columns: TrainColumns, specs: string[]) {
    const handle = trainInWorker({ columns, scale: scaleOf(columns), specs });
    this.handles.add(handle);
    try {
      return await handle.done;
    } catch (err) {
      if (!this.closed) this.log.error({ algos: specs, err: (err as Error).message }, 'the training worker failed');
      return undefined;
    } finally {
      this.handles.delete(handle);
    }
  }

  /**
   * Makes sure `spec` will be available: loaded now from a fitting snapshot, or trained in the
   * worker. Returns 'ready', 'training', or 'failed' (the worker could not fit it).
   */
  private ensureModel(spec: string): 'ready' | 'training' | 'failed' {
    const gen = this.gen;
    if (gen.has(spec)) return 'ready';
    if (this.training.has(spec)) return 'training';
    if (gen.failed.has(spec)) return 'failed';
    if (!this.configured.includes(spec)) this.makeRoomForLazy(spec);
    this.active.add(spec);
    if (this.loadSnapshot(gen, spec)) return 'ready';
    if (gen.ts.nRatings === 0) return 'failed';
    void this.train([spec]);
    return 'training';
  }

  /** Records a use of a lazily loaded algorithm (for least-recently-used eviction). */
  private usedLazy(spec: string): void {
    if (this.lazyUse.has(spec)) this.lazyUse.set(spec, ++this.useClock);
  }

  /** Before loading `spec` lazily: evicts the least recently used lazy models beyond the bound. */
  private makeRoomForLazy(spec: string): void {
    this.lazyUse.set(spec, ++this.useClock);
    for (;;) {
      const idle = [...this.lazyUse.entries()].filter(([s]) => s !== spec && !this.training.has(s));
      if (this.lazyUse.size <= this.maxLazyModels || idle.length === 0) return;
      const [oldest] = idle.reduce((a, b) => (b[1] < a[1] ? b : a));
      this.lazyUse.delete(oldest);
      this.active.delete(oldest);
      this.gen.drop(oldest);
      this.log.info({ spec: oldest, for: spec }, 'let go of a lazily loaded model');
    }
  }

  private fallbackModel(gen: Generation, except: string): { spec: string; model: Algorithm } | undefined {
    for (const spec of [this.defaultSpec(), 'svd', ...this.configured]) {
      if (spec === except || isContentAlgo(spec) || spec === 'popular') continue;
      const model = gen.model(spec);
      if (model) return { spec, model };
    }
    return undefined;
  }

  /** The best algorithm of the last offline evaluation that the bot can serve, else svd. */
  private defaultSpec(): string {
    const last = this.store.lastEvaluation();
    const at = last?.createdAt ?? 0;
    if (this.defaultCache && this.defaultCache.at === at) return this.defaultCache.spec;
    let spec = 'svd';
    const best = last ? bestEvaluated(last.report) : undefined;
    if (best) spec = best;
    this.defaultCache = { at, spec };
    return spec;
  }

  /**
   * Overwrites every saved model with an empty one that no data matches: models hold the ratings
   * they were fitted on (knn-user keeps each user's ratings), so after a forget none may be
   * reloaded. The content model holds no ratings and stays. Snapshot names are per spec; the
   * store cannot list them, so this covers every spec loaded or asked for since start-up and
   * every plain registry name.
   */
  private dropModelSnapshots(): void {
    const specs = new Set<string>([...this.active, ...this.configured, ...this.gen.specs(), ...this.training, ...botAlgorithmNames()]);
    for (const spec of specs) {
      if (isContentAlgo(spec)) continue;
      const name = snapshotName(spec);
      try {
        const snap = this.store.loadSnapshot(name);
        if (snap && snap.blob.length > 0) this.store.saveSnapshot(name, { key: DROPPED_SNAPSHOT_KEY, blob: new Uint8Array(0) });
      } catch (err) {
        this.log.error({ algo: spec, err: (err as Error).message }, 'could not drop a model snapshot after a forget');
      }
    }
  }

  /** Movies with fewer than `minRatings` ratings in the generation (cached per generation). */
  private obscure(gen: Generation): { inner: Int32Array; raw: ReadonlySet<string> } {
    let o = this.obscureCache.get(gen);
    if (!o) {
      const inner: number[] = [];
      const raw = new Set<string>();
      for (let i = 0; i < gen.ts.nItems; i++) {
        if (gen.ts.itemDegree(i) >= this.minRatings) continue;
        inner.push(i);
        raw.add(gen.ts.rawItem(i));
      }
      o = { inner: Int32Array.from(inner), raw };
      this.obscureCache.set(gen, o);
    }
    return o;
  }

  private changed(memberId: number, count: number): void {
    this.ratingsCache.delete(memberId);
    this.profileCache.delete(memberId);
    if (count <= 0) return;
    this.changes += count;
    const backingOff = Date.now() - this.retrainFailedAt < RETRY_AFTER_FAILURE_MS;
    if (this.changes >= this.opts.retrainAfter && !this.retraining && !backingOff) {
      // after the caller has its answer: the retrain itself runs in the worker
      setImmediate(() => void this.retrain());
    }
  }

  private ratingsOf(memberId: number): MemberRating[] {
    let r = this.ratingsCache.get(memberId);
    if (!r) {
      r = this.store.memberRatings(memberId);
      this.ratingsCache.set(memberId, r);
    }
    return r;
  }

  private profileFor(memberId: number, gen: Generation): Profile {
    const cached = this.profileCache.get(memberId);
    if (cached && cached.gen === gen) return cached.profile;
    const profile = memberProfile(gen.ts, this.ratingsOf(memberId), memberRawId(memberId));
    this.profileCache.set(memberId, { gen, profile });
    return profile;
  }

  private requireMovie(movieId: string): MovieRecord {
    const movie = this.movie(movieId);
    if (!movie) throw new ParamError(`no movie with id ${JSON.stringify(movieId)} in the catalogue`);
    return movie;
  }

  private chart(gen: Generation): ReturnType<typeof popularityChart> {
    let c = this.chartCache.get(gen);
    if (!c) {
      c = popularityChart(gen.community);
      this.chartCache.set(gen, c);
    }
    return c;
  }

  /**
   * Every movie the community rated, in chart order: the chart's qualifying movies first, then
   * the rest by the same weighted rating, so a new member who has seen the whole chart still gets
   * suggestions. From the community's ratings, like the chart (see Generation.community).
   */
  /** Raw movie id → weighted rating (the chart's formula) of every movie the community rated. */
  private weightedRatings(gen: Generation): Map<string, number> {
    let w = this.wrCache.get(gen);
    if (!w) {
      w = new Map(this.ranked(gen).map((r) => [r.movieId, r.score]));
      this.wrCache.set(gen, w);
    }
    return w;
  }

  private ranked(gen: Generation): ChartRow[] {
    let r = this.rankedCache.get(gen);
    if (!r) {
      const chart = this.chart(gen);
      const ts = gen.community;
      const inChart = new Set(chart.entries.map((e) => e.item));
      const means = ts.itemMeans();
      const rest: ChartRow[] = [];
      for (let i = 0; i < ts.nItems; i++) {
        const v = ts.itemDegree(i);
        if (v === 0 || inChart.has(i)) continue;
        const m = chart.m;
        const score = Number.isFinite(m) ? (v / (v + m)) * means[i] + (m / (v + m)) * chart.C : means[i];
        rest.push({ item: i, movieId: ts.rawItem(i), score, count: v, mean: means[i] });
      }
      rest.sort((a, b) => b.score - a.score || b.count - a.count || a.item - b.item);
      r = [...chart.entries.map((e) => ({ ...e, movieId: ts.rawItem(e.item) })), ...rest];
      this.rankedCache.set(gen, r);
    }
    return r;
  }

  private buildContent(): void {
    if (this.closed) return;
    const started = performance.now();
    try {
      const movies = [...this.catalog.values()].map(contentMovieOf);
      const key = `marquee-content-v${CONTENT_FORMAT_VERSION}|${this.fingerprint}`;
      const restored = this.restoreContent(key, movies);
      if (restored) {
        this.content = restored;
        this.contentState = 'ready';
        this.log.info({ ms: Math.round(performance.now() - started), movies: restored.size }, 'content model restored from its snapshot');
        return;
      }
      this.content = ContentModel.build(movies);
      this.contentState = 'ready';
      this.log.info({ ms: Math.round(performance.now() - started), movies: this.content.size }, 'content model built');
      this.saveContent(key, this.content);
    } catch (err) {
      this.contentState = 'failed';
      this.log.error({ err: (err as Error).message }, 'the content model could not be built; content recommendations are off');
    }
  }

  /** The content model from its snapshot when that fits this catalogue; undefined (logged when unusable) otherwise. */
  private restoreContent(key: string, movies: readonly ContentMovie[]): ContentModel | undefined {
    try {
      const snap = this.store.loadSnapshot(CONTENT_SNAPSHOT);
      if (!snap || snap.key !== key) return undefined;
      return ContentModel.fromBytes(snap.blob, movies);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'content model snapshot is unusable; rebuilding');
      return undefined;
    }
  }

  /** Saves the content model for the next start-up; a failure costs only a rebuild then. */
  private saveContent(key: string, model: ContentModel): void {
    try {
      this.store.saveSnapshot(CONTENT_SNAPSHOT, { key, blob: model.toBytes() });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not save the content model snapshot');
    }
  }

  /** "because you rated Alien 5/5", from co-ratings, then from content, then the prediction. */
  private becauseReason(gen: Generation, item: number, movie: MovieRecord, liked: readonly LikedMovie[], score: number): string {
    const hi = gen.ts.scale[1];
    const viaRatings = mostSimilarLiked(gen.coRating, gen.ts, item, liked);
    const anchor = viaRatings ?? this.contentAnchor(movie.movieId, liked);
    if (anchor) {
      const m = this.movie(anchor.movieId);
      if (m) return `because you rated ${m.displayTitle || m.title} ${stars(anchor.rating)}/${stars(hi)}`;
    }
    return `predicted ${score.toFixed(1)} for you`;
  }

  private contentAnchor(movieId: string, liked: readonly LikedMovie[]): LikedMovie | undefined {
    const cm = this.content;
    if (!cm || !cm.has(movieId)) return undefined;
    let best: { sim: number; liked: LikedMovie } | undefined;
    for (const l of liked) {
      if (!cm.has(l.movieId)) continue;
      const s = cm.similarity(movieId, l.movieId);
      if (s > 0.1 && (!best || s > best.sim)) best = { sim: s, liked: l };
    }
    return best?.liked;
  }

  private popularAnswer(ratings: readonly MemberRating[], n: number): RecommendResult {
    const gen = this.gen;
    const rated = new Set(ratings.map((r) => r.movieId));
    const items: RecommendedMovie[] = [];
    for (const e of this.ranked(gen)) {
      if (items.length >= n) break;
      const id = e.movieId;
      if (rated.has(id)) continue;
      const movie = this.movie(id);
      if (movie) items.push({ movie, score: e.score, reason: popularReason(e.mean, e.count) });
    }
    return { algo: 'popular', items, scoreKind: 'weighted-rating' };
  }

  /**
   * Cold start: the popularity chart, re-ranked by the member's content profile once they have
   * rated anything (half chart rank, half resemblance to what they rated).
   */
  private coldStartAnswer(ratings: readonly MemberRating[], n: number): RecommendResult {
    const gen = this.gen;
    const cm = this.content;
    if (ratings.length === 0 || !cm) return this.popularAnswer(ratings, n);
    const taste = cm.taste(
      ratings.map((r) => ({ movieId: r.movieId, rating: r.rating })),
      gen.ts.scale,
    );
    if (!taste.ok) return this.popularAnswer(ratings, n);
    const rated = new Set(ratings.map((r) => r.movieId));
    const pool = this.ranked(gen)
      .filter((e) => !rated.has(e.movieId))
      .slice(0, COLD_POOL);
    if (pool.length === 0) return this.popularAnswer(ratings, n);
    let lo = Infinity;
    let hi = -Infinity;
    let maxSim = 0;
    const sims = pool.map((e) => {
      lo = Math.min(lo, e.score);
      hi = Math.max(hi, e.score);
      const idx = cm.indexOf(e.movieId);
      const s = idx === undefined ? 0 : Math.max(0, taste.profile.score(idx));
      if (s > maxSim) maxSim = s;
      return s;
    });
    const blended = pool.map((e, k) => {
      const chartPart = hi > lo ? (e.score - lo) / (hi - lo) : 1;
      const contentPart = maxSim > 0 ? sims[k] / maxSim : 0;
      return { e, sim: sims[k], score: 0.5 * chartPart + 0.5 * contentPart };
    });
    blended.sort((a, b) => b.score - a.score || b.e.score - a.e.score);
    const items: RecommendedMovie[] = [];
    for (const b of blended) {
      if (items.length >= n) break;
      const id = b.e.movieId;
      const movie = this.movie(id);
      if (!movie) continue;
      let reason = popularReason(b.e.mean, b.e.count);
      const idx = cm.indexOf(id);
      if (b.sim > 0 && idx !== undefined) {
        const terms = cm.profileHit(taste.profile, idx, b.sim).terms.map((t) => t.label);
        if (terms.length > 0) reason = `popular, and ${sharedReason(terms)} with what you rated`;
      }
      items.push({ movie, score: b.e.score, reason });
    }
    return { algo: 'popular', items, scoreKind: 'weighted-rating' };
  }

  /** `content`: the member's TF-IDF taste profile; `hybrid`: that blended with the default CF model. */
  private contentAnswer(spec: string, member: Member, ratings: readonly MemberRating[], n: number): RecommendResult {
    const cm = this.content;
    if (!cm) {
      const pop = this.popularAnswer(ratings, n);
      return { ...pop, note: `The content model is warming up; meanwhile, popular picks.` };
    }
    const rated = ratings.map((r) => ({ movieId: r.movieId, rating: r.rating }));
    const gen = this.gen;
    const contentReason = (terms: readonly { label: string }[], becauseOf: string | undefined): string => {
      const like = becauseOf ? this.movie(becauseOf) : undefined;
      const shared = sharedReason(terms.map((t) => t.label));
      return like ? `${shared} with ${like.displayTitle || like.title}` : shared;
    };
    if (spec === 'hybrid') {
      const cfSpec = this.defaultSpec();
      const cf = gen.model(cfSpec) ? { spec: cfSpec, model: gen.model(cfSpec)! } : this.fallbackModel(gen, cfSpec);
      if (cf) {
        const profile = this.profileFor(member.id, gen);
        const res = new HybridRecommender(cm, cf.model).recommend({
          ratings: rated,
          n,
          // the trained user only when the member's ratings are what the model learned
          rawUser: profile.user !== undefined ? memberRawId(member.id) : undefined,
          // its collaborative half would rank a movie by its one or two raters (see minRatings)
          exclude: this.obscure(gen).raw,
        });
        const liked = likedMovies(ratings);
        const items: RecommendedMovie[] = [];
        for (const hit of res.items) {
          const movie = this.movie(hit.id);
          if (!movie) continue;
          const inner = gen.ts.innerItem(hit.id);
          const reason =
            hit.source === 'cf' && inner !== undefined
              ? this.becauseReason(gen, inner, movie, liked, hit.cf ?? 0)
              : contentReason(hit.terms, hit.becauseOf);
          items.push({ movie, score: hit.score, reason });
        }
        return { algo: 'hybrid', items, note: res.ok ? undefined : res.reason, scoreKind: 'match' };
      }
      this.ensureModel(cfSpec);
    }
    const res = cm.profileRecommend(rated, n, { scale: gen.ts.scale });
    const items: RecommendedMovie[] = [];
    for (const hit of res.items) {
      const movie = this.movie(hit.id);
      if (movie) items.push({ movie, score: hit.score, reason: contentReason(hit.terms, hit.becauseOf) });
    }
    const warming = spec === 'hybrid' ? 'The collaborative half of hybrid is warming up; these are content picks. ' : '';
    const note = (warming + (res.ok ? '' : res.reason)).trim();
    return { algo: 'content', items, note: note === '' ? undefined : note, scoreKind: 'match' };
  }

  private matchImported(
    row: { title: string; year: number | null; imdbId?: string },
    byImdb: ReadonlyMap<string, MovieRecord>,
  ): { movie: MovieRecord } | { reason: string } {
    if (row.imdbId) {
      const m = byImdb.get(normaliseImdb(row.imdbId));
      if (m) return { movie: m };
    }
    const query = row.year === null ? row.title : `${row.title} (${row.year})`;
    const match = this.titles.resolve(query);
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
      const bare = this.titles.resolve(row.title);
      const choices = bare.kind === 'found' ? [bare.movie] : bare.kind === 'ambiguous' ? bare.choices : [];
      const pick = byYear(choices, row.year);
      if (pick) return { movie: pick };
    }
    return { reason: 'not in the catalogue' };
  }
}

interface ChartRow {
  /** inner id in the generation's `community` trainset (not in `ts`) */
  item: number;
  movieId: string;
  score: number;
  count: number;
  mean: number;
}

// ---- helpers --------------------------------------------------------------------------------------

/** Yields to the event loop, so that pending commands run between two steps of a long job. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
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

/** "just now", "3 min ago", "2 h ago" */
function ago(ms: number): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return 'just now';
  if (min < 120) return `${min} min ago`;
  return `${Math.floor(min / 60)} h ago`;
}

function isContentAlgo(spec: string): boolean {
  return (CONTENT_ALGOS as readonly string[]).includes(spec);
}

function isUserBased(model: Algorithm): boolean {
  return model.name.startsWith('knn-') && model.params.user_based === true;
}

function createFromSnapshot(name: string, params: Record<string, unknown>): Algorithm {
  return describeAlgorithm(name).create(params);
}

/** The rating scale of the data, widened to what members may give (0.5..5). */
function scaleOf(columns: TrainColumns): readonly [number, number] {
  let lo = RATING_SCALE[0];
  let hi = RATING_SCALE[1];
  const r = columns.ratings;
  for (let k = 0; k < r.length; k++) {
    if (r[k] < lo) lo = r[k];
    else if (r[k] > hi) hi = r[k];
  }
  return [lo, hi];
}

function checkN(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_N) throw new ParamError(`n must be a whole number from 1 to ${MAX_N}, got ${String(n)}`);
  return n;
}

