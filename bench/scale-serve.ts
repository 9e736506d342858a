/**
 * The serving half of bench/scale.ts, run as its own process on a store that holds a dataset:
 * restart from snapshots, RSS while serving, rate() and recommend() p95 (every default algorithm,
 * then the lazily loaded --extra ones), the longest event-loop stall during a background retrain.
 * Its own process so that the RSS is the service's alone, as an operator would read it (the
 * parent holds its own copy of the dataset for the offline measurements).
 *
 *   tsx bench/scale-serve.ts <marquee.db> <algorithms,…> [<extra,…>] [--restart-only] [--skip-retrain] [--swap-only] [--threads]
 *
 * Rows go to stdout as one JSON array (the last line); progress goes to stderr. --restart-only:
 * start, report the restart and the RSS, stop (nothing rated, so the store is left as it was:
 * what a profile of the restart runs). --skip-retrain: no background retrain of the default set
 * (minutes at ml-32m shape), for a run that measures the lazily loaded --extra models.
 * --swap-only: a retrain's main-thread share without its fit (267 s at ml-32m shape on a quiet
 * machine, more than 30 min at load 7-15, the worker being niced): the worker reads the store and builds the trainsets as in a retrain, and the
 * models it "trained" are the snapshots' bytes, so the take-over, decode, warm-up, swap and save
 * run as after a real fit. Nothing is rated first (the snapshots must fit the data read), so the
 * traffic meanwhile is the chart (a "because you liked" cost ~0.5 s of CPU each at ml-32m shape,
 * more than the retrain's steps), not personal lists. --threads (Linux): every thread of the process
 * is sampled every 5 ms during the retrain (time on a core, time waiting for one), and the longest
 * gaps are logged with what each thread did in them: on 2 cores the main thread of a stall can
 * wait for V8's helper threads (nice 0) marking the heap, not for work of ours.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService, type LiveService } from '../src/bot/service.ts';
import type { Store } from '../src/store/api.ts';
import { openStore } from '../src/store/store.ts';
import { trainInWorker, type Trainer } from '../src/bot/trainer.ts';
import { gc, p95, picker } from './measure.ts';
import { LoopWatch } from './stall.ts';
import type { BenchRow } from './types.ts';

function log(msg: string): void {
  process.stderr.write(`[scale-serve ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** the service's own log lines, timestamped on stderr: where the seconds of a start go */
const serviceLog = {
  info: (obj: object, msg?: string) => log(`service: ${msg ?? ''} ${JSON.stringify(obj)}`),
  warn: (obj: object, msg?: string) => log(`service warning: ${msg ?? ''} ${JSON.stringify(obj)}`),
  error: (obj: object, msg?: string) => log(`service error: ${msg ?? ''} ${JSON.stringify(obj)}`),
};

/** user + system CPU seconds of this process so far, all threads */
function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Times `fn` by the wall clock and by this process's CPU time: on a shared machine (load average
 * far above the cores) a call's wall time is mostly its wait for a core, so both are reported.
 */
function timed(wall: number[], cpu: number[], fn: () => unknown): void {
  const t = performance.now();
  const c = process.cpuUsage();
  fn();
  wall.push(performance.now() - t);
  const d = process.cpuUsage(c);
  cpu.push((d.user + d.system) / 1000);
}

/** "CPU p95 1.2 ms (load average 3.4)": the note beside a wall-clock p95 */
function cpuNote(target: string, cpu: number[]): string {
  return `${target}; CPU p95 ${p95(cpu).toFixed(1)} ms; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`;
}

