/**
 * The real process (`npm start`, real discord.js inside) on Discord's protocol, end to end: a
 * fake Discord on loopback (./fake-discord.ts) serves the REST API and the gateway, and the bot
 * reaches it through DISCORD_API_URL alone. A member's story: the bot logs in, registers its
 * commands (once: a restart sends no PUT), answers slash commands, autocomplete, a component on a
 * recommended movie and an export with its file, defers a long evaluation and delivers its chart,
 * and survives a gateway drop by RESUMING its session. Then what an operator sees when Discord is
 * unreachable (it keeps trying, and connects when Discord comes) or refuses the token: exit 1, in
 * seconds, before any data is loaded; and when the token is revoked while the bot runs: the
 * commands in flight finish, every acknowledged rating is stored, one paragraph, exit 1.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startMarquee, type MarqueeProcess } from '../helpers/real-process.ts';
import { sharedDataset } from '../helpers/shared-data.ts';
import { startFakeDiscord, type FakeDiscord, type RestCall } from './fake-discord.ts';

const DATA = sharedDataset('ml-100k');
const TOKEN = 'fake-bot-token-0123456789.abcdef';
const APP = '111111111111111111';
const ANN = { id: '100000000000000001', username: 'ann', discriminator: '0', global_name: 'Ann', avatar: null };
const DM = { id: '300000000000000001', type: 1 };
/** Discord's deadline for the first answer to an interaction. */
const DEADLINE_MS = 3000;

const running: Array<{ bot?: MarqueeProcess; fake?: FakeDiscord }> = [];
afterEach(async () => {
  for (const { bot, fake } of running.splice(0)) {
    await bot?.stop();
    bot?.cleanup();
    await fake?.close();
  }
});

function bot(fakeApi: string, extra: Record<string, string> = {}, cwd?: string): MarqueeProcess {
  return startMarquee({
    cwd,
    env: {
      MARQUEE_DATA: DATA!,
      DISCORD_TOKEN: TOKEN,
      DISCORD_CLIENT_ID: APP,
      DISCORD_API_URL: fakeApi,
      MARQUEE_ADMINS: `discord:${ANN.id}`,
      ...extra,
    },
  });
}

let seq = 0;
/** An INTERACTION_CREATE payload from Ann in a DM, as Discord sends it. */
function interaction(type: number, data: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  seq++;
  return {
    id: String(700000000000000000n + BigInt(seq)),
    application_id: APP,
    type,
    token: `itoken-${seq}-${Date.now()}`,
    version: 1,
    data,
    channel_id: DM.id,
    channel: DM,
    user: ANN,
    locale: 'en-US',
    app_permissions: '0',
    entitlements: [],
    authorizing_integration_owners: {},
    context: 1,
    attachment_size_limit: 10485760,
    ...extra,
  };
}

/** Sends an interaction over the gateway; resolves with its first answer and how long it took. */
async function send(fake: FakeDiscord, payload: ReturnType<typeof interaction>): Promise<{ first: RestCall; ms: number; token: string }> {
  const sentAt = Date.now();
  fake.dispatch('INTERACTION_CREATE', payload);
  const first = await fake.waitForCall((c) => c.path.includes(`/interactions/${payload.id}/${payload.token}/callback`), 30_000);
  return { first, ms: first.at - sentAt, token: payload.token };
}

const calls = (fake: FakeDiscord, token: string) => fake.rest.filter((c) => c.path.includes(`/${token}`));

