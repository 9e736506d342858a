/** /rate <title> <score>: rate a movie from 0.5 to 5 stars; rating again updates it. */
import { defineCommand } from '../src/bot/command.ts';
import type { Reply } from '../src/bot/reply.ts';
import { formatRating, plural, resolveMovie, stars, titleArg, titleOption } from './_shared.ts';

export const command = defineCommand({
  name: 'rate',
  description: 'Rate a movie from 0.5 to 5 stars (rating it again updates your rating)',
  options: [
    titleOption,
    { name: 'score', description: 'your rating', type: 'number', required: true, min: 0.5, max: 5, step: 0.5, question: 'how many stars' },
  ],
  writes: true,
  examples: ['/rate The Matrix 4.5', '/rate title:"Alien (1979)" score:5', '/rate id:2571 4'],
  async run(ctx, opts): Promise<Reply> {
    // a guessed title ("Barbie" → Barb Wire) is asked about, never rated
    const found = resolveMovie(ctx, opts.title, (id) => `/rate ${titleArg(id)} score:${opts.score}`, { writes: true });
    if ('reply' in found) return found.reply;
    const { movie } = found;
    const { service } = ctx;
    const { previous } = service.rate(ctx.member, movie.movieId, opts.score);
    const label = service.label(movie);
    const text =
      previous === null
        ? `Rated ${label}: ${stars(opts.score)}.`
        : `Updated ${label} from ${formatRating(previous)} to ${stars(opts.score)}${previous === opts.score ? ' (no change)' : ''}.`;
    const have = service.ratings(ctx.member).length;
    const need = service.coldStartThreshold;
    const footer =
      have < need
        ? `You have ${plural(have, 'rating')}. Rate ${need - have} more to unlock personal recommendations.`
        : `You have ${plural(have, 'rating')}. Try /recommend.`;
    return { text, footer, ephemeral: true };
  },
});
