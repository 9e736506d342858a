/**
 * Starting TypeScript worker threads. On Node 20, `new Worker(url, { execArgv: ['--import', 'tsx'] })`
 * does not register loaders in the worker (nodejs/node#47747, privatenumber/tsx#354: "Unknown
 * file extension .ts"), so the worker starts from a tiny evaluated bootstrap that registers tsx
 * through its programmatic API and then imports the entry; this works the same under tsx, plain
 * node and vitest.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

let bootstrap: string | undefined;

/**
 * The bootstrap's first line for a background worker (`workerData.__nice`): the thread lowers
 * itself before any module loads, so its imports (and, under tsx, the loader's hooks thread,
 * which inherits the nice value) no longer run at the front's priority. The same rule as
 * lowerThisThreadPriority in ./background-thread.ts, which a module body could only apply after
 * its imports: Linux only (elsewhere the call renices the whole process), never raised, never
 * throws. Measured (bench/load.ts, a burst with a concurrent retrain, 2 cores): the training
 * worker's module loading took 210–280 ms of CPU at nice 0 in the burst's first 0.6 s, while the
 * Slack front that acks got 190–320 ms.
 */
const LOWER_FIRST = [
  `if (workerData.__nice !== undefined && process.platform === 'linux') {`,
  `  try { const os = require('node:os'); if (os.getPriority(0) < workerData.__nice) os.setPriority(0, workerData.__nice); } catch {}`,
  `}`,
].join('\n');

/** The compiled build's bootstrap for a background worker: lower the thread, then import the entry. */
const COMPILED_BOOTSTRAP = [
  `const { workerData } = require('node:worker_threads');`,
  LOWER_FIRST,
  `import(workerData.__entry).catch((err) => { setImmediate(() => { throw err; }); });`,
].join('\n');

/** The evaluated worker bootstrap: lower a background thread, register tsx's ESM hooks, then import the entry module. */
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
    LOWER_FIRST,
    `import(${JSON.stringify(apiUrl)})`,
    `  .then(({ register }) => { register(); return import(workerData.__entry); })`,
    // an error here becomes the worker's 'error' event
    `  .catch((err) => { setImmediate(() => { throw err; }); });`,
  ].join('\n');
  return bootstrap;
}

/**
 * Whether this module runs as compiled JavaScript (`npm run build` → dist/, what `npm start`
 * runs): then every entry is the `.js` beside its `.ts` name and starts without tsx.
 */
const COMPILED = import.meta.url.endsWith('.js');

/**
 * Starts a TypeScript worker module (a file URL) with `workerData` (plus `__entry`, its URL).
 * In the compiled build, the entry's `.ts` name is read as its compiled `.js` sibling.
 * `nice`: a background worker, lowered to that nice value before its first import (Linux).
 */
export function spawnTsWorker(entry: URL, workerData: Record<string, unknown>, transferList: ArrayBuffer[] = [], opts: { nice?: number } = {}): Worker {
  const nice = opts.nice === undefined ? {} : { __nice: opts.nice };
  if (COMPILED) {
    const compiled = new URL(entry.href.replace(/\.ts$/, '.js'));
    const data = { ...workerData, ...nice, __entry: compiled.href };
    if (opts.nice !== undefined) return new Worker(COMPILED_BOOTSTRAP, { eval: true, workerData: data, transferList, stdout: false, stderr: false });
    return new Worker(compiled, { workerData: data, transferList, stdout: false, stderr: false });
  }
  return new Worker(workerBootstrap(), {
    eval: true,
    workerData: { ...workerData, ...nice, __entry: entry.href },
    transferList,
    stdout: false,
    stderr: false,
  });
}

