/**
 * The product at MovieLens scale, on synthetic data of a MovieLens shape:
 *
 *   npm run bench -- --only scale [--shape ml-1m|ml-10m|ml-25m|ml-32m] [--sample N] [--extra knn-user,knn-item|none]
 *                                 [--store marquee.db]
 *
 * Default shape ml-10m. The data is generated once into $MARQUEE_SCALE_DIR/<shape> (default
 * <tmpdir>/marquee-scale/<shape>, seed 1) and reused. Measured through the product's own path:
 * first start (import into a fresh SQLite store + training the default set in the worker); then, in
 * a serving process of its own (bench/scale-serve.ts, so its RSS is the service's alone), restart
 * from snapshots, RSS while serving, rate() and recommend() p95 for every default algorithm and for
 * knn-user/knn-item (loaded lazily, as a member's request would), the longest event-loop stall
 * during a background retrain; then, back in this process, the leave-one-out HR@10 of the default algorithm against the
 * popularity chart (evaluateTopN, on the ratings of --sample members, default 10,000: the
 * training set is then those members' ratings only, which the note says). Then each algorithm's
 * fit alone in this process: seconds and retained array memory per million ratings.
 *
 * --store: a store file that is kept. Empty (or new), the import and first start fill it; holding a
 * dataset already, they are skipped and a copy of it is served (a run in minutes, not the half hour
 * of an import at ml-32m; the copy keeps the members' test ratings out of the kept store).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createService, type LiveService } from '../src/bot/service.ts';
import { DEFAULTS } from '../src/config.ts';
import { createAlgorithm } from '../src/core/registry.ts';
import { evaluateTopN } from '../src/core/eval/topn.ts';
import { Rng } from '../src/core/rng.ts';
import { Trainset } from '../src/core/trainset.ts';
import { loadDataset } from '../src/data/load.ts';
import { SYNTHETIC_SHAPES } from '../src/data/synthetic/shapes.ts';
import { writeSynthetic } from '../src/data/synthetic/write.ts';
import type { Store } from '../src/store/api.ts';
import { openStore } from '../src/store/store.ts';
import type { BenchRow } from './types.ts';
import { gc } from './measure.ts';

/** the service's own log lines, timestamped on stderr: where the minutes of a start go */
const serviceLog = {
  info: (obj: object, msg?: string) => log(`service: ${msg ?? ''} ${JSON.stringify(obj)}`),
  warn: (obj: object, msg?: string) => log(`service warning: ${msg ?? ''} ${JSON.stringify(obj)}`),
  error: (obj: object, msg?: string) => log(`service error: ${msg ?? ''} ${JSON.stringify(obj)}`),
};
const SHAPES = ['ml-1m', 'ml-10m', 'ml-25m', 'ml-32m'] as const;
type Shape = (typeof SHAPES)[number];

function argValue(argv: string[], name: string): string | undefined {
  const k = argv.indexOf(name);
  return k < 0 ? undefined : argv[k + 1];
}

