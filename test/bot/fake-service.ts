/**
 * An in-memory MarqueeService for testing the command layer alone: a handful of movies, members
 * and ratings in maps, simple title matching, and a log of every write so tests can assert that
 * refused input changed nothing. It is a test double of the interface, not a recommender.
 */
import type { MovieRecord } from '../../src/data/types.ts';
import { UserFacingError } from '../../src/bot/errors.ts';
import { agreement } from '../../src/bot/service/compare.ts';
import type {
  CompareResult,
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
  RecommendedMovie,
  TitleMatch,
  TopChart,
  EvaluationProtocol,
} from '../../src/bot/service-api.ts';
import type { Member, MemberRating, Platform } from '../../src/store/api.ts';

/** Two neighbouring letters swapped ("fight cuLB"). */
function swappedLetters(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i + 1 < a.length; i++) {
    if (a[i] !== b[i]) return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return false;
}

function movie(movieId: string, displayTitle: string, year: number | null, genres: string[]): MovieRecord {
  return { movieId, title: `${displayTitle} (${year})`, displayTitle, year, genres };
}

export const MOVIES: MovieRecord[] = [
  movie('1', 'Toy Story', 1995, ['Animation', 'Children', 'Comedy']),
  movie('2571', 'The Matrix', 1999, ['Action', 'Sci-Fi', 'Thriller']),
  movie('6365', 'The Matrix Reloaded', 2003, ['Action', 'Sci-Fi']),
  movie('260', 'Star Wars: Episode IV - A New Hope', 1977, ['Action', 'Adventure', 'Sci-Fi']),
  movie('1214', 'Alien', 1979, ['Horror', 'Sci-Fi']),
  movie('1320', 'Alien³', 1992, ['Action', 'Horror', 'Sci-Fi']),
  movie('1411', 'Hamlet', 1996, ['Drama']),
  movie('3598', 'Hamlet', 2000, ['Drama']),
  movie('4963', "Ocean's Eleven", 2001, ['Crime', 'Thriller']),
  movie('2959', 'Fight Club', 1999, ['Action', 'Crime', 'Drama']),
  movie('78499', 'Toy Story 3', 2010, ['Animation', 'Children', 'Comedy']),
];

export interface FakeOptions {
  coldStart?: number;
  /** make `top` throw, to exercise the dispatcher's catch-all */
  failTop?: Error;
  /** HR@10 per algorithm, as if a top-N /evaluate had run (default: none yet) */
  hitRates?: Record<string, { mean: number; lo: number; hi: number }>;
}

/** The dataset users the fake knows for `/compare user:` (their ratings are public data). */
export const DATASET_USERS = ['5'];

export class FakeService implements MarqueeService {
  readonly writes: string[] = [];
  readonly members = new Map<string, Member>();
  readonly ratingsOf = new Map<number, MemberRating[]>();
  readonly coldStartThreshold: number;
  evaluations: Array<{ algos?: string[]; protocol?: EvaluationProtocol; folds?: number }> = [];
  evaluationsStartedBy: Array<string | undefined> = [];
  imported: string[] = [];
  /** the name each import was made under ("the pasted text", a file's own name) */
  importedAs: Array<string | undefined> = [];
  /** every /top request, to check what a command asked for */
  topAsked: Array<{ genre?: string; decade?: number; n: number; percentile?: number }> = [];
  /** every /compare request */
  compareAsked: Array<{ algos?: string[]; n?: number; datasetUser?: string }> = [];
  private nextId = 1;
  private clock = 1_700_000_000_000;

  constructor(private readonly opts: FakeOptions = {}) {
    this.coldStartThreshold = opts.coldStart ?? 3;
  }

  member(platform: Platform, platformUserId: string, displayName?: string): Member {
    const key = `${platform}:${platformUserId}`;
    let m = this.members.get(key);
    if (!m) {
      m = { id: this.nextId++, platform, platformUserId, displayName: displayName ?? null, createdAt: this.clock };
      this.members.set(key, m);
    }
    return m;
  }

