/**
 * The commands' turn on the main thread: one command starts per event-loop turn, so whatever
 * I/O is waiting (a new connection, a request to acknowledge) runs between any two commands.
 *
 * Why: a command's work (a SQLite commit, a kNN neighbour search, a chart) is synchronous. Run
 * inline behind the platform's acknowledgement, 4,000 commands arriving in one second queued
 * their acks behind each other's work: 137 of 4,000 Slack acks came after Slack's 3 s deadline
 * (ack p99 9.9 s, issue 13). Started one per turn (setImmediate runs after the poll phase), a
 * request is acknowledged within one command's work of arriving, however long the queue.
 *
 * Group commit. The commands waiting when a turn comes run together, up to BATCH_BUDGET_MS of
 * work, inside one `group` (the store's inOneCommit): their writes commit in one transaction,
 * one fsync instead of one per rating, and each command's answer is released only after that
 * commit (answers settle after the synchronous batch returns), so an acknowledged rating is on
 * disk. The fsyncs were the largest share of the main thread under a burst: 4.4 s of 27 s busy
 * for 2,000 Slack commands (a CPU profile of bench/load.ts, --members 100). A command whose
 * commit fails is answered with the commit's error, never with its success.
 *
 * The queue also knows how long a new command would wait (commands waiting × the recent mean
 * time of one command's synchronous part), which is what lets a busy bot say so (dispatch.ts).
 */

export interface WorkQueueOptions {
  /**
   * Commands started and not yet finished at most (default 64): a command awaiting something
   * (an import's file, the evaluation worker) lets the next one start, up to this many.
   */
  maxInFlight?: number;
  /**
   * Runs a batch of commands' synchronous parts as one unit of writes (the store's inOneCommit);
   * default: no grouping, each write commits alone
   */
  group?: <T>(fn: () => T) => T;
  /** the clock, for tests */
  now?: () => number;
}

export interface WorkQueue {
  /** Runs `job` when its turn comes; settles as the job does. */
  run<T>(job: () => T | Promise<T>): Promise<T>;
  /** How long a command queued now would wait before it starts, estimated (ms). */
  expectedWaitMs(): number;
  /** commands waiting to start */
  readonly waiting: number;
  /** commands started and not finished */
  readonly inFlight: number;
}

/** What one command's synchronous part is assumed to take before any has been measured (ms). */
const FIRST_GUESS_MS = 2;
/** Weight of the newest measurement in the running mean: about the last 20 commands. */
const EWMA_WEIGHT = 0.05;
/**
 * A turn starts no further command of its batch after this much work, so a request that arrives
 * meanwhile is acknowledged within about this (plus one command) of arriving.
 */
const BATCH_BUDGET_MS = 10;
/** at most this many commands share one commit */
const MAX_BATCH = 64;

/** A command admitted and waiting for its turn. */
interface Waiting {
  job: () => unknown;
  resolve: (v: unknown) => void;
  reject: (err: unknown) => void;
}

export function createWorkQueue(opts: WorkQueueOptions = {}): WorkQueue {
  const maxInFlight = opts.maxInFlight ?? MAX_BATCH;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(`maxInFlight must be a whole number ≥ 1, got ${String(opts.maxInFlight)}`);
  }
  const now = opts.now ?? (() => performance.now());
  const group = opts.group ?? (<T>(fn: () => T): T => fn());
  const pending: Waiting[] = [];
  let inFlight = 0;
  let scheduled = false;
  let meanMs = FIRST_GUESS_MS;

  function schedule(): void {
    if (scheduled || pending.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    setImmediate(runBatch);
  }

  function runBatch(): void {
    scheduled = false;
    const started: Array<{ w: Waiting; result: Promise<unknown> }> = [];
    const t0 = now();
    try {
      group(() => {
        while (pending.length > 0 && inFlight < maxInFlight && started.length < MAX_BATCH && now() - t0 < BATCH_BUDGET_MS) {
          const w = pending.shift()!;
          inFlight++;
          let result: Promise<unknown>;
          try {
            result = Promise.resolve(w.job());
          } catch (err) {
            result = Promise.reject(err);
          }
          result.catch(() => undefined); // settled below; never an unhandled rejection meanwhile
          started.push({ w, result });
        }
      });
    } catch (commitError) {
      // nothing of the batch is stored: no command may answer as if it were
      learn(t0, started.length);
      for (const { w, result } of started) void result.catch(() => undefined).finally(() => done(() => w.reject(commitError)));
      schedule();
      return;
    }
    learn(t0, started.length);
    for (const { w, result } of started) result.then((v) => done(() => w.resolve(v)), (err: unknown) => done(() => w.reject(err)));
    schedule();
  }

  /** the synchronous parts and the commit are what hold the main thread (and every ack) up */
  function learn(t0: number, count: number): void {
    if (count > 0) meanMs += EWMA_WEIGHT * ((now() - t0) / count - meanMs);
  }

  function done(settle: () => void): void {
    inFlight--;
    settle();
    schedule();
  }

  function run<T>(job: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      pending.push({ job, resolve: resolve as (v: unknown) => void, reject });
      schedule();
    });
  }

  return {
    run,
    expectedWaitMs: () => pending.length * meanMs,
    get waiting() {
      return pending.length;
    },
    get inFlight() {
      return inFlight;
    },
  };
}
