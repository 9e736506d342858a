/**
 * The bot's service: the MarqueeService the commands use, a thin facade over modules with one job
 * each (src/bot/service/):
 *
 *   model-host      the live generation, snapshots, the training queue and retrains, lazy models, forgets
 *   member-ratings  members' ratings, and what a rating changes in their profile (fold-in)
 *   recommend       /recommend: personal picks (core's rankItems), cold start, content and hybrid
 *   movie-answers   /because, /movie, /movienight
 *   charts          the weighted-rating chart: /top and every popular pick
 *   reasons         the one-line "why" beside each pick
 *   evaluation      /evaluate, one at a time, through an injected runner
 *   default-algorithm  the one rule for the default /recommend algorithm
 *   import-export   CSV in and out
 *
 * Lifecycle. `createService` reads the catalogue and the training columns (dataset + members'
 * ratings), builds the trainset and loads each configured model (./service/model-host.ts); the
 * title index and the content model (./service/content-host.ts) are built right after it returns.
 * `ready` resolves when every configured model and the content model are loaded; meanwhile
 * answers come from the chart ("warming up").
 *
 * Collaborative picks (recommend, movie night, the collaborative half of hybrid) skip movies with
 * fewer than `minRatings` ratings: a prediction from one rater is that rater's rating.
 */
import type { MovieRecord } from '../data/types.ts';
import { log as defaultLog } from '../log.ts';
import type { Member, MemberRating, Platform } from '../store/api.ts';
import { isAdmin } from './admin.ts';
import type {
  DefaultAlgorithm,
  EvaluationOutcome,
  ExperimentStatus,
  ExperimentSummary,
  LikeRateRow,
  ReactionKind,
  ReactionOutcome,
  EvaluationProgress,
  ImportOutcome,
  MarqueeService,
  MovieDetails,
  RecommendResult,
  CompareResult,
  RecommendedMovie,
  TitleMatch,
  TopChart,
  EvaluationProtocol,
} from './service-api.ts';
import { movieLabel } from './titles.ts';
import { botAlgorithmNames, canonicalSpec, isModelAlgo } from './service/algorithm-names.ts';
import { Catalog } from './service/catalog.ts';
import { Charts } from './service/charts.ts';
import { ContentHost } from './service/content-host.ts';
import { defaultAlgorithmFrom } from './service/default-algorithm.ts';
import { Evaluations } from './service/evaluation.ts';
import { Experiments } from './service/experiments.ts';
import { Feedback } from './service/feedback.ts';
import { RatingsTransfer } from './service/import-export.ts';
import { MemberRatings } from './service/member-ratings.ts';
import { ModelHost } from './service/model-host.ts';
import { MovieAnswers } from './service/movie-answers.ts';
import { checkOptions, refuseOversized, type ServiceLogger, type ServiceOptions } from './service/options.ts';
import { sizeRefusal } from '../core/sizing.ts';
import { RarelyRated } from './service/rarely-rated.ts';
import { MAX_N, Recommender, checkN } from './service/recommend.ts';
import { Comparer } from './service/compare.ts';
import { checkAlsFactors } from './service/als-factors.ts';
import { withContentSource } from './service/ease-side-content.ts';
import { trainInWorker } from './trainer.ts';

export { DEFAULT_MAX_LAZY_MODELS, DEFAULT_MIN_RATINGS, type ServiceLogger, type ServiceOptions } from './service/options.ts';
export {
  EvaluationBusyError,
  EvaluationRequestError,
  type EvaluationRequest,
  type EvaluationRun,
  type EvaluationRunner,
  type EvaluationStep,
} from './service/evaluation.ts';

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

export async function createService(opts: ServiceOptions): Promise<LiveService> {
  return new LiveService(opts);
}

/** The MarqueeService over the store and the live models, with what start-up and tests also need. */
export class LiveService implements MarqueeService {
  readonly coldStartThreshold: number;
  /** resolves when every configured model (and the content model) is loaded */
  readonly ready: Promise<void>;
  private readonly store: ServiceOptions['store'];
  private readonly log: ServiceLogger;
  private readonly admins: ServiceOptions['adminIds'];
  private readonly t0 = performance.now();
  private readonly startupMs: number;
  private readyMs: number | null = null;
  private readonly catalog: Catalog;
  private readonly charts: Charts;
  private readonly content: ContentHost;
  private readonly ratingsOf: MemberRatings;
  private readonly models: ModelHost;
  private readonly recommender: Recommender;
  private readonly comparer: Comparer;
  private readonly movieAnswers: MovieAnswers;
  private readonly transfer: RatingsTransfer;
  private readonly evaluations: Evaluations;
  private readonly feedback: Feedback;
  private readonly experiments: Experiments;
  private defaultCache: { at: number; choice: DefaultAlgorithm } | undefined;

