/**
 * A long job's main-thread steps, one event-loop turn each: the turn between them, and the timing
 * of each step for the log (a retrain's swap and warm-up, src/bot/service/model-host.ts).
 */
import { threadClock } from '../../util/thread-clock.ts';

/** How many of a retrain's slowest main-thread steps the log names. */
const SLOW_STEPS_LOGGED = 8;

/**
 * The longest of a job's steps on the main thread (each one event-loop turn), for the log; also
 * the few slowest, each with when it ended (performance.now(), the clock a bench's event-loop
 * watch uses), so a measured stall can be matched to the step that made it, and how long it was
 * on a core (where Linux tells it): on a machine loaded past its cores a step's wall time is
 * mostly waiting for one (131 of a 214 ms step at load 2.1 on 2 cores, bench/scale-serve.ts).
 */
export class LongestStep {
  what = '';
  ms = 0;
  readonly slowest: Array<{ what: string; ms: number; cpuMs?: number; endedAt: number }> = [];

  time<T>(what: string, step: () => T): T {
    const t0 = performance.now();
    const cpu0 = threadCpuMs();
    try {
      return step();
    } finally {
      const endedAt = performance.now();
      const ms = endedAt - t0;
      if (ms > this.ms) {
        this.ms = ms;
        this.what = what;
      }
      this.note(what, ms, threadCpuMs() - cpu0, endedAt);
    }
  }

  private note(what: string, ms: number, cpuMs: number, endedAt: number): void {
    const slow = this.slowest;
    if (slow.length === SLOW_STEPS_LOGGED && ms <= slow[slow.length - 1].ms) return;
    slow.push({ what, ms: Math.round(ms), ...(Number.isFinite(cpuMs) ? { cpuMs: Math.round(cpuMs) } : {}), endedAt: Math.round(endedAt) });
    slow.sort((a, b) => b.ms - a.ms);
    if (slow.length > SLOW_STEPS_LOGGED) slow.pop();
  }
}

/** This thread's time on a core so far (ms), NaN where Linux's schedstat is not there. */
function threadCpuMs(): number {
  return threadClock()?.cpuMs ?? NaN;
}

/** Yields to the event loop, so that pending commands run between two steps of a long job. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Ms a retrain's main-thread steps leave the event loop idle between them (restTurn). Its steps
 * allocate (decoded models, a kernel's 36 MB, id maps) and V8 then marks the heap: back to back,
 * the main thread did that marking itself in allocation steps (50 ms in 243 steps inside one warm-up
 * step, --trace-gc); a few idle ms between steps leave it to the concurrent marker on the other
 * core. Swap-only retrains at ml-32m shape (bench/scale-serve.ts --swap-only, quiet machine, two
 * runs each, interleaved): longest stall 71.6 and 64.5 ms resting 3 ms, 141.7 and 88.8 ms without.
 */
export const STEP_REST_MS = 3;

/**
 * Ms a retrain leaves the event loop idle after a step that brought tens of MB of new memory (a
 * decoded model's arrays, a scoring kernel's 36 MB): V8 answers such memory with a marking of the
 * whole heap (~170 MB at ml-32m shape). With the loop busy, the main thread did that marking
 * itself in allocation steps, 100 ms in 387 steps inside the next warm-up step, svd's serving path,
 * 201 ms long (--trace-gc of bench/scale-serve.ts --swap-only); with the loop idle, the concurrent
 * marker does it on the other core. Swap-only runs, quiet machine: resting 50 ms after each decode
 * and 100 ms after svd's kernel memory, every step under 53 ms (two runs); without, svd's serving
 * path 69 and 126 ms. Full retrains with 100 ms after each (bench/scale-serve.ts, three runs, load
 * 1.3–2.9): longest stall 45.5, 52.1 and 46.8 ms, against 82.5, 137.0 and 129.6 ms before.
 */
export const ALLOCATION_REST_MS = 100;

/** What counts as tens of MB for ALLOCATION_REST_MS: below it (a small catalogue's models, a test's) there is no rest. */
export const ALLOCATION_REST_ABOVE_BYTES = 16 * 1024 * 1024;

/** The rest after a step that brought `bytes` of new memory: ALLOCATION_REST_MS from ALLOCATION_REST_ABOVE_BYTES, else the usual one. */
export function restAfterAllocating(bytes: number): number {
  return bytes >= ALLOCATION_REST_ABOVE_BYTES ? ALLOCATION_REST_MS : STEP_REST_MS;
}

/** Yields to the event loop and leaves it idle for `ms` when no command comes: see STEP_REST_MS. */
export function restTurn(ms = STEP_REST_MS): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One step of warming a generation: what it builds (for the retrain's longest-step log line).
 * `run` returns true while it has more to do (or the ms to leave the loop idle first): it is run
 * again a turn later, until it returns nothing or false.
 */
export interface WarmStep {
  what: string;
  run: () => boolean | number | void;
}

/** Runs warm-up steps in event-loop turns of their own, a step again as long as it asks (WarmStep), resting between them. */
export async function runWarmSteps(steps: Iterable<WarmStep>, longest: LongestStep): Promise<void> {
  for (const step of steps) {
    for (;;) {
      const again = longest.time(step.what, step.run);
      if (again === undefined || again === false) break;
      await restTurn(again === true ? undefined : again);
    }
    await restTurn();
  }
}
