/**
 * `/compare`: a member's (or, for admins, a dataset user's) top-n from several algorithms side by
 * side, the movies the lists agree on, and each algorithm's HR@10 on the top-N yardstick.
 *
 * Every list comes from the Recommender, the path `/recommend` serves, so a list here is exactly
 * what `/recommend algo:<name>` would show. A dataset user is served by the same Recommender over
 * their ratings in the trained generation (public data, as the tutorial's "userId 5" walkthrough).
 * HR@10 is quoted only from the last saved top-N evaluation; without one there is no number, since
 * figures measured on the shipped dataset say nothing about another one.
 */
import type { Profile } from '../../core/trainset.ts';
import type { Member, MemberRating, Store } from '../../store/api.ts';
import { parseMemberRawId } from '../../store/training-data.ts';
import { UserFacingError } from '../errors.ts';
import type { CompareList, CompareResult, RecommendResult } from '../service-api.ts';
import { canonicalSpec } from './algorithm-names.ts';
import type { Generation } from './generation.ts';
import { MemberRatings } from './member-ratings.ts';
import { Recommender, type AnswerParts } from './recommend.ts';

/** The tutorial's walkthrough: content, item kNN, user kNN and SVD, with the best ranking model first. */
export const DEFAULT_COMPARE_ALGOS: readonly string[] = ['ease', 'item-knn', 'knn-user', 'svd', 'content'];
/** Lists of five: several lists must fit one chat message (Discord: 25 fields, 6,000 characters). */
export const COMPARE_N = 5;
/** At most this many lists in one reply. */
export const MAX_COMPARE_ALGOS = 6;

/** The pseudo member id a dataset user is served under (never a stored member's id). */
const DATASET_USER = -1;

export class CompareError extends UserFacingError {}

/** A dataset user's trained ratings, served to the Recommender in place of a member's. */
class DatasetUserRatings extends MemberRatings {
  constructor(
    store: Store,
    private readonly gen: Generation,
    private readonly user: number,
  ) {
    super(store, () => undefined);
  }

  override of(): readonly MemberRating[] {
    const p = this.gen.ts.profileOf(this.user);
    return Array.from(p.items, (i, k) => ({ movieId: this.gen.ts.rawItem(i), rating: p.ratings[k], ratedAt: 0 }));
  }

  override profile(): Profile {
    return this.gen.ts.profileOf(this.user);
  }

  override rate(): never {
    throw new CompareError('a dataset user is read-only');
  }
}

export class Comparer {
  constructor(
    private readonly store: Store,
    private readonly parts: AnswerParts,
    private readonly recommender: Recommender,
  ) {}

  compare(member: Member, opts: { algos?: string[]; n?: number; datasetUser?: string; isAdmin: boolean }): CompareResult {
    const algos = checkAlgos(opts.algos);
    const n = opts.n ?? COMPARE_N;
    let recommender = this.recommender;
    let asked = member;
    let subject: CompareResult['subject'];
    if (opts.datasetUser !== undefined) {
      if (!opts.isAdmin) throw new CompareError('Only admins can compare a dataset user’s lists; use /compare without user: for your own.');
      const gen = this.parts.models.gen;
      const userId = opts.datasetUser.trim();
      const u = parseMemberRawId(userId) === undefined ? gen.ts.innerUser(userId) : undefined;
      if (u === undefined) throw new CompareError(`There is no dataset user "${userId}" in the trained ratings (members’ ratings are private).`);
      const ratings = new DatasetUserRatings(this.store, gen, u);
      recommender = new Recommender({ ...this.parts, ratings });
      asked = { ...member, id: DATASET_USER };
      subject = { kind: 'dataset-user', userId, ratings: gen.ts.profileOf(u).items.length };
    } else {
      subject = { kind: 'member', ratings: this.parts.ratings.of(member.id).length };
    }
    const scores = topNScores(this.store.lastEvaluation()?.report);
    const lists: CompareList[] = algos.map((algo) => {
      const result: RecommendResult = recommender.recommend(asked, { algo, n });
      const list: CompareList = { algo, result };
      const hr = scores?.get(algo);
      if (hr) list.hitRate = hr;
      return list;
    });
    return { subject, lists, agreed: agreement(lists), evaluated: scores !== undefined };
  }
}

/** Canonical, distinct, at most MAX_COMPARE_ALGOS; unknown names throw the registry's error. */
function checkAlgos(given: readonly string[] | undefined): string[] {
  const names = (given ?? DEFAULT_COMPARE_ALGOS).map((a) => a.trim()).filter((a) => a !== '');
  if (names.length === 0) return [...DEFAULT_COMPARE_ALGOS];
  const out = [...new Set(names.map(canonicalSpec))];
  if (out.length > MAX_COMPARE_ALGOS) {
    throw new CompareError(`compare at most ${MAX_COMPARE_ALGOS} algorithms at once (${out.length} were given), so the lists fit one message`);
  }
  return out;
}

/** Movies on two or more lists (cold-start charts count once), most lists first, then first seen. */
export function agreement(lists: readonly CompareList[]): CompareResult['agreed'] {
  const seen = new Map<string, { movie: RecommendResult['items'][number]['movie']; algos: string[] }>();
  const answered = new Set<string>();
  for (const l of lists) {
    // lists answered by the same algorithm (e.g. the chart for a new member) are one opinion
    if (answered.has(l.result.algo)) continue;
    answered.add(l.result.algo);
    for (const item of l.result.items) {
      const e = seen.get(item.movie.movieId) ?? { movie: item.movie, algos: [] };
      e.algos.push(l.algo);
      seen.set(item.movie.movieId, e);
    }
  }
  return [...seen.values()].filter((e) => e.algos.length >= 2).sort((a, b) => b.algos.length - a.algos.length);
}

/**
 * HR@10 per algorithm from a saved report: a top-N report (src/core/eval/topn.ts TopNReport) or an
 * evaluation report carrying one (`topN`). Undefined when the report has no top-N results.
 */
export function topNScores(report: unknown): Map<string, { mean: number; lo: number; hi: number; dataset?: string }> | undefined {
  if (typeof report !== 'object' || report === null) return undefined;
  const r = report as { topN?: unknown; results?: unknown; protocol?: unknown; data?: unknown };
  const topN = (typeof r.topN === 'object' && r.topN !== null ? r.topN : r.protocol !== undefined ? r : undefined) as
    | { results?: unknown; data?: unknown }
    | undefined;
  if (!topN || !Array.isArray(topN.results)) return undefined;
  const dataset = typeof topN.data === 'string' ? topN.data : undefined;
  const out = new Map<string, { mean: number; lo: number; hi: number; dataset?: string }>();
  for (const x of topN.results as Array<{ algorithm?: unknown; hitRate?: { mean?: unknown; lo?: unknown; hi?: unknown } }>) {
    const h = x.hitRate;
    if (typeof x.algorithm !== 'string' || typeof h?.mean !== 'number' || typeof h.lo !== 'number' || typeof h.hi !== 'number') continue;
    let spec: string;
    try {
      spec = canonicalSpec(x.algorithm);
    } catch {
      continue; // an algorithm this build no longer knows
    }
    out.set(spec, { mean: h.mean, lo: h.lo, hi: h.hi, ...(dataset ? { dataset } : {}) });
  }
  return out.size > 0 ? out : undefined;
}
