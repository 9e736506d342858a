/** /top [genre] [decade] [n]: the members' best-rated movies, optionally by genre and decade. */
import { defineCommand, UserError } from '../src/bot/command.ts';
import type { Reply } from '../src/bot/reply.ts';
import { formatMean, plural } from './_shared.ts';

/** "1990s", "1990", "1995" (its decade), "90s", "'90s" (30s–90s: 1900s; 00s–20s: 2000s). */
export function parseDecade(text: string): number {
  const t = text.trim().toLowerCase().replace(/^['’]/, '');
  let m = /^(\d{3})0s$/.exec(t) ?? /^(\d{3})\d$/.exec(t);
  if (m) return Number(m[1]) * 10;
  m = /^(\d)0s$/.exec(t);
  if (m) {
    const d = Number(m[1]) * 10;
    return d >= 30 ? 1900 + d : 2000 + d;
  }
  throw new UserError(`decade "${text}" is not a decade: write 1990s, 1990 or 90s.`);
}

/** "No rated movies found for Drama movies from the 1950s." and its shorter forms. */
function nothingFound(genre: string | undefined, decade: number | undefined): string {
  const from = decade === undefined ? '' : ` from the ${decade}s`;
  if (genre !== undefined) return `No rated movies found for ${genre} movies${from}.`;
  return `No rated movies found${from}.`;
}

export const command = defineCommand({
  name: 'top',
  description: "The members' best-rated movies, optionally of one genre and one decade",
  options: [
    {
      name: 'genre',
      description: 'a genre such as Comedy or Sci-Fi',
      type: 'string',
      accepts: (service) => service.genres(),
      autocomplete: true,
    },
    {
      name: 'decade',
      description: 'a decade such as 1990s or 90s',
      type: 'string',
      maxLength: 10,
      pattern: { re: /^['’]?(\d{3}0s|\d{4}|\d0s)$/i, hint: 'write a decade such as 1990s, 1990 or 90s' },
    },
    { name: 'n', description: 'how many movies', type: 'integer', min: 1, max: 25, default: 10 },
  ],
  examples: ['/top', '/top Sci-Fi 1990s', '/top genre:Comedy n:5'],
  async run(ctx, opts): Promise<Reply> {
    const decade = opts.decade === undefined ? undefined : parseDecade(opts.decade);
    const chart = ctx.service.top({ genre: opts.genre, decade, n: opts.n }).entries;
    if (chart.length === 0) return { text: nothingFound(opts.genre, decade), ephemeral: true };
    return {
      title: `Top ${chart.length}${opts.genre ? ` ${opts.genre}` : ''} movies${decade === undefined ? '' : ` of the ${decade}s`}`,
      items: chart.map((e) => ({
        label: ctx.service.label(e.movie),
        detail: `average ${formatMean(e.mean)} from ${plural(e.count, 'rating')}`,
        movieId: e.movie.movieId,
      })),
      footer: 'Ranked by a weighted average, so a handful of perfect scores does not beat a classic.',
    };
  },
});
