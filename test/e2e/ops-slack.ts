/**
 * The least of Slack the operations tests need: a Web API on loopback that answers auth.test
 * (what Marquee asks before it starts) and receives response_url posts (the member's answers),
 * and signed slash-command requests to the bot's /slack/events, as Slack sends them.
 * The fuller fake for the Slack end-to-end tests lives elsewhere; this one stays this small.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SIGNING_SECRET = '0123456789abcdef0123456789abcdef';

export interface FakeSlack {
  /** SLACK_API_URL for the bot */
  readonly apiUrl: string;
  /** a fresh response_url; its posts are collected under `answers(id)` */
  responseUrl(): { url: string; id: number };
  /** the JSON bodies posted to one response_url so far */
  answers(id: number): Array<{ text?: string }>;
  close(): Promise<void>;
}

export async function startFakeSlack(): Promise<FakeSlack> {
  const posted = new Map<number, Array<{ text?: string }>>();
  let next = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const url = req.url ?? '';
      if (url.startsWith('/api/auth.test')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', user: 'marquee' }));
        return;
      }
      const m = /^\/respond\/(\d+)$/.exec(url);
      if (m) {
        const list = posted.get(Number(m[1])) ?? [];
        list.push(JSON.parse(body || '{}') as { text?: string });
        posted.set(Number(m[1]), list);
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        return;
      }
      // any other Web API method: a plain ok keeps the bot going
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${base}/api/`,
    responseUrl() {
      const id = ++next;
      return { url: `${base}/respond/${id}`, id };
    },
    answers: (id) => posted.get(id) ?? [],
    close() {
      server.closeAllConnections();
      return new Promise((done) => server.close(() => done()));
    },
  };
}

/** Sends one slash command to the bot's HTTP receiver, signed as Slack signs it; resolves with the HTTP status. */
export async function sendSlash(
  botPort: number,
  cmd: { command: string; text: string; userId: string; responseUrl: string },
  secret = SIGNING_SECRET,
): Promise<number> {
  const body = new URLSearchParams({
    token: 'unused',
    team_id: 'T1',
    team_domain: 'marquee',
    channel_id: 'C1',
    channel_name: 'movies',
    user_id: cmd.userId,
    user_name: cmd.userId.toLowerCase(),
    command: cmd.command,
    text: cmd.text,
    api_app_id: 'A1',
    response_url: cmd.responseUrl,
    trigger_id: '1.2.3',
  }).toString();
  const ts = Math.floor(Date.now() / 1000).toString();
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  const res = await fetch(`http://127.0.0.1:${botPort}/slack/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': signature },
    body,
  });
  await res.text();
  return res.status;
}

/** A TCP port free right now on loopback (for the bot's receiver and health port). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const port = (s.address() as AddressInfo).port;
  await new Promise((done) => s.close(done));
  return port;
}
