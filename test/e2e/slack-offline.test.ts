/**
 * Saying what failed, with the real process: Slack out of reach (a closed port, a name that does
 * not resolve) is waited out with one clear line per attempt and a growing pause, and the bot
 * connects once Slack answers; a token Slack refuses stops start-up with one paragraph naming
 * the setting, exit code 1 (the bot token before any data is loaded).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startMarquee, type MarqueeProcess } from '../helpers/real-process.ts';
import { sharedDataset } from '../helpers/shared-data.ts';
import { freePort, startFakeSlack, type FakeSlack } from './fake-slack.ts';

const DATA = sharedDataset('ml-100k');
const SECRET = '0123456789abcdef0123456789abcdef';

describe.skipIf(!DATA)('Slack unreachable or refusing, the real process', () => {
  let marquee: MarqueeProcess | undefined;
  let slack: FakeSlack | undefined;
  afterEach(async () => {
    await marquee?.stop();
    marquee?.cleanup();
    await slack?.close();
    marquee = undefined;
    slack = undefined;
  });
  const start = (env: Record<string, string>) => startMarquee({ env: { MARQUEE_DATA: DATA, SLACK_BOT_TOKEN: 'xoxb-e2e', ...env } });

  it('Slack at a closed port: one line per attempt, a pause that doubles, and the bot connects once Slack answers', async () => {
    const port = await freePort();
    marquee = start({ SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: `http://127.0.0.1:${port}/api/`, SLACK_PORT: String(await freePort()) });
    const first = await marquee.waitForLine(/Slack is unreachable/);
    expect(JSON.parse(first).msg).toBe(`Slack is unreachable (ECONNREFUSED 127.0.0.1:${port}); retrying in 1 s`);
    await marquee.waitForLine(new RegExp(`Slack is unreachable \\(ECONNREFUSED 127\\.0\\.0\\.1:${port}\\); retrying in 2 s`));
    expect(marquee.child.exitCode).toBeNull(); // still running, still trying
    // Bolt's own per-request lines are not repeated beside ours
    expect(marquee.stderrLines.filter((l) => /http request failed/.test(l))).toEqual([]);
    slack = await startFakeSlack({ port });
    await marquee.waitForLine(/slack: running/, 30_000);
    expect(slack.calls[0]).toMatchObject({ method: 'auth.test', auth: 'Bearer xoxb-e2e' });
    // the check before the data could not reach Slack either: said once, and start-up went on
    const early = marquee.stderrLines.filter((l) => /could not check the bot's token before loading the data/.test(l));
    expect(early.map((l) => JSON.parse(l).msg)).toEqual([
      `slack: could not check the bot's token before loading the data (ECONNREFUSED 127.0.0.1:${port}). Start-up goes on; the check is retried once the data is loaded.`,
    ]);
  });

  it('SIGTERM while Slack is still out of reach ends the retrying: exit code 0, at once', async () => {
    const port = await freePort();
    marquee = start({ SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: `http://127.0.0.1:${port}/api/`, SLACK_PORT: String(await freePort()) });
    await marquee.waitForLine(/Slack is unreachable/);
    expect(await marquee.stop('SIGTERM')).toBe(0);
    expect(marquee.stderrLines).toContain('Stopped before the chat platforms were reached.');
  });

  it('a name that does not resolve is unreachable too, not a bad token', async () => {
    marquee = start({ SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: 'http://slack.invalid/api/', SLACK_PORT: String(await freePort()) });
    const line = await marquee.waitForLine(/Slack is unreachable/);
    // no resolver at all (a sandbox) says EAI_AGAIN; a resolver that knows the name is not there, ENOTFOUND
    expect(JSON.parse(line).msg).toMatch(/^Slack is unreachable \((ENOTFOUND|EAI_AGAIN) slack\.invalid\); retrying in 1 s$/);
    expect(marquee.stderrLines.filter((l) => /refused/i.test(l))).toEqual([]);
    expect(marquee.child.exitCode).toBeNull();
  });

  it('a refused bot token: one paragraph naming SLACK_BOT_TOKEN, exit code 1', async () => {
    slack = await startFakeSlack({ botToken: 'xoxb-another' });
    marquee = start({ SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl, SLACK_PORT: String(await freePort()) });
    expect(await marquee.exited).toBe(1);
    expect(marquee.stderrLines).toContain('Slack refused SLACK_BOT_TOKEN (invalid_auth). Copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions.');
    expect(marquee.stderrLines.filter((l) => /start-up failed|Marquee could not start|^\s+at /.test(l))).toEqual([]);
    expect(slack.calls.map((c) => c.method)).toEqual(['auth.test']); // refused once, not retried
    // found before the data: nothing read, nothing imported
    expect(marquee.stderrLines.filter((l) => /Loading|Imported/.test(l))).toEqual([]);
    expect(existsSync(join(marquee.cwd, 'data', 'marquee.db'))).toBe(false);
  });

  it('a refused app token (Socket Mode): one paragraph naming SLACK_APP_TOKEN, exit code 1', async () => {
    slack = await startFakeSlack({ appToken: 'xapp-another' });
    marquee = start({ SLACK_APP_TOKEN: 'xapp-e2e', SLACK_API_URL: slack.apiUrl });
    expect(await marquee.exited).toBe(1);
    expect(marquee.stderrLines).toContain(
      'Slack refused SLACK_APP_TOKEN (invalid_auth) when opening the Socket Mode connection. Copy the App-Level Token (xapp-…) again from Basic Information > App-Level Tokens; it needs the connections:write scope.',
    );
    expect(marquee.stderrLines.filter((l) => /start-up failed|Marquee could not start|^\s+at /.test(l))).toEqual([]);
    expect(slack.calls.map((c) => c.method)).toEqual(['auth.test', 'apps.connections.open']);
  });
});
