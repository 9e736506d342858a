/**
 * The Slack HTTP front: a worker thread answers Slack, the app runs what it was sent. A member's
 * slash command is acked and reaches the handler with its fields; a forged one is refused; the
 * same signed request sent again runs once; Slack's handshakes are answered; stop frees the port.
 */
import { App, LogLevel } from '@slack/bolt';
import { createHmac } from 'node:crypto';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { YIELD_TO_FRONT_NICE, SlackFrontReceiver } from '../../../src/bot/adapters/slack-front.ts';
import { ReplayGuard, type Verdict } from '../../../src/bot/adapters/slack-replay.ts';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SECRET = '0123456789abcdef0123456789abcdef';
const quiet = { warn: () => undefined, error: () => undefined, debug: () => undefined };
let stopAll: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  await Promise.all(stopAll.map((s) => s()));
  stopAll = [];
});

async function startFront(opts: { waitBeyondMs?: () => number; yieldToFrontNice?: number; lowerPriority?: (nice: number, frontTid: number | undefined) => boolean } = {}) {
  const duplicates: Verdict[] = [];
  const receiver = new SlackFrontReceiver({ signingSecret: SECRET, guard: new ReplayGuard(), log: quiet, onDuplicate: (v) => duplicates.push(v), ...opts });
  const app = new App({
    receiver,
    tokenVerificationEnabled: false,
    authorize: async () => ({ botToken: 'xoxb-test', botId: 'B1', botUserId: 'UBOT' }),
    logLevel: LogLevel.ERROR,
  });
  const commands: Array<{ command: string; text: string; user_id: string }> = [];
  const receivedAt: unknown[] = [];
  app.command(/.*/, async ({ ack, command, context }) => {
    await ack();
    commands.push({ command: command.command, text: command.text, user_id: command.user_id });
    receivedAt.push(context.receivedAt);
  });
  const clicks: string[] = [];
  app.action(/.*/, async ({ ack, action }) => {
    await ack();
    clicks.push((action as { action_id: string }).action_id);
  });
  // App.start is typed for Bolt's own HTTPReceiver; the receiver is started directly instead
  const { port } = await receiver.start(0, '127.0.0.1');
  stopAll.push(() => app.stop());
  const url = `http://127.0.0.1:${port}/slack/events`;
  const post = async (body: string, opts: { secret?: string; ts?: number; type?: string } = {}) => {
    const ts = opts.ts ?? Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', opts.secret ?? SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': opts.type ?? 'application/x-www-form-urlencoded', 'x-slack-signature': signature, 'x-slack-request-timestamp': String(ts) },
      body,
    });
    return { status: res.status, text: await res.text(), timing: res.headers.get('server-timing') };
  };
  return { app, receiver, port, url, post, commands, duplicates, receivedAt, clicks };
}

const rate = new URLSearchParams({ command: '/rate', text: 'The Matrix 4.5', user_id: 'UANN', user_name: 'ann', channel_id: 'C1', team_id: 'T1', response_url: 'http://127.0.0.1:1/r' }).toString();

