import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DownloadError, downloadDataset, parseMd5File, resolveBaseUrl, type DownloadProgress } from '../../src/data/download.ts';
import { loadDataset } from '../../src/data/load.ts';
import { tempDir } from './fixtures.ts';
import { makeZip } from './zip-writer.ts';

const MOVIES = 'movieId,title,genres\r\n1,Toy Story (1995),Animation|Comedy\r\n2,"Matrix, The (1999)",Sci-Fi\r\n';
const RATINGS = 'userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,2,5.0,964982704\r\n';

const good = makeZip([
  { name: 'ml-latest-small/' },
  { name: 'ml-latest-small/movies.csv', data: MOVIES },
  { name: 'ml-latest-small/ratings.csv', data: RATINGS },
  { name: 'ml-latest-small/README.txt', data: 'MovieLens, for tests' },
]);
const flat = makeZip([
  { name: 'movies.csv', data: MOVIES },
  { name: 'ratings.csv', data: RATINGS },
]);
const slip = makeZip([
  { name: 'ml-latest-small/movies.csv', data: MOVIES },
  { name: 'ml-latest-small/../../evil.txt', data: 'gotcha' },
]);
const link = makeZip([
  { name: 'ml-latest-small/movies.csv', data: MOVIES },
  { name: 'ml-latest-small/ratings.csv', data: '/etc/passwd', symlink: true },
]);
const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

/** path -> [status, body] */
const routes = new Map<string, [number, string | Buffer]>([
  ['/ok/ml-latest-small.zip', [200, good]],
  ['/ok/ml-latest-small.zip.md5', [200, `MD5 (ml-latest-small.zip) = ${md5(good)}\n`]],
  ['/flat/ml-100k.zip', [200, flat]],
  ['/flat/ml-100k.zip.md5', [200, `${md5(flat)}  ml-100k.zip\n`]],
  ['/tampered/ml-latest-small.zip', [200, good]],
  ['/tampered/ml-latest-small.zip.md5', [200, `${'0'.repeat(32)}  ml-latest-small.zip\n`]],
  ['/broken/ml-latest-small.zip.md5', [500, 'Internal Server Error']],
  ['/broken/ml-latest-small.zip', [500, 'Internal Server Error']],
  ['/slip/ml-latest-small.zip', [200, slip]],
  ['/slip/ml-latest-small.zip.md5', [200, `${md5(slip)}  ml-latest-small.zip`]],
  ['/link/ml-latest-small.zip', [200, link]],
  ['/link/ml-latest-small.zip.md5', [200, `${md5(link)}  ml-latest-small.zip`]],
]);

let server: Server;
let base: string;
let closedPort: number;

beforeAll(async () => {
  server = createServer((req, res) => {
    const hit = routes.get(req.url ?? '');
    const [status, body] = hit ?? [404, 'Not Found'];
    res.writeHead(status, { 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // a port that was just free and is closed again: connecting to it is refused
  const spare = createServer();
  await new Promise<void>((ok) => spare.listen(0, '127.0.0.1', ok));
  closedPort = (spare.address() as AddressInfo).port;
  await new Promise<void>((ok) => spare.close(() => ok()));
});

afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
});

async function failure(p: Promise<unknown>): Promise<DownloadError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DownloadError);
  return err as DownloadError;
}

/** Nothing but the finished dataset folders may remain: no temp folder, no half-unpacked files. */
function leftovers(dataDir: string): string[] {
  return existsSync(dataDir) ? readdirSync(dataDir) : [];
}

