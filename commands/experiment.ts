/**
 * /experiment start a:<algo> b:<algo> [n] | status | stop | history (admins): an interleaved
 * experiment. While one runs, members' default /recommend lists mix A's and B's picks
 * (team-draft interleaving) and their reactions decide which they prefer. Reports show
 * aggregates only.
 */
import { defineCommand } from '../src/bot/command.ts';
import { UsageError } from '../src/bot/errors.ts';
import type { Reply, ReplyField } from '../src/bot/reply.ts';
import type { ExperimentStatus, ExperimentSummary } from '../src/bot/service-api.ts';
import { day } from './_shared.ts';

const algoOption = (name: 'a' | 'b', which: string) =>
  ({
    name,
    description: `algorithm ${which} (start only)`,
    type: 'string',
    accepts: 'algorithms',
    parametersRefused: 'experiments compare algorithms as the bot serves them, without parameters.',
    autocomplete: true,
  }) as const;

function pct(x: number): string {
  return `${(x * 100).toFixed(1)} %`;
}

/** The verdict in words: who leads, how sure, and over how many members. */
export function summaryFields(s: ExperimentSummary): ReplyField[] {
  const verdict =
    s.winner === null
      ? `no winner yet at α = ${s.alpha} (p = ${s.p.toFixed(3)})`
      : `members prefer **${s.winner}** (p = ${s.p < 0.001 ? s.p.toExponential(1) : s.p.toFixed(3)})`;
  return [
    { name: 'Verdict', value: verdict },
    { name: 'Lists shown', value: `${s.listsShown} to ${s.members} members; ${s.listsWithPreference} with a preference`, inline: true },
    { name: 'Members preferring', value: `${s.a}: ${s.winsA} · ${s.b}: ${s.winsB} · neither: ${s.ties}`, inline: true },
    {
      name: `Preference for ${s.a}`,
      value: `${s.preference >= 0 ? '+' : ''}${pct(s.preference)} (95 % interval ${pct(s.interval.lo)} to ${pct(s.interval.hi)})`,
    },
  ];
}

function statusReply(title: string, s: ExperimentStatus, footer?: string): Reply {
  return {
    title,
    fields: summaryFields(s),
    image: s.chartPng ? { png: s.chartPng, alt: `Running preference for ${s.a} over ${s.b}`, filename: `experiment-${s.id}.png` } : undefined,
    footer,
  };
}

export const command = defineCommand({
  name: 'experiment',
  description: 'Interleaved experiment: which of two algorithms members like more (admins)',
  adminOnly: true,
  options: [
    {
      name: 'action',
      description: 'start, status, stop or history',
      type: 'string',
      required: true,
      choices: ['start', 'status', 'stop', 'history'].map((v) => ({ name: v, value: v })),
    },
    algoOption('a', 'A'),
    algoOption('b', 'B'),
    { name: 'n', description: 'movies per list while it runs (start only)', type: 'integer', min: 2, max: 25, default: 10 },
  ],
  writes: true,
  examples: ['/experiment start a:ease b:popular', '/experiment status', '/experiment stop', '/experiment history'],
  async run(ctx, opts): Promise<Reply> {
    const { service } = ctx;
    switch (opts.action) {
      case 'start': {
        if (opts.a === undefined || opts.b === undefined) throw new UsageError('Starting an experiment needs both algorithms: a:<algo> b:<algo>.');
        const s = service.startExperiment({ a: opts.a, b: opts.b, listSize: opts.n, startedBy: ctx.member.displayName ?? ctx.userId });
        return {
          title: `Experiment ${s.id} started: ${s.a} vs ${s.b}`,
          text: `Members' /recommend lists now interleave ${s.a} and ${s.b}; their 👍 and ratings decide. /experiment status shows how it goes.`,
        };
      }
      case 'status': {
        const s = await service.experimentStatus();
        const rates = service.likeRates();
        const rateText = rates.length ? rates.map((r) => `${r.algo}: ${pct(r.rate)} of ${r.shown} shown`).join('\n') : 'no lists shown yet';
        if (!s) return { title: 'No experiment is running', fields: [{ name: 'Like rates by algorithm', value: rateText }] };
        return statusReply(`Experiment ${s.id}: ${s.a} vs ${s.b}, running since ${day(s.startedAt)}`, s);
      }
      case 'stop': {
        const s = await service.stopExperiment();
        return statusReply(`Experiment ${s.id} stopped: ${s.a} vs ${s.b}`, s, 'The report is kept: /experiment history.');
      }
      default: {
        const all = service.experimentHistory();
        if (all.length === 0) return { text: 'No experiments yet. Start one with /experiment start a:<algo> b:<algo>.' };
        return {
          title: 'Experiments',
          table: {
            columns: ['#', 'A vs B', 'from', 'to', 'lists', 'members A:B:tie', 'p', 'winner'],
            rows: all.map((s) => [
              String(s.id),
              `${s.a} vs ${s.b}`,
              day(s.startedAt),
              s.stoppedAt === null ? 'running' : day(s.stoppedAt),
              String(s.listsShown),
              `${s.winsA}:${s.winsB}:${s.ties}`,
              s.p.toFixed(3),
              s.winner ?? '—',
            ]),
          },
        };
      }
    }
  },
});
