/** /evaluate [algos] [folds]: cross-validates the recommenders (admins only; runs in a worker). */
import { defineCommand } from '../src/bot/command.ts';
import type { EvaluationOutcome } from '../src/bot/service-api.ts';
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

export function outcomeReply(o: EvaluationOutcome): Reply {
  const extra = [...new Set(o.rows.flatMap((r) => Object.keys(r)))].filter((k) => !['algo', 'rmse', 'mae'].includes(k));
  return {
    title: `Evaluation on ${o.dataset}: ${o.folds}-fold cross-validation`,
    table: {
      columns: ['algorithm', 'RMSE', 'MAE', ...extra],
      rows: o.rows.map((r) => [r.algo, cell(r.rmse), cell(r.mae), ...extra.map((k) => cell(r[k]))]),
    },
    image: o.chartPng ? { png: o.chartPng, alt: 'RMSE and MAE by algorithm (lower is better)', filename: 'evaluation.png' } : undefined,
    footer: 'Sorted by RMSE; lower is better. /recommend uses the best one by default.',
  };
}

export const command = defineCommand({
  name: 'evaluate',
  description: 'Cross-validate the recommenders on the dataset and compare them',
  adminOnly: true,
  options: [
    { name: 'algos', description: 'algorithms to compare, comma-separated (default: the trained ones)', type: 'string', maxLength: 500 },
    { name: 'folds', description: 'number of cross-validation folds', type: 'integer', min: 2, max: 10 },
  ],
  examples: ['/evaluate', '/evaluate svd,knn-item 3'],
  async *run(ctx, opts): AsyncGenerator<Progress | Reply> {
    const algos = opts.algos === undefined ? undefined : splitAlgorithms(opts.algos);
    yield { progress: `Evaluating ${algos ? algos.join(', ') : 'the trained algorithms'}; the bot keeps answering meanwhile.` };
    const outcome = yield* withProgress((emit) =>
      ctx.service.evaluate({ algos, folds: opts.folds, startedBy: ctx.member.displayName ?? ctx.userId }, (p) => emit({ progress: p.message, done: p.done, total: p.total })),
    );
    yield outcomeReply(outcome);
  },
});
