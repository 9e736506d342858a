/** /recommend [algo] [n]: personal recommendations; a popularity chart until you have rated enough. */
import { defineCommand } from '../src/bot/command.ts';
import type { Reply } from '../src/bot/reply.ts';
import type { RecommendResult } from '../src/bot/service-api.ts';
import { answersFromFirstRating } from './_algorithms.ts';
import { plural, rateAction, readingMember } from './_shared.ts';

export const command = defineCommand({
  name: 'recommend',
  description: 'Movies picked for you from your ratings',
  options: [
    {
      name: 'algo',
      description: 'the recommender to ask (default: the best at top-10 lists, ease until an /evaluate)',
      type: 'string',
      accepts: 'algorithms',
      parametersRefused: 'parameters such as svd:n_factors=10 are for comparing algorithms on the command line (npm run evaluate), not for chat.',
      autocomplete: true,
    },
    { name: 'n', description: 'how many movies', type: 'integer', min: 1, max: 25, default: 10 },
  ],
  examples: ['/recommend', '/recommend svd 5', '/recommend n:20'],
  async run(ctx, opts): Promise<Reply> {
    const { service } = ctx;
    // read-only: a member Marquee has never met gets the cold-start chart, and no member record
    const result = service.recommend(readingMember(ctx), { algo: opts.algo, n: opts.n });
    if (result.coldStart) {
      const { have, need } = result.coldStart;
      // content and hybrid need only one rating, whatever the cold-start threshold says
      const fromFirst = opts.algo !== undefined && answersFromFirstRating(opts.algo);
      const more = fromFirst ? 1 : Math.max(1, need - have);
      const unlock = fromFirst ? `${opts.algo} works from your first rating: rate one movie, then ask again.` : `Rate ${more} more to unlock personal recommendations.`;
      return {
        title: 'Popular picks to start with',
        text: `You have ${plural(have, 'rating')}. ${unlock} Seen any of these? Rate them:`,
        items: result.items.map((r) => ({ label: service.label(r.movie), why: r.reason, movieId: r.movie.movieId })),
        actions: result.items.map((r) => rateAction(ctx, r.movie)),
        feedback: result.listId ? { listId: result.listId } : undefined,
        footer: fromFirst ? undefined : result.note,
        ephemeral: true,
      };
    }
    if (result.items.length === 0) {
      return { text: result.note ?? 'I have nothing new to recommend: you may have rated every movie I know.', ephemeral: true };
    }
    return {
      title: 'Recommended for you',
      text: result.note,
      items: result.items.map((r) => ({
        label: service.label(r.movie),
        detail: scoreDetail(result.scoreKind, r.score),
        why: r.reason,
        movieId: r.movie.movieId,
      })),
      footer: `by ${result.algo}`,
      feedback: result.listId ? { listId: result.listId } : undefined,
      ephemeral: true,
    };
  },
});

/**
 * The score in words a member reads: a predicted rating, a match, or the chart's weighted rating;
 * nothing for a ranking model, whose score orders the list and means no number of stars.
 */
function scoreDetail(kind: RecommendResult['scoreKind'], score: number): string | undefined {
  if (!Number.isFinite(score)) return undefined;
  switch (kind) {
    case 'rating':
      return `predicted ${score.toFixed(1)}`;
    case 'match':
      return `${Math.round(Math.max(0, Math.min(1, score)) * 100)}% match`;
    case 'weighted-rating':
      return `weighted rating ${score.toFixed(2)}`;
    case 'rank':
      return undefined;
  }
}
