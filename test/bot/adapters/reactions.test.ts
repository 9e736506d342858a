/**
 * Every recommended movie can be reacted to on every platform: on Discord numbered 👍 and 👎
 * buttons and a "seen it" menu that asks for the score, on Slack 👍 / 👎 / "Seen it" buttons under
 * each movie. A click on a private list restyles the list in place (the chosen button pressed, a
 * second click on the other one moves it, the same one again releases it); a public list stays as
 * it is, so nobody sees another member's reactions. The console's keys are covered with the
 * commands (test/commands/feedback.test.ts); the Slack app's own click path in slack.test.ts.
 */
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ComponentType,
  MessageFlags,
  StringSelectMenuBuilder,
  type APIButtonComponentWithCustomId,
  type APIStringSelectComponent,
  type InteractionUpdateOptions,
} from 'discord.js';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCommands } from '../../../commands/index.ts';
import type { CommandRegistry } from '../../../src/bot/command.ts';
import { createDispatcher } from '../../../src/bot/dispatch.ts';
import { createInteractionHandler } from '../../../src/bot/adapters/discord.ts';
import { CUSTOM_ID, decodeCustomId, markReaction as markDiscord, renderDiscord, type DiscordRow } from '../../../src/bot/adapters/discord-render.ts';
import {
  REACTION_STATUS_BLOCK,
  SLACK_LIMITS,
  decodeActionId,
  markReaction as markSlack,
  renderSlack,
  splitSeenValue,
} from '../../../src/bot/adapters/slack-render.ts';
import type { Reply } from '../../../src/bot/reply.ts';
import { FakeService, MOVIES } from '../fake-service.ts';
import { button, chatInput, type Fake } from './discord-fakes.ts';

const titles = ['The Matrix (1999)', 'Alien (1979)', 'Heat (1995)', 'Se7en (1995)', 'Fargo (1996)', 'Brazil (1985)', 'Ran (1985)', 'Up (2009)', 'Big (1988)', 'Jaws (1975)'];
const listOf = (n: number, extra: Partial<Reply> = {}): Reply => ({
  title: 'Recommended for you',
  items: Array.from({ length: n }, (_, k) => ({ label: titles[k % titles.length], detail: 'predicted 4.5', why: 'because you rated Alien 5', movieId: String(100 + k) })),
  feedback: { listId: 'Ab3dE9xq' },
  ephemeral: true,
  ...extra,
});
const want = (movieId: string) => `/react list:Ab3dE9xq movie:${movieId} kind:want`;
const not = (movieId: string) => `/react list:Ab3dE9xq movie:${movieId} kind:not`;

type Button = APIButtonComponentWithCustomId;
const buttonsOf = (rows: DiscordRow[]) => rows.flatMap((r) => r.components).filter((c): c is Button => c.type === ComponentType.Button);
const menusOf = (rows: DiscordRow[]) => rows.flatMap((r) => r.components).filter((c): c is APIStringSelectComponent => c.type === ComponentType.StringSelect);

/** discord.js's own builders refuse what Discord would: more than 5 per row, long ids or labels. */
function expectDiscordAccepts(rows: DiscordRow[]): void {
  expect(rows.length).toBeLessThanOrEqual(5);
  for (const row of rows) expect(() => new ActionRowBuilder(row).toJSON()).not.toThrow();
  for (const b of buttonsOf(rows)) expect(() => new ButtonBuilder(b).toJSON()).not.toThrow();
  for (const m of menusOf(rows)) expect(() => new StringSelectMenuBuilder(m).toJSON()).not.toThrow();
  const ids = rows.flatMap((r) => r.components.map((c) => ('custom_id' in c ? c.custom_id : '')));
  expect(new Set(ids).size).toBe(ids.length);
}

