/**
 * The one-line "why" beside each pick: "because you rated Alien 5/5" (from co-ratings, then from
 * content), "shared: Sci-Fi, dystopia", "4.1 average from 312 ratings". Wording only: what a pick
 * is comes from ./answers; the anchors come from the member's own best-rated movies.
 */
import type { SupportKind } from '../../core/algorithm.ts';
import type { ContentModel } from '../../core/content/model.ts';
import type { Trainset } from '../../core/trainset.ts';
import type { MovieRecord } from '../../data/types.ts';
import type { MemberRating } from '../../store/api.ts';
import { formatRating } from '../service-api.ts';
import type { CoRating } from './co-rating.ts';

/** A movie the member rated, as the reasons see it. */
export interface LikedMovie {
  movieId: string;
  rating: number;
}

/**
 * The member's best-rated movies, the anchors of "because you rated …": ratings at or above their
 * own mean (so a harsh rater still has favourites), highest first, newest first among equals.
 */
export function likedMovies(ratings: readonly MemberRating[], max = 30): LikedMovie[] {
  if (ratings.length === 0) return [];
  const mean = ratings.reduce((s, r) => s + r.rating, 0) / ratings.length;
  return ratings
    .filter((r) => r.rating >= mean)
    .sort((a, b) => b.rating - a.rating || b.ratedAt - a.ratedAt)
    .slice(0, max)
    .map((r) => ({ movieId: r.movieId, rating: r.rating }));
}

/** The liked movie that best explains a candidate, by co-rating similarity. */
export function mostSimilarLiked(
  co: CoRating,
  ts: Trainset,
  candidate: number,
  liked: readonly LikedMovie[],
  minSim = 0.05,
): LikedMovie | undefined {
  const anchors: number[] = [];
  const byInner = new Map<number, LikedMovie>();
  for (const l of liked) {
    const j = ts.innerItem(l.movieId);
    if (j === undefined || j === candidate) continue;
    anchors.push(j);
    byInner.set(j, l);
  }
  if (anchors.length === 0) return undefined;
  let best: { sim: number; liked: LikedMovie } | undefined;
  for (const s of co.similarities(candidate, anchors)) {
    const l = byInner.get(s.item)!;
    if (s.sim < minSim) continue;
    if (!best || s.sim > best.sim || (s.sim === best.sim && l.rating > best.liked.rating)) best = { sim: s.sim, liked: l };
  }
  return best?.liked;
}

export function popularReason(mean: number, count: number): string {
  return `${mean.toFixed(1)} average from ${count} ratings`;
}

/**
 * "shared: Sci-Fi, dystopia": the content model's top terms made readable. Genre pairs
 * ("Action + Sci-Fi") become their genres; a word inside a kept phrase ("sci" in "sci fi") and
 * repeats are dropped.
 */
export function sharedReason(labels: readonly string[]): string {
  const parts: string[] = [];
  for (const l of labels) for (const p of l.split(' + ')) if (p.trim()) parts.push(p.trim());
  const norm = (x: string) => ` ${x.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
  const kept: string[] = [];
  parts.forEach((p, k) => {
    const np = norm(p);
    if (parts.some((q, j) => j !== k && norm(q) !== np && norm(q).includes(np))) return; // said by a longer label
    if (kept.some((q) => norm(q) === np)) return;
    kept.push(p);
  });
  return kept.length > 0 ? `shared: ${kept.slice(0, 3).join(', ')}` : 'similar content';
}

/**
 * "because you rated Alien 5/5": the liked movie most similar to the pick by co-ratings, else by
 * content, else the prediction itself ("predicted 4.2 for you").
 */
export function becauseReason(
  ctx: { co: CoRating; ts: Trainset; content: ContentModel | undefined; movie: (id: string) => MovieRecord | undefined },
  pick: { item: number; movieId: string; score: number },
  liked: readonly LikedMovie[],
): string {
  const hi = ctx.ts.scale[1];
  const anchor = mostSimilarLiked(ctx.co, ctx.ts, pick.item, liked) ?? contentAnchor(ctx.content, pick.movieId, liked);
  if (anchor) {
    const m = ctx.movie(anchor.movieId);
    if (m) return `because you rated ${m.displayTitle || m.title} ${formatRating(anchor.rating)}/${formatRating(hi)}`;
  }
  return `predicted ${pick.score.toFixed(1)} for you`;
}

/**
 * What a rating predictor's estimate rests on, in words: "from 12 ratings", "12 similar members
 * rated it". Said beside every estimate, so a thin one reads as thin.
 */
export function supportReason(kind: SupportKind, support: number): string {
  const n = Math.max(0, Math.round(support));
  switch (kind) {
    case 'ratings':
      return `from ${n} ${n === 1 ? 'rating' : 'ratings'}`;
    case 'similar-members':
      return n === 1 ? '1 similar member rated it' : `${n} similar members rated it`;
    case 'similar-movies':
      return `from ${n} similar ${n === 1 ? 'movie' : 'movies'} you rated`;
    case 'co-rated-movies':
      return `from ${n} of your movies rated by the same people`;
  }
}

/**
 * A ranking model's "why": the member's rated movies that pushed the pick up most (the model's
 * explain()), "because you rated Alien and Aliens"; undefined when none did.
 */
export function rankingReason(titles: readonly string[]): string | undefined {
  if (titles.length === 0) return undefined;
  if (titles.length === 1) return `because you rated ${titles[0]}`;
  return `because you rated ${titles.slice(0, -1).join(', ')} and ${titles[titles.length - 1]}`;
}

/** The liked movie the content model finds most like `movieId` (cosine above 0.1). */
function contentAnchor(cm: ContentModel | undefined, movieId: string, liked: readonly LikedMovie[]): LikedMovie | undefined {
  if (!cm || !cm.has(movieId)) return undefined;
  let best: { sim: number; liked: LikedMovie } | undefined;
  for (const l of liked) {
    if (!cm.has(l.movieId)) continue;
    const s = cm.similarity(movieId, l.movieId);
    if (s > 0.1 && (!best || s > best.sim)) best = { sim: s, liked: l };
  }
  return best?.liked;
}

/** "shared: Sci-Fi with Alien": a content pick, with the rated movie it resembles when known. */
export function contentReason(terms: readonly { label: string }[], like: MovieRecord | undefined): string {
  const shared = sharedReason(terms.map((t) => t.label));
  return like ? `${shared} with ${like.displayTitle || like.title}` : shared;
}
