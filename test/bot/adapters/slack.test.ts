import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadCommands } from '../../../commands/index.ts';
import type { CommandRegistry } from '../../../src/bot/command.ts';
import { createDispatcher } from '../../../src/bot/dispatch.ts';
import type { ReplyAction } from '../../../src/bot/reply.ts';
import { ratingScale, registerSlackHandlers, slackPort, startSlack, unescapeSlack } from '../../../src/bot/adapters/slack.ts';
import type { LiveService } from '../../../src/bot/service.ts';
import { slackManifest } from '../../../src/bot/adapters/slack-manifest.ts';
import { SLACK_LIMITS, SLACK_TEXT_BUDGET, blocksTextLength, decodeActionId, escapeSlack, renderSlack, type SlackMessage } from '../../../src/bot/adapters/slack-render.ts';
import { FakeService, MOVIES } from '../fake-service.ts';

let commands: CommandRegistry;
beforeAll(async () => {
  commands = await loadCommands();
});

type AnyBlock = Record<string, unknown> & { type: string };

/** Every Slack limit the renderer promises to keep. */
function expectWithinLimits(msg: SlackMessage): void {
  expect(msg.blocks.length).toBeGreaterThan(0);
  expect(msg.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
  expect(blocksTextLength(msg.blocks)).toBeLessThanOrEqual(SLACK_TEXT_BUDGET);
  for (const b of msg.blocks as AnyBlock[]) {
    if (b.type === 'header') expect((b.text as { text: string }).text.length).toBeLessThanOrEqual(SLACK_LIMITS.header);
    if (b.type === 'section') {
      const text = b.text as { text: string } | undefined;
      if (text) expect(text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      const fields = (b.fields as Array<{ text: string }> | undefined) ?? [];
      expect(fields.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionFields);
      for (const f of fields) expect(f.text.length).toBeLessThanOrEqual(SLACK_LIMITS.fieldText);
    }
    if (b.type === 'actions') {
      const elements = b.elements as Array<Record<string, unknown>>;
      expect(elements.length).toBeLessThanOrEqual(SLACK_LIMITS.actionsElements);
      for (const e of elements) {
        if (e.type === 'button') {
          expect((e.text as { text: string }).text.length).toBeLessThanOrEqual(SLACK_LIMITS.buttonText);
          expect((e.value as string).length).toBeLessThanOrEqual(SLACK_LIMITS.buttonValue);
        } else {
          const options = e.options as Array<{ text: { text: string }; value: string }>;
          expect(options.length).toBeLessThanOrEqual(SLACK_LIMITS.selectOptions);
          for (const o of options) {
            expect(o.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.optionText);
            expect(o.value.length).toBeLessThanOrEqual(SLACK_LIMITS.optionValue);
          }
        }
      }
      const ids = elements.map((e) => e.action_id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  }
}

const items = (n: number, label = (i: number) => `Movie number ${i}`) =>
  Array.from({ length: n }, (_, i) => ({ label: label(i + 1), detail: 'predicted 4.5', why: 'because you rated Alien 5', movieId: String(i + 1) }));

describe('renderSlack', () => {
  it('a recommendation list: header, numbered items, one menu to rate any of them, footer as context', () => {
    const actions: ReplyAction[] = items(10).map((m) => ({ kind: 'rate', id: `rate:${m.movieId}`, label: `Rate ${m.label}`, command: `/rate title:id:${m.movieId} score:` }));
    const msg = renderSlack({ title: 'Popular picks to start with', text: 'Rate 3 more.', items: items(10), actions, footer: 'by popular', ephemeral: true });
    expectWithinLimits(msg);
    expect(msg.ephemeral).toBe(true);
    expect(msg.text).toBe('Popular picks to start with');
    const [header, text, list, acts, footer] = msg.blocks as AnyBlock[];
    expect(header).toEqual({ type: 'header', text: { type: 'plain_text', text: 'Popular picks to start with', emoji: true } });
    expect(text).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'Rate 3 more.' } });
    expect((list.text as { text: string }).text.split('\n').slice(0, 2)).toEqual(['*1.* Movie number 1 — predicted 4.5', '      _because you rated Alien 5_']);
    const menu = (acts.elements as Array<{ action_id: string; options: Array<{ value: string }> }>)[0];
    expect(decodeActionId(menu.action_id)).toEqual({ kind: 'pick-movie' });
    expect(menu.options).toHaveLength(10);
    expect(footer).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: 'by popular' }] });
  });

  it('one movie to rate: a score menu whose values are whole rate commands', () => {
    const msg = renderSlack({ title: 'Alien (1979)', actions: [{ kind: 'rate', id: 'rate:1214', label: 'Rate Alien (1979)', command: '/rate title:id:1214 score:' }] });
    expectWithinLimits(msg);
    const menu = ((msg.blocks[1] as AnyBlock).elements as Array<{ action_id: string; placeholder: { text: string }; options: Array<{ text: { text: string }; value: string }> }>)[0];
    expect(decodeActionId(menu.action_id)).toEqual({ kind: 'score', replace: false });
    expect(menu.placeholder.text).toBe('Rate Alien (1979)');
    expect(menu.options[0]).toEqual({ text: { type: 'plain_text', text: '★★★★★ 5', emoji: true }, value: '/rate title:id:1214 score:5' });
    expect(menu.options).toHaveLength(10);
  });

  it('a 500-item list stays under Slack’s overall size and says how many are left', () => {
    const msg = renderSlack({ title: 'All of them', items: items(500, (i) => `A rather long movie title that goes on and on, part ${i}`) });
    expectWithinLimits(msg);
    const text = (msg.blocks as AnyBlock[]).filter((b) => b.type === 'section').map((b) => (b.text as { text: string }).text).join('\n');
    const shown = (text.match(/^\*\d+\.\*/gm) ?? []).length;
    expect(shown).toBeGreaterThan(20);
    expect(text.endsWith(`… and ${500 - shown} more`)).toBe(true);
  });

  it('40 long fields and a long text: within 50 blocks, 3000 per section and the overall budget', () => {
    const fields = Array.from({ length: 40 }, (_, i) => ({ name: `Field ${i + 1}`, value: 'word '.repeat(900), inline: i % 2 === 0 }));
    const msg = renderSlack({ title: 'Lots', text: 'y'.repeat(9000), fields, footer: 'f' });
    expectWithinLimits(msg);
  });

  it('25 or fewer choices are buttons; more become menus; a confirm button is red', () => {
    const choose = (n: number): ReplyAction[] =>
      Array.from({ length: n }, (_, i) => ({ kind: 'choose', id: `c${i}`, label: `${'Long title '.repeat(10)}${i}`, command: `/movie title:id:${i}` }));
    const few = renderSlack({ actions: choose(25) });
    expectWithinLimits(few);
    const buttons = (few.blocks[0] as AnyBlock).elements as Array<{ type: string; value: string; action_id: string }>;
    expect(buttons).toHaveLength(25);
    expect(buttons.every((b) => b.type === 'button')).toBe(true);
    expect(buttons[3]).toMatchObject({ action_id: 'mq:r:3', value: '/movie title:id:3' });

    const many = renderSlack({ actions: choose(260) });
    expectWithinLimits(many);
    const menus = (many.blocks[0] as AnyBlock).elements as Array<{ type: string; options: unknown[] }>;
    // menus hold as many as the message's size allows, and the footer says how many are left out
    const shown = menus.reduce((s, m) => s + m.options.length, 0);
    expect(menus.every((m) => m.type === 'static_select')).toBe(true);
    expect(shown).toBeGreaterThan(25);
    expect(JSON.stringify(many.blocks.at(-1))).toContain(`${260 - shown} more choices not shown`);
    const short = renderSlack({ actions: Array.from({ length: 150 }, (_, i): ReplyAction => ({ kind: 'choose', id: `c${i}`, label: `#${i}`, command: `/movie title:id:${i}` })) });
    expect(((short.blocks[0] as AnyBlock).elements as Array<{ options: unknown[] }>).map((m) => m.options.length)).toEqual([100, 50]);

    const forget = renderSlack({ actions: [{ kind: 'confirm', id: 'f', label: 'Yes, delete all my data', command: '/forget confirm:yes' }] });
    expect(((forget.blocks[0] as AnyBlock).elements as Array<{ style?: string }>)[0].style).toBe('danger');
  });

  it('a chart and a CSV become files to upload, and the message says where they went', () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const pub = renderSlack({ title: 'Evaluation', table: { columns: ['algorithm', 'RMSE'], rows: [['svd', '0.8736']] }, image: { png, alt: 'RMSE by algorithm', filename: 'evaluation.png' } });
    expectWithinLimits(pub);
    expect(pub.files).toEqual([{ filename: 'evaluation.png', data: Buffer.from(png), title: 'RMSE by algorithm', altText: 'RMSE by algorithm' }]);
    expect(JSON.stringify(pub.blocks)).toContain('📎 evaluation.png: shared in this channel');
    expect(JSON.stringify(pub.blocks)).toContain('```algorithm    RMSE\\n---------  ------\\nsvd        0.8736```');

    const mine = renderSlack({ text: 'Your ratings, as CSV.', attachment: { name: 'ratings.csv', mime: 'text/csv', data: 'a,b\n1,2' }, ephemeral: true });
    expect(mine.files[0].data.toString()).toBe('a,b\n1,2');
    expect(JSON.stringify(mine.blocks)).toContain('📎 ratings.csv: sent to you in a direct message');
  });

  it('escapes Slack’s control characters but keeps mentions', () => {
    expect(escapeSlack('Tom & Jerry <b> <@U123|ann> <#C9>')).toBe('Tom &amp; Jerry &lt;b&gt; <@U123|ann> <#C9>');
    const msg = renderSlack({ text: '<!channel> & <@U1ANN>' });
    expect((msg.blocks[0] as AnyBlock).text).toEqual({ type: 'mrkdwn', text: '&lt;!channel&gt; &amp; <@U1ANN>' });
  });

  it('an empty reply still has something to show', () => {
    expect(renderSlack({}).blocks).toEqual([{ type: 'section', text: { type: 'mrkdwn', text: 'Done.' } }]);
  });

  it('gives the parser what the member typed: Slack’s entities in command text are undone', () => {
    expect(unescapeSlack('Tom &amp; Jerry &lt;3 &amp;lt;')).toBe('Tom & Jerry <3 &lt;');
  });

  it('builds the app manifest from the commands: every slash command escaped, Socket Mode or a request URL', () => {
    const socket = slackManifest(commands) as { features: { slash_commands: Array<Record<string, unknown>> }; settings: Record<string, unknown>; oauth_config: unknown };
    const names = socket.features.slash_commands.map((c) => c.command);
    expect(names).toEqual([...commands.list.map((c) => `/${c.name}`), '/marquee']);
    expect(socket.features.slash_commands.find((c) => c.command === '/rate')).toEqual({
      command: '/rate',
      description: commands.get('rate')!.description,
      usage_hint: '<title> <score>',
      should_escape: true,
    });
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(socket.oauth_config).toEqual({ scopes: { bot: ['commands', 'chat:write', 'chat:write.public', 'files:write', 'im:write'] } });
    const http = slackManifest(commands, { requestUrl: 'https://marquee.example.org/slack/events' }) as typeof socket;
    expect(http.settings).toMatchObject({ socket_mode_enabled: false, interactivity: { is_enabled: true, request_url: 'https://marquee.example.org/slack/events' } });
    expect(http.features.slash_commands.every((c) => c.url === 'https://marquee.example.org/slack/events')).toBe(true);
  });

  it('reads the score scale from /rate and the port from the environment', () => {
    expect(ratingScale(commands)).toEqual([5, 4.5, 4, 3.5, 3, 2.5, 2, 1.5, 1, 0.5]);
    expect(slackPort({})).toBe(3000);
    expect(slackPort({ PORT: '8080' })).toBe(8080);
    expect(slackPort({ SLACK_PORT: '3100', PORT: '8080' })).toBe(3100);
    expect(() => slackPort({ SLACK_PORT: 'http' })).toThrow('SLACK_PORT/PORT "http" is not a port number (1 to 65535).');
  });
});

