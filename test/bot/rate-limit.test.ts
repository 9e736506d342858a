import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../src/bot/rate-limit.ts';

describe('the sliding-window rate limiter', () => {
  it('allows count commands in any window and says how long to wait', () => {
    const rl = createRateLimiter({ count: 3, windowMs: 1000 });
    expect([0, 100, 200].map((t) => rl.check('m', t).ok)).toEqual([true, true, true]);
    expect(rl.check('m', 300)).toEqual({ ok: false, retryAfterMs: 700 });
    // a refused command does not count against the member
    expect(rl.check('m', 999)).toEqual({ ok: false, retryAfterMs: 1 });
    expect(rl.check('m', 1000).ok).toBe(true); // the first one left the window
    expect(rl.check('m', 1001)).toEqual({ ok: false, retryAfterMs: 99 });
  });

  it('has no burst at window edges, unlike fixed windows', () => {
    const rl = createRateLimiter({ count: 2, windowMs: 1000 });
    rl.check('m', 990);
    rl.check('m', 995);
    expect(rl.check('m', 1005).ok).toBe(false);
  });

  it('keeps members apart, and "off" allows everything', () => {
    const rl = createRateLimiter({ count: 1, windowMs: 1000 });
    expect(rl.check('a', 0).ok).toBe(true);
    expect(rl.check('b', 0).ok).toBe(true);
    expect(rl.check('a', 1).ok).toBe(false);
    const off = createRateLimiter({ count: 0, windowMs: 0 });
    for (let i = 0; i < 100; i++) expect(off.check('a', i).ok).toBe(true);
  });

  it('stays correct after sweeping out idle members', () => {
    const rl = createRateLimiter({ count: 1, windowMs: 10 });
    for (let i = 0; i < 5000; i++) rl.check(`member-${i}`, i * 100);
    expect(rl.check('member-0', 1_000_000).ok).toBe(true);
  });
});