/** MB of RSS after a full collection: what the process holds, not what waits to be freed */
function rssMb(): number {
  gc();
  return process.memoryUsage().rss / 1e6;
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

export async function serveAtScale(
  store: Store,
  algorithms: readonly string[],
  extra: readonly string[],
  restartOnly: boolean,
  skipRetrain = false,
  swapOnly = false,
  threads = false,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const add = (name: string, value: number, unit: string, note?: string): void => {
    rows.push({ name, value, unit, note });
    log(`${name}: ${value.toFixed(2)} ${unit} ${note ?? ''}`);
  };
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const trainer = swapOnly ? snapshotTrainer(store, algorithms) : undefined;
  const svc = await createService({ store, algorithms, coldStart: 5, retrainAfter: 1_000_000, retrainMinutes: 10_080, logger: serviceLog, trainer });
  await svc.ready;
  add('restart from snapshots', (performance.now() - t0) / 1000, 's', `target < 30 s; CPU ${(cpuSeconds() - cpu0).toFixed(1)} s (all threads); load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`);
  add('RSS of the serving process, default set loaded', rssMb(), 'MB', 'target < 6000 MB; the service alone, in its own process');
  if (restartOnly) {
    await svc.close();
    return rows;
  }
  if (swapOnly) {
    const genre = svc.genres()[0];
    await watchRetrain(svc, add, (k) => svc.top({ n: 10, genre: k % 2 === 0 ? undefined : genre }), threads);
    await svc.close();
    return rows;
  }

  // members with 30 ratings each among popular movies
  const popular = svc.top({ n: 100 }).entries.map((e) => e.movie.movieId);
  const pick = picker(42);
  const members = Array.from({ length: 20 }, (_, k) => svc.member('console', `scale-${k}`));
  for (const m of members) for (let r = 0; r < 30; r++) svc.rate(m, popular[pick(popular.length)], 0.5 + pick(10) / 2);
  const rateMs: number[] = [];
  const rateCpu: number[] = [];
  const recMs: number[] = [];
  const recCpu: number[] = [];
  for (let round = 0; round < 10; round++) {
    for (const m of members) {
      timed(rateMs, rateCpu, () => svc.rate(m, popular[pick(popular.length)], 0.5 + pick(10) / 2));
      timed(recMs, recCpu, () => svc.recommend(m, { n: 10 }));
    }
  }
  add('rate() p95', p95(rateMs), 'ms', cpuNote('target < 10 ms', rateCpu));
  add('recommend() p95, default algorithm, right after a rating', p95(recMs), 'ms', cpuNote('target < 50 ms', recCpu));

  if (!skipRetrain) await retrainStall(svc, members, add, pick, threads);
  await servedEach(svc, members, popular, algorithms, extra, add, pick);
  await svc.close();
  return rows;
}

type Add = (name: string, value: number, unit: string, note?: string) => void;
type Member = ReturnType<LiveService['member']>;

/**
 * A background retrain of the default set: the longest gap between 2 ms timer ticks (before the
 * lazy models join, so it measures what every start-up runs; theirs are minutes more).
 */
async function retrainStall(svc: LiveService, members: Member[], add: Add, pick: (n: number) => number, threads: boolean): Promise<void> {
  await watchRetrain(svc, add, () => svc.recommend(members[pick(members.length)], { n: 10 }), threads);
}

/** One background retrain while `ask` serves a request every 5 ms; the stall rows, the longest gaps logged. */
async function watchRetrain(svc: LiveService, add: Add, ask: (k: number) => unknown, threads: boolean): Promise<void> {
  // the requests' own first-use work (caches, compiling) is not the retrain's
  for (let k = 0; k < 20; k++) ask(k);
  const sampler = threads ? new ThreadSampler() : undefined;
  const watch = new LoopWatch();
  let retraining = true;
  const tRetrain = performance.now();
  const cpuRetrain = cpuSeconds();
  const done = svc.retrain().then(() => (retraining = false));
  for (let k = 0; retraining; k++) {
    ask(k);
    await new Promise((r) => setTimeout(r, 5));
  }
  await done;
  const w = watch.stop();
  add('background retrain of the default set', (performance.now() - tRetrain) / 1000, 's', `CPU ${(cpuSeconds() - cpuRetrain).toFixed(0)} s`);
  add(
    'longest event-loop stall during the retrain',
    w.longestMs,
    'ms',
    `target < 100 ms; on a core ${w.longestCpuMs.toFixed(0)} ms, waiting for one ${w.longestWaitMs.toFixed(0)} ms; GC in it ${w.longestGcMs.toFixed(0)} ms; load average ${w.load}`,
  );
  add('longest main-thread GC pause during the retrain', w.gcLongest.ms, 'ms', `${w.gcLongest.kind}; ${w.gcMajorCount} mark-compacts, ${w.gcTotalMs.toFixed(0)} ms of GC in all`);
  // matched by `endedAt` against the service's `slowSteps` in its 'retrained' line
  log(`longest gaps (ms, ended at performance.now()): ${JSON.stringify(watch.longestGaps(8))}`);
  log(`gaps with the most main-thread CPU: ${JSON.stringify(watch.longestGaps(8, 'on a core'))}`);
  if (sampler) {
    await sampler.stop();
    for (const g of watch.longestGaps(3)) log(`threads in the ${g.ms} ms gap ended at ${g.endedAt}: ${sampler.describe(g.endedAt - g.ms, g.endedAt)}`);
  }
  add('RSS of the serving process after the retrain', rssMb(), 'MB', 'target < 6000 MB; the old generation let go');
}

async function servedEach(
  svc: LiveService,
  members: Member[],
  popular: string[],
  algorithms: readonly string[],
  extra: readonly string[],
  add: Add,
  pick: (n: number) => number,
): Promise<void> {
  // every default algorithm, then the lazily loaded ones as a member asking for them; each
  // request right after a rating, so the member is folded in (not the trained user's row)
  for (const algo of [...algorithms, ...extra]) {
    if (extra.includes(algo)) {
      const { s, refused } = await whenServed(svc, members[0], algo, 1800);
      add(`${algo}: lazy load (training in the worker) until it answers`, s, 's', refused ?? (Number.isNaN(s) ? 'did not answer within 30 min' : undefined));
      if (Number.isNaN(s)) continue;
    }
    const ms: number[] = [];
    const cpu: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (const m of members) {
        svc.rate(m, popular[pick(popular.length)], 0.5 + pick(10) / 2);
        timed(ms, cpu, () => svc.recommend(m, { algo, n: 10 }));
      }
    }
    add(`recommend() p95, ${algo}`, p95(ms), 'ms', cpuNote('target < 50 ms', cpu));
  }
  if (extra.length > 0) add(`RSS of the serving process, default set + ${extra.join(' + ')}`, rssMb(), 'MB', 'target < 6000 MB');
}

