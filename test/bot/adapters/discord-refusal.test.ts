/**
 * A Discord token checked before the data loads, and one Discord stops accepting while the bot
 * runs: the real discord.js against the fake Discord on loopback (and a closed port). A refused
 * token is a paragraph for the operator; an unreachable Discord is one line and no verdict.
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadCommands } from '../../../commands/index.ts';
import { createDispatcher } from '../../../src/bot/dispatch.ts';
import type { LiveService } from '../../../src/bot/service.ts';
import { startDiscord, type DiscordSettings } from '../../../src/bot/adapters/discord.ts';
import { checkTokenEarly, DiscordLoginError, runningRefusal } from '../../../src/bot/adapters/discord-connection.ts';
import type { RunningAdapter } from '../../../src/bot/adapters/adapter.ts';
import { freePort } from '../../e2e/fake-slack.ts';
import { startFakeDiscord, type FakeDiscord } from '../../e2e/fake-discord.ts';
import { FakeService } from '../fake-service.ts';

const TOKEN = 'fake-bot-token-0123456789.abcdef';
const APP = '111111111111111111';
const HELP = 'Copy the token again from the Discord Developer Portal';

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

const fakes: FakeDiscord[] = [];
const adapters: RunningAdapter[] = [];
afterEach(async () => {
  for (const a of adapters.splice(0)) await a.stop();
  for (const f of fakes.splice(0)) await f.close();
});

async function fake(opts: Partial<Parameters<typeof startFakeDiscord>[0]> = {}): Promise<FakeDiscord> {
  const f = await startFakeDiscord({ token: TOKEN, applicationId: APP, ...opts });
  fakes.push(f);
  return f;
}

describe('checking DISCORD_TOKEN before the data loads', () => {
  it('a token Discord accepts: checked with one GET /users/@me', async () => {
    const discord = await fake();
    const { log, lines } = capturedLog();
    expect(await checkTokenEarly({ token: TOKEN, api: discord.api, log })).toEqual({ checked: true });
    expect(discord.rest.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /api/v10/users/@me']);
    expect(lines).toEqual([]);
  });

  it('a token Discord refuses: the paragraph naming DISCORD_TOKEN, asked once', async () => {
    const discord = await fake({ token: 'another-token-0123456789.abcdef' });
    const { log } = capturedLog();
    const failure = await checkTokenEarly({ token: TOKEN, api: discord.api, log }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(DiscordLoginError);
    expect((failure as Error).message).toBe(`Discord refused DISCORD_TOKEN (HTTP 401 Unauthorized from ${discord.api}). ${HELP} (your application > Bot > Reset Token) into DISCORD_TOKEN, and check that DISCORD_CLIENT_ID is the id of the same application.`);
    expect(discord.rest).toHaveLength(1);
  });

  it('Discord out of reach: no verdict on the token, one line, and start-up goes on', async () => {
    const port = await freePort();
    const api = `http://127.0.0.1:${port}/api`;
    const { log, lines } = capturedLog();
    expect(await checkTokenEarly({ token: TOKEN, api, log })).toEqual({ checked: false, reason: `connect ECONNREFUSED 127.0.0.1:${port}` });
    expect(lines.map((l) => l.msg)).toEqual([
      `discord: could not check the bot's token before loading the data: no answer from ${api} (connect ECONNREFUSED 127.0.0.1:${port}). Start-up goes on; logging in retries until Discord answers.`,
    ]);
  });
});

describe('a token Discord stops accepting while running', () => {
  it('reads 4004 and a 401 as DISCORD_TOKEN refused, the other fatal closes as they are, and a resumable close as nothing', () => {
    const api = 'https://discord.com/api';
    expect(runningRefusal({ closeCode: 4004 }, api)).toMatch(/^Discord refused DISCORD_TOKEN while Marquee was running: it closed the gateway with code 4004 \(authentication failed\)\. .*Reset Token/);
    expect(runningRefusal({ status: 401 }, api)).toMatch(/^Discord refused DISCORD_TOKEN while Marquee was running: it answered HTTP 401 Unauthorized at https:\/\/discord\.com\/api\./);
    expect(runningRefusal({ closeCode: 4014 }, api)).toMatch(/^Discord closed the gateway for good while Marquee was running\. Discord refused the gateway intents/);
    expect(runningRefusal({ closeCode: 4000 }, api)).toBeUndefined();
    expect(runningRefusal({ status: 404 }, api)).toBeUndefined();
  });

  async function start(discord: FakeDiscord, onRefused: (message: string) => void) {
    const service = new FakeService();
    const dispatcher = createDispatcher({ service, commands: await loadCommands() });
    const settings: DiscordSettings = { token: TOKEN, clientId: APP, apiUrl: discord.api };
    const running = await startDiscord({ dispatcher, service: service as unknown as LiveService, settings, log: capturedLog().log, onRefused });
    adapters.push(running);
    return running;
  }

  it('the RESUME after a drop refused with 4004: told once, with the paragraph', async () => {
    const discord = await fake();
    const onRefused = vi.fn();
    await start(discord, onRefused);
    discord.revoke();
    discord.drop(4000);
    await vi.waitFor(() => expect(onRefused).toHaveBeenCalledTimes(1), { timeout: 10_000 });
    expect(onRefused.mock.calls[0][0]).toMatch(/^Discord refused DISCORD_TOKEN while Marquee was running: it closed the gateway with code 4004/);
    expect(discord.frames.filter((f) => f.op === 6)).toHaveLength(1);
  });

  it('a 401 on an authenticated REST call (here: reading the registered commands) is told the same way', async () => {
    const discord = await fake({ revokeOnReady: true });
    const onRefused = vi.fn();
    await start(discord, onRefused);
    expect(onRefused).toHaveBeenCalledTimes(1);
    expect(onRefused.mock.calls[0][0]).toMatch(/^Discord refused DISCORD_TOKEN while Marquee was running: it answered HTTP 401 Unauthorized at /);
  });

  it('a resumable drop is not a refusal', async () => {
    const discord = await fake();
    const onRefused = vi.fn();
    await start(discord, onRefused);
    discord.drop(4000);
    await discord.waitForFrame((f) => f.op === 6);
    await new Promise((r) => setTimeout(r, 300));
    expect(onRefused).not.toHaveBeenCalled();
  });
});
