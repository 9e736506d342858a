/**
 * A retrain builds the new generation's caches before members see it, one event-loop turn per
 * step so that commands interleave; a step too long for one turn (the hybrid's content mapping at
 * ml-32m shape) says it has more to do and is run again a turn later, and the swap waits for it.
 */
import { describe, expect, it } from 'vitest';
import { ModelHost, type WarmStep } from '../../../src/bot/service/model-host.ts';
import { ALLOCATION_REST_MS, restAfterAllocating, STEP_REST_MS } from '../../../src/bot/service/step-timer.ts';
import { captureLogger, freshStore } from './fixture.ts';

describe("a retrain's warm-up", () => {
  it('runs a step that has more to do again, a turn later each time or after the pause it asks for, before the swap', async () => {
    const store = freshStore('warm-steps');
    const { logger } = captureLogger();
    const order: string[] = [];
    let turnsBetween = 0;
    let warming = false;
    let timerFired = false;
    const warm = (): WarmStep[] => {
      if (!warming) return [];
      let slices = 0;
      return [
        {
          what: 'a build in three slices',
          run: () => {
            // how many turns of the loop came before this slice, counted by the last slice's setImmediate
            order.push(`slice ${++slices} after ${turnsBetween} turns`);
            setImmediate(() => turnsBetween++);
            return slices < 3;
          },
        },
        {
          what: 'a step that asks for an idle pause before its second half',
          run: () => {
            if (order.includes('halfway')) {
              order.push(timerFired ? 'second half, after the timer' : 'second half, before the timer');
              return false;
            }
            order.push('halfway');
            // due well within the pause asked for: it fires while the loop is left idle
            setTimeout(() => (timerFired = true), 5);
            return 40;
          },
        },
        { what: 'what follows it', run: () => void order.push('next step') },
      ];
    };
    const host = new ModelHost({
      store,
      log: logger,
      fingerprint: 'warm-steps',
      configured: ['baseline'],
      maxLazyModels: 2,
      retrainAfter: 1_000_000,
      retrainMinutes: 0,
      defaultSpec: () => 'baseline',
      warm,
      swapped: () => void order.push('swap'),
    });
    await host.start();
    order.length = 0;
    warming = true;
    const before = host.gen;
    await host.retrain();

    expect(order).toEqual([
      'slice 1 after 0 turns',
      'slice 2 after 1 turns',
      'slice 3 after 2 turns',
      'halfway',
      'second half, after the timer',
      'next step',
      'swap',
    ]);
    expect(host.gen).not.toBe(before);
    await host.close();
    store.close();
  });

  it('rests longer only after a step that brought tens of MB: a decoded ml-32m model, not a small catalogue\'s', () => {
    // svd's kernel at ml-32m shape: 87,585 movies × (100 float32 factors + a float64 score)
    expect(restAfterAllocating(87_585 * (4 * 100 + 8))).toBe(ALLOCATION_REST_MS);
    // the same at ml-latest-small's 9,742 movies: 4 MB, the usual rest
    expect(restAfterAllocating(9_742 * (4 * 100 + 8))).toBe(STEP_REST_MS);
  });
});
