/**
 * The k-NN family, Surprise's KNNBasic, KNNWithMeans, KNNWithZScore and KNNBaseline, user- or
 * item-based.
 *
 * Notation as in Surprise: x is the entity similarities are computed between (users when
 * user_based, items otherwise) and y the other one. To estimate (u, i) the candidates are every x'
 * that rated y, in y's rating order; the k most similar are taken first (ties keep the earlier
 * candidate, as heapq.nlargest does), then those with similarity ≤ 0 are dropped. Positive
 * similarities always outrank the others, so that is the k strongest positive candidates.
 *
 * Each candidate contributes sim · term, where the term depends only on the rating (variant:
 * r, r − μ_x', (r − μ_x')/σ_x', r − b_x'y), so the terms of every trained rating are computed
 * once at fit time; the k-NN step is then the same for all four variants.
 *
 * Live members: item-based kNN uses the member's current ratings as the candidate list directly;
 * user-based kNN computes the member's similarity to every user from their ratings
 * (`similarityRowForProfile`); baselines fold the member's bias in (see foldInUserBias).
 *
 * Differences from Surprise: the neighbour sums run in candidate or heap order rather than in
 * descending-similarity order (floating-point summation order, ~1e-16); above about 4,000
 * entities similarities are float32 (see similarity.ts), which moves estimates by ~1e-7 and can
 * only change which neighbour is kept when two similarities differ by less than float32 rounding.
 *
 * At scale (more than 20,000 users or items, see neighbours.ts) the matrix is replaced by each
 * entity's K = 2k strongest positive similarities, computed by a sparse product pruned to a budget
 * of pair updates (each movie or member keeps its lightest raters). Estimates then differ from
 * Surprise where a neighbour outside those K would have been among the k used for an item, and,
 * beyond the budget, by the similarities' pruned supports; a live member's user-based
 * similarities are computed to at most 4,000 co-raters, rarest movies first. Below the threshold
 * the dense path, and Surprise parity, are unchanged.
 *
 * This module holds the model (fit, restore, one estimate, the member's query) and hands the
 * scoring of every movie to its parts: knn-step.ts (the k-NN step), knn-terms.ts (the variants'
 * terms), knn-dense.ts (item-based, packed triangle), knn-item-lists.ts and knn-user-lists.ts
 * (neighbour lists), knn-state.ts (snapshots).
 */
import {
  Algorithm,
  NotFittedError,
  ParamError,
  requireRatings,
  defineParams,
  resolveParams,
  type AlgorithmDescriptor,
  type Estimate,
  type ModelState,
  type ParamsOf,
  type SupportKind,
} from '../algorithm.ts';
import {
  applyMethodDefaults,
  BASELINE_PARAM_SPECS,
  baselineOptionsFrom,
  computeBaselines,
  foldInUserBias,
  type BaselineOptions,
} from '../baselines.ts';
import {
  computeSimilarities,
  SIMILARITY_PARAM_SPECS,
  similarityOptionsFrom,
  similarityRowForProfile,
  PackedTriangle,
  SimilarityMatrix,
  type SimilarityOptions,
} from '../similarity.ts';
import {
  computeNeighbourLists,
  memberSimilarityRow,
  MemberRowScratch,
  neighbourListOptions,
  NeighbourLists,
  type NeighbourListOptions,
} from '../neighbours.ts';
import type { Csr, Profile, Trainset } from '../trainset.ts';
import { scoreAllFromTriangle } from './knn-dense.ts';
import { ItemListScoring } from './knn-item-lists.ts';
import { savedSimilarities, stateArray, type SavedSimilarities } from './knn-state.ts';
import { knnSums, KnnStep } from './knn-step.ts';
import { populationStd, ratingTerm, rowMeans, rowSigmas, type KnnVariant, type TermStats } from './knn-terms.ts';
import { keepStrongest, UserListScoring } from './knn-user-lists.ts';

export { knnSums, NeighbourHeap } from './knn-step.ts';
export type { KnnVariant } from './knn-terms.ts';

