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
 * The queue also knows how long a new command would wait (commands waiting × the recent mean
 * time of one command's synchronous part), which is what lets a busy bot say so (dispatch.ts).
 */

export interface WorkQueueOptions {
  /**
   * Commands started and not yet finished at most: a command awaiting something (an import's
   * file, the evaluation worker) lets the next one start, up to this many.
   */
  maxInFlight?: number;
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

export function createWorkQueue(opts: WorkQueueOptions = {}): WorkQueue {
  const maxInFlight = opts.maxInFlight ?? 8;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError(`maxInFlight must be a whole number ≥ 1, got ${String(opts.maxInFlight)}`);
  }
  const now = opts.now ?? (() => performance.now());
  const pending: Array<() => void> = [];
  let inFlight = 0;
  let scheduled = false;
  let meanMs = FIRST_GUESS_MS;

  function schedule(): void {
    if (scheduled || pending.length === 0 || inFlight >= maxInFlight) return;
    scheduled = true;
    setImmediate(startNext);
  }

  function startNext(): void {
    scheduled = false;
    const start = pending.shift();
    if (start) start();
    schedule();
  }

  function run<T>(job: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      pending.push(() => {
        inFlight++;
        const t0 = now();
        let result: Promise<T>;
        try {
          result = Promise.resolve(job());
        } catch (err) {
          result = Promise.reject(err);
        }
        // the synchronous part is what holds the main thread (and every ack) up
        meanMs += EWMA_WEIGHT * (now() - t0 - meanMs);
        result.then(resolve, reject).finally(() => {
          inFlight--;
          schedule();
        });
      });
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
