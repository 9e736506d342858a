import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  ButtonBuilder,
  ComponentType,
  EmbedBuilder,
  embedLength,
  MessageFlags,
  REST,
  StringSelectMenuBuilder,
  type APIButtonComponentWithCustomId,
  type APIEmbed,
  type APIStringSelectComponent,
} from 'discord.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCommands } from '../../../commands/index.ts';
import type { CommandRegistry } from '../../../src/bot/command.ts';
import { createDispatcher, type DispatcherOptions } from '../../../src/bot/dispatch.ts';
import type { Reply, ReplyAction } from '../../../src/bot/reply.ts';
import { AUTOCOMPLETE_LIMIT, createInteractionHandler, ratingScale } from '../../../src/bot/adapters/discord.ts';
import { deployDiscordCommands, discordCommandData, toSlashCommand } from '../../../src/bot/adapters/discord-commands.ts';
import { DISCORD_LIMITS, decodeCustomId, renderDiscord, type DiscordMessage } from '../../../src/bot/adapters/discord-render.ts';
import { FakeService, MOVIES } from '../fake-service.ts';
import { autocomplete, button, chatInput, select, type Fake } from './discord-fakes.ts';

const silent = pino({ level: 'silent' });
let commands: CommandRegistry;
beforeAll(async () => {
  commands = await loadCommands();
});

/** Checks a rendered message against every Discord limit, with discord.js's own builders. */
function expectWithinLimits(msg: DiscordMessage): void {
  expect(msg.embeds.length).toBeLessThanOrEqual(10);
  const total = msg.embeds.reduce((s, e) => s + embedLength(e), 0);
  expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.total);
  for (const e of msg.embeds) {
    // the builder's setters validate Discord's per-part limits and throw when one is broken
    const b = new EmbedBuilder();
    if (e.title) b.setTitle(e.title);
    if (e.description) b.setDescription(e.description);
    if (e.fields) b.addFields(e.fields);
    if (e.footer) b.setFooter(e.footer);
    expect(embedLength(b.toJSON())).toBe(embedLength(e));
  }
  expect(msg.components.length).toBeLessThanOrEqual(5);
  for (const row of msg.components) {
    expect(row.components.length).toBeGreaterThan(0);
    expect(row.components.length).toBeLessThanOrEqual(5);
    for (const c of row.components) {
      if (c.type === ComponentType.Button) {
        expect(() => new ButtonBuilder(c).toJSON()).not.toThrow();
        expect((c as APIButtonComponentWithCustomId).label!.length).toBeLessThanOrEqual(80);
      } else {
        expect(() => new StringSelectMenuBuilder(c as APIStringSelectComponent).toJSON()).not.toThrow();
        expect((c as APIStringSelectComponent).options.length).toBeLessThanOrEqual(25);
      }
      expect(('custom_id' in c ? c.custom_id : '').length).toBeLessThanOrEqual(100);
    }
    expect(() => new ActionRowBuilder(row).toJSON()).not.toThrow();
  }
  const ids = msg.components.flatMap((r) => r.components.map((c) => ('custom_id' in c ? c.custom_id : '')));
  expect(new Set(ids).size).toBe(ids.length);
}

const movieItems = (n: number, label = (i: number) => `Movie number ${i} (19${String(i % 100).padStart(2, '0')})`) =>
  Array.from({ length: n }, (_, i) => ({ label: label(i + 1), detail: `predicted ${(4.9 - i / 1000).toFixed(1)}`, why: 'because you rated Alien 5', movieId: String(i + 1) }));

