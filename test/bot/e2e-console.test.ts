/**
 * End to end through the console adapter, as a person types: the real service and store on a
 * temporary database loaded with ml-latest-small (skipped, saying why, when the data is absent).
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConsole } from '../../src/bot/adapters/console.ts';
import { createDispatcher, type Dispatcher } from '../../src/bot/dispatch.ts';
import { createService, type LiveService } from '../../src/bot/service.ts';
import { evaluationRunner } from '../../src/cli/start.ts';
import { main } from '../../src/cli/start.ts';
import { loadDataset } from '../../src/data/load.ts';
import { setLogLevel } from '../../src/log.ts';
import type { Store } from '../../src/store/api.ts';
import { openStore } from '../../src/store/store.ts';
import { loadCommands } from '../../commands/index.ts';
import { sharedDataset } from '../helpers/shared-data.ts';

const DATA = sharedDataset('ml-latest-small');
const REPO = resolve(import.meta.dirname, '..', '..');

/** Collects each answer the console writes (one write per answer). */
class Answers extends Writable {
  readonly all: string[] = [];
  private waiting: Array<() => void> = [];
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.all.push(String(chunk));
    for (const w of this.waiting.splice(0)) w();
    done();
  }
  async after(count: number): Promise<string> {
    while (this.all.length <= count) await new Promise<void>((r) => this.waiting.push(r));
    return this.all[count].trimEnd();
  }
}

/** A console session for one member; `type` sends a line and returns the answer. */
function session(dispatcher: Dispatcher, userId: string, outDir: string) {
  const input = new PassThrough();
  const answers = new Answers();
  const status = new PassThrough();
  let progress = '';
  status.on('data', (d) => (progress += String(d)));
  const done = runConsole({ dispatcher, user: { userId }, input, output: answers, status, outDir, interactive: false });
  return {
    async type(line: string): Promise<string> {
      const n = answers.all.length;
      input.write(`${line}\n`);
      return answers.after(n);
    },
    progress: () => progress,
    async end(): Promise<void> {
      input.end();
      await done;
    },
  };
}

/** The numbered lines of an answer: "1. Alien (1979) — predicted 4.6" -> "Alien (1979)". */
function listed(answer: string): string[] {
  return answer
    .split('\n')
    .map((l) => /^\s*\d+\. (.+?)(?: — .*)?$/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined);
}

