/**
 * A fake Discord on loopback for the real process: the REST API (node:http) and the gateway (a
 * `ws` server) speaking Discord's v10 JSON protocol, as discord.js meets them with
 * DISCORD_API_URL=<api> (its gateway URL comes from GET /gateway/bot).
 *
 * Gateway: HELLO (op 10, heartbeat_interval) on connect; IDENTIFY (op 2) answered with the READY
 * dispatch (session_id, resume_gateway_url) or, for a wrong token, close code 4004; heartbeats
 * (op 1) acknowledged (op 11); RESUME (op 6) answered with the RESUMED dispatch when the session
 * and sequence match, else INVALID_SESSION (op 9), or close code 4004 for a token it no longer
 * accepts (revoke()). Dispatches carry increasing sequence numbers.
 * The resume URL is a path of its own (/resume), so a test can tell a RESUME arrived there.
 *
 * REST: /gateway/bot, /users/@me and the application's commands (GET/PUT, kept across restarts
 * of the bot) need `Authorization: Bot <token>` (401 otherwise); the interaction callback and the
 * webhook (edit @original, follow-ups) take the interaction token in the path, as Discord does.
 * Bodies are recorded as JSON, or payload_json and files for a multipart upload.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface RestCall {
  method: string;
  /** the path without the query, decoded, e.g. /api/v10/interactions/1/tok/callback */
  path: string;
  /** the JSON body, or payload_json of a multipart body */
  json: Record<string, unknown> & { type?: number; data?: Record<string, unknown> };
  files: Array<{ name: string; bytes: Buffer }>;
  at: number;
}

export interface GatewayFrame {
  op: number;
  d: unknown;
  /** the path the socket connected to: /gateway, or /resume for the resume URL */
  via: string;
  at: number;
}

export interface FakeDiscordOptions {
  token: string;
  applicationId: string;
  /** a port to listen on (to start the fake after the bot, on a port it already tries) */
  port?: number;
  /** milliseconds between heartbeats asked in HELLO (Discord: ~41 s; short here to see some) */
  heartbeatIntervalMs?: number;
  /** close the gateway with this code instead of answering IDENTIFY (4004, 4014 …) */
  closeOnIdentify?: number;
  /** revoke() right after the first READY: the bot's next authenticated REST call gets a 401 */
  revokeOnReady?: boolean;
}

export interface FakeDiscord {
  /** the REST base for DISCORD_API_URL */
  readonly api: string;
  readonly port: number;
  readonly rest: RestCall[];
  readonly frames: GatewayFrame[];
  /** the registered commands per route (global and per server), as the bot PUT them */
  readonly commands: Map<string, unknown[]>;
  /** sockets opened, in order, with the path each used */
  readonly connections: string[];
  /** sends a dispatch (op 0) on the open session's socket; its sequence number */
  dispatch(t: string, d: unknown): number;
  /** closes the open socket from the server side with `code` (a drop the bot must recover from) */
  drop(code: number): void;
  /**
   * The token is reset in the Developer Portal: from now on REST answers 401 to it and the gateway
   * closes IDENTIFY or RESUME with 4004. The open socket stays until drop().
   */
  revoke(): void;
  /** resolves with the first REST call matching, waiting up to `ms` */
  waitForCall(match: (c: RestCall) => boolean, ms?: number): Promise<RestCall>;
  waitForFrame(match: (f: GatewayFrame) => boolean, ms?: number): Promise<GatewayFrame>;
  close(): Promise<void>;
}

export const BOT_USER = { id: '111111111111111111', username: 'Marquee', discriminator: '0', global_name: null, avatar: null, bot: true } as const;

