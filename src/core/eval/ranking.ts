/**
 * Top-N metrics. Two families:
 *
 * - On test predictions (a fold's true ratings and estimates, grouped per user): precision@k and
 *   recall@k as Surprise's FAQ defines them, NDCG@k and MAP@k.
 * - On top-N lists produced by `Algorithm.recommend` (leave-one-out protocol: one rating held
 *   out per user, top-N from the rest): hit rate, cumulative hit rate, average reciprocal hit
 *   rank, user coverage, catalog coverage, diversity and novelty.
 *
 * Every function states its exact definition and what it does with zero denominators.
 */
import type { Algorithm } from '../algorithm.ts';
import type { Trainset } from '../trainset.ts';
import { MetricError, checkAccuracyInput, groupByUser, type PredictionColumns } from './metrics.ts';

type RankInput = Pick<PredictionColumns, 'users' | 'rTrue' | 'est'>;

function checkRankInput(metric: string, p: RankInput, k: number): void {
  checkAccuracyInput(metric, p);
  if (p.users.length !== p.rTrue.length) {
    throw new MetricError(`${metric}: ${p.users.length} users but ${p.rTrue.length} predictions; they must pair up`);
  }
  if (!Number.isInteger(k) || k <= 0) throw new MetricError(`${metric}: k must be a whole number ≥ 1, got ${k}`);
}

function checkThreshold(metric: string, threshold: number): void {
  if (!Number.isFinite(threshold)) throw new MetricError(`${metric}: threshold must be a number, got ${threshold}`);
}

/**
 * Each user's prediction indices sorted by estimate, highest first. The sort is stable, so equal
 * estimates keep input order, as Python's `sort(reverse=True)` does in Surprise's FAQ code.
 */
function rankedPerUser(p: RankInput, visit: (ranked: number[], user: string) => void): number {
  const groups = groupByUser(p.users);
  const { start, order } = groups;
  const est = p.est;
  for (let g = 0; g < groups.users.length; g++) {
    const ranked = Array.from(order.subarray(start[g], start[g + 1]));
    ranked.sort((a, b) => est[b] - est[a] || a - b);
    visit(ranked, groups.users[g]);
  }
  return groups.users.length;
}

export interface PrecisionRecallResult {
  /** mean of the users' precision@k */
  precision: number;
  /** mean of the users' recall@k */
  recall: number;
  /** users averaged over (every user with at least one prediction) */
  users: number;
  perUser: { users: string[]; precision: Float64Array; recall: Float64Array };
}

/**
 * Precision@k and recall@k, Surprise's FAQ definition, averaged over users.
 *
 * For user u, rank u's predictions by estimate (highest first, ties in input order):
 * - relevant: true rating ≥ threshold;
 * - recommended: among the first k of that ranking AND estimate ≥ threshold;
 * - precision@k = |relevant ∩ recommended| / |recommended|, 0 when nothing is recommended;
 * - recall@k = |relevant ∩ recommended| / |relevant|, 0 when u has no relevant item.
 * Both are then averaged over every user who has predictions (users with a 0 included).
 */
export function precisionRecallAtK(p: RankInput, k = 10, threshold = 3.5): PrecisionRecallResult {
  checkRankInput('precision/recall@k', p, k);
  checkThreshold('precision/recall@k', threshold);
  const users: string[] = [];
  const prec: number[] = [];
  const rec: number[] = [];
  rankedPerUser(p, (ranked, user) => {
    let nRel = 0;
    for (const j of ranked) if (p.rTrue[j] >= threshold) nRel++;
    let nRec = 0;
    let nRelRec = 0;
    const top = Math.min(k, ranked.length);
    for (let x = 0; x < top; x++) {
      const j = ranked[x];
      if (p.est[j] >= threshold) {
        nRec++;
        if (p.rTrue[j] >= threshold) nRelRec++;
      }
    }
    users.push(user);
    prec.push(nRec > 0 ? nRelRec / nRec : 0);
    rec.push(nRel > 0 ? nRelRec / nRel : 0);
  });
  const precision = Float64Array.from(prec);
  const recall = Float64Array.from(rec);
  return { precision: mean(precision), recall: mean(recall), users: users.length, perUser: { users, precision, recall } };
}

