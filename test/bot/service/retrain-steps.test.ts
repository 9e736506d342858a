/**
 * An operator sees a stall during a retrain and wants to know which of the retrain's main-thread
 * steps made it: the 'retrained' log line names the slowest few, each with how long it held the
 * thread (and how much of that on a core) and when it ended (on performance.now(), the clock a
 * bench's event-loop watch reads).
 */
import { describe, expect, it } from 'vitest';
import { trainInWorker, type Trainer } from '../../../src/bot/trainer.ts';
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

  it("says so when the worker's trainsets do not fit what it read, and indexes the ratings itself", async () => {
    // a worker whose trainset names a movie position beyond the list it read (a mismatch between threads)
    let retraining = false;
    const trainer: Trainer = (job, onModel) => {
      const real = trainInWorker(job, onModel);
      const done = real.done.then((outcome) => {
        const ids = outcome.trainsets?.trainset.ids;
        if (retraining && ids && 'itemAt' in ids) ids.itemAt[0] = 1_000_000;
        return outcome;
      });
      return { done, cancel: () => real.cancel() };
    };
    const store = freshStore('retrain-mismatch');
    const { logger, lines } = captureLogger();
    const svc = await start(store, { algorithms: ['svd'], logger, trainer });
    await svc.ready;
    const me = svc.member('console', 'me');
    for (const [id, r] of [['100', 5], ['101', 4.5], ['200', 2]] as const) svc.rate(me, id, r);
    retraining = true;
    await svc.retrain();

    expect(lines).toContainEqual({
      level: 'error',
      msg: "the training worker's trainsets were not taken over",
      obj: { err: expect.stringMatching(/movie position 1000000, beyond the \d+ ids it was given/) },
    });
    // the generation built on the main thread instead serves the member, the retrain logged as
    // done (its steps here take a millisecond or two each, so which eight the log names is chance)
    expect(lines.filter((l) => l.msg === 'retrained')).toHaveLength(1);
    const res = svc.recommend(me, { algo: 'svd', n: 3 });
    expect(res.algo).toBe('svd');
    expect(res.items).toHaveLength(3);
    await svc.close();
    store.close();
  });
});
