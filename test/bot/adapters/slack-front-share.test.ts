/**
 * A burst slows the main thread while the Slack front acks it; once the requests stop arriving,
 * the queue drains at the main thread's own pace. A member is told "busy, try again" only when
 * the answer would really come too late, not because the front held the core for a second.
 */
import { describe, expect, it } from 'vitest';
import { QueuePace } from '../../../src/bot/adapters/queue-pace.ts';
import { busyAck } from '../../../src/bot/adapters/slack-busy-ack.ts';
import { FrontShare, waitWithoutFront } from '../../../src/bot/adapters/slack-front-share.ts';
import { SLACK_QUEUE_MAX_MS } from '../../../src/bot/busy.ts';

const FORM = 'application/x-www-form-urlencoded';
const slash = new URLSearchParams({ command: '/rate', text: 'The Matrix 4.5', user_id: 'UANN' }).toString();

/** One core the main thread wants, in 10 ms ticks; each request costs it CPU_PER_REQUEST_MS. */
const TICK_MS = 10;
const CPU_PER_REQUEST_MS = 1.2;

interface Machine {
  /** of each tick while requests arrive: ms the front's work holds the core, and other processes */
  frontMs: number;
  othersMs: number;
  /** after the arrivals: ms other processes still hold of each tick */
  othersAfterMs: number;
}

/**
 * 4,000 requests arrive in the first second. Returns the front's estimate for the last one to
 * arrive, both as the wall-clock pace has it and without the front's part, and when that request's
 * turn in fact came (ms after it arrived).
 */
function burst(m: Machine): { wallEstimateMs: number; estimateMs: number; actualMs: number } {
  const pace = new QueuePace(3);
  const share = new FrontShare();
  const arrivals = 4_000;
  const arrivalMs = 1_000;
  let t = 0;
  let cpu = 0;
  let wait = 0;
  let frontCpu = 0;
  let done = 0;
  let credit = 0;
  let ranLastTurn = 0;
  let estimate: { wallEstimateMs: number; estimateMs: number } | undefined;
  for (;;) {
    const arriving = t < arrivalMs;
    const held = arriving ? m.frontMs + m.othersMs : m.othersAfterMs;
    const got = TICK_MS - held;
    pace.turn(t, ranLastTurn);
    share.sample({ t, main: { cpuMs: cpu, waitMs: wait }, frontCpuMs: frontCpu });
    const arrived = Math.min(arrivals, Math.floor(((t + TICK_MS) / arrivalMs) * arrivals));
    if (!arriving && estimate === undefined) {
      // the last member's command has just arrived: what does its ack say?
      const wallEstimateMs = (arrivals - done) * pace.perRequestMs;
      estimate = { wallEstimateMs, estimateMs: waitWithoutFront(wallEstimateMs, share.withoutFront) };
    }
    credit += got / CPU_PER_REQUEST_MS;
    ranLastTurn = Math.min(Math.floor(credit), arrived - done);
    credit -= ranLastTurn;
    done += ranLastTurn;
    cpu += got;
    wait += held;
    if (arriving) frontCpu += m.frontMs;
    t += TICK_MS;
    if (done >= arrivals) return { ...estimate!, actualMs: t - arrivalMs };
  }
}

describe("the front's busy estimate in a burst", () => {
  it('a main thread slowed by the front while the burst arrives, whose queue in fact drains in time, is not refused', () => {
    // the front holds nine tenths of the core for a second; then the main thread has it whole
    const { wallEstimateMs, estimateMs, actualMs } = burst({ frontMs: 9, othersMs: 0, othersAfterMs: 0 });
    expect(actualMs).toBeLessThan(SLACK_QUEUE_MAX_MS); // ~4.7 s
    // the wall-clock pace alone (12 ms a request) would have turned this member away
    expect(wallEstimateMs).toBeGreaterThan(SLACK_QUEUE_MAX_MS);
    expect(busyAck(slash, FORM, estimateMs, SLACK_QUEUE_MAX_MS).run).toBe(true);
    // and the ack's "about N s" is near the truth, not 10 times it
    expect(estimateMs).toBeGreaterThan(actualMs * 0.8);
    expect(estimateMs).toBeLessThan(actualMs * 1.25);
  });

  it('a main thread slowed by other processes that stay is still refused when its answer would come too late', () => {
    // the same slowness, none of it the front's: other processes hold the core throughout
    const { estimateMs, actualMs } = burst({ frontMs: 0, othersMs: 9, othersAfterMs: 9 });
    expect(actualMs).toBeGreaterThan(SLACK_QUEUE_MAX_MS); // ~47 s
    const ack = busyAck(slash, FORM, estimateMs, SLACK_QUEUE_MAX_MS);
    expect(ack.run).toBe(false);
    expect(ack.body).toMatch(/Marquee is busy — try again in \d+ s/);
  });

  it('gives back only the front\'s part when the front and another process both held the core', () => {
    const { estimateMs, actualMs } = burst({ frontMs: 4, othersMs: 5, othersAfterMs: 5 });
    expect(actualMs).toBeLessThan(SLACK_QUEUE_MAX_MS); // ~9.4 s at half a core
    expect(busyAck(slash, FORM, estimateMs, SLACK_QUEUE_MAX_MS).run).toBe(true);
    expect(estimateMs).toBeGreaterThan(actualMs * 0.8);
    expect(estimateMs).toBeLessThan(actualMs * 1.25);
  });
});

describe('FrontShare', () => {
  const at = (t: number, cpuMs: number, waitMs: number, frontCpuMs: number) => ({ t, main: { cpuMs, waitMs }, frontCpuMs });

  it('changes nothing until its window spans enough time to believe', () => {
    const share = new FrontShare(1_000, 200);
    expect(share.withoutFront).toBe(1);
    share.sample(at(0, 0, 0, 0));
    share.sample(at(100, 10, 90, 90));
    expect(share.withoutFront).toBe(1);
    share.sample(at(200, 20, 180, 180));
    expect(share.withoutFront).toBeCloseTo(0.1, 10);
  });

  it('keeps blocking (an fsync) and its own CPU in, and gives back no more than the front used', () => {
    const share = new FrontShare();
    share.sample(at(0, 0, 0, 0));
    // 1,000 ms: 200 on a core, 500 waiting (the front used 100 of it), 300 blocked in I/O
    share.sample(at(1_000, 200, 500, 100));
    // 300 + 200 · 700 / 300
    expect(share.withoutFront).toBeCloseTo((300 + (200 * 700) / 300) / 1_000, 10);
  });

  it('forgets the burst when the queue empties, and looks only at the last window', () => {
    const share = new FrontShare(1_000);
    share.sample(at(0, 0, 0, 0));
    share.sample(at(1_000, 100, 900, 900));
    expect(share.withoutFront).toBeCloseTo(0.1, 10);
    share.sample(at(2_000, 1_100, 900, 900)); // a second on the core alone
    share.sample(at(3_000, 2_100, 900, 900));
    expect(share.withoutFront).toBe(1);
    share.sample(at(3_500, 2_150, 1_350, 1_350));
    share.idle();
    expect(share.withoutFront).toBe(1);
  });

  it('refuses clocks that are not numbers and a window shorter than its least span', () => {
    expect(() => new FrontShare(100, 200)).toThrow(RangeError);
    expect(() => new FrontShare().sample(at(Number.NaN, 0, 0, 0))).toThrow(/finite clocks/);
  });
});
