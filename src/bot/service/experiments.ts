/**
 * Interleaved experiments: while one runs, a member's default /recommend list is a team-draft
 * interleaving (core/interleave.ts) of algorithm A's and B's lists, both from the same serving
 * path /recommend uses, and every movie remembers its team. Outcomes are the positive reactions
 * credited to each team per list (store), aggregated per member and decided by the sign test
 * with a bootstrap interval (core/eval/significance.ts). One experiment at a time, kept in
 * SQLite, so it survives a restart; a stopped one keeps its report (aggregates only: no member's
 * reactions are ever shown).
 */
import { teamDraft } from '../../core/interleave.ts';
import { decide, type ListOutcome } from '../../core/eval/significance.ts';
import type { Experiment, Member, Store } from '../../store/api.ts';
import { UserFacingError } from '../errors.ts';
import type { ExperimentStatus, ExperimentSummary, RecommendResult, RecommendedMovie } from '../service-api.ts';
import { LIKE_WINDOW_MS, type Feedback } from './feedback.ts';

/** The list size of an experiment when the admin gives none (the /recommend default). */
export const DEFAULT_EXPERIMENT_LIST = 10;
/** The sign test's level for naming a winner. */
export const EXPERIMENT_ALPHA = 0.05;

/** A point of an experiment's running preference: after `lists` lists, winsA / (winsA + winsB) − ½. */
export interface PreferencePoint {
  lists: number;
  preference: number;
}

/**
 * Draws the running preference as a PNG. Injected (src/cli/start.ts passes the evaluation wing's
 * vega-lite renderer, loaded on first use) so the service imports nothing above it; without one,
 * status and stop answer without a chart.
 */
export type PreferenceChartRenderer = (points: readonly PreferencePoint[], a: string, b: string) => Promise<Uint8Array>;

export class Experiments {
  private readonly store: Store;
  private readonly feedback: Feedback;
  private readonly random: () => number;
  private readonly chart: PreferenceChartRenderer | undefined;
  private cached: { exp: Experiment | undefined } | undefined;

  constructor(store: Store, feedback: Feedback, random: () => number, chart?: PreferenceChartRenderer) {
    this.store = store;
    this.feedback = feedback;
    this.random = random;
    this.chart = chart;
  }

  running(): Experiment | undefined {
    return (this.cached ??= { exp: this.store.feedback.runningExperiment() }).exp;
  }

  start(e: { a: string; b: string; listSize?: number; startedBy: string }, known: readonly string[]): ExperimentSummary {
    for (const algo of [e.a, e.b]) {
      if (!known.includes(algo)) throw new UserFacingError(`I don't know the algorithm ${algo}; choose from ${known.join(', ')}.`);
    }
    const running = this.running();
    if (running) throw new UserFacingError(`Experiment ${running.id} (${running.a} vs ${running.b}) is still running: /experiment stop first.`);
    this.cached = undefined;
    const exp = this.store.feedback.startExperiment({ a: e.a, b: e.b, listSize: e.listSize ?? DEFAULT_EXPERIMENT_LIST, startedBy: e.startedBy });
    this.cached = { exp };
    return this.summarise(exp).summary;
  }

  /**
   * The interleaved list for `member`, or undefined when this answer cannot be part of the
   * experiment (either side answers from the cold start or from a stand-in while it trains: its
   * picks would credit the wrong algorithm).
   */
  interleave(member: Member, n: number, rank: (algo: string, n: number) => RecommendResult): RecommendResult | undefined {
    const exp = this.running();
    if (!exp) return undefined;
    const a = rank(exp.a, n);
    const b = rank(exp.b, n);
    if (a.coldStart || b.coldStart || a.algo !== exp.a || b.algo !== exp.b) return undefined;
    const byId = new Map<string, RecommendedMovie>();
    for (const r of [...a.items, ...b.items]) if (!byId.has(r.movie.movieId)) byId.set(r.movie.movieId, r);
    const picks = teamDraft(
      a.items.map((r) => r.movie.movieId),
      b.items.map((r) => r.movie.movieId),
      n,
      () => this.random() < 0.5,
    );
    const items = picks.map((p) => ({ ...byId.get(p.id)!, score: Number.NaN }));
    const listId = this.feedback.record(
      member,
      'recommend',
      `experiment:${exp.id}`,
      picks.map((p) => ({ movieId: p.id, algo: p.team === 'a' ? exp.a : exp.b, team: p.team })),
      exp.id,
    );
    // scores of two algorithms are not on one scale: the list shows none
    return { algo: `${exp.a} + ${exp.b}, interleaved`, items, scoreKind: 'match', ...(listId ? { listId } : {}) };
  }

