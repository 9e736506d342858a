/**
 * WAL checkpoints off the service's thread. SQLite's default runs a checkpoint inside whichever
 * commit finds the WAL over 1,000 pages: it copies the WAL into the database file and fsyncs it,
 * on the thread that committed. After a model snapshot's 8 MB part that is every part: writing
 * one part took 30 ms median (47 ms max) with the checkpoint and 11 ms (23 ms max) without it,
 * measured on the 2-core reference machine's disk (better-sqlite3, 12 parts, load average 3); on
 * a disk busy with other jobs the checkpoint's fsyncs made single snapshot steps 276–528 ms
 * inside a Slack burst (`npm run bench -- --only load --swap-in-burst`). A member's rating
 * waiting behind it waits as long.
 *
 * So the service's connection turns automatic checkpoints off and this thread, on a connection
 * of its own, runs PASSIVE checkpoints every CHECKPOINT_EVERY_MS. In WAL a checkpoint runs beside
 * the writer (it copies committed frames only; PASSIVE never waits for a lock), so the commit
 * path is left with its own fsync. Durability is unchanged: a commit is durable once its WAL
 * frames are synced (synchronous=FULL), whether or not they have reached the database file; a
 * crash mid-checkpoint is recovered from the WAL on the next open. If the thread fails, the
 * store turns automatic checkpoints back on (onFailure), so the WAL never grows without bound.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the thread checkpoints: a 256 MB snapshot written a part per turn adds ~8 MB a turn. */
export const CHECKPOINT_EVERY_MS = 250;

/**
 * The thread's whole program, plain JavaScript (no TypeScript loader needed in a worker): open
 * the database, checkpoint on a timer, close on 'stop'.
 */
const PROGRAM = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const failed = (err) => { parentPort.postMessage({ failed: String((err && err.message) || err) }); process.exit(1); };
let db;
try { db = new Database(workerData.path, { fileMustExist: true }); } catch (err) { failed(err); }
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { if (!/SQLITE_BUSY|database is locked/.test(String(err))) failed(err); }
}, workerData.everyMs);
parentPort.on('message', (msg) => {
  if (msg !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
parentPort.postMessage('ready');
`;

function describe(err: unknown): string {
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

export interface Checkpointer {
  /** Stops the thread; its connection closes after the checkpoint in progress, if any. */
  stop(): void;
}

/**
 * Starts checkpointing the WAL of the database at `path` in a thread of its own. `onFailure` runs
 * at most once, with the error, if the thread cannot start or dies.
 */
export function startCheckpointer(path: string, onFailure: (err: Error) => void, everyMs = CHECKPOINT_EVERY_MS): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(PROGRAM, { eval: true, workerData: { path, driver, everyMs }, stdout: false, stderr: false });
  // the checkpoints are housekeeping: they never keep the process alive
  worker.unref();
  let stopped = false;
  let failed = false;
  const fail = (err: Error): void => {
    if (stopped || failed) return;
    failed = true;
    onFailure(err);
  };
  // an error thrown in the thread arrives cloned, and a SqliteError's clone may lose its class
  worker.on('error', (err: unknown) => fail(err instanceof Error && typeof err.message === 'string' ? err : new Error(`the WAL checkpoint thread failed: ${describe(err)}`)));
  worker.on('message', (msg: unknown) => {
    if (msg && typeof msg === 'object' && 'failed' in msg) fail(new Error(`the WAL checkpoint thread failed: ${String(msg.failed)}`));
  });
  worker.on('exit', (code) => fail(new Error(`the WAL checkpoint thread exited with code ${code}`)));
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      worker.postMessage('stop');
    },
  };
}
