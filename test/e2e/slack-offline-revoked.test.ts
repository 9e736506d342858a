/**
 * A token Slack stops accepting while Marquee runs, with the real process on Socket Mode against
 * a fake Slack. Ann rates movies; then the workspace revokes a token (the bot's, the app-level
 * one, or uninstalls the app). Marquee must not go on half-alive: it stops taking commands,
 * finishes those in flight, closes the store and ends with one paragraph naming the setting and
 * exit code 1, so a service manager sees it. Every rating Ann was told was saved is in the store.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { startMarquee, type MarqueeProcess } from '../helpers/real-process.ts';
import { sharedDataset } from '../helpers/shared-data.ts';
import { slashCommand, startFakeSlack, type FakeSlack, type FakeSocket } from './fake-slack.ts';

const DATA = sharedDataset('ml-100k');
const STOPPING = 'A chat platform refused its token: stopping. New commands are refused; finishing those in flight (at most 10 s) …';

describe.skipIf(!DATA)('a Slack token revoked while Marquee runs, the real process', () => {
  let marquee: MarqueeProcess | undefined;
  let slack: FakeSlack | undefined;
  afterEach(async () => {
    await marquee?.stop();
    marquee?.cleanup();
    await slack?.close();
    marquee = undefined;
    slack = undefined;
  });

  async function running(): Promise<{ bot: MarqueeProcess; fake: FakeSlack; socket: FakeSocket }> {
    slack = await startFakeSlack();
    marquee = startMarquee({ env: { MARQUEE_DATA: DATA, SLACK_BOT_TOKEN: 'xoxb-e2e', SLACK_APP_TOKEN: 'xapp-e2e', SLACK_API_URL: slack.apiUrl } });
    await marquee.waitForLine(/Marquee is running on Slack/);
    return { bot: marquee, fake: slack, socket: await slack.connection(0) };
  }

  /** Ann's slash command; resolves with the answer's text once it reaches the response_url */
  async function command(fake: FakeSlack, socket: FakeSocket, name: string, text: string): Promise<string> {
    const url = fake.responseUrl();
    const id = url.slice(url.lastIndexOf('/') + 1);
    await fake.sendEnvelope(socket, 'slash_commands', slashCommand(name, text, url));
    return vi.waitFor(
      () => {
        const answer = fake.responses.find((r) => r.id === id);
        expect(answer, `an answer at ${url}`).toBeDefined();
        return String(answer!.body.text);
      },
      { timeout: 30_000 },
    );
  }

  /** Ann rates three movies and is told each time; the scores by movie id */
  async function annRates(fake: FakeSlack, socket: FakeSocket): Promise<Map<string, number>> {
    const told = new Map<string, number>();
    for (const [id, score] of [
      ['50', 5],
      ['172', 4],
      ['181', 3.5],
    ] as const) {
      expect(await command(fake, socket, '/rate', `id:${id} ${score}`)).toMatch(/^Rated /);
      told.set(id, score);
    }
    return told;
  }

  /** Ann's ratings as the store holds them after the process ended */
  function stored(cwd: string): Map<string, number> {
    const db = new Database(join(cwd, 'data', 'marquee.db'), { readonly: true });
    try {
      const rows = db
        .prepare<[string, string], { movie_id: string; rating: number }>(
          `SELECT r.movie_id, r.rating FROM member_ratings r JOIN members m ON m.id = r.member_id WHERE m.platform = ? AND m.platform_user_id = ?`,
        )
        .all('slack', 'UANN');
      return new Map(rows.map((r) => [String(r.movie_id), r.rating]));
    } finally {
      db.close();
    }
  }

  /** the paragraph is the last line, after the drain, and nothing else is blamed */
  function expectEnding(bot: MarqueeProcess, paragraph: string): void {
    const lines = bot.stderrLines;
    expect(lines).toContain(STOPPING);
    expect(lines.at(-1)).toBe(paragraph);
    expect(lines.filter((l) => l.includes(paragraph.slice(0, 60)))).toHaveLength(1); // said once
    expect(lines.indexOf(STOPPING)).toBeLessThan(lines.length - 1);
    expect(lines.filter((l) => /Marquee could not start|^\s+at /.test(l))).toEqual([]);
  }

  it('the bot token revoked: the next Web API call answers invalid_auth, and Marquee ends with exit code 1 naming SLACK_BOT_TOKEN', async () => {
    const { bot, fake, socket } = await running();
    const told = await annRates(fake, socket);

    fake.revoke('bot');
    // an export shares its file in Ann's direct messages: conversations.open, with the bot token
    await fake.sendEnvelope(socket, 'slash_commands', slashCommand('/export', '', fake.responseUrl()));
    expect(await bot.exited).toBe(1);
    expectEnding(
      bot,
      'Slack refused SLACK_BOT_TOKEN (invalid_auth) while Marquee was running. Marquee finished the commands in flight and stopped; start it again once the token is replaced. Copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions.',
    );
    expect(fake.calls.filter((c) => c.method === 'conversations.open')).toHaveLength(1);
    expect(stored(bot.cwd)).toEqual(told);
  });

  it('the app-level token revoked: the reconnect is refused, and Marquee ends with exit code 1 naming SLACK_APP_TOKEN, not retrying', async () => {
    const { bot, fake, socket } = await running();
    const told = await annRates(fake, socket);

    fake.revoke('app');
    socket.ws.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested' }));
    expect(await bot.exited).toBe(1);
    expectEnding(
      bot,
      'Slack refused SLACK_APP_TOKEN (invalid_auth) while Marquee was running (on opening a new Socket Mode connection). Marquee finished the commands in flight and stopped; start it again once the token is replaced. Copy the App-Level Token (xapp-…) again from Basic Information > App-Level Tokens; it needs the connections:write scope.',
    );
    // one start, one refused reconnect: a revoked token is not retried
    expect(fake.calls.filter((c) => c.method === 'apps.connections.open')).toHaveLength(2);
    expect(stored(bot.cwd)).toEqual(told);
  });

  it('the app uninstalled (Slack sends app_uninstalled): Marquee ends with exit code 1 and says to reinstall', async () => {
    const { bot, fake, socket } = await running();
    const told = await annRates(fake, socket);

    await fake.sendEnvelope(socket, 'events_api', {
      token: 'legacy-verification-token',
      team_id: 'T1',
      api_app_id: 'A1',
      type: 'event_callback',
      event_id: 'Ev1',
      event_time: Math.floor(Date.now() / 1000),
      event: { type: 'app_uninstalled', event_ts: `${Date.now() / 1000}` },
    });
    expect(await bot.exited).toBe(1);
    expect(bot.stderrLines.at(-1)).toMatch(/^Slack says the app was uninstalled from the workspace \(app_uninstalled event\), so SLACK_BOT_TOKEN no longer works\. Reinstall the app/);
    expect(stored(bot.cwd)).toEqual(told);
  });

  it('Slack out of reach mid-run is not a refusal: the bot keeps retrying and stays up', async () => {
    const { bot, fake, socket } = await running();
    fake.failNext('apps.connections.open', 2, 503);
    socket.ws.terminate();
    await bot.waitForLine(/Slack is unreachable \(HTTP 503\); retrying in 2 s/);
    await bot.waitForLine(/Socket Mode connected again/, 15_000);
    expect(bot.child.exitCode).toBeNull();
    expect(await command(fake, await fake.connection(1), '/rate', 'id:50 4')).toMatch(/^Rated /);
  });
});