  findMember(platform: Platform, platformUserId: string): Member | undefined {
    return this.members.get(`${platform}:${platformUserId}`);
  }

  resolveTitle(query: string): TitleMatch {
    const q = query.trim().toLowerCase();
    const yearMatch = /^(.*?)\s*\((\d{4})\)$/.exec(q);
    const name = yearMatch ? yearMatch[1] : q;
    const year = yearMatch ? Number(yearMatch[2]) : undefined;
    const exact = MOVIES.filter((m) => m.displayTitle.toLowerCase() === name && (year === undefined || m.year === year));
    if (exact.length === 1) return { kind: 'found', movie: exact[0], how: yearMatch ? 'normalised' : 'exact' };
    if (exact.length > 1) return { kind: 'ambiguous', choices: exact };
    // the first words of one title ("star wars"), and swapped letters ("fight cuLB"): guesses, as
    // the real index reports them
    const prefixed = MOVIES.filter((m) => {
      const t = m.displayTitle.toLowerCase();
      return name !== '' && t.startsWith(name) && /^[^\p{L}\p{N}]/u.test(t.slice(name.length));
    });
    if (prefixed.length === 1) return { kind: 'found', movie: prefixed[0], how: 'prefix' };
    const typo = MOVIES.filter((m) => swappedLetters(m.displayTitle.toLowerCase(), name));
    if (typo.length === 1) return { kind: 'found', movie: typo[0], how: 'fuzzy' };
    const near = MOVIES.filter((m) => name.length >= 3 && m.displayTitle.toLowerCase().includes(name.slice(0, 4)));
    return { kind: 'unknown', suggestions: near };
  }

  autocomplete(partial: string, limit = 25): Array<{ name: string; value: string }> {
    const p = partial.toLowerCase();
    return MOVIES.filter((m) => m.displayTitle.toLowerCase().startsWith(p))
      .slice(0, limit)
      .map((m) => ({ name: this.label(m), value: m.movieId }));
  }

  movie(movieId: string): MovieRecord | undefined {
    return MOVIES.find((m) => m.movieId === movieId);
  }

  label(m: MovieRecord): string {
    return m.year === null ? m.displayTitle : `${m.displayTitle} (${m.year})`;
  }

  genres(): string[] {
    return [...new Set(MOVIES.flatMap((m) => m.genres))].sort();
  }

  rate(member: Member, movieId: string, rating: number): { previous: number | null; count: number } {
    this.writes.push(`rate ${member.id} ${movieId} ${rating}`);
    const list = this.ratingsOf.get(member.id) ?? [];
    const i = list.findIndex((r) => r.movieId === movieId);
    const previous = i >= 0 ? list[i].rating : null;
    if (i >= 0) list.splice(i, 1);
    list.unshift({ movieId, rating, ratedAt: (this.clock += 1000) });
    this.ratingsOf.set(member.id, list);
    return { previous, count: list.length };
  }

  unrate(member: Member, movieId: string): boolean {
    this.writes.push(`unrate ${member.id} ${movieId}`);
    const list = this.ratingsOf.get(member.id) ?? [];
    const i = list.findIndex((r) => r.movieId === movieId);
    if (i < 0) return false;
    list.splice(i, 1);
    return true;
  }

  ratings(member: Member): Array<MemberRating & { movie: MovieRecord }> {
    return (this.ratingsOf.get(member.id) ?? []).map((r) => ({ ...r, movie: this.movie(r.movieId)! }));
  }