describe('Discord slash-command definitions', () => {
  it('every command from the commands folder converts, validated by discord.js SlashCommandBuilder', () => {
    const data = discordCommandData(commands);
    expect(data.map((d) => d.name)).toEqual(commands.list.map((c) => c.name));
    for (const d of data) {
      expect(d.description.length).toBeGreaterThan(0);
      expect(d.options?.length ?? 0).toBeLessThanOrEqual(25);
      // Discord also caps a command's name, description and options at 4000 characters together
      expect(JSON.stringify(d).length).toBeLessThan(4000);
    }
  });

  it('maps option types: titles autocomplete, scores keep their range, mentions are users, admin commands need Manage Server', () => {
    const rate = toSlashCommand(commands.get('rate')!);
    expect(rate.options).toMatchObject([
      { name: 'title', type: ApplicationCommandOptionType.String, required: true, autocomplete: true, max_length: 200 },
      { name: 'score', type: ApplicationCommandOptionType.Number, required: true, min_value: 0.5, max_value: 5 },
    ]);
    expect(rate.default_member_permissions).toBeUndefined();

    const evaluate = toSlashCommand(commands.get('evaluate')!);
    expect(evaluate.default_member_permissions).toBe('32'); // ManageGuild

    const top = toSlashCommand(commands.get('top')!);
    expect(top.options?.find((o) => o.name === 'genre')).toMatchObject({ autocomplete: true });
    expect(top.options?.find((o) => o.name === 'n')).toMatchObject({ type: ApplicationCommandOptionType.Integer, min_value: 1, max_value: 25 });

    // /import's file is far longer than a Discord option can hold: it is an attachment
    expect(toSlashCommand(commands.get('import')!).options).toMatchObject([{ name: 'file', type: ApplicationCommandOptionType.Attachment, required: true }]);

    // ten mentions must fit in the members option
    const night = toSlashCommand(commands.get('movienight')!);
    expect(night.options?.[0]).toMatchObject({ name: 'members', type: ApplicationCommandOptionType.String });
    expect((night.options?.[0] as { max_length: number }).max_length).toBeGreaterThanOrEqual(10 * 23);

    expect(toSlashCommand(commands.get('forget')!).options).toMatchObject([{ name: 'confirm', type: ApplicationCommandOptionType.Boolean }]);
  });

  it('offers the rate command’s own scale in score menus', () => {
    expect(ratingScale(commands)).toEqual([5, 4.5, 4, 3.5, 3, 2.5, 2, 1.5, 1, 0.5]);
  });
});