export const UNKNOWN_REASON = 'User and/or item is unknown.';
export const NOT_ENOUGH_NEIGHBORS = 'Not enough neighbors.';

export const KNN_PARAM_SPECS = defineParams({
  k: { type: 'int', default: 40, min: 1, doc: 'maximum number of neighbours' },
  min_k: { type: 'int', default: 1, min: 1, doc: 'minimum number of neighbours (at most k)' },
  ...SIMILARITY_PARAM_SPECS,
  ...BASELINE_PARAM_SPECS,
});

export type KnnParams = ParamsOf<typeof KNN_PARAM_SPECS>;

/** What the query side contributes: the member's mean, spread and bias (user-based or baseline). */
interface QueryUser {
  mean: number;
  sigma: number;
  bias: number;
}

export class KnnAlgorithm extends Algorithm<KnnParams> {
  readonly name: string;
  readonly variant: KnnVariant;
  private readonly k: number;
  private readonly minK: number;
  private readonly simOpts: SimilarityOptions;
  private readonly bslOpts: BaselineOptions;

  private sim: SimilarityMatrix | undefined;
  /** above `lists.denseMaxEntities` entities: top-K lists instead of `sim` (see neighbours.ts) */
  private lists: NeighbourLists | undefined;
  private readonly listOpts: NeighbourListOptions;
  /** all zeros between uses: one scattered list row at a time */
  private scratchRow = new Float64Array(0);
  /** x-side means (users when user-based), for means and zscore */
  private means: Float64Array | undefined;
  /** x-side population std (0 replaced by the overall std), for zscore */
  private sigmas: Float64Array | undefined;
  private overallSigma = NaN;
  private bu: Float64Array | undefined;
  private bi: Float64Array | undefined;
  /** the term of every rating in the candidate lists (byItem when user-based, byUser otherwise) */
  private terms: Float64Array | undefined;

  private readonly step: KnnStep;
  /** lists mode, item-based: a member's scoring work space */
  private readonly itemLists = new ItemListScoring();
  /** lists mode, user-based: scoring from neighbours, made per trainset */
  private userLists: UserListScoring | undefined;
  /** lists mode, user-based: see memberRowScratch */
  private rowScratch: MemberRowScratch | undefined;
  private memberRow = new Float64Array(0);

  constructor(name: string, variant: KnnVariant, params: KnnParams, lists: Partial<NeighbourListOptions> = {}) {
    super(params);
    this.listOpts = neighbourListOptions(params.k, lists);
    this.name = name;
    this.variant = variant;
    this.k = params.k;
    this.minK = params.min_k;
    this.step = new KnnStep(this.k);
    this.simOpts = similarityOptionsFrom(params);
    this.bslOpts = baselineOptionsFrom(params);
  }

  get userBased(): boolean {
    return this.simOpts.userBased;
  }

  /** The fitted similarity matrix (over users when user-based, else items). */
  get similarities(): SimilarityMatrix {
    if (this.lists) throw new NotFittedError(`${this.name} keeps neighbour lists, not a matrix (over ${this.lists.n} entities)`);
    if (!this.sim) throw new NotFittedError(`${this.name} is not fitted: call fit(trainset) first`);
    return this.sim;
  }

  /** The fitted top-K neighbour lists, or undefined when the dense matrix is used. */
  get neighbourLists(): NeighbourLists | undefined {
    return this.lists;
  }

