/**
 * An operator runs Marquee under a service manager: stderr is a log, not a terminal, and a first
 * start at MovieLens 32M size reads and imports for minutes. The log shows how far it got every few
 * seconds, then the final count.
 */
import { describe, expect, it } from 'vitest';
import { progressLines } from '../../src/cli/progress-lines.ts';
import { startMarquee } from '../helpers/real-process.ts';
import { sharedDataset } from '../helpers/shared-data.ts';

describe('progress as plain lines', () => {
  it('writes the first count of each phase, then at most one line per interval, and always the last', () => {
    let t = 0;
    const lines: string[] = [];
    const onProgress = progressLines((l) => lines.push(l), 'Importing', { everyMs: 5000, now: () => t });
    onProgress({ phase: 'movies', done: 87_585, total: 87_585 });
    for (let done = 1_000_000; done < 32_000_204; done += 1_000_000) {
      t += 1000;
      onProgress({ phase: 'ratings', done, total: 32_000_204 });
    }
    onProgress({ phase: 'ratings', done: 32_000_204, total: 32_000_204 });
    expect(lines[0]).toBe('Importing movies 87,585/87,585');
    expect(lines[1]).toBe('Importing ratings 1,000,000/32,000,204 …');
    expect(lines[2]).toBe('Importing ratings 6,000,000/32,000,204 …');
    expect(lines.at(-1)).toBe('Importing ratings 32,000,204/32,000,204');
    // 31 s of ratings at one line per 5 s: the first, six more, the last
    expect(lines.length).toBe(1 + 1 + 6 + 1);
  });

  it('formats counts as the caller says (bytes as megabytes)', () => {
    const lines: string[] = [];
    progressLines((l) => lines.push(l), 'Reading', { format: (n) => `${Math.round(n / 1e6)} MB` })({ phase: 'ratings', done: 312e6, total: 921.5e6 });
    expect(lines).toEqual(['Reading ratings 312 MB/922 MB …']);
  });
});

const small = sharedDataset('ml-latest-small');

describe.skipIf(!small)('the first start of the real process, stderr piped to a log', () => {
  it('says how much of the ratings it read and imported, line by line', async () => {
    const proc = startMarquee({ env: { MARQUEE_DATA: small, MARQUEE_ALGORITHMS: 'baseline' } });
    try {
      await proc.waitForLine(/^Reading ratings (\d+) MB\/\1 MB$/, 120_000);
      await proc.waitForLine(/^Importing movies 9,742\/9,742$/, 120_000);
      await proc.waitForLine(/^Importing ratings 100,836\/100,836$/, 120_000);
      await proc.waitForLine(/^Imported 9742 movies and 100836 ratings/, 120_000);
      const reading = proc.stderrLines.findIndex((l) => l.startsWith('Reading ratings'));
      const importing = proc.stderrLines.findIndex((l) => l.startsWith('Importing ratings'));
      expect(reading).toBeLessThan(importing);
    } finally {
      proc.child.stdin.end();
      await proc.exited;
      proc.cleanup();
    }
  }, 180_000);
});