describe('Discord: numbered 👍 and 👎 buttons, and a "seen it" menu', () => {
  it('a list of ten: 👍 1–5, 👍 6–10, 👎 1–5, 👎 6–10, then "seen it" for every movie', () => {
    const rows = renderDiscord(listOf(10)).components;
    expectDiscordAccepts(rows);
    expect(rows).toHaveLength(5);
    expect(rows.slice(0, 4).map((r) => (r.components as Button[]).map((b) => b.label))).toEqual([
      ['👍 1', '👍 2', '👍 3', '👍 4', '👍 5'],
      ['👍 6', '👍 7', '👍 8', '👍 9', '👍 10'],
      ['👎 1', '👎 2', '👎 3', '👎 4', '👎 5'],
      ['👎 6', '👎 7', '👎 8', '👎 9', '👎 10'],
    ]);
    const thumbs = buttonsOf(rows);
    expect(thumbs.every((b) => b.style === ButtonStyle.Secondary)).toBe(true);
    expect(decodeCustomId(thumbs[2].custom_id)).toEqual({ kind: 'react', command: want('102') });
    expect(decodeCustomId(thumbs[12].custom_id)).toEqual({ kind: 'react', command: not('102') });
    const [seen] = menusOf(rows);
    expect(decodeCustomId(seen.custom_id)?.kind).toBe('pick-movie');
    expect(seen.options.map((o) => o.label).slice(0, 2)).toEqual(['1. The Matrix (1999)', '2. Alien (1979)']);
    expect(seen.options[1].value).toBe('/react list:Ab3dE9xq movie:101 kind:seen score:');
  });

  it('three movies take one 👍 row and one 👎 row', () => {
    const rows = renderDiscord(listOf(3)).components;
    expectDiscordAccepts(rows);
    expect(rows.map((r) => r.components.length)).toEqual([3, 3, 1]);
  });

  it('a list of 25: buttons for the first ten, the menu for all 25, and the footer says so', () => {
    const msg = renderDiscord(listOf(25));
    expectDiscordAccepts(msg.components);
    expect(buttonsOf(msg.components)).toHaveLength(20);
    expect(menusOf(msg.components)[0].options).toHaveLength(25);
    expect(msg.embeds[0].footer?.text).toContain('👍/👎 buttons for the first 10 movies');
  });

  it('a cold-start list already offers rating: its rate menu stands for "seen it", and all stays within five rows', () => {
    const reply = listOf(10, {
      actions: Array.from({ length: 10 }, (_, k) => ({ kind: 'rate' as const, id: `rate:${100 + k}`, label: `Rate ${titles[k]}`, command: `/rate title:id:${100 + k} score:` })),
    });
    const rows = renderDiscord(reply).components;
    expectDiscordAccepts(rows);
    const menus = menusOf(rows);
    expect(menus).toHaveLength(1);
    expect(menus[0].placeholder).toBe('Rate one of these…');
    expect(buttonsOf(rows)).toHaveLength(20);
  });

  it('a movie id too long for a custom_id gets no buttons rather than a message Discord refuses', () => {
    const reply = listOf(2);
    reply.items![1].movieId = 'x'.repeat(60);
    const rows = renderDiscord(reply).components;
    expectDiscordAccepts(rows);
    expect(buttonsOf(rows).map((b) => b.label)).toEqual(['👍 1', '👎 1']);
  });

  it('markReaction: 👍 pressed, then 👎 instead, then released; other movies untouched', () => {
    const rows = renderDiscord(listOf(4)).components;
    const styleOf = (rs: DiscordRow[], label: string) => buttonsOf(rs).find((b) => b.label === label)!.style;
    const liked = markDiscord(rows, { listId: 'Ab3dE9xq', movieId: '102', state: 'want' });
    expect(styleOf(liked, '👍 3')).toBe(ButtonStyle.Primary);
    expect(styleOf(liked, '👎 3')).toBe(ButtonStyle.Secondary);
    const disliked = markDiscord(liked, { listId: 'Ab3dE9xq', movieId: '102', state: 'not' });
    expect(styleOf(disliked, '👍 3')).toBe(ButtonStyle.Secondary);
    expect(styleOf(disliked, '👎 3')).toBe(ButtonStyle.Danger);
    const released = markDiscord(disliked, { listId: 'Ab3dE9xq', movieId: '102', state: 'none' });
    expect(buttonsOf(released).every((b) => b.style === ButtonStyle.Secondary)).toBe(true);
    // the menu row and the input rows are not changed in place
    expect(menusOf(released)).toEqual(menusOf(rows));
    expect(buttonsOf(rows).every((b) => b.style === ButtonStyle.Secondary)).toBe(true);
    expectDiscordAccepts(disliked);
  });
});

type AnyBlock = { type: string; block_id?: string; text?: { text: string }; elements?: Array<{ type: string; action_id: string; value?: string; style?: string; text?: { text: string } }> };
const blocksOf = (reply: Reply) => renderSlack(reply).blocks as AnyBlock[];

