/**
 * An operator sees a stall during a retrain and wants to know which of the retrain's main-thread
 * steps made it: the 'retrained' log line names the slowest few, each with how long it held the
 * thread (and how much of that on a core) and when it ended (on performance.now(), the clock a
 * bench's event-loop watch reads).
 */
import { describe, expect, it } from 'vitest';
import { captureLogger, freshStore, start } from './fixture.ts';

interface SlowStep {
  what: string;
  ms: number;
  cpuMs?: number;
  endedAt: number;
}

describe("a retrain's log", () => {
  it('names its slowest main-thread steps, longest first, each inside the retrain', async () => {
    const store = freshStore('retrain-steps');
    const { logger, lines } = captureLogger();
    const svc = await start(store, { algorithms: ['ease', 'svd'], logger });
    await svc.ready;
    const me = svc.member('console', 'me');
    for (const [id, r] of [['100', 5], ['101', 4.5], ['200', 2]] as const) svc.rate(me, id, r);

    const from = performance.now();
    await svc.retrain();
    const to = performance.now();
    const retrained = lines.filter((l) => l.msg === 'retrained').map((l) => l.obj as { longestStep: string; longestStepMs: number; slowSteps: SlowStep[] });
    expect(retrained).toHaveLength(1);
    const { longestStep, longestStepMs, slowSteps } = retrained[0];

    expect(slowSteps.length).toBeGreaterThan(0);
    expect(slowSteps.length).toBeLessThanOrEqual(8);
    expect(slowSteps[0]).toMatchObject({ what: longestStep, ms: Math.round(longestStepMs) });
    for (let k = 1; k < slowSteps.length; k++) expect(slowSteps[k].ms).toBeLessThanOrEqual(slowSteps[k - 1].ms);
    for (const step of slowSteps) {
      // the time on a core, where Linux tells it (its scheduler's counters are a few ms coarse)
      if (process.platform === 'linux') expect(step.cpuMs).toBeGreaterThanOrEqual(0);
      expect(step.endedAt).toBeGreaterThanOrEqual(Math.floor(from));
      expect(step.endedAt).toBeLessThanOrEqual(Math.ceil(to));
    }
    await svc.close();
    store.close();
  });
});
