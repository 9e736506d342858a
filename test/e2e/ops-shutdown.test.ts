/**
 * An operator stops the real process (SIGTERM, as systemd, Docker and Kubernetes do) while a
 * member's slow command runs: the answer still arrives, commands sent meanwhile are refused with
 * "shutting down" and change nothing, the process exits 0 and the database checks clean. On the
 * way, the health port tells "starting" from "ready" and /metrics counts what happened.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SHUTTING_DOWN } from '../../src/bot/dispatch.ts';
import { startMarquee, type MarqueeProcess } from '../helpers/real-process.ts';
import { sharedDataset } from '../helpers/shared-data.ts';
import { freePort, sendSlash, SIGNING_SECRET, startFakeSlack, type FakeSlack } from './ops-slack.ts';

const DATA = sharedDataset('ml-100k');
/** generous: /evaluate popular takes 2–16 s on a machine shared by eight busy test runs */
const GRACE = '60';

/** The members' ratings in a stopped bot's database, and whether SQLite finds it sound. */
function inspect(dbPath: string): { integrity: string; ratings: Array<{ user: string; movie: string; rating: number }> } {
  const db = new Database(dbPath, { readonly: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    const ratings = db
      .prepare(
        `SELECT m.platform_user_id AS user, v.title AS movie, r.rating AS rating
           FROM member_ratings r JOIN members m ON m.id = r.member_id JOIN movies v ON v.movie_id = r.movie_id
          ORDER BY user, movie`,
      )
      .all() as Array<{ user: string; movie: string; rating: number }>;
    return { integrity, ratings };
  } finally {
    db.close();
  }
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got !== undefined) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function get(url: string): Promise<{ status: number; text: string } | undefined> {
  try {
    const res = await fetch(url);
    return { status: res.status, text: await res.text() };
  } catch {
    return undefined; // not listening yet
  }
}

/** One sample's value in a Prometheus exposition, e.g. value(text, 'marquee_ready'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.skipIf(!DATA)('stopping the real process gracefully', () => {
  let bot: MarqueeProcess | undefined;
  let slack: FakeSlack | undefined;
  afterEach(async () => {
    await bot?.stop('SIGKILL');
    bot?.cleanup();
    await slack?.close();
    bot = slack = undefined;
  });

  it('on the console: reports starting then ready, counts commands, and finishes /evaluate in flight on SIGTERM', async () => {
    const healthPort = await freePort();
    bot = startMarquee({ env: { MARQUEE_DATA: DATA, MARQUEE_HEALTH_PORT: String(healthPort), MARQUEE_SHUTDOWN_SECONDS: GRACE } });
    const healthz = `http://127.0.0.1:${healthPort}/healthz`;

    // the health port opens before the data loads: an orchestrator sees "starting", then "ready"
    const first = await until(() => get(healthz), 'the health port');
    expect(first.status).toBe(503);
    expect(JSON.parse(first.text)).toMatchObject({ ready: false, state: 'starting' });
    const ready = await until(async () => {
      const r = await get(healthz);
      return r?.status === 200 ? r : undefined;
    }, 'ready');
    expect(JSON.parse(ready.text)).toMatchObject({ ready: true, state: 'ready', models: ['ease'], generation: { ratingsVersion: 0 } });

    bot.child.stdin.write('/rate Toy Story (1995) 4\n/nosuchcommand\n');
    await until(() => (/I don't know \/nosuchcommand/.test(bot!.stdout()) ? true : undefined), 'two answers');
    const metrics = (await get(`http://127.0.0.1:${healthPort}/metrics`))!;
    expect(metrics.status).toBe(200);
    expect(sample(metrics.text, 'marquee_ready')).toBe(1);
    expect(sample(metrics.text, 'marquee_model_loaded{algorithm="ease"}')).toBe(1);
    expect(sample(metrics.text, 'marquee_commands_total{command="rate",outcome="ok"}')).toBe(1);
    expect(sample(metrics.text, 'marquee_commands_total{command="unknown",outcome="member-error"}')).toBe(1);
    expect(sample(metrics.text, 'marquee_command_duration_seconds_count{command="rate"}')).toBe(1);
    expect(sample(metrics.text, 'marquee_ratings_stored_total')).toBe(1);
    expect(sample(metrics.text, 'marquee_trainings_total{result="ok"}')).toBe(1);
    expect(sample(metrics.text, 'marquee_model_generation')).toBe(0);
    expect(metrics.text).toMatch(/^marquee_process_resident_memory_bytes \d+/m);

    // a slow command is running when the signal comes; the line after it arrives during the drain
    bot.child.stdin.write('/evaluate popular\n');
    await bot.waitForLine(/Evaluating popular/);
    bot.child.kill('SIGTERM');
    await bot.waitForLine(/SIGTERM: stopping/);
    bot.child.stdin.write('/rate Star Wars (1977) 5\n');

    expect(await bot.exited).toBe(0);
    const out = bot.stdout();
    expect(out).toContain('Rated Toy Story (1995)');
    expect(out).toContain('Evaluation on ml-100k');
    expect(out).toContain(SHUTTING_DOWN);
    expect(out).not.toContain('Rated Star Wars');
    expect(bot.stderrLines).toContainEqual('Finished 1 command in flight.');
    const db = inspect(join(bot.cwd, 'data', 'marquee.db'));
    expect(db.integrity).toBe('ok');
    expect(db.ratings.map((r) => [r.movie, r.rating])).toEqual([['Toy Story (1995)', 4]]);
  });

  it('on Slack: answers the command in flight, refuses one sent during the drain, and stops the receiver', async () => {
    slack = await startFakeSlack();
    const port = await freePort();
    bot = startMarquee({
      env: {
        MARQUEE_DATA: DATA,
        SLACK_BOT_TOKEN: 'xoxb-ops-test',
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: slack.apiUrl,
        SLACK_PORT: String(port),
        MARQUEE_ADMINS: 'slack:UADMIN',
        MARQUEE_SHUTDOWN_SECONDS: GRACE,
      },
    });
    await bot.waitForLine(/Marquee is running on Slack/);

    const rated = slack.responseUrl();
    expect(await sendSlash(port, { command: '/rate', text: 'Toy Story (1995) 4', userId: 'UANN', responseUrl: rated.url })).toBe(200);
    await until(() => slack!.answers(rated.id).find((a) => /Rated/.test(a.text ?? '')), 'the rating answer');

    const evaluation = slack.responseUrl();
    expect(await sendSlash(port, { command: '/evaluate', text: 'popular', userId: 'UADMIN', responseUrl: evaluation.url })).toBe(200);
    // the first progress post says the evaluation is under way
    await until(() => slack!.answers(evaluation.id)[0], 'the evaluation under way');
    bot.child.kill('SIGTERM');
    await bot.waitForLine(/SIGTERM: stopping/);

    const late = slack.responseUrl();
    expect(await sendSlash(port, { command: '/rate', text: 'Star Wars (1977) 5', userId: 'UBEN', responseUrl: late.url })).toBe(200);
    const refused = await until(() => slack!.answers(late.id)[0], 'the refusal');
    expect(refused.text).toContain('shutting down');

    expect(await bot.exited).toBe(0);
    expect(slack.answers(evaluation.id).some((a) => JSON.stringify(a).includes('HR@10'))).toBe(true);
    const db = inspect(join(bot.cwd, 'data', 'marquee.db'));
    expect(db.integrity).toBe('ok');
    expect(db.ratings).toEqual([{ user: 'UANN', movie: 'Toy Story (1995)', rating: 4 }]);
  });
});