describe.skipIf(!DATA)('Marquee on the console with ml-latest-small', () => {
  let dir: string;
  let dbPath: string;
  let store: Store;
  let service: LiveService;
  let dispatcher: Dispatcher;

  beforeAll(async () => {
    setLogLevel('warn');
    dir = mkdtempSync(join(tmpdir(), 'marquee-e2e-'));
    dbPath = join(dir, 'marquee.db');
    store = openStore(dbPath);
    store.importDataset(await loadDataset(DATA!));
    service = await createService({
      store,
      algorithms: ['svd', 'popular'],
      coldStart: 5,
      retrainAfter: 1000,
      retrainMinutes: 60,
      adminIds: [{ platform: 'console', userId: 'root' }],
      evaluationRunner: evaluationRunner(),
    });
    await service.ready;
    dispatcher = createDispatcher({ service, commands: await loadCommands(), admins: [{ platform: 'console', userId: 'root' }] });
  });

  afterAll(async () => {
    await service?.close();
    store?.close();
  });

  it('takes a new member from a cold start to personal recommendations, and forgets them on request', async () => {
    const ann = session(dispatcher, 'ann', join(dir, 'out'));

    const cold = await ann.type('/recommend');
    expect(cold).toMatch(/^Popular picks to start with\n/);
    expect(cold).toContain('You have 0 ratings. Rate 5 more to unlock personal recommendations.');

    const rated: string[] = [];
    for (const line of ['/rate The Matrix 5', 'rate Alien 5', '/rate title:"Toy Story" score:1', '/rate Titanic (1997) 1', '/rate Fight Club 4.5']) {
      const answer = await ann.type(line);
      expect(answer).toMatch(/^Rated .+: [★½]+ [\d.]+\./);
      rated.push(/^Rated (.+?): /.exec(answer)![1]);
    }
    expect(rated).toEqual(['The Matrix (1999)', 'Alien (1979)', 'Toy Story (1995)', 'Titanic (1997)', 'Fight Club (1999)']);

    const personal = await ann.type('/recommend svd 10');
    expect(personal).toMatch(/^Recommended for you\n/);
    expect(personal).toMatch(/-- by svd$/);
    const first = listed(personal);
    expect(first).toHaveLength(10);
    for (const title of rated) expect(first).not.toContain(title);

    expect(await ann.type('/rate Toy Story 5')).toBe('Updated Toy Story (1995) from 1 to ★★★★★ 5.\n-- You have 5 ratings. Try /recommend.');
    const after = await ann.type('/recommend svd 10');
    expect(after).not.toBe(personal);
    for (const title of rated) expect(listed(after)).not.toContain(title);

    const because = await ann.type('/because The Matrix 3');
    expect(because).toMatch(/^Because you liked The Matrix \(1999\)\n/);
    expect(because).toMatch(/Similar in content:\n  1\. .+\n  2\. .+\n  3\. .+/);
    expect(because).toMatch(/Members who liked it also liked:\n  1\. .+/);

    const movie = await ann.type('/movie Alien');
    expect(movie).toMatch(/^Alien \(1979\)\n/);
    expect(movie).toContain('Your rating: ★★★★★ 5');
    expect(movie).toMatch(/Members' rating: \d\.\d\d from \d+ ratings/);

    const bob = session(dispatcher, 'bob', join(dir, 'out'));
    expect(await bob.type('/rate Heat 4')).toMatch(/^Rated Heat \(1995\)/);
    const night = await ann.type('/movienight @bob 5');
    expect(night).toMatch(/^Movie night for 2\n/);
    expect(listed(night)).toHaveLength(5);
    expect(night).not.toMatch(/bob rated|★/);
    await bob.end();

    const csv = join(dir, 'letterboxd-ratings.csv');
    writeFileSync(
      csv,
      'Date,Name,Year,Letterboxd URI,Rating\n' +
        '2024-01-02,Heat,1995,https://boxd.it/2bYc,4\n' +
        '2024-01-03,Jurassic Park,1993,https://boxd.it/2a8c,3.5\n' +
        '2024-01-04,Zzyzx Never Made,2031,https://boxd.it/zzzz,5\n',
    );
    const imported = await ann.type(`/import ${csv}`);
    expect(imported).toMatch(/^Import finished\n/);
    expect(imported).toContain('Imported 2 new ratings; updated 0 ratings. 1 title could not be matched:');
    expect(imported).toContain('1. Zzyzx Never Made (2031)');

    const exported = await ann.type('/export');
    const path = /saved to (.+\.csv)$/m.exec(exported)![1];
    const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
    expect(lines).toHaveLength(1 + 7);
    expect(lines.join('\n')).toContain('Jurassic Park');

    expect(await ann.type('/evaluate')).toBe("/evaluate is for the bot's admins only. Ask an admin (the MARQUEE_ADMINS setting lists them).");

    const confirm = await ann.type('/forget');
    expect(confirm).toContain('This deletes your 7 ratings and your member record. It cannot be undone.');
    expect(confirm).toContain('[1] Yes, delete all my data');
    expect(await ann.type('1')).toBe('Done: I deleted your 7 ratings and your member record.');
    expect(service.findMember('console', 'ann')).toBeUndefined();
    expect(await ann.type('/ratings')).toBe("You haven't rated any movies yet. Try /rate The Matrix 4.5, or /top to find some.");
    // looking at an empty list does not bring the member record back
    expect(service.findMember('console', 'ann')).toBeUndefined();
    await ann.end();
  });

  it('rates only the movie a member named: guesses are asked about, numbers in titles stay there, choices are used once', async () => {
    const cat = session(dispatcher, 'cat', join(dir, 'out'));
    const ratedIds = () => service.ratings(service.findMember('console', 'cat')!).map((r) => r.movieId).sort();

    // a close spelling or the start of another title is a guess: asked about, not rated
    const barbie = await cat.type('/rate Barbie 4');
    expect(barbie).toMatch(/^Did you mean Barb Wire \(1996\)\?\n/);
    expect(barbie).toContain('Type a number to choose.');
    expect(await cat.type('/rate Roma 4')).not.toMatch(/^Rated/);
    expect(service.findMember('console', 'cat')).toBeUndefined();

    // the title itself, in any case, is rated at once: "heat" is Heat (1995), not also The Heat
    expect(await cat.type('/rate heat 4')).toMatch(/^Rated Heat \(1995\): ★★★★ 4\./);

    // a number that completes a title is not a score
    expect(await cat.type('/rate Shrek 2')).toMatch(
      /^Missing score: how many stars for Shrek 2 \(2004\)\? For Shrek \(2001\) with score 2, type \/rate title:"Shrek" score:2\.\n/,
    );
    expect(await cat.type('/rate Toy Story 3')).toMatch(/^Missing score: how many stars for Toy Story 3 \(2010\)\?/);
    expect(await cat.type('/rate Apollo 13')).toMatch(/^Missing score: .* I read "13" as part of the title, because score must be from 0\.5 to 5 \(you gave 13\)\.\n/);
    expect(await cat.type('/rate Shrek 2 4.5')).toMatch(/^Rated Shrek 2 \(2004\)/);
    expect(ratedIds()).toEqual(['6', '8360']);

    // one pick from a list of choices; a second number finds the list used up
    expect(await cat.type('/rate king kong 3')).toMatch(/^Which “king kong”\?\n/);
    expect(await cat.type('1')).toMatch(/^Rated King Kong \(\d{4}\): ★★★ 3\./);
    expect(await cat.type('2')).toBe('Nothing to choose here: those choices were used up. Type the command again for new ones.');
    expect(ratedIds()).toHaveLength(3);

    expect(await cat.type('/recommend foo')).toMatch(/^algo "foo" is not one I know\. Accepted: .*\bsvd\b/);
    expect(await cat.type('/top decade:2100')).toBe('No rated movies found from the 2100s.');
    expect(await cat.type('/because Alien 2')).toMatch(/^Movies like Alien \(1979\)\n/);
    expect(await cat.type('/because Heat 2')).toMatch(/^Because you liked Heat \(1995\)\n/);
    await cat.end();

    // looking around creates no member record
    const dan = session(dispatcher, 'dan', join(dir, 'out'));
    await dan.type('/ratings');
    expect(await dan.type('/movie Alien')).toContain('Your rating: not rated (/rate id:1214 4)');
    expect(await dan.type('/recommend 3')).toMatch(/^Popular picks to start with\n/);
    await dan.type('/because Alien 2');
    expect(service.findMember('console', 'dan')).toBeUndefined();
    await dan.end();
  });

  it('runs /evaluate for an admin, with progress, a table and a chart file', async () => {
    const root = session(dispatcher, 'root', join(dir, 'out'));
    const answer = await root.type('/evaluate baseline 2');
    expect(answer).toMatch(/^Evaluation on ml-latest-small.*: 2-fold cross-validation\n/);
    expect(answer).toMatch(/algorithm\s+HR@10\s+±95%/);
    expect(answer).toMatch(/^baseline\s+0\.\d{4}\s+0\.\d{4}/m);
    expect(answer).toMatch(/^popular \(the chart\)\s+0\.\d{4}\s+0\.\d{4}/m);
    expect(root.progress()).toMatch(/^… Evaluating baseline; the bot keeps answering meanwhile\.\n… /);
    // a request the service refuses gets its reason alone: no "Evaluating…" before it
    const before = root.progress();
    expect(await root.type('/evaluate baseline protocol:temporal folds:3')).toMatch(/^folds belong to the kfold protocol, not to temporal/);
    expect(root.progress()).toBe(before);
    const chart = /\[image: .+\] saved to (.+\.png)$/m.exec(answer)![1];
    expect([...readFileSync(chart).subarray(1, 4)].map((b) => String.fromCharCode(b)).join('')).toBe('PNG');
    await root.end();
  });

  it('answers `echo "/top" | npm start` on stdout alone, then exits', async () => {
    const env = { ...process.env, MARQUEE_DATA: DATA!, MARQUEE_DB: dbPath, MARQUEE_ALGORITHMS: 'svd,popular', LOG_LEVEL: 'warn' };
    const child = spawn('npm', ['start', '--silent'], { cwd: REPO, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.stdin.end('/top n:3\n');
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, err).toBe(0);
    expect(out).toMatch(/^Top 3 movies\n============\n1\. The Shawshank Redemption \(1994\) — average 4\.\d\d from \d+ ratings\n2\. .+\n3\. .+\n-- .+\n\n$/);
    // status goes to stderr; the store already holds these very files, so they are not read again
    expect(err).toContain('(ml-latest-small already imported)');
    expect(err).not.toContain('Loading ml-latest-small');
  });
});

describe('npm start refuses what a person must fix, in one paragraph', () => {
  async function start(env: Record<string, string>, cwd: string) {
    let out = '';
    let err = '';
    const stdout = new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) });
    const stderr = new Writable({ write: (c, _e, cb) => ((err += String(c)), cb()) });
    const stdin = new PassThrough();
    stdin.end();
    const code = await main({ stdin, stdout, stderr, env, cwd });
    return { code, out, err };
  }

  it('a bad setting: names it, its value and what is expected', async () => {
    const r = await start({ MARQUEE_COLD_START: 'abc', MARQUEE_RATE_LIMIT: 'often' }, mkdtempSync(join(tmpdir(), 'marquee-cwd-')));
    expect(r).toEqual({
      code: 1,
      out: '',
      err:
        'Configuration errors:\n' +
        '  - MARQUEE_COLD_START="abc": expected a whole number from 1 to 100\n' +
        '  - MARQUEE_RATE_LIMIT="often": expected COUNT/WINDOW such as 20/10s, 100/1m or 5/500ms (1 to 10000 commands, window up to 24h), or "off"\n',
    });
  });

  it('an unknown algorithm: the list of accepted ones', async () => {
    const r = await start({ MARQUEE_ALGORITHMS: 'svd,deep-magic' }, mkdtempSync(join(tmpdir(), 'marquee-cwd-')));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^Configuration error: MARQUEE_ALGORITHMS="svd,deep-magic": unknown algorithm "deep-magic"; accepted: .*svd/);
  });

  it('missing data that cannot be downloaded: what failed and what to do', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'marquee-cwd-'));
    const r = await start({ MARQUEE_DOWNLOAD_BASE: 'http://127.0.0.1:9/movielens' }, cwd);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^ml-latest-small is not in data yet: downloading it \(first run only\) …\n/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('a Discord token without the Discord adapter in this build: says so', async () => {
    // a build without the adapter: a copy of the sources with src/bot/adapters/discord.ts removed,
    // started as `npm start` would start it (tsx), so the refusal is really exercised
    const build = mkdtempSync(join(tmpdir(), 'marquee-build-'));
    for (const part of ['src', 'commands', 'package.json', 'tsconfig.json']) cpSync(join(REPO, part), join(build, part), { recursive: true });
    symlinkSync(join(REPO, 'node_modules'), join(build, 'node_modules'), 'dir');
    rmSync(join(build, 'src/bot/adapters/discord.ts'));
    const cwd = mkdtempSync(join(tmpdir(), 'marquee-cwd-'));
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DISCORD_TOKEN: 'x'.repeat(40), DISCORD_CLIENT_ID: '123456789012345678' };
    const child = spawn(join(build, 'node_modules/.bin/tsx'), [join(build, 'src/cli/start.ts')], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.stdin.end();
    const code = await new Promise<number | null>((r) => child.on('close', r));
    expect(code, err).toBe(1);
    expect(out).toBe('');
    expect(err).toBe(
      'DISCORD_TOKEN is set, but this build of Marquee has no Discord adapter (src/bot/adapters/discord.ts is missing). Unset DISCORD_TOKEN to use the console.\n',
    );
  });
});
