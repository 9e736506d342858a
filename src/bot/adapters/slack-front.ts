/**
 * Slack over HTTP with the acks in a thread of their own: a Bolt Receiver whose socket lives in a
 * worker (./slack-front-worker.ts). The worker checks signatures and answers Slack at once; this
 * side gets each verified body, drops replays and Slack's retries of what already ran
 * (./slack-replay.ts), decodes the body as Bolt does and runs it through the app with an ack that
 * does nothing (Slack has its 200 already). So a handler's ack cannot carry content here: the
 * handlers in ./slack.ts ack empty and answer through the response_url.
 */
import type { App, Receiver } from '@slack/bolt';
import { setPriority } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { lowerOtherThreads, lowerThisThreadPriority } from '../../util/background-thread.ts';
import { threadClock } from '../../util/thread-clock.ts';
import { spawnTsWorker } from '../../util/ts-worker.ts';
import { DEFAULT_MAX_WAIT_MS } from '../busy.ts';
import type { BacklogReport } from './slack-busy-ack.ts';
import type { FrontOptions, FromFront, ToFront, VerifiedRequest } from './slack-front-worker.ts';
import type { Delivery, ReplayGuard, Verdict } from './slack-replay.ts';
import { QueuePace } from './queue-pace.ts';
import { FrontShare, waitWithoutFront } from './slack-front-share.ts';
import { decodeSlackBody } from './slack-signature.ts';

type Log = { warn(obj: object, msg: string): void; error(obj: object, msg: string): void; debug(obj: object, msg: string): void };

/**
 * The nice value every thread of the process but the front's takes once the front listens
 * (SlackFrontOptions.yieldToFrontNice; npm start's default, SLACK_YIELD_NICE=0 turns it off, see
 * ./slack.ts; `npm run bench -- --only load` measures it, `--yield-nice 0` without): the main
 * thread, V8's platform threads (every isolate's parallel GC and compiler jobs) and libuv's pool.
 * Why: in a burst on two cores the front's work is ~0.25 ms of CPU a request and its acks wait
 * for a core, not for work: with the bench's members cheap (bench/load-client.ts) every ack's
 * time is the front's loop reaching accept(), while V8's platform threads used 1.7–2.7 s of CPU in
 * 2–3 s ack windows at nice 0, more than the main thread or the front. At nice 5 such a thread
 * gets a third of a nice-0 thread's share when both want a core.
 *
 * Measured on the 2-core machine, the final code, quiet (other processes under 0.25 s of CPU in
 * the acks' window), interleaved, 2026-12-06 18:48–18:53 UTC, seven runs each: at nice 5 ack p99
 * 0.23–0.74 s, event-loop lag p99 during the retrain 28–39 ms; at 0 ack p99 0.74–1.23 s (two of
 * seven under 1 s), lag 25–32 ms; no ack later than 3 s, no command turned away, no rating lost
 * at either. Earlier the same day (17:50–18:30, noisier): 0.60–1.01 s at 5, 0.79–2.13 s at 0; none
 * turned away either. It used to be off because at nice 5 the ack turned 200–1,271 commands a
 * burst away "busy" whose answers all came within 5.5 s: that was the busy estimate counting the
 * main thread's wall time while the front held the core (./slack-front-share.ts); with it fixed
 * none of 31 bursts at nice 5 refused one, where the old estimate refused 513, 0, 1,153 and 1,320
 * in the runs between them (the last two with other processes on the machine).
 */
export const YIELD_TO_FRONT_NICE = 5;

/** Verified requests started per turn of the event loop (see enqueue). */
export const RUN_PER_TURN = 4;
/**
 * The main thread's wall time per request in a burst before any has been measured (ms): ~300
 * commands answered per second in bench/load.ts (2-core machine).
 */
const FIRST_GUESS_PER_REQUEST_MS = 3;
/** how often, at most, the main thread's and the front's schedstat are read in a burst (ms; see drain) */
const SHARE_SAMPLE_EVERY_MS = 50;
/** how often a backlog that is not zero is told to the front again (ms; see report) */
const REFRESH_MS = 100;
/** at most one "turned away" warning this often (ms) */
const TURNED_AWAY_LOG_EVERY_MS = 10_000;

