/**
 * The one rule for the default `/recommend` algorithm, shown to members by /recommend, /help and
 * the /evaluate reply: the personal algorithm with the best HR@10 on the top-N yardstick
 * (core/eval/topn.ts, which ranks exactly what /recommend serves) in the last /evaluate, provided
 * it beats the popularity chart; else ease.
 *
 * Why top-N and not RMSE: members see a list, not an error. On ml-latest-small (leave-one-out,
 * movies with ≥ 5 ratings) ease reaches HR@10 0.257, ials 0.236, item-knn 0.167, the chart 0.074,
 * while the lowest-RMSE predictors rank at or below the chart (svd 0.067, knn-user 0.067 shrunk;
 * 0.026 and 0.000 unshrunk); ml-100k: ease 0.337, chart 0.094.
 */
import { canonicalSpec } from './algorithm-names.ts';

/** The default before any top-N /evaluate: the best measured on the shipped dataset (see above). */
export const FALLBACK_DEFAULT = 'ease';

/** Why the fallback is the default, with the numbers it rests on. */
const FALLBACK_WHY =
  `${FALLBACK_DEFAULT} is the best on the top-N yardstick measured on ml-latest-small ` +
  `(HR@10 0.257, the popularity chart 0.074)`;

export interface DefaultChoice {
  algo: string;
  why: string;
}

/** An evaluated algorithm's top-N score, from a saved report. */
interface Scored {
  algo: string;
  hitRate: number;
}

/** The chart: the floor every personal algorithm has to clear. */
const FLOOR = 'popular';

/**
 * The rule applied to the last saved evaluation report (a core/eval TopNReport); `report`
 * undefined = no evaluation yet. A rating-error report (RMSE, from before the yardstick) says
 * nothing about lists, so it leaves the fallback.
 */
export function defaultAlgorithmFrom(report: unknown): DefaultChoice {
  if (report === undefined || report === null) return { algo: FALLBACK_DEFAULT, why: `no /evaluate has been run yet; ${FALLBACK_WHY}` };
  const scored = scoresOf(report);
  if (scored === undefined) {
    return { algo: FALLBACK_DEFAULT, why: `the last /evaluate measured rating error only, which does not rank lists; ${FALLBACK_WHY}` };
  }
  const floor = scored.find((s) => s.algo === FLOOR)?.hitRate;
  const best = bestEvaluated(report);
  const floorText = floor === undefined ? '' : `, the popularity chart ${floor.toFixed(3)}`;
  if (best === undefined) {
    return {
      algo: FALLBACK_DEFAULT,
      why: `no personal algorithm in the last /evaluate beat the popularity chart on HR@10${floorText}; ${FALLBACK_WHY}`,
    };
  }
  const hit = scored.find((s) => safeSpec(s.algo) === best)!.hitRate;
  return { algo: best, why: `${best} had the best HR@10 in the last /evaluate (${hit.toFixed(3)}${floorText})` };
}

/**
 * The best-HR@10 algorithm of a top-N report that the bot can serve as a personal default and
 * that beats the chart; undefined when there is none (or the report is no top-N report).
 */
export function bestEvaluated(report: unknown): string | undefined {
  const scored = scoresOf(report);
  if (scored === undefined) return undefined;
  const floor = scored.find((s) => s.algo === FLOOR)?.hitRate ?? 0;
  for (const s of scored) {
    const spec = safeSpec(s.algo);
    if (spec === undefined) continue; // an algorithm this build no longer knows
    const name = spec.split(':')[0];
    // the chart and BaselineOnly (its b_u shifts every movie alike) give everyone the same list
    if (name === FLOOR || name === 'normal' || name === 'baseline') continue;
    // never offer as default an algorithm that does no better than the chart
    if (!(s.hitRate > floor)) return undefined;
    return spec;
  }
  return undefined;
}

/** The report's algorithms with their HR@n, best first; undefined when it is not a top-N report. */
function scoresOf(report: unknown): Scored[] | undefined {
  if (typeof report !== 'object' || report === null) return undefined;
  const r = report as { results?: unknown; protocol?: unknown };
  if (typeof r.protocol !== 'string' || !Array.isArray(r.results)) return undefined;
  const scored: Scored[] = [];
  for (const x of r.results as Array<{ algorithm?: unknown; hitRate?: { mean?: unknown } }>) {
    const hitRate = x.hitRate?.mean;
    if (typeof x.algorithm === 'string' && typeof hitRate === 'number' && Number.isFinite(hitRate)) scored.push({ algo: x.algorithm, hitRate });
  }
  return scored.sort((a, b) => b.hitRate - a.hitRate);
}

function safeSpec(algo: string): string | undefined {
  try {
    return canonicalSpec(algo);
  } catch {
    return undefined;
  }
}
