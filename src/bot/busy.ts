/**
 * What a busy bot tells a member, and when: one owner for the wait a command may have before the
 * member is told instead (the dispatcher refuses past it, the Slack front's ack says so at once)
 * and for the words. Kept free of imports: the Slack front's worker thread loads it too.
 */

/**
 * How long a command may wait for its turn before the member is told the bot is busy: Discord
 * wants an interaction answered (or deferred) within 3 s and a member waiting longer than a few
 * seconds is better told when to come back.
 */
export const DEFAULT_MAX_WAIT_MS = 5000;

/**
 * A slash command acked with nothing shows the member nothing until the answer; past this
 * expected wait the ack itself says the command is queued and for about how long.
 */
export const QUEUED_NOTICE_MS = 2000;

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** The refusal: nothing ran, so nothing changed, and the member knows when to come back. */
export function busyText(waitMs: number): string {
  return `Marquee is busy — try again in ${seconds(waitMs)} s. Nothing was changed.`;
}

/** The note of a command that will run, later than a member expects. */
export function queuedText(waitMs: number): string {
  return `⏳ Busy — your command is queued; the answer comes in about ${seconds(waitMs)} s.`;
}
