/**
 * Slack over HTTP with the acks in a thread of their own: a Bolt Receiver whose socket lives in a
 * worker (./slack-front-worker.ts). The worker checks signatures and answers Slack at once; this
 * side gets each verified body, drops replays and Slack's retries of what already ran
 * (./slack-replay.ts), decodes the body as Bolt does and runs it through the app with an ack that
 * does nothing (Slack has its 200 already). So a handler's ack cannot carry content here: the
 * handlers in ./slack.ts ack empty and answer through the response_url.
 */
import type { App, Receiver } from '@slack/bolt';
import type { Worker } from 'node:worker_threads';
import { spawnTsWorker } from '../../util/ts-worker.ts';
import type { FrontOptions, FromFront, ToFront, VerifiedRequest } from './slack-front-worker.ts';
import type { Delivery, ReplayGuard, Verdict } from './slack-replay.ts';
import { decodeSlackBody } from './slack-signature.ts';

type Log = { warn(obj: object, msg: string): void; error(obj: object, msg: string): void; debug(obj: object, msg: string): void };

/** Verified requests run per turn of the event loop (see enqueue). */
export const RUN_PER_TURN = 1;

export interface SlackFrontOptions {
  signingSecret: string;
  guard: ReplayGuard;
  onDuplicate: (verdict: Exclude<Verdict, 'new'>, d: Delivery) => void;
  log: Log;
  path?: string;
  /** Bolt's default: 4 MB */
  bodyLimit?: number;
}

export class SlackFrontReceiver implements Receiver {
  private app?: App;
  private worker?: Worker;
  private stopping?: Promise<void>;
  private readonly queue: VerifiedRequest[] = [];
  private draining = false;
  private restartTimer?: NodeJS.Timeout;

  constructor(private readonly opts: SlackFrontOptions) {}

  init(app: App): void {
    this.app = app;
  }

  /** Starts the worker listening on `port` (0: any free one); resolves with the port once it listens. */
  async start(port: number, host?: string): Promise<{ port: number }> {
    if (!this.app) throw new Error('SlackFrontReceiver.start before init: give it to new App({ receiver })');
    if (this.worker) throw new Error('SlackFrontReceiver is started already');
    const front: FrontOptions = { port, host, path: this.opts.path ?? '/slack/events', signingSecret: this.opts.signingSecret, bodyLimit: this.opts.bodyLimit ?? 4 * 1024 * 1024 };
    const worker = spawnTsWorker(new URL('./slack-front-worker.ts', import.meta.url), { front });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      let listening = false;
      let boundPort = port;
      worker.on('message', (m: FromFront) => {
        if (m.type === 'listening') {
          listening = true;
          boundPort = m.port;
          resolve({ port: m.port });
        } else if (m.type === 'listen-failed' && !listening) {
          this.worker = undefined;
          void worker.terminate();
          reject(new Error(m.message));
        } else if (m.type === 'request') this.enqueue(m.request);
        else if (m.type === 'refused') this.opts.log.debug({ verdict: m.verdict }, 'slack: refused a request that is not signed with SLACK_SIGNING_SECRET, or is stale (401)');
      });
      worker.on('error', (err) => {
        if (!listening) reject(err);
        else this.opts.log.error({ err }, 'slack: the HTTP front (worker thread) failed; Slack requests are no longer received');
      });
      worker.on('exit', (code) => {
        if (!listening) reject(new Error(`the Slack HTTP front's worker exited (code ${code}) before listening`));
        if (this.worker === worker) this.worker = undefined;
        if (listening && !this.stopping) this.restartLater(boundPort, host, code);
      });
    });
  }

  /**
   * A front that dies while serving (an uncaught error in the worker) would leave the bot deaf to
   * Slack with nothing but a log line: it is started again on the same port a second later.
   */
  private restartLater(port: number, host: string | undefined, code: number): void {
    this.opts.log.error({ code }, 'slack: the HTTP front (worker thread) stopped; starting it again in 1 s');
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start(port, host).then(
        () => this.opts.log.warn({ port }, 'slack: the HTTP front is listening again'),
        (err: unknown) => this.opts.log.error({ err }, 'slack: the HTTP front could not be started again; Slack requests are no longer received'),
      );
    }, 1000);
  }

  /** Closes the socket, then ends the worker. */
  stop(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    this.stopping ??= new Promise<void>((resolve) => {
      const end = () => void worker.terminate().then(() => resolve());
      worker.on('message', (m: FromFront) => m.type === 'closed' && end());
      worker.once('exit', () => resolve());
      // a worker that does not answer within 3 s is ended anyway
      setTimeout(end, 3000).unref();
      worker.postMessage({ type: 'stop' } satisfies ToFront);
    }).finally(() => {
      this.worker = undefined;
      this.stopping = undefined;
    });
    return this.stopping;
  }

  /**
   * A worker's messages arrive in batches (a MessagePort delivers up to ~1,000 queued messages in
   * one turn of the event loop), and running them all at once held the main thread for one long
   * turn: event-loop lag p99 773 ms in bench/load.ts's burst (2-core machine, noisy). So requests
   * wait in a queue and run RUN_PER_TURN at a time, one setImmediate turn after another, and
   * timers, I/O and the answers in flight get their turn in between. Measured, lag p99 during the
   * retrain: 4 per turn 42-69 ms (three runs), 1 per turn 22-28 ms (two runs; ack p99 1.1-1.4 s
   * against 1.7-2.4 s, throughput about the same, 304-311 answers/s).
   */
  private enqueue(r: VerifiedRequest): void {
    this.queue.push(r);
    if (!this.draining) {
      this.draining = true;
      setImmediate(this.drain);
    }
  }

  private readonly drain = (): void => {
    for (let k = 0; k < RUN_PER_TURN && this.queue.length > 0; k++) this.run(this.queue.shift()!);
    if (this.queue.length > 0) setImmediate(this.drain);
    else this.draining = false;
  };

  private run(r: VerifiedRequest): void {
    const verdict = this.opts.guard.check(r.delivery);
    if (verdict !== 'new') {
      this.opts.onDuplicate(verdict, r.delivery);
      return;
    }
    let body;
    try {
      body = decodeSlackBody(r.rawBody, r.contentType);
    } catch (err) {
      this.opts.log.warn({ err }, 'slack: a signed request could not be read (acked 200, ignored)');
      return;
    }
    this.app!.processEvent({ body, ack: async () => undefined, retryNum: r.retryNum, retryReason: r.retryReason, customProperties: {} }).catch((err: unknown) =>
      this.opts.log.error({ err }, 'slack: processing a request failed'),
    );
  }
}
