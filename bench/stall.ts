/**
 * The generation swap alone (issue 12: a retrain must not stall the event loop > 100 ms):
 *
 *   npm run bench -- --only stall [--shape ml-1m|ml-10m|…] [--algorithms ease,svd]
 *
 * Imports the synthetic set of that shape (generated once, as bench/scale.ts does, into
 * $MARQUEE_SCALE_DIR), starts the service, then runs one full background retrain while 2 ms
 * timer ticks and a member's /recommend every 5 ms measure how long the main thread was held:
 * the longest gap, the lag p99, and the main thread's share as the service logs it (read, worker
 * start, swap, save, and the longest single step). A member's rating every 50 ms measures the
 * slowest rating write meanwhile (it waits on SQLite's lock while a snapshot part is written).
 *
 *   npm run bench -- --only stall --shape ml-10m --steps
 *
 * measures, without fitting anything (minutes at ml-10m on a shared machine), the two steps this
 * moved off the main thread or cut up, each the old way and the new, back to back: reading the
 * training data for the job (main thread + copy to the worker, vs the worker's own read), and
 * saving a snapshot the size of ease's at that shape (one write, vs 8 MB parts a turn apart).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { PerformanceObserver, constants as perfConstants } from 'node:perf_hooks';
import { join } from 'node:path';
import { createService } from '../src/bot/service.ts';
import { DEFAULTS } from '../src/config.ts';
import { Rng } from '../src/core/rng.ts';
import { loadDataset } from '../src/data/load.ts';
import { SYNTHETIC_SHAPES } from '../src/data/synthetic/shapes.ts';
import { writeSynthetic } from '../src/data/synthetic/write.ts';
import { serialize } from 'node:v8';
import { trainInWorker } from '../src/bot/trainer.ts';
import type { Store } from '../src/store/api.ts';
import { openStore } from '../src/store/store.ts';
import { trainingCodes } from '../src/store/training-data.ts';
import type { BenchRow } from './types.ts';
import { picker } from './measure.ts';
import { threadClock } from '../src/util/thread-clock.ts';

function argValue(argv: string[], name: string): string | undefined {
  const k = argv.indexOf(name);
  return k < 0 ? undefined : argv[k + 1];
}

function say(msg: string): void {
  process.stderr.write(`[stall ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/**
 * What held the main thread while a job ran, with the evidence to tell the causes apart: the
 * longest gap between 2 ms ticks (when it ended), the lag p99, the main thread's GC pauses (kind
 * and length, from the `gc` performance entries), and the member's own durable writes (a gap that
 * overlaps one waited, at least in part, for that write's fsync, not for the job), and for the
 * longest gaps how much of it the main thread spent on a core and how much waiting for one
 * (Linux's /proc/<pid>/task/<pid>/schedstat: on-CPU and run-queue ns): on a machine loaded past its
 * cores, a gap can be mostly the thread waiting its turn, not work of ours.
 */
export class LoopWatch {
  private readonly t0 = performance.now();
  private last = this.t0;
  private readonly gaps: Array<{ from: number; to: number; cpuMs: number; waitMs: number }> = [];
  private sched = schedOfMainThread();
  private readonly writes: Array<{ from: number; to: number }> = [];
  private readonly gcs: Array<{ at: number; ms: number; kind: string }> = [];
  private readonly ticker: NodeJS.Timeout;
  private readonly observer: PerformanceObserver;
  private readonly load0 = loadavg()[0];

