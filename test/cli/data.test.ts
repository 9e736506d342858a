import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
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
