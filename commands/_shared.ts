/**
 * Helpers shared by the commands (files starting with `_` are not commands: the registry skips
 * them). Title lookup with its three outcomes, star ratings, and progress from a callback API.
 */
import type { MovieRecord } from '../src/data/types.ts';
import type { Member } from '../src/store/api.ts';
import { clip, type CommandContext, type TrailingNumber } from '../src/bot/command.ts';
import { UsageError } from '../src/bot/errors.ts';
import { errorReply, type Progress, type Reply, type ReplyAction, type ReplyItem } from '../src/bot/reply.ts';
import { formatRating, type TitleMatch, type TitleMatchHow } from '../src/bot/service-api.ts';

const ID_FORM = /^id:\s*(\S{1,40})$/i;

/** Matches sure enough to act on without asking: the title itself, however it is written. */
function certain(how: TitleMatchHow): boolean {
  return how === 'exact' || how === 'normalised';
}

/** The title option every movie command uses; `id:<movieId>` names a movie exactly. */
export const titleOption = {
  name: 'title',
  description: 'a movie title such as The Matrix (the year is optional), or id:<movieId>',
  type: 'string',
  required: true,
  maxLength: 200,
  autocomplete: true,
  mayEndInNumber: true,
} as const;

/**
 * The member for a read-only command: the existing one, or, for someone Marquee has never met, a
 * stand-in with no ratings, so that looking never creates a member record. Its id is 0, which no
 * member has (SQLite row ids start at 1), so it owns no ratings.
 */
export function readingMember(ctx: CommandContext): Member {
  return ctx.knownMember ?? { id: 0, platform: ctx.platform, platformUserId: ctx.userId, displayName: null, createdAt: ctx.now };
}

/** What a read-only command took a guessed title to be, to say so in its answer. */
export interface FoundMovie {
  movie: MovieRecord;
  /** set when the title was a guess (its first words, or a close spelling): "You typed …" */
  guessed?: string;
  /**
   * The line's last number is part of the title ("Shrek 2"): the option it seemed to fill
   * (ctx.trailing.option) was not given, and holds its default.
   */
  ownsTrailing?: boolean;
}

/** The command line that names a movie exactly, for choices and buttons. */
export function titleArg(movieId: string): string {
  return `title:id:${movieId}`;
}

/**
 * Resolves what the member typed to one movie, or to a reply: numbered choices when several
 * match (each re-runs the command with `id:<movieId>`), close suggestions when none does.
 *
 * A guess (the first words of a title, or a close spelling: "Barbie" → Barb Wire) is never
 * acted on by a command that writes (`writes: true`): it answers "Did you mean …?" with the movie
 * as a choice. A read-only command takes the guess and says so (`guessed`).
 *
 * When the line ended in a number that may be the title's own (ctx.trailing, see the parser),
 * the title with the number is looked up first: when it names a movie for sure, the number is
 * the title's ("Shrek 2", "Apollo 13"). Otherwise a number the option refused is that option's
 * mistake (a UsageError: "/because The Matrix 11" → n is 1 to 10), and a number it took stays
 * with it ("/rate The Matrix 4.5"). So a title is looked up once, or twice when the line ends in
 * a number that could go either way.
 */
export function resolveMovie(
  ctx: CommandContext,
  query: string,
  rerun: (movieId: string) => string,
  opts: { writes?: boolean } = {},
): FoundMovie | { reply: Reply } {
  const { service } = ctx;
  const byId = ID_FORM.exec(query.trim());
  if (byId) {
    const movie = service.movie(byId[1]);
    if (movie) return { movie };
    return { reply: errorReply(`No movie has the id ${byId[1]}. Ids appear in /movie and in lists of choices.`) };
  }
  const t = trailingOf(ctx, query);
  if (t) {
    const whole = service.resolveTitle(t.whole);
    if (whole.kind === 'found' && certain(whole.how)) return { movie: whole.movie, ownsTrailing: true };
    if (t.refusal !== undefined) throw new UsageError(t.refusal);
  }
  return fromMatch(ctx, service.resolveTitle(query), query, rerun, opts);
}

/** The trailing number the parser reported for this very title text, if any. */
function trailingOf(ctx: CommandContext, query: string): TrailingNumber | undefined {
  const t = ctx.trailing;
  if (!t) return undefined;
  return query === (t.refusal === undefined ? t.rest : t.whole) ? t : undefined;
}

/**
 * The title kept the line's last number, which a required option wanted: ask for that option,
 * and say how to give the number to it instead ("For Shrek (2001) with score 2, type …").
 */
