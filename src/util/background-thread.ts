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