describe.skipIf(!DATA)('Marquee on Discord, the real process against a fake Discord', () => {
  it('logs in over the gateway, registers its commands once, and serves a member end to end', async () => {
    const fake = await startFakeDiscord({ token: TOKEN, applicationId: APP, heartbeatIntervalMs: 500 });
    const first = bot(fake.api);
    running.push({ bot: first, fake });

    // the token checked before the data loads (GET /users/@me); then the login: GET /gateway/bot
    // with the token, then HELLO / IDENTIFY / READY on the socket it names
    await first.waitForLine(/discord: slash commands registered/);
    expect(fake.rest.slice(0, 2)).toMatchObject([
      { method: 'GET', path: '/api/v10/users/@me' },
      { method: 'GET', path: '/api/v10/gateway/bot' },
    ]);
    const identify = await fake.waitForFrame((f) => f.op === 2);
    expect(identify.d).toMatchObject({ token: TOKEN, intents: 1 });
    expect(fake.connections[0]).toBe('/gateway');
    const puts = fake.rest.filter((c) => c.method === 'PUT' && c.path === `/api/v10/applications/${APP}/commands`);
    expect(puts).toHaveLength(1);
    const names = (puts[0].json as unknown as Array<{ name: string }>).map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['rate', 'recommend', 'top', 'export', 'evaluate']));
    await first.waitForLine(/Marquee is running on Discord/);
    // heartbeats (op 1, the last sequence number) are sent and acknowledged, so the bot stays on
    const beat = await fake.waitForFrame((f) => f.op === 1 && f.d !== null, 5000);
    expect(beat.d).toBe(1);

    // autocomplete (type 4): title suggestions, answered straight away (it cannot be deferred)
    const suggest = await send(fake, interaction(4, { id: '1', name: 'rate', type: 1, options: [{ name: 'title', type: 3, value: 'star wars', focused: true }, { name: 'score', type: 10, value: 5 }] }));
    expect(suggest.first.json.type).toBe(8);
    expect((suggest.first.json.data as { choices: unknown[] }).choices).toContainEqual({ name: 'Star Wars (1977)', value: 'id:50' });
    expect(suggest.ms).toBeLessThan(DEADLINE_MS);

    // /rate with the chosen suggestion: stored, confirmed privately
    const rated = await send(fake, interaction(2, { id: '1', name: 'rate', type: 1, options: [{ name: 'title', type: 3, value: 'id:50' }, { name: 'score', type: 10, value: 5 }] }));
    expect(rated.first.json.type).toBe(4);
    expect(JSON.stringify(rated.first.json.data)).toContain('Rated Star Wars (1977)');
    expect(rated.ms).toBeLessThan(DEADLINE_MS);
    for (const id of ['172', '181', '174', '1', '127']) {
      await send(fake, interaction(2, { id: '1', name: 'rate', type: 1, options: [{ name: 'title', type: 3, value: `id:${id}` }, { name: 'score', type: 10, value: 4 }] }));
    }

    // /top: the popularity chart
    const top = await send(fake, interaction(2, { id: '1', name: 'top', type: 1 }));
    expect(top.first.json.type).toBe(4);
    expect(JSON.stringify(top.first.json.data)).toMatch(/"embeds":\[\{/);
    expect(top.ms).toBeLessThan(DEADLINE_MS);

    // /recommend: a list with components; the first one on a recommended movie is used
    const recs = await send(fake, interaction(2, { id: '1', name: 'recommend', type: 1, options: [{ name: 'n', type: 4, value: 5 }] }));
    expect(recs.first.json.type).toBe(4);
    expect(recs.ms).toBeLessThan(DEADLINE_MS);
    const recData = recs.first.json.data as { embeds: Array<{ description?: string }>; components: Array<{ components: Array<Record<string, unknown>> }>; flags?: number };
    expect(recData.embeds[0].description).toMatch(/\*\*1\.\*\* /);
    const component = recData.components.flatMap((r) => r.components).find((c) => String(c.custom_id).startsWith('mq:'))!;
    expect(component).toBeDefined();
    const options = component.options as Array<{ label: string; value: string }> | undefined;
    const press = await send(
      fake,
      interaction(
        3,
        options ? { custom_id: component.custom_id, component_type: 3, values: [options[0].value] } : { custom_id: component.custom_id, component_type: 2 },
        { message: { id: '500000000000000001', channel_id: DM.id, author: { id: APP, username: 'Marquee', discriminator: '0', avatar: null, bot: true }, content: '', timestamp: new Date().toISOString(), edited_timestamp: null, tts: false, mention_everyone: false, mentions: [], mention_roles: [], attachments: [], embeds: recData.embeds, components: recData.components, pinned: false, type: 20, flags: recData.flags ?? 0 } },
      ),
    );
    // the press is answered in time with a message of its own or an update of the list
    expect([4, 7]).toContain(press.first.json.type);
    expect(press.ms).toBeLessThan(DEADLINE_MS);
    // the first control is about the first movie recommended, and so is the answer
    const firstMovie = /\*\*1\.\*\* (.+?\(\d{4}\))/.exec(recData.embeds[0].description!)![1].replace(/\\(.)/g, '$1');
    expect(JSON.stringify(press.first.json.data)).toContain(JSON.stringify(firstMovie).slice(1, -1));

    // /export: a multipart upload whose CSV holds the member's ratings
    const exported = await send(fake, interaction(2, { id: '1', name: 'export', type: 1 }));
    expect(exported.first.files).toHaveLength(1);
    expect(exported.first.files[0].name).toMatch(/\.csv$/);
    const csv = exported.first.files[0].bytes.toString('utf8');
    expect(csv).toMatch(/^title,year,rating,rated_at\r?\n/);
    expect(csv).toMatch(/\nStar Wars,1977,5,\d{4}-/);
    expect(csv.trim().split(/\r?\n/)).toHaveLength(1 + 6);

    // /evaluate: longer than Discord's 3 s, so a deferral (type 5) in time, then the edit and the
    // public result with its chart as a follow-up
    const evaluation = await send(fake, interaction(2, { id: '1', name: 'evaluate', type: 1 }));
    expect(evaluation.ms).toBeLessThan(DEADLINE_MS);
    expect(evaluation.first.json).toEqual({ type: 5, data: { flags: 64 } });
    const result = await fake.waitForCall((c) => c.method === 'POST' && c.path.endsWith(`/webhooks/${APP}/${evaluation.token}`), 120_000);
    expect(calls(fake, evaluation.token).some((c) => c.method === 'PATCH' && c.path.endsWith('/messages/@original'))).toBe(true);
    expect(result.files.map((f) => f.name)).toEqual(['evaluation.png']);
    expect(result.files[0].bytes.subarray(1, 4).toString('latin1')).toBe('PNG');

    // a restart with the same commands: GET, compare, and no PUT (creations are rate limited)
    expect(await first.stop()).toBe(0);
    const putsBefore = fake.rest.filter((c) => c.method === 'PUT').length;
    const second = bot(fake.api, {}, first.cwd);
    running.push({ bot: second });
    await second.waitForLine(/discord: slash commands up to date/);
    expect(fake.rest.filter((c) => c.method === 'PUT')).toHaveLength(putsBefore);
  });

  it('resumes its session after the gateway drops the connection, and keeps answering', async () => {
    const fake = await startFakeDiscord({ token: TOKEN, applicationId: APP });
    const marquee = bot(fake.api);
    running.push({ bot: marquee, fake });
    await marquee.waitForLine(/Marquee is running on Discord/);
    const ready = await fake.waitForFrame((f) => f.op === 2);
    const before = await send(fake, interaction(2, { id: '1', name: 'top', type: 1 }));
    expect(before.first.json.type).toBe(4);

    // 4000 (unknown error) is resumable: the bot must come back on resume_gateway_url with op 6
    const lastSeq = fake.dispatch('GUILD_CREATE_IGNORED', {});
    fake.drop(4000);
    const resume = await fake.waitForFrame((f) => f.op === 6, 15_000);
    expect(resume.via).toBe('/resume');
    expect(resume.d).toEqual({ token: TOKEN, session_id: 'session-1', seq: lastSeq });
    expect(fake.frames.filter((f) => f.op === 2)).toEqual([ready]); // no second IDENTIFY
    await marquee.waitForLine(/discord: gateway session resumed/);

    const after = await send(fake, interaction(2, { id: '1', name: 'top', type: 1 }));
    expect(after.first.json.type).toBe(4);
    expect(after.ms).toBeLessThan(DEADLINE_MS);
  });

  it('refuses to run with a token Discord rejects: one paragraph naming DISCORD_TOKEN, exit 1, before loading any data', async () => {
    const fake = await startFakeDiscord({ token: 'the-real-token-is-another-one-entirely', applicationId: APP });
    const marquee = bot(fake.api);
    running.push({ bot: marquee, fake });
    expect(await marquee.exited).toBe(1);
    const said = marquee.stderrLines.join('\n');
    expect(said).toContain(`Discord refused DISCORD_TOKEN (HTTP 401 Unauthorized from ${fake.api}). Copy the token again`);
    expect(said).not.toMatch(/unreachable/);
    expect(said).not.toContain(TOKEN); // the secret itself is never printed
    // found by the check before the data: nothing read, nothing imported, no gateway opened
    expect(said).not.toMatch(/Loading|Imported/);
    expect(existsSync(join(marquee.cwd, 'data', 'marquee.db'))).toBe(false);
    expect(fake.rest.map((c) => c.path)).toEqual(['/api/v10/users/@me']);
  });

  it('a token revoked while running: the RESUME is refused (4004), commands in flight finish, every acknowledged rating is stored, exit 1', async () => {
    const fake = await startFakeDiscord({ token: TOKEN, applicationId: APP });
    const marquee = bot(fake.api);
    running.push({ bot: marquee, fake });
    await marquee.waitForLine(/Marquee is running on Discord/);
    const rate = (id: string, score: number) => interaction(2, { id: '1', name: 'rate', type: 1, options: [{ name: 'title', type: 3, value: `id:${id}` }, { name: 'score', type: 10, value: score }] });
    for (const [id, score] of [['50', 5], ['172', 4], ['181', 3.5]] as const) {
      expect(JSON.stringify((await send(fake, rate(id, score))).first.json.data)).toContain('Rated');
    }

    // one more rating on its way as the token is reset: Discord drops the session, the bot's
    // RESUME is refused with 4004, which no retry can fix
    const late = rate('174', 2);
    fake.dispatch('INTERACTION_CREATE', late);
    fake.revoke();
    fake.drop(4000);
    expect(await marquee.exited).toBe(1);
    expect(fake.frames.filter((f) => f.op === 6)).toHaveLength(1); // a RESUME, refused; no retry after it

    const lines = marquee.stderrLines;
    const stopping = lines.indexOf('A chat platform refused its token: stopping. New commands are refused; finishing those in flight (at most 10 s) …');
    expect(stopping).toBeGreaterThan(-1);
    // the paragraph comes last, after the store is closed
    expect(lines.at(-1)).toBe(
      'Discord refused DISCORD_TOKEN while Marquee was running: it closed the gateway with code 4004 (authentication failed). The token was reset or revoked, or the bot was deleted. ' +
        'Marquee finished the commands in flight and stopped; start it again once this is fixed. Copy the token again from the Discord Developer Portal (your application > Bot > Reset Token) into DISCORD_TOKEN, and check that DISCORD_CLIENT_ID is the id of the same application.',
    );
    expect(lines.filter((l) => l.includes('Discord refused DISCORD_TOKEN while Marquee was running'))).toHaveLength(1); // said once
    expect(lines.join('\n')).not.toContain(TOKEN);

    // every rating Ann was told was saved is in the store (the late one too, if it was answered)
    const acknowledged = new Map<string, number>();
    for (const [id, score, token] of [['50', 5], ['172', 4], ['181', 3.5], ['174', 2, late.token]] as Array<[string, number, string?]>) {
      const answered = token === undefined || calls(fake, token).some((c) => JSON.stringify(c.json).includes('Rated'));
      if (answered) acknowledged.set(id, score);
    }
    expect(acknowledged.size).toBeGreaterThanOrEqual(3);
    const db = new Database(join(marquee.cwd, 'data', 'marquee.db'), { readonly: true });
    try {
      const rows = db
        .prepare<[string], { movie_id: string; rating: number }>(
          `SELECT r.movie_id, r.rating FROM member_ratings r JOIN members m ON m.id = r.member_id WHERE m.platform = 'discord' AND m.platform_user_id = ?`,
        )
        .all(ANN.id);
      const stored = new Map(rows.map((r) => [String(r.movie_id), r.rating]));
      for (const [id, score] of acknowledged) expect(stored.get(id), `movie ${id}`).toBe(score);
    } finally {
      db.close();
    }
  });

  it('a token the gateway refuses (close code 4004) ends the same way', async () => {
    const fake = await startFakeDiscord({ token: TOKEN, applicationId: APP, closeOnIdentify: 4004 });
    const marquee = bot(fake.api);
    running.push({ bot: marquee, fake });
    expect(await marquee.exited).toBe(1);
    expect(marquee.stderrLines.join('\n')).toContain('Discord refused DISCORD_TOKEN: the gateway closed the connection with code 4004 (authentication failed).');
  });

  it('disallowed intents (4014) are told apart from a bad token', async () => {
    const fake = await startFakeDiscord({ token: TOKEN, applicationId: APP, closeOnIdentify: 4014 });
    const marquee = bot(fake.api);
    running.push({ bot: marquee, fake });
    expect(await marquee.exited).toBe(1);
    const said = marquee.stderrLines.join('\n');
    expect(said).toContain('Discord refused the gateway intents Marquee asks for (close code 4014, disallowed intents).');
    expect(said).not.toContain('DISCORD_TOKEN');
  });

  it('an unreachable Discord is not blamed on the token: it retries with a line per attempt and connects when Discord comes', async () => {
    const port = await freePort();
    const api = `http://127.0.0.1:${port}/api`;
    const marquee = bot(api);
    running.push({ bot: marquee });
    const firstLine = await marquee.waitForLine(/Discord is unreachable/);
    expect(firstLine).toContain(`Discord is unreachable at ${api} (connect ECONNREFUSED 127.0.0.1:${port}); trying again in 1 s (attempt 1 failed)`);
    await marquee.waitForLine(/trying again in 2 s \(attempt 2 failed\)/);
    expect(marquee.child.exitCode).toBeNull(); // still running
    expect(marquee.stderrLines.join('\n')).not.toMatch(/DISCORD_TOKEN|Discord refused/);
    // the check before the data could not reach Discord either: said once, and the data loaded
    const early = marquee.stderrLines.filter((l) => /could not check the bot's token/.test(l)).map((l) => JSON.parse(l).msg);
    expect(early).toEqual([
      `discord: could not check the bot's token before loading the data: no answer from ${api} (connect ECONNREFUSED 127.0.0.1:${port}). Start-up goes on; logging in retries until Discord answers.`,
    ]);
    expect(marquee.stderrLines.some((l) => /^(Imported|Using) /.test(l))).toBe(true);

    // Discord comes back on that address: the next attempt logs in
    const fake = await startFakeDiscord({ token: TOKEN, applicationId: APP, port });
    running.push({ fake });
    await marquee.waitForLine(/Marquee is running on Discord/, 30_000);
    expect(fake.frames.some((f) => f.op === 2)).toBe(true);
  });
});

/** A loopback port nothing listens on (taken and released). */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}
