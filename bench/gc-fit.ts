/**
 * Issue 12's mark-compacts of the main thread while a retrain's fit runs in the worker: what a
 * /recommend list leaves for the collector, and the main thread's collections with and without a
 * fit running, by kind and by cause.
 *
 *   npx tsx bench/gc-fit.ts <marquee.db | MovieLens folder> [--algorithms ease,svd] [--lists 1500]
 *                           [--no-fit] [--heap-snapshot <file>]
 *   npx tsx bench/gc-fit.ts <marquee.db> --catalog-only
 *
 * A folder is imported into a store in a temporary folder first (ml-latest-small: seconds); a
 * store is served as it is (use a copy: members are added and rate). Then, the list every 5 ms as
 * bench/scale-serve.ts asks it (20 members with 30 ratings among the 100 most popular movies):
 *   1. external bytes per list: V8's external memory (ArrayBuffers) before and after one list,
 *      the median of 200 (a list with a collection inside reads low, the median skips those);
 *   2. `--lists` lists with nothing else running: the main thread's collections;
 *   3. a retrain (unless --no-fit) with a list every 5 ms meanwhile: the same counts.
 * Collections are read from the `gc` performance entries of the main thread: kind, pause, and
 * whether V8 ran it for external memory (GC flag ALL_EXTERNAL_MEMORY, what V8 sets when
 * ArrayBuffers outgrow their limit). The cause V8 names is read with NODE_OPTIONS=--trace-gc: each
 * phase's start and end are printed to stdout as `gc-fit: <phase> start|end` between its lines.
 * After the start and at the end: the main thread's live JS heap after a full collection and a
 * second collection's pause (a mark-compact over what the service holds, all of it live); with
 * --heap-snapshot, a snapshot at the end.
 * --catalog-only: no service, only the catalogue and its title index built from the store, and
 * what each adds to the live heap (seconds, where a service at ml-32m shape takes minutes).
 * Rows go to stdout as one JSON array (the last line).
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { PerformanceObserver, constants as perf } from 'node:perf_hooks';
import { join } from 'node:path';
import { getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { createService, type LiveService } from '../src/bot/service.ts';
import { Catalog } from '../src/bot/service/catalog.ts';
import { loadDataset } from '../src/data/load.ts';
import { openStore } from '../src/store/store.ts';
import type { Store } from '../src/store/api.ts';
import { gc, median, picker } from './measure.ts';
import type { BenchRow } from './types.ts';

function argValue(argv: string[], name: string): string | undefined {
  const k = argv.indexOf(name);
  return k < 0 ? undefined : argv[k + 1];
}

function log(msg: string): void {
  process.stderr.write(`[gc-fit ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

const quietLog = { info: () => {}, warn: (o: object, m?: string) => log(`service warning: ${m ?? ''} ${JSON.stringify(o)}`), error: (o: object, m?: string) => log(`service error: ${m ?? ''} ${JSON.stringify(o)}`) };

interface GcEvent {
  kind: number;
  flags: number;
  ms: number;
}

/** The main thread's collections while `run` runs (performance entries arrive a turn late: awaited). */
async function collections<T>(phase: string, run: () => Promise<T>): Promise<{ result: T; events: GcEvent[] }> {
  const events: GcEvent[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const d = (e as { detail?: { kind?: number; flags?: number } }).detail;
      events.push({ kind: d?.kind ?? 0, flags: d?.flags ?? 0, ms: e.duration });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  process.stdout.write(`gc-fit: ${phase} start\n`);
  const result = await run();
  process.stdout.write(`gc-fit: ${phase} end\n`);
  await new Promise((r) => setTimeout(r, 50));
  observer.disconnect();
  return { result, events };
}

function summary(events: GcEvent[]): { scavenges: number; markCompacts: number; external: number; totalMs: number; longestMajorMs: number } {
  const majors = events.filter((e) => e.kind === perf.NODE_PERFORMANCE_GC_MAJOR);
  return {
    scavenges: events.filter((e) => e.kind === perf.NODE_PERFORMANCE_GC_MINOR).length,
    markCompacts: majors.length,
    external: majors.filter((e) => (e.flags & perf.NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY) !== 0).length,
    totalMs: events.reduce((s, e) => s + e.ms, 0),
    longestMajorMs: Math.max(0, ...majors.map((e) => e.ms)),
  };
}

async function storeFor(source: string): Promise<{ store: Store; cleanup: () => void }> {
  if (!statSync(source).isDirectory()) return { store: openStore(source, { checkpointInBackground: true }), cleanup: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'gc-fit-'));
  const store = openStore(join(dir, 'marquee.db'));
  store.importDataset(await loadDataset(source));
  return {
    store,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

type Member = ReturnType<LiveService['member']>;

/** The main thread's live JS heap after a full collection, and how long a second one took (all of it live). */
function liveHeap(when: string, add: (name: string, value: number, unit: string, note?: string) => void, load: string): void {
  gc();
  const t = performance.now();
  gc();
  const pauseMs = performance.now() - t;
  const heap = getHeapStatistics();
  add(`main thread live JS heap ${when}`, heap.used_heap_size / 1e6, 'MB', `a full collection of it took ${pauseMs.toFixed(0)} ms; external ${(heap.external_memory / 1e6).toFixed(0)} MB; ${load}`);
}

/** What the catalogue and its title index hold on the heap, each measured after a full collection. */
function catalogHeap(path: string): BenchRow[] {
  const store = openStore(path, { readOnly: true });
  const live = (): number => {
    gc();
    gc();
    return getHeapStatistics().used_heap_size / 1e6;
  };
  const h0 = live();
  const catalog = new Catalog(store);
  const h1 = live();
  const t = performance.now();
  const titles = catalog.titles;
  const buildMs = performance.now() - t;
  const h2 = live();
  store.close();
  const load = `load average ${loadavg()[0].toFixed(2)} on ${availableParallelism()} cores`;
  const rows: BenchRow[] = [
    { name: 'catalogue (movies by id)', value: h1 - h0, unit: 'MB', note: `${catalog.byId.size} movies; ${load}` },
    { name: 'title index', value: h2 - h1, unit: 'MB', note: `${titles.size} titles, built in ${buildMs.toFixed(0)} ms; ${load}` },
  ];
  for (const r of rows) log(`${r.name}: ${r.value.toFixed(1)} ${r.unit} ${r.note ?? ''}`);
  return rows;
}

export async function gcFit(argv: string[]): Promise<BenchRow[]> {
  const [source] = argv;
  if (!source) throw new Error('usage: tsx bench/gc-fit.ts <marquee.db | MovieLens folder> [--algorithms ease,svd] [--lists 1500] [--no-fit] [--heap-snapshot <file>]');
  if (argv.includes('--catalog-only')) return catalogHeap(source);
  const algorithms = (argValue(argv, '--algorithms') ?? 'ease,svd').split(',');
  const lists = Number(argValue(argv, '--lists') ?? 1500);
  const snapshotTo = argValue(argv, '--heap-snapshot');
  const rows: BenchRow[] = [];
  const add = (name: string, value: number, unit: string, note?: string): void => {
    rows.push({ name, value, unit, note });
    log(`${name}: ${value.toFixed(2)} ${unit} ${note ?? ''}`);
  };
  const load = () => `load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} on ${availableParallelism()} cores`;
  const { store, cleanup } = await storeFor(source);
  const svc = await createService({ store, algorithms, coldStart: 5, retrainAfter: 1_000_000, retrainMinutes: 10_080, logger: quietLog });
  await svc.ready;
  log(`ready (${load()})`);
  liveHeap('after the start', add, load());

  const popular = svc.top({ n: 100 }).entries.map((e) => e.movie.movieId);
  const pick = picker(42);
  const members: Member[] = Array.from({ length: 20 }, (_, k) => svc.member('console', `gc-fit-${k}`));
  for (const m of members) for (let r = 0; r < 30; r++) svc.rate(m, popular[pick(popular.length)], 0.5 + pick(10) / 2);
  const ask = () => svc.recommend(members[pick(members.length)], { n: 10 });
  for (let k = 0; k < 40; k++) ask();

  const perList: number[] = [];
  for (let k = 0; k < 200; k++) {
    const before = getHeapStatistics().external_memory;
    ask();
    perList.push(getHeapStatistics().external_memory - before);
  }
  add('external (ArrayBuffer) bytes per /recommend list', median(perList), 'B', `median of 200; ${algorithms[0]}, 30 ratings`);

  const paced = async (done: () => boolean): Promise<number> => {
    let n = 0;
    while (!done()) {
      ask();
      n++;
      await new Promise((r) => setTimeout(r, 5));
    }
    return n;
  };
  const idle = await collections('lists', () => {
    let n = 0;
    return paced(() => ++n > lists);
  });
  const s0 = summary(idle.events);
  add('lists without a fit: mark-compacts', s0.markCompacts, '', `${s0.external} for external memory; ${s0.scavenges} scavenges; ${s0.totalMs.toFixed(0)} ms of GC; longest mark-compact ${s0.longestMajorMs.toFixed(0)} ms; ${lists} lists; ${load()}`);

  if (!argv.includes('--no-fit')) {
    let retraining = true;
    const t = performance.now();
    const fit = await collections('fit', async () => {
      const done = svc.retrain().then(() => (retraining = false));
      const n = await paced(() => !retraining);
      await done;
      return n;
    });
    const s1 = summary(fit.events);
    add('lists during a retrain: mark-compacts', s1.markCompacts, '', `${s1.external} for external memory; ${s1.scavenges} scavenges; ${s1.totalMs.toFixed(0)} ms of GC; longest mark-compact ${s1.longestMajorMs.toFixed(0)} ms; ${fit.result} lists in ${((performance.now() - t) / 1000).toFixed(0)} s; ${load()}`);
  }

  liveHeap('at the end', add, load());
  if (snapshotTo) {
    writeHeapSnapshot(snapshotTo);
    add('heap snapshot', statSync(snapshotTo).size / 1e6, 'MB', snapshotTo);
  }
  await svc.close();
  store.close();
  cleanup();
  return rows;
}

if (process.argv[1]?.endsWith('gc-fit.ts')) {
  const rows = await gcFit(process.argv.slice(2));
  process.stdout.write(`${JSON.stringify(rows)}\n`);
}
