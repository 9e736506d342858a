/**
 * The members of bench/load.ts, in a worker thread of their own so that sending 4,000 requests
 * does not take turns with the bot on its event loop: Slack's side of the wire. It sends signed
 * slash commands to the bot's real HTTP endpoint, each on a new connection, with response_urls
 * on the fake Web API (./load-api.ts, a thread of its own), which passes each answer on.
 *
 * Slack's senders do not run on the bot's cores in production; here they share two cores with it,
 * so this side is kept as cheap per request as it honestly can be: every request of a burst is
 * signed and built as bytes before the burst starts (its timestamp stays inside Slack's 5
 * minutes), written on a raw socket (node:net, not node:http's client and agent), and only the
 * status line, the Server-Timing header and a body that is there are read; one timer sends what
 * is due, one set of socket handlers serves every connection, times go to typed arrays. The ack
 * is still timed whole: from just before the connect to the response's first bytes seen here.
 *
 * Messages: → {kind:'ready'}; ← {kind:'go', slackPort, apiPort, answers: MessagePort}; → {kind:'result', ...}.
 */
import { createHmac } from 'node:crypto';
import { Socket } from 'node:net';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { threadClock } from '../src/util/thread-clock.ts';
import type { Answer } from './load-api.ts';
import { picker } from './measure.ts';

export interface LoadPlan {
  mode: 'load' | 'soak';
  secret: string;
  members: number;
  /** load: commands per member, all sent within `spreadMs` of the start */
  commandsPerMember: number;
  spreadMs: number;
  /** soak: how long, and the pause between two commands of one member */
  soakMs: number;
  soakEveryMs: number;
  /** movie ids the members rate and ask about */
  movies: string[];
  /** how long to wait for the last answers after the last ack */
  answerGraceMs: number;
}

/** One command as the member saw it. */
export interface CommandOutcome {
  member: string;
  line: string;
  /** 0 when the request failed at the connection */
  status: number;
  sentAt: number;
  ackMs: number;
  /** ms from sending until the response ended (the connection closed) */
  closedMs: number;
  /** ms from sending until the TCP handshake completed (the kernel's, before the bot accepts) */
  connectMs: number;
  /** the bot's own account (its Server-Timing header): accept → headers parsed, → request read, → 200; NaN without one */
  headMs: number;
  readMs: number;
  frontMs: number;
  /**
   * Wall-clock times (Unix ms, this thread's performance.timeOrigin + now(), so comparable across
   * threads): the command sent, the client's event loop seeing the connection up (its request is
   * written in that same callback), the front's accept (from Server-Timing), and the client's
   * loop seeing the ack. NaN when unknown.
   */
  wall: { sent: number; connectSeen: number; accepted: number; ackSeen: number };
  /** the text of the ack's body, when it says something (a busy bot's note) */
  ackText: string;
  /** ms from sending to the answer on the response_url; NaN when none came */
  answerMs: number;
  /** the answer's text (the last non-progress post) */
  answer: string;
}

export type ClientMessage =
  | { kind: 'ready' }
  | { kind: 'result'; outcomes: CommandOutcome[]; /** this thread's own CPU, before and during the sends */ cpu: MembersCpu; lagMs: number[]; /** each lag sample's wall-clock time (Unix ms) */ lagAt: number[]; /** this thread's performance.timeOrigin: its clock's zero */ timeOrigin: number };

const port = parentPort;
if (!port) throw new Error('load-client.ts runs as a worker thread (see bench/load.ts)');
const plan = (workerData as { plan: LoadPlan }).plan;

/** each command's answer, as the fake Web API timed it on arrival (Unix ms) */
const answers = new Map<number, { at: number; text: string }>();

/** One command, its bytes built (and signed) before it is sent. */
interface Prepared {
  member: string;
  line: string;
  bytes: Buffer;
}

