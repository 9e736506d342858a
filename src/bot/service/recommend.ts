/**
 * `/recommend`: the member's personal top-n, or the chart while they are new (cold start), or the
 * content model's picks (content, hybrid). Collaborative picks come from core's rankItems, the
 * same ranking path the offline top-N yardstick measures, with the service's minRatings as the
 * candidate filter.
 */
import { ParamError, clipTo, type Algorithm } from '../../core/algorithm.ts';
import type { Contribution } from '../../core/algorithms/implicit.ts';
import { HybridAlgorithm } from '../../core/content/hybrid.ts';
import type { ContentModel } from '../../core/content/model.ts';
import { rankItems, scoreKindOf, servingOptions } from '../../core/rank.ts';
import type { Profile, Trainset } from '../../core/trainset.ts';
import type { Member, MemberRating } from '../../store/api.ts';
import { MAX_LIST_LENGTH, type RecommendResult, type RecommendedMovie } from '../service-api.ts';
import { CHART_ALGO, canonicalSpec, isContentAlgo } from './algorithm-names.ts';
import type { Catalog } from './catalog.ts';
import type { Charts } from './charts.ts';
import type { ContentHost } from './content-host.ts';
import type { MemberRatings } from './member-ratings.ts';
import type { Generation } from './generation.ts';
import type { ModelHost, ModelState, WarmStep } from './model-host.ts';
import { RankScratch } from './rank-scratch.ts';
import { restAfterAllocating } from './step-timer.ts';
import type { RarelyRated } from './rarely-rated.ts';
import { becauseReason, contentReason, likedMovies, popularReason, rankingReason, sharedReason, supportReason, type LikedMovie } from './reasons.ts';
import { runToEnd } from '../../util/run-to-end.ts';

/** Popular movies considered when blending the chart with a new member's content profile. */
const COLD_POOL = 200;
/** The largest list a member may ask for. */
export const MAX_N = MAX_LIST_LENGTH;

export interface AnswerParts {
  catalog: Catalog;
  charts: Charts;
  ratings: MemberRatings;
  models: ModelHost;
  content: ContentHost;
  rarelyRated: RarelyRated;
  coldStart: number;
  defaultSpec: () => string;
}

export function checkN(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > MAX_N) throw new ParamError(`n must be a whole number from 1 to ${MAX_N}, got ${String(n)}`);
  return n;
}

export class Recommender {
  private readonly p: AnswerParts;
  private readonly scratch = new RankScratch();

  constructor(parts: AnswerParts) {
    this.p = parts;
  }

  recommend(member: Member, opts: { algo?: string; n: number }): RecommendResult {
    const n = checkN(opts.n);
    const requested = opts.algo === undefined || opts.algo.trim() === '' ? undefined : canonicalSpec(opts.algo);
    const ratings = this.p.ratings.of(member.id);
    const coldStart = this.p.coldStart;
    // the content profile works from the first rating (issue: content "works from a member's very
    // first rating"), so an explicit content or hybrid request is not held back by the cold start
    const contentFromFirst = requested !== undefined && isContentAlgo(requested) && ratings.length > 0;
    if (ratings.length < coldStart && !contentFromFirst) {
      const cold = this.coldStartAnswer(ratings, n);
      // why the chart: with fewer ratings than coldStart the personal default ranks below it
      // (the cold-start curve beside MARQUEE_COLD_START's default in src/config.ts)
      const note =
        requested && requested !== CHART_ALGO
          ? `${requested} starts after ${coldStart} ratings; until then, popular picks.`
          : `Personal picks start at ${coldStart} ratings: with fewer, popular picks find what members watch next more often.`;
      return { ...cold, coldStart: { have: ratings.length, need: coldStart }, note: cold.note ?? note };
    }
    const spec = requested ?? this.p.defaultSpec();
    if (spec.split(':')[0] === CHART_ALGO) return this.popular(ratings, n);
    if (isContentAlgo(spec)) return this.contentAnswer(spec, member, ratings, n);
    return this.collaborative(spec, member, ratings, n);
  }

