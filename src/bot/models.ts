/**
 * The bot's live models: one generation = one trainset (dataset + members' ratings at a given
 * ratings version) and the algorithms fitted on it, swapped as a whole when a retrain finishes.
 *
 * Also the service's cheap item-item machinery, independent of which algorithms are loaded:
 * pearson_baseline similarity between two movies over their common raters (the "because you rated
 * Alien" reason) and a movie's nearest neighbours by the same measure ("members who liked it also
 * liked"), both computed on demand from the trainset's CSR rows instead of from an n² matrix.
 */
import type { Algorithm } from '../core/algorithm.ts';
import { computeBaselines } from '../core/baselines.ts';
import { ALIASES, algorithmNames, parseAlgorithmSpec } from '../core/registry.ts';
import { Trainset, type Profile, type RatingScale } from '../core/trainset.ts';
import type { MemberRating } from '../store/api.ts';
import { parseMemberRawId } from '../store/training-data.ts';
import type { TrainColumns } from './trainer.ts';

/** Members rate 0.5..5 in half stars (the store enforces it); MovieLens datasets lie inside. */
export const RATING_SCALE: RatingScale = [0.5, 5];

/** Surprise's default shrinkage for pearson_baseline. */
const SHRINKAGE = 100;

/**
 * Names `/recommend` accepts beyond the registry's: friendly spellings of registry algorithms.
 * `content` and `hybrid` are served by the content model, not the registry.
 */
export const FRIENDLY: Readonly<Record<string, string>> = {
  'baseline-only': 'baseline',
  slopeone: 'slope-one',
  coclustering: 'co-clustering',
  'svd++': 'svdpp',
  random: 'normal',
};

export const CONTENT_ALGOS = ['content', 'hybrid'] as const;

/** Every name the bot accepts for `/recommend`, registry first. */
export function botAlgorithmNames(): string[] {
  return [...new Set([...algorithmNames(), ...Object.keys(ALIASES), ...CONTENT_ALGOS])];
}

/**
 * The canonical spec of an algorithm name or spec (friendly names mapped, aliases kept as typed
 * so that "knn-item" stays "knn-item"). Throws the registry's ParamError for unknown names.
 */
