/**
 * Where a first start's minutes go, one component at a time in this process (no service, no
 * worker): reading the files, packing and fingerprinting, the import transaction, reading the
 * training codes back, building the trainset, each default fit, the community trainset and
 * co-rating residuals the training worker sends, and the content model.
 *
 *   npx tsx bench/first-start.ts <dataset folder> [--only read,import,trainset,ease,svd,community,content]
 *
 * Each line: wall seconds and CPU seconds of this process (all threads). On the shared 2-core
 * machine the CPU figure is the steadier one; the load average is printed beside.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentModel } from '../src/core/content/model.ts';
import { createAlgorithm } from '../src/core/registry.ts';
import { Trainset } from '../src/core/trainset.ts';
import { contentMovieOf } from '../src/bot/content-movies.ts';
import { CoRating } from '../src/bot/service/co-rating.ts';
import { communityOf } from '../src/bot/service/community.ts';
import { scaleOf } from '../src/bot/service/generation.ts';
import { loadDataset } from '../src/data/load.ts';
import { packColumns } from '../src/store/columns.ts';
import { datasetFingerprint } from '../src/store/fingerprint.ts';
import { openStore } from '../src/store/store.ts';
import { expandCodes, trainingCodes } from '../src/store/training-data.ts';

const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--') && args[args.indexOf(a) - 1] !== '--only');
if (!dir) throw new Error('usage: npx tsx bench/first-start.ts <dataset folder> [--only read,import,trainset,ease,svd,community,content]');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set(args[onlyAt + 1].split(',')) : undefined;
const wants = (what: string): boolean => !only || only.has(what);

function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function timed<T>(what: string, fn: () => T): T {
  const w0 = performance.now();
  const c0 = cpu();
  const out = fn();
  report(what, w0, c0);
  return out;
}

async function timedAsync<T>(what: string, fn: () => Promise<T>): Promise<T> {
  const w0 = performance.now();
  const c0 = cpu();
  const out = await fn();
  report(what, w0, c0);
  return out;
}

function report(what: string, w0: number, c0: number): void {
  const wall = (performance.now() - w0) / 1000;
  const rss = process.memoryUsage().rss / 1e9;
  console.log(`${what.padEnd(44)} ${wall.toFixed(1).padStart(7)} s wall ${(cpu() - c0).toFixed(1).padStart(7)} s CPU   RSS ${rss.toFixed(2)} GB   load ${loadavg()[0].toFixed(1)}`);
}

const ds = await timedAsync('read the files (movies, links, tags, ratings)', () => loadDataset(dir));
console.log(`  ${ds.ratings.ratings.length.toLocaleString('en-US')} ratings, ${ds.movies.length.toLocaleString('en-US')} movies`);
const tmp = mkdtempSync(join(tmpdir(), 'marquee-first-start-'));
try {
  const store = openStore(join(tmp, 'marquee.db'));
  if (wants('import')) {
    const packed = timed('pack the columns', () => packColumns(ds.ratings));
    timed('fingerprint', () => datasetFingerprint(ds, packed));
    timed('import into a fresh store (all of it)', () => store.importDataset(ds));
    const db = join(tmp, 'marquee.db');
    const size = (p: string): number => statSync(p, { throwIfNoEntry: false })?.size ?? 0;
    console.log(`  database ${(size(db) / 1e6).toFixed(0)} MB, WAL ${(size(`${db}-wal`) / 1e6).toFixed(0)} MB`);
  } else {
    store.importDataset(ds);
  }
  if (!['trainset', 'ease', 'svd', 'community'].some(wants)) {
    store.close();
    process.exit(0);
  }
  const codes = timed('read the training codes back', () => trainingCodes(store));
  const ts = timed('trainset (strings, then indexed)', () => Trainset.fromColumns(expandCodes(codes), scaleOf(codes)));
  for (const spec of ['ease', 'svd']) {
    if (wants(spec)) timed(`fit ${spec}`, () => createAlgorithm(spec).fit(ts));
  }
  if (wants('community')) {
    const community = timed('community trainset', () => communityOf(ts));
    timed('co-rating residuals (both)', () => [new CoRating(ts).residuals(), new CoRating(community).residuals()]);
  }
  store.close();
  if (wants('content')) {
    const movies = ds.movies.map(contentMovieOf);
    timed('content model build + bytes', () => ContentModel.build(movies).toBytes());
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