  /**
   * One step per loaded model (and the hybrid over the default) that serves a stand-in member
   * once: a trained user's ratings without their user, so the fold-in path runs. What a first
   * list would otherwise pay is paid here, before members ask: the item factors copied into
   * WebAssembly memory for scoring (svd, ials, pure-svd), the hybrid's lenders, and V8 compiling
   * each path (interpreted, one pass of a 9,742-movie loop costs milliseconds). Measured before,
   * bench/recommend-algos.ts on a loaded machine: svd's first list of a process 81–111 ms against a
   * median of 2–3 ms, hybrid's 0.9–2.3 s against 3–14 ms. No member's cache is touched: fold-ins
   * are cached per profile object and the stand-in's is dropped with it. A step that throws is
   * told to `failed` and skipped: the member's own request then fails with the real error, and a
   * retrain or a start-up is not held back by a warm-up.
   */
  warmSteps(gen: Generation, failed: (what: string, err: unknown) => void): WarmStep[] {
    const ts = gen.ts;
    if (ts.nUsers === 0) return [];
    // a chat member's profile size, not a dataset user's: the same code paths, and each step
    // short (the stand-in with ml-32m shape's user 0, ~1,000 ratings, made svd's step 507 ms)
    const trained = ts.profileOf(0);
    const size = Math.min(STAND_IN_RATINGS, trained.items.length);
    const standIn: Profile = { items: trained.items.slice(0, size), ratings: trained.ratings.slice(0, size) };
    const minRatings = this.p.rarelyRated.minRatings;
    const steps: WarmStep[] = gen.specs().flatMap((spec) => {
      let preparing: Iterator<void> | undefined;
      return [
        {
          // turns of its own: svd's kernel and its 36 MB of padded factors, 19–40 ms of CPU at
          // ml-32m shape, came out of a first list of 103–114 ms (77 ms left; bench/scale-serve.ts
          // --swap-only), then in slices of KERNEL_ITEMS_PER_STEP
          what: `${spec}'s scoring kernel (a slice)`,
          run: () => {
            const first = preparing === undefined;
            const model = gen.model(spec);
            preparing ??= model?.prepareScoringSteps(KERNEL_ITEMS_PER_STEP);
            const more = preparing !== undefined && preparing.next().done !== true;
            // the kernel's memory is new (its first step allocates it, the others copy): see
            // ALLOCATION_REST_MS (a model that builds no kernel ends in its first step)
            return more && first && model ? restAfterAllocating(model.scoringBytes()) : more;
          },
        },
        {
          what: `the serving path of ${spec}`,
          run: () => {
            const model = gen.model(spec);
            if (!model) return;
            const picks = rankItems(model, standIn, { ...servingOptions(model, minRatings), ...this.scratch.for(model.trainset.nItems), n: 10 });
            const explaining = scoreKindOf(model) === 'ranking' ? explainerOf(model) : undefined;
            if (explaining && picks.length > 0) explaining.explain(standIn, picks[0].item, VOTERS_ASKED);
          },
        },
      ];
    });
    // the hybrid's build a slice of movies per turn, then its first list in a turn of its own: at
    // ml-32m shape the build (its content mapping over 87,585 movies) as one step was 58–87 ms of
    // CPU, and with its first list 229 ms of wall inside a retrain's swap (bench/scale-serve.ts,
    // load 0.9–3.3)
    let building: Iterator<void, HybridAlgorithm> | undefined;
    steps.push(
      {
        what: 'the hybrid over the default (its content mapping, a slice)',
        run: () => {
          if (!building) {
            const cm = this.p.content.model;
            const base = gen.model(this.p.defaultSpec());
            if (!cm || !base) return false;
            building = hybridBuild(cm, base, ts, minRatings, this.p.catalog);
          }
          return building.next().done !== true;
        },
      },
      {
        // the two sides' scores for the stand-in, kept by the hybrid for the list below (parts()):
        // with its list, one step of 42–68 ms at ml-32m shape (bench/scale-serve.ts)
        what: "the hybrid's two sides for the stand-in",
        run: () => {
          const cm = this.p.content.model;
          const base = gen.model(this.p.defaultSpec());
          if (cm && base) hybridOver(cm, base, ts, minRatings, this.p.catalog).parts(standIn);
        },
      },
      {
        what: 'the serving path of hybrid',
        run: () => {
          const cm = this.p.content.model;
          const base = gen.model(this.p.defaultSpec());
          if (cm && base) rankItems(hybridOver(cm, base, ts, minRatings, this.p.catalog), standIn, { ...this.scratch.for(ts.nItems), n: 10 });
        },
      },
    );
    return steps.map((step) => ({
      what: step.what,
      run: () => {
        try {
          return step.run();
        } catch (err) {
          failed(step.what, err);
          return false;
        }
      },
    }));
  }