/** The request Slack would send for `line`, signed now, as bytes for a raw socket. */
function prepare(apiPort: number, slackPort: number, id: number, member: string, line: string): Prepared {
  const [, name, text] = /^\/(\S+)\s*(.*)$/.exec(line)!;
  const body = new URLSearchParams({
    command: `/${name}`,
    text,
    user_id: member,
    user_name: member.toLowerCase(),
    channel_id: 'CLOAD',
    team_id: 'T1',
    api_app_id: 'A1',
    response_url: `http://127.0.0.1:${apiPort}/respond/${id}`,
    trigger_id: String(id),
  }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = `v0=${createHmac('sha256', plan.secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  const head =
    `POST /slack/events HTTP/1.1\r\nhost: 127.0.0.1:${slackPort}\r\ncontent-type: application/x-www-form-urlencoded\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\nx-slack-request-timestamp: ${ts}\r\nx-slack-signature: ${sig}\r\n\r\n`;
  return { member, line, bytes: Buffer.from(head + body, 'utf8') };
}

/**
 * Every command's times, one slot per command (index = its response_url id − 1), in typed arrays
 * rather than an object and a promise per request: this thread stands in for Slack's senders,
 * which do not share the bot's cores in production, so what it spends per request is kept small
 * (the ack is still timed whole: from before the connect to the first byte of the response seen).
 */
class Clock {
  readonly sentAt: Float64Array;
  readonly connectSeen: Float64Array;
  readonly ackSeen: Float64Array;
  readonly closed: Float64Array;
  readonly status: Uint16Array;
  /** the response's head and body as read (latin1 of the bytes); only its first line and Server-Timing are parsed */
  readonly response: string[];
  constructor(n: number) {
    this.sentAt = new Float64Array(n).fill(NaN);
    this.connectSeen = new Float64Array(n).fill(NaN);
    this.ackSeen = new Float64Array(n).fill(NaN);
    this.closed = new Float64Array(n).fill(NaN);
    this.status = new Uint16Array(n);
    this.response = new Array<string>(n).fill('');
  }
}

/** A connection that knows which command it carries: one set of handlers shared by all. */
class CommandSocket extends Socket {
  index = 0;
  bytes?: Buffer;
  done?: (index: number) => void;
}

let clock = new Clock(0);

function onConnect(this: CommandSocket): void {
  clock.connectSeen[this.index] = performance.now();
  this.write(this.bytes!);
  this.bytes = undefined;
}

function onData(this: CommandSocket, chunk: Buffer): void {
  const k = this.index;
  // the ack is the status line: the front's empty 200 ends only when the connection closes
  if (clock.response[k] === '') clock.ackSeen[k] = performance.now();
  clock.response[k] += chunk.toString('latin1');
}

function onEnd(this: CommandSocket): void {
  const k = this.index;
  if (Number.isFinite(clock.closed[k])) return; // failed already
  clock.closed[k] = performance.now();
  clock.status[k] = statusOf(clock.response[k]);
  this.done?.(k);
}

function onError(this: CommandSocket): void {
  const k = this.index;
  if (!Number.isFinite(clock.ackSeen[k])) clock.ackSeen[k] = performance.now();
  if (!Number.isFinite(clock.closed[k])) {
    clock.closed[k] = performance.now();
    clock.status[k] = 0;
    this.done?.(k);
  }
}

/** Sends command `k` (prepared bytes) on a new connection; `done` when the response has ended or failed. */
function send(slackPort: number, k: number, bytes: Buffer, done?: (index: number) => void): void {
  const socket = new CommandSocket();
  socket.index = k;
  socket.bytes = bytes;
  socket.done = done;
  socket.once('connect', onConnect);
  socket.on('data', onData);
  socket.once('end', onEnd);
  socket.once('error', onError);
  clock.sentAt[k] = performance.now();
  socket.connect(slackPort, '127.0.0.1');
}

function statusOf(response: string): number {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(response);
  return m ? Number(m[1]) : 0;
}

function headerOf(head: string, name: string): string | undefined {
  return new RegExp(`\\r\\n${name}:[ \\t]*([^\\r]*)`, 'i').exec(head)?.[1];
}

/** The response's body: after the head, chunked transfer coding undone. */
function bodyOf(response: string): string {
  const split = response.indexOf('\r\n\r\n');
  if (split < 0) return '';
  const head = response.slice(0, split);
  let raw = response.slice(split + 4);
  if (/chunked/i.test(headerOf(head, 'transfer-encoding') ?? '')) {
    let out = '';
    for (;;) {
      const eol = raw.indexOf('\r\n');
      const size = Number.parseInt(raw.slice(0, eol), 16);
      if (!(size > 0)) break;
      out += raw.slice(eol + 2, eol + 2 + size);
      raw = raw.slice(eol + 2 + size + 2);
    }
    raw = out;
  }
  return Buffer.from(raw, 'latin1').toString('utf8');
}

/** Command `k`'s outcome as the member saw it, read from its slot once the run is over. */
function outcomeOf(k: number, p: Prepared): CommandOutcome {
  const wall = (at: number) => performance.timeOrigin + at;
  const sentAt = clock.sentAt[k];
  const response = clock.response[k];
  const split = response.indexOf('\r\n\r\n');
  const timing = split < 0 ? '' : (headerOf(response.slice(0, split), 'server-timing') ?? '');
  const ms = (name: string) => Number(new RegExp(`(?:^|,\\s*)${name};dur=([\\d.]+)`).exec(timing)?.[1] ?? NaN);
  const body = bodyOf(response);
  return {
    member: p.member,
    line: p.line,
    status: clock.status[k],
    sentAt,
    ackMs: clock.ackSeen[k] - sentAt,
    closedMs: clock.closed[k] - sentAt,
    connectMs: clock.connectSeen[k] - sentAt,
    headMs: ms('head'),
    readMs: ms('read'),
    frontMs: ms('front'),
    wall: {
      sent: wall(sentAt),
      connectSeen: wall(clock.connectSeen[k]),
      accepted: Number(/(?:^|,\s*)accept;desc="([\d.]+)"/.exec(timing)?.[1] ?? NaN),
      ackSeen: wall(clock.ackSeen[k]),
    },
    ackText: body === '' ? '' : ackNote(body),
    answerMs: NaN,
    answer: '',
  };
}

/** A member's mix: rate, recommend, top, because, movie (ratings first, as a new member would). */
function commandsFor(k: number, count: number): string[] {
  const pick = picker(1000 + k);
  const movie = () => plan.movies[pick(plan.movies.length)];
  // a member rates each movie once: commands on separate connections may be handled in another
  // order than sent, so "the last score given" would be ambiguous
  const unrated = [...plan.movies];
  const out: string[] = [];
  for (let c = 0; c < count; c++) {
    const roll = c < 3 ? 0 : pick(10);
    if (roll < 4 && unrated.length > 0) out.push(`/rate id:${unrated.splice(pick(unrated.length), 1)[0]} ${(1 + pick(9)) / 2}`);
    else if (roll < 6) out.push('/recommend');
    else if (roll < 7) out.push('/top');
    else if (roll < 9) out.push(`/because id:${movie()}`);
    else out.push(`/movie id:${movie()}`);
  }
  return out;
}

/** The text a member sees in an ack's JSON body. */
function ackNote(body: string): string {
  try {
    return String((JSON.parse(body) as { text?: string }).text ?? body);
  } catch {
    return body;
  }
}

/** A command refused in its ack ("busy, try again") is answered there: nothing follows it. */
const answeredInAck = (o: CommandOutcome) => o.ackText.startsWith('Marquee is busy');

/** Waits (up to answerGraceMs) for the answers of the commands acked 200 and not refused in the ack. */
async function settle(outcomes: CommandOutcome[], ids: number[]): Promise<CommandOutcome[]> {
  const deadline = performance.now() + plan.answerGraceMs;
  let waiting = ids.filter((id, k) => outcomes[k].status === 200 && !answeredInAck(outcomes[k]));
  while (performance.now() < deadline && waiting.length > 0) {
    await new Promise((r) => setTimeout(r, 100));
    waiting = waiting.filter((id) => !answers.has(id));
  }
  return outcomes.map((outcome, k) => {
    const a = answers.get(ids[k]);
    if (a) return { ...outcome, answerMs: a.at - outcome.wall.sent, answer: a.text };
    return answeredInAck(outcome) ? { ...outcome, answerMs: outcome.ackMs, answer: outcome.ackText } : outcome;
  });
}

/** This thread's CPU (ms) at the points of a run that split it: before preparing, at the first send, after the last response. */
export interface MembersCpu {
  /** signing and building every request, before the burst */
  prepareMs: number;
  /** from the first send to the last response ended: connecting, writing, reading and timing */
  sendMs: number;
  requests: number;
}

const cpuNow = () => threadClock()?.cpuMs ?? NaN;

async function runLoad(apiPort: number, slackPort: number): Promise<{ outcomes: CommandOutcome[]; cpu: MembersCpu }> {
  const pick = picker(7);
  const prepared: Prepared[] = [];
  const at: number[] = [];
  const cpuAtGo = cpuNow();
  for (let k = 0; k < plan.members; k++) {
    const member = `ULOAD${String(k).padStart(4, '0')}`;
    const lines = commandsFor(k, plan.commandsPerMember);
    // each member's commands at random moments of the first spreadMs, in their order
    const times = lines.map(() => pick(plan.spreadMs)).sort((a, b) => a - b);
    lines.forEach((line, c) => {
      // every request signed before the burst: its timestamp stays well inside Slack's 5 minutes
      prepared.push(prepare(apiPort, slackPort, prepared.length + 1, member, line));
      at.push(times[c]);
    });
  }
  const n = prepared.length;
  clock = new Clock(n);
  const order = Array.from({ length: n }, (_, k) => k).sort((a, b) => at[a] - at[b]);
  const cpuAtStart = cpuNow();
  let ended = 0;
  let allEnded!: () => void;
  const over = new Promise<void>((r) => (allEnded = r));
  const done = () => ++ended === n && allEnded();
  // one timer for the whole schedule: each tick sends every command that is due
  const t0 = performance.now();
  let next = 0;
  const tick = () => {
    const now = performance.now() - t0;
    while (next < n && at[order[next]] <= now) {
      const k = order[next++];
      send(slackPort, k, prepared[k].bytes, done);
    }
    if (next < n) setTimeout(tick, Math.max(0, at[order[next]] - (performance.now() - t0)));
  };
  tick();
  if (n > 0) await over;
  const cpuAtEnd = cpuNow();
  const outcomes = await settle(
    prepared.map((p, k) => outcomeOf(k, p)),
    prepared.map((_, k) => k + 1),
  );
  return { outcomes, cpu: { prepareMs: cpuAtStart - cpuAtGo, sendMs: cpuAtEnd - cpuAtStart, requests: n } };
}

async function runSoak(apiPort: number, slackPort: number): Promise<{ outcomes: CommandOutcome[]; cpu: MembersCpu }> {
  const perMember = Math.ceil(plan.soakMs / plan.soakEveryMs) + 1;
  clock = new Clock(plan.members * perMember);
  const sent: Array<{ k: number; p: Prepared }> = [];
  const end = performance.now() + plan.soakMs;
  const cpuAtStart = cpuNow();
  await Promise.all(
    Array.from({ length: plan.members }, async (_, m) => {
      const member = `USOAK${String(m).padStart(4, '0')}`;
      const lines = commandsFor(m, perMember);
      // staggered starts, so that the load is even
      await new Promise((r) => setTimeout(r, (m * plan.soakEveryMs) / plan.members));
      for (let c = 0; c < lines.length && performance.now() < end; c++) {
        const k = sent.length;
        // signed when sent: a soak outlasts Slack's 5-minute window
        const p = prepare(apiPort, slackPort, k + 1, member, lines[c]);
        sent.push({ k, p });
        await new Promise<void>((resolve) => send(slackPort, k, p.bytes, () => resolve()));
        await new Promise((r) => setTimeout(r, plan.soakEveryMs));
      }
    }),
  );
  const cpu = { prepareMs: 0, sendMs: cpuNow() - cpuAtStart, requests: sent.length };
  const outcomes = await settle(
    sent.map(({ k, p }) => outcomeOf(k, p)),
    sent.map(({ k }) => k + 1),
  );
  return { outcomes, cpu };
}

/**
 * This thread's own event-loop lag (late 2 ms ticks): an ack is timed when this loop gets to the
 * response, so a busy client adds to every ack it measures; the report says how much.
 */
function lagMeter(): { samples: number[]; at: number[]; stop(): void } {
  const samples: number[] = [];
  const at: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    samples.push(Math.max(0, now - last - 2));
    at.push(performance.timeOrigin + now);
    last = now;
  }, 2);
  return { samples, at, stop: () => clearInterval(timer) };
}

port.on('message', (msg: { kind: 'go'; slackPort: number; apiPort: number; answers: MessagePort }) => {
  if (msg.kind !== 'go') return;
  msg.answers.on('message', (a: Answer) => answers.set(a.id, { at: a.at, text: a.text }));
  const lag = lagMeter();
  const run = plan.mode === 'load' ? runLoad(msg.apiPort, msg.slackPort) : runSoak(msg.apiPort, msg.slackPort);
  void run.then(({ outcomes, cpu }) => {
    lag.stop();
    msg.answers.close();
    port.postMessage({ kind: 'result', outcomes, cpu, lagMs: lag.samples, lagAt: lag.at, timeOrigin: performance.timeOrigin } satisfies ClientMessage);
  });
});
port.postMessage({ kind: 'ready' } satisfies ClientMessage);