describe('downloading a dataset for an end user', () => {
  it('downloads, checks the MD5, strips the top folder and leaves a loadable dataset', async () => {
    const dataDir = join(tempDir(), 'data');
    const progress: DownloadProgress[] = [];
    const result = await downloadDataset('ml-latest-small', { dataDir, baseUrl: `${base}/ok`, onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ name: 'ml-latest-small', dir: join(dataDir, 'ml-latest-small'), alreadyPresent: false, bytes: good.length, md5: md5(good), files: 3 });
    expect(readdirSync(result.dir).sort()).toEqual(['README.txt', 'movies.csv', 'ratings.csv']);
    expect(leftovers(dataDir)).toEqual(['ml-latest-small']);
    const ds = await loadDataset(result.dir);
    expect(ds.movies.map((m) => m.displayTitle)).toEqual(['Toy Story', 'The Matrix']);

    const phases = [...new Set(progress.map((p) => p.phase))];
    expect(phases).toEqual(['checksum', 'download', 'verify', 'extract', 'done']);
    const lastDownload = progress.filter((p) => p.phase === 'download').at(-1);
    expect(lastDownload).toEqual({ phase: 'download', done: good.length, total: good.length });
  });

  it('does nothing the second time, and replaces the folder with force', async () => {
    const dataDir = join(tempDir(), 'data');
    await downloadDataset('ml-latest-small', { dataDir, baseUrl: `${base}/ok` });
    const again = await downloadDataset('ml-latest-small', { dataDir, baseUrl: `${base}/broken` });
    expect(again.alreadyPresent).toBe(true);
    const forced = await downloadDataset('ml-latest-small', { dataDir, baseUrl: `${base}/ok`, force: true });
    expect(forced.alreadyPresent).toBe(false);
    expect(leftovers(dataDir)).toEqual(['ml-latest-small']);
  });

  it('accepts an archive without a top folder and an md5sum-style checksum file', async () => {
    const dataDir = join(tempDir(), 'data');
    const result = await downloadDataset('ml-100k', { dataDir, baseUrl: `${base}/flat` });
    expect(readdirSync(result.dir).sort()).toEqual(['movies.csv', 'ratings.csv']);
  });

  it('takes the mirror from MARQUEE_DOWNLOAD_BASE when no base URL is given', async () => {
    const dataDir = join(tempDir(), 'data');
    const result = await downloadDataset('ml-latest-small', { dataDir, env: { MARQUEE_DOWNLOAD_BASE: `${base}/ok/` } });
    expect(result.alreadyPresent).toBe(false);
  });

  it('refuses a download whose MD5 does not match, keeping nothing', async () => {
    const dataDir = join(tempDir(), 'data');
    const err = await failure(downloadDataset('ml-latest-small', { dataDir, baseUrl: `${base}/tampered` }));
    expect(err.kind).toBe('checksum');
    expect(err.message).toMatch(new RegExp(`its MD5 is ${md5(good)} but .*ml-latest-small\\.zip\\.md5 says 0{32}`));
    expect(err.message).toMatch(/Nothing was kept/);
    expect(leftovers(dataDir)).toEqual([]);
  });

  it('reports an HTTP error status with the manual alternative', async () => {
    const dataDir = join(tempDir(), 'data');
    const err = await failure(downloadDataset('ml-latest-small', { dataDir, baseUrl: `${base}/broken` }));
    expect(err.kind).toBe('http');
    expect(err.message).toMatch(/answered HTTP 500 Internal Server Error \(a problem on the server; try again later\)/);
    expect(err.message).toContain(`download ${base}/broken/ml-latest-small.zip yourself`);
    expect(err.message).toContain(join(dataDir, 'ml-latest-small'));
    expect(err.message).toContain('MARQUEE_DATA');
    expect(leftovers(dataDir)).toEqual([]);
  });

  it('explains a refused connection in one paragraph, with where to download and unzip by hand', async () => {
    const dataDir = join(tempDir(), 'data');
    const err = await failure(downloadDataset('ml-latest-small', { dataDir, baseUrl: `http://127.0.0.1:${closedPort}` }));
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(new RegExp(`Could not download ml-latest-small from 127\\.0\\.0\\.1:${closedPort}: the connection was refused`));
    expect(err.message).toContain(`http://127.0.0.1:${closedPort}/ml-latest-small.zip`);
    expect(err.message).toContain('set MARQUEE_DATA');
    expect(err.message).not.toContain('\n');
    expect(leftovers(dataDir)).toEqual([]);
  });

  it('removes the folders it created for a download that failed', async () => {
    const root = tempDir();
    const dataDir = join(root, 'not', 'yet', 'there');
    const err = await failure(downloadDataset('ml-latest-small', { dataDir, baseUrl: `http://127.0.0.1:${closedPort}` }));
    expect(err.kind).toBe('network');
    expect(readdirSync(root)).toEqual([]);
  });

  it('keeps a data folder that was there before a failed download', async () => {
    const dataDir = join(tempDir(), 'data');
    await downloadDataset('ml-latest-small', { dataDir, baseUrl: `${base}/ok` });
    await failure(downloadDataset('ml-100k', { dataDir, baseUrl: `${base}/broken` }));
    expect(leftovers(dataDir)).toEqual(['ml-latest-small']);
  });

  it('explains a host name that does not resolve', async () => {
    const dnsFailure = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND files.example'), { code: 'ENOTFOUND' }) });
    const err = await failure(
      downloadDataset('ml-latest-small', { dataDir: join(tempDir(), 'data'), baseUrl: 'https://files.example/movielens', fetchImpl: () => Promise.reject(dnsFailure) }),
    );
    expect(err.kind).toBe('network');
    expect(err.message).toMatch(/from files\.example: the host name could not be resolved/);
  });

  it('rejects an archive entry that would escape the folder (zip-slip), keeping nothing', async () => {
    const root = tempDir();
    const dataDir = join(root, 'data');
    const err = await failure(downloadDataset('ml-latest-small', { dataDir, baseUrl: `${base}/slip` }));
    expect(err.kind).toBe('archive');
    expect(err.message).toMatch(/could not be unpacked safely: .*\.\.\/evil\.txt/);
    expect(leftovers(dataDir)).toEqual([]);
    expect(existsSync(join(root, 'evil.txt'))).toBe(false);
    expect(existsSync(join(dataDir, 'evil.txt'))).toBe(false);
  });

  it('rejects symbolic links inside the archive', async () => {
    const dataDir = join(tempDir(), 'data');
    const err = await failure(downloadDataset('ml-latest-small', { dataDir, baseUrl: `${base}/link` }));
    expect(err.message).toMatch(/ratings\.csv" is a symbolic link/);
    expect(leftovers(dataDir)).toEqual([]);
  });

  it('refuses unknown names and bad addresses before touching the network', async () => {
    const fetchImpl = (): Promise<Response> => {
      throw new Error('must not be called');
    };
    let err = await failure(downloadDataset('ml-5m', { dataDir: tempDir(), fetchImpl }));
    expect(err.message).toMatch(/no MovieLens dataset called "ml-5m". Known names: ml-latest-small, ml-100k, ml-1m/);
    err = await failure(downloadDataset('ml-100k', { dataDir: tempDir(), baseUrl: 'ftp://example/x', fetchImpl }));
    expect(err.kind).toBe('bad-url');
    expect(() => resolveBaseUrl('not a url')).toThrow(/is not a URL/);
    expect(resolveBaseUrl(undefined, {})).toBe('https://files.grouplens.org/datasets/movielens');
  });
});

describe('reading the publisher\'s checksum file', () => {
  it('accepts the BSD and md5sum forms', () => {
    expect(parseMd5File('MD5 (ml-latest-small.zip) = 3D8F3F0F3A3A4E6A9C1B2D1E0F9A8B7C', 'ml-latest-small.zip')).toBe('3d8f3f0f3a3a4e6a9c1b2d1e0f9a8b7c');
    expect(parseMd5File('3d8f3f0f3a3a4e6a9c1b2d1e0f9a8b7c  ml-latest-small.zip\n', 'ml-latest-small.zip')).toBe('3d8f3f0f3a3a4e6a9c1b2d1e0f9a8b7c');
    expect(parseMd5File('3d8f3f0f3a3a4e6a9c1b2d1e0f9a8b7c *./ml-latest-small.zip', 'ml-latest-small.zip')).toBe('3d8f3f0f3a3a4e6a9c1b2d1e0f9a8b7c');
    expect(parseMd5File('3d8f3f0f3a3a4e6a9c1b2d1e0f9a8b7c')).toBe('3d8f3f0f3a3a4e6a9c1b2d1e0f9a8b7c');
  });

  it('refuses a checksum for another file, or no checksum at all', () => {
    expect(() => parseMd5File('3d8f3f0f3a3a4e6a9c1b2d1e0f9a8b7c  ml-1m.zip', 'ml-100k.zip')).toThrow(/for ml-1m\.zip, not ml-100k\.zip/);
    expect(() => parseMd5File('<html>Not here</html>')).toThrow(/no MD5 found/);
  });
});

