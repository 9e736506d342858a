/**
 * A busy bot's ack: a member's slash command is acked empty while the bot keeps up, with "queued,
 * about N s" when the answer will be late, and with "busy, try again" (and not run) past the
 * busy bound. A click carries no ack text Slack would show, so it always runs.
 */
import { describe, expect, it } from 'vitest';
import { BacklogEstimate, busyAck } from '../../../src/bot/adapters/slack-busy-ack.ts';
import { DEFAULT_MAX_WAIT_MS, QUEUED_NOTICE_MS } from '../../../src/bot/busy.ts';

const FORM = 'application/x-www-form-urlencoded';
const slash = new URLSearchParams({ command: '/rate', text: 'The Matrix 4.5', user_id: 'UANN' }).toString();
const click = new URLSearchParams({ payload: JSON.stringify({ type: 'block_actions', actions: [] }) }).toString();
const text = (body: string | undefined) => (JSON.parse(body!) as { response_type: string; text: string });

describe('busyAck', () => {
  it('acks empty and runs the command while the expected wait is short', () => {
    expect(busyAck(slash, FORM, QUEUED_NOTICE_MS - 1, DEFAULT_MAX_WAIT_MS)).toEqual({ run: true });
  });

  it('says the command is queued and about how long, privately, and runs it', () => {
    const ack = busyAck(slash, FORM, 3200, DEFAULT_MAX_WAIT_MS);
    expect(ack.run).toBe(true);
    expect(text(ack.body)).toEqual({ response_type: 'ephemeral', text: '⏳ Busy — your command is queued; the answer comes in about 4 s.' });
  });

  it('past the busy bound, tells the member when to come back and runs nothing', () => {
    const ack = busyAck(slash, FORM, 12_400, DEFAULT_MAX_WAIT_MS);
    expect(ack.run).toBe(false);
    expect(text(ack.body).text).toBe('Marquee is busy — try again in 13 s. Nothing was changed.');
  });

  it('a click (block action) or a JSON event always runs with an empty ack: Slack would not show a note', () => {
    expect(busyAck(click, FORM, 60_000, DEFAULT_MAX_WAIT_MS)).toEqual({ run: true });
    expect(busyAck('{"type":"event_callback"}', 'application/json', 60_000, DEFAULT_MAX_WAIT_MS)).toEqual({ run: true });
  });
});

describe("the front's estimate of the main thread's backlog", () => {
  it("adds the requests handed over since the main thread's last report, at its time per request", () => {
    const backlog = new BacklogEstimate();
    expect(backlog.expectedWaitMs()).toBe(0);
    for (let k = 0; k < 10; k++) backlog.handOver();
    backlog.update({ waitMs: 900, perRequestMs: 3, received: 4 });
    // 6 handed over that the main thread had not received yet
    expect(backlog.expectedWaitMs()).toBe(900 + 6 * 3);
    backlog.update({ waitMs: 30, perRequestMs: 3, received: 10 });
    expect(backlog.expectedWaitMs()).toBe(30);
  });
});
