/**
 * What a busy bot tells a member, and when: one owner for the waits a command may have before the
 * member is told instead (the dispatcher refuses past DEFAULT_MAX_WAIT_MS; the Slack front's ack
 * says "queued" past QUEUED_NOTICE_MS and "busy" past SLACK_QUEUE_MAX_MS, and what it admitted
 * runs) and for the words. Kept free of imports: the Slack front's worker thread loads it too.
 */

/**
 * How long a command may wait for its turn before the member is told the bot is busy: Discord
 * wants an interaction answered (or deferred) within 3 s and a member waiting longer than a few
 * seconds is better told when to come back.
 */
export const DEFAULT_MAX_WAIT_MS = 5000;

/**
 * How long the Slack front lets a slash command queue, its ack saying "queued; the answer comes in
 * about N s", before it answers "busy, try again" instead. Longer than the dispatcher's bound:
 * Slack's answer goes on the response_url, open for 30 minutes, and a member told "about 12 s"
 * gets the answer without doing anything, where "try again" asks them to come back and adds a
 * command to the burst. Measured on the 2-core machine: a burst of 4,000 commands in one second is
 * answered within about 12 s, so at this bound every command of it runs.
 */
export const SLACK_QUEUE_MAX_MS = 30_000;

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
