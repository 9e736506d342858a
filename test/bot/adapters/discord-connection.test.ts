/**
 * Telling an unreachable Discord from a refused token: the failures discord.js really raises
 * (against a closed port, a server answering 503 or 401, the fake gateway's close codes) read as
 * "try again later" or as one paragraph for the operator; and `npm run deploy:discord` reaches
 * DISCORD_API_URL and reads its failures the same way.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, GatewayIntentBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { memberCaused } from '../../../src/bot/errors.ts';
import {
  backoffDelay,
  classifyLoginFailure,
  discordApiBase,
  DiscordLoginError,
  LoginAttemptError,
  loginWithRetry,
  withinTime,
} from '../../../src/bot/adapters/discord-connection.ts';
import { startFakeDiscord, type FakeDiscord } from '../../e2e/fake-discord.ts';

const TOKEN = 'fake-bot-token-0123456789.abcdef';
const APP = '111111111111111111';

const servers: Array<Server | FakeDiscord> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    if ('api' in s) await s.close();
    else await new Promise<void>((done) => s.close(() => done()));
  }
});

/** What one real discord.js login against `api` fails with. */
async function failedLogin(api: string, token = TOKEN): Promise<LoginAttemptError> {
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api } });
  try {
    await client.login(token);
  } catch (err) {
    return new LoginAttemptError(err);
  } finally {
    await client.destroy();
  }
  throw new Error('the login unexpectedly succeeded');
}

async function answering(status: number): Promise<string> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: `${status}: from the test`, code: 0 }));
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
}

describe('reading a failed Discord login', () => {
  it('a closed port or an unknown host is unreachable, to be retried, and says so', async () => {
    const refused = classifyLoginFailure(await failedLogin('http://127.0.0.1:1/api'), 'http://127.0.0.1:1/api');
    expect(refused).toEqual({ retry: true, reason: 'connect ECONNREFUSED 127.0.0.1:1' });
    const dns = classifyLoginFailure(await failedLogin('http://discord.invalid/api'), 'http://discord.invalid/api');
    // ENOTFOUND from a resolver that answers, EAI_AGAIN on a machine with no resolver at all
    expect(dns).toEqual({ retry: true, reason: expect.stringMatching(/^getaddrinfo (ENOTFOUND|EAI_AGAIN) discord\.invalid$/) });
  });

  it('a network error wrapped by fetch (TypeError with a cause) is unreachable too', () => {
    const err = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }) });
    expect(classifyLoginFailure(new LoginAttemptError(err), 'https://discord.com/api')).toEqual({ retry: true, reason: 'fetch failed' });
  });

  it('a 5xx answer (after discord.js retried it) is an outage, not the token', async () => {
    const api = await answering(503);
    const verdict = classifyLoginFailure(await failedLogin(api), api);
    expect(verdict.retry).toBe(true);
    expect(verdict).toMatchObject({ reason: expect.stringMatching(new RegExp(`^HTTP 503 from ${api}`)) });
  });

  it('a request that times out is retried', () => {
    const err = Object.assign(new Error('This operation was aborted'), { name: 'AbortError' });
    expect(classifyLoginFailure(new LoginAttemptError(err), 'https://discord.com/api')).toEqual({ retry: true, reason: 'no answer from https://discord.com/api in time' });
  });

  it('a 401 is a refused token: a paragraph naming DISCORD_TOKEN and where to get it', async () => {
    const api = await answering(401);
    const verdict = classifyLoginFailure(await failedLogin(api), api);
    expect(verdict).toEqual({
      retry: false,
      message: `Discord refused DISCORD_TOKEN (HTTP 401 Unauthorized from ${api}). Copy the token again from the Discord Developer Portal (your application > Bot > Reset Token) into DISCORD_TOKEN, and check that DISCORD_CLIENT_ID is the id of the same application.`,
    });
  });

  it('an empty token (discord.js: TokenInvalid) is refused without asking Discord', async () => {
    const verdict = classifyLoginFailure(await failedLogin('http://127.0.0.1:1/api', ''), 'http://127.0.0.1:1/api');
    expect(verdict.retry).toBe(false);
    expect(verdict).toMatchObject({ message: expect.stringMatching(/^Discord refused DISCORD_TOKEN/) });
  });

  it('a 404 points at DISCORD_API_URL, not at the token', async () => {
    const api = await answering(404);
    const verdict = classifyLoginFailure(await failedLogin(api), api);
    expect(verdict).toEqual({ retry: false, message: `Discord answered HTTP 404 (404: from the test). Check DISCORD_API_URL (${api}): it is the REST base, like https://discord.com/api.` });
  });

  it('the gateway close codes no retry fixes each get their own explanation', () => {
    const read = (code: number) => classifyLoginFailure(new LoginAttemptError(new Error('Authentication failed'), code), 'https://discord.com/api');
    expect(read(4004)).toMatchObject({ retry: false, message: expect.stringMatching(/^Discord refused DISCORD_TOKEN: the gateway closed the connection with code 4004/) });
    expect(read(4014)).toMatchObject({ retry: false, message: expect.stringMatching(/^Discord refused the gateway intents Marquee asks for \(close code 4014/) });
    expect(read(4012)).toMatchObject({ retry: false, message: expect.stringMatching(/close code 4012/) });
    expect(read(4011)).toMatchObject({ retry: false, message: expect.stringMatching(/too many servers/) });
  });

  it('anything else stops with what happened, without blaming the token', () => {
    const verdict = classifyLoginFailure(new LoginAttemptError(new RangeError('something new')), 'https://discord.com/api');
    expect(verdict).toEqual({ retry: false, message: 'Marquee could not log in to Discord at https://discord.com/api: something new' });
  });

  it('a login that hangs past its bound counts as unreachable', async () => {
    const err = await withinTime(new Promise(() => undefined), 10, 'logging in').catch((e: unknown) => e);
    expect(classifyLoginFailure(new LoginAttemptError(err), 'x')).toEqual({ retry: true, reason: 'logging in did not finish within 0.0 s' });
  });
});

