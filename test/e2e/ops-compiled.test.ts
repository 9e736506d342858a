/**
 * `npm start` runs the JavaScript that install compiles into dist/ (no tsx at run time): the
 * commands folder, the training and evaluation workers, the WebAssembly kernels and the chat
 * adapter loaded by name must all be found beside their compiled modules.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMPILED_START, startMarquee } from '../helpers/real-process.ts';
import { sharedDataset } from '../helpers/shared-data.ts';
import { freePort, sendSlash, SIGNING_SECRET, startFakeSlack } from './ops-slack.ts';

const DATA = sharedDataset('ml-100k');
const BUILT = existsSync(COMPILED_START);
if (!BUILT && process.env.CI) throw new Error(`CI must test the compiled build, but ${COMPILED_START} is missing: install runs npm run build`);
if (!BUILT) console.warn(`skipping the compiled-build tests: ${COMPILED_START} is missing (npm run build)`);

describe.skipIf(!DATA || !BUILT)('the compiled build', () => {
  it('is what npm start runs', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toBe('node dist/src/cli/start.js');
    expect(pkg.scripts.prepare).toContain('npm run build');
  });

  it('trains in its worker, answers on the console, evaluates in its worker and exits 0', async () => {
    const bot = startMarquee({ compiled: true, env: { MARQUEE_DATA: DATA } });
    try {
      bot.child.stdin.end('/rate Toy Story (1995) 4\n/recommend ease 3\n/evaluate popular\n');
      expect(await bot.exited).toBe(0);
      const out = bot.stdout();
      expect(out).toContain('Rated Toy Story (1995): ★★★★ 4.');
      expect(out).toMatch(/^Popular picks to start with$/m);
      expect(out).toContain('Evaluation on ml-100k');
      expect(bot.stderrLines.join('\n')).not.toMatch(/tsx|Unknown file extension|Cannot find module/);
    } finally {
      bot.cleanup();
    }
  });

  it('loads the Slack adapter by name and answers a signed slash command', async () => {
    const slack = await startFakeSlack();
    const port = await freePort();
    const bot = startMarquee({
      compiled: true,
      env: { MARQUEE_DATA: DATA, SLACK_BOT_TOKEN: 'xoxb-ops-test', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl, SLACK_PORT: String(port) },
    });
    try {
      await bot.waitForLine(/Marquee is running on Slack/);
      const { url, id } = slack.responseUrl();
      expect(await sendSlash(port, { command: '/rate', text: 'Toy Story (1995) 4', userId: 'UANN', responseUrl: url })).toBe(200);
      for (let t = 0; slack.answers(id).length === 0 && t < 200; t++) await new Promise((r) => setTimeout(r, 50));
      expect(slack.answers(id)[0]?.text).toMatch(/^Rated Toy Story \(1995\)/);
      expect(await bot.stop('SIGTERM')).toBe(0);
    } finally {
      await bot.stop('SIGKILL');
      bot.cleanup();
      await slack.close();
    }
  });
});