  /**
   * The filtered movies have 100, 99, 98, … ratings in catalogue order; a stand-in for the real
   * percentile bar: a movie qualifies when its count reaches 100 × percentile − 5 (90 by default,
   * so every movie; 94 at the 99th percentile).
   */
  top(opts: { genre?: string; decade?: number; n: number; percentile?: number }): TopChart {
    if (this.opts.failTop) throw this.opts.failTop;
    const percentile = opts.percentile ?? 0.95;
    this.topAsked.push({ ...opts });
    const selected = MOVIES.filter((m) => (!opts.genre || m.genres.includes(opts.genre)) && (opts.decade === undefined || (m.year !== null && m.year - (m.year % 10) === opts.decade)));
    const minVotes = Math.round(100 * percentile) - 5;
    const qualifying = selected.filter((_, i) => 100 - i >= minVotes);
    const entries = qualifying.slice(0, opts.n).map((m, i) => ({ movie: m, score: 4.5 - i / 10, count: 100 - i, mean: 4.4 - i / 10 }));
    return { entries, qualified: qualifying.length, percentile, minVotes };
  }

  recommend(member: Member, opts: { algo?: string; n: number }): RecommendResult {
    const mine = new Set(this.ratings(member).map((r) => r.movieId));
    const items = MOVIES.filter((m) => !mine.has(m.movieId))
      .slice(0, opts.n)
      .map((m, i) => ({ movie: m, score: 4.8 - i / 10, reason: i === 0 ? 'because you rated Alien 5' : 'popular with members like you' }));
    const hidden = new Set(this.hiddenOf.get(member.id) ?? []);
    const shown = items.filter((r) => !hidden.has(r.movie.movieId));
    // like the live service: a list shown to a known member is recorded, so it can be reacted to
    const known = [...this.members.values()].some((m) => m.id === member.id);
    const listId = known && shown.length > 0 ? this.newList(member.id, shown.map((r) => r.movie.movieId)) : undefined;
    const withList = listId ? { listId } : {};
    if (mine.size < this.coldStartThreshold) {
      return { algo: 'popular', items: shown, coldStart: { have: mine.size, need: this.coldStartThreshold }, scoreKind: 'weighted-rating', ...withList };
    }
    return { algo: opts.algo ?? 'svd', items: shown, scoreKind: 'rating', ...withList };
  }

  /** Each algorithm's list is the recommend list shifted by its position, so neighbours overlap. */
  compare(member: Member, opts: { algos?: string[]; n?: number; datasetUser?: string }): CompareResult {
    this.compareAsked.push({ ...opts });
    if (opts.datasetUser !== undefined && !DATASET_USERS.includes(opts.datasetUser)) {
      throw new UserFacingError(`There is no dataset user "${opts.datasetUser}" in the trained ratings.`);
    }
    const n = opts.n ?? 5;
    const algos = opts.algos ?? ['ease', 'item-knn', 'knn-user', 'svd', 'content'];
    const lists = algos.map((algo, k) => {
      const all = this.recommend(member, { algo, n: n + k });
      return { algo, result: { ...all, items: all.items.slice(k), algo: all.coldStart ? all.algo : algo }, hitRate: this.opts.hitRates?.[algo] };
    });
    const subject: CompareResult['subject'] =
      opts.datasetUser !== undefined ? { kind: 'dataset-user', userId: opts.datasetUser, ratings: 20 } : { kind: 'member', ratings: this.ratings(member).length };
    return { subject, lists, agreed: agreement(lists), evaluated: this.opts.hitRates !== undefined };
  }

  algorithms(): string[] {
    return ['svd', 'knn-user', 'knn-item', 'baseline', 'popular', 'content'];
  }

  defaultAlgorithm(): { algo: string; why: string } {
    return { algo: 'svd', why: 'it scored best in the last offline evaluation' };
  }

  because(movieId: string, n: number): { content: RecommendedMovie[]; alsoLiked: RecommendedMovie[]; note?: string } {
    const others = MOVIES.filter((m) => m.movieId !== movieId);
    return {
      content: others.slice(0, n).map((m) => ({ movie: m, score: 0.9, reason: 'shared: Sci-Fi' })),
      alsoLiked: others.slice(-n).map((m) => ({ movie: m, score: 0.5, reason: 'liked by 12 of its fans' })),
    };
  }

