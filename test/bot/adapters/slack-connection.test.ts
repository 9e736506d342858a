/**
 * Telling an unreachable Slack from a refused token, with the real Web API client against a
 * fake Slack on loopback (and a closed port), and keeping a Socket Mode connection up.
 */
import { Writable } from 'node:stream';
import { webApi } from '@slack/bolt';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCommands } from '../../../commands/index.ts';
import { createDispatcher } from '../../../src/bot/dispatch.ts';
import type { LiveService } from '../../../src/bot/service.ts';
import { startSlack } from '../../../src/bot/adapters/slack.ts';
import { AdapterStartError } from '../../../src/bot/adapters/adapter.ts';
import { classifySlackFailure, formatDelay, retryDelay, untilReachable, type RetryPolicy } from '../../../src/bot/adapters/slack-connection.ts';
import { freePort, slashCommand, startFakeSlack, type FakeSlack } from '../../e2e/fake-slack.ts';
import { FakeService } from '../fake-service.ts';

const FAST: RetryPolicy = { firstDelayMs: 10, maxDelayMs: 40 };

/** a logger whose lines the test reads */
function capturedLog() {
  const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

/** the error one real Web API call fails with */
async function failureOf(apiUrl: string, token = 'xoxb-e2e'): Promise<unknown> {
  const client = new webApi.WebClient(token, { slackApiUrl: apiUrl, retryConfig: { retries: 0 }, logger: { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => webApi.LogLevel.ERROR, setName() {} } });
  return client.auth.test().then(
    () => undefined,
    (err: unknown) => err,
  );
}

let slack: FakeSlack | undefined;
afterEach(async () => {
  await slack?.close();
  slack = undefined;
});

describe('classifySlackFailure', () => {
  it('a closed port is unreachable, named as an operator would search for it', async () => {
    const port = await freePort();
    expect(classifySlackFailure(await failureOf(`http://127.0.0.1:${port}/api/`))).toEqual({ kind: 'unreachable', why: `ECONNREFUSED 127.0.0.1:${port}` });
  });

  it('a refused token is refused; Slack saying "not now" is unreachable', async () => {
    slack = await startFakeSlack();
    expect(classifySlackFailure(await failureOf(slack.apiUrl, 'xoxb-wrong'))).toEqual({ kind: 'refused', code: 'invalid_auth' });
    slack.failNext('auth.test', 1, 'account_inactive');
    expect(classifySlackFailure(await failureOf(slack.apiUrl))).toEqual({ kind: 'refused', code: 'account_inactive' });
    slack.failNext('auth.test', 1, 'internal_error');
    expect(classifySlackFailure(await failureOf(slack.apiUrl))).toEqual({ kind: 'unreachable', why: 'Slack answered internal_error' });
  });

  it('a 5xx is unreachable; a 404 means SLACK_API_URL is not the Web API', async () => {
    slack = await startFakeSlack();
    slack.failNext('auth.test', 1, 503);
    expect(classifySlackFailure(await failureOf(slack.apiUrl))).toEqual({ kind: 'unreachable', why: 'HTTP 503' });
    expect(classifySlackFailure(await failureOf(`${slack.base}/not-the-api/`))).toEqual({ kind: 'misdirected', why: 'HTTP 404 Not Found' });
  });
});

describe('untilReachable', () => {
  it('retries while unreachable, one line per attempt with a doubling pause, then returns the answer', async () => {
    const { log, lines } = capturedLog();
    slack = await startFakeSlack();
    slack.failNext('auth.test', 3, 503);
    const client = new webApi.WebClient('xoxb-e2e', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    const who = await untilReachable(() => client.auth.test(), {
      log,
      doing: 'checking',
      refused: (code) => new Error(`refused ${code}`),
      misdirected: (why) => new Error(why),
      policy: FAST,
    });
    expect(who.user_id).toBe('UBOT');
    expect(lines.map((l) => l.msg)).toEqual([
      'Slack is unreachable (HTTP 503); retrying in 10 ms',
      'Slack is unreachable (HTTP 503); retrying in 20 ms',
      'Slack is unreachable (HTTP 503); retrying in 40 ms',
    ]);
    expect(lines.map((l) => l.retryInMs)).toEqual([10, 20, 40]);
    expect(slack.calls).toHaveLength(4);
  });

  it('a refused credential stops at once, without a retry', async () => {
    const { log, lines } = capturedLog();
    slack = await startFakeSlack();
    const client = new webApi.WebClient('xoxb-wrong', { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } });
    await expect(
      untilReachable(() => client.auth.test(), { log, doing: 'checking', refused: (code) => new Error(`refused ${code}`), misdirected: (why) => new Error(why), policy: FAST }),
    ).rejects.toThrow('refused invalid_auth');
    expect(lines).toEqual([]);
    expect(slack.calls).toHaveLength(1);
  });

  it('the pause doubles from 1 s up to a minute', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => retryDelay(n))).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    expect([1000, 8000, 1500, 60_000, 10].map(formatDelay)).toEqual(['1 s', '8 s', '1.5 s', '1 min', '10 ms']);
  });
});