  /** A registry model's picks, or a loaded model's while `spec` trains (said in the note). */
  private collaborative(spec: string, member: Member, ratings: readonly MemberRating[], n: number): RecommendResult {
    const models = this.p.models;
    const gen = models.gen;
    let model = models.use(spec);
    let answered = spec;
    let note: string | undefined;
    if (!model) {
      const doing = waitingWords(spec, models.ensure(spec), gen.ts.nRatings);
      const fallback = models.fallback(spec);
      if (!fallback) {
        const pop = this.popular(ratings, n);
        return { ...pop, note: `Models are warming up (${doing}); meanwhile, popular picks.` };
      }
      model = fallback.model;
      answered = fallback.spec;
      note = `${doing}; meanwhile these come from ${fallback.spec}.`;
    }
    const profile = this.p.ratings.profile(member.id, gen);
    const picks = rankItems(model, profile, { ...servingOptions(model, this.p.rarelyRated.minRatings), ...this.scratch.for(model.trainset.nItems), n });
    const ranking = scoreKindOf(model) === 'ranking';
    const explaining = ranking ? explainerOf(model) : undefined;
    const liked = likedMovies(ratings);
    const likedInner = innerIdsOf(likedMovies(ratings, ratings.length), gen.ts);
    // user-based k-NN explains by neighbours, who are other members and never named
    const userBased = model.name.startsWith('knn-') && model.params.user_based === true;
    const ctx = { co: gen.coRating, ts: gen.ts, content: this.p.content.model, movie: (id: string) => this.p.catalog.movie(id) };
    const titleOf = (item: number) => {
      const m = this.p.catalog.movie(gen.ts.rawItem(item));
      return m ? m.displayTitle || m.title : undefined;
    };
    const items: RecommendedMovie[] = [];
    for (const s of picks) {
      const movieId = gen.ts.rawItem(s.item);
      const movie = this.p.catalog.movie(movieId);
      if (!movie) continue;
      if (ranking) {
        // a ranking score orders movies and is no rating: shown as nothing (scoreKind 'rank')
        const because = explaining ? rankingReason(likedVoters(explaining.explain(profile, s.item, VOTERS_ASKED), likedInner).flatMap((c) => titleOf(c.item) ?? [])) : undefined;
        items.push({ movie, score: s.score, reason: because ?? anchorReason(becauseReason(ctx, { item: s.item, movieId, score: s.estimate }, liked)) });
        continue;
      }
      // a rating predictor: the member is told its clipped estimate and what it rests on, never
      // the shrunk score the list was ordered by
      const support = supportReason(s.supportKind, s.support);
      const because = userBased ? undefined : becauseReason(ctx, { item: s.item, movieId, score: s.estimate }, liked);
      const reason = because === undefined || because.startsWith('predicted') ? support : `${because} (${support})`;
      items.push({ movie, score: s.estimate, reason });
    }
    return { algo: answered, items, note, scoreKind: ranking ? 'rank' : 'rating' };
  }

