import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/data.ts';
import { tempDir } from './fixtures.ts';
import { makeZip } from './zip-writer.ts';

const zip = makeZip([
  { name: 'ml-100k/u.item', data: '1|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n' },
  { name: 'ml-100k/u.data', data: '196\t1\t3\t881250949\n' },
]);

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
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
