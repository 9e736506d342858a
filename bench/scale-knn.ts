/**
 * One k-NN model alone at MovieLens scale: its fit (wall, CPU, peak RSS, the model's arrays) and a
 * live member's scoring of every movie (what `/recommend` computes for them), without a service.
 *
 *   npx tsx bench/scale-knn.ts <marquee.db | MovieLens folder> knn-item|knn-user|<spec> [--repeat 20]
 *
 * A store is read through its packed columns (what the training worker reads); a folder is read
 * from its CSV files. Run one algorithm per process so the peak RSS is that fit's own (the
 * trainset, both ways, is part of it: ~20 B per rating). Profile a fit with
 * `node --cpu-prof --import tsx bench/scale-knn.ts …`.
 *
 * Members: two dataset users, one with ~200 ratings and one with ~2,000, scored as live members (no trained row: the member path) right after one more rating.
 * Before each member's timed runs the other member is scored once, timed apart (the model's first
 * request also sets up its scratch and compiles the hot loops). Two series of `--repeat` runs
 * each: "after another member" (the other member scored, untimed, before each run: nothing the
 * model keeps from a request helps) and "after their own rating" (each run one rating more than
 * the run before, the next most rated movie they had not rated: what a member rating and asking
 * again meets). p95 of the wall clock and of the process's CPU time (which counts the
 * collector's helper threads too), with the 1-minute load average beside it.
 */
import { KnnAlgorithm } from '../src/core/algorithms/knn.ts';
import { createAlgorithm } from '../src/core/registry.ts';
import { Trainset, type Profile } from '../src/core/trainset.ts';
import { loadDataset } from '../src/data/load.ts';
import { openStore } from '../src/store/store.ts';
import { gc, p95 } from './measure.ts';
import { statSync } from 'node:fs';
import { loadavg } from 'node:os';