// ---------------------------------------------------------------------------------------------
// a real Bolt app, its HTTP receiver on loopback, and a fake Slack on loopback

const SECRET = '0123456789abcdef0123456789abcdef';

interface ApiCall {
  method: string;
  params: Record<string, string>;
  auth?: string;
}

let slack: Server;
let slackBase: string;
const apiCalls: ApiCall[] = [];
const uploads: Array<{ id: string; bytes: Buffer }> = [];
const responses: Array<{ url: string; body: Record<string, unknown> }> = [];

beforeAll(async () => {
  let fileSeq = 0;
  slack = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const url = req.url!;
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.startsWith('/respond/')) {
      responses.push({ url, body: JSON.parse(raw.toString('utf8')) });
      return json({ ok: true });
    }
    if (url.startsWith('/upload/')) {
      // the file goes up as multipart form data, as to files.slack.com
      const form = await new Response(raw, { headers: { 'content-type': req.headers['content-type']! } }).formData();
      const file = [...form.values()].find((v) => typeof v !== 'string') as Blob;
      uploads.push({ id: url.slice('/upload/'.length), bytes: Buffer.from(await file.arrayBuffer()) });
      res.writeHead(200).end('OK');
      return;
    }
    const method = url.replace(/^\/api\//, '').replace(/\?.*$/, '');
    const params = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    apiCalls.push({ method, params, auth: req.headers.authorization });
    switch (method) {
      case 'auth.test':
        if (req.headers.authorization === 'Bearer xoxb-revoked') return json({ ok: false, error: 'invalid_auth' });
        return json({ ok: true, user_id: 'UBOT', bot_id: 'B1', team_id: 'T1' });
      case 'conversations.open':
        return json({ ok: true, channel: { id: `D${params.users}` } });
      case 'files.getUploadURLExternal':
        fileSeq++;
        return json({ ok: true, upload_url: `${slackBase}/upload/F${fileSeq}`, file_id: `F${fileSeq}` });
      case 'files.completeUploadExternal':
        if (params.channel_id === 'CNOBOT') return json({ ok: false, error: 'not_in_channel' });
        return json({ ok: true, files: JSON.parse(params.files) });
      default:
        return json({ ok: true, ts: '1700000000.000100' });
    }
  });
  await new Promise<void>((r) => slack.listen(0, '127.0.0.1', r));
  slackBase = `http://127.0.0.1:${(slack.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => slack.close(() => r())));
afterEach(() => {
  apiCalls.length = 0;
  uploads.length = 0;
  responses.length = 0;
});

async function startApp(admins: Array<{ platform: 'slack'; userId: string }> = []) {
  const service = new FakeService();
  const dispatcher = createDispatcher({ service, commands, admins });
  const app = new App({
    signingSecret: SECRET,
    tokenVerificationEnabled: false,
    authorize: async () => ({ botToken: 'xoxb-test-token', botId: 'B1', botUserId: 'UBOT' }),
    clientOptions: { slackApiUrl: `${slackBase}/api/` },
    logLevel: LogLevel.ERROR,
  });
  registerSlackHandlers(app, { dispatcher, log: pino({ level: 'silent' }), progressEveryMs: 0 });
  const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
  const events = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  let n = 0;
  const post = (body: string, secret = SECRET) => {
    const ts = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
    return fetch(events, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-signature': signature, 'x-slack-request-timestamp': String(ts) },
      body,
    });
  };
  /** a slash command as Slack sends it: urlencoded, signed with the signing secret */
  const command = (name: string, text: string, opts: { user?: string; channel?: string; secret?: string } = {}) =>
    post(
      new URLSearchParams({
        token: 'legacy-verification-token',
        team_id: 'T1',
        team_domain: 'film-club',
        channel_id: opts.channel ?? 'C1',
        channel_name: 'movies',
        user_id: opts.user ?? 'UANN',
        user_name: 'ann',
        command: name,
        text,
        api_app_id: 'A1',
        response_url: `${slackBase}/respond/${++n}`,
        trigger_id: '1.2.3',
      }).toString(),
      opts.secret,
    );
  /** a block action (button click or menu choice) */
  const action = (act: Record<string, unknown>, opts: { ephemeral?: boolean; user?: string } = {}) =>
    post(
      `payload=${encodeURIComponent(
        JSON.stringify({
          type: 'block_actions',
          api_app_id: 'A1',
          token: 'legacy-verification-token',
          trigger_id: '1.2.4',
          team: { id: 'T1', domain: 'film-club' },
          user: { id: opts.user ?? 'UANN', username: 'ann', name: 'ann', team_id: 'T1' },
          channel: { id: 'C1', name: 'movies' },
          container: { type: 'message', message_ts: '1700000000.000200', channel_id: 'C1', is_ephemeral: opts.ephemeral ?? true },
          response_url: `${slackBase}/respond/${++n}`,
          actions: [{ block_id: 'b1', action_ts: '1700000001.000000', ...act }],
        }),
      )}`,
    );
  return { service, app, command, action };
}

const textOf = (body: Record<string, unknown>) => JSON.stringify(body.blocks ?? body.text);

describe('the Slack adapter in a real Bolt app (signed requests, fake Slack on loopback)', () => {
  it('acks a signed /rate and answers privately through the response_url', async () => {
    const { app, service, command } = await startApp();
    const res = await command('/rate', 'The Matrix 4.5');
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(responses).toHaveLength(1));
    const { body } = responses[0];
    expect(body).toMatchObject({ response_type: 'ephemeral', replace_original: false, text: 'Rated The Matrix (1999): ★★★★½ 4.5.' });
    expect((body.blocks as AnyBlock[])[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'Rated The Matrix (1999): ★★★★½ 4.5.' } });
    expect(service.writes).toEqual(['rate 1 2571 4.5']);
    expect(service.findMember('slack', 'UANN')?.displayName).toBe('ann');
    await app.stop();
  });

  it('one listener serves every command: /top, the umbrella /marquee, and a command Marquee does not have', async () => {
    const { app, command } = await startApp();
    expect((await command('/top', 'n:1')).status).toBe(200);
    await vi.waitFor(() => expect(responses).toHaveLength(1));
    expect(textOf(responses[0].body)).toMatch(/Top/);
    expect((await command('/marquee', '')).status).toBe(200);
    await vi.waitFor(() => expect(responses).toHaveLength(2));
    expect(textOf(responses[1].body)).toMatch(/\/rate/); // /help lists the commands
    expect((await command('/frobnicate', 'x')).status).toBe(200);
    await vi.waitFor(() => expect(responses).toHaveLength(3));
    expect(textOf(responses[2].body)).toMatch(/I don't know \/frobnicate/);
    await app.stop();
  });

  it('refuses a request with a bad signature, running nothing', async () => {
    const { app, service, command } = await startApp();
    const res = await command('/rate', 'The Matrix 4.5', { secret: 'f'.repeat(32) });
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 50));
    expect(responses).toEqual([]);
    expect(service.writes).toEqual([]);
    await app.stop();
  });

  it('/marquee runs any command, and says what it does not know', async () => {
    const { app, service, command } = await startApp();
    await command('/marquee', 'rate Alien 5');
    await vi.waitFor(() => expect(responses).toHaveLength(1));
    expect(responses[0].body.text).toBe('Rated Alien (1979): ★★★★★ 5.');
    await command('/marquee', 'rat Alien 5');
    await vi.waitFor(() => expect(responses).toHaveLength(2));
    expect(responses[1].body.text).toBe("I don't know /rat. Did you mean /rate or /ratings? Type /help to see every command.");
    expect(service.writes).toEqual(['rate 1 1214 5']);
    await app.stop();
  });

  it('/export uploads the CSV to the member’s direct messages, never to the channel', async () => {
    const { app, service, command } = await startApp();
    service.rate(service.member('slack', 'UANN'), '2571', 4);
    await command('/export', '');
    await vi.waitFor(() => expect(apiCalls.map((c) => c.method)).toContain('files.completeUploadExternal'));
    expect(responses[0].body.response_type).toBe('ephemeral');
    expect(textOf(responses[0].body)).toContain('sent to you in a direct message');
    expect(apiCalls.map((c) => c.method)).toEqual(['conversations.open', 'files.getUploadURLExternal', 'files.completeUploadExternal']);
    expect(apiCalls[0].params.users).toBe('UANN');
    expect(apiCalls.every((c) => c.auth === 'Bearer xoxb-test-token')).toBe(true);
    expect(apiCalls[1].params.filename).toMatch(/^marquee-ratings-.*\.csv$/);
    expect(uploads.map((u) => u.bytes.toString())).toEqual(['movieId,title,rating,ratedAt\n2571,"The Matrix",4,1700000001000']);
    expect(apiCalls[2].params.channel_id).toBe('DUANN');
    await app.stop();
  });

  it('/evaluate: progress privately (at most 3 posts), then the table in the channel and the chart uploaded there', async () => {
    const { app, command } = await startApp([{ platform: 'slack', userId: 'UANN' }]);
    await command('/evaluate', 'folds:4');
    await vi.waitFor(() => expect(apiCalls.map((c) => c.method)).toContain('files.completeUploadExternal'));
    const bodies = responses.map((r) => r.body);
    expect(bodies).toHaveLength(5); // a response_url takes five posts
    expect(bodies.slice(0, 3).map((b) => [b.response_type, b.replace_original])).toEqual([
      ['ephemeral', false],
      ['ephemeral', true],
      ['ephemeral', true],
    ]);
    expect(bodies[0].text).toMatch(/^⏳ Evaluating the trained algorithms/);
    expect(bodies[3]).toEqual({ response_type: 'ephemeral', replace_original: true, text: 'Done: the answer is posted in the channel.' });
    expect(bodies[4]).toMatchObject({ response_type: 'in_channel', replace_original: false, text: 'Evaluation on ml-latest-small: 4-fold cross-validation' });
    expect(textOf(bodies[4])).toContain('ease');
    const done = apiCalls.find((c) => c.method === 'files.completeUploadExternal')!;
    expect(done.params.channel_id).toBe('C1');
    expect(JSON.parse(done.params.files)).toEqual([{ id: uploads[0].id, title: 'HR@10 by algorithm, the popularity chart as the floor (higher is better)' }]);
    expect(uploads[0].bytes).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    await app.stop();
  });

  it('tells the member when the chart cannot be posted in a channel the bot is not in', async () => {
    const { app, command } = await startApp([{ platform: 'slack', userId: 'UANN' }]);
    await command('/evaluate', '2', { channel: 'CNOBOT' });
    await vi.waitFor(() => expect(responses.at(-1)?.body.text).toMatch(/^I couldn't share evaluation.png/));
    expect(responses.at(-1)?.body).toEqual({
      response_type: 'ephemeral',
      replace_original: false,
      text: "I couldn't share evaluation.png. I am not in this channel: invite me with /invite, or run the command in a direct message with me.",
    });
    await app.stop();
  });

  it('a paging button replaces the private list it belongs to', async () => {
    const { app, service, action } = await startApp();
    const ann = service.member('slack', 'UANN');
    for (const m of MOVIES) service.rate(ann, m.movieId, 4);
    service.ratingsOf.get(ann.id)!.push({ movieId: '1', rating: 2, ratedAt: 5 }); // an eleventh entry: a second page
    const res = await action({ action_id: 'mq:r:1', type: 'button', value: '/ratings page:2', text: { type: 'plain_text', text: 'Next page' } });
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(responses).toHaveLength(1));
    expect(responses[0].body).toMatchObject({ response_type: 'ephemeral', replace_original: true, text: 'Your ratings (page 2 of 2)' });
    await app.stop();
  });

  it('a choice that leads to a public answer: the private question says so, the answer is posted in the channel', async () => {
    const { app, action } = await startApp();
    await action({ action_id: 'mq:r:0', type: 'button', value: '/because title:id:1411 n:3', text: { type: 'plain_text', text: 'Hamlet (1996)' } });
    await vi.waitFor(() => expect(responses).toHaveLength(2));
    expect(responses[0].body).toEqual({ response_type: 'ephemeral', replace_original: true, text: 'Done: the answer is posted in the channel.' });
    expect(responses[1].body).toMatchObject({ response_type: 'in_channel', replace_original: false, text: 'Movies like Hamlet (1996)' }); // this member never rated Hamlet
    await app.stop();
  });

  it('Ann 👍s a movie under her private list: the list comes back with that button pressed and a line saying so', async () => {
    const { app, service, command, action } = await startApp();
    const ann = service.member('slack', 'UANN', 'ann');
    for (const m of MOVIES.slice(0, 5)) service.rate(ann, m.movieId, 4);
    await command('/recommend', '');
    await vi.waitFor(() => expect(responses).toHaveLength(1));
    type Element = { action_id: string; value: string; style?: string };
    const rows = (blocks: unknown) => (blocks as AnyBlock[]).filter((b) => b.type === 'actions').map((b) => b.elements as Element[]);
    const second = rows(responses[0].body.blocks)[1];
    expect(second.map((e) => e.action_id)).toEqual(['mq:x:want', 'mq:x:not', 'mq:x:seen']);

    // Slack sends no copy of an ephemeral message with the click: the adapter kept the list it rendered
    await action({ action_id: 'mq:x:want', type: 'button', value: second[0].value, text: { type: 'plain_text', text: '👍 Want to watch' } });
    await vi.waitFor(() => expect(responses).toHaveLength(2));
    expect(responses[1].body).toMatchObject({ response_type: 'ephemeral', replace_original: true });
    expect(rows(responses[1].body.blocks).map((r) => r.slice(0, 2).map((e) => e.style ?? '-'))[1]).toEqual(['primary', '-']);
    expect(textOf(responses[1].body)).toContain('👍 Noted: you want to watch');
    expect([...service.reactions.values()]).toEqual(['want']);

    // the same button again takes it back, and the list shows it released
    await action({ action_id: 'mq:x:want', type: 'button', value: second[0].value, text: { type: 'plain_text', text: '👍 Want to watch' } });
    await vi.waitFor(() => expect(responses).toHaveLength(3));
    expect(rows(responses[2].body.blocks).flat().every((e) => e.style === undefined)).toBe(true);
    expect(service.reactions.size).toBe(0);

    // "Seen it" asks the score for that movie
    await action({ action_id: 'mq:x:seen', type: 'button', value: second[2].value, text: { type: 'plain_text', text: 'Seen it…' } });
    await vi.waitFor(() => expect(responses).toHaveLength(4));
    expect(responses[3].body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(responses[3].body.text)).toMatch(/^Seen it: your score for 2\. /);
    await app.stop();
  });

  it('a click on a public list by someone else is refused privately and changes nothing', async () => {
    const { app, service, action } = await startApp();
    const ann = service.member('slack', 'UANN', 'ann');
    const listId = service.recordList(ann, 'because', 'because', ['2571'])!;
    await action({ action_id: 'mq:x:want', type: 'button', value: `/react list:${listId} movie:2571 kind:want` }, { ephemeral: false, user: 'UBOB' });
    await vi.waitFor(() => expect(responses).toHaveLength(1));
    expect(responses[0].body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(textOf(responses[0].body)).toContain('Only the member this list was made for can react to it.');
    expect(service.reactions.size).toBe(0);
    await app.stop();
  });

  it('a new member rates from the cold-start list: movie menu, score menu, confirmation in place of the menu', async () => {
    const { app, service, command, action } = await startApp();
    await command('/recommend', '');
    await vi.waitFor(() => expect(responses).toHaveLength(1));
    const acts = (responses[0].body.blocks as AnyBlock[]).find((b) => b.type === 'actions')!;
    const menu = (acts.elements as Array<{ action_id: string; options: Array<{ text: { text: string }; value: string }> }>)[0];
    expect(menu.action_id).toBe('mq:m');
    const toy = menu.options.find((o) => o.text.text === 'Rate Toy Story (1995)')!;

    await action({ action_id: 'mq:m', type: 'static_select', selected_option: toy });
    await vi.waitFor(() => expect(responses).toHaveLength(2));
    const ask = responses[1].body;
    expect(ask).toMatchObject({ response_type: 'ephemeral', replace_original: false, text: 'Your score for Toy Story (1995)?' });
    const scoreMenu = ((ask.blocks as AnyBlock[])[0].elements as Array<{ action_id: string; options: Array<{ text: { text: string }; value: string }> }>)[0];
    expect(scoreMenu.action_id).toBe('mq:t:0');
    const four = scoreMenu.options.find((o) => o.value === '/rate title:id:1 score:4')!;

    await action({ action_id: 'mq:t:0', type: 'static_select', selected_option: four });
    await vi.waitFor(() => expect(responses).toHaveLength(3));
    expect(responses[2].body).toMatchObject({ response_type: 'ephemeral', replace_original: true, text: 'Rated Toy Story (1995): ★★★★ 4.' });
    expect(service.writes).toEqual(['rate 1 1 4']);
    await app.stop();
  });
});

describe('startSlack (HTTP mode, as npm start runs it)', () => {
  const freePort = async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    return port;
  };
  const start = async (botToken: string, env: Record<string, string>) => {
    const service = new FakeService();
    const dispatcher = createDispatcher({ service, commands });
    const running = await startSlack(
      { dispatcher, service: service as unknown as LiveService, settings: { botToken, signingSecret: SECRET }, log: pino({ level: 'silent' }) },
      { slackApiUrl: `${slackBase}/api/`, env },
    );
    return { service, running };
  };

  it('checks the token, listens on SLACK_PORT, answers a signed command, and stops', async () => {
    const port = await freePort();
    const { service, running } = await start('xoxb-good', { SLACK_PORT: String(port) });
    expect(apiCalls[0]).toMatchObject({ method: 'auth.test' });
    const body = new URLSearchParams({ command: '/rate', text: 'Fight Club 5', user_id: 'UANN', user_name: 'ann', channel_id: 'C1', team_id: 'T1', api_app_id: 'A1', response_url: `${slackBase}/respond/start`, trigger_id: '1' }).toString();
    const ts = Math.floor(Date.now() / 1000);
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}` },
      body,
    });
    expect(res.status).toBe(200);
    await vi.waitFor(() => expect(responses).toHaveLength(1));
    expect(responses[0].body.text).toBe('Rated Fight Club (1999): ★★★★★ 5.');
    expect(service.writes).toEqual(['rate 1 2959 5']);
    await running.stop();
    await expect(fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body })).rejects.toThrow();
  });

  it('a revoked token stops start-up with a message saying which setting to fix', async () => {
    await expect(start('xoxb-revoked', { SLACK_PORT: String(await freePort()) })).rejects.toThrow(
      'Slack refused SLACK_BOT_TOKEN (invalid_auth). Copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions.',
    );
  });
});
