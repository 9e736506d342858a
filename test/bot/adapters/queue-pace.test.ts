/**
 * The front's estimate of how fast the main thread works through a queue of Slack requests: what
 * decides whether a member's command is queued or refused "busy, try again".
 */
import { describe, expect, it } from 'vitest';
import { QueuePace } from '../../../src/bot/adapters/queue-pace.ts';

/** turns of `per` requests each `ms` apart from `t`, the first after an empty queue; returns the next turn's time */
function steady(pace: QueuePace, t: number, turns: number, per: number, ms: number, first = true): number {
  for (let k = 0; k < turns; k++) pace.turn(t + k * ms, k === 0 && first ? 0 : per);
  return t + turns * ms;
}

describe('the pace of the main thread through a burst', () => {
  it('is the first guess until enough requests have run, then requests per wall time', () => {
    const pace = new QueuePace(3, 1_000, 16);
    pace.turn(0, 0);
    pace.turn(8, 4); // 4 requests: too few to believe
    expect(pace.perRequestMs).toBe(3);
    steady(pace, 16, 10, 4, 8, false); // 4 requests every 8 ms
    expect(pace.perRequestMs).toBeCloseTo(2, 10);
  });

  it('one long turn (a collector pause) among a second of steady turns does not make the bot look busy', () => {
    const pace = new QueuePace(3);
    let t = steady(pace, 0, 125, 4, 6); // 1.5 ms per request for 750 ms
    pace.turn(t + 400, 4); // the turn that held the main thread 400 ms
    t += 400;
    t = steady(pace, t + 6, 40, 4, 6, false);
    // the old running mean (weight 0.1 per turn) jumped toward 100 ms per request and turned a
    // 3,000-request queue into "busy, try again"; over the window it stays near the truth
    expect(pace.perRequestMs).toBeLessThan(3);
    expect(3_000 * pace.perRequestMs).toBeLessThan(30_000);
  });

  it('follows a main thread that slows down, within the window', () => {
    const pace = new QueuePace(3, 1_000);
    const t = steady(pace, 0, 100, 4, 6); // 1.5 ms per request
    steady(pace, t, 200, 4, 20, false); // now 5 ms per request, for 4 s
    expect(pace.perRequestMs).toBeCloseTo(5, 1);
  });

  it('does not count the idle time between two bursts', () => {
    const pace = new QueuePace(3);
    steady(pace, 0, 50, 4, 8); // 2 ms per request
    pace.idle();
    steady(pace, 60_000, 50, 4, 8); // a minute later, the same pace
    expect(pace.perRequestMs).toBeCloseTo(2, 10);
  });

  it('refuses a pace it could not measure', () => {
    expect(() => new QueuePace(0)).toThrow(RangeError);
    expect(() => new QueuePace(3, -1)).toThrow(/positive/);
  });
});
