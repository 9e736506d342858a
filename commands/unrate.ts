/** /unrate <title>: remove your rating of a movie. */
import { defineCommand } from '../src/bot/command.ts';
import type { Reply } from '../src/bot/reply.ts';
import { resolveMovie, titleArg, titleOption } from './_shared.ts';

export const command = defineCommand({
  name: 'unrate',
  description: 'Remove your rating of a movie',
  options: [titleOption],
  writes: true,
  examples: ['/unrate The Matrix'],
  async run(ctx, opts): Promise<Reply> {
    const found = resolveMovie(ctx, opts.title, (id) => `/unrate ${titleArg(id)}`, { writes: true });
    if ('reply' in found) return found.reply;
    const label = ctx.service.label(found.movie);
    const removed = ctx.service.unrate(ctx.member, found.movie.movieId);
    return { text: removed ? `Removed your rating of ${label}.` : `You had not rated ${label}; nothing to remove.`, ephemeral: true };
  },
});
