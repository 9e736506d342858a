/**
 * The clock a retrain's log reads to tell a step's work from its wait for a core.
 */
import { describe, expect, it } from 'vitest';
import { threadClock } from '../../src/util/thread-clock.ts';

describe("a thread's clock", () => {
  it.runIf(process.platform === 'linux')('counts this thread’s time on a core as it works, and its wait', () => {
    const before = threadClock()!;
    const until = performance.now() + 60;
    let x = 0;
    while (performance.now() < until) x += Math.sqrt(x + 1);
    const after = threadClock()!;
    expect(x).toBeGreaterThan(0);
    expect(after.cpuMs).toBeGreaterThan(before.cpuMs);
    expect(after.waitMs).toBeGreaterThanOrEqual(before.waitMs);
    // the main thread's task id is the process id
    expect(threadClock(process.pid)!.cpuMs).toBeGreaterThan(0);
  });

  it('says nothing for a thread that is not there', () => {
    expect(threadClock(2 ** 31 - 1)).toBeUndefined();
  });
});
