/**
 * A thread's time on a core and its time waiting for one, from Linux's schedstat (the first two
 * fields, in ns; updated at the scheduler's ticks, so a few ms coarse). A read costs microseconds.
 * Elsewhere, or when the thread has ended: undefined. On a machine loaded past its cores a step's
 * wall time is mostly waiting (131 of a 214 ms retrain step at load 2.1 on 2 cores,
 * bench/scale-serve.ts), which is what these two numbers tell apart.
 */
import { readFileSync } from 'node:fs';

export interface ThreadClock {
  /** ms on a core so far */
  cpuMs: number;
  /** ms runnable but waiting on a run queue so far */
  waitMs: number;
}

/** `tid` a thread of this process (Linux's task id); omitted: the calling thread. */
export function threadClock(tid?: number | string): ThreadClock | undefined {
  try {
    const path = tid === undefined ? '/proc/thread-self/schedstat' : `/proc/self/task/${tid}/schedstat`;
    const [cpu, wait] = readFileSync(path, 'utf8').split(' ').map(Number);
    return Number.isFinite(cpu) && Number.isFinite(wait) ? { cpuMs: cpu / 1e6, waitMs: wait / 1e6 } : undefined;
  } catch {
    return undefined;
  }
}
