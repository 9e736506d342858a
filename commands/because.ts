/** /because <title> [n]: movies like this one, by content and by what its fans also liked. */
import { clip, defineCommand } from '../src/bot/command.ts';
import { MAX_LIST_LENGTH as MAX_LIST, type RecommendedMovie } from '../src/bot/service-api.ts';
import type { Reply } from '../src/bot/reply.ts';
import type { CommandContext } from '../src/bot/command.ts';
import type { MovieRecord } from '../src/data/types.ts';
import { resolveMovie, titleArg, titleOption } from './_shared.ts';

/** A rating from which a movie counts as liked (on the 0.5 to 5 star scale). */
export const LIKED_FROM = 4;

/** "Because you liked" only for a movie the member rated highly; read-only, creates no member. */
function heading(ctx: CommandContext, movie: MovieRecord): string {
  const label = ctx.service.label(movie);
  const member = ctx.knownMember;
  const mine = member ? ctx.service.ratings(member).find((r) => r.movieId === movie.movieId) : undefined;
  if (mine === undefined) return `Movies like ${label}`;
  return mine.rating >= LIKED_FROM ? `Because you liked ${label}` : `Because you watched ${label}`;
}

const countOption = { name: 'n', description: 'how many in each list', type: 'integer', min: 1, max: 10, default: 5 } as const;

export const command = defineCommand({
  name: 'because',
  description: 'Movies like this one: similar in content, and liked by the same members',
  options: [titleOption, countOption],
  examples: ['/because The Matrix', '/because "Ocean\'s Eleven" 3'],
  async run(ctx, opts): Promise<Reply> {
    const found = resolveMovie(ctx, opts.title, (id) => `/because ${titleArg(id)} n:${opts.n}`);
    if ('reply' in found) return found.reply;
    const { service } = ctx;
    // "/because Toy Story 3": the 3 is the title's, not a count
    const n = found.ownsTrailing ? countOption.default : opts.n;
    // movies the member marked 👎 stay out of every list they are shown (asked for as many more)
    const hidden = new Set(ctx.knownMember ? service.hidden(ctx.knownMember).map((m) => m.movieId) : []);
    const asked = service.because(found.movie.movieId, Math.min(MAX_LIST, n + hidden.size));
    const keep = (xs: RecommendedMovie[]) => xs.filter((r) => !hidden.has(r.movie.movieId)).slice(0, n);
    const result = { ...asked, content: keep(asked.content), alsoLiked: keep(asked.alsoLiked) };
    // a numbered list per field: Discord caps a field value at 1024 characters
    const list = (xs: RecommendedMovie[]) =>
      xs.length === 0
        ? '(nothing found)'
        : xs.map((r, i) => clip(`${i + 1}. ${service.label(r.movie)}${r.reason ? ` — ${r.reason}` : ''}`, 100)).join('\n');
    // one list for reactions: the content picks, then the also-liked ones (a reader with no
    // member record has nothing to react with)
    const shown = [...result.content, ...result.alsoLiked.filter((r) => !result.content.some((c) => c.movie.movieId === r.movie.movieId))];
    const listId = ctx.knownMember ? service.recordList(ctx.knownMember, 'because', 'because', shown.map((r) => r.movie.movieId)) : undefined;
    return {
      feedback: listId ? { listId, movies: shown.map((r) => ({ label: service.label(r.movie), movieId: r.movie.movieId })) } : undefined,
      title: heading(ctx, found.movie),
      text: [found.guessed, result.note].filter(Boolean).join('\n\n') || undefined,
      fields: [
        { name: 'Similar in content', value: list(result.content) },
        { name: 'Members who liked it also liked', value: list(result.alsoLiked) },
      ],
    };
  },
});
