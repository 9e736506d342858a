/** /export [reactions]: your ratings as a CSV file; with reactions:yes, your lists and reactions as JSON. */
import { defineCommand } from '../src/bot/command.ts';
import type { Reply } from '../src/bot/reply.ts';
import { day, plural } from './_shared.ts';

export const command = defineCommand({
  name: 'export',
  description: 'Download your ratings as a CSV file',
  options: [{ name: 'reactions', description: 'yes: the lists you were shown, your reactions and hidden movies (JSON)', type: 'boolean', default: false }],
  examples: ['/export', '/export reactions:yes'],
  async run(ctx, opts): Promise<Reply> {
    // read-only: exporting creates no member record
    const member = ctx.knownMember;
    if (opts.reactions) {
      if (!member) return { text: 'Marquee keeps no data about you: there is nothing to export.', ephemeral: true };
      return {
        text: 'The lists I showed you, your reactions to them and the movies you hid, as JSON.',
        attachment: { name: `marquee-reactions-${day(ctx.now)}.json`, mime: 'application/json', data: ctx.service.exportFeedback(member) },
        ephemeral: true,
      };
    }
    const count = member ? ctx.service.ratings(member).length : 0;
    if (!member || count === 0) return { text: "You haven't rated anything yet, so there is nothing to export.", ephemeral: true };
    return {
      text: `Your ${plural(count, 'rating')}, as CSV.`,
      attachment: { name: `marquee-ratings-${day(ctx.now)}.csv`, mime: 'text/csv', data: ctx.service.exportRatings(member) },
      ephemeral: true,
    };
  },
});
