/**
 * /compare [algos] [user]: a member's top-5 from several algorithms side by side, the movies they
 * agree on and each algorithm's HR@10 from the last top-N /evaluate (the tutorial's "userId 5"
 * walkthrough in chat). `user:` names a dataset user, whose ratings are public data: admins only.
 */
import { clip, defineCommand } from '../src/bot/command.ts';
import type { Reply, ReplyField } from '../src/bot/reply.ts';
import type { CompareList, CompareResult, MarqueeService } from '../src/bot/service-api.ts';
import { splitAlgorithms } from './evaluate.ts';
import { plural, readingMember } from './_shared.ts';

/** Discord's embed limits: a field value holds 1,024 characters, a field name 256. */
const FIELD_VALUE = 1024;
const FIELD_NAME = 256;
/** A title in a list line; five lines and a note stay far under FIELD_VALUE. */
const TITLE = 70;

export const command = defineCommand({
  name: 'compare',
  description: 'Your top-5 from several recommenders side by side, and where they agree',
  // algos last: a bare word after /compare is the list of algorithms (/compare ease,content)
  options: [
    { name: 'user', description: 'a dataset user id, e.g. 5 (admins only: their ratings are public data)', type: 'string', maxLength: 20 },
    { name: 'algos', description: 'algorithms to compare, comma-separated (default: ease, item-knn, knn-user, svd, content)', type: 'string', maxLength: 300 },
  ],
  examples: ['/compare', '/compare ease,content', '/compare user:5'],
  async run(ctx, opts): Promise<Reply> {
    if (opts.user !== undefined && !ctx.isAdmin) {
      return { text: 'Only admins can compare a dataset user’s lists. Use /compare on its own for yours.', ephemeral: true };
    }
    const algos = opts.algos === undefined ? undefined : splitAlgorithms(opts.algos);
    // read-only: a member Marquee has never met gets the cold-start lists, and no member record
    const result = ctx.service.compare(readingMember(ctx), { algos, datasetUser: opts.user });
    return compareReply(ctx.service, result);
  },
});

export function compareReply(service: MarqueeService, r: CompareResult): Reply {
  const whose = r.subject.kind === 'member' ? 'Your' : `Dataset user ${r.subject.userId}’s`;
  const fields: ReplyField[] = [];
  let chartShown = false;
  for (const l of r.lists) {
    const cold = l.result.coldStart !== undefined && l.result.algo !== l.algo;
    const value = cold && chartShown ? 'the same popular picks as above' : listLines(service, l);
    if (cold) chartShown = true;
    fields.push({ name: clip(`${l.algo} — ${hitRateWords(l)}`, FIELD_NAME), value: clip(value, FIELD_VALUE) });
  }
  fields.push({ name: 'Agreed on', value: clip(agreedLines(service, r), FIELD_VALUE) });
  const text = [subjectWords(service, r)].filter((s): s is string => s !== undefined).join('\n');
  const data = r.lists.find((l) => l.hitRate?.dataset !== undefined)?.hitRate?.dataset;
  return {
    title: `${whose} top-${Math.max(...r.lists.map((l) => l.result.items.length), 0)} from ${plural(r.lists.length, 'algorithm')}`,
    text: text === '' ? undefined : text,
    fields,
    footer: r.evaluated
      ? `HR@10 (95% interval): held-out movies found in the top 10, from the last /evaluate top-N run${data ? ` on ${data}` : ''}.`
      : 'HR@10: not evaluated yet; an admin can run /evaluate.',
    ephemeral: true,
  };
}

function subjectWords(service: MarqueeService, r: CompareResult): string | undefined {
  const need = service.coldStartThreshold;
  if (r.subject.kind === 'dataset-user') return `From their ${plural(r.subject.ratings, 'rating')} in the dataset.`;
  if (r.subject.ratings >= need) return undefined;
  return `Personal lists start at ${plural(need, 'rating')}; you have ${r.subject.ratings}. Until then the collaborative algorithms show popular picks; content and hybrid work from your first rating.`;
}

function hitRateWords(l: CompareList): string {
  const h = l.hitRate;
  if (!h) return 'HR@10 not evaluated yet';
  return `HR@10 ${h.mean.toFixed(3)} (${h.lo.toFixed(3)}–${h.hi.toFixed(3)})`;
}

function listLines(service: MarqueeService, l: CompareList): string {
  const lines = l.result.items.map((it, k) => `${k + 1}. ${clip(service.label(it.movie), TITLE)}`);
  if (lines.length === 0) lines.push(l.result.note ?? 'nothing to recommend');
  else if (l.result.algo !== l.algo) lines.push(`(answered by ${l.result.algo}${l.result.note ? `: ${l.result.note}` : ''})`);
  return lines.join('\n');
}

function agreedLines(service: MarqueeService, r: CompareResult): string {
  if (r.agreed.length === 0) return 'No movie is on two lists.';
  return r.agreed.map((a) => `${clip(service.label(a.movie), TITLE)}: ${a.algos.join(', ')}`).join('\n');
}