  constructor() {
    this.ticker = setInterval(() => {
      const now = performance.now();
      const sched = schedOfMainThread();
      this.gaps.push({ from: this.last, to: now, cpuMs: sched.cpuMs - this.sched.cpuMs, waitMs: sched.waitMs - this.sched.waitMs });
      this.sched = sched;
      this.last = now;
    }, 2);
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as { detail?: { kind?: number } }).detail?.kind;
        this.gcs.push({ at: e.startTime, ms: e.duration, kind: GC_KINDS.get(kind ?? -1) ?? 'other' });
      }
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  /** Runs a member's write, noting when it held the thread. */
  write<T>(fn: () => T): { result: T; ms: number } {
    const from = performance.now();
    const result = fn();
    const to = performance.now();
    this.writes.push({ from, to });
    return { result, ms: to - from };
  }

  /**
   * The `n` longest gaps (by wall time, or by the main thread's time on a core: on a loaded
   * machine the work of ours), each with when it ended (performance.now(), the clock the service's
   * `slowSteps` log uses), its on-core and run-queue shares and the GC pauses inside it: to tell
   * which step or pause a stall was.
   */
  longestGaps(n: number, by: 'wall' | 'on a core' = 'wall'): Array<{ ms: number; endedAt: number; cpuMs: number; waitMs: number; gc: string }> {
    return [...this.gaps]
      .sort((a, b) => (by === 'wall' ? b.to - b.from - (a.to - a.from) : b.cpuMs - a.cpuMs))
      .slice(0, n)
      .map((g) => {
        const gcs = this.gcs.filter((c) => c.at < g.to && c.at + c.ms > g.from);
        return {
          ms: Math.round(g.to - g.from),
          endedAt: Math.round(g.to),
          cpuMs: Math.round(g.cpuMs),
          waitMs: Math.round(g.waitMs),
          gc: gcs.map((c) => `${c.kind} ${c.ms.toFixed(0)} ms`).join(', '),
        };
      });
  }

  stop(): LoopSummary {
    clearInterval(this.ticker);
    this.observer.disconnect();
    const ms = (g: { from: number; to: number }) => g.to - g.from;
    const overlapsWrite = (g: { from: number; to: number }) => this.writes.some((w) => w.from < g.to && w.to > g.from);
    const none = { from: 0, to: 0, cpuMs: 0, waitMs: 0 };
    const longest = this.gaps.reduce((a, b) => (ms(b) > ms(a) ? b : a), none);
    const notWrite = this.gaps.filter((g) => !overlapsWrite(g)).reduce((a, b) => (ms(b) > ms(a) ? b : a), none);
    const onCpu = this.gaps.reduce((a, b) => (b.cpuMs > a.cpuMs ? b : a), none);
    const sorted = this.gaps.map(ms).sort((a, b) => a - b);
    const gcIn = (g: { from: number; to: number }) => this.gcs.filter((c) => c.at < g.to && c.at + c.ms > g.from);
    const longestGc = this.gcs.reduce((a, b) => (b.ms > a.ms ? b : a), { at: 0, ms: 0, kind: '-' });
    return {
      longestMs: ms(longest),
      longestEndedS: (longest.to - this.t0) / 1000,
      longestInWrite: overlapsWrite(longest),
      longestGcMs: gcIn(longest).reduce((s, c) => s + c.ms, 0),
      longestCpuMs: longest.cpuMs,
      longestWaitMs: longest.waitMs,
      notWriteCpuMs: notWrite.cpuMs,
      notWriteWaitMs: notWrite.waitMs,
      mostCpuMs: onCpu.cpuMs,
      mostCpuGapMs: ms(onCpu),
      longestNotWriteMs: ms(notWrite),
      longestNotWriteEndedS: (notWrite.to - this.t0) / 1000,
      notWriteGcMs: gcIn(notWrite).reduce((s, c) => s + c.ms, 0),
      lagP99Ms: Math.max(0, (sorted[Math.floor(sorted.length * 0.99)] ?? 2) - 2),
      gcLongest: { ms: longestGc.ms, kind: longestGc.kind },
      gcMajorCount: this.gcs.filter((c) => c.kind === 'mark-compact').length,
      gcTotalMs: this.gcs.reduce((s, c) => s + c.ms, 0),
      slowestWriteMs: Math.max(0, ...this.writes.map(ms)),
      writes: this.writes.length,
      load: `${this.load0.toFixed(1)} → ${loadavg()[0].toFixed(1)}`,
    };
  }
}

export interface LoopSummary {
  longestMs: number;
  longestEndedS: number;
  /** whether the longest gap overlapped a member's write (its fsync) */
  longestInWrite: boolean;
  /** GC pauses inside the longest gap */
  longestGcMs: number;
  /** of the longest gap: the main thread on a core, and waiting in the run queue for one */
  longestCpuMs: number;
  longestWaitMs: number;
  notWriteCpuMs: number;
  notWriteWaitMs: number;
  /** the gap in which the main thread ran longest on a core (work of ours), and its length */
  mostCpuMs: number;
  mostCpuGapMs: number;
  /** the longest gap that overlapped no member write: the job's own stall */
  longestNotWriteMs: number;
  longestNotWriteEndedS: number;
  notWriteGcMs: number;
  lagP99Ms: number;
  gcLongest: { ms: number; kind: string };
  gcMajorCount: number;
  gcTotalMs: number;
  slowestWriteMs: number;
  writes: number;
  /** the 1-minute load average at the start → at the end */
  load: string;
}

/** The main thread's on-CPU and run-queue-wait time so far (zeros where there is no schedstat). */
function schedOfMainThread(): { cpuMs: number; waitMs: number } {
  return threadClock(process.pid) ?? { cpuMs: 0, waitMs: 0 };
}

