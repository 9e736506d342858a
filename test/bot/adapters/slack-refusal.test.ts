/**
 * A Slack token checked before the data loads, and one Slack stops accepting while the bot runs:
 * the real Web API and Socket Mode clients against the fake Slack on loopback (and a closed port).
 * A revoked token is told once, as a paragraph naming the setting; Slack out of reach, or an
 * error about one call, is not a refusal.
 */
import { Writable } from 'node:stream';
import { webApi } from '@slack/bolt';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCommands } from '../../../commands/index.ts';
import { createDispatcher } from '../../../src/bot/dispatch.ts';
import type { LiveService } from '../../../src/bot/service.ts';
import type { RunningAdapter } from '../../../src/bot/adapters/adapter.ts';
import { startSlack } from '../../../src/bot/adapters/slack.ts';
import { checkBotTokenEarly, CredentialRefusedError, watchTokenRefusals, type RetryPolicy } from '../../../src/bot/adapters/slack-connection.ts';
import { freePort, startFakeSlack, type FakeSlack } from '../../e2e/fake-slack.ts';
import { FakeService } from '../fake-service.ts';

const FAST: RetryPolicy = { firstDelayMs: 10, maxDelayMs: 40 };
const QUIET = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => webApi.LogLevel.ERROR, setName() {} };

