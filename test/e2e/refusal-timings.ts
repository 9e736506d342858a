/**
 * `npx tsx test/e2e/refusal-timings.ts [data folder] [rounds]`: how long an operator with a bad
 * token waits before Marquee says so, timed from outside (not a test: timings are measured, never
 * asserted). The real process starts in a fresh folder (so the data is imported, as on a first
 * run) against a fake Discord and a fake Slack that both refuse the token it is given; printed:
 * start to exit (code 1) per platform, the median of `rounds`. The data folder is ml-100k unless
 * given (any MovieLens-format folder MARQUEE_DATA accepts).
 */
import { startMarquee } from '../helpers/real-process.ts';
import { sharedDataset } from '../helpers/shared-data.ts';
import { startFakeDiscord } from './fake-discord.ts';
import { startFakeSlack, freePort } from './fake-slack.ts';

const data = process.argv[2] ?? sharedDataset('ml-100k');
const rounds = Number(process.argv[3] ?? 3);

async function timeToExit(env: Record<string, string>): Promise<{ ms: number; code: number | string; said: string }> {
  const started = Date.now();
  const bot = startMarquee({ env: { MARQUEE_DATA: data!, ...env } });
  try {
    const code = await bot.exited;
    const said = bot.stderrLines.filter((l) => /refused/.test(l)).at(-1) ?? bot.stderrLines.at(-1) ?? '';
    return { ms: Date.now() - started, code, said };
  } finally {
    bot.cleanup();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  if (!data) throw new Error('ml-100k not found: set MARQUEE_TEST_DATA or give a data folder');
  const discord = await startFakeDiscord({ token: 'the-bot-token-discord-knows-0123456789', applicationId: '111111111111111111' });
  const slack = await startFakeSlack({ botToken: 'xoxb-the-token-slack-knows' });
  try {
    const cases: Array<[string, () => Promise<Record<string, string>>]> = [
      ['Discord (DISCORD_TOKEN refused)', async () => ({ DISCORD_TOKEN: 'revoked-bot-token-0123456789.abcdef', DISCORD_CLIENT_ID: '111111111111111111', DISCORD_API_URL: discord.api })],
      [
        'Slack (SLACK_BOT_TOKEN refused)',
        async () => ({ SLACK_BOT_TOKEN: 'xoxb-revoked', SLACK_SIGNING_SECRET: '0123456789abcdef0123456789abcdef', SLACK_API_URL: slack.apiUrl, SLACK_PORT: String(await freePort()) }),
      ],
    ];
    console.log(`time to refusal, ${data}, fresh folder (import included), median of ${rounds}:`);
    for (const [name, env] of cases) {
      const runs: number[] = [];
      let last: Awaited<ReturnType<typeof timeToExit>> | undefined;
      for (let r = 0; r < rounds; r++) {
        last = await timeToExit(await env());
        runs.push(last.ms);
      }
      console.log(`  ${name.padEnd(32)} ${(median(runs) / 1000).toFixed(1)} s (runs: ${runs.map((m) => (m / 1000).toFixed(1)).join(', ')} s), exit ${last!.code}: ${last!.said.slice(0, 90)}`);
    }
  } finally {
    await discord.close();
    await slack.close();
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