describe('renderDiscord', () => {
  it('a recommendation list: numbered items with reasons in the embed, one menu to rate any of them', () => {
    const actions: ReplyAction[] = movieItems(10).map((m) => ({ kind: 'rate', id: `rate:${m.movieId}`, label: `Rate ${m.label}`, command: `/rate title:id:${m.movieId} score:` }));
    const msg = renderDiscord({ title: 'Popular picks to start with', items: movieItems(10), actions, footer: 'by popular', ephemeral: true });
    expectWithinLimits(msg);
    expect(msg.ephemeral).toBe(true);
    const e = msg.embeds[0];
    expect(e.title).toBe('Popular picks to start with');
    expect(e.description).toContain('**1.** Movie number 1 (1901) — predicted 4.9\n↳ *because you rated Alien 5*');
    expect(e.footer?.text).toBe('by popular');
    expect(msg.components).toHaveLength(1);
    const menu = msg.components[0].components[0] as APIStringSelectComponent;
    expect(decodeCustomId(menu.custom_id)).toEqual({ kind: 'pick-movie' });
    expect(menu.options.map((o) => o.value)).toContain('/rate title:id:7 score:');
  });

  it('one movie to rate: a score menu whose values complete the rate command', () => {
    const msg = renderDiscord({
      title: 'The Matrix (1999)',
      fields: [{ name: 'Genres', value: 'Action, Sci-Fi', inline: true }],
      actions: [{ kind: 'rate', id: 'rate:2571', label: 'Rate The Matrix (1999)', command: '/rate title:id:2571 score:' }],
    });
    expectWithinLimits(msg);
    const menu = msg.components[0].components[0] as APIStringSelectComponent;
    expect(decodeCustomId(menu.custom_id)).toEqual({ kind: 'score', command: '/rate title:id:2571 score:', replace: false });
    expect(menu.options.map((o) => o.value)).toEqual(['5', '4.5', '4', '3.5', '3', '2.5', '2', '1.5', '1', '0.5']);
    expect(menu.options[1].label).toBe('★★★★½ 4.5');
    expect(msg.embeds[0].fields).toEqual([{ name: 'Genres', value: 'Action, Sci-Fi', inline: true }]);
  });

  it('a 500-item list stops inside the 4096-character description and says how many are left', () => {
    const msg = renderDiscord({ title: 'Your ratings', text: 'Everything you rated.', items: movieItems(500, (i) => `A rather long movie title that goes on and on, part ${i}`) });
    expectWithinLimits(msg);
    const d = msg.embeds[0].description!;
    expect(d.length).toBeLessThanOrEqual(4096);
    expect(d.startsWith('Everything you rated.\n\n**1.** A rather long movie title')).toBe(true);
    const shown = (d.match(/^\*\*\d+\.\*\*/gm) ?? []).length;
    expect(d.endsWith(`… and ${500 - shown} more`)).toBe(true);
    expect(shown).toBeGreaterThan(10);
  });

  it('40 long fields: at most 25, each value within 1024, the whole message within 6000', () => {
    const fields = Array.from({ length: 40 }, (_, i) => ({ name: `Field ${i + 1}`, value: Array.from({ length: 40 }, (_, j) => `line ${j} of field ${i + 1}, with a few more words`).join('\n') }));
    const msg = renderDiscord({ title: 'Lots of detail', text: 'x'.repeat(5000), fields });
    expectWithinLimits(msg);
    const fs = msg.embeds[0].fields!;
    expect(fs.length).toBeLessThanOrEqual(25);
    expect(fs.every((f) => f.value.length <= 1024)).toBe(true);
    const last = fs[fs.length - 1];
    expect(last.name).toBe('…');
    expect(last.value).toBe(`and ${40 - (fs.length - 1)} more`);
    expect(fs[0].value).toMatch(/… and \d+ more$/);
  });

  it('up to 25 choices are buttons (labels cut to 80); more become menus, never more than 5 rows', () => {
    const choose = (n: number): ReplyAction[] =>
      Array.from({ length: n }, (_, i) => ({ kind: 'choose', id: `choose:${i}`, label: `${'Very long title '.repeat(8)}${i}`, command: `/movie title:id:${i}` }));
    const few = renderDiscord({ title: 'Which one?', actions: choose(12), ephemeral: true });
    expectWithinLimits(few);
    expect(few.components).toHaveLength(3);
    const first = few.components[0].components[0];
    expect(first.type).toBe(ComponentType.Button);
    expect(decodeCustomId((first as { custom_id: string }).custom_id)).toEqual({ kind: 'run', command: '/movie title:id:0' });

    for (const n of [26, 60, 200]) {
      const many = renderDiscord({ title: 'Which one?', actions: choose(n) });
      expectWithinLimits(many);
      const options = many.components.flatMap((r) => (r.components[0] as APIStringSelectComponent).options);
      expect(options.length).toBe(Math.min(n, 125));
      if (n > 125) expect(many.embeds[0].footer?.text).toBe(`${n - 125} more choices not shown`);
    }
  });

  it('rate menu plus paging buttons share the five rows', () => {
    const actions: ReplyAction[] = [
      ...movieItems(30).map((m): ReplyAction => ({ kind: 'rate', id: `rate:${m.movieId}`, label: `Rate ${m.label}`, command: `/rate title:id:${m.movieId} score:` })),
      { kind: 'page', id: 'p', label: 'Previous page', command: '/ratings page:1' },
      { kind: 'page', id: 'n', label: 'Next page', command: '/ratings page:3' },
      { kind: 'page', id: 'n2', label: 'Next page again', command: '/ratings page:3' },
    ];
    const msg = renderDiscord({ items: movieItems(30), actions });
    expectWithinLimits(msg);
    expect(msg.components).toHaveLength(2);
    expect((msg.components[0].components[0] as APIStringSelectComponent).options).toHaveLength(25);
    // the duplicate command is shown once
    expect(msg.components[1].components).toHaveLength(2);
    expect(msg.embeds[0].footer?.text).toBe('the first 25 can be rated here');
  });

  it('drops an action whose command cannot fit in a custom_id', () => {
    const msg = renderDiscord({ text: 'hi', actions: [{ kind: 'confirm', id: 'x', label: 'Go', command: `/top genre:${'x'.repeat(100)}` }] });
    expect(msg.components).toEqual([]);
  });

  it('an evaluation chart is attached and shown in the embed; a long table is cut with a note', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const rows = Array.from({ length: 400 }, (_, i) => [`algo-${i}`, '0.8736', '0.6721']);
    const msg = renderDiscord({ title: 'Evaluation', table: { columns: ['algorithm', 'RMSE', 'MAE'], rows }, image: { png, alt: 'RMSE by algorithm', filename: 'evaluation.png' } });
    expectWithinLimits(msg);
    expect(msg.files).toEqual([{ attachment: Buffer.from(png), name: 'evaluation.png', description: 'RMSE by algorithm' }]);
    expect(msg.embeds[0].image).toEqual({ url: 'attachment://evaluation.png' });
    const d = msg.embeds[0].description!;
    expect(d.startsWith('```\nalgorithm    RMSE     MAE\n---------  ------  ------\nalgo-0     0.8736  0.6721\n')).toBe(true);
    expect(d).toMatch(/… and \d+ more rows\n```$/);
  });

  it('a CSV export is a file; a reply with only a file has no empty embed', () => {
    const msg = renderDiscord({ attachment: { name: 'marquee-ratings-2024-01-01.csv', mime: 'text/csv', data: 'movieId,rating\n2571,4.5\n' }, ephemeral: true });
    expect(msg.embeds).toEqual([]);
    expect(msg.files).toHaveLength(1);
    expect(msg.files[0].name).toBe('marquee-ratings-2024-01-01.csv');
    expect(msg.files[0].attachment.toString('utf8')).toBe('movieId,rating\n2571,4.5\n');
    expect(renderDiscord({}).content).toBe('Done.');
  });

  it('escapes markdown in titles people wrote but leaves links and mentions working', () => {
    const msg = renderDiscord({
      title: '*batteries not included (1987)',
      text: 'I don’t know <@123456789012345678> yet.',
      fields: [{ name: 'Links', value: 'https://www.themoviedb.org/movie/some_movie_id\n_under_score_' }],
    });
    const e = msg.embeds[0] as APIEmbed;
    expect(e.title).toBe('\\*batteries not included (1987)');
    expect(e.description).toBe('I don’t know <@123456789012345678> yet.');
    expect(e.fields?.[0].value).toBe('https://www.themoviedb.org/movie/some_movie_id\n\\_under\\_score\\_');
  });
});

// ---------------------------------------------------------------------------------------------

async function setup(
  opts: Partial<DispatcherOptions> = {},
  deps: { fetchText?: (url: string) => Promise<string>; deferAfterMs?: number; guildId?: string } = {},
) {
  const service = new FakeService();
  const dispatcher = createDispatcher({ service, commands, ...opts });
  const fetched: string[] = [];
  const handle = createInteractionHandler({
    dispatcher,
    service,
    log: silent,
    fetchText:
      deps.fetchText ??
      (async (url) => {
        fetched.push(url);
        return 'Date,Name,Year,Rating\n2024-01-01,The Matrix,1999,4.5\n';
      }),
    deferAfterMs: deps.deferAfterMs,
    progressEveryMs: 0,
    guildId: deps.guildId,
  });
  const run = async (f: Fake) => {
    await handle(f.asInteraction());
    return f;
  };
  return { service, dispatcher, run, fetched };
}

const sent = (fn: { mock: { calls: unknown[][] } }, k = 0) => fn.mock.calls[k][0] as { embeds?: APIEmbed[]; components?: Array<{ components: Array<{ custom_id: string; options?: Array<{ value: string; label: string }> }> }>; flags?: number; content?: string; files?: Array<{ name: string; attachment: Buffer }> };

describe('the Discord interaction handler (fake interactions, real dispatcher, fake service)', () => {
  it('a member rates a movie picked from autocomplete; the answer is private', async () => {
    const { run, service } = await setup();
    const ac = await run(autocomplete('rate', { name: 'title', value: 'The Ma' }));
    expect(ac.respond).toHaveBeenCalledWith([
      { name: 'The Matrix (1999)', value: 'id:2571' },
      { name: 'The Matrix Reloaded (2003)', value: 'id:6365' },
    ]);

    const f = await run(chatInput('rate', { title: 'id:2571', score: 4.5 }));
    expect(f.deferReply).not.toHaveBeenCalled();
    const reply = sent(f.reply);
    expect(reply.flags).toBe(MessageFlags.Ephemeral);
    expect(reply.embeds?.[0].description).toBe('Rated The Matrix (1999): ★★★★½ 4.5.');
    expect(service.writes).toEqual(['rate 1 2571 4.5']);
  });

  it('a flood of autocomplete requests from one member gets empty suggestions, not lookups', async () => {
    const { run } = await setup();
    for (let k = 0; k < AUTOCOMPLETE_LIMIT.count; k++) {
      const ok = await run(autocomplete('rate', { name: 'title', value: 'The Ma' }));
      expect(ok.respond.mock.calls[0][0]).not.toEqual([]);
    }
    const flooded = await run(autocomplete('rate', { name: 'title', value: 'The Ma' }));
    expect(flooded.respond).toHaveBeenCalledWith([]);
  });

  it('autocompletes run-time lists (genres) from what the service knows', async () => {
    const { run } = await setup();
    const ac = await run(autocomplete('top', { name: 'genre', value: 'sc' }));
    expect(ac.respond).toHaveBeenCalledWith([{ name: 'Sci-Fi', value: 'Sci-Fi' }]);
    const none = await run(autocomplete('top', { name: 'decade', value: '19' }));
    expect(none.respond).toHaveBeenCalledWith([]);
  });

  it('a new member rates from the cold-start list: movie menu, then score menu, then the confirmation', async () => {
    const { run, service } = await setup();
    const rec = await run(chatInput('recommend'));
    const menu = sent(rec.reply).components![0].components[0];
    expect(menu.custom_id).toBe('mq:m');
    const toy = menu.options!.find((o) => o.label === 'Rate Toy Story (1995)')!;

    const picked = await run(select('mq:m', toy.value, { ephemeral: true, options: menu.options }));
    const scoreMsg = sent(picked.reply);
    expect(scoreMsg.flags).toBe(MessageFlags.Ephemeral);
    const scoreMenu = scoreMsg.components![0].components[0];
    expect(scoreMenu.custom_id).toBe('mq:t:/rate title:id:1 score:');

    const scored = await run(select(scoreMenu.custom_id, '4', { ephemeral: true }));
    // the little score message is replaced by the answer
    expect(scored.update).toHaveBeenCalledTimes(1);
    expect(sent(scored.update).embeds?.[0].description).toBe('Rated Toy Story (1995): ★★★★ 4.');
    expect(service.writes).toEqual(['rate 1 1 4']);
  });

  it('a score picked under a movie’s details answers in a new message and keeps the details', async () => {
    const { run } = await setup();
    const f = await run(select('mq:s:/rate title:id:2571 score:', '5', { ephemeral: true }));
    expect(f.update).not.toHaveBeenCalled();
    expect(sent(f.reply).embeds?.[0].description).toBe('Rated The Matrix (1999): ★★★★★ 5.');
    expect(sent(f.reply).flags).toBe(MessageFlags.Ephemeral);
  });

  it('paging buttons replace the private list they belong to', async () => {
    const { run, service } = await setup();
    const ann = service.member('discord', '100000000000000001');
    for (const m of MOVIES) service.rate(ann, m.movieId, 4);
    service.ratingsOf.get(ann.id)!.push({ movieId: '1', rating: 2, ratedAt: 5 }); // an eleventh entry: a second page
    const first = await run(chatInput('ratings'));
    const next = sent(first.reply).components![0].components.find((c) => c.custom_id === 'mq:r:/ratings page:2')!;
    const paged = await run(button(next.custom_id, { ephemeral: true }));
    expect(paged.update).toHaveBeenCalledTimes(1);
    expect(sent(paged.update).embeds?.[0].title).toBe('Your ratings (page 2 of 2)');
    expect(sent(paged.update).content).toBe('');
  });

  it('an ambiguous title offers buttons that re-run the command for the member who clicks', async () => {
    const { run, service } = await setup();
    const f = await run(chatInput('rate', { title: 'Hamlet', score: 4 }));
    const buttons = sent(f.reply).components![0].components;
    expect(buttons.map((b) => b.custom_id)).toEqual(['mq:r:/rate title:id:1411 score:4', 'mq:r:/rate title:id:3598 score:4']);
    const bob = { id: '100000000000000002', displayName: 'Bob' };
    const clicked = await run(button(buttons[1].custom_id, { ephemeral: true, user: bob }));
    expect(sent(clicked.update).embeds?.[0].description).toBe('Rated Hamlet (2000): ★★★★ 4.');
    expect(service.findMember('discord', bob.id)).toBeDefined();
    expect(service.writes).toEqual([`rate ${service.findMember('discord', bob.id)!.id} 3598 4`]);
  });

  it('a choice that leads to a public answer: the private question says so, the answer is posted for all', async () => {
    const { run } = await setup();
    const f = await run(button('mq:r:/because title:id:1411 n:3', { ephemeral: true }));
    expect(sent(f.update)).toEqual({ content: 'Done: the answer is posted in the channel.', embeds: [], components: [], attachments: [] });
    const pub = sent(f.followUp);
    expect(pub.flags).toBeUndefined();
    // Ann has not rated Hamlet: "Because you liked" would put words in her mouth
    expect(pub.embeds?.[0].title).toBe('Movies like Hamlet (1996)');
  });

  it('/import reads the attached file’s text; an oversized file is refused before downloading', async () => {
    const { run, service, fetched } = await setup();
    const attachment = { name: 'ratings.csv', size: 120, contentType: 'text/csv; charset=utf-8', url: 'https://cdn.discordapp.com/attachments/1/2/ratings.csv' };
    const ok = await run(chatInput('import', { file: attachment }));
    expect(fetched).toEqual([attachment.url]);
    expect(service.imported).toEqual(['Date,Name,Year,Rating\n2024-01-01,The Matrix,1999,4.5']);
    // errors about the file name the member's own file, not "import.csv" or "your file"
    expect(service.importedAs).toEqual(['ratings.csv']);
    expect(sent(ok.reply).embeds?.[0].title).toBe('Import finished');

    const big = await run(chatInput('import', { file: { ...attachment, size: 6_000_000 } }));
    expect(sent(big.reply).embeds?.[0].description).toBe('ratings.csv is 6000000 bytes; file takes at most 5000000 bytes.');
    expect(sent(big.reply).flags).toBe(MessageFlags.Ephemeral);
    const image = await run(chatInput('import', { file: { ...attachment, name: 'cat.png', contentType: 'image/png' } }));
    expect(sent(image.reply).embeds?.[0].description).toBe('cat.png is image/png; file needs a text (CSV) file.');
    expect(fetched).toHaveLength(1);
  });

  it('/export sends the member their CSV as a private file', async () => {
    const { run, service } = await setup();
    service.rate(service.member('discord', '100000000000000001'), '2571', 4.5);
    const f = await run(chatInput('export'));
    const r = sent(f.reply);
    expect(r.flags).toBe(MessageFlags.Ephemeral);
    expect(r.files?.[0].name).toMatch(/^marquee-ratings-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(r.files?.[0].attachment.toString()).toContain('2571,"The Matrix",4.5');
  });

  it('a user option becomes a mention; an unknown member is told privately', async () => {
    const { run } = await setup();
    const f = await run(chatInput('movienight', { members: '<@100000000000000009>' }));
    expect(sent(f.reply).embeds?.[0].description).toMatch(/^I don't know <@100000000000000009> yet\./);
    expect(sent(f.reply).flags).toBe(MessageFlags.Ephemeral);
  });

  it('/evaluate (slow, with progress) is deferred privately, shows progress, then posts the result publicly with its chart', async () => {
    const { run, service } = await setup({ admins: [{ platform: 'discord', userId: '100000000000000001' }] }, { deferAfterMs: 0 });
    const f = await run(chatInput('evaluate', { folds: 3 }));
    expect(service.evaluations).toEqual([{ algos: undefined, folds: 3 }]);
    expect(f.deferReply).toHaveBeenCalledWith({ flags: MessageFlags.Ephemeral });
    expect(f.reply).not.toHaveBeenCalled();
    const edits = f.editReply.mock.calls.map((c) => (c[0] as { content?: string }).content);
    expect(edits[0]).toMatch(/^⏳ /);
    expect(edits[edits.length - 1]).toBe('Done: the answer is posted in the channel.');
    const pub = sent(f.followUp);
    expect(pub.flags).toBeUndefined();
    expect(pub.embeds?.[0].title).toBe('Evaluation on ml-latest-small: 3-fold cross-validation');
    expect(pub.embeds?.[0].image).toEqual({ url: 'attachment://evaluation.png' });
    expect(pub.files?.map((x) => x.name)).toEqual(['evaluation.png']);
  });

  it('refuses /evaluate to a member who is not an admin', async () => {
    const { run, service } = await setup({ admins: [] });
    const f = await run(chatInput('evaluate'));
    expect(sent(f.reply).embeds?.[0].description).toMatch(/for the bot's admins only/);
    expect(service.evaluations).toEqual([]);
  });

  describe('Manage Server makes an admin only on the bot’s own server (DISCORD_GUILD_ID)', () => {
    const OWN = '222222222222222222';
    const OTHER = '333333333333333333';
    /** a slash command sent from a server, by a member with Manage Server there */
    const fromServer = (guildId: string | null) => {
      const f = chatInput('evaluate', { folds: 2 }, { manageServer: true });
      const interaction = f.asInteraction();
      return Object.assign(f, { asInteraction: () => Object.assign(interaction, { guildId }) });
    };

    it('on the configured server, Manage Server runs /evaluate', async () => {
      const { run, service } = await setup({ admins: [] }, { guildId: OWN });
      await run(fromServer(OWN));
      expect(service.evaluations).toEqual([{ algos: undefined, folds: 2 }]);
    });

    it('on any other server, or in a DM, it does not', async () => {
      const { run, service } = await setup({ admins: [] }, { guildId: OWN });
      for (const guild of [OTHER, null]) {
        const f = await run(fromServer(guild));
        expect(sent(f.reply).embeds?.[0].description).toMatch(/for the bot's admins only/);
      }
      expect(service.evaluations).toEqual([]);
    });

    it('with DISCORD_GUILD_ID unset (a global bot) it counts nowhere: only MARQUEE_ADMINS', async () => {
      const { run, service } = await setup({ admins: [] });
      const f = await run(fromServer(OTHER));
      expect(sent(f.reply).embeds?.[0].description).toMatch(/for the bot's admins only/);
      expect(service.evaluations).toEqual([]);
      const listed = await setup({ admins: [{ platform: 'discord', userId: '100000000000000001' }] });
      await listed.run(fromServer(OTHER));
      expect(listed.service.evaluations).toEqual([{ algos: undefined, folds: 2 }]);
    });
  });

  it('ignores components that are not Marquee’s', async () => {
    const { run } = await setup();
    const f = await run(button('some-other-bot:thing'));
    expect(f.reply).not.toHaveBeenCalled();
    expect(f.update).not.toHaveBeenCalled();
  });
});

// ---------------------------------------------------------------------------------------------

describe('deploying the commands (discord.js REST against a local fake API)', () => {
  let server: Server;
  let base: string;
  const calls: Array<{ method: string; url: string; body: unknown; auth?: string }> = [];
  let registered: unknown[] = [];

  beforeAll(async () => {
    server = createServer(async (req: IncomingMessage, res) => {
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const body = raw ? JSON.parse(raw) : undefined;
      calls.push({ method: req.method!, url: req.url!, body, auth: req.headers.authorization });
      if (req.method === 'PUT') registered = (body as unknown[]).map((c, i) => ({ id: String(i), application_id: '1', version: '1', ...(c as object) }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(registered));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('PUTs to the guild’s commands when they changed, and sends nothing when Discord already has them', async () => {
    const rest = new REST({ version: '10', api: base }).setToken('test-token');
    const first = await deployDiscordCommands({ token: 'test-token', clientId: '111111111111111111', guildId: '222222222222222222', commands, rest });
    expect(first).toEqual({ route: '/applications/111111111111111111/guilds/222222222222222222/commands', count: commands.list.length, changed: true });
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual([
      'GET /api/v10/applications/111111111111111111/guilds/222222222222222222/commands',
      'PUT /api/v10/applications/111111111111111111/guilds/222222222222222222/commands',
    ]);
    expect(calls[1].auth).toBe('Bot test-token');
    expect((calls[1].body as Array<{ name: string }>).map((c) => c.name)).toEqual(commands.list.map((c) => c.name));

    const again = await deployDiscordCommands({ token: 'test-token', clientId: '111111111111111111', guildId: '222222222222222222', commands, rest });
    expect(again.changed).toBe(false);
    expect(calls).toHaveLength(3);
  });
});

// a reply type check: renderDiscord accepts every Reply field
const _all: Reply = { title: 't', text: 'x', fields: [], items: [], table: { columns: [], rows: [] }, actions: [], footer: 'f', ephemeral: false };
void _all;

describe('npm run deploy:discord', () => {
  it('explains what is missing instead of calling Discord', async () => {
    const { main } = await import('../../../src/bot/adapters/discord-deploy.ts');
    const said: string[] = [];
    expect(await main([], {}, (s) => said.push(s), null)).toBe(1);
    expect(said).toEqual(['DISCORD_TOKEN and DISCORD_CLIENT_ID must be set (in .env or the environment) to register the commands.']);
    expect(await main(['--guild'], {}, (s) => said.push(s), null)).toBe(1);
    expect(said[1]).toBe('Unknown argument --guild. Usage: npm run deploy:discord [-- --global]');
  });
});
