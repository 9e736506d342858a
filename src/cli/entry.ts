/**
 * Running a command-line tool's `main` when its file is the one node was started with (`npm run
 * data`, `npm run spark:export`), not when a test imports it: the exit code it returns becomes the
 * process's, and an error it throws is printed as one line with exit code 1.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface ToolIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function runIfEntry(moduleUrl: string, main: (argv: string[], io: ToolIo) => Promise<number>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(resolve(process.argv[1])).href) return;
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error)?.message ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
