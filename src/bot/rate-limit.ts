/**
 * Per-member sliding-window rate limit: at most `count` commands in any `windowMs`. A sliding
 * window (the member's recent timestamps) has no burst at window edges, unlike fixed windows,
 * and the memory is bounded by `count` timestamps per active member.
 */

export interface RateLimitVerdict {
  ok: boolean;
  /** when refused: milliseconds until one more command is allowed */
  retryAfterMs: number;
}

export interface RateLimiter {
  /** Records a command for `key` at `now` if allowed. */
  check(key: string, now: number): RateLimitVerdict;
  readonly count: number;
  readonly windowMs: number;
}

export function createRateLimiter(opts: { count: number; windowMs: number }): RateLimiter {
  const { count, windowMs } = opts;
  const recent = new Map<string, number[]>();
  let checks = 0;

  function sweep(now: number): void {
    for (const [key, times] of recent) {
      if (times.length === 0 || times[times.length - 1] <= now - windowMs) recent.delete(key);
    }
  }

  return {
    count,
    windowMs,
    check(key, now) {
      if (count <= 0) return { ok: true, retryAfterMs: 0 };
      // forget idle members now and then so the map does not grow with every member ever seen
      if (++checks % 1000 === 0) sweep(now);
      let times = recent.get(key);
      if (!times) recent.set(key, (times = []));
      while (times.length > 0 && times[0] <= now - windowMs) times.shift();
      if (times.length >= count) return { ok: false, retryAfterMs: times[0] + windowMs - now };
      times.push(now);
      return { ok: true, retryAfterMs: 0 };
    },
  };
}
