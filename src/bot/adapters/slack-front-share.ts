/**
 * What part of the main thread's slowness in a burst is the Slack front's own doing, and so ends
 * when the burst's requests stop arriving. The front acks on a thread of its own and the bot's
 * other threads may yield to it (SLACK_YIELD_NICE): while 4,000 commands arrive in a second, the
 * main thread waits for a core the front holds, and its wall time per request (./queue-pace.ts)
 * is a pace it keeps only as long as requests arrive. Multiplied over the whole queue, that pace
 * told members "busy, try again" whose answers in fact all came within 5.5 s: at nice 5 the
 * estimate reached 27–36 s and 200–1,271 of 4,000 commands were refused in five of seven bursts
 * (`npm run bench -- --only load --yield-nice 5`, quiet 2-core machine, 2026-12-06).
 *
 * So the estimate leaves out the wait for a core that the front's work caused. Over the window
 * (span S of wall time) the main thread ran C ms on a core, waited W ms on a run queue and spent
 * the rest, B = S − C − W, blocked (the commits' fsyncs) or idle; the front used F ms of CPU. Had
 * the front not run, the main thread could have had at most M = min(W, F) ms more of a core: its
 * share of a core while runnable goes from C / (C + W) to (C + M) / (C + W), its CPU takes that
 * much less wall time, and its blocking stays: the same work takes B + C·(C + W) / (C + M) instead
 * of S. The waits other threads and processes caused stay in. Read from Linux's schedstat
 * (src/util/thread-clock.ts); elsewhere, or without the front's thread id, nothing changes.
 */
import type { ThreadClock } from '../../util/thread-clock.ts';

/** The clocks at one moment: this thread's wall time, the main thread's schedstat, the front's CPU. */
export interface CoreSample {
  /** performance.now() (ms) */
  t: number;
  main: ThreadClock;
  /** the front thread's CPU so far (ms) */
  frontCpuMs: number;
}

export class FrontShare {
  private readonly samples: CoreSample[] = [];

  /**
   * @param windowMs how much wall time the share is measured over (the pace's window)
   * @param minSpanMs a shorter span is not believed (schedstat moves in scheduler ticks of a few ms)
   */
  constructor(
    private readonly windowMs = 1_000,
    private readonly minSpanMs = 200,
  ) {
    if (!(windowMs > 0) || !(minSpanMs > 0) || minSpanMs > windowMs) {
      throw new RangeError(`FrontShare needs 0 < minSpanMs ≤ windowMs, got ${minSpanMs} and ${windowMs}`);
    }
  }

  /** the time of the last sample (ms), -Infinity before any */
  get lastAt(): number {
    return this.samples.at(-1)?.t ?? -Infinity;
  }

  sample(s: CoreSample): void {
    if (!Number.isFinite(s.t) || !Number.isFinite(s.main.cpuMs) || !Number.isFinite(s.main.waitMs) || !Number.isFinite(s.frontCpuMs)) {
      throw new RangeError(`FrontShare.sample needs finite clocks, got ${JSON.stringify(s)}`);
    }
    this.samples.push(s);
    // keep one sample at or before the window's start, so the window spans it whole
    while (this.samples.length > 2 && this.samples[1].t <= s.t - this.windowMs) this.samples.shift();
  }

  /**
   * The wall time the main thread's recent work would have taken without the front's, as a part
   * of the time it took (0 < part ≤ 1); 1 until the window spans minSpanMs or when nothing of the
   * main thread's wait can be the front's.
   */
  get withoutFront(): number {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last) return 1;
    const span = last.t - first.t;
    if (span < this.minSpanMs) return 1;
    const cpu = Math.max(0, last.main.cpuMs - first.main.cpuMs);
    const waited = Math.max(0, last.main.waitMs - first.main.waitMs);
    const front = Math.max(0, last.frontCpuMs - first.frontCpuMs);
    const given = Math.min(waited, front);
    // schedstat moves in ticks: a window with no CPU seen tells nothing about the share
    if (cpu <= 0 || given <= 0) return 1;
    const blocked = Math.max(0, span - cpu - waited);
    return Math.min(1, (blocked + (cpu * (cpu + waited)) / (cpu + given)) / span);
  }

  /** The queue is empty: the next burst starts a new window. */
  idle(): void {
    this.samples.length = 0;
  }
}

/**
 * A wait estimated at the main thread's recent wall-clock pace (`wallWaitMs`), without the part of
 * it that was the front's work (`withoutFront`, FrontShare.withoutFront).
 */
export function waitWithoutFront(wallWaitMs: number, withoutFront: number): number {
  return wallWaitMs * Math.min(Math.max(withoutFront, 0), 1);
}
