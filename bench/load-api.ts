/**
 * The fake Slack Web API of bench/load.ts in a worker thread of its own: auth.test says who the
 * bot is, and /respond/<n> is command n's response_url, where its answer arrives. Apart from the
 * members (./load-client.ts) because Slack receives the bot's posts on other machines than the
 * ones that send it commands: on one event loop, the 1,500–2,500 posts of a burst took turns
 * with the sending and ack timing of 4,000 commands, and the members' loop was late by most of
 * the acks' window (`npm run bench -- --only load`, 2026-12-06, load average 12–15). Each answer
 * is timed here, on arrival, and sent to the members' thread over a MessagePort.
 *
 * Messages: → {kind:'ready', apiPort}; ← {kind:'answers-to', port} (where answers go);
 * ← {kind:'counts'} → {kind:'counts', requests, connections}.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parentPort, type MessagePort } from 'node:worker_threads';

/** An answer on a response_url: command `id`'s, arrived at `at` (Unix ms, three decimals). */
export interface Answer {
  id: number;
  at: number;
  text: string;
}

export type ApiMessage = { kind: 'ready'; apiPort: number } | { kind: 'counts'; requests: number; connections: number };
export type ToApi = { kind: 'answers-to'; port: MessagePort } | { kind: 'counts' };

const parent = parentPort;
if (!parent) throw new Error('load-api.ts runs as a worker thread (see bench/load.ts)');

let answersTo: MessagePort | undefined;
const counts = { requests: 0, connections: 0 };
const answered = new Set<number>();

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (s += c));
    req.on('end', () => resolve(s));
  });
}

const api = createServer((req: IncomingMessage, res: ServerResponse) => {
  counts.requests++;
  void readBody(req).then((body) => {
    const at = performance.timeOrigin + performance.now();
    const url = req.url ?? '';
    const respond = /^\/respond\/(\d+)$/.exec(url);
    if (respond) {
      let text = '';
      try {
        text = String((JSON.parse(body) as { text?: string }).text ?? '');
      } catch {
        text = body;
      }
      // progress lines (⏳) and "Done: the answer is posted" notes are not the answer
      const id = Number(respond[1]);
      if (!text.startsWith('⏳') && !text.startsWith('Done: the answer') && !answered.has(id)) {
        answered.add(id);
        answersTo?.postMessage({ id, at, text } satisfies Answer);
      }
    }
    res.setHeader('content-type', 'application/json');
    if (url.endsWith('auth.test')) res.end(JSON.stringify({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1' }));
    else res.end(JSON.stringify({ ok: true }));
  });
});
api.on('connection', () => counts.connections++);

parent.on('message', (m: ToApi) => {
  if (m.kind === 'answers-to') answersTo = m.port;
  else parent.postMessage({ kind: 'counts', ...counts } satisfies ApiMessage);
});
api.listen(0, '127.0.0.1', () => parent.postMessage({ kind: 'ready', apiPort: (api.address() as AddressInfo).port } satisfies ApiMessage));