  private get needsBaselines(): boolean {
    return this.variant === 'baseline' || this.simOpts.name === 'pearson_baseline';
  }

  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    if (this.needsBaselines) {
      const b = computeBaselines(ts, this.bslOpts);
      this.bu = b.bu;
      this.bi = b.bi;
    } else {
      this.bu = this.bi = undefined;
    }
    this.means = this.sigmas = undefined;
    if (this.variant === 'means' || this.variant === 'zscore') {
      const xr = this.simOpts.userBased ? ts.byUser : ts.byItem;
      this.means = rowMeans(xr);
      if (this.variant === 'zscore') {
        this.overallSigma = populationStd(ts.byUser.values, ts.globalMean);
        this.sigmas = rowSigmas(xr, this.means, this.overallSigma);
      }
    }
    this.prepare(ts);
    return this;
  }

  /**
   * Similarities and per-rating terms from the learned arrays; shared by fit and restore. `saved`:
   * the similarities of a snapshot, used as they are instead of being computed again.
   */
  private prepare(ts: Trainset, saved?: SavedSimilarities): void {
    const baselines = this.bu && this.bi ? { bu: this.bu, bi: this.bi } : undefined;
    const nX = this.simOpts.userBased ? ts.nUsers : ts.nItems;
    const what = `${this.name} similarities`;
    if (nX > this.listOpts.denseMaxEntities) {
      this.sim = undefined;
      this.lists = saved?.lists ?? computeNeighbourLists(ts, this.simOpts, this.listOpts, baselines);
      this.scratchRow = new Float64Array(nX);
      // item-based scoring reads the lists turned around: made here, not by the first request
      if (!this.simOpts.userBased) this.lists.byNeighbour();
    } else {
      this.lists = undefined;
      this.sim = saved?.packed
        ? new SimilarityMatrix(new PackedTriangle(nX, what, saved.packed))
        : computeSimilarities(ts, this.simOpts, baselines);
    }
    this.terms = this.candidateTerms(ts);
    const yr = this.candidates(ts);
    let maxM = 1;
    for (let y = 0; y + 1 < yr.indptr.length; y++) maxM = Math.max(maxM, yr.indptr[y + 1] - yr.indptr[y]);
    this.step.ensure(maxM);
    this.userLists =
      this.lists && this.simOpts.userBased
        ? new UserListScoring(ts, this.terms, this.termStats, this.bu, this.bi)
        : undefined;
    this.ts = ts;
  }

  private candidates(ts: Trainset): Csr {
    return this.simOpts.userBased ? ts.byItem : ts.byUser;
  }

  private candidateTerms(ts: Trainset): Float64Array {
    const yr = this.candidates(ts);
    const out = new Float64Array(yr.indices.length);
    const nY = yr.indptr.length - 1;
    const ub = this.simOpts.userBased;
    const bx = ub ? this.bu : this.bi;
    const by = ub ? this.bi : this.bu;
    const mu = ts.globalMean;
    const stats = this.termStats;
    for (let y = 0; y < nY; y++) {
      for (let p = yr.indptr[y]; p < yr.indptr[y + 1]; p++) {
        const nb = yr.indices[p];
        out[p] = ratingTerm(stats, nb, yr.values[p], mu, bx, by === undefined ? 0 : by[y]);
      }
    }
    return out;
  }

  /** The contribution of neighbour nb's rating r, before weighting by similarity. */
  private get termStats(): TermStats {
    return { variant: this.variant, means: this.means, sigmas: this.sigmas };
  }

  /** Baseline of an unknown user and/or item: the parts that are known (KNNBaseline only). */
  private partialBaseline(u: number, i: number): number {
    const ts = this.trainset;
    let est = ts.globalMean;
    if (u >= 0 && u < ts.nUsers) est += (this.bu as Float64Array)[u];
    if (i >= 0 && i < ts.nItems) est += (this.bi as Float64Array)[i];
    return est;
  }

  estimate(u: number, i: number): Estimate {
    const ts = this.trainset;
    const known = u >= 0 && u < ts.nUsers && i >= 0 && i < ts.nItems;
    if (!known) {
      return this.variant === 'baseline' ? { value: this.partialBaseline(u, i) } : { impossible: UNKNOWN_REASON };
    }
    const user = this.trainedUser(u);
    const v = this.simOpts.userBased
      ? this.scoreUserBased(null, u, i, user)
      : this.scoreItemBased(i, ts.byUser.indices, this.terms as Float64Array, ts.byUser.indptr[u], ts.userDegree(u), user);
    return v === v ? { value: v } : { impossible: NOT_ENOUGH_NEIGHBORS };
  }

  estimateFor(p: Profile, i: number): Estimate {
    if (p.user !== undefined) return this.estimate(p.user, i);
    const ts = this.trainset;
    if (p.items.length === 0 || !(i >= 0 && i < ts.nItems)) return this.estimate(-1, i);
    const q = this.memberQuery(p);
    const v = this.simOpts.userBased
      ? this.scoreUserBased(q.row, -1, i, q.user)
      : this.scoreItemBased(i, p.items, q.terms, 0, p.items.length, q.user);
    return v === v ? { value: v } : { impossible: NOT_ENOUGH_NEIGHBORS };
  }

  scoreAll(p: Profile, out: Float64Array): void {
    this.scoreAllInto(p, out, null);
  }

  /** Support: the neighbours (among the k) each estimate was computed from, Surprise's actual_k. */
  override scoreAllWithSupport(p: Profile, out: Float64Array, support: Float64Array): SupportKind {
    this.scoreAllInto(p, out, support);
    return this.simOpts.userBased ? 'similar-members' : 'similar-movies';
  }

  private scoreAllInto(p: Profile, out: Float64Array, support: Float64Array | null): void {
    const ts = this.trainset;
    const n = ts.nItems;
    if (p.user === undefined && p.items.length === 0) {
      for (let i = 0; i < n; i++) out[i] = this.variant === 'baseline' ? this.partialBaseline(-1, i) : NaN;
      support?.fill(0, 0, n);
      return;
    }
    if (this.simOpts.userBased) {
      let row: Float64Array;
      let user: QueryUser;
      if (p.user !== undefined) {
        row = (this.lists ?? this.similarities).rowInto(p.user, new Float64Array(ts.nUsers));
        user = this.trainedUser(p.user);
      } else {
        const q = this.memberQuery(p);
        row = q.row;
        user = q.user;
      }
      if (this.userLists) {
        this.userLists.scoreAll(row, this.step, (i) => this.combine(i, user), out, support);
        return;
      }
      for (let i = 0; i < n; i++) {
        out[i] = this.scoreUserBased(row, -1, i, user);
        if (support) support[i] = this.step.sums[2];
      }
    } else if (this.lists) {
      // each movie's sorted list row walked to its k-th rated entry, see ItemListScoring
      let items: Int32Array;
      let terms: Float64Array;
      let user: QueryUser;
      if (p.user !== undefined) {
        const a = ts.byUser.indptr[p.user];
        const b = ts.byUser.indptr[p.user + 1];
        items = ts.byUser.indices.subarray(a, b);
        terms = (this.terms as Float64Array).subarray(a, b);
        user = this.trainedUser(p.user);
      } else {
        const q = this.memberQuery(p);
        items = p.items;
        terms = q.terms;
        user = q.user;
      }
      this.itemLists.scoreAll(this.lists, items, terms, this.step, (i) => this.combine(i, user), out, support);
    } else {
      if (p.user !== undefined) {
        const a = ts.byUser.indptr[p.user];
        const b = ts.byUser.indptr[p.user + 1];
        const terms = (this.terms as Float64Array).subarray(a, b);
        const user = this.trainedUser(p.user);
        const items = ts.byUser.indices.subarray(a, b);
        scoreAllFromTriangle(this.similarities.packed, items, terms, this.step, (i) => this.combine(i, user), out, support);
      } else {
        const q = this.memberQuery(p);
        scoreAllFromTriangle(this.similarities.packed, p.items, q.terms, this.step, (i) => this.combine(i, q.user), out, support);
      }
    }
  }

  private trainedUser(u: number): QueryUser {
    const ub = this.simOpts.userBased;
    return {
      mean: ub && this.means ? this.means[u] : NaN,
      sigma: ub && this.sigmas ? this.sigmas[u] : NaN,
      bias: this.bu ? this.bu[u] : 0,
    };
  }

  /**
   * Lists mode, user-based: the member row's work space, made once per trainset (see
   * MemberRowScratch), and the row itself, which a request reads before the next one writes it.
   */
  private memberRowScratch(ts: Trainset): MemberRowScratch {
    if (!this.rowScratch || this.rowScratch.nUsers !== ts.nUsers || this.rowScratch.nItems !== ts.nItems) {
      this.rowScratch = new MemberRowScratch(ts.nUsers, ts.nItems, this.simOpts.name);
      this.memberRow = new Float64Array(ts.nUsers);
    }
    return this.rowScratch;
  }

  /** Everything a member's query needs, computed once from their ratings. */
  private memberQuery(p: Profile): { user: QueryUser; row: Float64Array; terms: Float64Array } {
    const ts = this.trainset;
    const mu = ts.globalMean;
    const bias = this.bi ? foldInUserBias(p.items, p.ratings, this.bi, mu, this.bslOpts) : 0;
    let mean = NaN;
    let sigma = NaN;
    if (this.variant === 'means' || this.variant === 'zscore') {
      let s = 0;
      for (let k = 0; k < p.ratings.length; k++) s += p.ratings[k];
      mean = s / p.ratings.length;
      if (this.variant === 'zscore') {
        const sd = populationStd(p.ratings, mean);
        sigma = sd === 0 ? this.overallSigma : sd;
      }
    }
    const user: QueryUser = { mean, sigma, bias };
    if (this.simOpts.userBased) {
      const baselines = this.bu && this.bi ? { bu: this.bu, bi: this.bi, bMember: bias } : undefined;
      const scratch = this.lists ? this.memberRowScratch(ts) : undefined;
      const row = scratch
        ? keepStrongest(
            memberSimilarityRow(
              ts,
              this.simOpts,
              p.items,
              p.ratings,
              this.listOpts.maxMemberCandidates,
              baselines,
              this.memberRow,
              this.listOpts.maxMemberCandidateRatings,
              scratch,
            ),
            this.listOpts.listSize,
          )
        : similarityRowForProfile(ts, this.simOpts, p.items, p.ratings, baselines);
      return { user, row, terms: new Float64Array(0) };
    }
    // item-based: y is the member, so b_y is the folded-in bias
    const terms = new Float64Array(p.items.length);
    const stats = this.termStats;
    for (let c = 0; c < p.items.length; c++) terms[c] = ratingTerm(stats, p.items[c], p.ratings[c], mu, this.bi, bias);
    return { user, row: new Float64Array(0), terms };
  }

  /**
   * User-based: candidates are the raters of i. Similarities come from `row` (the querying user's
   * similarity to every user) or, when row is null, straight from the matrix row of trained user x.
   * Returns NaN when impossible.
   */
  private scoreUserBased(row: Float64Array | null, x: number, i: number, user: QueryUser): number {
    const ts = this.trainset;
    const { indptr, indices } = ts.byItem;
    const a = indptr[i];
    const m = indptr[i + 1] - a;
    const sims = this.step.sims;
    if (row) {
      for (let c = 0; c < m; c++) sims[c] = row[indices[a + c]];
    } else if (this.lists) {
      const scratch = this.scratchRow;
      this.lists.scatter(x, scratch);
      for (let c = 0; c < m; c++) sims[c] = scratch[indices[a + c]];
      this.lists.clear(x, scratch);
    } else {
      const { data, off } = (this.sim as SimilarityMatrix).packed;
      const ox = off[x];
      for (let c = 0; c < m; c++) {
        const nb = indices[a + c];
        sims[c] = nb > x ? data[ox + nb] : nb < x ? data[off[nb] + x] : 1;
      }
    }
    knnSums(m, sims, this.terms as Float64Array, a, this.step.iota, this.step.heap, this.step.sums);
    return this.combine(i, user);
  }

  /**
   * Item-based: candidates are the user's rated items items[at..at+m) with their terms at the same
   * positions of `terms` (the trained CSR and its terms, or a member's profile and theirs).
   */
  private scoreItemBased(
    i: number,
    items: Int32Array,
    terms: Float64Array,
    at: number,
    m: number,
    user: QueryUser,
  ): number {
    this.step.ensure(m);
    const sims = this.step.sims;
    if (this.lists) {
      const scratch = this.scratchRow;
      this.lists.scatter(i, scratch);
      for (let c = 0; c < m; c++) sims[c] = scratch[items[at + c]];
      this.lists.clear(i, scratch);
    } else {
      const { data, off } = (this.sim as SimilarityMatrix).packed;
      const oi = off[i];
      for (let c = 0; c < m; c++) {
        const j = items[at + c];
        sims[c] = j > i ? data[oi + j] : j < i ? data[off[j] + i] : 1;
      }
    }
    knnSums(m, sims, terms, at, this.step.iota, this.step.heap, this.step.sums);
    return this.combine(i, user);
  }

  /** The estimate from the neighbour sums; NaN when impossible (KNNBasic without enough neighbours). */
  private combine(i: number, user: QueryUser): number {
    const sums = this.step.sums;
    const enough = sums[2] >= this.minK;
    const ub = this.simOpts.userBased;
    switch (this.variant) {
      case 'basic':
        return enough ? sums[0] / sums[1] : NaN;
      case 'means': {
        const center = ub ? user.mean : (this.means as Float64Array)[i];
        return enough ? center + sums[0] / sums[1] : center;
      }
      case 'zscore': {
        const center = ub ? user.mean : (this.means as Float64Array)[i];
        const scale = ub ? user.sigma : (this.sigmas as Float64Array)[i];
        return enough ? center + (sums[0] / sums[1]) * scale : center;
      }
      case 'baseline': {
        const est = this.trainset.globalMean + user.bias + (this.bi as Float64Array)[i];
        return enough ? est + sums[0] / sums[1] : est;
      }
    }
  }

  /**
   * Learned arrays and the similarities (the packed triangle, or the neighbour lists). Recomputing
   * the similarities on restore was cheaper on disk (189 MB on ml-latest-small item-based), but
   * restore runs on the service's main thread: at ml-1m shape it held the event loop for 25 s
   * during a background retrain and made a restart from snapshots as slow as a first start
   * (bench/scale.ts). Copying saved arrays takes milliseconds.
   */
  state(): ModelState {
    const ts = this.trainset;
    const lists = this.lists;
    return {
      sim_packed: this.sim ? this.sim.packed.data : null,
      list_ptr: lists ? lists.ptr : null,
      list_nb: lists ? lists.nb : null,
      list_sim: lists ? lists.sim : null,
      algorithm: this.name,
      similarity: this.simOpts.name,
      user_based: this.simOpts.userBased,
      n_users: ts.nUsers,
      n_items: ts.nItems,
      bu: this.bu ?? null,
      bi: this.bi ?? null,
      means: this.means ?? null,
      sigmas: this.sigmas ?? null,
      overall_sigma: this.overallSigma,
    };
  }

  restore(ts: Trainset, state: ModelState): void {
    const who = `${this.name}: cannot restore state`;
    if (state.algorithm !== this.name) throw new ParamError(`${who} saved by "${String(state.algorithm)}"`);
    if (state.similarity !== this.simOpts.name || state.user_based !== this.simOpts.userBased) {
      throw new ParamError(
        `${who}: it was fitted with similarity ${String(state.similarity)}, user_based=${String(state.user_based)}; ` +
          `this model uses ${this.simOpts.name}, user_based=${this.simOpts.userBased}`,
      );
    }
    if (state.n_users !== ts.nUsers || state.n_items !== ts.nItems) {
      throw new ParamError(
        `${who}: it was fitted on ${String(state.n_users)} users × ${String(state.n_items)} items, ` +
          `the trainset has ${ts.nUsers} × ${ts.nItems}`,
      );
    }
    const nX = this.simOpts.userBased ? ts.nUsers : ts.nItems;
    const needsXStats = this.variant === 'means' || this.variant === 'zscore';
    this.bu = this.needsBaselines ? stateArray(state, 'bu', ts.nUsers, who) : undefined;
    this.bi = this.needsBaselines ? stateArray(state, 'bi', ts.nItems, who) : undefined;
    this.means = needsXStats ? stateArray(state, 'means', nX, who) : undefined;
    this.sigmas = this.variant === 'zscore' ? stateArray(state, 'sigmas', nX, who) : undefined;
    this.overallSigma = typeof state.overall_sigma === 'number' ? state.overall_sigma : NaN;
    this.prepare(ts, savedSimilarities(state, nX));
  }
}

