/** /rate <title> <score>: rate a movie from 0.5 to 5 stars; rating again updates it. */
import { defineCommand } from '../src/bot/command.ts';
import type { Reply } from '../src/bot/reply.ts';
import { askForTrailingOption, formatRating, plural, resolveMovie, stars, titleArg, titleOption } from './_shared.ts';

export const command = defineCommand({
  name: 'rate',
  description: 'Rate a movie from 0.5 to 5 stars (rating it again updates your rating)',
  options: [titleOption, { name: 'score', description: 'your rating', type: 'number', required: true, min: 0.5, max: 5, step: 0.5 }],
  writes: true,
  examples: ['/rate The Matrix 4.5', '/rate title:"Alien (1979)" score:5', '/rate id:2571 4'],
  async run(ctx, opts): Promise<Reply> {
    // a guessed title ("Barbie" → Barb Wire) is asked about, never rated
    const found = resolveMovie(ctx, opts.title, (id) => `/rate ${titleArg(id)} score:${opts.score}`, { writes: true });
    if ('reply' in found) return found.reply;
    // "/rate Shrek 2": the 2 is the title's, so the score is still to come
    if (found.ownsTrailing) askForTrailingOption(ctx, found, 'rate', 'how many stars');
    const { movie } = found;
    const { service } = ctx;
    const { previous, count } = service.rate(ctx.member, movie.movieId, opts.score);
    const label = service.label(movie);
    const text =
      previous === null
        ? `Rated ${label}: ${stars(opts.score)}.`
        : `Updated ${label} from ${formatRating(previous)} to ${stars(opts.score)}${previous === opts.score ? ' (no change)' : ''}.`;
    const need = service.coldStartThreshold;
    const footer =
      count < need
        ? `You have ${plural(count, 'rating')}. Rate ${need - count} more to unlock personal recommendations.`
        : `You have ${plural(count, 'rating')}. Try /recommend.`;
    return { text, footer, ephemeral: true };
  },
});
