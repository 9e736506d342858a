/**
 * Training off the main thread: a worker_thread fits the requested algorithms on a copy of the
 * rating columns and sends each fitted model back as a snapshot (encodeModel), its ArrayBuffer
 * transferred rather than copied. The main thread rebuilds the same trainset from the same
 * columns (same order, so the same inner ids) and decodes the snapshots onto it.
 *
 * Worker entry files are TypeScript. On Node 20, `execArgv: ['--import', 'tsx']` does not
 * register loaders in a worker (nodejs/node#47747, privatenumber/tsx#354: "Unknown file
 * extension .ts"), so the worker starts from a tiny evaluated bootstrap that registers tsx through
 * its programmatic API and then imports the entry; this works the same under tsx, plain node and
 * vitest.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RatingScale } from '../core/trainset.ts';

export interface TrainColumns {
  users: string[];
  items: string[];
  ratings: Float32Array;
}

export interface TrainJob {
  columns: TrainColumns;
  scale: RatingScale;
  /** algorithm specs for createAlgorithm, fitted in this order */
  specs: string[];
}

/** Messages from trainer-worker.ts. */
export type TrainMessage =
  | { kind: 'model'; spec: string; bytes: Uint8Array; fitMs: number }
  | { kind: 'failed'; spec: string; message: string }
  | { kind: 'done'; buildMs: number };

export interface TrainedModel {
  spec: string;
  bytes: Uint8Array;
  fitMs: number;
}

export interface TrainOutcome {
  models: TrainedModel[];
  failures: Array<{ spec: string; message: string }>;
}

export interface TrainHandle {
  /** settles when the worker has sent every model (or failed as a whole) */
  done: Promise<TrainOutcome>;
  /** stops the worker; `done` rejects with a TrainCancelled error */
  cancel(): Promise<void>;
}

export class TrainCancelled extends Error {
  override name = 'TrainCancelled';
}

let bootstrap: string | undefined;

/** The evaluated worker bootstrap: register tsx's ESM hooks, then import the entry module. */
function workerBootstrap(): string {
  if (bootstrap) return bootstrap;
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, string | { import: { default: string } }>;
  };
  const api = pkg.exports['./esm/api'];
  if (typeof api !== 'object') throw new Error(`tsx ${pkgPath} has no ./esm/api export`);
  const apiUrl = pathToFileURL(join(dirname(pkgPath), api.import.default)).href;
  bootstrap = [
    `const { workerData } = require('node:worker_threads');`,
    `import(${JSON.stringify(apiUrl)})`,
    `  .then(({ register }) => { register(); return import(workerData.__entry); })`,
    // an error here becomes the worker's 'error' event
    `  .catch((err) => { setImmediate(() => { throw err; }); });`,
  ].join('\n');
  return bootstrap;
}

/**
 * Starts a TypeScript worker module (a file URL) with `workerData`. Exported for other modules
 * that run .ts workers (evaluation), since `execArgv: ['--import', 'tsx']` fails on Node 20.
 */
export function spawnTsWorker(entry: URL, workerData: Record<string, unknown>, transferList: ArrayBuffer[] = []): Worker {
  return new Worker(workerBootstrap(), {
    eval: true,
    workerData: { ...workerData, __entry: entry.href },
    transferList,
    stdout: false,
    stderr: false,
  });
}

/** Fits `job.specs` in a worker thread; models arrive through `onModel` as they finish. */
export function trainInWorker(job: TrainJob, onModel?: (m: TrainedModel) => void): TrainHandle {
  const worker = spawnTsWorker(new URL('./trainer-worker.ts', import.meta.url), { job });
  const models: TrainedModel[] = [];
  const failures: Array<{ spec: string; message: string }> = [];
  let cancelled = false;
  let finished = false;
  const done = new Promise<TrainOutcome>((resolve, reject) => {
    worker.on('message', (msg: TrainMessage) => {
      if (msg.kind === 'model') {
        const m = { spec: msg.spec, bytes: msg.bytes, fitMs: msg.fitMs };
        models.push(m);
        onModel?.(m);
      } else if (msg.kind === 'failed') {
        failures.push({ spec: msg.spec, message: msg.message });
      } else {
        finished = true;
        resolve({ models, failures });
        void worker.terminate();
      }
    });
    worker.on('error', (err) => {
      finished = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      if (finished) return;
      finished = true;
      reject(cancelled ? new TrainCancelled('training was cancelled') : new Error(`the training worker exited with code ${code}`));
    });
  });
  return {
    done,
    async cancel() {
      cancelled = true;
      await worker.terminate();
    },
  };
}
