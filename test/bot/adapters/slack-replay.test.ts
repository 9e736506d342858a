import { describe, expect, it } from 'vitest';
import { MAX_MARKS, RETRY_WINDOW_S, ReplayGuard, type Delivery } from '../../../src/bot/adapters/slack-replay.ts';
import { SIGNATURE_MAX_AGE_S } from '../../../src/bot/adapters/slack-signature.ts';

/** a guard on a clock the test moves */
function guardAt(startS = 1_800_000_000, max?: number) {
  const clock = { now: startS };
  return { guard: new ReplayGuard({ max }, () => clock.now), clock };
}
const delivery = (signature: string, timestampS: number, extra: Partial<Delivery> = {}): Delivery => ({
  signature,
  timestampS,
  bodyDigest: `body-of-${signature}`,
  retryNum: 0,
  ...extra,
});

describe('ReplayGuard', () => {
  it('a request seen once is new; the same signed request again is a replay', () => {
    const { guard, clock } = guardAt();
    const rateTwo = delivery('v0=aaa', clock.now);
    expect(guard.check(rateTwo)).toBe('new');
    expect(guard.check(delivery('v0=bbb', clock.now))).toBe('new');
    clock.now += 120;
    expect(guard.check(rateTwo)).toBe('replay');
  });

  it('remembers a signature exactly as long as Bolt would accept its timestamp', () => {
    const { guard, clock } = guardAt();
    const signed = delivery('v0=aaa', clock.now);
    guard.check(signed);
    clock.now += SIGNATURE_MAX_AGE_S; // the last second the signature check still accepts it
    expect(guard.check(signed)).toBe('replay');
  });

  it("Slack's retry of a body already received is caught, though its timestamp and signature are new", () => {
    const { guard, clock } = guardAt();
    expect(guard.check(delivery('v0=first', clock.now, { bodyDigest: 'rate-toy-story-5' }))).toBe('new');
    clock.now += 60; // Slack's second retry comes after a minute
    expect(guard.check(delivery('v0=retry1', clock.now, { bodyDigest: 'rate-toy-story-5', retryNum: 1 }))).toBe('retry-already-seen');
    clock.now += 300; // the third after five more: still remembered, each sighting renews the body's mark
    expect(guard.check(delivery('v0=retry2', clock.now, { bodyDigest: 'rate-toy-story-5', retryNum: 2 }))).toBe('retry-already-seen');
  });

  it('a retry of a request never received runs (the first delivery was lost)', () => {
    const { guard, clock } = guardAt();
    expect(guard.check(delivery('v0=retry', clock.now, { bodyDigest: 'lost', retryNum: 1 }))).toBe('new');
  });

  it('forgets a body RETRY_WINDOW_S after it was last seen', () => {
    const { guard, clock } = guardAt();
    guard.check(delivery('v0=first', clock.now, { bodyDigest: 'b' }));
    clock.now += RETRY_WINDOW_S + 1;
    expect(guard.check(delivery('v0=late', clock.now, { bodyDigest: 'b', retryNum: 3 }))).toBe('new');
  });

  it('stays bounded: expired marks are dropped, and when full the oldest goes (counted)', () => {
    const { guard, clock } = guardAt(1_800_000_000, 3);
    for (const s of ['a', 'b', 'c']) guard.check(delivery(s, clock.now));
    expect(guard.size).toBe(3);
    guard.check(delivery('d', clock.now));
    expect(guard.size).toBe(3);
    expect(guard.evicted).toBe(2); // the oldest signature and the oldest body
    expect(guard.check(delivery('d', clock.now))).toBe('replay');
    clock.now += RETRY_WINDOW_S + 1;
    guard.check(delivery('e', clock.now));
    expect(guard.size).toBe(1);
    expect(MAX_MARKS).toBeGreaterThanOrEqual(4000 * 10); // the load benchmark's 4,000 requests, many times over
  });
});