function wait<T>(find: () => T | undefined, ms: number, what: string): Promise<T> {
  return new Promise((done, fail) => {
    const started = Date.now();
    const tick = () => {
      const hit = find();
      if (hit !== undefined) return done(hit);
      if (Date.now() - started > ms) return fail(new Error(`fake Discord: no ${what} within ${ms} ms`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

async function readBody(req: IncomingMessage): Promise<Pick<RestCall, 'json' | 'files'>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  const files: RestCall['files'] = [];
  let json: RestCall['json'] = {};
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    for (const [key, value] of form.entries()) {
      if (key === 'payload_json') json = JSON.parse(String(value)) as RestCall['json'];
      else if (typeof value !== 'string') files.push({ name: value.name, bytes: Buffer.from(await value.arrayBuffer()) });
    }
  } else if (raw.length) json = JSON.parse(raw.toString('utf8')) as RestCall['json'];
  return { json, files };
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

let messageIds = 900_000_000_000_000_000n;

/** A message as Discord returns it for an edit or a follow-up. */
function message(channelId: string, body: RestCall['json'], files: RestCall['files']) {
  messageIds++;
  return {
    id: String(messageIds),
    channel_id: channelId,
    author: BOT_USER,
    content: typeof body.content === 'string' ? body.content : '',
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: [],
    mention_roles: [],
    attachments: files.map((f, i) => ({ id: String(i), filename: f.name, size: f.bytes.length, url: `https://cdn.invalid/${f.name}`, proxy_url: `https://cdn.invalid/${f.name}` })),
    embeds: Array.isArray(body.embeds) ? body.embeds : [],
    components: Array.isArray(body.components) ? body.components : [],
    pinned: false,
    type: 0,
    flags: typeof body.flags === 'number' ? body.flags : 0,
  };
}

export async function startFakeDiscord(opts: FakeDiscordOptions): Promise<FakeDiscord> {
  const rest: RestCall[] = [];
  const frames: GatewayFrame[] = [];
  const commands = new Map<string, unknown[]>();
  const connections: string[] = [];
  const heartbeat = opts.heartbeatIntervalMs ?? 1000;
  /** the token accepted now: opts.token until revoke() */
  let token: string | undefined = opts.token;
  let socket: WebSocket | undefined;
  let session: { id: string; seq: number } | undefined;
  let sessions = 0;
  let commandIds = 800_000_000_000_000_000n;

  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => send(res, 500, { message: String(err), code: 0 }));
  });
  const base = () => `127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = decodeURIComponent((req.url ?? '').replace(/\?.*$/, ''));
    const body = await readBody(req);
    const call: RestCall = { method: req.method ?? 'GET', path, ...body, at: Date.now() };
    rest.push(call);
    const route = path.replace(/^\/api\/v10/, '');
    // interactions and webhooks authenticate by the token in the path (discord.js sends no header)
    const open = /^\/(interactions|webhooks)\//.test(route);
    if (!open && (token === undefined || req.headers.authorization !== `Bot ${token}`)) return send(res, 401, { message: '401: Unauthorized', code: 0 });

    if (route === '/gateway/bot' && call.method === 'GET') {
      return send(res, 200, {
        url: `ws://${base()}/gateway`,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
      });
    }
    if (route === '/users/@me' && call.method === 'GET') return send(res, 200, BOT_USER);
    const commandsRoute = /^\/applications\/(\d+)(\/guilds\/\d+)?\/commands$/.exec(route);
    if (commandsRoute) {
      if (commandsRoute[1] !== opts.applicationId) return send(res, 404, { message: 'Unknown Application', code: 10002 });
      if (call.method === 'GET') return send(res, 200, commands.get(route) ?? []);
      if (call.method === 'PUT' && Array.isArray(call.json)) {
        // what Discord stores: the definitions plus the fields it adds
        const stored = (call.json as unknown[]).map((c) => ({
          ...(c as object),
          id: String(++commandIds),
          application_id: opts.applicationId,
          version: String(commandIds),
          type: (c as { type?: number }).type ?? 1,
          dm_permission: true,
          nsfw: false,
        }));
        commands.set(route, stored);
        return send(res, 200, stored);
      }
    }
    if (/^\/interactions\/\d+\/[^/]+\/callback$/.test(route) && call.method === 'POST') return send(res, 204);
    const webhook = /^\/webhooks\/(\d+)\/[^/]+(\/messages\/@original)?$/.exec(route);
    if (webhook) {
      if (webhook[2] && (call.method === 'PATCH' || call.method === 'GET')) return send(res, 200, message('300000000000000001', body.json, body.files));
      if (!webhook[2] && call.method === 'POST') return send(res, 200, message('300000000000000001', body.json, body.files));
      if (webhook[2] && call.method === 'DELETE') return send(res, 204);
    }
    return send(res, 404, { message: '404: Not Found', code: 0 });
  }

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, sock, head) => {
    const path = (req.url ?? '').replace(/\?.*$/, '');
    if (path !== '/gateway' && path !== '/resume') {
      sock.destroy();
      return;
    }
    wss.handleUpgrade(req, sock, head, (ws) => onSocket(ws, path));
  });

  function sendFrame(ws: WebSocket, payload: { op: number; d: unknown; s?: number | null; t?: string | null }): void {
    ws.send(JSON.stringify({ s: null, t: null, ...payload }));
  }

  function onSocket(ws: WebSocket, via: string): void {
    connections.push(via);
    socket = ws;
    sendFrame(ws, { op: 10, d: { heartbeat_interval: heartbeat } });
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { op: number; d: Record<string, unknown> | number | null };
      frames.push({ op: frame.op, d: frame.d, via, at: Date.now() });
      const d = (frame.d ?? {}) as Record<string, unknown>;
      switch (frame.op) {
        case 1:
          sendFrame(ws, { op: 11, d: null });
          break;
        case 2: {
          if (opts.closeOnIdentify !== undefined) return ws.close(opts.closeOnIdentify, 'refused by the fake');
          if (d.token !== token) return ws.close(4004, 'Authentication failed.');
          session = { id: `session-${++sessions}`, seq: 0 };
          session.seq++;
          sendFrame(ws, {
            op: 0,
            t: 'READY',
            s: session.seq,
            d: {
              v: 10,
              user: BOT_USER,
              guilds: [],
              session_id: session.id,
              resume_gateway_url: `ws://${base()}/resume`,
              application: { id: opts.applicationId, flags: 0 },
              user_settings: {},
              private_channels: [],
              relationships: [],
            },
          });
          if (opts.revokeOnReady) token = undefined;
          break;
        }
        case 6: {
          if (d.token !== token) return ws.close(4004, 'Authentication failed.');
          if (!session || d.session_id !== session.id || typeof d.seq !== 'number' || d.seq > session.seq) {
            sendFrame(ws, { op: 9, d: false });
            return;
          }
          session.seq++;
          sendFrame(ws, { op: 0, t: 'RESUMED', s: session.seq, d: {} });
          break;
        }
      }
    });
  }

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(opts.port ?? 0, '127.0.0.1', () => done());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    api: `http://127.0.0.1:${port}/api`,
    port,
    rest,
    frames,
    commands,
    connections,
    dispatch(t, d) {
      if (!socket || !session || socket.readyState !== socket.OPEN) throw new Error('fake Discord: no open session to dispatch on');
      session.seq++;
      sendFrame(socket, { op: 0, t, s: session.seq, d });
      return session.seq;
    },
    drop(code) {
      socket?.close(code, 'dropped by the fake');
    },
    revoke() {
      token = undefined;
    },
    waitForCall: (match, ms = 15_000) => wait(() => rest.find(match), ms, 'matching REST call'),
    waitForFrame: (match, ms = 15_000) => wait(() => frames.find(match), ms, 'matching gateway frame'),
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
