import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { Rng } from '../../src/core/rng.ts';
import { downloadDataset } from '../../src/data/download.ts';
import { loadDataset } from '../../src/data/load.ts';
import { resolveDataDir } from '../../src/data/locate.ts';
import { writeSynthetic } from '../../src/data/synthetic/write.ts';
import { tempDir } from './fixtures.ts';
import { makeZip } from './zip-writer.ts';

const SHAPE = { users: 50, movies: 400, ratings: 2500, tags: 60 };
const FILES = ['links.csv', 'movies.csv', 'ratings.csv', 'tags.csv'];

let server: Server;
let base: string;
let zip: Buffer;
const requested: string[] = [];

beforeAll(async () => {
  // a small stand-in for ml-32m.zip: the generator's files under the release's folder name
  const made = join(tempDir(), 'made');
  await writeSynthetic(made, SHAPE, new Rng(32));
  zip = makeZip([{ name: 'ml-32m/' }, ...FILES.map((f) => ({ name: `ml-32m/${f}`, data: readFileSync(join(made, f)) }))]);
  const md5 = createHash('md5').update(zip).digest('hex');
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    if (req.url === '/movielens/ml-32m.zip') return res.end(zip);
    if (req.url === '/movielens/ml-32m.zip.md5') return res.end(`MD5 (ml-32m.zip) = ${md5}\n`);
    res.writeHead(404).end('Not Found');
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/movielens`;
});

afterAll(async () => {
  await new Promise<void>((ok) => server.close(() => ok()));
});

describe('a member who sets MARQUEE_DATASET=ml-32m', () => {
  it('gets it downloaded from the mirror, checked, unpacked into data/ml-32m and loaded', async () => {
    const cwd = tempDir();
    const config = loadConfig({ env: { MARQUEE_DATASET: 'ml-32m', MARQUEE_DOWNLOAD_BASE: base }, dotenvPath: null });
    expect(config.dataset).toBe('ml-32m');

    const result = await downloadDataset(config.dataset, { dataDir: join(cwd, 'data'), baseUrl: config.downloadBase, env: {} });
    expect(requested).toEqual(['/movielens/ml-32m.zip.md5', '/movielens/ml-32m.zip']);
    expect(result).toMatchObject({ name: 'ml-32m', dir: join(cwd, 'data', 'ml-32m'), alreadyPresent: false, files: FILES.length, bytes: zip.length });
    expect(readdirSync(join(cwd, 'data'))).toEqual(['ml-32m']);
    expect(readdirSync(result.dir).sort()).toEqual(FILES);

    const found = resolveDataDir({ dataset: config.dataset, env: {}, cwd });
    expect(found).toMatchObject({ dir: result.dir, dataset: 'ml-32m', format: 'movielens-csv' });
    const ds = await loadDataset(found.dir);
    expect(ds).toMatchObject({ name: 'ml-32m', format: 'movielens-csv', scale: [0.5, 5] });
    expect(ds.movies).toHaveLength(SHAPE.movies);
    expect(ds.ratings.ratings).toHaveLength(SHAPE.ratings);
    expect(new Set(ds.ratings.users).size).toBe(SHAPE.users);
    expect(ds.movies.some((m) => m.tags?.length)).toBe(true);
  });
});