describe('Slack: 👍 / 👎 / "Seen it" buttons under each movie', () => {
  it('each movie is a section with its buttons under it; each button runs /react', () => {
    const blocks = blocksOf(listOf(10));
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    const third = blocks.findIndex((b) => b.type === 'section' && b.text!.text.startsWith('*3.* Heat (1995)'));
    expect(third).toBeGreaterThan(0);
    const buttons = blocks[third + 1];
    expect(buttons.type).toBe('actions');
    expect(buttons.elements!.map((e) => e.text!.text)).toEqual(['👍 Want to watch', '👎 Not for me', 'Seen it…']);
    expect(buttons.elements!.map((e) => decodeActionId(e.action_id))).toEqual([
      { kind: 'react', choice: 'want' },
      { kind: 'react', choice: 'not' },
      { kind: 'react', choice: 'seen' },
    ]);
    expect(buttons.elements![0].value).toBe(want('102'));
    expect(splitSeenValue(buttons.elements![2].value!)).toEqual({ command: '/react list:Ab3dE9xq movie:102 kind:seen score:', movie: '3. Heat (1995)' });
    expect(blocks.filter((b) => b.type === 'actions')).toHaveLength(10);
  });

  it('a list of 25 stays within 50 blocks: buttons for as many as fit, the rest listed, and a note says so', () => {
    const blocks = blocksOf(listOf(25));
    expect(blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks - 1); // one left for the reaction line
    const withButtons = blocks.filter((b) => b.type === 'actions').length;
    expect(withButtons).toBeGreaterThan(15);
    expect(withButtons).toBeLessThan(25);
    const all = JSON.stringify(blocks);
    expect(all.includes('*25.* Fargo (1996)')).toBe(true);
    expect(all.includes(`👍/👎 buttons for the first ${withButtons} movies`)).toBe(true);
  });

  it('a list shown in fields (/because): its movies with their buttons follow the fields', () => {
    const blocks = blocksOf({
      title: 'Because you liked Alien (1979)',
      fields: [
        { name: 'Similar in content', value: '1. The Matrix (1999)' },
        { name: 'Members who liked it also liked', value: '1. Heat (1995)' },
      ],
      feedback: { listId: 'Ab3dE9xq', movies: [{ label: 'The Matrix (1999)', movieId: '100' }, { label: 'Heat (1995)', movieId: '102' }] },
    });
    const sections = blocks.filter((b) => b.type === 'section').map((b) => b.text?.text);
    expect(sections.slice(-2)).toEqual(['*1.* The Matrix (1999)', '*2.* Heat (1995)']);
    expect(blocks.filter((b) => b.type === 'actions').map((b) => b.elements![0].value)).toEqual([want('100'), want('102')]);
  });

  it('markReaction presses the chosen button and says what happened on one line, replaced at each click', () => {
    const blocks = renderSlack(listOf(3)).blocks;
    const liked = markSlack(blocks, { listId: 'Ab3dE9xq', movieId: '101', state: 'want' }, '👍 Noted: you want to watch Alien (1979).');
    const styles = (bs: unknown[]) => (bs as AnyBlock[]).filter((b) => b.type === 'actions').map((b) => b.elements!.slice(0, 2).map((e) => e.style ?? '-'));
    expect(styles(liked)).toEqual([['-', '-'], ['primary', '-'], ['-', '-']]);
    const disliked = markSlack(liked, { listId: 'Ab3dE9xq', movieId: '101', state: 'not' }, '👎 Noted: Alien (1979) stays out of your lists.');
    expect(styles(disliked)).toEqual([['-', '-'], ['-', 'danger'], ['-', '-']]);
    const status = (disliked as AnyBlock[]).filter((b) => b.block_id === REACTION_STATUS_BLOCK);
    expect(status).toHaveLength(1);
    expect(JSON.stringify(status[0])).toContain('stays out of your lists');
    const released = markSlack(disliked, { listId: 'Ab3dE9xq', movieId: '101', state: 'none' }, 'Took back your reaction to Alien (1979).');
    expect(styles(released)).toEqual([['-', '-'], ['-', '-'], ['-', '-']]);
    expect(released).toHaveLength(blocks.length + 1);
  });

  it('a list without reactions gets no reaction buttons on either platform', () => {
    const plain = listOf(3, { feedback: undefined });
    expect(renderDiscord(plain).components).toEqual([]);
    expect(blocksOf(plain).some((b) => b.type === 'actions')).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// the Discord adapter: fake interactions, the real dispatcher and commands, the fake service

let commands: CommandRegistry;
beforeAll(async () => {
  commands = await loadCommands();
});

const ANN = { id: '100000000000000001', displayName: 'Ann' };
const BOB = { id: '100000000000000002', displayName: 'Bob' };

async function discordSetup() {
  const service = new FakeService();
  const dispatcher = createDispatcher({ service, commands });
  const handle = createInteractionHandler({ dispatcher, service, log: pino({ level: 'silent' }) });
  const run = async (f: Fake) => {
    await handle(f.asInteraction());
    return f;
  };
  // Ann has rated enough for personal picks: her /recommend list is recorded and can be reacted to
  const ann = service.member('discord', ANN.id, 'Ann');
  for (const m of MOVIES.slice(0, 5)) service.rate(ann, m.movieId, 4);
  return { service, run, ann };
}

const payload = (fn: Fake['update']) => fn.mock.calls[0][0] as InteractionUpdateOptions & { components: DiscordRow[]; flags?: number };

describe('Discord: reacting from the list itself', () => {
  it('Ann 👍s her third movie: her private list shows it pressed; 👎 moves it; 👎 again takes it back', async () => {
    const { service, run } = await discordSetup();
    const rec = await run(chatInput('recommend', {}, { user: ANN }));
    const list = rec.reply.mock.calls[0][0] as { components: DiscordRow[]; flags: number };
    expect(list.flags).toBe(MessageFlags.Ephemeral);
    let rows = list.components;
    const third = (label: string) => buttonsOf(rows).find((b) => b.label === label)!;
    const listId = /list:(\S+)/.exec(third('👍 3').custom_id)![1];
    const movie = /movie:(\S+)/.exec(third('👍 3').custom_id)![1];

    const clicked = await run(button(third('👍 3').custom_id, { user: ANN, ephemeral: true, components: rows }));
    expect(clicked.reply).not.toHaveBeenCalled();
    rows = payload(clicked.update).components;
    expect(payload(clicked.update).content).toMatch(/^👍 Noted: you want to watch /);
    expect(third('👍 3').style).toBe(ButtonStyle.Primary);
    expect(service.reactions.get(`${listId}/${movie}`)).toBe('want');

    const changed = await run(button(third('👎 3').custom_id, { user: ANN, ephemeral: true, components: rows }));
    rows = payload(changed.update).components;
    expect([third('👍 3').style, third('👎 3').style]).toEqual([ButtonStyle.Secondary, ButtonStyle.Danger]);
    expect(service.reactions.get(`${listId}/${movie}`)).toBe('not-for-me');
    expect(service.hidden(service.findMember('discord', ANN.id)!).map((m) => m.movieId)).toEqual([movie]);

    const undone = await run(button(third('👎 3').custom_id, { user: ANN, ephemeral: true, components: rows }));
    rows = payload(undone.update).components;
    expect(buttonsOf(rows).every((b) => b.style === ButtonStyle.Secondary)).toBe(true);
    expect(payload(undone.update).content).toMatch(/^Took back your reaction/);
    expect(service.reactions.has(`${listId}/${movie}`)).toBe(false);
    expect(service.hidden(service.findMember('discord', ANN.id)!)).toEqual([]);
  });

  it('a public list is never restyled: Bob’s click on Ann’s movie night is refused privately, and Ann’s own answer is private too', async () => {
    const { service, run } = await discordSetup();
    service.member('discord', BOB.id, 'Bob');
    const night = await run(chatInput('movienight', { members: `<@${BOB.id}>` }, { user: ANN }));
    const rows = (night.reply.mock.calls[0][0] as { components: DiscordRow[]; flags?: number }).components;
    expect((night.reply.mock.calls[0][0] as { flags?: number }).flags).toBeUndefined();
    const first = buttonsOf(rows).find((b) => b.label === '👍 1')!;

    const bob = await run(button(first.custom_id, { user: BOB, components: rows }));
    expect(bob.update).not.toHaveBeenCalled();
    const refusal = bob.reply.mock.calls[0][0] as { flags: number; embeds: Array<{ description: string }> };
    expect(refusal.flags).toBe(MessageFlags.Ephemeral);
    expect(refusal.embeds[0].description).toBe('Only the member this list was made for can react to it.');
    expect(service.reactions.size).toBe(0);

    const ann = await run(button(first.custom_id, { user: ANN, components: rows }));
    expect(ann.update).not.toHaveBeenCalled();
    expect((ann.reply.mock.calls[0][0] as { flags: number }).flags).toBe(MessageFlags.Ephemeral);
    expect(service.reactions.size).toBe(1);
  });

  it('"Seen it" asks the score, and the score is a normal rating', async () => {
    const { service, run, ann } = await discordSetup();
    const rec = await run(chatInput('recommend', {}, { user: ANN }));
    const rows = (rec.reply.mock.calls[0][0] as { components: DiscordRow[] }).components;
    const seen = menusOf(rows).find((m) => m.custom_id === CUSTOM_ID.pickMovie)!;
    const { select } = await import('./discord-fakes.ts');
    const asked = await run(select(seen.custom_id, seen.options[0].value, { user: ANN, ephemeral: true, options: seen.options }));
    const scoreMenu = (asked.reply.mock.calls[0][0] as { components: DiscordRow[] }).components[0].components[0] as APIStringSelectComponent;
    expect(scoreMenu.custom_id).toBe(`mq:t:${seen.options[0].value}`);
    const movieId = /movie:(\S+)/.exec(seen.options[0].value)![1];
    await run(select(scoreMenu.custom_id, '4.5', { user: ANN, ephemeral: true }));
    expect(service.ratings(ann).find((r) => r.movieId === movieId)?.rating).toBe(4.5);
  });
});
