/**
 * The resident memory of the real service process (`src/cli/start.ts` through tsx, as `npm run
 * dev` runs it; `--compiled` for `npm start`'s build) with the default algorithms on
 * ml-latest-small: a first start (import and training), then a restart from its snapshots, each
 * read from /proc once the first console answer came (the non-interactive console answers only
 * once every model is ready). VmRSS is what it holds then, VmHWM the most it ever held. The bot
 * bench's RSS row is read inside the bench's own process, which also holds the loaded dataset.
 *
 *   npx tsx bench/bot-process.ts [--compiled]   (Linux: reads /proc)
 */
import { readFileSync } from 'node:fs';
import { startMarquee } from '../test/helpers/real-process.ts';
import { sharedDataset } from '../test/helpers/shared-data.ts';

function memoryOf(pid: number): { rssMb: number; peakMb: number; cpuS: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  // utime and stime, fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 a second on Linux)
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024, cpuS: (Number(stat[11]) + Number(stat[12])) / 100 };
}

async function main(): Promise<void> {
  const dir = sharedDataset('ml-latest-small');
  if (!dir) throw new Error('ml-latest-small not found (set MARQUEE_TEST_DATA)');
  const compiled = process.argv.includes('--compiled');
  let cwd: string | undefined;
  let first: { cleanup(): void } | undefined;
  try {
    for (const run of ['first start', 'from snapshots']) {
      const t0 = performance.now();
      const proc = startMarquee({ env: { MARQUEE_DATA: dir, MARQUEE_ALGORITHMS: 'ease,svd' }, cwd, compiled });
      cwd = proc.cwd;
      first ??= proc;
      proc.child.stdin.write('/genres\n');
      while (proc.stdout().length === 0) {
        if (proc.child.exitCode !== null) throw new Error(`the service exited: ${proc.stderrLines.join('\n')}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const readyS = (performance.now() - t0) / 1000;
      const m = memoryOf(proc.child.pid ?? 0);
      console.log(`${run.padEnd(15)} answered after ${readyS.toFixed(1)} s (${m.cpuS.toFixed(1)} s CPU): RSS ${m.rssMb.toFixed(0)} MB, peak ${m.peakMb.toFixed(0)} MB`);
      proc.child.stdin.end();
      await proc.stop();
    }
  } finally {
    first?.cleanup(); // the first start made the folder (and the database the restart reused)
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