function log(msg: string): void {
  process.stderr.write(`[scale ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

async function datasetDir(shape: Shape): Promise<string> {
  const root = process.env.MARQUEE_SCALE_DIR ?? join(tmpdir(), 'marquee-scale');
  const dir = join(root, shape);
  if (existsSync(join(dir, 'ratings.csv'))) return dir;
  log(`generating ${shape} into ${dir}`);
  await writeSynthetic(dir, SYNTHETIC_SHAPES[shape], new Rng(1));
  return dir;
}

/** Runs bench/scale-serve.ts on `path` in a child process (same loader) and returns its rows. */
function serveInChild(path: string, algorithms: readonly string[], extra: readonly string[]): Promise<BenchRow[]> {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'scale-serve.ts');
  const child = spawn(process.execPath, [...process.execArgv, script, path, algorithms.join(','), extra.join(',') || 'none'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('[')) reject(new Error(`the serving process (${script}) ended with code ${code}`));
      else resolve(JSON.parse(last) as BenchRow[]);
    });
  });
}

async function startToReady(store: Store, algorithms: readonly string[]): Promise<{ svc: LiveService; ms: number }> {
  const t0 = performance.now();
  const svc = await createService({ store, algorithms, coldStart: 5, retrainAfter: 1_000_000, retrainMinutes: 10_080, logger: serviceLog });
  await svc.ready;
  return { svc, ms: performance.now() - t0 };
}

export async function benchScale(argv: string[] = process.argv.slice(2)): Promise<BenchRow[]> {
  const shape = (argValue(argv, '--shape') ?? 'ml-10m') as Shape;
  if (!SHAPES.includes(shape)) throw new Error(`--shape must be one of ${SHAPES.join(', ')}, got ${shape}`);
  const sample = Number(argValue(argv, '--sample') ?? 10_000);
  if (!Number.isInteger(sample) || sample < 100) throw new Error(`--sample must be a whole number ≥ 100, got ${sample}`);
  const dir = await datasetDir(shape);
  const algorithms: string[] = [...DEFAULTS.algorithms];
  const extra = (argValue(argv, '--extra') ?? 'knn-user,knn-item').split(',').filter((a) => a !== '' && a !== 'none' && !algorithms.includes(a));
  const rows: BenchRow[] = [];
  const at = `${shape} shape`;
  const add = (name: string, value: number, unit: string, note?: string): void => {
    rows.push({ name: `${at}: ${name}`, value, unit, note });
    log(`${name}: ${value.toFixed(2)} ${unit} ${note ?? ''}`);
  };
  const tmp = mkdtempSync(join(tmpdir(), 'marquee-bench-scale-'));
  try {
    // 1. first start: import + training of the default set. CPU seconds (every thread of this
    //    process, the training worker included) beside the wall clock: on a machine shared with
    //    other jobs the wall clock says more about them than about Marquee
    const t0 = performance.now();
    const reuse = argValue(argv, '--store');
    const store = openStore(reuse ?? join(tmp, 'marquee.db'));
    if (reuse && store.datasetInfo()) {
      log(`--store ${reuse}: the import and the first start are skipped; this store's snapshots are used`);
    } else {
      const cpu0 = cpuSeconds();
      const ds = await loadDataset(dir);
      log(`read ${dir} in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${ds.ratings.ratings.length} ratings, ${ds.movies.length} movies; CPU ${(cpuSeconds() - cpu0).toFixed(0)} s`);
      let shown = 0;
      store.importDataset(ds, (p) => {
        if (performance.now() - shown < 10_000 && p.done !== p.total) return;
        shown = performance.now();
        log(`importing ${p.phase} ${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')}`);
      });
      const importS = (performance.now() - t0) / 1000;
      add('import into a fresh store', importS, 's', `${ds.ratings.ratings.length} ratings; CPU ${(cpuSeconds() - cpu0).toFixed(0)} s`);
      const fresh = await startToReady(store, algorithms);
      add('first start (import + training the default set)', importS + fresh.ms / 1000, 's', `target < 600 s; CPU ${(cpuSeconds() - cpu0).toFixed(0)} s; MARQUEE_ALGORITHMS=${algorithms.join(',')}`);
      await fresh.svc.close();
    }

    // 2–5. serving, in a process of its own (bench/scale-serve.ts): the restart, the RSS as an
    //    operator reads it (this process holds its own copy of the dataset), the latencies and a
    //    background retrain. A reused --store is served from a copy, so the ratings the members
    //    give here never make its snapshots stale for the next run.
    store.close();
    let servePath = reuse ?? join(tmp, 'marquee.db');
    if (reuse) {
      servePath = join(tmp, 'serving.db');
      copyFileSync(reuse, servePath);
    }
    for (const row of await serveInChild(servePath, algorithms, extra)) add(row.name, row.value, row.unit, row.note);
    const again = openStore(reuse ?? join(tmp, 'marquee.db'));
    const table = again.datasetRatings();
    const scale = again.datasetInfo()!.scale;
    again.close();

    // 6. the yardstick: leave-one-out HR@10 of the default algorithm against the chart
    const { users, items, ratings } = table;
    const ts = Trainset.fromColumns({ users, items, ratings }, scale);
    const keep = sampledMembers(ts, sample);
    const idx: number[] = [];
    for (let j = 0; j < users.length; j++) if (keep.has(users[j])) idx.push(j);
    const sub = { users: idx.map((j) => users[j]), items: idx.map((j) => items[j]), ratings: idx.map((j) => ratings[j]) };
    const report = await evaluateTopN([algorithms[0]], { ratings: sub, scale, name: `${shape} synthetic` }, { protocol: 'loo' });
    const note = `LOO, ${keep.size} of ${ts.nUsers} members sampled (seed 1) with all their ratings (${idx.length}); training on those only`;
    for (const r of report.results) {
      add(`HR@10 ${r.algorithm}`, r.hitRate.mean, '', `${note}; 95% CI ${r.hitRate.lo.toFixed(4)}–${r.hitRate.hi.toFixed(4)}`);
    }
    // 7. each algorithm's fit alone: time and retained arrays per million ratings
    const millions = ts.nRatings / 1e6;
    for (const algo of [...algorithms, ...extra]) {
      gc();
      const before = process.memoryUsage().arrayBuffers;
      const tFit = performance.now();
      const cFit = cpuSeconds();
      let model: unknown;
      try {
        model = createAlgorithm(algo).fit(ts);
      } catch (err) {
        add(`${algo}: fit failed`, NaN, '', (err as Error).message);
        continue;
      }
      const s = (performance.now() - tFit) / 1000;
      const cpu = cpuSeconds() - cFit;
      gc();
      const mb = (process.memoryUsage().arrayBuffers - before) / 1e6;
      add(`${algo}: fit CPU time per million ratings`, cpu / millions, 's/M', `${cpu.toFixed(1)} CPU s in all, ${s.toFixed(1)} s wall clock`);
      add(`${algo}: model arrays per million ratings`, mb / millions, 'MB/M', `${mb.toFixed(0)} MB in all`);
      model = undefined;
    }

  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

/** user + system CPU seconds of this process so far, all threads */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function sampledMembers(ts: Trainset, n: number): Set<string> {
  const rng = new Rng(1);
  const ids = Array.from({ length: ts.nUsers }, (_, u) => u);
  for (let j = ids.length - 1; j > 0; j--) {
    const r = rng.int(j + 1);
    [ids[j], ids[r]] = [ids[r], ids[j]];
  }
  return new Set(ids.slice(0, Math.min(n, ids.length)).map((u) => ts.rawUser(u)));
}
