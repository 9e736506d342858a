/** /movie <title>: a movie's details, members' average, your rating and similar movies. */
import { clip, defineCommand } from '../src/bot/command.ts';
import type { Reply, ReplyField } from '../src/bot/reply.ts';
import { formatMean, plural, rateAction, readingMember, resolveMovie, stars, titleArg, titleOption } from './_shared.ts';

export const command = defineCommand({
  name: 'movie',
  description: "A movie's details, the members' average, your rating and similar movies",
  options: [titleOption],
  examples: ['/movie The Matrix', '/movie id:2571'],
  async run(ctx, opts): Promise<Reply> {
    const found = resolveMovie(ctx, opts.title, (id) => `/movie ${titleArg(id)}`);
    if ('reply' in found) return found.reply;
    const { service } = ctx;
    // read-only: someone Marquee has never met is shown the movie with no rating of theirs
    const d = service.movieDetails(readingMember(ctx), found.movie.movieId);
    const m = d.movie;
    const fields: ReplyField[] = [
      { name: 'Genres', value: m.genres.length ? m.genres.join(', ') : 'not listed', inline: true },
      { name: 'Year', value: m.year === null ? 'unknown' : String(m.year), inline: true },
      {
        name: "Members' rating",
        value: d.communityMean === null ? 'not rated yet' : `${formatMean(d.communityMean)} from ${plural(d.communityCount, 'rating')}`,
        inline: true,
      },
      { name: 'Your rating', value: d.myRating === null ? `not rated (/rate id:${m.movieId} 4)` : stars(d.myRating), inline: true },
    ];
    const words = [...(m.keywords ?? []), ...(m.tags ?? [])];
    if (words.length) fields.push({ name: 'Keywords', value: clip([...new Set(words)].slice(0, 12).join(', '), 1000) });
    const links = [`id:${m.movieId}`];
    if (m.imdbId) links.push(`https://www.imdb.com/title/tt${m.imdbId.replace(/^tt/, '').padStart(7, '0')}/`);
    if (m.tmdbId) links.push(`https://www.themoviedb.org/movie/${m.tmdbId}`);
    fields.push({ name: 'Links', value: links.join('\n') });
    if (d.similar.length) {
      // a field, not the reply's numbered list, so the details read first
      const lines = d.similar.map((r, i) => clip(`${i + 1}. ${service.label(r.movie)}${r.reason ? ` — ${r.reason}` : ''}`, 100));
      fields.push({ name: 'Similar movies', value: lines.join('\n') });
    }
    return {
      title: service.label(m),
      text: [found.guessed, m.tagline, m.overview ? clip(m.overview, 1000) : undefined].filter(Boolean).join('\n\n') || undefined,
      fields,
      actions: [rateAction(ctx, m)],
      ephemeral: true,
    };
  },
});