  private popular(ratings: readonly MemberRating[], n: number): RecommendResult {
    return this.p.charts.popular(this.p.models.gen, new Set(ratings.map((r) => r.movieId)), n);
  }

  /**
   * Cold start: the popularity chart, re-ranked by the member's content profile once they have
   * rated anything (half chart rank, half resemblance to what they rated).
   */
  private coldStartAnswer(ratings: readonly MemberRating[], n: number): RecommendResult {
    const gen = this.p.models.gen;
    const cm = this.p.content.model;
    if (ratings.length === 0 || !cm) return this.popular(ratings, n);
    const taste = cm.taste(
      ratings.map((r) => ({ movieId: r.movieId, rating: r.rating })),
      gen.ts.scale,
    );
    if (!taste.ok) return this.popular(ratings, n);
    const rated = new Set(ratings.map((r) => r.movieId));
    const pool = this.p.charts
      .ranked(gen)
      .filter((e) => !rated.has(e.movieId))
      .slice(0, COLD_POOL);
    if (pool.length === 0) return this.popular(ratings, n);
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
      const movie = this.p.catalog.movie(id);
      if (!movie) continue;
      let reason = popularReason(b.e.mean, b.e.count);
      const idx = cm.indexOf(id);
      if (b.sim > 0 && idx !== undefined) {
        const terms = cm.profileHit(taste.profile, idx, b.sim).terms.map((t) => t.label);
        if (terms.length > 0) reason = `popular, and ${sharedReason(terms)} with what you rated`;
      }
      items.push({ movie, score: b.e.score, reason });
    }
    return { algo: CHART_ALGO, items, scoreKind: 'weighted-rating' };
  }

  /** `content`: the member's TF-IDF taste profile; `hybrid`: that blended with the default CF model. */
  private contentAnswer(spec: string, member: Member, ratings: readonly MemberRating[], n: number): RecommendResult {
    const cm = this.p.content.model;
    if (!cm) {
      const pop = this.popular(ratings, n);
      return { ...pop, note: `The content model is warming up; meanwhile, popular picks.` };
    }
    const rated = ratings.map((r) => ({ movieId: r.movieId, rating: r.rating }));
    const models = this.p.models;
    const gen = models.gen;
    const reasonOf = (terms: readonly { label: string }[], becauseOf: string | undefined) =>
      contentReason(terms, becauseOf ? this.p.catalog.movie(becauseOf) : undefined);
    if (spec === 'hybrid') {
      const cfSpec = this.p.defaultSpec();
      const own = gen.model(cfSpec);
      const cf = own ? { spec: cfSpec, model: own } : models.fallback(cfSpec);
      if (cf) return this.hybridAnswer(cm, cf.model, member, ratings, n, reasonOf);
      models.ensure(cfSpec);
    }
    const res = cm.profileRecommend(rated, n, { scale: gen.ts.scale });
    const items: RecommendedMovie[] = [];
    for (const hit of res.items) {
      const movie = this.p.catalog.movie(hit.id);
      if (movie) items.push({ movie, score: hit.score, reason: reasonOf(hit.terms, hit.becauseOf) });
    }
    const warming = spec === 'hybrid' ? 'The collaborative half of hybrid is warming up; these are content picks. ' : '';
    const note = (warming + (res.ok ? '' : res.reason)).trim();
    return { algo: 'content', items, note: note === '' ? undefined : note, scoreKind: 'match' };
  }

  /**
   * `hybrid`: core's HybridAlgorithm (the collaborative model blended with the content taste,
   * src/core/content/hybrid.ts) ranked by rankItems, the path the yardstick measures.
   * No candidate filter (servingOptions says so for hybrid): the hybrid itself ignores
   * collaborative scores of movies with fewer than minRatings ratings, so such a movie is picked
   * only for its content, and says so.
   */
  private hybridAnswer(
    cm: ContentModel,
    base: Algorithm,
    member: Member,
    ratings: readonly MemberRating[],
    n: number,
    reasonOf: (terms: readonly { label: string }[], becauseOf: string | undefined) => string,
  ): RecommendResult {
    const gen = this.p.models.gen;
    const minRatings = this.p.rarelyRated.minRatings;
    const hybrid = hybridOver(cm, base, gen.ts, minRatings, this.p.catalog);
    const profile = this.p.ratings.profile(member.id, gen);
    const parts = hybrid.parts(profile);
    const picks = rankItems(hybrid, profile, { ...servingOptions(hybrid, minRatings), ...this.scratch.for(hybrid.trainset.nItems), n });
    const liked = likedMovies(ratings);
    const ctx = { co: gen.coRating, ts: gen.ts, content: cm, movie: (id: string) => this.p.catalog.movie(id) };
    const taste = cm.taste(ratings.map((r) => ({ movieId: r.movieId, rating: r.rating })), gen.ts.scale);
    const explaining = scoreKindOf(base) === 'ranking' ? explainerOf(base) : undefined;
    const likedInner = innerIdsOf(likedMovies(ratings, ratings.length), gen.ts);
    const items: RecommendedMovie[] = [];
    for (const s of picks) {
      const movieId = gen.ts.rawItem(s.item);
      const movie = this.p.catalog.movie(movieId);
      if (!movie) continue;
      const source = hybrid.sourceOf(parts, s.item);
      let reason: string;
      if (source === 'content') {
        const b = cm.indexOf(movieId);
        const hit = taste.ok && b !== undefined ? cm.profileHit(taste.profile, b, parts.content[s.item]) : undefined;
        const count = gen.ts.itemDegree(s.item);
        const few =
          count === 0
            ? '; a content pick: new, nobody has rated it yet'
            : count < minRatings
              ? `; a content pick: only ${count} rating${count === 1 ? '' : 's'} so far`
              : '; a content pick';
        reason = reasonOf(hit?.terms ?? [], hit?.becauseOf) + few;
      } else if (explaining) {
        // a ranking base (ease by default): its score is no rating, so the reason is what voted for it
        const titles = likedVoters(explaining.explain(profile, s.item, VOTERS_ASKED), likedInner).flatMap((c) => {
          const m = this.p.catalog.movie(gen.ts.rawItem(c.item));
          return m ? [m.displayTitle || m.title] : [];
        });
        reason = rankingReason(titles) ?? anchorReason(becauseReason(ctx, { item: s.item, movieId, score: 0 }, liked));
      } else {
        reason = becauseReason(ctx, { item: s.item, movieId, score: clipTo(parts.base[s.item], gen.ts.scale) }, liked);
      }
      items.push({ movie, score: s.score, reason });
    }
    const note = taste.ok ? undefined : `${taste.reason}; these come from ${base.name} alone.`;
    // a blend of z-scores orders movies and is no rating; as a share of movies beaten every top pick
    // read "100% match", which told the member nothing
    return { algo: 'hybrid', items, note, scoreKind: 'rank' };
  }
}

