/**
 * `npx tsx test/e2e/discord-timings.ts [rounds]`: the real process against the fake Discord,
 * timed from outside (not a test: timings are measured, never asserted). Prints how long the bot
 * takes from start to READY, and, per command, the time from the INTERACTION_CREATE dispatch to
 * the first answer (Discord's 3 s deadline) and to the final one; then how long a RESUME takes
 * after a gateway drop. ml-100k, MARQUEE_ALGORITHMS=ease, as the end-to-end tests; the per-member
 * rate limit is lifted, or the rounds would be timing its refusals.
 */
import { startMarquee } from '../helpers/real-process.ts';
import { sharedDataset } from '../helpers/shared-data.ts';
import { startFakeDiscord, type FakeDiscord } from './fake-discord.ts';

const TOKEN = 'fake-bot-token-0123456789.abcdef';
const APP = '111111111111111111';
const USER = { id: '100000000000000001', username: 'ann', discriminator: '0', global_name: 'Ann', avatar: null };
const rounds = Number(process.argv[2] ?? 10);

let n = 0;
function interaction(type: number, data: Record<string, unknown>) {
  n++;
  return {
    id: String(700000000000000000n + BigInt(n)),
    application_id: APP,
    type,
    token: `itoken-${n}`,
    version: 1,
    data,
    channel_id: '300000000000000001',
    channel: { id: '300000000000000001', type: 1 },
    user: USER,
    locale: 'en-US',
    app_permissions: '0',
    entitlements: [],
    authorizing_integration_owners: {},
    context: 1,
    attachment_size_limit: 10485760,
  };
}

/** ms to the first answer (callback) and to the last one (callback, edit or follow-up, whichever came last within `settleMs`). */
async function timed(fake: FakeDiscord, payload: ReturnType<typeof interaction>, final: (path: string) => boolean): Promise<{ first: number; last: number }> {
  const sent = Date.now();
  fake.dispatch('INTERACTION_CREATE', payload);
  const first = await fake.waitForCall((c) => c.path.endsWith(`/${payload.token}/callback`), 120_000);
  const last = await fake.waitForCall((c) => c.path.includes(`/${payload.token}`) && final(c.path) && c.at >= first.at, 120_000);
  return { first: first.at - sent, last: last.at - sent };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main(): Promise<void> {
  const data = sharedDataset('ml-100k');
  if (!data) throw new Error('ml-100k not found: set MARQUEE_TEST_DATA');
  const fake = await startFakeDiscord({ token: TOKEN, applicationId: APP });
  const started = Date.now();
  const bot = startMarquee({ env: { MARQUEE_DATA: data, DISCORD_TOKEN: TOKEN, DISCORD_CLIENT_ID: APP, DISCORD_API_URL: fake.api, MARQUEE_ADMINS: `discord:${USER.id}`, MARQUEE_RATE_LIMIT: '1000/1s' } });
  try {
    await bot.waitForLine(/Marquee is running on Discord/, 120_000);
    const identified = fake.frames.find((f) => f.op === 2)!.at;
    console.log(`start to IDENTIFY: ${identified - started} ms; start to "running": ${Date.now() - started} ms (includes the ml-100k import and training)`);

    const byCallback = (p: string) => p.endsWith('/callback');
    const cases: Array<[string, () => ReturnType<typeof interaction>, (p: string) => boolean]> = [
      ['autocomplete', () => interaction(4, { id: '1', name: 'rate', type: 1, options: [{ name: 'title', type: 3, value: 'star', focused: true }] }), byCallback],
      ['/rate', () => interaction(2, { id: '1', name: 'rate', type: 1, options: [{ name: 'title', type: 3, value: `id:${1 + (n % 400)}` }, { name: 'score', type: 10, value: 4 }] }), byCallback],
      ['/top', () => interaction(2, { id: '1', name: 'top', type: 1 }), byCallback],
      ['/recommend', () => interaction(2, { id: '1', name: 'recommend', type: 1 }), byCallback],
      ['/export', () => interaction(2, { id: '1', name: 'export', type: 1 }), byCallback],
    ];
    console.log(`${rounds} rounds each (first answer = Discord's 3 s deadline):`);
    for (const [name, make, final] of cases) {
      const first: number[] = [];
      for (let r = 0; r < rounds; r++) first.push((await timed(fake, make(), final)).first);
      console.log(`  ${name.padEnd(13)} first answer p50 ${pct(first, 50)} ms, max ${Math.max(...first)} ms`);
    }
    const ev = await timed(fake, interaction(2, { id: '1', name: 'evaluate', type: 1 }), (p) => /\/webhooks\/\d+\/[^/]+$/.test(p));
    console.log(`  /evaluate     first answer (deferral) ${ev.first} ms, result with its chart ${ev.last} ms`);

    const before = fake.frames.length;
    const dropped = Date.now();
    fake.drop(4000);
    const resumed = await fake.waitForFrame((f) => f.op === 6 && fake.frames.indexOf(f) >= before, 30_000);
    console.log(`gateway drop (4000) to RESUME: ${resumed.at - dropped} ms`);
  } finally {
    await bot.stop();
    bot.cleanup();
    await fake.close();
  }
}

void main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
