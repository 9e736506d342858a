/**
 * The one rule for the default `/recommend` algorithm, shown to members by /recommend, /help and
 * the /evaluate reply: the personal algorithm with the lowest RMSE in the last evaluation, else
 * svd. A change of rule (e.g. "best on the top-N yardstick") is a change of this file only.
 */
import { canonicalSpec } from './algorithm-names.ts';

/** The default before any evaluation (and when none of the evaluated ones can be served). */
export const FALLBACK_DEFAULT = 'svd';

export interface DefaultChoice {
  algo: string;
  why: string;
}

/** An evaluated algorithm's score, from a saved report. */
interface Scored {
  algo: string;
  rmse: number;
}

/**
 * The rule applied to the last saved evaluation report (src/core/eval CrossValidationReport, or
 * an older { rows } shape); `report` undefined = no evaluation yet.
 */
export function defaultAlgorithmFrom(report: unknown): DefaultChoice {
  const scored = scoresOf(report);
  if (scored === undefined) return { algo: FALLBACK_DEFAULT, why: `no /evaluate has been run yet, so ${FALLBACK_DEFAULT}` };
  const best = bestEvaluated(report);
  if (best === undefined) {
    return { algo: FALLBACK_DEFAULT, why: `the last /evaluate has no algorithm /recommend can serve, so ${FALLBACK_DEFAULT}` };
  }
  const rmse = scored.find((s) => safeSpec(s.algo) === best)?.rmse;
  const lowest = scored.find((s) => Number.isFinite(s.rmse));
  const atRmse = rmse === undefined ? '' : ` (RMSE ${rmse.toFixed(4)})`;
  const lowestSpec = lowest ? safeSpec(lowest.algo) : undefined;
  if (lowest && lowestSpec !== best && lowestSpec?.split(':')[0] === 'baseline') {
    return {
      algo: best,
      why:
        `${best} had the lowest RMSE of the personal algorithms in the last /evaluate${atRmse}; ` +
        `${lowest.algo} scored lower (${lowest.rmse.toFixed(4)}) but ranks every movie alike for everyone`,
    };
  }
  if (best.split(':')[0] === 'baseline') {
    return { algo: best, why: `no personal algorithm was in the last /evaluate, so ${best}, which had the lowest RMSE${atRmse}` };
  }
  return { algo: best, why: `${best} had the lowest RMSE in the last /evaluate${atRmse}` };
}

/** The lowest-RMSE algorithm of an evaluation report the bot can serve. */
export function bestEvaluated(report: unknown): string | undefined {
  let impersonal: string | undefined;
  for (const c of scoresOf(report) ?? []) {
    const spec = safeSpec(c.algo);
    if (spec === undefined) continue; // an algorithm this build no longer knows
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

/** The report's algorithms with their RMSE, lowest first; undefined when it is not a report. */
function scoresOf(report: unknown): Scored[] | undefined {
  if (typeof report !== 'object' || report === null) return undefined;
  const r = report as { results?: unknown; rows?: unknown };
  const candidates: Scored[] = [];
  if (Array.isArray(r.results)) {
    for (const x of r.results as Array<{ algorithm?: unknown; metrics?: Record<string, { mean?: unknown }> }>) {
      const rmse = x.metrics?.RMSE?.mean ?? x.metrics?.rmse?.mean;
      if (typeof x.algorithm === 'string' && typeof rmse === 'number') candidates.push({ algo: x.algorithm, rmse });
    }
  } else if (Array.isArray(r.rows)) {
    for (const x of r.rows as Array<{ algo?: unknown; rmse?: unknown }>) {
      if (typeof x.algo === 'string' && typeof x.rmse === 'number') candidates.push({ algo: x.algo, rmse: x.rmse });
    }
  } else return undefined;
  return candidates.sort((a, b) => a.rmse - b.rmse);
}

function safeSpec(algo: string): string | undefined {
  try {
    return canonicalSpec(algo);
  } catch {
    return undefined;
  }
}