function log(msg: string): void {
  process.stderr.write(`[scale-knn ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1e6).toLocaleString('en-US')} MB`;
}

async function trainsetOf(path: string): Promise<Trainset> {
  if (statSync(path).isDirectory()) {
    const ds = await loadDataset(path);
    const { users, items, ratings } = ds.ratings;
    return Trainset.fromColumns({ users, items, ratings }, ds.scale);
  }
  const store = openStore(path);
  try {
    const info = store.datasetInfo();
    if (!info) throw new Error(`${path} holds no dataset`);
    return Trainset.fromCoded(store.datasetRatingCodes(), info.scale);
  } finally {
    store.close();
  }
}

/**
 * A dataset user's ratings plus `more` (the most rated movies they have not rated, 4★ each), as a
 * member.
 */
function memberLike(ts: Trainset, u: number, more = 1): Profile {
  const a = ts.byUser.indptr[u];
  const b = ts.byUser.indptr[u + 1];
  const rated = new Set(ts.byUser.indices.subarray(a, b));
  const unrated: number[] = [];
  for (let i = 0; i < ts.nItems; i++) if (!rated.has(i)) unrated.push(i);
  unrated.sort((x, y) => ts.itemDegree(y) - ts.itemDegree(x) || x - y);
  const items = new Int32Array(b - a + more);
  const ratings = new Float32Array(b - a + more);
  items.set(ts.byUser.indices.subarray(a, b));
  ratings.set(ts.byUser.values.subarray(a, b));
  for (let c = 0; c < more; c++) {
    items[b - a + c] = unrated[c];
    ratings[b - a + c] = 4;
  }
  return { items, ratings };
}

async function main(): Promise<void> {
  const [path, spec] = process.argv.slice(2);
  if (!path || !spec) throw new Error('usage: bench/scale-knn.ts <marquee.db | folder> <algorithm> [--repeat N]');
  const k = process.argv.indexOf('--repeat');
  const repeat = k < 0 ? 20 : Number(process.argv[k + 1]);
  let c0 = cpuSeconds();
  let t0 = performance.now();
  const ts = await trainsetOf(path);
  log(`trainset: ${ts.nUsers} users × ${ts.nItems} movies, ${ts.nRatings} ratings in ${((performance.now() - t0) / 1000).toFixed(1)} s (CPU ${(cpuSeconds() - c0).toFixed(1)} s); RSS ${mb(process.memoryUsage().rss)}`);
  gc();
  const rss0 = process.memoryUsage().rss;
  const arrays0 = process.memoryUsage().arrayBuffers;
  c0 = cpuSeconds();
  t0 = performance.now();
  const model = createAlgorithm(spec).fit(ts);
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - c0;
  const peak = process.resourceUsage().maxRSS * 1024;
  gc();
  const arrays = process.memoryUsage().arrayBuffers - arrays0;
  const millions = ts.nRatings / 1e6;
  log(
    `${spec} fit: ${wall.toFixed(1)} s wall, ${cpu.toFixed(1)} CPU s (${(cpu / millions).toFixed(2)} CPU s per million ratings); ` +
      `peak RSS ${mb(peak)} (${mb(rss0)} before the fit); model arrays ${mb(arrays)} (${mb(arrays / millions)} per million ratings)`,
  );

  let light = 0;
  let heavy = 0;
  for (let u = 0; u < ts.nUsers; u++) {
    const d = ts.userDegree(u);
    if (Math.abs(d - 200) < Math.abs(ts.userDegree(light) - 200)) light = u;
    if (Math.abs(d - 2000) < Math.abs(ts.userDegree(heavy) - 2000)) heavy = u;
  }
  const out = new Float64Array(ts.nItems);
  const support = new Float64Array(ts.nItems);
  for (const u of [light, heavy]) {
    const other = memberLike(ts, u === light ? heavy : light);
    // the model's first member request sets up its scratch and compiles the hot loops: timed apart
    const t1 = performance.now();
    model.scoreAllWithSupport(other, out, support);
    const first = performance.now() - t1;
    const series: [string, (r: number) => Profile, boolean][] = [
      ['after another member', () => memberLike(ts, u), true],
      ['after their own rating', (r) => memberLike(ts, u, r + 2), false],
    ];
    for (const [what, profile, otherFirst] of series) {
      const walls: number[] = [];
      const cpus: number[] = [];
      let p = profile(0);
      for (let r = 0; r < repeat; r++) {
        p = profile(r);
        if (otherFirst) model.scoreAllWithSupport(other, out, support);
        const c = cpuSeconds();
        const t = performance.now();
        model.scoreAllWithSupport(p, out, support);
        walls.push(performance.now() - t);
        cpus.push((cpuSeconds() - c) * 1000);
      }
      let scored = 0;
      for (let i = 0; i < ts.nItems; i++) if (out[i] === out[i]) scored++;
      // item-based on lists: how many list cells hold a movie the member rated (what the hits cost)
      const lists = model instanceof KnnAlgorithm && !model.userBased ? model.neighbourLists : undefined;
      let cells = '';
      if (lists) {
        const rev = lists.byNeighbour();
        let hits = 0;
        for (const j of p.items) hits += rev.ptr[j + 1] - rev.ptr[j];
        cells = `; list cells holding a rated movie: ${hits.toLocaleString('en-US')} of ${lists.size.toLocaleString('en-US')}`;
      }
      log(
        `${spec}, a member with ${p.items.length} ratings, ${what}: every movie scored in p95 ${p95(walls).toFixed(1)} ms ` +
          `(CPU p95 ${p95(cpus).toFixed(1)} ms, median ${walls.sort((a, b) => a - b)[walls.length >> 1].toFixed(1)} ms, ${repeat} runs); ${scored} movies with an estimate; the first request ${first.toFixed(1)} ms; ` +
          `load average ${loadavg()[0].toFixed(1)}${cells}`,
      );
    }
  }
}

await main();