/** A ranking model that can say which rated movies pushed a pick up (EASE, iALS, item-kNN, PureSVD). */
interface Explaining {
  explain(p: Profile, item: number, n?: number): Contribution[];
}

function explainerOf(algo: Algorithm): Explaining | undefined {
  const candidate = algo as Partial<Explaining>;
  return typeof candidate.explain === 'function' ? (algo as unknown as Explaining) : undefined;
}

/**
 * For a ranking model, becauseReason's last resort ("predicted 0.3 for you") would print a ranking
 * score as if it were a rating: say only that the pick follows from the member's ratings.
 */
function anchorReason(reason: string): string {
  return reason.startsWith('predicted') ? 'picked from what you rated' : reason;
}

/**
 * Above this many ratings a first fit takes minutes, not seconds: at ml-32m shape (32 M ratings)
 * knn-item's fit took 1.7 CPU min and svd's 2.4 (4.5 CPU s per million), at ml-10m shape svd
 * 23 CPU s; on ml-latest-small (0.1 M) every fit is under a few seconds.
 */
const FIT_TAKES_MINUTES_ABOVE = 2_000_000;

/**
 * What a member reads while a model is not loaded: it is training (and roughly for how long, so
 * "a few seconds" is not promised where a first fit takes minutes), or it failed and why.
 */
