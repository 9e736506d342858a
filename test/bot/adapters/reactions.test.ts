/**
 * Every recommended movie can be reacted to on every platform: Discord and Slack show a 👍/👎
 * menu whose entries run /react, and a "seen it" menu that asks for the score; the console's
 * keys are covered with the commands (test/commands/feedback.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { decodeCustomId, renderDiscord } from '../../../src/bot/adapters/discord-render.ts';
import { decodeActionId, renderSlack } from '../../../src/bot/adapters/slack-render.ts';
import type { Reply } from '../../../src/bot/reply.ts';

const list: Reply = {
  title: 'Recommended for you',
  items: [
    { label: 'The Matrix (1999)', movieId: '2571' },
    { label: 'Alien (1979)', movieId: '1214' },
  ],
  feedback: { listId: 'Ab3dE9xq' },
};

describe('reaction menus', () => {
  it('Discord: a 👍/👎 menu running /react, and a "seen it" menu that asks for the score', () => {
    const msg = renderDiscord(list);
    const menus = msg.components.flatMap((r) => r.components) as Array<{ custom_id: string; options: Array<{ label: string; value: string }> }>;
    const react = menus.find((m) => decodeCustomId(m.custom_id)?.kind === 'pick-choice')!;
    expect(react.options.map((o) => o.label)).toEqual(['👍 1. The Matrix (1999)', '👎 1. The Matrix (1999)', '👍 2. Alien (1979)', '👎 2. Alien (1979)']);
    expect(react.options[3].value).toBe('/react list:Ab3dE9xq movie:1214 kind:not');
    const seen = menus.find((m) => decodeCustomId(m.custom_id)?.kind === 'pick-movie')!;
    expect(seen.options[0].value).toBe('/react list:Ab3dE9xq movie:2571 kind:seen score:');
  });

  it('Slack: the same two menus in the actions block', () => {
    const msg = renderSlack(list);
    const actions = msg.blocks.filter((b) => b.type === 'actions').flatMap((b) => (b as { elements: Array<{ action_id: string; options?: Array<{ value: string }> }> }).elements);
    const react = actions.find((e) => decodeActionId(e.action_id)?.kind === 'pick-choice')!;
    expect(react.options!.map((o) => o.value)).toContain('/react list:Ab3dE9xq movie:2571 kind:want');
    const seen = actions.find((e) => decodeActionId(e.action_id)?.kind === 'pick-movie')!;
    expect(seen.options![1].value).toBe('/react list:Ab3dE9xq movie:1214 kind:seen score:');
  });

  it('a list without reactions gets no reaction menus', () => {
    const plain = { ...list, feedback: undefined };
    expect(renderDiscord(plain).components).toEqual([]);
    expect(renderSlack(plain).blocks.some((b) => b.type === 'actions')).toBe(false);
  });
});