describe('retrying the login', () => {
  it('waits 1 s, 2 s, 4 s … at most a minute between attempts', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffDelay(n))).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000]);
  });

  it('logs one line per unreachable attempt and returns what the attempt that worked gave', async () => {
    const lines: string[] = [];
    const waits: number[] = [];
    let tries = 0;
    const got = await loginWithRetry({
      api: 'https://discord.com/api',
      attempt: async () => {
        if (++tries < 3) throw new LoginAttemptError(Object.assign(new Error('getaddrinfo ENOTFOUND discord.com'), { code: 'ENOTFOUND' }));
        return 'client';
      },
      log: { warn: (_o, msg) => lines.push(msg) },
      sleep: async (ms) => void waits.push(ms),
    });
    expect(got).toBe('client');
    expect(waits).toEqual([1000, 2000]);
    expect(lines).toEqual([
      'discord: Discord is unreachable at https://discord.com/api (getaddrinfo ENOTFOUND discord.com); trying again in 1 s (attempt 1 failed). Marquee keeps running; this is not a token problem.',
      'discord: Discord is unreachable at https://discord.com/api (getaddrinfo ENOTFOUND discord.com); trying again in 2 s (attempt 2 failed). Marquee keeps running; this is not a token problem.',
    ]);
  });

  it('stops at once on a refused token, with an error start-up prints alone', async () => {
    const waits: number[] = [];
    const err = await loginWithRetry({
      api: 'https://discord.com/api',
      attempt: () => Promise.reject(new LoginAttemptError(new Error('Authentication failed'), 4004)),
      log: { warn: () => undefined },
      sleep: async (ms) => void waits.push(ms),
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordLoginError);
    expect(memberCaused(err)).toBe(true);
    expect(waits).toEqual([]);
  });

  it('a stop asked for while Discord is unreachable ends the waiting, with the reason given', async () => {
    const stop = new AbortController();
    let tries = 0;
    const unreachable = () => {
      tries++;
      return Promise.reject(new LoginAttemptError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })));
    };
    // an hour's wait: only the stop can end it within the test's time
    const pending = loginWithRetry({
      api: 'http://127.0.0.1:1/api',
      attempt: unreachable,
      log: { warn: () => stop.abort(new Error('SIGTERM')) },
      backoff: { firstMs: 3_600_000, maxMs: 3_600_000 },
      signal: stop.signal,
    });
    await expect(pending).rejects.toThrow('SIGTERM');
    expect(tries).toBe(1);
  });

  it('a stop also ends an attempt still in flight', async () => {
    const stop = new AbortController();
    const hanging = withinTime(new Promise(() => undefined), 60_000, 'logging in', stop.signal);
    stop.abort(new Error('SIGINT'));
    await expect(hanging).rejects.toThrow('SIGINT');
  });

  it('DISCORD_API_URL is used without its trailing slash; unset, Discord itself', () => {
    expect(discordApiBase({ apiUrl: 'http://127.0.0.1:9/api/' })).toBe('http://127.0.0.1:9/api');
    expect(discordApiBase({})).toBe('https://discord.com/api');
  });
});

describe('npm run deploy:discord with DISCORD_API_URL', () => {
  const env = (api: string) => ({ DISCORD_TOKEN: TOKEN, DISCORD_CLIENT_ID: APP, DISCORD_GUILD_ID: '222222222222222222', DISCORD_API_URL: api });

  it('registers the commands at the configured API, then finds them up to date', async () => {
    const fake = await startFakeDiscord({ token: TOKEN, applicationId: APP });
    servers.push(fake);
    const { main } = await import('../../../src/bot/adapters/discord-deploy.ts');
    const said: string[] = [];
    expect(await main([], env(fake.api), (s) => said.push(s), null)).toBe(0);
    expect(await main([], env(fake.api), (s) => said.push(s), null)).toBe(0);
    expect(said[0]).toMatch(/^Registered \d+ commands for server 222222222222222222\.$/);
    expect(said[1]).toMatch(/^The \d+ commands for server 222222222222222222 were already up to date\.$/);
    expect(fake.rest.filter((c) => c.method === 'PUT').map((c) => c.path)).toEqual([`/api/v10/applications/${APP}/guilds/222222222222222222/commands`]);
  });

  it('an unreachable API and a refused token are told apart', async () => {
    const { main } = await import('../../../src/bot/adapters/discord-deploy.ts');
    const said: string[] = [];
    expect(await main([], env('http://127.0.0.1:1/api'), (s) => said.push(s), null)).toBe(1);
    expect(said[0]).toBe('Discord is unreachable at http://127.0.0.1:1/api (connect ECONNREFUSED 127.0.0.1:1); nothing was registered. Try again when the network is back.');
    const fake = await startFakeDiscord({ token: 'another-token-entirely-0123456789', applicationId: APP });
    servers.push(fake);
    expect(await main([], env(fake.api), (s) => said.push(s), null)).toBe(1);
    expect(said[1]).toMatch(/^Discord refused DISCORD_TOKEN \(HTTP 401 Unauthorized from http:\/\/127\.0\.0\.1:\d+\/api\)\./);
  });
});