  constructor(opts: ServiceOptions) {
    const { minRatings, maxLazyModels, modelMemoryBytes, admins } = checkOptions(opts);
    const configured = [...new Set(opts.algorithms.map(canonicalSpec))];
    this.store = opts.store;
    this.log = opts.logger ?? defaultLog;
    this.admins = admins;
    this.coldStartThreshold = opts.coldStart;
    this.catalog = new Catalog(this.store);
    this.charts = new Charts(this.catalog);
    this.content = new ContentHost(this.store, this.log, { prebuild: opts.contentPrebuild });
    const fingerprint = this.store.datasetInfo()?.fingerprint ?? 'no-dataset';
    // a new Spark run changes the digest, so no snapshot trained on older factors is reloaded
    const alsDigest = checkAlsFactors(opts.alsFactors, this.store.datasetInfo()?.fingerprint, configured);
    const warmFailed = (what: string, err: unknown) => this.log.warn({ what, err: err instanceof Error ? err.message : String(err) }, 'warming up failed');
    this.models = new ModelHost({
      store: this.store,
      log: this.log,
      fingerprint: alsDigest === undefined ? fingerprint : `${fingerprint}|als-factors-${alsDigest}`,
      alsFactors: opts.alsFactors,
      configured: configured.filter(isModelAlgo),
      maxLazyModels,
      retrainAfter: opts.retrainAfter,
      retrainMinutes: opts.retrainMinutes,
      defaultSpec: () => this.defaultAlgorithm().algo,
      trainer: withContentSource(opts.trainer ?? trainInWorker, this.store),
      warm: (gen) => [
        {
          what: 'the co-ratings',
          run: () => {
            void gen.coRating;
            void gen.communityCoRating;
          },
        },
        ...this.charts.warmSteps(gen),
        ...this.recommender.warmSteps(gen, warmFailed),
        // 87,585 look-ups and a sort were 31–72 ms of CPU as one step at ml-32m shape (bench/scale-serve.ts)
        { what: "the title index's order by the new rating counts (a slice)", run: () => this.catalog.orderTitlesAhead(gen, 30_000) },
      ],
      swapped: (gen) => this.catalog.rankTitlesBy(gen),
      refuse: (spec, ts) => sizeRefusal(spec, { users: ts.nUsers, items: ts.nItems, ratings: ts.nRatings }, modelMemoryBytes),
    });
    const { ts } = this.models.gen;
    refuseOversized(configured.filter(isModelAlgo), { users: ts.nUsers, items: ts.nItems, ratings: ts.nRatings }, modelMemoryBytes);
    this.ratingsOf = new MemberRatings(this.store, (count) => this.models.noteChanges(count));
    const parts = {
      catalog: this.catalog,
      charts: this.charts,
      ratings: this.ratingsOf,
      models: this.models,
      content: this.content,
      rarelyRated: new RarelyRated(minRatings),
      coldStart: opts.coldStart,
      defaultSpec: () => this.defaultAlgorithm().algo,
    };
    this.recommender = new Recommender(parts);
    this.comparer = new Comparer(this.store, parts, this.recommender);
    this.movieAnswers = new MovieAnswers(parts);
    this.transfer = new RatingsTransfer(this.catalog, this.ratingsOf);
    this.evaluations = new Evaluations(this.store, opts.evaluationRunner, minRatings);
    this.feedback = new Feedback(this.store, this.catalog, this.ratingsOf);
    this.experiments = new Experiments(this.store, this.feedback, opts.experimentRandom ?? Math.random, opts.preferenceChart);

    const models = this.models.start();
    // the title index and the content model are built right after start-up returns (a command
    // that needs the titles before then builds them on the spot)
    const content = new Promise<void>((resolve) =>
      setImmediate(() => {
        void this.catalog.titles;
        const gen = this.models.gen;
        void gen.coRating;
        void gen.communityCoRating;
        this.charts.warm(gen);
        setImmediate(() => {
          if (this.models.isClosed) resolve();
          else void this.content.build(this.catalog.byId.values(), fingerprint).then(resolve);
        });
      }),
    );
    this.ready = Promise.all([models, content]).then(() => {
      // each loaded model's first list is served once here, not by the first member (recommend.ts)
      for (const step of this.recommender.warmSteps(this.models.gen, warmFailed)) while (step.run()) continue;
      this.readyMs = performance.now() - this.t0;
      this.log.info({ ms: Math.round(this.readyMs), models: this.models.gen.specs() }, 'models ready');
    });
    this.startupMs = performance.now() - this.t0;
  }