const GC_KINDS = new Map<number, string>([
  [perfConstants.NODE_PERFORMANCE_GC_MINOR, 'scavenge'],
  [perfConstants.NODE_PERFORMANCE_GC_MAJOR, 'mark-compact'],
  [perfConstants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental marking'],
  [perfConstants.NODE_PERFORMANCE_GC_WEAKCB, 'weak callbacks'],
]);

export async function benchStall(argv: string[] = process.argv.slice(2)): Promise<BenchRow[]> {
  const shape = argValue(argv, '--shape') ?? 'ml-1m';
  const preset = SYNTHETIC_SHAPES[shape as keyof typeof SYNTHETIC_SHAPES];
  if (!preset) throw new Error(`--shape must be one of ${Object.keys(SYNTHETIC_SHAPES).join(', ')}, got ${shape}`);
  const algorithms = (argValue(argv, '--algorithms') ?? DEFAULTS.algorithms.join(',')).split(',');
  const dir = join(process.env.MARQUEE_SCALE_DIR ?? join(tmpdir(), 'marquee-scale'), shape);
  if (!existsSync(join(dir, 'ratings.csv'))) {
    say(`generating ${shape} into ${dir}`);
    await writeSynthetic(dir, preset, new Rng(1));
  }
  const tmp = mkdtempSync(join(tmpdir(), 'marquee-bench-stall-'));
  const logged: Array<Record<string, unknown>> = [];
  const logger = {
    info: (o: object, m?: string) => {
      if (m === 'retrained') logged.push(o as Record<string, unknown>);
      say(`${m ?? ''} ${JSON.stringify(o)}`);
    },
    warn: (o: object, m?: string) => say(`warn ${m ?? ''} ${JSON.stringify(o)}`),
    error: (o: object, m?: string) => say(`error ${m ?? ''} ${JSON.stringify(o)}`),
  };
  const rows: BenchRow[] = [];
  const at = `${shape} shape, ${algorithms.join(',')}`;
  try {
    const store = openStore(join(tmp, 'marquee.db'));
    say('importing');
    store.importDataset(await loadDataset(dir));
    if (argv.includes('--steps')) {
      rows.push(...(await stepsOldAndNew(store, at)));
      store.close();
      return rows;
    }
    say('starting (training in the worker)');
    const svc = await createService({ store, algorithms, coldStart: 5, retrainAfter: 1_000_000, retrainMinutes: 10_080, logger });
    await svc.ready;
    const popular = svc.top({ n: 100 }).entries.map((e) => e.movie.movieId);
    const pick = picker(3);
    const members = Array.from({ length: 10 }, (_, k) => svc.member('console', `stall-${k}`));
    for (const m of members) for (let r = 0; r < 20; r++) svc.rate(m, popular[pick(popular.length)], 0.5 + pick(10) / 2);

    say('retraining');
    const watch = new LoopWatch();
    let retraining = true;
    const t0 = performance.now();
    const done = svc.retrain().then(() => (retraining = false));
    for (let turn = 0; retraining; turn++) {
      svc.recommend(members[pick(members.length)], { n: 10 });
      if (turn % 10 === 0) watch.write(() => svc.rate(members[pick(members.length)], popular[pick(popular.length)], 0.5 + pick(10) / 2));
      await new Promise((r) => setTimeout(r, 5));
    }
    await done;
    const w = watch.stop();
    const add = (name: string, value: number, unit: string, note?: string) => {
      rows.push({ name: `${at}: ${name}`, value, unit, note });
      say(`${name}: ${value.toFixed(1)} ${unit} ${note ?? ''}`);
    };
    add('background retrain, swap included', (performance.now() - t0) / 1000, 's', `load average ${w.load}`);
    const fitEnd = logged.at(-1) ? Number(logged.at(-1)!.readMs) + Number(logged.at(-1)!.spawnMs) + Number(logged.at(-1)!.fitMs) : NaN;
    add('longest event-loop stall during the retrain', w.longestMs, 'ms', `target < 100 ms; longest gap between 2 ms ticks, ended ${w.longestEndedS.toFixed(1)} s in (the fit ended ${(fitEnd / 1000).toFixed(1)} s in)${w.longestInWrite ? ", inside a member's rating write" : ''}; on a core ${w.longestCpuMs.toFixed(0)} ms, waiting for one ${w.longestWaitMs.toFixed(0)} ms; GC in it ${w.longestGcMs.toFixed(0)} ms`);
    add("longest stall outside a member's rating write (the retrain's own)", w.longestNotWriteMs, 'ms', `ended ${w.longestNotWriteEndedS.toFixed(1)} s in; on a core ${w.notWriteCpuMs.toFixed(0)} ms, waiting for one ${w.notWriteWaitMs.toFixed(0)} ms; GC in it ${w.notWriteGcMs.toFixed(0)} ms`);
    add('most main-thread CPU between two ticks (work of ours, whatever the load)', w.mostCpuMs, 'ms', `in a gap of ${w.mostCpuGapMs.toFixed(0)} ms`);
    add('event-loop lag p99 during the retrain', w.lagP99Ms, 'ms', 'target < 50 ms');
    add('longest main-thread GC pause during the retrain', w.gcLongest.ms, 'ms', `${w.gcLongest.kind}; ${w.gcMajorCount} mark-compacts, ${w.gcTotalMs.toFixed(0)} ms of GC in all`);
    add('slowest rating write during the retrain', w.slowestWriteMs, 'ms', `${w.writes} writes, durable (synchronous=FULL)`);
    const r = logged.at(-1);
    if (r) {
      add("main thread's share: swap (install the models) + save (snapshots)", Number(r.swapMs) + Number(r.saveMs), 'ms', `swap ${String(r.swapMs)} ms, save ${String(r.saveMs)} ms (each in steps, one per turn)`);
      add("main thread's read + worker start", Number(r.readMs) + Number(r.spawnMs), 'ms', `read ${String(r.readMs)} ms, start ${String(r.spawnMs)} ms; the worker's own read ${String(r.workerReadMs ?? '-')} ms`);
      if (r.longestStepMs !== undefined) add("longest single step of swap and save", Number(r.longestStepMs), 'ms', String(r.longestStep));
    }
    await svc.close();
    store.close();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

/** The event loop's longest gap between 2 ms ticks while `job` runs (resolved). */
async function longestGap<T>(job: () => Promise<T>): Promise<{ result: T; gapMs: number }> {
  let last = performance.now();
  let gapMs = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    gapMs = Math.max(gapMs, now - last);
    last = now;
  }, 2);
  try {
    const result = await job();
    return { result, gapMs: Math.max(gapMs, performance.now() - last) };
  } finally {
    clearInterval(ticker);
  }
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

async function stepsOldAndNew(store: Store, at: string): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const add = (name: string, value: number, unit: string, note?: string) => {
    rows.push({ name: `${at}: ${name}`, value, unit, note });
    say(`${name}: ${value.toFixed(1)} ${unit} ${note ?? ''}`);
  };
  // reading the job's data: the old way held the main thread for the read and the copy
  let t0 = performance.now();
  const codes = trainingCodes(store);
  const readMs = performance.now() - t0;
  t0 = performance.now();
  const copied = serialize({ job: { columns: codes } }).byteLength;
  const copyMs = performance.now() - t0;
  add('old: read the training data on the main thread', readMs, 'ms', `then ${copyMs.toFixed(0)} ms to serialize ${(copied / 1e6).toFixed(0)} MB for the worker`);
  const { result: read, gapMs: readGap } = await longestGap(async () => (await trainInWorker({ storePath: store.path, specs: [] }).done).read);
  add("new: the worker reads it (the main thread's longest stall meanwhile)", readGap, 'ms', `the worker's read ${read ? read.readMs.toFixed(0) : '-'} ms, its trainsets and the columns handed back`);

  // a snapshot the size of ease's (an item × item float32 matrix)
  const nItems = codes.itemIds.length;
  const blob = new Uint8Array(nItems * nItems * 4);
  for (let k = 0; k < blob.length; k += 4096) blob[k] = k & 0xff;
  const mb = (blob.length / 1e6).toFixed(0);
  const member = store.member('console', 'stall-bench');
  const movie = codes.itemIds[0];
  const rateMs: number[] = [];
  const rating = () => {
    const r0 = performance.now();
    store.rate(member.id, movie, 4);
    rateMs.push(performance.now() - r0);
  };
  // old: one write of the whole snapshot (a part as large as the blob, in one transaction)
  const whole = openStore(store.path, { snapshotPartBytes: Math.ceil((blob.length + 8) / 8) * 8 });
  const { gapMs: oneGap } = await longestGap(async () => {
    await turn();
    whole.saveSnapshot('model:ease', { key: 'one write', blob });
    rating(); // the member's rating that waited behind it
  });
  whole.close();
  add(`old: save a ${mb} MB snapshot in one write (longest stall)`, oneGap, 'ms', `the rating waiting behind it: ${rateMs[0].toFixed(0)} ms`);
  // what the last retrain left, in parts (not measured): the new save replaces it and deletes it
  store.dropSnapshot('model:ease');
  for (const _ of store.snapshotCleanupSteps());
  store.saveSnapshot('model:ease', { key: 'the previous save', blob });
  rateMs.length = 0;
  const { gapMs: partsGap } = await longestGap(async () => {
    for (const _ of store.snapshotSaveSteps('model:ease', { key: 'in parts', blob })) {
      await turn();
      rating();
    }
    for (const _ of store.snapshotCleanupSteps()) {
      await turn();
      rating();
    }
  });
  add(`new: save it in 8 MB parts, a turn apart, then delete the old one (longest stall)`, partsGap, 'ms');
  add('new: slowest rating write meanwhile', Math.max(0, ...rateMs), 'ms', `${rateMs.length} writes, one between two parts`);
  return rows;
}