function capturedLog() {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

let slack: FakeSlack | undefined;
const adapters: RunningAdapter[] = [];
afterEach(async () => {
  for (const a of adapters.splice(0)) await a.stop();
  await slack?.close();
  slack = undefined;
});

describe('checking SLACK_BOT_TOKEN before the data loads', () => {
  it("a token Slack accepts: the bot's ids, from one auth.test", async () => {
    slack = await startFakeSlack();
    const { log, lines } = capturedLog();
    expect(await checkBotTokenEarly('xoxb-e2e', { slackApiUrl: slack.apiUrl }, { log, logger: QUIET })).toEqual({ botId: 'BBOT', botUserId: 'UBOT' });
    expect(slack.calls.map((c) => c.method)).toEqual(['auth.test']);
    expect(lines).toEqual([]);
  });

  it('a token Slack refuses: the paragraph naming SLACK_BOT_TOKEN, asked once', async () => {
    slack = await startFakeSlack({ botToken: 'xoxb-other' });
    const { log } = capturedLog();
    const failure = await checkBotTokenEarly('xoxb-e2e', { slackApiUrl: slack.apiUrl }, { log, logger: QUIET }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(CredentialRefusedError);
    expect((failure as Error).message).toBe('Slack refused SLACK_BOT_TOKEN (invalid_auth). Copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions.');
    expect(slack.calls).toHaveLength(1);
  });

  it('Slack out of reach: no verdict, one line, and start-up goes on', async () => {
    const port = await freePort();
    const { log, lines } = capturedLog();
    expect(await checkBotTokenEarly('xoxb-e2e', { slackApiUrl: `http://127.0.0.1:${port}/api/` }, { log, logger: QUIET })).toBeUndefined();
    expect(lines.map((l) => l.msg)).toEqual([
      `slack: could not check the bot's token before loading the data (ECONNREFUSED 127.0.0.1:${port}). Start-up goes on; the check is retried once the data is loaded.`,
    ]);
  });
});

describe('a Web API call answering that the token is gone', () => {
  it('is told once, with Slack’s error; an error about the call itself is not', async () => {
    slack = await startFakeSlack();
    const onRefused = vi.fn();
    const client = new webApi.WebClient('xoxb-e2e', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: QUIET, fetch: watchTokenRefusals(onRefused, slack.apiUrl) });

    slack.failNext('chat.postMessage', 1, 'channel_not_found');
    await expect(client.chat.postMessage({ channel: 'C1', text: 'hi' })).rejects.toThrow(/channel_not_found/);
    expect(onRefused).not.toHaveBeenCalled();

    slack.revoke('bot', 'token_revoked');
    // the call still fails for its caller, as before
    await expect(client.chat.postMessage({ channel: 'C1', text: 'hi' })).rejects.toThrow(/token_revoked/);
    await expect(client.conversations.open({ users: 'UANN' })).rejects.toThrow(/token_revoked/);
    expect(onRefused.mock.calls).toEqual([['token_revoked']]);
  });
});

describe('an answer posted to a response_url through the same fetch (Bolt sends them with the client\'s)', () => {
  const refusal = () => new Response(JSON.stringify({ ok: false, error: 'invalid_auth' }), { headers: { 'content-type': 'application/json' } });

  it('is not read for a refusal: a response_url holds no token, and only Web API calls are watched', async () => {
    const onRefused = vi.fn();
    const watched = watchTokenRefusals(onRefused, 'https://slack.example/api/', async () => refusal());
    const answer = await watched('https://hooks.slack.example/commands/T1/1/abc', { method: 'POST', body: '{"text":"hi"}' });
    expect(onRefused).not.toHaveBeenCalled();
    // its body is the caller's, whole
    expect(await answer.json()).toEqual({ ok: false, error: 'invalid_auth' });
    // the same answer to a Web API call is a refusal, told once, and the caller still reads the body
    const call = await watched(new URL('https://slack.example/api/chat.postMessage'), { method: 'POST' });
    expect(onRefused.mock.calls).toEqual([['invalid_auth']]);
    expect(await call.json()).toEqual({ ok: false, error: 'invalid_auth' });
  });

  it('Slack itself, when SLACK_API_URL is not set: slack.com/api is watched, hooks.slack.com is not', async () => {
    const onRefused = vi.fn();
    const watched = watchTokenRefusals(onRefused, undefined, async () => refusal());
    await watched('https://hooks.slack.com/commands/T1/1/abc');
    expect(onRefused).not.toHaveBeenCalled();
    await watched('https://slack.com/api/auth.test');
    expect(onRefused.mock.calls).toEqual([['invalid_auth']]);
  });
});

describe('startSlack in Socket Mode, a token revoked while running', () => {
  async function start(onRefused: (message: string) => void) {
    const service = new FakeService();
    const dispatcher = createDispatcher({ service, commands: await loadCommands() });
    const running = await startSlack(
      { dispatcher, service: service as unknown as LiveService, settings: { botToken: 'xoxb-e2e', appToken: 'xapp-e2e' }, log: capturedLog().log, onRefused },
      { slackApiUrl: slack!.apiUrl, retryPolicy: FAST },
    );
    adapters.push(running);
    return running;
  }

  it('the app token refused on a reconnect: told once, naming SLACK_APP_TOKEN, and no more attempts', async () => {
    slack = await startFakeSlack();
    const onRefused = vi.fn();
    await start(onRefused);
    const first = await slack.connection(0);
    slack.revoke('app');
    first.ws.terminate();
    await vi.waitFor(() => expect(onRefused).toHaveBeenCalledTimes(1));
    expect(onRefused.mock.calls[0][0]).toMatch(/^Slack refused SLACK_APP_TOKEN \(invalid_auth\) while Marquee was running \(on opening a new Socket Mode connection\)\./);
    const opens = slack.calls.filter((c) => c.method === 'apps.connections.open').length;
    await new Promise((r) => setTimeout(r, 200)); // five of FAST's longest pauses
    expect(slack.calls.filter((c) => c.method === 'apps.connections.open')).toHaveLength(opens);
  });

  const revokedEvent = (tokens: { oauth?: string[]; bot?: string[] }) => ({
    token: 'legacy-verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    type: 'event_callback',
    event_id: `Ev${Date.now()}`,
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'tokens_revoked', tokens },
  });

  it("tokens_revoked naming the bot's user ends it; one naming only a member's user token does not", async () => {
    slack = await startFakeSlack();
    const onRefused = vi.fn();
    await start(onRefused);
    const socket = await slack.connection(0);
    await slack.sendEnvelope(socket, 'events_api', revokedEvent({ oauth: ['UANN'] }));
    await new Promise((r) => setTimeout(r, 100));
    expect(onRefused).not.toHaveBeenCalled();
    await slack.sendEnvelope(socket, 'events_api', revokedEvent({ bot: ['UBOT'] }));
    await vi.waitFor(() => expect(onRefused).toHaveBeenCalledTimes(1));
    expect(onRefused.mock.calls[0][0]).toMatch(/^Slack says the bot's token was revoked \(tokens_revoked event\), so SLACK_BOT_TOKEN no longer works\./);
  });
});
