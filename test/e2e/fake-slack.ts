/**
 * A fake Slack on loopback for the real process (SLACK_API_URL points at it): the Web API
 * methods Marquee calls, the response_urls it answers through, the file upload URL, and Socket
 * Mode's WebSocket (apps.connections.open hands out ws://127.0.0.1:<port>/link/<n>). It records
 * everything so tests can read what Marquee sent, and signs HTTP requests as Slack does.
 *
 * Wire formats as Slack documents them: Web API calls are urlencoded forms with the token as a
 * Bearer header; a Socket Mode connection starts with a `hello`, each envelope is acked with
 * `{ envelope_id, payload }`, and `{ type: "disconnect", reason }` asks the client to reconnect.
 */
import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface ApiCall {
  method: string;
  params: Record<string, string>;
  auth: string | undefined;
}

export interface FakeSlackOptions {
  /** listen here (a port a test picked earlier); 0 = any free port */
  port?: number;
  /** tokens Slack accepts; any other gets invalid_auth */
  botToken?: string;
  appToken?: string;
}

/** One Socket Mode connection as the fake sees it. */
export interface FakeSocket {
  readonly ws: WebSocket;
  /** acks received, by envelope id */
  readonly acks: Map<string, { payload: unknown; at: number }>;
  readonly closed: Promise<void>;
}

