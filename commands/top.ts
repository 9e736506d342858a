/** /top [genre] [decade] [n] [percentile]: the members' best-rated movies, optionally by genre and decade. */
import { defineCommand } from '../src/bot/command.ts';
import { UserFacingError } from '../src/bot/errors.ts';
import type { Reply } from '../src/bot/reply.ts';
import type { TopChart } from '../src/bot/service-api.ts';
import { formatMean, plural } from './_shared.ts';

/** A decade as typed, and the other century's reading when two digits name two decades ("20s"). */
export interface DecadeReading {
  decade: number;
  /** "20s": 2020, other 1920 */
  other?: number;
}

/**
 * "1990s", "1990", "1995" (its decade), "90s", "'90s". Two digits name the 1900s from 30s to
 * 90s; 00s, 10s and 20s could be either century: the recent one is read first, with the other
 * kept as `other`.
 */
export function parseDecade(text: string): DecadeReading {
  const t = text.trim().toLowerCase().replace(/^['’]/, '');
  let m = /^(\d{3})0s$/.exec(t) ?? /^(\d{3})\d$/.exec(t);
  if (m) return { decade: Number(m[1]) * 10 };
  m = /^(\d)0s$/.exec(t);
  if (m) {
    const d = Number(m[1]) * 10;
    return d >= 30 ? { decade: 1900 + d } : { decade: 2000 + d, other: 1900 + d };
  }
  throw new UserFacingError(`decade "${text}" is not a decade: write 1990s, 1990 or 90s.`);
}

/** "No rated movies found for Drama movies from the 1950s." and its shorter forms. */
function nothingFound(genre: string | undefined, decade: number | undefined): string {
  const from = decade === undefined ? '' : ` from the ${decade}s`;
  if (genre !== undefined) return `No rated movies found for ${genre} movies${from}.`;
  return `No rated movies found${from}.`;
}

/** The default bar, as the popularity chart's: the 95th percentile of rating counts. */
const DEFAULT_PERCENTILE = 95;

/** A lower bar to suggest when too few movies qualify; undefined when it is already at 0. */
function lowerBar(percentile: number): number | undefined {
  if (percentile > 80) return 80;
  if (percentile > 50) return 50;
  return percentile > 0 ? 0 : undefined;
}

function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

/**
 * Why the chart is shorter than asked: only movies rated at least `minVotes` times qualify, and
 * how to lower that bar with the same filters.
 */
function shortChartNote(chart: TopChart, asked: number, percentile: number, filters: string): string | undefined {
  if (chart.qualified >= asked) return undefined;
  const why =
    `Only ${plural(chart.qualified, 'movie')} ${chart.qualified === 1 ? 'qualifies' : 'qualify'}: a movie needs at least ` +
    `${plural(chart.minVotes, 'rating')} (the ${ordinal(percentile)} percentile of rating counts${filters ? ' among these movies' : ''}).`;
  const lower = lowerBar(percentile);
  if (lower === undefined) return why;
  return `${why} To see more, lower the bar: /top ${filters ? `${filters} ` : ''}percentile:${lower}`;
}

export const command = defineCommand({
  name: 'top',
  description: "The members' best-rated movies, optionally of one genre and one decade",
  options: [
    {
      name: 'genre',
      description: 'a genre such as Comedy or Sci-Fi',
      type: 'string',
      accepts: 'genres',
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
    {
      name: 'percentile',
      description: 'how often a movie must be rated to qualify: a percentile of rating counts',
      type: 'integer',
      min: 0,
      max: 99,
      default: DEFAULT_PERCENTILE,
    },
  ],
  examples: ['/top', '/top Sci-Fi 1990s', '/top genre:Comedy n:5', '/top Horror 1970s percentile:80'],
  async run(ctx, opts): Promise<Reply> {
    const reading = opts.decade === undefined ? undefined : parseDecade(opts.decade);
    const ask = (decade: number | undefined) => ctx.service.top({ genre: opts.genre, decade, n: opts.n, percentile: opts.percentile / 100 });
    let decade = reading?.decade;
    let chart = ask(decade);
    let centuryNote: string | undefined;
    if (reading?.other !== undefined) {
      // "20s": the recent decade first; when it holds nothing, the other century
      const [recent, older] = [reading.decade, reading.other];
      if (chart.entries.length === 0) {
        const olderChart = ask(older);
        if (olderChart.entries.length > 0) {
          chart = olderChart;
          decade = older;
        }
      }
      const instead = decade === recent ? older : recent;
      centuryNote = `I read ${opts.decade} as the ${decade}s${decade === older ? `, as the ${recent}s have no rated movies` : ''}; for the ${instead}s, type /top ${[opts.genre, `${instead}s`].filter(Boolean).join(' ')}.`;
    }
    if (chart.entries.length === 0) return { text: [centuryNote, nothingFound(opts.genre, decade)].filter(Boolean).join('\n'), ephemeral: true };
    const filters = [opts.genre, decade === undefined ? undefined : `${decade}s`].filter(Boolean).join(' ');
    const shown = chart.entries.length;
    return {
      title: `Top ${shown}${opts.genre ? ` ${opts.genre}` : ''} ${shown === 1 ? 'movie' : 'movies'}${decade === undefined ? '' : ` of the ${decade}s`}`,
      text: [centuryNote, shortChartNote(chart, opts.n, opts.percentile, filters)].filter(Boolean).join('\n') || undefined,
      items: chart.entries.map((e) => ({
        label: ctx.service.label(e.movie),
        detail: `average ${formatMean(e.mean)} from ${plural(e.count, 'rating')}`,
        movieId: e.movie.movieId,
      })),
      footer: 'Ranked by a weighted average, so a handful of perfect scores does not beat a classic.',
    };
  },
});
