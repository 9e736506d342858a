/**
 * The real process on Slack's Socket Mode, end to end: SLACK_APP_TOKEN set, SLACK_API_URL at a
 * fake Slack whose apps.connections.open hands out a WebSocket on loopback. Slack says hello,
 * sends a slash command in an envelope, gets the ack with the envelope's id and the answer
 * through the response_url; then asks the client to reconnect (`disconnect`,
 * refresh_requested), and the bot opens a second connection and keeps working.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startMarquee, type MarqueeProcess } from '../helpers/real-process.ts';
import { sharedDataset } from '../helpers/shared-data.ts';
import { slashCommand, startFakeSlack, type FakeSlack, type FakeSocket } from './fake-slack.ts';

const DATA = sharedDataset('ml-100k');
const ACK_DEADLINE_MS = 3000;

describe.skipIf(!DATA)('Slack Socket Mode, the real process against a fake Slack', () => {
  let slack: FakeSlack;
  let marquee: MarqueeProcess;

  beforeAll(async () => {
    slack = await startFakeSlack();
    marquee = startMarquee({
      env: { MARQUEE_DATA: DATA, SLACK_BOT_TOKEN: 'xoxb-e2e', SLACK_APP_TOKEN: 'xapp-e2e', SLACK_API_URL: slack.apiUrl },
    });
    await marquee.waitForLine(/slack: running/);
  });
  afterAll(async () => {
    await marquee?.stop();
    marquee?.cleanup();
    await slack?.close();
  });

  /** a slash command in an envelope: acked in time with its envelope id, answered through the response_url */
  async function command(socket: FakeSocket, name: string, text: string) {
    const responseUrl = slack.responseUrl();
    const id = responseUrl.slice(responseUrl.lastIndexOf('/') + 1);
    const { envelopeId, ackMs } = await slack.sendEnvelope(socket, 'slash_commands', slashCommand(name, text, responseUrl));
    expect(socket.acks.has(envelopeId)).toBe(true);
    expect(ackMs).toBeLessThan(ACK_DEADLINE_MS);
    return vi.waitFor(
      () => {
        const answer = slack.responses.find((r) => r.id === id);
        expect(answer, `an answer posted to ${responseUrl}`).toBeDefined();
        return answer!.body;
      },
      { timeout: 30_000 },
    );
  }

  it('opens the connection through SLACK_API_URL with the app token, after checking the bot token', async () => {
    expect(slack.calls.slice(0, 2)).toEqual([
      { method: 'auth.test', params: {}, auth: 'Bearer xoxb-e2e' },
      { method: 'apps.connections.open', params: {}, auth: 'Bearer xapp-e2e' },
    ]);
    expect(slack.sockets).toHaveLength(1);
  });

  it('a slash command in an envelope: the ack carries the envelope id, the answer goes to the response_url', async () => {
    const socket = await slack.connection(0);
    expect(await command(socket, '/rate', 'Star Wars 4')).toMatchObject({ response_type: 'ephemeral', text: 'Rated Star Wars (1977): ★★★★ 4.' });
    const top = await command(socket, '/top', '');
    expect(top.response_type).toBe('in_channel');
  });

  it('reconnects when Slack sends disconnect (refresh_requested), and keeps working on the new connection', async () => {
    const first = await slack.connection(0);
    const opens = () => slack.calls.filter((c) => c.method === 'apps.connections.open').length;
    expect(opens()).toBe(1);
    first.ws.send(JSON.stringify({ type: 'disconnect', reason: 'refresh_requested', debug_info: { host: 'fake' } }));
    await first.closed; // the client closes the old connection
    const second = await slack.connection(1);
    expect(opens()).toBe(2);
    expect(await command(second, '/rate', 'Fargo 5')).toMatchObject({ text: 'Rated Fargo (1996): ★★★★★ 5.' });
    await marquee.waitForLine(/Socket Mode connected again/, 10_000);
  });
});
