/** /export: your ratings as a CSV file. */
import { defineCommand } from '../src/bot/command.ts';
import type { Reply } from '../src/bot/reply.ts';
import { day, plural } from './_shared.ts';

export const command = defineCommand({
  name: 'export',
  description: 'Download your ratings as a CSV file',
  options: [],
  examples: ['/export'],
  async run(ctx): Promise<Reply> {
    // read-only: exporting creates no member record
    const member = ctx.knownMember;
    const count = member ? ctx.service.ratings(member).length : 0;
    if (!member || count === 0) return { text: "You haven't rated anything yet, so there is nothing to export.", ephemeral: true };
    return {
      text: `Your ${plural(count, 'rating')}, as CSV.`,
      attachment: { name: `marquee-ratings-${day(ctx.now)}.csv`, mime: 'text/csv', data: ctx.service.exportRatings(member) },
      ephemeral: true,
    };
  },
});