  movieDetails(member: Member, movieId: string): MovieDetails {
    const m = this.movie(movieId)!;
    const mine = this.ratings(member).find((r) => r.movieId === movieId);
    return { movie: m, communityMean: 4.16, communityCount: 278, myRating: mine?.rating ?? null, similar: [] };
  }

  movieNight(members: Member[], n: number): RecommendedMovie[] {
    return MOVIES.slice(0, n).map((m) => ({ movie: m, score: 4, reason: `liked across the group of ${members.length}` }));
  }

  async evaluate(
    opts: { algos?: string[]; protocol?: EvaluationProtocol; folds?: number; startedBy?: string },
    onProgress: (p: EvaluationProgress) => void,
  ): Promise<EvaluationOutcome> {
    // what was asked for; who asked (startedBy) is recorded separately
    this.evaluations.push({ algos: opts.algos, ...(opts.protocol ? { protocol: opts.protocol } : {}), folds: opts.folds });
    this.evaluationsStartedBy.push(opts.startedBy);
    const folds = opts.folds ?? 5;
    for (let f = 1; f <= folds; f++) {
      await new Promise((r) => setTimeout(r, 1));
      onProgress({ done: f, total: folds, message: `fold ${f} of ${folds}` });
    }
    return {
      table: 'algo HR@10',
      rows: [
        { algo: 'ease', hitRate: 0.2574, ci: 0.0347, 'fit s': 9.1 },
        { algo: 'popular', hitRate: 0.0738, ci: 0.0208, 'fit s': 0.02 },
      ],
      chartPng: new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
      dataset: 'ml-latest-small',
      protocol: opts.protocol && opts.protocol !== 'kfold' ? opts.protocol : opts.folds === undefined ? 'leave-one-out' : `${folds}-fold cross-validation`,
      defaultBefore: 'ease',
      defaultAfter: 'ease',
      why: 'ease had the best HR@10 in the last /evaluate (0.257, the popularity chart 0.074)',
    };
  }

  importRatings(member: Member, csvText: string, fileName?: string): ImportOutcome {
    this.writes.push(`import ${member.id}`);
    this.imported.push(csvText);
    this.importedAs.push(fileName);
    return { imported: 2, updated: 1, unmatched: [{ title: 'Unknown Film', year: 2021, reason: 'no movie with this title and year' }] };
  }

  exportRatings(member: Member): string {
    return ['movieId,title,rating,ratedAt', ...this.ratings(member).map((r) => `${r.movieId},"${r.movie.displayTitle}",${r.rating},${r.ratedAt}`)].join('\n');
  }

  // ---- reactions and experiments: lists, reactions and hidden movies in maps ---------------------

  readonly lists = new Map<string, { memberId: number; movieIds: string[] }>();
  readonly reactions = new Map<string, ReactionKind>();
  readonly hiddenOf = new Map<number, string[]>();
  experiment: ExperimentSummary | undefined;
  readonly pastExperiments: ExperimentSummary[] = [];
  private nextList = 1;

  recordList(member: Member, surface: 'because' | 'movienight', algo: string, movieIds: readonly string[]): string | undefined {
    if (movieIds.length === 0) return undefined;
    const id = this.newList(member.id, movieIds);
    this.writes.push(`list ${id} ${surface} ${algo}`);
    return id;
  }

  private newList(memberId: number, movieIds: readonly string[]): string {
    const id = `L${this.nextList++}`;
    this.lists.set(id, { memberId, movieIds: [...movieIds] });
    return id;
  }