/** Validates kNN parameters; min_k above k could never be met, so it is refused. */
export function resolveKnnParams(algo: string, given: Record<string, unknown> = {}): KnnParams {
  const params = applyMethodDefaults(resolveParams(algo, KNN_PARAM_SPECS, given), given);
  if (params.min_k > params.k) {
    throw new ParamError(`${algo}: parameter min_k (${params.min_k}) must be at most k (${params.k})`);
  }
  return params;
}

export class KNNBasic extends KnnAlgorithm {
  constructor(params: KnnParams = resolveKnnParams('knn-basic'), lists: Partial<NeighbourListOptions> = {}) {
    super('knn-basic', 'basic', params, lists);
  }
}

export class KNNWithMeans extends KnnAlgorithm {
  constructor(params: KnnParams = resolveKnnParams('knn-means'), lists: Partial<NeighbourListOptions> = {}) {
    super('knn-means', 'means', params, lists);
  }
}

export class KNNWithZScore extends KnnAlgorithm {
  constructor(params: KnnParams = resolveKnnParams('knn-zscore'), lists: Partial<NeighbourListOptions> = {}) {
    super('knn-zscore', 'zscore', params, lists);
  }
}

export class KNNBaseline extends KnnAlgorithm {
  constructor(params: KnnParams = resolveKnnParams('knn-baseline'), lists: Partial<NeighbourListOptions> = {}) {
    super('knn-baseline', 'baseline', params, lists);
  }
}