export interface NdcgOptions {
  /**
   * 'graded' (default): the gain of an item is its true rating (needs ratings ≥ 0).
   * 'binary': gain 1 when the true rating ≥ threshold, else 0.
   */
  gain?: 'graded' | 'binary';
  threshold?: number;
}

/**
 * NDCG@k over each user's test predictions, averaged over users.
 *
 * Rank u's predictions by estimate (highest first, ties in input order); with g_j the gain of the
 * item at rank j (see `gain`), DCG@k = Σ_{j=1..min(k,n_u)} g_j / log2(j + 1). IDCG@k is the same
 * sum over u's items sorted by gain, the best order possible. NDCG_u = DCG/IDCG, and 0 when
 * IDCG = 0 (no item of u has any gain). NDCG@k = mean of NDCG_u over every user with predictions.
 */
export function ndcgAtK(p: RankInput, k = 10, opts: NdcgOptions = {}): { value: number; users: number } {
  checkRankInput('NDCG@k', p, k);
  const gainKind = opts.gain ?? 'graded';
  const threshold = opts.threshold ?? 3.5;
  checkThreshold('NDCG@k', threshold);
  const gainOf = (r: number): number => (gainKind === 'binary' ? (r >= threshold ? 1 : 0) : r);
  if (gainKind === 'graded') {
    for (let j = 0; j < p.rTrue.length; j++) {
      if (p.rTrue[j] < 0) {
        throw new MetricError(
          `NDCG@k with graded gain needs true ratings ≥ 0 (prediction ${j} has ${p.rTrue[j]}); use binary gain`,
        );
      }
    }
  }
  let sum = 0;
  const nUsers = rankedPerUser(p, (ranked) => {
    const top = Math.min(k, ranked.length);
    let dcg = 0;
    for (let x = 0; x < top; x++) dcg += gainOf(p.rTrue[ranked[x]]) / Math.log2(x + 2);
    const ideal = ranked.map((j) => gainOf(p.rTrue[j])).sort((a, b) => b - a);
    let idcg = 0;
    for (let x = 0; x < top; x++) idcg += ideal[x] / Math.log2(x + 2);
    sum += idcg > 0 ? dcg / idcg : 0;
  });
  return { value: sum / nUsers, users: nUsers };
}

/**
 * MAP@k (mean average precision) over each user's test predictions.
 *
 * Rank u's predictions by estimate (highest first, ties in input order); relevant = true rating
 * ≥ threshold; R_u = number of relevant predictions of u. AP@k_u = (1 / min(k, R_u)) ·
 * Σ_{j=1..min(k,n_u), item j relevant} precision@j, where precision@j is the share of relevant
 * items among the first j. AP@k_u = 0 when R_u = 0 (as recall@k). MAP@k = mean of AP@k_u over
 * every user with predictions. Unlike precision@k, no estimate threshold is applied: MAP judges
 * the order only.
 */
export function mapAtK(p: RankInput, k = 10, threshold = 3.5): { value: number; users: number } {
  checkRankInput('MAP@k', p, k);
  checkThreshold('MAP@k', threshold);
  let sum = 0;
  const nUsers = rankedPerUser(p, (ranked) => {
    let nRel = 0;
    for (const j of ranked) if (p.rTrue[j] >= threshold) nRel++;
    if (nRel === 0) return;
    const top = Math.min(k, ranked.length);
    let hits = 0;
    let ap = 0;
    for (let x = 0; x < top; x++) {
      if (p.rTrue[ranked[x]] >= threshold) {
        hits++;
        ap += hits / (x + 1);
      }
    }
    sum += ap / Math.min(k, nRel);
  });
  return { value: sum / nUsers, users: nUsers };
}

// ---------------------------------------------------------------------------------------------
// Leave-one-out top-N metrics

/** One rating held out of the trainset, per user. */
export interface HeldOut {
  user: string;
  item: string;
  rating: number;
}

export interface RankedItem {
  item: string;
  /** the estimate the list was ranked by (clipped to the scale) */
  score: number;
}

/** Each user's top-N list, best first. */
export type TopNLists = ReadonlyMap<string, readonly RankedItem[]>;

export interface RateResult {
  value: number;
  /** numerator: hits (or the sum of reciprocal ranks) */
  hits: number;
  /** denominator: held-out ratings considered */
  count: number;
}

function rankOf(list: readonly RankedItem[] | undefined, item: string): number {
  if (!list) return 0;
  for (let r = 0; r < list.length; r++) if (list[r].item === item) return r + 1;
  return 0;
}

