/**
 * The product at MovieLens scale, on synthetic data of a MovieLens shape:
 *
 *   npm run bench -- --only scale [--shape ml-1m|ml-10m|ml-25m|ml-32m] [--sample N] [--extra knn-user,knn-item|none]
 *
 * Default shape ml-10m. The data is generated once into $MARQUEE_SCALE_DIR/<shape> (default
 * <tmpdir>/marquee-scale/<shape>, seed 1) and reused. Measured through the product's own path:
 * first start (import into a fresh SQLite store + training the default set in the worker), restart
 * from snapshots, RSS while serving, rate() and recommend() p95 for every default algorithm and for
 * knn-user/knn-item (loaded lazily, as a member's request would), the longest event-loop stall
 * during a background retrain, and the leave-one-out HR@10 of the default algorithm against the
 * popularity chart (evaluateTopN, on the ratings of --sample members, default 10,000: the
 * training set is then those members' ratings only, which the note says). Then each algorithm's
 * fit alone in this process: seconds and retained array memory per million ratings.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { gc, p95, picker } from './measure.ts';

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

async function startToReady(store: Store, algorithms: readonly string[]): Promise<{ svc: LiveService; ms: number }> {
  const t0 = performance.now();
  const svc = await createService({ store, algorithms, coldStart: 5, retrainAfter: 1_000_000, retrainMinutes: 10_080, logger: serviceLog });
  await svc.ready;
  return { svc, ms: performance.now() - t0 };
}

/**
 * Waits until `spec` answers itself (a lazy model trains on first request): the seconds it took,
 * or the reason the service gave when it will not come (refused at this size, or failed).
 */
async function whenServed(svc: LiveService, m: ReturnType<LiveService['member']>, spec: string, maxS: number): Promise<{ s: number; refused?: string }> {
  const t0 = performance.now();
  for (;;) {
    try {
      const res = svc.recommend(m, { algo: spec, n: 10 });
      if (res.algo === spec && !/train/i.test(res.note ?? '')) return { s: (performance.now() - t0) / 1000 };
      if (/could not be trained/.test(res.note ?? '')) return { s: NaN, refused: res.note };
    } catch {
      // still training: tried again until maxS
    }
    if (performance.now() - t0 > maxS * 1000) return { s: NaN };
    await new Promise((r) => setTimeout(r, 500));
  }
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
    let t0 = performance.now();
    const reuse = argValue(argv, '--store');
    const store = openStore(reuse ?? join(tmp, 'marquee.db'));
    if (reuse) {
      if (!store.datasetInfo()) throw new Error(`--store ${reuse} holds no dataset: run once without --store`);
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

    // 2. restart from snapshots
    const cpu1 = cpuSeconds();
    const again = await startToReady(store, algorithms);
    add('restart from snapshots', again.ms / 1000, 's', `target < 30 s; CPU ${(cpuSeconds() - cpu1).toFixed(1)} s`);
    const svc = again.svc;
    gc();
    add('RSS serving, default set loaded', process.memoryUsage().rss / 1e6, 'MB', 'target < 6000 MB (dataset columns of this process included)');

    // 3. members with 30 ratings each among popular and catalogue movies
    const popular = svc.top({ n: 100 }).entries.map((e) => e.movie.movieId);
    const pick = picker(42);
    const members = Array.from({ length: 20 }, (_, k) => svc.member('console', `scale-${k}`));
    for (const m of members) for (let r = 0; r < 30; r++) svc.rate(m, popular[pick(popular.length)], 0.5 + pick(10) / 2);
    const rateMs: number[] = [];
    const recMs: number[] = [];
    for (let round = 0; round < 10; round++) {
      for (const m of members) {
        let t = performance.now();
        svc.rate(m, popular[pick(popular.length)], 0.5 + pick(10) / 2);
        rateMs.push(performance.now() - t);
        t = performance.now();
        svc.recommend(m, { n: 10 });
        recMs.push(performance.now() - t);
      }
    }
    add('rate() p95', p95(rateMs), 'ms', 'target < 10 ms');
    add('recommend() p95, default algorithm, right after a rating', p95(recMs), 'ms', 'target < 50 ms');
    // 4. a background retrain of the default set: the longest gap between 2 ms timer ticks (before
    //    the lazy models join, so it measures what every start-up runs; theirs are minutes more)
    let last = performance.now();
    let stall = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      stall = Math.max(stall, now - last);
      last = now;
    }, 2);
    let retraining = true;
    t0 = performance.now();
    const cpuRetrain = cpuSeconds();
    const done = svc.retrain().then(() => (retraining = false));
    while (retraining) {
      svc.recommend(members[pick(members.length)], { n: 10 });
      await new Promise((r) => setTimeout(r, 5));
    }
    await done;
    clearInterval(ticker);
    add('background retrain of the default set', (performance.now() - t0) / 1000, 's', `CPU ${(cpuSeconds() - cpuRetrain).toFixed(0)} s`);
    add('longest event-loop stall during the retrain', stall, 'ms', 'target < 100 ms');
    // 5. every default algorithm, then the lazily loaded ones as a member asking for them
    for (const algo of [...algorithms, ...extra]) {
      if (extra.includes(algo)) {
        const { s, refused } = await whenServed(svc, members[0], algo, 1800);
        add(`${algo}: lazy load (training in the worker) until it answers`, s, 's', refused ?? (Number.isNaN(s) ? 'did not answer within 30 min' : undefined));
        if (Number.isNaN(s)) continue;
      }
      const ms: number[] = [];
      for (let round = 0; round < 3; round++) {
        for (const m of members) {
          svc.rate(m, popular[pick(popular.length)], 0.5 + pick(10) / 2);
          const t = performance.now();
          svc.recommend(m, { algo, n: 10 });
          ms.push(performance.now() - t);
        }
      }
      add(`recommend() p95, ${algo}`, p95(ms), 'ms', 'target < 50 ms');
    }
    gc();
    add(`RSS serving, default set + ${extra.join(' + ')}`, process.memoryUsage().rss / 1e6, 'MB', 'target < 6000 MB');
    await svc.close();
    const table = store.datasetRatings();
    const scale = store.datasetInfo()!.scale;
    store.close();

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