export function canonicalSpec(spec: string): string {
  const text = spec.trim();
  const colon = text.indexOf(':');
  // the name is case-insensitive; parameter values are kept as typed
  const name = (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase();
  const rest = colon < 0 ? '' : text.slice(colon);
  const mapped = (FRIENDLY[name] ?? name) + rest;
  if ((CONTENT_ALGOS as readonly string[]).includes(mapped)) return mapped;
  parseAlgorithmSpec(mapped); // validates name and parameters
  return mapped;
}

/** The snapshot key: what a model was trained on, so a stale snapshot is never reused. */
export function snapshotKey(fingerprint: string, version: number, nRatings: number, spec: string): string {
  return `marquee-model-v1|${fingerprint}|ratings-v${version}|n${nRatings}|${spec}`;
}

export function snapshotName(spec: string): string {
  return `model:${spec}`;
}

export class Generation {
  readonly ts: Trainset;
  /** the store's ratingsVersion the trainset was read at */
  readonly version: number;
  readonly fingerprint: string;
  readonly createdAt: number;
  private co: CoRating | undefined;
  private communityTs: Trainset | undefined;
  private communityCo: CoRating | undefined;
  /**
   * How many forgets (that removed ratings) the service had seen when this generation's data was
   * read. Once the service has seen more, the generation may hold a forgotten member's ratings:
   * it is not swapped in, and nothing fitted on it is saved (a snapshot would keep them on disk).
   */
  forgetEpoch = 0;
  /** the columns the trainset was built from (a lazy training fits on exactly these) */
  columns: TrainColumns | undefined;
  private readonly models = new Map<string, Algorithm>();
  /** algorithms whose training failed on this generation's data (not retried until the next one) */
  readonly failed = new Set<string>();

  constructor(ts: Trainset, version: number, fingerprint: string, createdAt = Date.now()) {
    this.ts = ts;
    this.version = version;
    this.fingerprint = fingerprint;
    this.createdAt = createdAt;
  }

  /** Item-item co-rating similarity, built on first use (baselines over the whole trainset). */
  get coRating(): CoRating {
    this.co ??= new CoRating(this.ts);
    return this.co;
  }

  /**
   * What per-movie aggregates shown to members (averages, counts, the chart, "also liked") are
   * computed from: the dataset's ratings, and members' ratings of movies that at least
   * MIN_MEMBERS_IN_AGGREGATES members rated (communityOf). Its inner ids are its own: map through
   * raw movie ids. Built on first use (a second CSR).
   */
  get community(): Trainset {
    this.communityTs ??= communityOf(this.ts);
    return this.communityTs;
  }

  /** Item-item co-rating similarity over `community` (its inner ids), built on first use. */
  get communityCoRating(): CoRating {
    this.communityCo ??= new CoRating(this.community);
    return this.communityCo;
  }

  key(spec: string): string {
    return snapshotKey(this.fingerprint, this.version, this.ts.nRatings, spec);
  }

  model(spec: string): Algorithm | undefined {
    return this.models.get(spec);
  }

  has(spec: string): boolean {
    return this.models.has(spec);
  }

  /** Adds a model fitted on this generation's trainset (one Map set: atomic for readers). */
  add(spec: string, algo: Algorithm): void {
    if (algo.trainset !== this.ts) throw new Error(`model ${spec} was fitted on another trainset`);
    this.models.set(spec, algo);
  }

  /** Lets go of a model (the service evicting a lazily loaded one to bound memory). */
  drop(spec: string): void {
    this.models.delete(spec);
  }

  specs(): string[] {
    return [...this.models.keys()];
  }
}

/**
 * Members' ratings count in what everyone sees per movie (averages, the chart) once at least this
 * many members rated the movie. Below that they are left out: the dataset's ratings are public,
 * so an average that also holds one or two members' ratings would give those ratings away.
 */
export const MIN_MEMBERS_IN_AGGREGATES = 3;

/**
 * The ratings behind per-movie aggregates, in the trainset's own order: every dataset rating, and
 * members' ratings of the movies that at least MIN_MEMBERS_IN_AGGREGATES members rated.
 */
function communityOf(ts: Trainset): Trainset {
  const members = new Int32Array(ts.nItems);
  const isMember = new Uint8Array(ts.nUsers);
  const { indptr, indices, values } = ts.byUser;
  for (let u = 0; u < ts.nUsers; u++) {
    if (parseMemberRawId(ts.rawUser(u)) === undefined) continue;
    isMember[u] = 1;
    for (let k = indptr[u]; k < indptr[u + 1]; k++) members[indices[k]]++;
  }
  const users: string[] = [];
  const items: string[] = [];
  const ratings: number[] = [];
  for (let u = 0; u < ts.nUsers; u++) {
    const raw = ts.rawUser(u);
    for (let k = indptr[u]; k < indptr[u + 1]; k++) {
      if (isMember[u] && members[indices[k]] < MIN_MEMBERS_IN_AGGREGATES) continue;
      users.push(raw);
      items.push(ts.rawItem(indices[k]));
      ratings.push(values[k]);
    }
  }
  return Trainset.fromColumns({ users, items, ratings: Float32Array.from(ratings) }, ts.scale);
}

/**
 * The member's profile for the models: with `user` when their ratings are exactly what the
 * generation was trained on (the trained user answers), without it when anything changed since
 * (the algorithms fold the member in from their current ratings).
 */
export function memberProfile(ts: Trainset, ratings: readonly MemberRating[], rawUser: string): Profile {
  const p = ts.profileFromRaw(
    ratings.map((r) => ({ item: r.movieId, rating: r.rating })),
    rawUser,
  );
  // profileFromRaw compares the movies the trainset knows; a rating of a movie it does not know
  // is dropped from the profile but is still a change since training
  if (p.user !== undefined && p.items.length !== ratings.length) return { items: p.items, ratings: p.ratings };
  return p;
}

export interface Neighbour {
  item: number;
  sim: number;
  /** how many raters the two movies have in common */
  support: number;
}

/**
 * pearson_baseline between items, Surprise's formula: over the users who rated both,
 * Σ zᵢ zⱼ / √(Σ zᵢ² Σ zⱼ²) with z = r − (μ + b_u + b_i), shrunk by (n − 1) / (n − 1 + 100).
 * Hand-written loops over the CSR rows: this runs on every recommendation, so no per-pair objects.
 */
export class CoRating {
  private readonly ts: Trainset;
  /** residuals in byItem order */
  private readonly zItem: Float32Array;
  /** residuals in byUser order */
  private readonly zUser: Float32Array;
  /** scratch over users: residual of the anchor item's raters, NaN elsewhere */
  private readonly userZ: Float64Array;
  /** scratch over items for neighbours() */
  private readonly num: Float64Array;
  private readonly sqA: Float64Array;
  private readonly sqB: Float64Array;
  private readonly cnt: Int32Array;

  constructor(ts: Trainset) {
    this.ts = ts;
    const { bu, bi } = computeBaselines(ts);
    const mu = ts.globalMean;
    this.zItem = new Float32Array(ts.nRatings);
    this.zUser = new Float32Array(ts.nRatings);
    {
      const { indptr, indices, values } = ts.byItem;
      for (let i = 0; i < ts.nItems; i++) {
        for (let k = indptr[i]; k < indptr[i + 1]; k++) this.zItem[k] = values[k] - (mu + bu[indices[k]] + bi[i]);
      }
    }
    {
      const { indptr, indices, values } = ts.byUser;
      for (let u = 0; u < ts.nUsers; u++) {
        for (let k = indptr[u]; k < indptr[u + 1]; k++) this.zUser[k] = values[k] - (mu + bu[u] + bi[indices[k]]);
      }
    }
    this.userZ = new Float64Array(ts.nUsers).fill(NaN);
    this.num = new Float64Array(ts.nItems);
    this.sqA = new Float64Array(ts.nItems);
    this.sqB = new Float64Array(ts.nItems);
    this.cnt = new Int32Array(ts.nItems);
  }

  /** Similarity of `anchor` to each of `others` (inner ids), with their common-rater counts. */
  similarities(anchor: number, others: ArrayLike<number>): Neighbour[] {
    const { indptr, indices } = this.ts.byItem;
    const userZ = this.userZ;
    for (let k = indptr[anchor]; k < indptr[anchor + 1]; k++) userZ[indices[k]] = this.zItem[k];
    const out: Neighbour[] = [];
    for (let o = 0; o < others.length; o++) {
      const j = others[o];
      let num = 0;
      let sa = 0;
      let sb = 0;
      let n = 0;
      for (let k = indptr[j]; k < indptr[j + 1]; k++) {
        const za = userZ[indices[k]];
        if (za !== za) continue; // NaN: not a rater of the anchor
        const zb = this.zItem[k];
        num += za * zb;
        sa += za * za;
        sb += zb * zb;
        n++;
      }
      out.push({ item: j, sim: j === anchor ? 1 : shrunk(num, sa, sb, n), support: n });
    }
    for (let k = indptr[anchor]; k < indptr[anchor + 1]; k++) userZ[indices[k]] = NaN;
    return out;
  }

  /**
   * The `n` movies most similar to `item` among those sharing at least `minSupport` raters,
   * positive similarities only. Walks the item's raters and their ratings once: O(Σ degrees).
   */
  neighbours(item: number, n: number, minSupport = 5): Neighbour[] {
    const ts = this.ts;
    const { indptr: iPtr, indices: iIdx } = ts.byItem;
    const { indptr: uPtr, indices: uIdx } = ts.byUser;
    const { num, sqA, sqB, cnt } = this;
    const touched: number[] = [];
    for (let p = iPtr[item]; p < iPtr[item + 1]; p++) {
      const u = iIdx[p];
      const za = this.zItem[p];
      for (let q = uPtr[u]; q < uPtr[u + 1]; q++) {
        const j = uIdx[q];
        if (j === item) continue;
        const zb = this.zUser[q];
        if (cnt[j] === 0) touched.push(j);
        num[j] += za * zb;
        sqA[j] += za * za;
        sqB[j] += zb * zb;
        cnt[j]++;
      }
    }
    const out: Neighbour[] = [];
    for (const j of touched) {
      if (cnt[j] >= minSupport) {
        const sim = shrunk(num[j], sqA[j], sqB[j], cnt[j]);
        if (sim > 0) out.push({ item: j, sim, support: cnt[j] });
      }
      num[j] = sqA[j] = sqB[j] = 0;
      cnt[j] = 0;
    }
    out.sort((a, b) => b.sim - a.sim || b.support - a.support || a.item - b.item);
    return out.slice(0, n);
  }
}

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

/** "4.5" or "5": half stars as people write them. */
export function stars(r: number): string {
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

function shrunk(num: number, sa: number, sb: number, n: number): number {
  if (n < 2 || sa === 0 || sb === 0) return 0;
  return (num / Math.sqrt(sa * sb)) * ((n - 1) / (n - 1 + SHRINKAGE));
}

// ---- what the service says about its picks ---------------------------------------------------

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

export function normaliseImdb(id: string): string {
  const digits = id.replace(/^tt/i, '').replace(/^0+/, '');
  return digits;
}

/** The lowest-RMSE algorithm of an evaluation report (src/core/eval CrossValidationReport) the bot can serve. */
export function bestEvaluated(report: unknown): string | undefined {
  if (typeof report !== 'object' || report === null) return undefined;
  const r = report as { results?: unknown; rows?: unknown };
  const candidates: Array<{ algo: string; rmse: number }> = [];
  if (Array.isArray(r.results)) {
    for (const x of r.results as Array<{ algorithm?: unknown; metrics?: Record<string, { mean?: unknown }> }>) {
      const rmse = x.metrics?.RMSE?.mean ?? x.metrics?.rmse?.mean;
      if (typeof x.algorithm === 'string' && typeof rmse === 'number') candidates.push({ algo: x.algorithm, rmse });
    }
  } else if (Array.isArray(r.rows)) {
    for (const x of r.rows as Array<{ algo?: unknown; rmse?: unknown }>) {
      if (typeof x.algo === 'string' && typeof x.rmse === 'number') candidates.push({ algo: x.algo, rmse: x.rmse });
    }
  }
  candidates.sort((a, b) => a.rmse - b.rmse);
  let impersonal: string | undefined;
  for (const c of candidates) {
    let spec: string;
    try {
      spec = canonicalSpec(c.algo);
    } catch {
      continue; // an algorithm this build no longer knows
    }
    if (spec === 'normal' || spec === 'popular' || !Number.isFinite(c.rmse)) continue;
    // BaselineOnly's b_u shifts every item alike, so its top-n is the same for every member: it
    // often wins on RMSE, but it is the default only when no personal algorithm was evaluated
    if (spec.split(':')[0] === 'baseline') {
      impersonal ??= spec;
      continue;
    }
    return spec;
  }
  return impersonal;
}
