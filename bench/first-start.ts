/**
 * Where a first start's minutes go, one component at a time in this process (no service, no
 * worker): reading the files, packing and fingerprinting, the import transaction, reading the
 * training codes back, building the trainset, each default fit, the community trainset and
 * co-rating residuals the training worker sends, and the content model.
 *
 *   npx tsx bench/first-start.ts <dataset folder> [--only read,import,trainset,ease,svd,community,content]
 *   npx tsx bench/first-start.ts <dataset folder> --service [--algorithms ease,svd] [--keep-store <file>]
 *
 * Each line: wall seconds and CPU seconds of this process (all threads). On the shared 2-core
 * machine the CPU figure is the steadier one; the load average is printed beside.
 *
 * --service runs the first start itself as `npm start` does (src/cli/start.ts): read the files,
 * start the content model's build, import into a fresh store, start the service with the default
 * set (MARQUEE_ALGORITHMS) and wait until it is ready, with the service's own log lines.
 */
import { mkdtempSync, renameSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService } from '../src/bot/service.ts';
import { ContentPrebuild } from '../src/bot/service/content-host.ts';
import { DEFAULTS } from '../src/config.ts';
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
const dir = args.find((a, k) => !a.startsWith('--') && !['--only', '--algorithms', '--keep-store'].includes(args[k - 1]));
if (!dir) throw new Error('usage: npx tsx bench/first-start.ts <dataset folder> [--only read,import,trainset,ease,svd,community,content]');
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set(args[onlyAt + 1].split(',')) : undefined;
const keepAt = args.indexOf('--keep-store');
const keepStore = keepAt >= 0 ? args[keepAt + 1] : undefined;
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

if (args.includes('--service')) {
  const at = args.indexOf('--algorithms');
  await firstStart(dir, at >= 0 ? args[at + 1].split(',') : [...DEFAULTS.algorithms]);
  process.exit(0);
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

/** The first start as src/cli/start.ts runs it, timed from the first file read to `ready`. */
async function firstStart(folder: string, algorithms: string[]): Promise<void> {
  const w0 = performance.now();
  const c0 = cpu();
  const stamp = (msg: string): void => {
    const s = ((performance.now() - w0) / 1000).toFixed(1).padStart(7);
    console.log(`${s} s  CPU ${(cpu() - c0).toFixed(0).padStart(4)} s  load ${loadavg()[0].toFixed(1).padStart(4)}  RSS ${(process.memoryUsage().rss / 1e9).toFixed(1)} GB  ${msg}`);
  };
  const logger = {
    info: (obj: object, msg?: string) => stamp(`service: ${msg ?? ''} ${JSON.stringify(obj)}`),
    warn: (obj: object, msg?: string) => stamp(`service warning: ${msg ?? ''} ${JSON.stringify(obj)}`),
    error: (obj: object, msg?: string) => stamp(`service error: ${msg ?? ''} ${JSON.stringify(obj)}`),
  };
  const tmpDir = mkdtempSync(join(tmpdir(), 'marquee-first-start-'));
  try {
    stamp(`reading ${folder}; MARQUEE_ALGORITHMS=${algorithms.join(',')}`);
    let prebuild: ContentPrebuild | undefined;
    const dataset = await loadDataset(folder, {
      onMovies: (movies) => {
        prebuild = ContentPrebuild.start(movies);
        stamp(`movies read; the content model ${prebuild ? 'is built in its worker from now' : 'waits for the service (a small catalogue)'}`);
      },
    });
    stamp(`read ${dataset.ratings.ratings.length.toLocaleString('en-US')} ratings, ${dataset.movies.length.toLocaleString('en-US')} movies`);
    const store = openStore(join(tmpDir, 'marquee.db'));
    store.importDataset(dataset);
    stamp('imported');
    const svc = await createService({ store, algorithms, coldStart: 5, retrainAfter: 1_000_000, retrainMinutes: 10_080, logger, contentPrebuild: prebuild });
    stamp('service started (answering from the chart until ready)');
    await svc.ready;
    stamp('first start done: every configured model and the content model are ready');
    await svc.close();
    store.close();
    // the store of a first start, models' snapshots included, for bench/scale-serve.ts to restart from
    if (keepStore) {
      renameSync(join(tmpDir, 'marquee.db'), keepStore);
      stamp(`store kept at ${keepStore}`);
    }
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}
