/**
 * /evaluate [algos] [protocol] [folds]: the top-N yardstick over the recommenders (admins only;
 * runs in a worker); the best above the chart becomes the default /recommend. Leave-one-out by
 * default; `protocol` picks another way of holding ratings out; folds alone means k-fold.
 */
import { defineCommand } from '../src/bot/command.ts';
import { EVALUATION_PROTOCOLS, type EvaluationOutcome, type EvaluationProtocol } from '../src/bot/service-api.ts';
import type { Progress, Reply } from '../src/bot/reply.ts';
import { withProgress } from './_shared.ts';

/** Same list syntax as MARQUEE_ALGORITHMS: a comma followed by `key=` belongs to the spec before. */
export function splitAlgorithms(text: string): string[] {
  return text
    .split(/;|,(?![^,:]*=)/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function cell(v: number | string | undefined): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return Number.isInteger(v) ? String(v) : v.toFixed(4);
}

/** Metrics every row has, shown in their own columns first. */
const LEADING = ['algo', 'hitRate', 'ci'];

export function outcomeReply(o: EvaluationOutcome): Reply {
  const extra = [...new Set(o.rows.flatMap((r) => Object.keys(r)))].filter((k) => !LEADING.includes(k));
  const changed = o.defaultBefore === o.defaultAfter ? `stays ${o.defaultAfter}` : `is now ${o.defaultAfter} (was ${o.defaultBefore})`;
  return {
    title: `Evaluation on ${o.dataset}: ${o.protocol}`,
    text: `Top-10 lists for every member, as /recommend serves them. The default /recommend ${changed}: ${o.why}.`,
    table: {
      columns: ['algorithm', 'HR@10', '±95%', ...extra],
      rows: o.rows.map((r) => [r.algo === 'popular' ? 'popular (the chart)' : r.algo, cell(r.hitRate), cell(r.ci), ...extra.map((k) => cell(r[k]))]),
    },
    image: o.chartPng ? { png: o.chartPng, alt: 'HR@10 by algorithm, the popularity chart as the floor (higher is better)', filename: 'evaluation.png' } : undefined,
    footer:
      'HR@10: the share of members whose held-out movie is in the top 10 /recommend would show them (higher is better). ' +
      'The best above the chart becomes the default.',
  };
}

export const command = defineCommand({
  name: 'evaluate',
  description: 'Measure which recommender puts the movies members watch next in their top 10',
  adminOnly: true,
  options: [
    { name: 'algos', description: 'algorithms to compare, comma-separated (default: the trained ones)', type: 'string', maxLength: 500 },
    {
      name: 'protocol',
      description: 'ratings held out: loo (one per member), temporal (latest), kfold, cutoff (after a date)',
      type: 'string',
      choices: EVALUATION_PROTOCOLS.map((v) => ({ name: v, value: v })),
    },
    { name: 'folds', description: 'hold out every rating once over k folds (the kfold protocol; default 5)', type: 'integer', min: 2, max: 10 },
  ],
  examples: ['/evaluate', '/evaluate ease,item-knn,svd', '/evaluate ease,ials protocol:temporal', '/evaluate ease,ials 3'],
  async *run(ctx, opts): AsyncGenerator<Progress | Reply> {
    const algos = opts.algos === undefined ? undefined : splitAlgorithms(opts.algos);
    // said once the service has taken the request: a refused one (folds with another protocol, an
    // unknown algorithm, one already running) gets its reason alone, with no "Evaluating…" before it
    const started = `Evaluating ${algos ? algos.join(', ') : 'the trained algorithms'}; the bot keeps answering meanwhile.`;
    let said = false;
    const outcome = yield* withProgress((emit) =>
      ctx.service.evaluate({ algos, protocol: opts.protocol as EvaluationProtocol | undefined, folds: opts.folds, startedBy: ctx.member.displayName ?? ctx.userId }, (p) => {
        if (!said) emit({ progress: started });
        said = true;
        emit({ progress: p.message, done: p.done, total: p.total });
      }),
    );
    yield outcomeReply(outcome);
  },
});
