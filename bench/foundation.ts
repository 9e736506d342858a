/**
 * Foundation numbers: loading and importing ml-latest-small, building the trainset, and the time
 * from `npm start` to the first `/top` answer (fresh database, then again with the database and
 * snapshots in place).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { loadDataset } from '../src/data/load.ts';
import { openStore } from '../src/store/store.ts';
import { trainingColumns } from '../src/store/training-data.ts';
import { Trainset } from '../src/core/trainset.ts';
import type { BenchRow } from './types.ts';
import { sharedDataset } from '../test/helpers/shared-data.ts';
import { median } from './measure.ts';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export async function benchFoundation(): Promise<BenchRow[]> {
  const dir = sharedDataset('ml-latest-small');
  if (!dir) return [];
  const rows: BenchRow[] = [];

  const loadTimes: number[] = [];
  let ds = await loadDataset(dir);
  for (let k = 0; k < 3; k++) {
    const t = performance.now();
    ds = await loadDataset(dir);
    loadTimes.push(performance.now() - t);
  }
  rows.push({ name: 'load ml-latest-small files (movies, ratings, tags, links)', value: median(loadTimes), unit: 'ms' });

  const tmp = mkdtempSync(join(tmpdir(), 'marquee-bench-'));
  try {
    const importTimes: number[] = [];
    for (let k = 0; k < 3; k++) {
      const store = openStore(join(tmp, `fresh-${k}.db`));
      const t = performance.now();
      store.importDataset(ds);
      importTimes.push(performance.now() - t);
      store.close();
    }
    rows.push({ name: 'import ml-latest-small into a fresh SQLite store', value: median(importTimes), unit: 'ms', note: 'target < 3000 ms' });

    const store = openStore(join(tmp, 'fresh-0.db'));
    const buildTimes: number[] = [];
    for (let k = 0; k < 5; k++) {
      const t = performance.now();
      const cols = trainingColumns(store);
      const ts = Trainset.fromColumns(cols, [0.5, 5]);
      buildTimes.push(performance.now() - t);
      if (ts.nRatings !== 100836) throw new Error(`expected 100836 ratings, got ${ts.nRatings}`);
    }
    store.close();
    rows.push({ name: 'trainset from the store (100,836 ratings: read + CSR build)', value: median(buildTimes), unit: 'ms', note: 'target < 200 ms' });

    // `npm start` with "/top" piped in: fresh database (import + training), then warm (snapshots)
    const db = join(tmp, 'start.db');
    for (const label of ['fresh database', 'existing database and snapshots']) {
      const t = performance.now();
      const res = spawnSync(process.execPath, ['--import', 'tsx', join(repo, 'src/cli/start.ts')], {
        cwd: repo,
        input: '/top\n',
        env: { ...process.env, MARQUEE_DATA: dir, MARQUEE_DB: db, LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        timeout: 180_000,
      });
      const ms = performance.now() - t;
      if (res.status !== 0 || !/1\./.test(res.stdout)) {
        throw new Error(`npm start failed (${res.status}): ${res.stderr.slice(-2000)}`);
      }
      rows.push({ name: `start to first /top answer and exit, ${label}`, value: ms / 1000, unit: 's' });
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}