export interface FakeSlack {
  /** http://127.0.0.1:<port> */
  readonly base: string;
  /** SLACK_API_URL: <base>/api/ */
  readonly apiUrl: string;
  readonly port: number;
  readonly calls: ApiCall[];
  /** posts to response_urls, in order */
  readonly responses: Array<{ id: string; body: Record<string, unknown> }>;
  /** raw bodies posted to upload URLs (multipart), by file id */
  readonly uploads: Array<{ id: string; file: Buffer }>;
  readonly sockets: FakeSocket[];
  /** the next `times` calls to `method` fail: an HTTP status (503: Slack is down) or a Slack error (invalid_auth) */
  failNext(method: string, times: number, failure: number | string): void;
  /**
   * A token revoked in the workspace: from now on every Web API call made with it answers `error`
   * (invalid_auth by default, token_revoked, account_inactive …). Open sockets stay open.
   */
  revoke(which: 'bot' | 'app', error?: string): void;
  /** a fresh response_url the fake will record posts to */
  responseUrl(): string;
  /** resolves with the n-th Socket Mode connection (0-based) once Slack has said hello on it */
  connection(n: number, ms?: number): Promise<FakeSocket>;
  /** sends an envelope on a connection; resolves with the time its ack took */
  sendEnvelope(socket: FakeSocket, type: string, payload: Record<string, unknown>, ms?: number): Promise<{ envelopeId: string; ackMs: number }>;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startFakeSlack(opts: FakeSlackOptions = {}): Promise<FakeSlack> {
  const botToken = opts.botToken ?? 'xoxb-e2e';
  const appToken = opts.appToken ?? 'xapp-e2e';
  const calls: ApiCall[] = [];
  const responses: FakeSlack['responses'] = [];
  const uploads: FakeSlack['uploads'] = [];
  const sockets: FakeSocket[] = [];
  const socketWaiters: Array<() => void> = [];
  let responseSeq = 0;
  let fileSeq = 0;
  let linkSeq = 0;
  let envelopeSeq = 0;
  let base = '';
  const failures = new Map<string, { times: number; failure: number | string }>();
  /** the error each revoked token's calls now get, by its Authorization header */
  const revoked = new Map<string, string>();

  const server: Server = createServer(async (req, res) => {
    const raw = await bodyOf(req);
    const url = req.url ?? '/';
    const json = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (url.startsWith('/respond/')) {
      responses.push({ id: url.slice('/respond/'.length), body: JSON.parse(raw.toString('utf8')) as Record<string, unknown> });
      return json({ ok: true });
    }
    if (url.startsWith('/upload/')) {
      // as to files.slack.com: the bytes go up as multipart form data
      const form = await new Response(raw, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData();
      const file = [...form.values()].find((v) => typeof v !== 'string') as Blob | undefined;
      uploads.push({ id: url.slice('/upload/'.length), file: file ? Buffer.from(await file.arrayBuffer()) : raw });
      res.writeHead(200).end('OK');
      return;
    }
    if (!url.startsWith('/api/')) {
      res.writeHead(404).end();
      return;
    }
    const method = url.slice('/api/'.length).replace(/\?.*$/, '');
    const params = Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
    const auth = req.headers.authorization;
    calls.push({ method, params, auth });
    const dead = auth === undefined ? undefined : revoked.get(auth);
    if (dead) return json({ ok: false, error: dead });
    const failing = failures.get(method);
    if (failing && failing.times > 0) {
      failing.times--;
      if (typeof failing.failure === 'number') return void res.writeHead(failing.failure).end();
      return json({ ok: false, error: failing.failure });
    }
    switch (method) {
      case 'auth.test':
        return json(auth === `Bearer ${botToken}` ? { ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' } : { ok: false, error: 'invalid_auth' });
      case 'apps.connections.open':
        if (auth !== `Bearer ${appToken}`) return json({ ok: false, error: 'invalid_auth' });
        return json({ ok: true, url: `${base.replace(/^http/, 'ws')}/link/${++linkSeq}?ticket=t${linkSeq}` });
      case 'conversations.open':
        return json({ ok: true, channel: { id: `D${params.users}` } });
      case 'files.getUploadURLExternal':
        fileSeq++;
        return json({ ok: true, upload_url: `${base}/upload/F${fileSeq}`, file_id: `F${fileSeq}` });
      case 'files.completeUploadExternal':
        return json({ ok: true, files: JSON.parse(params.files ?? '[]') });
      default:
        return json({ ok: true, ts: '1700000000.000100', channel: params.channel });
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/link/')) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      const acks: FakeSocket['acks'] = new Map();
      const closed = new Promise<void>((done) => ws.on('close', () => done()));
      ws.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { envelope_id?: string; payload?: unknown };
        if (msg.envelope_id) acks.set(msg.envelope_id, { payload: msg.payload, at: Date.now() });
      });
      const s: FakeSocket = { ws, acks, closed };
      sockets.push(s);
      ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A1' }, debug_info: { host: 'fake', approximate_connection_time: 3600 } }));
      for (const w of socketWaiters.splice(0)) w();
    });
  });

  await new Promise<void>((done) => server.listen(opts.port ?? 0, '127.0.0.1', done));
  const port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;

  return {
    base,
    apiUrl: `${base}/api/`,
    port,
    calls,
    responses,
    uploads,
    sockets,
    failNext: (method, times, failure) => void failures.set(method, { times, failure }),
    revoke: (which, error = 'invalid_auth') => void revoked.set(`Bearer ${which === 'bot' ? botToken : appToken}`, error),
    responseUrl: () => `${base}/respond/${++responseSeq}`,
    async connection(n, ms = 20_000) {
      const deadline = Date.now() + ms;
      while (sockets.length <= n) {
        if (Date.now() > deadline) throw new Error(`no Socket Mode connection #${n + 1} within ${ms} ms (${sockets.length} so far)`);
        await new Promise<void>((done) => {
          socketWaiters.push(done);
          setTimeout(done, 100);
        });
      }
      return sockets[n];
    },
    async sendEnvelope(socket, type, payload, ms = 10_000) {
      const envelopeId = `env-${++envelopeSeq}`;
      const sent = Date.now();
      socket.ws.send(JSON.stringify({ envelope_id: envelopeId, type, accepts_response_payload: type !== 'events_api', payload }));
      while (!socket.acks.has(envelopeId)) {
        if (Date.now() - sent > ms) throw new Error(`envelope ${envelopeId} (${type}) not acked within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return { envelopeId, ackMs: socket.acks.get(envelopeId)!.at - sent };
    },
    async close() {
      for (const s of sockets) s.ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

/** A slash command's fields as Slack sends them (the HTTP form and a Socket Mode payload alike). */
export function slashCommand(command: string, text: string, responseUrl: string, user = 'UANN'): Record<string, string> {
  return {
    token: 'legacy-verification-token',
    team_id: 'T1',
    team_domain: 'film-club',
    channel_id: 'C1',
    channel_name: 'movies',
    user_id: user,
    user_name: user.toLowerCase().slice(1),
    command,
    text,
    api_app_id: 'A1',
    response_url: responseUrl,
    trigger_id: `${Date.now()}.${Math.random().toString(36).slice(2)}`,
  };
}

/** The headers Slack signs a request with: v0=HMAC-SHA256(secret, "v0:<ts>:<body>"). */
export function slackSignature(secret: string, body: string, timestampS = Math.floor(Date.now() / 1000)): Record<string, string> {
  return {
    'x-slack-request-timestamp': String(timestampS),
    'x-slack-signature': `v0=${createHmac('sha256', secret).update(`v0:${timestampS}:${body}`).digest('hex')}`,
  };
}

/** A port nobody listens on (yet): listen on 0, note it, close. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((done) => probe.close(() => done()));
  return port;
}