describe('startSlack in Socket Mode', () => {
  const start = async (log: pino.Logger) => {
    const service = new FakeService();
    const dispatcher = createDispatcher({ service, commands: await loadCommands() });
    return startSlack(
      { dispatcher, service: service as unknown as LiveService, settings: { botToken: 'xoxb-e2e', appToken: 'xapp-e2e' }, log },
      { slackApiUrl: slack!.apiUrl, retryPolicy: FAST },
    );
  };

  it('a dropped connection while Slack is briefly down: a line per failed attempt, then a new connection that works', async () => {
    const { log, lines } = capturedLog();
    slack = await startFakeSlack();
    const running = await start(log);
    const first = await slack.connection(0);
    slack.failNext('apps.connections.open', 2, 503);
    first.ws.terminate(); // the network drops the socket
    const second = await slack.connection(1);
    expect(slack.calls.filter((c) => c.method === 'apps.connections.open')).toHaveLength(4); // 1 + 2 failed + 1
    expect(lines.filter((l) => l.level === 40).map((l) => l.msg)).toEqual([
      'Slack is unreachable (HTTP 503); retrying in 10 ms',
      'Slack is unreachable (HTTP 503); retrying in 20 ms',
    ]);
    const responseUrl = slack.responseUrl();
    const { ackMs } = await slack.sendEnvelope(second, 'slash_commands', slashCommand('/rate', 'The Matrix 4', responseUrl));
    expect(ackMs).toBeLessThan(3000);
    await vi.waitFor(() => expect(slack!.responses.map((r) => r.body.text)).toContain('Rated The Matrix (1999): ★★★★ 4.'));
    await running.stop();
    await second.closed;
  });

  it('an app token refused at start-up is an AdapterStartError naming SLACK_APP_TOKEN', async () => {
    const { log } = capturedLog();
    slack = await startFakeSlack({ appToken: 'xapp-other' });
    const failure = await start(log).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(AdapterStartError);
    expect((failure as Error).message).toMatch(/^Slack refused SLACK_APP_TOKEN \(invalid_auth\)/);
  });

  it('stop() during the retries ends them', async () => {
    const { log, lines } = capturedLog();
    slack = await startFakeSlack();
    const running = await start(log);
    const first = await slack.connection(0);
    slack.failNext('apps.connections.open', 1000, 503);
    first.ws.terminate();
    await vi.waitFor(() => expect(lines.filter((l) => l.level === 40).length).toBeGreaterThanOrEqual(2));
    await running.stop();
    const opens = slack.calls.length;
    await new Promise((r) => setTimeout(r, 150));
    expect(slack.calls.length).toBe(opens);
  });
});
