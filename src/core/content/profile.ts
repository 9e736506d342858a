/**
 * A member's taste profile in the TF-IDF space: the average of the vectors of the movies they
 * rated, each weighted by (rating − their mean rating), so liked movies pull the profile towards
 * their terms and disliked movies push it away. With a single rating, or when every rating is the
 * same (no deviation from the mean), the weight is (rating − the scale's midpoint) instead, so
 * one 5★ still says "like this" and one 1★ says "not this".
 *
 * Unrated movies are ranked by cosine to the profile; since every movie row has unit length,
 * cosine = (profile · row) / |profile|.
 */
import { ContentError } from './text.ts';
import { rowDot, rowDotDense, rowNnz, type SparseRows } from './sparse.ts';

export interface RatedMovie {
  movieId: string;
  rating: number;
}

export type TasteOutcome =
  | { ok: true; profile: TasteProfile }
  | { ok: false; code: 'no-profile'; reason: string };

export class TasteProfile {
  constructor(
    private readonly x: SparseRows,
    /** Σ w_j x_j / Σ |w_j| over rated movies with features */
    readonly vector: Float64Array,
    readonly norm: number,
    /** document index → weight, for every rated movie known to the model */
    readonly weights: ReadonlyMap<number, number>,
    /** what the weights were centred on */
    readonly center: { value: number; on: 'member-mean' | 'scale-midpoint' },
  ) {}

  /** Cosine between the profile and document b (0 for a movie without features). */
  score(b: number): number {
    return rowDotDense(this.x, b, this.vector) / this.norm;
  }

  /** Cosine for every document; NaN for documents without features. */
  scoreAll(out: Float64Array): void {
    for (let b = 0; b < this.x.nRows; b++) out[b] = rowNnz(this.x, b) > 0 ? this.score(b) : NaN;
  }

  isRated(b: number): boolean {
    return this.weights.has(b);
  }

  /** The liked rated movie (weight > 0) most similar to b, if any shares a term with it. */
  nearestLiked(b: number): { index: number; similarity: number } | undefined {
    let best: { index: number; similarity: number } | undefined;
    for (const [j, w] of this.weights) {
      if (!(w > 0)) continue;
      const s = rowDot(this.x, j, b);
      if (s > 0 && (best === undefined || s > best.similarity || (s === best.similarity && j < best.index))) {
        best = { index: j, similarity: s };
      }
    }
    return best;
  }
}

/**
 * Builds the profile from ratings by raw movie id. Ratings must lie in the scale; movies the
 * model does not know, or that have no features, do not shape the profile (they still count in
 * the member's mean rating, which is about the member, not the catalogue).
 */
export function buildTaste(
  x: SparseRows,
  indexOf: (id: string) => number | undefined,
  ratings: readonly RatedMovie[],
  scale: readonly [number, number],
): TasteOutcome {
  if (!Array.isArray(scale) || scale.length !== 2 || !(scale[0] < scale[1])) {
    throw new ContentError(`scale must be [lo, hi] with lo < hi, got ${JSON.stringify(scale)}`);
  }
  const [lo, hi] = scale;
  if (ratings.length === 0) return { ok: false, code: 'no-profile', reason: 'no ratings yet: rate a few movies first' };
  let sum = 0;
  for (const r of ratings) {
    if (typeof r.movieId !== 'string') throw new ContentError(`rating has no movieId string: ${JSON.stringify(r)}`);
    if (typeof r.rating !== 'number' || !Number.isFinite(r.rating) || r.rating < lo || r.rating > hi) {
      throw new ContentError(`rating of movie ${r.movieId} must be a number in [${lo}, ${hi}], got ${String(r.rating)}`);
    }
    sum += r.rating;
  }
  const mean = sum / ratings.length;
  const allEqual = ratings.every((r) => r.rating === ratings[0].rating);
  const center =
    ratings.length === 1 || allEqual
      ? { value: (lo + hi) / 2, on: 'scale-midpoint' as const }
      : { value: mean, on: 'member-mean' as const };

  const weights = new Map<number, number>();
  for (const r of ratings) {
    const j = indexOf(r.movieId);
    if (j === undefined) continue;
    // a movie rated twice: the latest rating wins
    weights.set(j, r.rating - center.value);
  }
  const vector = new Float64Array(x.nCols);
  let total = 0;
  let withFeatures = 0;
  for (const [j, w] of weights) {
    if (rowNnz(x, j) === 0) continue;
    withFeatures++;
    if (w === 0) continue;
    total += Math.abs(w);
    for (let k = x.indptr[j]; k < x.indptr[j + 1]; k++) vector[x.indices[k]] += w * x.data[k];
  }
  if (withFeatures === 0) {
    return {
      ok: false,
      code: 'no-profile',
      reason: 'none of the rated movies has any text features (title words, genres, tags or description) to learn a taste from',
    };
  }
  if (total === 0) {
    return {
      ok: false,
      code: 'no-profile',
      reason: `every rated movie sits exactly at ${center.value} (the ${center.on === 'member-mean' ? "member's mean" : "scale's midpoint"}): no likes or dislikes to learn from`,
    };
  }
  let ss = 0;
  for (let t = 0; t < vector.length; t++) {
    vector[t] /= total;
    ss += vector[t] * vector[t];
  }
  if (ss === 0) {
    // likes and dislikes of the very same movies cancel out exactly
    return { ok: false, code: 'no-profile', reason: 'the likes and dislikes cancel out: no direction to recommend in' };
  }
  return { ok: true, profile: new TasteProfile(x, vector, Math.sqrt(ss), weights, center) };
}
