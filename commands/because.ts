/** /because <title> [n]: movies like this one, by content and by what its fans also liked. */
import { clip, defineCommand } from '../src/bot/command.ts';
import type { RecommendedMovie } from '../src/bot/service-api.ts';
import type { Reply } from '../src/bot/reply.ts';
import { resolveMovie, titleArg, titleOption } from './_shared.ts';

export const command = defineCommand({
  name: 'because',
  description: 'Movies like this one: similar in content, and liked by the same members',
  options: [titleOption, { name: 'n', description: 'how many in each list', type: 'integer', min: 1, max: 10, default: 5 }],
  examples: ['/because The Matrix', '/because "Ocean\'s Eleven" 3'],
  async run(ctx, opts): Promise<Reply> {
    const found = resolveMovie(ctx, opts.title, (id) => `/because ${titleArg(id)} n:${opts.n}`);
    if ('reply' in found) return found.reply;
    const { service } = ctx;
    const result = service.because(found.movie.movieId, opts.n);
    // a numbered list per field: Discord caps a field value at 1024 characters
    const list = (xs: RecommendedMovie[]) =>
      xs.length === 0
        ? '(nothing found)'
        : xs.map((r, i) => clip(`${i + 1}. ${service.label(r.movie)}${r.reason ? ` — ${r.reason}` : ''}`, 100)).join('\n');
    return {
      title: `Because you liked ${service.label(found.movie)}`,
      text: result.note,
      fields: [
        { name: 'Similar in content', value: list(result.content) },
        { name: 'Members who liked it also liked', value: list(result.alsoLiked) },
      ],
    };
  },
});