export interface SlackFrontOptions {
  signingSecret: string;
  guard: ReplayGuard;
  onDuplicate: (verdict: Exclude<Verdict, 'new'>, d: Delivery) => void;
  log: Log;
  path?: string;
  /** Bolt's default: 4 MB */
  bodyLimit?: number;
  /** the wait a request has after this receiver runs it (the dispatcher's work queue; ms) */
  waitBeyondMs?: () => number;
  /** a slash command expected to wait longer than this in all is refused busy in its ack (ms) */
  maxWaitMs?: number;
  /**
   * When set, once the front listens every other thread of the process (the main thread that
   * started it among them) lowers to this nice value, so that the front's acks win a core over
   * the bot's work (YIELD_TO_FRONT_NICE). Linux only, where a nice value is the thread's own;
   * elsewhere nothing changes, and a thread at this nice or lower already is left. Never raised
   * again (an unprivileged process cannot): threads started afterwards inherit it, a front started
   * again after a crash too. Without the front's thread id only the main thread lowers. Unset: the
   * priorities are left alone (tests, embedders).
   */
  yieldToFrontNice?: number;
  /** how the priorities are lowered (tests); returns whether they were */
  lowerPriority?: (nice: number, frontTid: number | undefined) => boolean;
}

/** This thread, then every other but the front's (when its id is known). */
function lowerAllButFront(nice: number, frontTid: number | undefined): boolean {
  const main = lowerThisThreadPriority(process.platform, setPriority, nice);
  const others = frontTid === undefined ? 0 : lowerOtherThreads(nice, [frontTid]);
  return main || others > 0;
}

export class SlackFrontReceiver implements Receiver {
  private app?: App;
  private worker?: Worker;
  private stopping?: Promise<void>;
  private readonly queue: VerifiedRequest[] = [];
  private draining = false;
  private restartTimer?: NodeJS.Timeout;
  /** requests received from the front so far, and its backlog's last report */
  private received = 0;
  /** the main thread's wall time per request while there is a queue (see queue-pace.ts) */
  private readonly pace = new QueuePace(FIRST_GUESS_PER_REQUEST_MS);
  /** how much of that wall time was a wait for a core the front's work held (see slack-front-share.ts) */
  private readonly frontShare = new FrontShare();
  /** the front thread's id for the kernel (Linux), to read its CPU time */
  private frontTid?: number;
  /** requests the turn before this one ran, while the queue has not been empty since */
  private ranLastTurn?: number;
  private reported?: BacklogReport;
  private turnedAway = 0;
  private turnedAwayLoggedAt = -Infinity;
  private refreshTimer?: NodeJS.Timeout;
  private lowered = false;

  constructor(private readonly opts: SlackFrontOptions) {}

  init(app: App): void {
    this.app = app;
  }

