/**
 * What the chat platforms send, fuzzed through the real dispatcher onto a real store: Slack's
 * slash-command text (HTML-escaped, to a command line, per command and through /marquee),
 * Slack's block-action ids and values, and Discord's per-option strings. Every input gets an
 * answer with words in it, nothing throws, and an input that is refused leaves every member's
 * data exactly as it was.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DispatchRequest } from '../../src/bot/dispatch.ts';
import { UMBRELLA_COMMAND, unescapeSlack } from '../../src/bot/adapters/slack.ts';
import { decodeActionId, escapeSlack } from '../../src/bot/adapters/slack-render.ts';
import { lineText, rawValue } from './arbitraries.ts';
import { startLiveBot, type LiveBot } from './live-bot.ts';

let bot: LiveBot;
let names: string[];
beforeAll(async () => {
  bot = await startLiveBot();
  names = bot.dispatcher.commands.list.map((c) => c.name);
});
afterAll(async () => {
  await bot?.close();
});

/** Sends one request; checks the answer, and that a refusal changed nothing. */
async function sendAndCheck(req: DispatchRequest): Promise<void> {
  const before = bot.fingerprint();
  const reply = await bot.dispatcher.dispatch(req);
  expect(`${reply.title ?? ''}${reply.text ?? ''}${reply.items?.length ?? ''}${reply.table ? 'table' : ''}`.trim()).not.toBe('');
  const outcome = bot.last();
  expect(outcome?.outcome).not.toBe('failure');
  if (outcome?.outcome === 'member-error') expect(bot.fingerprint(), JSON.stringify(req)).toBe(before);
}

const slackUser = fc.constantFrom('UFUZZ1', 'UFUZZ2');

describe('the adapters’ decoding, fuzzed onto a real store', () => {
  it('Slack slash commands: any escaped text after any command, or after /marquee', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(fc.constantFrom(...names), { nil: undefined }), lineText, fc.boolean(), slackUser, async (name, typed, escaped, userId) => {
        // Slack sends &, < and > HTML-escaped; the adapter unescapes before the grammar reads
        const text = unescapeSlack(escaped ? escapeSlack(typed) : typed);
        const line = name === undefined ? (text.trim() === '' ? '/help' : text) : `/${name} ${text}`;
        await sendAndCheck({ platform: 'slack', userId, line });
      }),
      { numRuns: 400 },
    );
    expect(UMBRELLA_COMMAND).toBe('marquee');
  });

  it('Slack block actions: any action id decodes to a known kind or none, and any value runs as a line', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom('mq:run:1', 'mq:score:2', 'mq:score-replace:0', 'mq:pick-movie', 'mq:pick:3'), fc.string()),
        fc.oneof(rawValue, fc.constantFrom('/rate id:1 4', '/rate id:3 9', '/unrate id:2', '/forget', '/react x y')),
        slackUser,
        async (actionId, value, userId) => {
          const decoded = decodeActionId(actionId);
          if (decoded === undefined) return;
          expect(['run', 'score', 'pick-movie', 'pick-choice']).toContain(decoded.kind);
          if (decoded.kind !== 'pick-movie') await sendAndCheck({ platform: 'slack', userId, line: value });
        },
      ),
      { numRuns: 400 },
    );
  });

  it('Discord slash commands: any string for any option of any command', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), fc.array(fc.tuple(fc.nat(), rawValue), { maxLength: 4 }), async (name, picks) => {
        const def = bot.dispatcher.commands.get(name)!;
        const options: Record<string, string> = {};
        for (const [i, v] of picks) if (def.options.length) options[def.options[i % def.options.length].name] = v;
        await sendAndCheck({ platform: 'discord', userId: '81234567890123456', command: name, options });
      }),
      { numRuns: 400 },
    );
  });
});
