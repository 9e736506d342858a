/**
 * A busy bot is honest in its ack. The Slack front (./slack-front-worker.ts) acks at once, but the
 * answer comes when the main thread gets to the command; in a burst that can be many seconds
 * later (4,000 commands in one second took ~13 s to answer, bench/load.ts). Slack shows a slash
 * command's ack body to the member, so the ack says what will happen:
 *
 * - expected wait under QUEUED_NOTICE_MS: an empty ack, the answer follows;
 * - up to the bound the front is given (SLACK_QUEUE_MAX_MS, 30 s): "⏳ Busy — your command is
 *   queued; the answer comes in about N s", and it runs — the dispatcher keeps that word
 *   (DispatchRequest.admitted) and never answers it busy later;
 * - past it: "Marquee is busy — try again in N s. Nothing was changed.", and it is not handed
 *   over at all: nothing is stored (a rating is never dropped silently) and the main thread, the
 *   bottleneck, spends nothing on it.
 *
 * Block actions (a click) and events carry no ack text Slack would show: they are always handed
 * over and, admitted like the rest, always run.
 *
 * The estimate: the main thread reports its backlog (./slack-front.ts) after each turn that
 * changes it; requests this thread handed over since, which the main thread had not yet received,
 * are added at the main thread's measured time per request.
 */
import { busyText, queuedText, QUEUED_NOTICE_MS } from '../busy.ts';
import { hasFormField } from './slack-signature.ts';

/** Main → front: the main thread's backlog as of its last turn. */
export interface BacklogReport {
  /** the wait of a request arriving on the main thread now, before it runs (ms) */
  waitMs: number;
  /** the main thread's wall time per request while it has a queue (ms), everything included */
  perRequestMs: number;
  /** how many requests the main thread has received from the front so far */
  received: number;
}

/** The front's view of the main thread's backlog. */
export class BacklogEstimate {
  private handed = 0;
  private last: BacklogReport = { waitMs: 0, perRequestMs: 0, received: 0 };

  /** a request was handed to the main thread */
  handOver(): void {
    this.handed++;
  }

  update(report: BacklogReport): void {
    this.last = report;
  }

  /** How long a request handed over now would wait before it runs (ms). */
  expectedWaitMs(): number {
    const unseen = Math.max(0, this.handed - this.last.received);
    return this.last.waitMs + unseen * this.last.perRequestMs;
  }
}

/** What the ack says and whether the request runs. */
export interface BusyAck {
  /** the ack's JSON body, undefined for an empty ack */
  body?: string;
  run: boolean;
}

const EMPTY: BusyAck = { run: true };

/** A slash command: form-encoded with a `command` field (interactions come as `payload`). */
function isSlashCommand(rawBody: string, contentType: string | undefined): boolean {
  return contentType?.startsWith('application/x-www-form-urlencoded') === true && hasFormField(rawBody, 'command');
}

/** The ack of a verified request given the expected wait; cheap when the bot is not busy. */
export function busyAck(rawBody: string, contentType: string | undefined, waitMs: number, maxWaitMs: number): BusyAck {
  if (waitMs < QUEUED_NOTICE_MS || !isSlashCommand(rawBody, contentType)) return EMPTY;
  const refuse = waitMs > maxWaitMs;
  const text = refuse ? busyText(waitMs) : queuedText(waitMs);
  return { body: JSON.stringify({ response_type: 'ephemeral', text }), run: !refuse };
}