  /** Starts the worker listening on `port` (0: any free one); resolves with the port once it listens. */
  async start(port: number, host?: string): Promise<{ port: number }> {
    if (!this.app) throw new Error('SlackFrontReceiver.start before init: give it to new App({ receiver })');
    if (this.worker) throw new Error('SlackFrontReceiver is started already');
    // a new worker has handed over nothing yet
    this.received = 0;
    this.reported = undefined;
    const front: FrontOptions = {
      port,
      host,
      path: this.opts.path ?? '/slack/events',
      signingSecret: this.opts.signingSecret,
      bodyLimit: this.opts.bodyLimit ?? 4 * 1024 * 1024,
      maxWaitMs: this.opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
    };
    const worker = spawnTsWorker(new URL('./slack-front-worker.ts', import.meta.url), { front });
    this.worker = worker;
    return new Promise((resolve, reject) => {
      let listening = false;
      let boundPort = port;
      worker.on('message', (m: FromFront) => {
        if (m.type === 'listening') {
          listening = true;
          boundPort = m.port;
          this.frontTid = m.tid;
          this.yieldToFront(m.tid);
          this.report();
          resolve({ port: m.port });
        } else if (m.type === 'listen-failed' && !listening) {
          this.worker = undefined;
          void worker.terminate();
          reject(new Error(m.message));
        } else if (m.type === 'requests') this.enqueue(m.requests, m.turnedAway);
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

  /** Once, after the front thread exists (it was spawned at the priority the main thread had). */
  private yieldToFront(frontTid: number | undefined): void {
    const nice = this.opts.yieldToFrontNice;
    if (nice === undefined || this.lowered) return;
    this.lowered = true;
    const lower = this.opts.lowerPriority ?? lowerAllButFront;
    if (lower(nice, frontTid)) this.opts.log.debug({ nice }, "slack: the bot's threads yield to the HTTP front (their nice value lowered)");
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
    clearTimeout(this.refreshTimer);
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
   * The front's requests arrive in batches, and running them all at once held the main thread for
   * one long turn: event-loop lag p99 773 ms in bench/load.ts's burst (2-core machine, noisy). So
   * requests wait in a queue and RUN_PER_TURN of them start per setImmediate turn, and timers,
   * I/O, the answers in flight and the dispatcher's work queue get their turn in between.
   *
   * A count, not a time budget: starting a request is only the synchronous head of Bolt's
   * processEvent, and its middleware and handler run in the microtasks after it, in the same
   * turn. A 4 ms budget started dozens per turn and their microtasks held the loop: lag p99
   * 95–160 ms (six runs of `npm run bench -- --only load`, quiet 2-core machine). Measured the same
   * day, same bench (lag p99 over the burst / ack p99 / answers p99 / commands per s):
   *   one per turn  16–18 ms / 1.03–1.15 s / 7.7–8.7 s / 386–434   (two runs; commit 808011d)
   *   two per turn  22–23 ms / 1.06–1.12 s / 6.2–7.1 s / 463–504   (two runs)
   *   four per turn 24–30 ms / 0.87–0.91 s / 4.9–5.1 s / 592–612   (two runs)
   *   4 ms budget   98 ms    / 0.86 s      / 4.7 s     / 643       (one run, right after)
   * More than one per turn lets the work queue group their commits (one fsync for several
   * ratings: the commits were 8.5 s of the main thread's 28.6 s in a burst's CPU profile).
   */
  private enqueue(requests: VerifiedRequest[], turnedAway: number): void {
    for (const r of requests) this.queue.push(r);
    this.received += requests.length;
    this.noteTurnedAway(turnedAway);
    if (!this.draining && this.queue.length > 0) {
      this.draining = true;
      setImmediate(this.drain);
    }
    this.report();
  }

  private readonly drain = (): void => {
    // from one turn to the next, everything the main thread did meanwhile (the commands these
    // requests became, their answers, timers) is what a request costs while there is a queue
    const now = performance.now();
    this.pace.turn(now, this.ranLastTurn ?? 0);
    if (now - this.frontShare.lastAt >= SHARE_SAMPLE_EVERY_MS) this.sampleShare(now);
    let ran = 0;
    do {
      this.run(this.queue.shift()!);
      ran++;
    } while (this.queue.length > 0 && ran < RUN_PER_TURN);
    if (this.queue.length > 0) {
      this.ranLastTurn = ran;
      setImmediate(this.drain);
    } else {
      this.ranLastTurn = undefined;
      this.pace.idle();
      this.frontShare.idle();
      this.draining = false;
    }
    this.report();
  };

  /** The main thread's and the front's clocks now (a few µs: two schedstat reads; Linux only). */
  private sampleShare(now: number): void {
    if (this.frontTid === undefined) return;
    const main = threadClock();
    const front = threadClock(this.frontTid);
    if (main && front) this.frontShare.sample({ t: now, main, frontCpuMs: front.cpuMs });
  }

  /**
   * How long a request arriving now would wait before its command runs (ms): the queue at the
   * main thread's recent pace, then the dispatcher's, less the part of that pace that was a wait
   * for the core the front's own work held, which ends with the arrivals (slack-front-share.ts).
   */
  expectedWaitMs(): number {
    return waitWithoutFront(this.queue.length * this.pace.perRequestMs + (this.opts.waitBeyondMs?.() ?? 0), this.frontShare.withoutFront);
  }

  /** The main thread's time per request as the front should count the requests it handed over since. */
  private perRequestMs(): number {
    return waitWithoutFront(this.pace.perRequestMs, this.frontShare.withoutFront);
  }

  /**
   * Tells the front the backlog when it changed by more than a rounding; while it is not zero,
   * again every REFRESH_MS, since the dispatcher's queue drains with nothing arriving here: a
   * front left believing the bot busy would turn every slash command away and never learn better.
   */
  private readonly report = (): void => {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
    const worker = this.worker;
    if (!worker) return;
    const report: BacklogReport = { waitMs: this.expectedWaitMs(), perRequestMs: this.perRequestMs(), received: this.received };
    const last = this.reported;
    if (!last || last.received !== report.received || Math.abs(last.waitMs - report.waitMs) >= 50) {
      this.reported = report;
      worker.postMessage({ type: 'backlog', report } satisfies ToFront);
    }
    if (report.waitMs > 0) this.refreshTimer = setTimeout(this.report, REFRESH_MS).unref();
  };

  private noteTurnedAway(count: number): void {
    this.turnedAway += count;
    const now = performance.now();
    if (this.turnedAway === 0 || now - this.turnedAwayLoggedAt < TURNED_AWAY_LOG_EVERY_MS) return;
    this.opts.log.warn({ commands: this.turnedAway, expectedWaitMs: Math.round(this.expectedWaitMs()) }, 'slack: busy; slash commands answered "try again" in their ack (nothing run)');
    this.turnedAway = 0;
    this.turnedAwayLoggedAt = now;
  }

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
    this.app!.processEvent({ body, ack: async () => undefined, retryNum: r.retryNum, retryReason: r.retryReason, customProperties: { receivedAt: r.receivedAt } }).catch((err: unknown) =>
      this.opts.log.error({ err }, 'slack: processing a request failed'),
    );
  }
}