function checkHeldOut(metric: string, leftOut: readonly HeldOut[]): void {
  if (leftOut.length === 0) throw new MetricError(`${metric}: no held-out rating to look for`);
}

/**
 * Hit rate: the share of held-out ratings whose item appears anywhere in that user's top-N list
 * (a user without a list counts as a miss). Denominator: all held-out ratings.
 */
export function hitRate(topN: TopNLists, leftOut: readonly HeldOut[]): RateResult {
  checkHeldOut('hit rate', leftOut);
  let hits = 0;
  for (const h of leftOut) if (rankOf(topN.get(h.user), h.item) > 0) hits++;
  return { value: hits / leftOut.length, hits, count: leftOut.length };
}

/**
 * Cumulative hit rate: hit rate restricted to held-out ratings ≥ threshold (items the user
 * liked). 0 with count 0 when no held-out rating reaches the threshold.
 */
export function cumulativeHitRate(topN: TopNLists, leftOut: readonly HeldOut[], threshold = 3.5): RateResult {
  checkHeldOut('cumulative hit rate', leftOut);
  checkThreshold('cumulative hit rate', threshold);
  let hits = 0;
  let count = 0;
  for (const h of leftOut) {
    if (h.rating < threshold) continue;
    count++;
    if (rankOf(topN.get(h.user), h.item) > 0) hits++;
  }
  return { value: count > 0 ? hits / count : 0, hits, count };
}

/**
 * Average reciprocal hit rank: mean over all held-out ratings of 1/rank, rank being the 1-based
 * position of the held-out item in the user's top-N list, and 0 for a miss.
 */
export function averageReciprocalHitRank(topN: TopNLists, leftOut: readonly HeldOut[]): RateResult {
  checkHeldOut('ARHR', leftOut);
  let sum = 0;
  for (const h of leftOut) {
    const r = rankOf(topN.get(h.user), h.item);
    if (r > 0) sum += 1 / r;
  }
  return { value: sum / leftOut.length, hits: sum, count: leftOut.length };
}

/**
 * User coverage: the share of `nUsers` users whose top-N list holds at least one item with a
 * predicted score ≥ threshold (a "good" recommendation).
 */
export function userCoverage(topN: TopNLists, nUsers: number, threshold = 3.5): RateResult {
  if (!Number.isInteger(nUsers) || nUsers <= 0) throw new MetricError(`user coverage: nUsers must be ≥ 1, got ${nUsers}`);
  checkThreshold('user coverage', threshold);
  let hits = 0;
  for (const list of topN.values()) if (list.some((r) => r.score >= threshold)) hits++;
  return { value: hits / nUsers, hits, count: nUsers };
}

/** Catalog coverage: distinct items recommended to anyone, over the catalog size. */
export function catalogCoverage(topN: TopNLists, catalogSize: number): RateResult {
  if (!Number.isInteger(catalogSize) || catalogSize <= 0) {
    throw new MetricError(`catalog coverage: catalog size must be ≥ 1, got ${catalogSize}`);
  }
  const seen = new Set<string>();
  for (const list of topN.values()) for (const r of list) seen.add(r.item);
  return { value: seen.size / catalogSize, hits: seen.size, count: catalogSize };
}

/** A similarity in [0, 1] (or [−1, 1]) between two items, by raw id. */
export type ItemSimilarity = (a: string, b: string) => number;

/**
 * Diversity = 1 − mean pairwise similarity inside the lists. For each list with at least two
 * items, the mean of sim(a, b) over its unordered pairs; those means are averaged over the
 * lists (each user weighs the same). Throws when no list has two items.
 */
export function diversity(topN: TopNLists, sim: ItemSimilarity): { value: number; lists: number } {
  let sum = 0;
  let lists = 0;
  for (const list of topN.values()) {
    if (list.length < 2) continue;
    let s = 0;
    let pairs = 0;
    for (let a = 0; a < list.length; a++) {
      for (let b = a + 1; b < list.length; b++) {
        const v = sim(list[a].item, list[b].item);
        if (!Number.isFinite(v)) {
          throw new MetricError(`diversity: similarity of ${list[a].item} and ${list[b].item} is not a number (${v})`);
        }
        s += v;
        pairs++;
      }
    }
    sum += s / pairs;
    lists++;
  }
  if (lists === 0) throw new MetricError('diversity: no top-N list has two items, so there is no pair to compare');
  return { value: 1 - sum / lists, lists };
}

