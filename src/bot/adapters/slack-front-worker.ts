/**
 * The Slack HTTP front's worker thread: it owns the socket on SLACK_PORT, checks each request's
 * signature, answers Slack at once (200: the ack, empty unless the bot is busy, see
 * ./slack-busy-ack.ts) and hands the verified body to the main thread (./slack-front.ts), which
 * runs it. Why a thread of its own: with 200 members sending 20
 * slash commands each in a burst, the ack waited behind the main thread's per-request work
 * (HTTP parsing, Bolt's body parsing, signature check and middleware, the response_url posts):
 * ack p50 7.8 s, p99 28.5 s, 3,146 of 4,000 acks past Slack's 3 s, while event-loop lag p99 was
 * only 9.6 ms (bench/load.ts, quiet machine). Here the ack no longer waits for any of it.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { thisThreadId } from '../../util/background-thread.ts';
import { BacklogEstimate, busyAck, type BacklogReport } from './slack-busy-ack.ts';
import type { Delivery } from './slack-replay.ts';
import { checkSlackSignature, isSslCheck, urlVerificationChallenge, type SignatureVerdict } from './slack-signature.ts';

export interface FrontOptions {
  port: number;
  host?: string;
  /** the one path Slack posts to, /slack/events */
  path: string;
  signingSecret: string;
  /** bytes; a larger body is answered 413 (Bolt's default limit is 4 MB) */
  bodyLimit: number;
  /** a slash command expected to wait longer than this is refused in its ack (ms; ./slack-busy-ack.ts) */
  maxWaitMs: number;
}

/** A signed request, acked already, for the main thread to run. */
export interface VerifiedRequest {
  rawBody: string;
  contentType?: string;
  /** x-slack-retry-num and -reason as Bolt reads them (undefined on a first delivery) */
  retryNum?: number;
  retryReason?: string;
  /** what the replay guard judges it by */
  delivery: Delivery;
  /** when it was read whole (Date.now() ms): its wait counts toward the dispatcher's busy bound */
  receivedAt: number;
}

export type FromFront =
  /** `tid`: this thread's id for the kernel (Linux), so that the others can yield to it */
  | { type: 'listening'; port: number; tid?: number }
  | { type: 'listen-failed'; message: string }
  /** the requests verified in one turn of this thread; `turnedAway`: slash commands refused busy meanwhile */
  | { type: 'requests'; requests: VerifiedRequest[]; turnedAway: number }
  | { type: 'refused'; verdict: Exclude<SignatureVerdict, 'ok'> }
  | { type: 'closed' };

export type ToFront = { type: 'stop' } | { type: 'backlog'; report: BacklogReport };

/** Connections waiting to be accepted (see the listen call). */
export const LISTEN_BACKLOG = 4096;

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Where an ack's time goes on the bot's side, as a W3C Server-Timing header: `head` from the
 * connection's accept to its request line and headers parsed, `read` from the accept to the
 * request read whole (the front's event loop reaching the socket, and the upload), `front` from
 * the accept to the 200, and `accept` with the accept's wall-clock time (desc: Unix ms, three
 * decimals). A client subtracts `front` from its own ack time to see what was spent before the
 * accept (the listen backlog, a SYN sent again) and on its own side; with `accept` it places each
 * step on its own clock (bench/load.ts reports both).
 */
export interface AckTiming {
  /** performance.now() of this thread when the connection was accepted */
  acceptedAt: number;
  /** when its request line and headers had been parsed (the server's 'request' event) */
  headAt: number;
  /** when the body had been read whole */
  readAt: number;
}

function serverTiming(t: AckTiming): string {
  const ms = (at: number) => (at - t.acceptedAt).toFixed(2);
  return `head;dur=${ms(t.headAt)}, read;dur=${ms(t.readAt)}, front;dur=${ms(performance.now())}, accept;desc="${(performance.timeOrigin + t.acceptedAt).toFixed(3)}"`;
}

/** Where verified requests go, and what the front knows of the main thread's backlog. */
export interface Handover {
  post(m: FromFront): void;
  /** a verified request to run */
  hand(r: VerifiedRequest): void;
  /** a slash command refused in its ack because the bot is busy */
  turnAway(): void;
  expectedWaitMs(): number;
}