/**
 * The sampler --threads runs as a child process (the main thread cannot sample while it is the one
 * held): every `period` ms, each thread's schedstat (ns on a core, ns waiting for one) and, when
 * first seen or every second, its nice value; a line per thread that moved, "t tid cpuMs waitMs
 * nice" (t on the epoch clock, ms).
 */
const SAMPLER = `
const fs = require('node:fs');
const [pid, out, period] = process.argv.slice(1);
const prev = new Map(); const nice = new Map(); let lines = []; let n = 0;
const flush = () => { if (lines.length) fs.appendFileSync(out, lines.join('\\n') + '\\n'); lines = []; };
setInterval(() => {
  const t = performance.timeOrigin + performance.now();
  let tids; try { tids = fs.readdirSync('/proc/' + pid + '/task'); } catch { flush(); process.exit(0); }
  n++;
  for (const tid of tids) {
    try {
      const [cpu, wait] = fs.readFileSync('/proc/' + pid + '/task/' + tid + '/schedstat', 'utf8').split(' ').map(Number);
      if (!nice.has(tid) || n % 200 === 0) { const st = fs.readFileSync('/proc/' + pid + '/task/' + tid + '/stat', 'utf8'); nice.set(tid, Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[16])); }
      const p = prev.get(tid); prev.set(tid, [cpu, wait]);
      if (p && (cpu > p[0] || wait > p[1])) lines.push(t.toFixed(1) + ' ' + tid + ' ' + ((cpu - p[0]) / 1e6).toFixed(2) + ' ' + ((wait - p[1]) / 1e6).toFixed(2) + ' ' + nice.get(tid));
    } catch {}
  }
  if (lines.length > 500) flush();
}, Number(period));
process.on('SIGTERM', () => { flush(); process.exit(0); });
`;

