import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/data.ts';
import { tempDir } from '../data/fixtures.ts';
import { makeZip } from '../data/zip-writer.ts';

const zip = makeZip([
  { name: 'ml-100k/u.item', data: '1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n' },
  { name: 'ml-100k/u.data', data: '196\t1\t3\t881250949\n' },
]);

let server: Server;
let base: string;
let requests = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++;
    if (req.url === '/ml-100k.zip') return res.end(zip);
    if (req.url === '/ml-100k.zip.md5') return res.end(`MD5 (ml-100k.zip) = ${createHash('md5').update(zip).digest('hex')}\n`);
    res.writeHead(404).end('Not Found');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
});

async function run(args: string[], env: Record<string, string> = {}, cwd = tempDir()): Promise<{ code: number; out: string; err: string; cwd: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(args, { stdout, stderr, env, cwd });
  return { code, out, err, cwd };
}

describe('npm run data', () => {
  it('lists the datasets it knows', async () => {
    const r = await run(['--list']);
    expect(r.code).toBe(0);
    for (const name of ['ml-latest-small', 'ml-100k', 'ml-1m', 'ml-10m', 'ml-25m', 'ml-32m', 'ml-latest']) expect(r.out).toContain(name);
  });

  it('downloads a dataset into ./data/<name> and says where it is', async () => {
    const r = await run(['ml-100k', '--base-url', base]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ml-100k is ready in data\/ml-100k \(2 files, .* MB, MD5 checked\)/);
    expect(existsSync(join(r.cwd, 'data', 'ml-100k', 'u.item'))).toBe(true);
    const again = await run(['ml-100k', '--base-url', base], {}, r.cwd);
    expect(again.out).toMatch(/already in data\/ml-100k; nothing to do/);
  });

  it('honours --dir and MARQUEE_DOWNLOAD_BASE, and tells how to point Marquee there', async () => {
    const dir = join(tempDir(), 'movies');
    const r = await run(['ml-100k', '--dir', dir], { MARQUEE_DOWNLOAD_BASE: base });
    expect(r.code).toBe(0);
    expect(r.out).toContain(`set MARQUEE_DATA=${dir}`);
    expect(existsSync(join(dir, 'ml-100k', 'u.data'))).toBe(true);
  });

  it('fails with one friendly paragraph and exit code 1, never a stack trace', async () => {
    const r = await run(['ml-100k', '--base-url', `${base}/nowhere`]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/answered HTTP 404 Not Found/);
    expect(r.err).not.toMatch(/\n\s+at /);
    expect(r.err.trim().split('\n')).toHaveLength(2); // the "Downloading …" line, then the paragraph

    const unknown = await run(['ml-5m']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/no MovieLens dataset called "ml-5m"/);

    const none = await run([]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/Which dataset\? .*npm run data -- ml-latest-small/);

    const bad = await run(['--frobnicate']);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('Unknown option --frobnicate. Run `npm run data -- --help` for the options.\n');
  });
});

describe('npm run data, for a member whose download goes wrong or is not needed', () => {
  it('a download into a folder that did not exist fails without leaving that folder behind', async () => {
    const root = tempDir();
    const dir = join(root, 'nonexistent', 'x');
    const r = await run(['ml-100k', '--dir', dir, '--base-url', `${base}/nowhere`]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Downloading ml-100k failed: .* answered HTTP 404 Not Found/);
    expect(existsSync(join(root, 'nonexistent'))).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });

  it('a dataset already there is reported as such, with no "Downloading" line and no request', async () => {
    const first = await run(['ml-100k', '--base-url', base]);
    expect(first.code).toBe(0);
    expect(first.err).toMatch(/^Downloading ml-100k from /);
    const before = requests;
    const again = await run(['ml-100k', '--base-url', base], {}, first.cwd);
    expect(again.code).toBe(0);
    expect(again.err).toBe('');
    expect(again.out).toMatch(/^ml-100k is already in data\/ml-100k; nothing to do/);
    expect(requests).toBe(before);
  });

  it('an unknown name is refused before anything is announced or created', async () => {
    const r = await run(['ml-5m']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^There is no MovieLens dataset called "ml-5m"/);
    expect(existsSync(join(r.cwd, 'data'))).toBe(false);
  });
});

describe('npm run data -- synthetic, for a developer who needs a MovieLens-shaped set of any size', () => {
  it('writes the counts asked for into --dir, seeded, and says how to use it', async () => {
    const r = await run(['synthetic', '--users', '80', '--movies', '600', '--ratings', '4_000', '--tags', '50', '--seed', '9', '--dir', 'sets/s1']);
    expect(r.code).toBe(0);
    expect(r.err).toBe('Writing a synthetic dataset (80 members, 600 movies, 4,000 ratings, 50 tags; seed 9) into sets/s1 …\n');
    expect(r.out).toMatch(/^Wrote sets\/s1 \(0\.\d MB\) in \d+\.\d s; peak memory \d+ MB\.\n/u);
    expect(r.out).toContain(`MARQUEE_DATA=${join(r.cwd, 'sets', 's1')}`);
    const lines = (f: string): number => readFileSync(join(r.cwd, 'sets', 's1', f), 'utf8').split('\r\n').length - 2;
    expect([lines('ratings.csv'), lines('movies.csv'), lines('links.csv'), lines('tags.csv')]).toEqual([4000, 600, 600, 50]);
  });

  it('takes a preset shape and, without --dir, writes <data folder>/synthetic-<shape>', async () => {
    const r = await run(['synthetic', '--shape', 'small']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/\(610 members, 9,742 movies, 100,836 ratings, 3,683 tags; seed 1\) into data\/synthetic-small/u);
    expect(readdirSync(join(r.cwd, 'data', 'synthetic-small')).sort()).toEqual(['links.csv', 'movies.csv', 'ratings.csv', 'tags.csv']);
  });

  it('refuses an impossible request, an unknown shape, a used folder and stray options, writing nothing', async () => {
    const few = await run(['synthetic', '--users', '100', '--movies', '500', '--ratings', '1000']);
    expect(few.code).toBe(1);
    expect(few.err).toBe('1000 ratings are too few for 100 members: each needs at least 20, so at least 2000 ratings.\n');
    expect(readdirSync(few.cwd)).toEqual([]);

    const shape = await run(['synthetic', '--shape', 'ml-5m']);
    expect(shape.err).toMatch(/^There is no synthetic shape called "ml-5m". Shapes: small, ml-1m, ml-10m, ml-25m, ml-32m\./u);

    const word = await run(['synthetic', '--users', 'many']);
    expect(word.err).toBe('--users must be a whole number, got "many".\n');

    const first = await run(['synthetic', '--users', '30', '--movies', '100', '--ratings', '900', '--dir', 'x']);
    expect(first.code).toBe(0);
    const again = await run(['synthetic', '--users', '30', '--movies', '100', '--ratings', '900', '--dir', 'x'], {}, first.cwd);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/x already exists and is not empty; choose another folder or delete it first\.\n$/u);

    const stray = await run(['ml-100k', '--users', '3']);
    expect(stray.code).toBe(1);
    expect(stray.err).toMatch(/^--users belongs to `npm run data -- synthetic`/u);
  });
});