  // ---- members and titles -----------------------------------------------------------------------

  member(platform: Platform, platformUserId: string, displayName?: string): Member {
    return this.store.member(platform, platformUserId, displayName);
  }

  findMember(platform: Platform, platformUserId: string): Member | undefined {
    return this.store.findMember(platform, platformUserId);
  }

  /** Whether the member may run admin commands (./admin.ts). */
  isAdmin(member: Member): boolean {
    return isAdmin(this.admins, member.platform, member.platformUserId);
  }

  resolveTitle(query: string): TitleMatch {
    return this.catalog.titles.resolve(query);
  }

  autocomplete(partial: string, limit = 25): Array<{ name: string; value: string }> {
    return this.catalog.titles.autocomplete(partial, limit);
  }

  movie(movieId: string): MovieRecord | undefined {
    return this.catalog.movie(movieId);
  }

  label(movie: MovieRecord): string {
    return movieLabel(movie);
  }

  genres(): string[] {
    return [...this.catalog.genres];
  }

  // ---- ratings ----------------------------------------------------------------------------------

  rate(member: Member, movieId: string, rating: number): { previous: number | null; count: number } {
    return this.ratingsOf.rate(member.id, movieId, rating);
  }

  unrate(member: Member, movieId: string): boolean {
    return this.ratingsOf.unrate(member.id, movieId);
  }

  ratings(member: Member): Array<MemberRating & { movie: MovieRecord }> {
    const out: Array<MemberRating & { movie: MovieRecord }> = [];
    for (const r of this.ratingsOf.of(member.id)) {
      const movie = this.catalog.movie(r.movieId);
      if (movie) out.push({ ...r, movie });
    }
    return out;
  }

  importRatings(member: Member, csvText: string, fileName?: string): ImportOutcome {
    return this.transfer.import(member.id, csvText, fileName);
  }

  exportRatings(member: Member): string {
    return this.transfer.export(this.ratings(member));
  }

  forget(member: Member): number {
    this.feedback.forgot(member.id);
    const removed = this.ratingsOf.forget(member.id);
    if (removed > 0) this.models.forgot();
    return removed;
  }

  // ---- answers ----------------------------------------------------------------------------------

  algorithms(): string[] {
    return botAlgorithmNames();
  }

  /** ./service/compare.ts; a dataset user only for admins (./admin.ts). */
  compare(member: Member, opts: { algos?: string[]; n?: number; datasetUser?: string }): CompareResult {
    return this.comparer.compare(member, { ...opts, isAdmin: this.isAdmin(member) });
  }

  /** The rule lives in ./service/default-algorithm.ts; cached until the next evaluation is saved. */
  defaultAlgorithm(): DefaultAlgorithm {
    const last = this.store.lastEvaluation();
    const at = last?.createdAt ?? 0;
    if (this.defaultCache?.at !== at) this.defaultCache = { at, choice: defaultAlgorithmFrom(last?.report) };
    return { ...this.defaultCache.choice };
  }

  /**
   * The member's list without the movies they hid (👎), recorded as an impression; while an
   * experiment runs, a default request gets the interleaved list (./service/experiments.ts).
   */
  recommend(member: Member, opts: { algo?: string; n: number }): RecommendResult {
    const n = checkN(opts.n);
    const asked = opts.algo === undefined || opts.algo.trim() === '' ? undefined : opts.algo;
    if (asked === undefined && this.experiments.running()) {
      const mixed = this.experiments.interleave(member, n, (algo, k) => this.unhidden(member, { algo, n: k }));
      if (mixed) return mixed;
    }
    const res = this.unhidden(member, { ...opts, n });
    const surface = res.coldStart ? 'cold-start' : 'recommend';
    const listId = this.feedback.record(member, surface, res.algo, res.items.map((r) => ({ movieId: r.movie.movieId, algo: res.algo })));
    return listId ? { ...res, listId } : res;
  }