const SIM_DOC = 'sim_options flattened: name, user_based, min_support, shrinkage';
const BSL_DOC = 'bsl_options flattened: method, n_epochs, reg_i, reg_u, reg, learning_rate';

export const knnBasicDescriptor: AlgorithmDescriptor<KNNBasic> = {
  name: 'knn-basic',
  surpriseName: 'KNNBasic',
  description:
    `k-nearest neighbours, similarity-weighted average of the neighbours' ratings. ${SIM_DOC}; ` +
    `${BSL_DOC} (used by pearson_baseline).`,
  params: KNN_PARAM_SPECS,
  create: (given) => new KNNBasic(resolveKnnParams('knn-basic', given)),
};

export const knnMeansDescriptor: AlgorithmDescriptor<KNNWithMeans> = {
  name: 'knn-means',
  surpriseName: 'KNNWithMeans',
  description: `k-nearest neighbours on mean-centred ratings. ${SIM_DOC}; ${BSL_DOC} (used by pearson_baseline).`,
  params: KNN_PARAM_SPECS,
  create: (given) => new KNNWithMeans(resolveKnnParams('knn-means', given)),
};

export const knnZScoreDescriptor: AlgorithmDescriptor<KNNWithZScore> = {
  name: 'knn-zscore',
  surpriseName: 'KNNWithZScore',
  description: `k-nearest neighbours on z-score normalised ratings. ${SIM_DOC}; ${BSL_DOC} (used by pearson_baseline).`,
  params: KNN_PARAM_SPECS,
  create: (given) => new KNNWithZScore(resolveKnnParams('knn-zscore', given)),
};

export const knnBaselineDescriptor: AlgorithmDescriptor<KNNBaseline> = {
  name: 'knn-baseline',
  surpriseName: 'KNNBaseline',
  description: `k-nearest neighbours on residuals from the baseline μ + b_u + b_i. ${SIM_DOC}; ${BSL_DOC}.`,
  params: KNN_PARAM_SPECS,
  create: (given) => new KNNBaseline(resolveKnnParams('knn-baseline', given)),
};