/** Answers one complete request, and hands it to the main thread when it is to run. */
export function answer(opts: FrontOptions, req: IncomingMessage, rawBody: string, res: ServerResponse, to: Handover, timing?: AckTiming): void {
  const contentType = header(req, 'content-type');
  if (isSslCheck(rawBody, contentType)) {
    res.writeHead(200).end();
    return;
  }
  const signature = header(req, 'x-slack-signature');
  const timestamp = header(req, 'x-slack-request-timestamp');
  const verdict = checkSlackSignature(opts.signingSecret, rawBody, signature, timestamp);
  if (verdict !== 'ok') {
    res.writeHead(401).end();
    to.post({ type: 'refused', verdict });
    return;
  }
  const challenge = urlVerificationChallenge(rawBody, contentType);
  if (challenge !== undefined) {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ challenge }));
    return;
  }
  const ack = busyAck(rawBody, contentType, to.expectedWaitMs(), opts.maxWaitMs);
  const headers: Record<string, string> = timing ? { 'server-timing': serverTiming(timing) } : {};
  if (ack.body !== undefined) headers['content-type'] = 'application/json';
  res.writeHead(200, headers).end(ack.body);
  if (!ack.run) {
    to.turnAway();
    return;
  }
  const retryHeader = header(req, 'x-slack-retry-num');
  const retryNum = retryHeader === undefined ? undefined : Number.parseInt(retryHeader, 10);
  to.hand({
    rawBody,
    contentType,
    retryNum,
    retryReason: header(req, 'x-slack-retry-reason'),
    delivery: {
      signature: signature!,
      timestampS: Number(timestamp),
      bodyDigest: createHash('sha256').update(rawBody).digest('base64'),
      retryNum: retryNum || 0,
    },
    receivedAt: Date.now(),
  });
}

/**
 * Verified requests go to the main thread in one message per turn of this thread's event loop,
 * not one each: a burst's 4,000 messages cost the main thread a structured clone and a
 * dispatch apiece.
 */
function handover(post: (m: FromFront) => void, backlog: BacklogEstimate): Handover {
  let batch: VerifiedRequest[] = [];
  let turnedAway = 0;
  let flushing = false;
  const flush = () => {
    flushing = false;
    post({ type: 'requests', requests: batch, turnedAway });
    batch = [];
    turnedAway = 0;
  };
  const later = () => {
    if (flushing) return;
    flushing = true;
    setImmediate(flush);
  };
  return {
    post,
    hand(r) {
      batch.push(r);
      backlog.handOver();
      later();
    },
    turnAway() {
      turnedAway++;
      later();
    },
    expectedWaitMs: () => backlog.expectedWaitMs(),
  };
}

function serve(opts: FrontOptions, to: Handover) {
  const acceptedAt = new WeakMap<Socket, number>();
  const server = createServer((req, res) => {
    const headAt = performance.now();
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== opts.path) {
      res.writeHead(404).end();
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= opts.bodyLimit) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > opts.bodyLimit) res.writeHead(413).end();
      else {
        const readAt = performance.now();
        answer(opts, req, Buffer.concat(chunks).toString('utf8'), res, to, { acceptedAt: acceptedAt.get(req.socket) ?? headAt, headAt, readAt });
      }
    });
    req.on('error', () => res.destroy());
  });
  server.on('connection', (socket: Socket) => acceptedAt.set(socket, performance.now()));
  return server;
}

if (parentPort && (workerData as { front?: FrontOptions } | undefined)?.front) {
  const port = parentPort;
  const opts = (workerData as { front: FrontOptions }).front;
  const post = (m: FromFront) => port.postMessage(m);
  const backlog = new BacklogEstimate();
  const server = serve(opts, handover(post, backlog));
  server.once('error', (err) => post({ type: 'listen-failed', message: err.message }));
  // Node's default backlog (511) overflowed when 200 members' 4,000 commands opened their
  // connections within a second (bench/load.ts): dropped SYNs come back after the kernel's 1 s
  // retransmit, which set the ack p50 at 1.3 s. The kernel caps it at net.core.somaxconn.
  server.listen({ port: opts.port, host: opts.host, backlog: LISTEN_BACKLOG }, () => {
    const address = server.address();
    post({ type: 'listening', port: typeof address === 'object' && address ? address.port : opts.port, tid: thisThreadId() });
  });
  port.on('message', (m: ToFront) => {
    if (m.type === 'backlog') backlog.update(m.report);
    if (m.type !== 'stop') return;
    server.close(() => post({ type: 'closed' }));
    // idle keep-alive connections would hold close() open; a request still uploading gets a moment
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 1000).unref();
  });
}