  async status(): Promise<ExperimentStatus | undefined> {
    const exp = this.running();
    if (!exp) return undefined;
    const { summary, points } = this.summarise(exp);
    return { ...summary, chartPng: await this.chart?.(points, exp.a, exp.b) };
  }

  async stop(): Promise<ExperimentStatus> {
    const exp = this.running();
    if (!exp) throw new UserFacingError('No experiment is running. Start one with /experiment start a:<algo> b:<algo>.');
    const { summary, points } = this.summarise(exp);
    this.cached = undefined;
    const stopped = this.store.feedback.stopExperiment(exp.id, summary);
    this.cached = { exp: undefined };
    return { ...summary, stoppedAt: stopped.stoppedAt, chartPng: await this.chart?.(points, exp.a, exp.b) };
  }

  history(): ExperimentSummary[] {
    return this.store.feedback.experiments().map((e) => (e.stoppedAt !== null && isSummary(e.report) ? { ...e.report, stoppedAt: e.stoppedAt } : this.summarise(e).summary));
  }

  /** The experiment's verdict so far and its running preference after each list. */
  summarise(exp: Experiment): { summary: ExperimentSummary; points: PreferencePoint[] } {
    const credits = this.store.feedback.experimentCredits(exp.id, LIKE_WINDOW_MS);
    const outcomes: ListOutcome[] = credits.map((c) => ({ member: c.memberId, a: c.a, b: c.b }));
    const verdict = decide(outcomes, { alpha: EXPERIMENT_ALPHA, seed: exp.id });
    const points = runningPreference(outcomes);
    const members = new Set(outcomes.map((o) => o.member)).size;
    return {
      summary: {
        id: exp.id,
        a: exp.a,
        b: exp.b,
        listSize: exp.listSize,
        startedBy: exp.startedBy,
        startedAt: exp.startedAt,
        stoppedAt: exp.stoppedAt,
        listsShown: outcomes.length,
        listsWithPreference: outcomes.filter((o) => o.a !== o.b).length,
        members,
        winsA: verdict.winsA,
        winsB: verdict.winsB,
        ties: verdict.ties,
        p: verdict.p,
        preference: verdict.preference,
        interval: verdict.interval,
        winner: verdict.winner === 'a' ? exp.a : verdict.winner === 'b' ? exp.b : null,
        alpha: EXPERIMENT_ALPHA,
      },
      points,
    };
  }
}

/** After each list, the share of members with a preference who prefer A, minus ½. */
export function runningPreference(outcomes: readonly ListOutcome[]): PreferencePoint[] {
  const net = new Map<number, number>();
  let winsA = 0;
  let winsB = 0;
  const points: PreferencePoint[] = [];
  outcomes.forEach((o, k) => {
    const before = net.get(o.member) ?? 0;
    const after = before + o.a - o.b;
    net.set(o.member, after);
    winsA += (after > 0 ? 1 : 0) - (before > 0 ? 1 : 0);
    winsB += (after < 0 ? 1 : 0) - (before < 0 ? 1 : 0);
    points.push({ lists: k + 1, preference: winsA + winsB > 0 ? winsA / (winsA + winsB) - 0.5 : 0 });
  });
  return points;
}

function isSummary(x: unknown): x is ExperimentSummary {
  return typeof x === 'object' && x !== null && typeof (x as ExperimentSummary).listsShown === 'number';
}
