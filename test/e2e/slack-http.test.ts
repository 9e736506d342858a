/**
 * The real process on Slack's HTTP (Events API) protocol, end to end: `npm start`'s entry point
 * in a child process, real Bolt inside, SLACK_API_URL pointing at a fake Slack on loopback, and
 * requests signed as Slack signs them. A film club's member rates, asks for recommendations,
 * rates from a recommendation with a click, exports her ratings; forged, stale and replayed
 * requests change nothing.
 */
import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startMarquee, type MarqueeProcess } from '../helpers/real-process.ts';
import { sharedDataset } from '../helpers/shared-data.ts';
import { freePort, slackSignature, slashCommand, startFakeSlack, type FakeSlack } from './fake-slack.ts';

const DATA = sharedDataset('ml-100k');
const SECRET = '0123456789abcdef0123456789abcdef';
/** Slack's deadline for the ack */
const ACK_DEADLINE_MS = 3000;

type Block = { type: string; elements?: Element[] };
type Element = { type: string; action_id: string; value?: string; options?: Array<{ text: { text: string }; value: string }> };

describe.skipIf(!DATA)('Slack over HTTP, the real process against a fake Slack', () => {
  let slack: FakeSlack;
  let marquee: MarqueeProcess;
  let events: string;

  beforeAll(async () => {
    slack = await startFakeSlack();
    const port = await freePort();
    events = `http://127.0.0.1:${port}/slack/events`;
    marquee = startMarquee({
      env: { MARQUEE_DATA: DATA, SLACK_BOT_TOKEN: 'xoxb-e2e', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl, SLACK_PORT: String(port), SLACK_YIELD_NICE: '5' },
    });
    await marquee.waitForLine(/slack: running/);
  });
  afterAll(async () => {
    await marquee?.stop();
    marquee?.cleanup();
    await slack?.close();
  });

  /** posts a body to /slack/events as Slack would (signed now unless told), timing the answer */
  async function post(body: string, headers: Record<string, string> = slackSignature(SECRET, body)) {
    const started = performance.now();
    const res = await fetch(events, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
    await res.arrayBuffer();
    return { status: res.status, ms: performance.now() - started, headers };
  }
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  /** a slash command, acked in time, and the answer posted to its response_url */
  async function command(name: string, text: string) {
    const responseUrl = slack.responseUrl();
    const res = await post(form(slashCommand(name, text, responseUrl)));
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(ACK_DEADLINE_MS);
    return answerAt(responseUrl);
  }
  /** the first post to a response_url */
  async function answerAt(responseUrl: string) {
    const id = responseUrl.slice(responseUrl.lastIndexOf('/') + 1);
    return vi.waitFor(
      () => {
        const answer = slack.responses.find((r) => r.id === id);
        expect(answer, `an answer posted to ${responseUrl}`).toBeDefined();
        return answer!.body;
      },
      { timeout: 30_000 },
    );
  }
  /** a click on an element of a message Marquee sent (a button, or a menu's option) */
  async function click(element: Element, option?: { text: { text: string }; value: string }) {
    const responseUrl = slack.responseUrl();
    const act = option
      ? { action_id: element.action_id, block_id: 'b1', type: element.type, selected_option: option, action_ts: '1700000001.000000' }
      : { action_id: element.action_id, block_id: 'b1', type: element.type, value: element.value, text: { type: 'plain_text', text: 'Rate' }, action_ts: '1700000001.000000' };
    const payload = {
      type: 'block_actions',
      api_app_id: 'A1',
      token: 'legacy-verification-token',
      trigger_id: `${Date.now()}.1`,
      team: { id: 'T1', domain: 'film-club' },
      user: { id: 'UANN', username: 'ann', name: 'ann', team_id: 'T1' },
      channel: { id: 'C1', name: 'movies' },
      container: { type: 'message', message_ts: '1700000000.000200', channel_id: 'C1', is_ephemeral: true },
      response_url: responseUrl,
      actions: [act],
    };
    const res = await post(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
    expect(res.status).toBe(200);
    expect(res.ms).toBeLessThan(ACK_DEADLINE_MS);
    return answerAt(responseUrl);
  }
  /** Ann's stored rating of a movie, read from the database the process writes */
  function storedRating(movieId: string): number | undefined {
    const db = new Database(join(marquee.cwd, 'data', 'marquee.db'), { readonly: true, fileMustExist: true });
    try {
      const row = db
        .prepare(`SELECT r.rating FROM member_ratings r JOIN members m ON m.id = r.member_id WHERE m.platform = 'slack' AND m.platform_user_id = 'UANN' AND r.movie_id = ?`)
        .get(movieId) as { rating: number } | undefined;
      return row?.rating;
    } finally {
      db.close();
    }
  }
  const elementsOf = (body: Record<string, unknown>) => ((body.blocks as Block[] | undefined) ?? []).flatMap((b) => (b.type === 'actions' ? (b.elements ?? []) : []));

  it('checked the bot token against SLACK_API_URL at start-up', () => {
    expect(slack.calls[0]).toEqual({ method: 'auth.test', params: {}, auth: 'Bearer xoxb-e2e' });
  });

  it.runIf(process.platform === 'linux')("with SLACK_YIELD_NICE=5 the bot's threads yield the cores to the HTTP front's acks: every one at nice 5 or lower but the front's", () => {
    const pid = marquee.child.pid!;
    const niceOf = (tid: string) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    };
    // the child started at this thread's nice value (an operator's `nice -n 10` is never raised)
    const started = getPriority(0);
    const nices = readdirSync(`/proc/${pid}/task`).map(niceOf);
    expect(niceOf(String(pid))).toBe(Math.max(5, started));
    if (started < 5) expect(nices.filter((n) => n === started)).toHaveLength(1);
  });

  it('/rate, /recommend and /top: each acked within 3 s, the answer through the response_url', async () => {
    expect(await command('/rate', 'Star Wars 4')).toMatchObject({ response_type: 'ephemeral', text: 'Rated Star Wars (1977): ★★★★ 4.' });
    expect(storedRating('50')).toBe(4);
    const recommended = await command('/recommend', '');
    expect(recommended.response_type).toBe('ephemeral');
    expect(JSON.stringify(recommended.blocks)).toMatch(/\(\d{4}\)/); // movie titles with their years
    const top = await command('/top', '');
    expect(top.response_type).toBe('in_channel');
    expect(JSON.stringify(top.blocks)).toMatch(/\(\d{4}\)/);
  });

  it('rates a recommended movie with a click (block_actions), as Slack sends it', async () => {
    const recommended = await command('/recommend', '');
    // the recommendation's controls: a score choice that is a whole /rate command, or a movie to pick first
    const scoreOf = (els: Element[]) => {
      for (const e of els) {
        if (e.value?.match(/^\/rate .*score:4$/)) return { element: e };
        const option = e.options?.find((o) => /^\/rate .*score:4$/.test(o.value));
        if (option) return { element: e, option };
      }
      return undefined;
    };
    let choice = scoreOf(elementsOf(recommended));
    if (!choice) {
      // under each movie 👍, 👎 and "Seen it…" (which asks for the score); a cold-start list has
      // 👍 and 👎 and one "Rate one of these…" menu instead
      const els = elementsOf(recommended);
      const movie = els.find((e) => e.action_id === 'mq:x:seen') ?? els.find((e) => e.action_id === 'mq:m') ?? els[0];
      expect(movie, 'the recommendation offers something to click').toBeDefined();
      const asked = await click(movie, movie.options?.[0]);
      choice = scoreOf(elementsOf(asked));
    }
    expect(choice, 'a score of 4 can be chosen').toBeDefined();
    const movieId = /title:id:(\S+)/.exec(choice!.option?.value ?? choice!.element.value ?? '')![1];
    const answer = await click(choice!.element, choice!.option);
    expect(answer.text).toMatch(/^Rated .+ \(\d{4}\): ★★★★ 4\.$/);
    expect(storedRating(movieId)).toBe(4);
  });

  it('/export: the CSV goes up through files.getUploadURLExternal, the upload URL and completeUploadExternal, into a direct message', async () => {
    const callsBefore = slack.calls.length;
    const answer = await command('/export', '');
    expect(answer.response_type).toBe('ephemeral');
    await vi.waitFor(() => expect(slack.calls.map((c) => c.method)).toContain('files.completeUploadExternal'), { timeout: 15_000 });
    const calls = slack.calls.slice(callsBefore);
    expect(calls.map((c) => c.method)).toEqual(['conversations.open', 'files.getUploadURLExternal', 'files.completeUploadExternal']);
    expect(calls.every((c) => c.auth === 'Bearer xoxb-e2e')).toBe(true);
    expect(calls[1].params.filename).toMatch(/^marquee-ratings-.*\.csv$/);
    expect(calls[2].params.channel_id).toBe('DUANN');
    const csv = slack.uploads.at(-1)!.file.toString('utf8');
    const lines = csv.split(/\r?\n/);
    expect(lines[0]).toBe('title,year,rating,rated_at');
    expect(lines.some((l) => /^"?Star Wars"?,1977,4,/.test(l))).toBe(true);
  });

  it('refuses forged and stale requests (401), running nothing', async () => {
    const responsesBefore = slack.responses.length;
    const body = form(slashCommand('/rate', 'Star Wars 1', slack.responseUrl()));
    expect((await post(body, slackSignature('f'.repeat(32), body))).status).toBe(401); // another secret
    expect((await post(body, slackSignature(SECRET, body, Math.floor(Date.now() / 1000) - 6 * 60))).status).toBe(401); // 6 min old
    const altered = { ...slackSignature(SECRET, body) };
    expect((await post(body.replace('Star+Wars+1', 'Star+Wars+2'), altered)).status).toBe(401); // the body changed after signing
    await new Promise((r) => setTimeout(r, 500));
    expect(slack.responses.length).toBe(responsesBefore);
    expect(storedRating('50')).toBe(4);
  });

  it('a genuine request sent again unchanged within five minutes is answered 200 and does nothing: the rating stays 4', async () => {
    const toTwoUrl = slack.responseUrl();
    const toTwo = form(slashCommand('/rate', 'Fargo 2', toTwoUrl));
    const toTwoHeaders = slackSignature(SECRET, toTwo);
    expect((await post(toTwo, toTwoHeaders)).status).toBe(200);
    await answerAt(toTwoUrl);
    expect(storedRating('100')).toBe(2);
    await command('/rate', 'Fargo 4');
    expect(storedRating('100')).toBe(4);
    const responsesBefore = slack.responses.length;
    const replay = await post(toTwo, toTwoHeaders); // captured and sent again, headers and all
    expect(replay.status).toBe(200);
    await marquee.waitForLine(/a replay/, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(storedRating('100')).toBe(4);
    expect(slack.responses.length).toBe(responsesBefore);
  });

  it("Slack's own retry (x-slack-retry-num) of a request already acked does not run it twice", async () => {
    const toFiveUrl = slack.responseUrl();
    const toFive = form(slashCommand('/rate', 'Toy Story 5', toFiveUrl));
    expect((await post(toFive)).status).toBe(200);
    await answerAt(toFiveUrl);
    expect(storedRating('1')).toBe(5);
    await command('/rate', 'Toy Story 3');
    const responsesBefore = slack.responses.length;
    // Slack re-sends the same body, signed anew, with the retry headers
    const retry = await post(toFive, { ...slackSignature(SECRET, toFive, Math.floor(Date.now() / 1000) + 1), 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(retry.status).toBe(200);
    await marquee.waitForLine(/retry of a request already received/, 10_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(storedRating('1')).toBe(3);
    expect(slack.responses.length).toBe(responsesBefore);
  });
});
