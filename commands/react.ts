/**
 * /react list:<id> movie:<id> kind:want|not|seen [score]: a reaction to a movie in a list the bot
 * showed you. The buttons and console keys under every list run it; only the member the list
 * was made for can react, a second click changes the reaction, the same 👍/👎 again takes it back.
 */
import { defineCommand } from '../src/bot/command.ts';
import type { Reply } from '../src/bot/reply.ts';
import { HALF_STARS, type ReactionKind } from '../src/bot/service-api.ts';
import { UsageError } from '../src/bot/errors.ts';

const KINDS: Readonly<Record<string, ReactionKind>> = { want: 'want', not: 'not-for-me', seen: 'seen' };

export const command = defineCommand({
  name: 'react',
  description: 'React to a movie in a list I showed you: want to watch, not for me, or seen it',
  options: [
    { name: 'list', description: 'the list id (the buttons fill it in)', type: 'string', required: true, maxLength: 40 },
    { name: 'movie', description: 'the movie id (the buttons fill it in)', type: 'string', required: true, maxLength: 40 },
    {
      name: 'kind',
      description: 'want, not or seen',
      type: 'string',
      required: true,
      choices: [
        { name: 'want to watch', value: 'want' },
        { name: 'not for me', value: 'not' },
        { name: 'seen it', value: 'seen' },
      ],
    },
    { name: 'score', description: 'your rating, for seen it', type: 'number', min: HALF_STARS.min, max: HALF_STARS.max, step: HALF_STARS.step },
  ],
  writes: true,
  examples: ['/react list:Ab3dE9xq movie:2571 kind:want', '/react list:Ab3dE9xq movie:2571 kind:seen score:4.5'],
  async run(ctx, opts): Promise<Reply> {
    const kind = KINDS[opts.kind];
    if (kind === 'seen' && opts.score === undefined) throw new UsageError('"Seen it" needs your score, e.g. score:4.5.');
    if (kind !== 'seen' && opts.score !== undefined) throw new UsageError(`score goes with kind:seen only (you chose kind:${opts.kind}).`);
    const out = ctx.service.react(ctx.member, opts.list, opts.movie, kind, opts.score);
    const label = ctx.service.label(out.movie);
    const text =
      out.kind === 'cleared'
        ? `Took back your reaction to ${label}.${out.previous === 'not-for-me' ? ' It can appear in your lists again.' : ''}`
        : out.kind === 'want'
          ? `👍 Noted: you want to watch ${label}.`
          : out.kind === 'not-for-me'
            ? `👎 Noted: ${label} stays out of your lists (undo: the same button, or /unhide ${label}).`
            : `Rated ${label} ${out.rated}.`;
    const state = out.kind === 'cleared' ? 'none' : out.kind === 'not-for-me' ? 'not' : out.kind;
    return { text, reaction: { listId: opts.list, movieId: opts.movie, state }, ephemeral: true };
  },
});
