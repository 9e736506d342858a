/** /ratings [page]: your ratings, newest first, ten per page. */
import { defineCommand } from '../src/bot/command.ts';
import type { Reply, ReplyAction } from '../src/bot/reply.ts';
import { day, plural, stars } from './_shared.ts';

export const PAGE_SIZE = 10;

export const command = defineCommand({
  name: 'ratings',
  description: 'Your ratings, newest first',
  options: [{ name: 'page', description: 'which page', type: 'integer', min: 1, max: 100_000, default: 1 }],
  examples: ['/ratings', '/ratings 2'],
  async run(ctx, opts): Promise<Reply> {
    // read-only: a member Marquee has never met has no ratings, and looking creates no record
    const member = ctx.knownMember;
    const all = member ? ctx.service.ratings(member) : [];
    if (all.length === 0) {
      return { text: "You haven't rated any movies yet. Try /rate The Matrix 4.5, or /top to find some.", ephemeral: true };
    }
    const pages = Math.ceil(all.length / PAGE_SIZE);
    if (opts.page > pages) {
      return { text: `There is no page ${opts.page}: your ${plural(all.length, 'rating')} fill ${plural(pages, 'page')}.`, ephemeral: true };
    }
    const from = (opts.page - 1) * PAGE_SIZE;
    const actions: ReplyAction[] = [];
    if (opts.page > 1) actions.push({ kind: 'page', id: `ratings:${opts.page - 1}`, label: 'Previous page', command: `/ratings page:${opts.page - 1}` });
    if (opts.page < pages) actions.push({ kind: 'page', id: `ratings:${opts.page + 1}`, label: 'Next page', command: `/ratings page:${opts.page + 1}` });
    return {
      title: `Your ratings (page ${opts.page} of ${pages})`,
      items: all.slice(from, from + PAGE_SIZE).map((r) => ({
        label: ctx.service.label(r.movie),
        detail: `${stars(r.rating)} · ${day(r.ratedAt)}`,
        movieId: r.movieId,
      })),
      actions: actions.length ? actions : undefined,
      footer: `${plural(all.length, 'rating')} in all, newest first`,
      ephemeral: true,
    };
  },
});