export function waitingWords(spec: string, state: ModelState, nRatings: number): string {
  if (state.state === 'failed') return `${spec} could not be trained (${state.reason})`;
  if (nRatings > FIT_TAKES_MINUTES_ABOVE) {
    return `training ${spec}, which takes minutes with ${nRatings.toLocaleString('en-US')} ratings; try again later`;
  }
  return `training ${spec}, try again in a few seconds`;
}

const hybrids = new WeakMap<Algorithm, { content: ContentModel; hybrid: HybridAlgorithm }>();

/** The hybrid over a loaded model and the content model, built once per pair. */
function hybridOver(cm: ContentModel, base: Algorithm, ts: Trainset, minRatings: number, catalog: Catalog): HybridAlgorithm {
  return runToEnd(hybridBuild(cm, base, ts, minRatings, catalog, Infinity));
}

/**
 * hybridOver in steps, `itemsPerStep` movies of its content mapping each (the warm-up's, one
 * event-loop turn apart); its value is the hybrid, kept for hybridOver.
 */
function* hybridBuild(
  cm: ContentModel,
  base: Algorithm,
  ts: Trainset,
  minRatings: number,
  catalog: Catalog,
  itemsPerStep = HYBRID_ITEMS_PER_STEP,
): Generator<void, HybridAlgorithm, undefined> {
  const known = hybrids.get(base);
  if (known && known.content === cm && known.hybrid.params.base_min_ratings === minRatings) return known.hybrid;
  // release years tell the hybrid which rarely rated movies are new releases it may list
  const hybrid = new HybridAlgorithm(cm, base, { base_min_ratings: minRatings }, { yearOf: (id) => catalog.movie(id)?.year });
  yield* hybrid.fitSteps(ts, itemsPerStep);
  hybrids.set(base, { content: cm, hybrid });
  return hybrid;
}

/** Items whose factors a warm-up step copies into a scoring kernel: ~9 MB of svd's at 100 factors. */
const KERNEL_ITEMS_PER_STEP = 22_000;

/** Movies of the hybrid's content mapping per warm-up step: ~1 µs each at ml-32m shape (87 ms for 87,585). */
const HYBRID_ITEMS_PER_STEP = 20_000;

/** Ratings of the warm-up's stand-in member: a member in chat has tens, and so does this one. */
const STAND_IN_RATINGS = 20;

/** How many of a ranking model's strongest voters for a pick are looked at to name two liked ones. */
const VOTERS_ASKED = 6;

/**
 * The two voters a ranking model's reason names: liked movies first. EASE counts every rated
 * movie as watched, so a 1★ movie can vote for a pick, and "because you rated Sleepless in
 * Seattle" under Forrest Gump reads to a member who gave it 1★ as a misunderstanding (seen trying
 * the console); a disliked movie is named only when no liked one voted.
 */
function likedVoters(voters: readonly Contribution[], liked: ReadonlySet<number>): Contribution[] {
  const fromLiked = voters.filter((c) => liked.has(c.item));
  return (fromLiked.length > 0 ? fromLiked : voters).slice(0, 2);
}

function innerIdsOf(liked: readonly LikedMovie[], ts: Trainset): Set<number> {
  const ids = new Set<number>();
  for (const l of liked) {
    const i = ts.innerItem(l.movieId);
    if (i !== undefined) ids.add(i);
  }
  return ids;
}