  react(member: Member, listId: string, movieId: string, kind: ReactionKind, rating?: number): ReactionOutcome {
    const list = this.lists.get(listId);
    if (!list) throw new UserFacingError('That list is gone: ask for a new one.');
    if (list.memberId !== member.id) throw new UserFacingError('Only the member this list was made for can react to it.');
    const movie = MOVIES.find((m) => m.movieId === movieId);
    if (!movie || !list.movieIds.includes(movieId)) throw new UserFacingError('That movie was not in this list.');
    const key = `${listId}/${movieId}`;
    const previous = this.reactions.get(key) ?? null;
    const hidden = this.hiddenOf.get(member.id) ?? [];
    this.writes.push(`react ${key} ${kind}${rating === undefined ? '' : ` ${rating}`}`);
    if (kind !== 'seen' && previous === kind) {
      this.reactions.delete(key);
      if (kind === 'not-for-me') this.hiddenOf.set(member.id, hidden.filter((h) => h !== movieId));
      return { kind: 'cleared', movie, previous, hidden: false };
    }
    if (kind === 'seen') this.rate(member, movieId, rating!);
    this.reactions.set(key, kind);
    if (kind === 'not-for-me') this.hiddenOf.set(member.id, [movieId, ...hidden]);
    return { kind, movie, previous, hidden: kind === 'not-for-me', ...(kind === 'seen' ? { rated: rating } : {}) };
  }

  hidden(member: Member): MovieRecord[] {
    return (this.hiddenOf.get(member.id) ?? []).map((id) => MOVIES.find((m) => m.movieId === id)!);
  }

  unhide(member: Member, movieId: string): boolean {
    const hidden = this.hiddenOf.get(member.id) ?? [];
    if (!hidden.includes(movieId)) return false;
    this.writes.push(`unhide ${member.id} ${movieId}`);
    this.hiddenOf.set(member.id, hidden.filter((h) => h !== movieId));
    return true;
  }

  likeRates(): LikeRateRow[] {
    return [{ algo: 'svd', shown: 20, liked: 5, lists: 2, rate: 0.25 }];
  }

  startExperiment(opts: { a: string; b: string; listSize?: number; startedBy: string }): ExperimentSummary {
    if (this.experiment) throw new UserFacingError(`Experiment ${this.experiment.id} is still running: /experiment stop first.`);
    this.writes.push(`experiment start ${opts.a} ${opts.b}`);
    this.experiment = {
      id: this.pastExperiments.length + 1, a: opts.a, b: opts.b, listSize: opts.listSize ?? 10, startedBy: opts.startedBy,
      startedAt: this.clock, stoppedAt: null, listsShown: 40, listsWithPreference: 12, members: 20, winsA: 9, winsB: 3, ties: 8,
      p: 0.146, preference: 0.25, interval: { lo: -0.05, hi: 0.5 }, winner: null, alpha: 0.05,
    };
    return this.experiment;
  }

  async experimentStatus(): Promise<ExperimentStatus | undefined> {
    return this.experiment && { ...this.experiment, chartPng: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) };
  }

  async stopExperiment(): Promise<ExperimentStatus> {
    if (!this.experiment) throw new UserFacingError('No experiment is running.');
    const done = { ...this.experiment, stoppedAt: this.clock + 1 };
    this.pastExperiments.unshift(done);
    this.experiment = undefined;
    this.writes.push(`experiment stop ${done.id}`);
    return done;
  }

  experimentHistory(): ExperimentSummary[] {
    return [...(this.experiment ? [this.experiment] : []), ...this.pastExperiments];
  }

  exportFeedback(member: Member): string {
    return JSON.stringify({ impressions: [...this.lists].filter(([, l]) => l.memberId === member.id).map(([id]) => id) });
  }

  forget(member: Member): number {
    this.writes.push(`forget ${member.id}`);
    const n = this.ratingsOf.get(member.id)?.length ?? 0;
    this.ratingsOf.delete(member.id);
    this.members.delete(`${member.platform}:${member.platformUserId}`);
    return n;
  }
}