  /** The recommender's answer with the member's hidden movies left out (asked for as many more). */
  private unhidden(member: Member, opts: { algo?: string; n: number }): RecommendResult {
    const hidden = member.id > 0 ? this.feedback.hiddenOf(member.id) : undefined;
    if (!hidden || hidden.size === 0) return this.recommender.recommend(member, opts);
    const res = this.recommender.recommend(member, { ...opts, n: Math.min(MAX_N, opts.n + hidden.size) });
    return { ...res, items: res.items.filter((r) => !hidden.has(r.movie.movieId)).slice(0, opts.n) };
  }

  // ---- reactions and experiments -----------------------------------------------------------------

  recordList(member: Member, surface: 'because' | 'movienight', algo: string, movieIds: readonly string[]): string | undefined {
    return this.feedback.record(member, surface, algo, movieIds.map((movieId) => ({ movieId, algo })));
  }

  react(member: Member, listId: string, movieId: string, kind: ReactionKind, rating?: number): ReactionOutcome {
    return this.feedback.react(member, listId, movieId, kind, rating);
  }

  hidden(member: Member): MovieRecord[] {
    return this.feedback.hiddenMovies(member.id);
  }

  unhide(member: Member, movieId: string): boolean {
    return this.feedback.unhide(member.id, movieId);
  }

  likeRates(): LikeRateRow[] {
    return this.feedback.likeRates();
  }

  startExperiment(opts: { a: string; b: string; listSize?: number; startedBy: string }): ExperimentSummary {
    const known = this.algorithms();
    return this.experiments.start({ ...opts, a: canonicalSpec(opts.a), b: canonicalSpec(opts.b) }, known);
  }

  experimentStatus(): Promise<ExperimentStatus | undefined> {
    return this.experiments.status();
  }

  stopExperiment(): Promise<ExperimentStatus> {
    return this.experiments.stop();
  }

  experimentHistory(): ExperimentSummary[] {
    return this.experiments.history();
  }

  exportFeedback(member: Member): string {
    return this.feedback.exportJson(member.id);
  }

  because(movieId: string, n: number): { content: RecommendedMovie[]; alsoLiked: RecommendedMovie[]; note?: string } {
    return this.movieAnswers.because(movieId, n);
  }

  movieDetails(member: Member, movieId: string): MovieDetails {
    return this.movieAnswers.movieDetails(member, movieId);
  }

  movieNight(members: Member[], n: number): RecommendedMovie[] {
    return this.movieAnswers.movieNight(members, n);
  }

  top(opts: { genre?: string; decade?: number; n: number; percentile?: number }): TopChart {
    return this.charts.top(this.models.gen, { ...opts, n: checkN(opts.n) });
  }

  evaluate(
    opts: { algos?: string[]; protocol?: EvaluationProtocol; folds?: number; startedBy?: string },
    onProgress: (p: EvaluationProgress) => void,
  ): Promise<EvaluationOutcome> {
    return this.evaluations.evaluate(opts, this.models.stats().active, onProgress).then((outcome) => {
      this.defaultCache = undefined; // the default follows the saved report, even one saved in the same millisecond
      return outcome;
    });
  }

  // ---- lifecycle --------------------------------------------------------------------------------

  stats(): ServiceStats {
    const gen = this.models.gen;
    const { loaded, training, pendingChanges, retraining } = this.models.stats();
    return {
      generation: { ratingsVersion: gen.version, nUsers: gen.ts.nUsers, nItems: gen.ts.nItems, nRatings: gen.ts.nRatings, createdAt: gen.createdAt },
      loaded,
      training,
      contentModel: this.content.state,
      pendingChanges,
      retraining,
      startupMs: this.startupMs,
      readyMs: this.readyMs,
      rssBytes: process.memoryUsage().rss,
    };
  }

  /** Starts a full retrain now (normally triggered by changes or the timer); resolves when swapped. */
  retrain(): Promise<void> {
    return this.models.retrain();
  }

  async close(): Promise<void> {
    this.evaluations.abortAll();
    await Promise.all([this.models.close(), this.content.close()]);
  }
}
