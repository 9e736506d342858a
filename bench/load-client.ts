/**
 * The members of bench/load.ts, in a worker thread of their own so that sending 4,000 requests
 * does not take turns with the bot on its event loop: Slack's side of the wire. It sends signed
 * slash commands to the bot's real HTTP endpoint, each on a new connection, with response_urls
 * on the fake Web API (./load-api.ts, a thread of its own), which passes each answer on.
 *
 * Messages: → {kind:'ready'}; ← {kind:'go', slackPort, apiPort, answers: MessagePort}; → {kind:'result', ...}.
 */
import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
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
  | { kind: 'result'; outcomes: CommandOutcome[]; lagMs: number[]; /** each lag sample's wall-clock time (Unix ms) */ lagAt: number[]; /** this thread's performance.timeOrigin: its clock's zero */ timeOrigin: number };

const port = parentPort;
if (!port) throw new Error('load-client.ts runs as a worker thread (see bench/load.ts)');
const plan = (workerData as { plan: LoadPlan }).plan;

/** each command's answer, as the fake Web API timed it on arrival (Unix ms) */
const answers = new Map<number, { at: number; text: string }>();

function sign(body: string): Record<string, string> {
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = `v0=${createHmac('sha256', plan.secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': ts, 'x-slack-signature': sig };
}

let nextId = 0;

/** Sends one slash command on a new connection; resolves at the ack. */
function send(apiPort: number, slackPort: number, member: string, line: string): Promise<{ id: number; outcome: CommandOutcome }> {
  const id = ++nextId;
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
  const sentAt = performance.now();
  const wall = (at: number) => performance.timeOrigin + at;
  const outcome: CommandOutcome = {
    member,
    line,
    status: 0,
    sentAt,
    ackMs: NaN,
    closedMs: NaN,
    connectMs: NaN,
    headMs: NaN,
    readMs: NaN,
    frontMs: NaN,
    wall: { sent: wall(sentAt), connectSeen: NaN, accepted: NaN, ackSeen: NaN },
    ackText: '',
    answerMs: NaN,
    answer: '',
  };
  return new Promise((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: slackPort,
        path: '/slack/events',
        method: 'POST',
        agent: false, // a new connection for every command
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), connection: 'close', ...sign(body) },
      },
      (res) => {
        // the ack is the status line: Bolt's empty 200 may end only when the connection closes
        outcome.status = res.statusCode ?? 0;
        const seen = performance.now();
        outcome.ackMs = seen - sentAt;
        outcome.wall.ackSeen = wall(seen);
        const timing = String(res.headers['server-timing'] ?? '');
        outcome.headMs = Number(/(?:^|,\s*)head;dur=([\d.]+)/.exec(timing)?.[1] ?? NaN);
        outcome.wall.accepted = Number(/(?:^|,\s*)accept;desc="([\d.]+)"/.exec(timing)?.[1] ?? NaN);
        outcome.readMs = Number(/(?:^|,\s*)read;dur=([\d.]+)/.exec(timing)?.[1] ?? NaN);
        outcome.frontMs = Number(/(?:^|,\s*)front;dur=([\d.]+)/.exec(timing)?.[1] ?? NaN);
        res.setEncoding('utf8');
        res.on('data', (c: string) => (outcome.ackText += c));
        res.on('end', () => {
          outcome.closedMs = performance.now() - sentAt;
          if (outcome.ackText !== '') outcome.ackText = ackNote(outcome.ackText);
          resolve({ id, outcome });
        });
      },
    );
    req.on('socket', (socket) =>
      socket.once('connect', () => {
        const at = performance.now();
        outcome.connectMs = at - sentAt;
        outcome.wall.connectSeen = wall(at);
      }),
    );
    req.on('error', () => {
      outcome.ackMs = performance.now() - sentAt;
      resolve({ id, outcome });
    });
    req.end(body);
  });
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

async function settle(sent: Array<{ id: number; outcome: CommandOutcome }>): Promise<CommandOutcome[]> {
  const deadline = performance.now() + plan.answerGraceMs;
  while (performance.now() < deadline && sent.some((s) => s.outcome.status === 200 && !answers.has(s.id) && !answeredInAck(s.outcome))) {
    await new Promise((r) => setTimeout(r, 100));
  }
  return sent.map(({ id, outcome }) => {
    const a = answers.get(id);
    if (a) return { ...outcome, answerMs: a.at - outcome.wall.sent, answer: a.text };
    return answeredInAck(outcome) ? { ...outcome, answerMs: outcome.ackMs, answer: outcome.ackText } : outcome;
  });
}

async function runLoad(apiPort: number, slackPort: number): Promise<CommandOutcome[]> {
  const pick = picker(7);
  const pending: Array<Promise<{ id: number; outcome: CommandOutcome }>> = [];
  const t0 = performance.now();
  for (let k = 0; k < plan.members; k++) {
    const member = `ULOAD${String(k).padStart(4, '0')}`;
    const lines = commandsFor(k, plan.commandsPerMember);
    // each member's commands at random moments of the first spreadMs, in their order
    const at = lines.map(() => pick(plan.spreadMs)).sort((a, b) => a - b);
    lines.forEach((line, c) => {
      pending.push(
        new Promise((resolve) => setTimeout(resolve, Math.max(0, t0 + at[c] - performance.now()))).then(() => send(apiPort, slackPort, member, line)),
      );
    });
  }
  return settle(await Promise.all(pending));
}

async function runSoak(apiPort: number, slackPort: number): Promise<CommandOutcome[]> {
  const sent: Array<{ id: number; outcome: CommandOutcome }> = [];
  const end = performance.now() + plan.soakMs;
  await Promise.all(
    Array.from({ length: plan.members }, async (_, k) => {
      const member = `USOAK${String(k).padStart(4, '0')}`;
      const lines = commandsFor(k, Math.ceil(plan.soakMs / plan.soakEveryMs) + 1);
      // staggered starts, so that the load is even
      await new Promise((r) => setTimeout(r, (k * plan.soakEveryMs) / plan.members));
      for (let c = 0; c < lines.length && performance.now() < end; c++) {
        sent.push(await send(apiPort, slackPort, member, lines[c]));
        await new Promise((r) => setTimeout(r, plan.soakEveryMs));
      }
    }),
  );
  return settle(sent);
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
  const run = plan.mode === 'load' ? runLoad(msg.apiPort, msg.slackPort) : runSoak(msg.apiPort, msg.slackPort);
  const lag = lagMeter();
  void run.then((outcomes) => {
    lag.stop();
    msg.answers.close();
    port.postMessage({ kind: 'result', outcomes, lagMs: lag.samples, lagAt: lag.at, timeOrigin: performance.timeOrigin } satisfies ClientMessage);
  });
});
port.postMessage({ kind: 'ready' } satisfies ClientMessage);
