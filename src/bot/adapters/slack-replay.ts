/**
 * Replays on the HTTP endpoint. The signature check (./slack-signature.ts, Bolt's rules) proves a
 * request is signed with the signing secret and at most five minutes old, but not that it is new: a genuine signed request captured and sent
 * again unchanged within those five minutes ran again (measured: a rating went back from 4 to 2).
 * And Slack itself sends a request again (x-slack-retry-num 1, 2, 3: at once, after 1 min, after
 * 5 min) when the ack came late or got lost, though Marquee may already have acted on it.
 *
 * So every verified request leaves two marks: its signature (the same signature means the same
 * timestamp and body: it is an HMAC of both), kept while the check would still accept that timestamp;
 * and a digest of its body, kept for RETRY_WINDOW_S after it was last seen, against which only
 * Slack's retries are checked (they carry a new timestamp, so a new signature, over the same
 * body). A request that matches is answered 200 (so Slack stops retrying) and does nothing.
 */

import { SIGNATURE_MAX_AGE_S } from './slack-signature.ts';

/** Slack's third retry comes ~5 min after the second; a body is remembered this long after its last sighting. */
export const RETRY_WINDOW_S = 600;
/**
 * At most this many marks of each kind. 4,000 requests (200 members × 20 commands, the load
 * benchmark) fit many times over; past it the oldest mark goes, which reopens only that
 * request's replay (logged), rather than memory growing without bound under a flood.
 */
export const MAX_MARKS = 100_000;

/** What one verified request carries that tells whether it is new. */
export interface Delivery {
  signature: string;
  /** x-slack-request-timestamp, seconds */
  timestampS: number;
  /** sha256 of the raw body */
  bodyDigest: string;
  /** x-slack-retry-num, 0 on the first delivery */
  retryNum: number;
}

export type Verdict = 'new' | 'replay' | 'retry-already-seen';

/** A Map kept in expiry order, dropping what expired and, when full, the oldest. */
class ExpiringSet {
  private readonly until = new Map<string, number>();
  evicted = 0;
  constructor(private readonly max: number) {}
  has(key: string, nowS: number): boolean {
    const t = this.until.get(key);
    return t !== undefined && t >= nowS;
  }
  /** (re)marks `key` until `untilS`; re-inserting moves it to the end (Map keeps insertion order) */
  mark(key: string, untilS: number, nowS: number): void {
    this.until.delete(key);
    this.until.set(key, untilS);
    this.sweep(nowS);
  }
  private sweep(nowS: number): void {
    for (const [key, t] of this.until) {
      if (t >= nowS && this.until.size <= this.max) break;
      if (t >= nowS) this.evicted++;
      this.until.delete(key);
    }
  }
  get size(): number {
    return this.until.size;
  }
}

export class ReplayGuard {
  private readonly signatures: ExpiringSet;
  private readonly bodies: ExpiringSet;
  constructor(
    opts: { max?: number } = {},
    private readonly nowS: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.signatures = new ExpiringSet(opts.max ?? MAX_MARKS);
    this.bodies = new ExpiringSet(opts.max ?? MAX_MARKS);
  }

  /** Judges one verified request and marks it as seen. */
  check(d: Delivery): Verdict {
    const now = this.nowS();
    const replay = this.signatures.has(d.signature, now);
    const retrySeen = d.retryNum > 0 && this.bodies.has(d.bodyDigest, now);
    // the signature check accepts the timestamp until it is SIGNATURE_MAX_AGE_S old
    this.signatures.mark(d.signature, Math.max(d.timestampS, now) + SIGNATURE_MAX_AGE_S, now);
    this.bodies.mark(d.bodyDigest, now + RETRY_WINDOW_S, now);
    return replay ? 'replay' : retrySeen ? 'retry-already-seen' : 'new';
  }

  /** marks dropped before their time because the guard was full (each reopens one replay) */
  get evicted(): number {
    return this.signatures.evicted + this.bodies.evicted;
  }
  get size(): number {
    return this.signatures.size;
  }
}
