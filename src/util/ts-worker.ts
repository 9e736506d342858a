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
 * Whether this module runs as compiled JavaScript (`npm run build` → dist/, what `npm start`
 * runs): then every entry is the `.js` beside its `.ts` name and starts without tsx.
 */
const COMPILED = import.meta.url.endsWith('.js');

/**
 * Starts a TypeScript worker module (a file URL) with `workerData` (plus `__entry`, its URL).
 * In the compiled build, the entry's `.ts` name is read as its compiled `.js` sibling.
 */
export function spawnTsWorker(entry: URL, workerData: Record<string, unknown>, transferList: ArrayBuffer[] = []): Worker {
  if (COMPILED) {
    const compiled = new URL(entry.href.replace(/\.ts$/, '.js'));
    return new Worker(compiled, { workerData: { ...workerData, __entry: compiled.href }, transferList, stdout: false, stderr: false });
  }
  return new Worker(workerBootstrap(), {
    eval: true,
    workerData: { ...workerData, __entry: entry.href },
    transferList,
    stdout: false,
    stderr: false,
  });
}

