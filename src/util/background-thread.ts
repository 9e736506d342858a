/**
 * A background thread (the training worker) yields the cores to the threads members wait on: the
 * Slack HTTP front that acks within Slack's 3 s, and the main thread that answers.
 *
 * Linux keeps a nice value per thread (setpriority(2), "BUGS": under NPTL the nice value is a
 * per-thread attribute), and os.setPriority(0, …) called inside a worker thread changes that
 * thread only. On macOS and the BSDs the same call renices the whole process, the front and the
 * main thread with it, and on Windows it sets the process's priority class: so the call is made on
 * Linux only, and elsewhere the training worker runs at the process's priority, as before.
 * Threads the caller starts afterwards inherit its nice value; the training worker starts none
 * (libuv's thread pool is started by the main thread, long before, when the data is read).
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';

/** The lowest priority there is: a niced thread runs on whatever CPU time the others leave. */
export const BACKGROUND_NICE = 19;

/**
 * Lowers the calling thread's priority to `nice` (default BACKGROUND_NICE) when that touches this
 * thread alone (Linux). Returns whether it did. Never raises it: a thread already at `nice` or
 * lower (an operator's `nice -n 10 npm start`) is left as it is. Never throws: a refused call
 * leaves the priority as it was.
 */
export function lowerThisThreadPriority(
  platform: NodeJS.Platform = process.platform,
  set: (pid: number, priority: number) => void = setPriority,
  nice: number = BACKGROUND_NICE,
  get: (pid: number) => number = getPriority,
): boolean {
  if (platform !== 'linux') return false;
  try {
    if (get(0) >= nice) return false;
    set(0, nice);
    return true;
  } catch {
    return false;
  }
}

/** What lowerOtherThreads reads and changes (injected by tests). */
export interface ThreadPriorityAccess {
  platform: NodeJS.Platform;
  /** the ids of this process's threads (Linux: /proc/self/task) */
  threads: () => number[];
  get: (tid: number) => number;
  set: (tid: number, priority: number) => void;
}

const LINUX_THREADS: ThreadPriorityAccess = {
  platform: process.platform,
  threads: () => readdirSync('/proc/self/task').map(Number),
  get: getPriority,
  set: setPriority,
};

/**
 * Lowers every thread of this process to `nice` except those in `keep` (Linux, where
 * setpriority(2) on a thread id touches that thread alone; elsewhere nothing). Only lowers: a
 * thread already at `nice` or lower is left. A thread that ended meanwhile, or a refused call, is
 * skipped. Returns how many threads were lowered.
 */
export function lowerOtherThreads(nice: number, keep: readonly number[], access: ThreadPriorityAccess = LINUX_THREADS): number {
  if (access.platform !== 'linux') return 0;
  let lowered = 0;
  let tids: number[];
  try {
    tids = access.threads();
  } catch {
    return 0;
  }
  for (const tid of tids) {
    if (keep.includes(tid)) continue;
    try {
      if (access.get(tid) >= nice) continue;
      access.set(tid, nice);
      lowered++;
    } catch {
      // gone, or not ours to change
    }
  }
  return lowered;
}

/** This thread's id for the kernel (Linux: /proc/thread-self), undefined elsewhere. */
export function thisThreadId(platform: NodeJS.Platform = process.platform): number | undefined {
  if (platform !== 'linux') return undefined;
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').at(-1));
  } catch {
    return undefined;
  }
}
