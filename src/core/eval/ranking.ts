/**
 * Ranking metrics on test predictions (a fold's true ratings and estimates, grouped per user):
 * precision@k and recall@k as Surprise's FAQ defines them, NDCG@k and MAP@k. Full-catalogue
 * top-N lists are measured by the yardstick (topn.ts, topn-metrics.ts).
 *
 * Every function states its exact definition and what it does with zero denominators.
 */
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

function mean(a: Float64Array): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k];
  return s / a.length;
}