export function askForTrailingOption(ctx: CommandContext, found: FoundMovie, command: string, question: string): never {
  const t = ctx.trailing!;
  const names = ctx.service.label(found.movie);
  const ask = `Missing ${t.option}: ${question} for ${names}?`;
  const shorter = ctx.service.resolveTitle(t.rest);
  if (shorter.kind !== 'found' || !certain(shorter.how) || shorter.movie.movieId === found.movie.movieId) throw new UsageError(ask);
  const quoted = t.rest.includes('"') ? `“${t.rest}”` : `"${t.rest}"`;
  throw new UsageError(`${ask} For ${ctx.service.label(shorter.movie)} with ${t.option} ${t.word}, type /${command} ${t.text}:${quoted} ${t.option}:${t.word}.`);
}

function fromMatch(
  ctx: CommandContext,
  match: TitleMatch,
  query: string,
  rerun: (movieId: string) => string,
  opts: { writes?: boolean },
): FoundMovie | { reply: Reply } {
  const { service } = ctx;
  const shown = clip(query.trim(), 60);
  if (match.kind === 'found') {
    if (certain(match.how)) return { movie: match.movie };
    const label = service.label(match.movie);
    if (!opts.writes) return { movie: match.movie, guessed: `You typed “${shown}”; the closest title is ${label}.` };
    return {
      reply: {
        title: `Did you mean ${label}?`,
        text: `No movie is called exactly “${shown}”. Choose it to go ahead, or type the title in full (the year helps):`,
        ...choices(ctx, [match.movie], rerun),
        ephemeral: true,
      },
    };
  }
  if (match.kind === 'ambiguous') {
    return {
      reply: {
        title: `Which “${shown}”?`,
        text: 'Several movies match. Pick one:',
        ...choices(ctx, match.choices.slice(0, 10), rerun),
        ephemeral: true,
      },
    };
  }
  if (match.suggestions.length === 0) {
    return { reply: errorReply(`I couldn't find a movie called “${shown}”. Check the spelling, or try a shorter part of the title.`) };
  }
  return {
    reply: {
      title: `No movie called “${shown}”`,
      text: 'Did you mean one of these?',
      ...choices(ctx, match.suggestions.slice(0, 10), rerun),
      ephemeral: true,
    },
  };
}

function choices(
  ctx: CommandContext,
  movies: MovieRecord[],
  rerun: (movieId: string) => string,
): { items: ReplyItem[]; actions: ReplyAction[] } {
  return {
    items: movies.map((m) => ({ label: ctx.service.label(m), detail: m.genres.join(', ') || undefined, movieId: m.movieId })),
    actions: movies.map((m) => ({
      kind: 'choose' as const,
      id: `choose:${m.movieId}`,
      label: clip(ctx.service.label(m), 80),
      command: rerun(m.movieId),
    })),
  };
}

/** A 'rate' action: the adapter appends the score to `command`. */
export function rateAction(ctx: CommandContext, movie: MovieRecord): ReplyAction {
  return {
    kind: 'rate',
    id: `rate:${movie.movieId}`,
    label: clip(`Rate ${ctx.service.label(movie)}`, 80),
    command: `/rate ${titleArg(movie.movieId)} score:`,
  };
}

/** 4.5 -> "★★★★½ 4.5": a member's rating drawn as stars, then written (formatRating). */
export function stars(rating: number): string {
  const full = Math.floor(rating);
  const half = rating - full >= 0.5;
  return `${'★'.repeat(full)}${half ? '½' : ''} ${formatRating(rating)}`;
}

export { formatRating };

/** an average for people: 4.16 */
export function formatMean(x: number): string {
  return x.toFixed(2);
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** YYYY-MM-DD in UTC */
export function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * Bridges a callback-based long task to the progress stream of a command: yields each progress
 * report as it arrives and returns the task's result (or throws its error).
 */
export async function* withProgress<T>(
  start: (emit: (p: Progress) => void) => Promise<T>,
): AsyncGenerator<Progress, T> {
  const queue: Progress[] = [];
  let wake: (() => void) | undefined;
  let settled: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  start((p) => {
    queue.push(p);
    poke();
  }).then(
    (value) => {
      settled = { ok: true, value };
      poke();
    },
    (error: unknown) => {
      settled = { ok: false, error };
      poke();
    },
  );
  for (;;) {
    while (queue.length > 0) yield queue.shift()!;
    if (settled) {
      if (settled.ok) return settled.value;
      throw settled.error;
    }
    await new Promise<void>((resolve) => (wake = resolve));
  }
}
