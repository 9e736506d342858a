/**
 * Hybrid recommendations: a member's content score (cosine to their taste profile, profile.ts)
 * blended with a collaborative score (any fitted Algorithm's `scoreAll` on the member's Profile).
 *
 * ```ts
 * const hybrid = new HybridRecommender(contentModel, fittedSvd, { weight: 0.5, normalise: 'minmax' });
 * const res = hybrid.recommend({ ratings: [{ movieId: '1', rating: 5 }, ...], n: 10 });
 * if (res.ok) for (const hit of res.items) console.log(hit.id, hit.score, hit.source, hit.terms);
 * ```
 *
 * - Each side is normalised over the candidates it can score, by min–max to [0, 1] (default) or
 *   by rank (0 = worst, 1 = best, ties share their mean rank), so cosines and star ratings
 *   become comparable.
 * - score = weight · content + (1 − weight) · collaborative, weight = 0.5 by default.
 * - Fallback: a movie only one side can score (outside the trainset, or without text) gets that
 *   side's normalised score; a member only one side can serve (no rated movie in the trainset,
 *   or no rated movie with text) gets that side alone. `sides` says which sides answered and
 *   why not. Nothing either side can answer → `{ ok: false, reason }`. At weight 1 (or 0) the
 *   zero-weighted side is left out, unless the member can only be served by it.
 * - Candidates: every movie of either side except the rated ones and `exclude`.
 * - The collaborative profile is folded in from the ratings; pass `rawUser` only when the ratings
 *   are exactly those the algorithm was trained with, to use the trained user instead.
 */
import type { Algorithm } from '../algorithm.ts';
import { compareRawIds } from '../popularity.ts';
import { ContentError } from './text.ts';
import type { ContentModel, ContentHit } from './model.ts';
import type { RatedMovie, TasteProfile } from './profile.ts';
import type { SharedTerm } from './explain.ts';

export interface HybridOptions {
  /** weight of the content side in [0, 1] (default 0.5) */
  weight?: number;
  /** how each side's scores are put on a common [0, 1] scale (default 'minmax') */
  normalise?: 'minmax' | 'rank';
}

export interface HybridRequest {
  /** the member's ratings by raw movie id */
  ratings: readonly RatedMovie[];
  n: number;
  /** the member's raw user id in the trainset; only when `ratings` are what the model was trained on */
  rawUser?: string;
  /** raw ids never to return besides the rated ones */
  exclude?: ReadonlySet<string>;
}

export interface HybridHit {
  id: string;
  /** the blended, normalised score in [0, 1] */
  score: number;
  /** raw cosine to the taste profile, when the content side scored this movie */
  content?: number;
  /** raw collaborative estimate (not clipped), when the collaborative side scored this movie */
  cf?: number;
  source: 'both' | 'content' | 'cf';
  /** shared terms with the taste profile (content side only) */
  terms: SharedTerm[];
  /** the liked movie this one most resembles (content side only) */
  becauseOf?: string;
}

export interface HybridSides {
  /** true, or why the content side could not answer */
  content: true | string;
  /** true, or why the collaborative side could not answer */
  cf: true | string;
}

export type HybridResult =
  | { ok: true; items: HybridHit[]; sides: HybridSides }
  | { ok: false; reason: string; items: HybridHit[]; sides: HybridSides };

export class HybridRecommender {
  readonly weight: number;
  readonly normalise: 'minmax' | 'rank';

  constructor(
    readonly content: ContentModel,
    readonly algo: Algorithm,
    opts: HybridOptions = {},
  ) {
    const w = opts.weight ?? 0.5;
    if (typeof w !== 'number' || !(w >= 0 && w <= 1)) throw new ContentError(`hybrid weight must be a number in [0, 1], got ${String(w)}`);
    const norm = opts.normalise ?? 'minmax';
    if (norm !== 'minmax' && norm !== 'rank') throw new ContentError(`hybrid normalise must be 'minmax' or 'rank', got ${JSON.stringify(norm)}`);
    this.weight = w;
    this.normalise = norm;
  }