/** Every thread of this process sampled by a child process (SAMPLER) until `stop`; `describe` tells a gap's share of each. */
class ThreadSampler {
  private readonly dir = mkdtempSync(join(tmpdir(), 'marquee-threads-'));
  private readonly file = join(this.dir, 'samples.txt');
  private readonly child = spawn(process.execPath, ['-e', SAMPLER, String(process.pid), this.file, '5'], { stdio: 'ignore' });
  private samples: Array<{ t: number; tid: number; cpuMs: number; waitMs: number; nice: number }> = [];

  async stop(): Promise<void> {
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
    this.samples = text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [t, tid, cpuMs, waitMs, nice] = l.split(' ').map(Number);
        return { t, tid, cpuMs, waitMs, nice };
      });
  }

  /**
   * What each thread did from `from` to `to` (this process's performance.now()), to the sampling
   * period: "main 87 on a core / 178 waiting; 22922 (nice 0) 79 / 173; …", busiest first.
   */
  describe(from: number, to: number): string {
    const [t0, t1] = [performance.timeOrigin + from, performance.timeOrigin + to + 5];
    const by = new Map<number, { cpuMs: number; waitMs: number; nice: number }>();
    for (const s of this.samples) {
      if (s.t <= t0 || s.t > t1) continue;
      const x = by.get(s.tid) ?? { cpuMs: 0, waitMs: 0, nice: s.nice };
      x.cpuMs += s.cpuMs;
      x.waitMs += s.waitMs;
      x.nice = s.nice;
      by.set(s.tid, x);
    }
    const all = [...by.entries()].sort((a, b) => (a[0] === process.pid ? -1 : b[0] === process.pid ? 1 : b[1].cpuMs - a[1].cpuMs));
    const ours = all.reduce((sum, [, x]) => sum + x.cpuMs, 0);
    const parts = all.map(([tid, x]) => `${tid === process.pid ? 'main' : `${tid} (nice ${x.nice})`} ${x.cpuMs.toFixed(0)} on a core / ${x.waitMs.toFixed(0)} waiting`);
    return `${parts.join('; ')} (all threads ${ours.toFixed(0)} ms on a core)`;
  }
}

/**
 * A trainer for --swap-only: the real worker reads the store and builds the trainsets (no spec to
 * fit), and each model comes back as its snapshot's bytes, read before the retrain starts (the
 * snapshots were trained on this very data, so they decode onto the trainset the worker built).
 */
function snapshotTrainer(store: Store, algorithms: readonly string[]): Trainer {
  const saved = new Map<string, Uint8Array>();
  for (const spec of algorithms) {
    const snap = store.loadSnapshot(`model:${spec}`);
    if (!snap) throw new Error(`--swap-only needs a snapshot of ${spec} in the store`);
    saved.set(spec, snap.blob);
  }
  return (job) => {
    const handle = trainInWorker({ ...job, specs: [] });
    const done = handle.done.then((outcome) => ({
      ...outcome,
      models: job.specs.map((spec) => ({ spec, bytes: saved.get(spec) ?? new Uint8Array(0), fitMs: 0 })),
    }));
    return { done, cancel: () => handle.cancel() };
  };
}

const [path, algos, extraArg, ...flags] = process.argv.slice(2);
if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('scale-serve.ts')) {
  if (!path || !algos) {
    process.stderr.write('usage: tsx bench/scale-serve.ts <marquee.db> <algorithms,…> [<extra,…>|none] [--restart-only] [--skip-retrain] [--swap-only] [--threads]\n');
    process.exit(2);
  }
  const store = openStore(path, { checkpointInBackground: true });
  if (!store.datasetInfo()) throw new Error(`${path} holds no dataset: bench/scale.ts imports one first`);
  const extra = (extraArg ?? 'none').split(',').filter((a) => a !== '' && a !== 'none');
  const rows = await serveAtScale(
    store,
    algos.split(','),
    extra,
    flags.includes('--restart-only'),
    flags.includes('--skip-retrain'),
    flags.includes('--swap-only'),
    flags.includes('--threads'),
  );
  store.close();
  process.stdout.write(`${JSON.stringify(rows)}\n`);
}