describe('SlackFrontReceiver', () => {
  it('acks a signed slash command at once, empty, and the handler gets its fields', async () => {
    const { post, commands } = await startFront();
    expect(await post(rate)).toMatchObject({ status: 200, text: '' });
    await vi.waitFor(() => expect(commands).toEqual([{ command: '/rate', text: 'The Matrix 4.5', user_id: 'UANN' }]));
  });

  it("says in the ack's Server-Timing how long the bot took (accept → headers, → read whole, → 200) and when it accepted", async () => {
    const { post } = await startFront();
    const before = Date.now();
    const { timing } = await post(rate);
    const after = Date.now();
    const m = /^head;dur=(\d+\.\d+), read;dur=(\d+\.\d+), front;dur=(\d+\.\d+), accept;desc="(\d+\.\d{3})"$/.exec(timing ?? '');
    expect(m, `server-timing: ${timing}`).not.toBeNull();
    const [head, read, front, acceptedAt] = m!.slice(1).map(Number);
    expect(head).toBeLessThanOrEqual(read);
    expect(read).toBeLessThanOrEqual(front);
    expect(front).toBeLessThan(1000);
    // the accept's wall-clock time lies within the request, on the same clock as Date.now()
    expect(acceptedAt).toBeGreaterThanOrEqual(before - 1);
    expect(acceptedAt).toBeLessThanOrEqual(after + 1);
  });

  it('a burst of commands (more than one turn of the event loop runs) is acked and every one runs', async () => {
    const { post, commands } = await startFront();
    const texts = Array.from({ length: 40 }, (_, k) => `movie ${k}`);
    const acks = await Promise.all(texts.map((text) => post(new URLSearchParams({ command: '/rate', text, user_id: 'UANN', team_id: 'T1', response_url: 'http://127.0.0.1:1/r' }).toString())));
    expect(acks.every((a) => a.status === 200)).toBe(true);
    await vi.waitFor(() => expect(commands).toHaveLength(texts.length));
    expect(commands.map((c) => c.text).sort()).toEqual([...texts].sort());
  });

  it('hands over when it received each command, for the busy bound to count the whole wait', async () => {
    const { post, receivedAt } = await startFront();
    const before = Date.now();
    await post(rate);
    await vi.waitFor(() => expect(receivedAt).toHaveLength(1));
    expect(receivedAt[0]).toBeGreaterThanOrEqual(before);
    expect(receivedAt[0]).toBeLessThanOrEqual(Date.now());
  });

  it('when the bot is behind by a few seconds, the ack tells the member the command is queued, and it runs', async () => {
    const { post, commands } = await startFront({ waitBeyondMs: () => 3500 });
    // the main thread tells the front its backlog when it starts, and again every 100 ms
    await new Promise((r) => setTimeout(r, 300));
    const ack = await post(rate);
    expect(ack.status).toBe(200);
    expect(JSON.parse(ack.text)).toEqual({ response_type: 'ephemeral', text: '⏳ Busy — your command is queued; the answer comes in about 4 s.' });
    await vi.waitFor(() => expect(commands.map((c) => c.text)).toEqual(['The Matrix 4.5']));
  });

  it('past the busy bound, the ack says "try again" and nothing runs; once the backlog clears, commands run again', async () => {
    let behindMs = 60_000;
    const { post, commands, clicks } = await startFront({ waitBeyondMs: () => behindMs });
    await new Promise((r) => setTimeout(r, 300));
    const ack = await post(rate);
    expect(JSON.parse(ack.text).text).toBe('Marquee is busy — try again in 60 s. Nothing was changed.');
    // a click has no ack text Slack shows: it is handed over (the dispatcher answers it)
    const payload = JSON.stringify({ type: 'block_actions', user: { id: 'UANN' }, team: { id: 'T1' }, actions: [{ action_id: 'mq:x', type: 'button', value: 'v' }], response_url: 'http://127.0.0.1:1/r' });
    expect(await post(new URLSearchParams({ payload }).toString())).toMatchObject({ status: 200, text: '' });
    await vi.waitFor(() => expect(clicks).toEqual(['mq:x']));
    behindMs = 0;
    await new Promise((r) => setTimeout(r, 250));
    expect(await post(rate.replace('4.5', '4'))).toMatchObject({ status: 200, text: '' });
    await vi.waitFor(() => expect(commands.map((c) => c.text)).toEqual(['The Matrix 4']));
  });

  it('refuses a forged or stale command (401) and runs nothing', async () => {
    const { post, commands } = await startFront();
    expect((await post(rate, { secret: 'f'.repeat(32) })).status).toBe(401);
    expect((await post(rate, { ts: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
    await post(new URLSearchParams({ command: '/top', text: '', user_id: 'UBOB', team_id: 'T1', response_url: 'http://127.0.0.1:1/r' }).toString());
    await vi.waitFor(() => expect(commands.map((c) => c.command)).toEqual(['/top'])); // only the genuine one ran
  });

  it('the same signed request sent again is answered 200 and runs once', async () => {
    const { post, commands, duplicates } = await startFront();
    const ts = Math.floor(Date.now() / 1000);
    expect((await post(rate, { ts })).status).toBe(200);
    expect((await post(rate, { ts })).status).toBe(200);
    await vi.waitFor(() => expect(duplicates).toEqual(['replay']));
    expect(commands).toHaveLength(1);
  });

  it("answers Slack's ssl_check and url_verification, and 404 elsewhere", async () => {
    const { post, url, commands } = await startFront();
    expect((await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'ssl_check=1&command=%2Frate' })).status).toBe(200);
    expect(await post('{"type":"url_verification","challenge":"c-42","token":"t"}', { type: 'application/json' })).toMatchObject({ status: 200, text: '{"challenge":"c-42"}' });
    expect((await fetch(url)).status).toBe(404);
    expect((await fetch(url.replace('/slack/events', '/other'), { method: 'POST', body: 'x' })).status).toBe(404);
    await new Promise((r) => setTimeout(r, 50));
    expect(commands).toEqual([]);
  });

  it('a front that dies while serving is started again on the same port, and commands reach the bot again', async () => {
    const { receiver, post, commands } = await startFront();
    expect((await post(rate)).status).toBe(200);
    // an uncaught error inside the worker ends it the same way: the thread exits while serving
    await (receiver as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await vi.waitFor(async () => expect((await post(rate.replace('4.5', '4'))).status).toBe(200), { timeout: 10_000, interval: 200 });
    await vi.waitFor(() => expect(commands.map((c) => c.text)).toContain('The Matrix 4'));
  });

  it('stop closes the port; a taken port is a start-up error naming it', async () => {
    const { app, port } = await startFront();
    await app.stop();
    await expect(fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body: 'x' })).rejects.toThrow();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    const receiver = new SlackFrontReceiver({ signingSecret: SECRET, guard: new ReplayGuard(), log: quiet, onDuplicate: () => undefined });
    new App({ receiver, tokenVerificationEnabled: false, authorize: async () => ({ botToken: 'xoxb-test' }), logLevel: LogLevel.ERROR });
    await expect(receiver.start(taken, '127.0.0.1')).rejects.toThrow(/EADDRINUSE/);
    blocker.close();
  });

  it("asked to, the bot's threads yield to the front once it listens (told the front's thread id on Linux), once, even if the front is started again", async () => {
    const lowered: Array<[number, number | undefined]> = [];
    const { post, commands, receiver, port } = await startFront({ yieldToFrontNice: 5, lowerPriority: (nice, front) => (lowered.push([nice, front]), true) });
    expect(lowered).toHaveLength(1);
    expect(lowered[0][0]).toBe(5);
    if (process.platform === 'linux') expect(lowered[0][1]).toEqual(expect.any(Number));
    await receiver.stop();
    await receiver.start(port, '127.0.0.1');
    expect(lowered).toHaveLength(1);
    expect(await post(rate)).toMatchObject({ status: 200 });
    await vi.waitFor(() => expect(commands).toHaveLength(1));
  });

  it('not asked to, the priorities are left alone', async () => {
    const lowered: number[] = [];
    await startFront({ lowerPriority: (nice) => (lowered.push(nice), true) });
    expect(lowered).toEqual([]);
  });

  it.runIf(process.platform === 'linux')('on Linux the thread that started the front is lowered to YIELD_TO_FRONT_NICE', async () => {
    // in a child process: every thread but the front's yields, and the test's own must not
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./slack-front-nice.fixture.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise((resolve) => child.once('exit', resolve));
    const said = JSON.parse(out) as { before: number; after: number; front: number; others: number[] };
    if (said.before >= YIELD_TO_FRONT_NICE) {
      // the tests themselves run niced at least that far (`nice -n 10 npm test`): nothing is lowered, nothing raised
      expect(said.after).toBe(said.before);
      expect(said.others.every((n) => n === said.before)).toBe(true);
      return;
    }
    expect(said.after).toBe(Math.max(said.before, YIELD_TO_FRONT_NICE));
    // the front's thread stays where it started; every other is at the yield's nice or lower
    expect(said.front).toBe(said.before);
    expect(said.others.every((n) => n >= YIELD_TO_FRONT_NICE)).toBe(true);
  });
});