  recommend(req: HybridRequest): HybridResult {
    const { ratings, n } = req;
    if (!Number.isInteger(n) || n < 0) throw new ContentError(`n must be a whole number >= 0, got ${String(n)}`);
    const ts = this.algo.trainset;
    const rated = new Set(ratings.map((r) => r.movieId));
    const skip = (id: string): boolean => rated.has(id) || (req.exclude?.has(id) ?? false);

    // collaborative side
    const profile = ts.profileFromRaw(
      ratings.map((r) => ({ item: r.movieId, rating: r.rating })),
      req.rawUser,
    );
    let cfScores: Float64Array | undefined;
    let cfSide: true | string = true;
    if (profile.user === undefined && profile.items.length === 0) {
      cfSide = 'none of the rated movies is in the ratings the collaborative model learned from';
    } else {
      cfScores = new Float64Array(ts.nItems);
      this.algo.scoreAll(profile, cfScores);
      if (!cfScores.some((v) => Number.isFinite(v))) {
        cfSide = `${this.algo.name} cannot score any movie for this member`;
        cfScores = undefined;
      }
    }

    // content side
    const taste = this.content.taste(ratings, ts.scale);
    const contentSide: true | string = taste.ok ? true : taste.reason;
    const tasteProfile: TasteProfile | undefined = taste.ok ? taste.profile : undefined;
    const sides: HybridSides = { content: contentSide, cf: cfSide };
    if (!tasteProfile && !cfScores) {
      return { ok: false, reason: `no recommendation possible: ${String(contentSide)}; ${String(cfSide)}`, items: [], sides };
    }
    // A side weighted 0 is consulted only when the other side cannot serve the member at all.
    const useContent = tasteProfile !== undefined && (this.weight > 0 || cfScores === undefined);
    const useCf = cfScores !== undefined && (this.weight < 1 || tasteProfile === undefined);

    // candidates: raw id → raw scores of the sides that can answer
    const ids: string[] = [];
    const cRaw: number[] = [];
    const fRaw: number[] = [];
    const slot = new Map<string, number>();
    const add = (id: string): number => {
      let k = slot.get(id);
      if (k === undefined) {
        k = ids.length;
        slot.set(id, k);
        ids.push(id);
        cRaw.push(NaN);
        fRaw.push(NaN);
      }
      return k;
    };
    if (tasteProfile && useContent) {
      for (let b = 0; b < this.content.size; b++) {
        const id = this.content.idAt(b);
        if (skip(id) || !this.content.hasFeatures(id)) continue;
        cRaw[add(id)] = tasteProfile.score(b);
      }
    }
    if (cfScores && useCf) {
      for (let i = 0; i < ts.nItems; i++) {
        const v = cfScores[i];
        if (!Number.isFinite(v)) continue;
        const id = ts.rawItem(i);
        if (skip(id)) continue;
        fRaw[add(id)] = v;
      }
    }
    const cNorm = this.normalise === 'rank' ? rankNormalise(cRaw) : minMaxNormalise(cRaw);
    const fNorm = this.normalise === 'rank' ? rankNormalise(fRaw) : minMaxNormalise(fRaw);
    const blended = new Float64Array(ids.length);
    for (let k = 0; k < ids.length; k++) {
      const c = cNorm[k];
      const f = fNorm[k];
      blended[k] = c === c && f === f ? this.weight * c + (1 - this.weight) * f : c === c ? c : f;
    }
    const order = Array.from(ids.keys()).filter((k) => blended[k] === blended[k]);
    order.sort((a, b) => blended[b] - blended[a] || compareRawIds(ids[a], ids[b]));
    const items: HybridHit[] = order.slice(0, n).map((k) => {
      const id = ids[k];
      const hasC = cRaw[k] === cRaw[k];
      const hasF = fRaw[k] === fRaw[k];
      const hit: HybridHit = { id, score: blended[k], source: hasC && hasF ? 'both' : hasC ? 'content' : 'cf', terms: [] };
      if (hasC) hit.content = cRaw[k];
      if (hasF) hit.cf = fRaw[k];
      if (hasC && tasteProfile) {
        const b = this.content.indexOf(id);
        if (b !== undefined) {
          const ch: ContentHit = this.content.profileHit(tasteProfile, b, cRaw[k]);
          hit.terms = ch.terms;
          if (ch.becauseOf !== undefined) hit.becauseOf = ch.becauseOf;
        }
      }
      return hit;
    });
    return { ok: true, items, sides };
  }
}

/** (v − min) / (max − min) over the finite values; all equal → 0.5 (the side says nothing). NaN stays NaN. */
export function minMaxNormalise(values: readonly number[]): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === v) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  const out = new Float64Array(values.length);
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    out[k] = v !== v ? NaN : hi > lo ? (v - lo) / (hi - lo) : 0.5;
  }
  return out;
}

/** Rank / (count − 1) over the finite values, ties sharing their mean rank; a single value → 0.5. */
export function rankNormalise(values: readonly number[]): Float64Array {
  const out = new Float64Array(values.length).fill(NaN);
  const idx = values.map((_, k) => k).filter((k) => values[k] === values[k]);
  idx.sort((a, b) => values[a] - values[b]);
  const m = idx.length;
  for (let start = 0; start < m; ) {
    let end = start + 1;
    while (end < m && values[idx[end]] === values[idx[start]]) end++;
    const meanRank = (start + end - 1) / 2;
    for (let r = start; r < end; r++) out[idx[r]] = m > 1 ? meanRank / (m - 1) : 0.5;
    start = end;
  }
  return out;
}
