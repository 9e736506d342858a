/** /unhide [title]: shows a movie you marked 👎 "not for me" again; without a title, lists them. */
import { defineCommand } from '../src/bot/command.ts';
import type { Reply } from '../src/bot/reply.ts';
import { resolveMovie, titleArg, titleOption } from './_shared.ts';

export const command = defineCommand({
  name: 'unhide',
  description: 'Show a movie you marked "not for me" in your lists again (no title: list them)',
  options: [{ ...titleOption, required: false }],
  writes: true,
  examples: ['/unhide', '/unhide The Matrix'],
  async run(ctx, opts): Promise<Reply> {
    const member = ctx.knownMember;
    if (opts.title === undefined) {
      const hidden = member ? ctx.service.hidden(member) : [];
      if (hidden.length === 0) return { text: 'You have hidden no movies.', ephemeral: true };
      return {
        title: 'Movies you marked "not for me"',
        items: hidden.map((m) => ({ label: ctx.service.label(m), movieId: m.movieId })),
        actions: hidden.slice(0, 10).map((m) => ({ kind: 'choose' as const, id: `unhide:${m.movieId}`, label: `Show ${ctx.service.label(m)} again`.slice(0, 80), command: `/unhide ${titleArg(m.movieId)}` })),
        ephemeral: true,
      };
    }
    const found = resolveMovie(ctx, opts.title, (id) => `/unhide ${titleArg(id)}`, { writes: true });
    if ('reply' in found) return found.reply;
    const label = ctx.service.label(found.movie);
    const shown = member ? ctx.service.unhide(member, found.movie.movieId) : false;
    return { text: shown ? `${label} can appear in your lists again.` : `${label} was not hidden; nothing to do.`, ephemeral: true };
  },
});
