/**
 * The Spark round trip's costs on this machine, at a chosen shape (Spark itself does not run here):
 *
 *   npx tsx bench/spark.ts [--users 200948] [--movies 87585] [--ratings 32000204] [--rank 64] [--parts 10] [--skip-export]
 *
 * 1. export: writeSparkExport on `--ratings` generated rows (MovieLens-shaped ids, half stars) —
 *    wall and CPU seconds, MB written, peak RSS;
 * 2. import: a factor folder of `--users` × `--rank` and `--movies` × `--rank` written in Spark's
 *    JSON-line layout over `--parts` files, read back with readSparkAls — seconds and RSS;
 * 3. serving: als-import fitted on a trainset holding every movie, then a live member of 100
 *    ratings folded in and scored over the whole catalogue (the /recommend cost), mean of 20.
 *
 * --skip-export leaves out step 1, so the peak RSS of steps 2–3 is not the generated rows'.
 * Defaults are the ml-32m shape. The machine is shared (2 cores, other jobs): the CPU seconds of
 * this process are the steadier figure; wall time may run several times longer.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createAlsImport } from '../src/core/algorithms/als-import.ts';
import { Rng } from '../src/core/rng.ts';
import { Trainset } from '../src/core/trainset.ts';
import { writeSparkExport } from '../src/data/spark-export.ts';
import { readSparkAls } from '../src/data/spark-factors.ts';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '200948' },
    movies: { type: 'string', default: '87585' },
    ratings: { type: 'string', default: '32000204' },
    rank: { type: 'string', default: '64' },
    parts: { type: 'string', default: '10' },
    'skip-export': { type: 'boolean', default: false },
  },
});
const nUsers = Number(values.users);
const nMovies = Number(values.movies);
const nRatings = Number(values.ratings);
const rank = Number(values.rank);
const parts = Number(values.parts);
const root = mkdtempSync(join(tmpdir(), 'marquee-spark-bench-'));
const rng = new Rng(1);
const mb = (b: number) => (b / 1048576).toFixed(0);
const peak = () => `${mb(process.resourceUsage().maxRSS * 1024)} MB peak RSS`;

function timed<T>(what: string, fn: () => T): T {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const out = fn();
  const cpu = process.cpuUsage(cpu0);
  console.log(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU; ${peak()}`);
  return out;
}

try {
  const movieIds = Array.from({ length: nMovies }, (_, k) => String(k + 1));
  if (!values['skip-export']) exportStep(movieIds);
  // ---- 2. import ----
  const run = join(root, 'factors');
  const writeTable = (dir: string, n: number) => {
    mkdirSync(dir, { recursive: true });
    const per = Math.ceil(n / parts);
    for (let p = 0; p < parts; p++) {
      const lines: string[] = [];
      for (let id = p * per + 1; id <= Math.min(n, (p + 1) * per); id++) {
        const f = Array.from({ length: rank }, () => Math.fround(rng.normal(0, 0.1)));
        lines.push(`{"id":${id},"features":[${f.join(',')}]}`);
      }
      writeFileSync(join(dir, `part-${String(p).padStart(5, '0')}-bench-c000.json`), `${lines.join('\n')}\n`);
    }
    writeFileSync(join(dir, '_SUCCESS'), '');
  };
  writeTable(join(run, 'user_factors'), nUsers);
  writeTable(join(run, 'item_factors'), nMovies);
  writeFileSync(join(run, 'params.json'), JSON.stringify({ weighting: 'spark', rank, reg: 0.05, implicit: true, alpha: 2 }));
  const sizeOf = (t: string) => {
    let s = 0;
    for (let p = 0; p < parts; p++) s += statSync(join(run, t, `part-${String(p).padStart(5, '0')}-bench-c000.json`)).size;
    return s;
  };
  console.log(`factor folder: ${mb(sizeOf('user_factors') + sizeOf('item_factors'))} MB of JSON lines`);
  const read = timed(`readSparkAls (${nUsers.toLocaleString('en-US')} + ${nMovies.toLocaleString('en-US')} rows, rank ${rank})`, () => readSparkAls(run));

  // ---- 3. serving ----
  const ts = Trainset.fromColumns({ users: movieIds.map(() => 'member:1'), items: movieIds, ratings: new Float32Array(nMovies).fill(4) }, [0.5, 5]);
  const model = timed('als-import fit (every movie; one user folded in)', () =>
    createAlsImport({
      rank,
      userIds: Array.from(read.users.ids, String),
      userFactors: read.users.factors,
      itemIds: Array.from(read.items.ids, String),
      itemFactors: read.items.factors,
      fold: { implicit: true, reg: 0.05, alpha: 2, weighting: 'spark' },
    }).fit(ts),
  );
  const scores = new Float64Array(ts.nItems);
  const t0 = performance.now();
  const rounds = 20;
  for (let r = 0; r < rounds; r++) {
    const picked = Int32Array.from({ length: 100 }, () => Math.floor(rng.random() * nMovies));
    model.scoreAll({ items: picked, ratings: new Float32Array(100).fill(4) }, scores);
  }
  console.log(`live member (100 ratings) folded in and scored over ${nMovies.toLocaleString('en-US')} movies: ${((performance.now() - t0) / rounds).toFixed(1)} ms mean of ${rounds}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}

/** 1. export: generated MovieLens-shaped rows written by writeSparkExport. */
function exportStep(movieIds: string[]): void {
  const userIds = Array.from({ length: nUsers }, (_, k) => String(k + 1));
  const users = new Array<string>(nRatings);
  const items = new Array<string>(nRatings);
  const ratings = new Float32Array(nRatings);
  const timestamps = new Float64Array(nRatings);
  for (let k = 0; k < nRatings; k++) {
    users[k] = userIds[Math.floor((k / nRatings) * nUsers)];
    items[k] = movieIds[Math.floor(rng.random() ** 2 * nMovies)];
    ratings[k] = Math.ceil(rng.random() * 10) / 2;
    timestamps[k] = 1_000_000_000 + k;
  }
  console.log(`rows ready: ${nRatings.toLocaleString('en-US')} ratings; ${peak()}`);
  const out = join(root, 'export');
  const manifest = timed(`export of ${nRatings.toLocaleString('en-US')} ratings`, () =>
    writeSparkExport(out, {
      dataset: { name: 'bench', fingerprint: 'bench', scale: [0.5, 5] },
      datasetRatings: { users, items, ratings, timestamps },
      memberRatings: [{ memberId: 1, movieId: '1', rating: 4, ratedAt: Date.now() }],
    }),
  );
  console.log(`  ratings.csv ${mb(statSync(join(out, 'ratings.csv')).size)} MB, ${manifest.datasetUsers.toLocaleString('en-US')} users`);
  rmSync(out, { recursive: true });
}