/**
 * Novelty = mean popularity rank of every recommended item (all lists pooled), where rank 1 is
 * the most-rated item (see `popularityRanks`). Higher means less mainstream recommendations.
 */
export function novelty(topN: TopNLists, ranks: ReadonlyMap<string, number>): { value: number; items: number } {
  let sum = 0;
  let n = 0;
  for (const list of topN.values()) {
    for (const r of list) {
      const rank = ranks.get(r.item);
      if (rank === undefined) throw new MetricError(`novelty: item ${r.item} has no popularity rank`);
      sum += rank;
      n++;
    }
  }
  if (n === 0) throw new MetricError('novelty: no item was recommended');
  return { value: sum / n, items: n };
}

/**
 * Popularity rank of every item: 1 = most ratings; equal counts are ordered by first appearance
 * (so ranks are a deterministic permutation of 1..m).
 */
export function popularityRanks(items: ArrayLike<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (let k = 0; k < items.length; k++) counts.set(items[k], (counts.get(items[k]) ?? 0) + 1);
  const order = [...counts.entries()].map(([item, count], pos) => ({ item, count, pos }));
  order.sort((a, b) => b.count - a.count || a.pos - b.pos);
  const ranks = new Map<string, number>();
  order.forEach((e, r) => ranks.set(e.item, r + 1));
  return ranks;
}

/**
 * Item–item cosine similarity on the trainset's ratings, Surprise's `cosine` over the common
 * support: Σ r_ua·r_ub / sqrt(Σ r_ua² · Σ r_ub²), sums over users who rated both; 0 when no
 * user rated both or an item is unknown. Computed per pair on demand from per-item user lists
 * sorted once (a dense matrix would cost nItems² memory for the few pairs diversity needs).
 */
export function itemCosineSimilarity(ts: Trainset): ItemSimilarity {
  const { indptr, indices, values } = ts.byItem;
  const users = new Int32Array(indices.length);
  const vals = new Float64Array(indices.length);
  for (let i = 0; i < ts.nItems; i++) {
    const a = indptr[i];
    const b = indptr[i + 1];
    const perm = Array.from({ length: b - a }, (_, x) => a + x).sort((x, y) => indices[x] - indices[y]);
    for (let x = 0; x < perm.length; x++) {
      users[a + x] = indices[perm[x]];
      vals[a + x] = values[perm[x]];
    }
  }
  return (rawA, rawB) => {
    const i = ts.innerItem(rawA);
    const j = ts.innerItem(rawB);
    if (i === undefined || j === undefined) return 0;
    if (i === j) return 1;
    // merge of two sorted user lists: the hot loop of diversity, hence typed arrays
    let x = indptr[i];
    const xe = indptr[i + 1];
    let y = indptr[j];
    const ye = indptr[j + 1];
    let prod = 0;
    let sa = 0;
    let sb = 0;
    while (x < xe && y < ye) {
      const ux = users[x];
      const uy = users[y];
      if (ux < uy) x++;
      else if (ux > uy) y++;
      else {
        prod += vals[x] * vals[y];
        sa += vals[x] * vals[x];
        sb += vals[y] * vals[y];
        x++;
        y++;
      }
    }
    const den = Math.sqrt(sa * sb);
    return den > 0 ? prod / den : 0;
  };
}

/**
 * Top-N lists for trained users via `Algorithm.recommend` (items the user rated in training are
 * skipped). `users` are inner ids; the default is every trained user.
 */
export function topNLists(
  algo: Pick<Algorithm, 'recommend'>,
  ts: Trainset,
  n: number,
  users?: Iterable<number>,
): Map<string, RankedItem[]> {
  if (!Number.isInteger(n) || n <= 0) throw new MetricError(`top-N: n must be a whole number ≥ 1, got ${n}`);
  const out = new Map<string, RankedItem[]>();
  const list = users ?? Array.from({ length: ts.nUsers }, (_, u) => u);
  for (const u of list) {
    const recs = algo.recommend(ts.profileOf(u), n);
    out.set(
      ts.rawUser(u),
      recs.map((r) => ({ item: ts.rawItem(r.item), score: r.score })),
    );
  }
  return out;
}

function mean(a: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k];
  return s / a.length;
}
