/**
 * The real Marquee process for end-to-end tests: `src/cli/start.ts` in a child process (as
 * `npm start` runs it), with its own temporary working folder and database, an environment the
 * test chooses, and its stderr read line by line so a test can wait for what an operator sees.
 *
 * The data is a real MovieLens folder (MARQUEE_DATA; ml-100k by default: 1,682 movies train in
 * seconds) and only the algorithms a test names (MARQUEE_ALGORITHMS, `ease` by default), so a
 * start takes seconds, not the default set's minute.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const REPO = resolve(import.meta.dirname, '..', '..');
/** tsx's loader by path: `--import tsx` would resolve from the child's temporary working folder */
const TSX = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface MarqueeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** the working folder (holds marquee.db unless MARQUEE_DB says otherwise) */
  readonly cwd: string;
  /** every stderr line so far (start-up progress, errors, log lines) */
  readonly stderrLines: string[];
  /** every stdout chunk so far (the console's answers) */
  stdout(): string;
  /** resolves with the first stderr line (already seen or coming) that matches; rejects after `ms` */
  waitForLine(pattern: RegExp, ms?: number): Promise<string>;
  /** resolves with the exit code (or the signal's name) */
  readonly exited: Promise<number | string>;
  /** sends a signal and waits for the exit */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
  /** removes the working folder (after the process is gone) */
  cleanup(): void;
}

export interface StartOptions {
  /** settings on top of a clean environment (PATH, HOME and the test data kept) */
  env: Record<string, string | undefined>;
  /** an existing working folder to reuse (a restart); else a fresh temporary one */
  cwd?: string;
  /**
   * Run the compiled build (`node dist/src/cli/start.js`, what `npm start` runs; built by
   * `npm run build`, which install runs) instead of the TypeScript through tsx.
   */
  compiled?: boolean;
}

/** The compiled entry point `npm start` runs. */
export const COMPILED_START = join(REPO, 'dist', 'src', 'cli', 'start.js');

/** Starts `tsx src/cli/start.ts` (or the compiled build) with the given settings. The caller stops and cleans up. */
export function startMarquee(opts: StartOptions): MarqueeProcess {
  const cwd = opts.cwd ?? mkdtempSync(join(tmpdir(), 'marquee-e2e-'));
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'NODE_OPTIONS', 'MARQUEE_TEST_DATA']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  env.MARQUEE_ALGORITHMS = 'ease';
  for (const [k, v] of Object.entries(opts.env)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const args = opts.compiled ? [COMPILED_START] : ['--import', TSX, join(REPO, 'src', 'cli', 'start.ts')];
  const child = spawn(process.execPath, args, { cwd, env, stdio: 'pipe' });
  const stderrLines: string[] = [];
  let out = '';
  let partial = '';
  const watchers: Array<{ pattern: RegExp; done: (line: string) => void }> = [];
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    partial += d.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      stderrLines.push(line);
      for (const w of watchers.splice(0)) {
        if (w.pattern.test(line)) w.done(line);
        else watchers.push(w);
      }
    }
  });
  const exited = new Promise<number | string>((done) => child.on('exit', (code, signal) => done(code ?? signal ?? -1)));
  return {
    child,
    cwd,
    stderrLines,
    stdout: () => out,
    waitForLine(pattern, ms = 60_000) {
      const seen = stderrLines.find((l) => pattern.test(l));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise<string>((done, fail) => {
        const timer = setTimeout(
          () => fail(new Error(`no stderr line matched ${pattern} within ${ms} ms; stderr so far:\n${stderrLines.join('\n')}`)),
          ms,
        );
        const onExit = (code: number | string) =>
          fail(new Error(`the process exited (${code}) before a line matched ${pattern}; stderr:\n${stderrLines.join('\n')}`));
        void exited.then(onExit);
        watchers.push({
          pattern,
          done: (line) => {
            clearTimeout(timer);
            done(line);
          },
        });
      });
    },
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    cleanup() {
      if (!opts.cwd) rmSync(cwd, { recursive: true, force: true });
    },
  };
}
