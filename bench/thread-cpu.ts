/**
 * CPU time by thread of this process (Linux: /proc/self/task/<tid>/stat), for a load benchmark
 * on a shared machine: wall-clock latencies there say as much about the other jobs as about the
 * bot, CPU seconds per request do not. Threads are told apart by when they appeared: each
 * `mark(label)` names the threads started since the previous mark (a worker is its thread and a
 * helper or two). A thread that ends keeps the CPU time last sampled, so `sample()` often
 * (every 200 ms) while short-lived threads (a retrain's worker) run.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** clock ticks per second of utime/stime (USER_HZ: 100 on every Linux build that matters) */
const TICKS_PER_S = 100;

function ticksOf(tid: string): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return undefined;
  }
}

export class ThreadCpu {
  private readonly ticks = new Map<string, number>();
  private readonly start = new Map<string, number>();
  private readonly labelOf = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  readonly available = process.platform === 'linux';

  /** Names the threads that appeared since the last mark. */
  mark(label: string): void {
    this.sample();
    for (const tid of this.ticks.keys()) if (!this.labelOf.has(tid)) this.labelOf.set(tid, label);
  }

  /** From now on CPU time counts (what each thread had used before is subtracted). */
  begin(everyMs = 200): void {
    this.sample();
    for (const [tid, t] of this.ticks) this.start.set(tid, t);
    this.timer = setInterval(() => this.sample(), everyMs);
  }

  sample(): void {
    if (!this.available) return;
    for (const tid of readdirSync('/proc/self/task')) {
      const t = ticksOf(tid);
      if (t !== undefined) this.ticks.set(tid, t);
    }
  }

  /** CPU ms since begin() by label: `main` (the main thread), the marks, `later` (started after the last mark). */
  end(): Map<string, number> {
    clearInterval(this.timer);
    this.sample();
    const out = new Map<string, number>();
    for (const [tid, t] of this.ticks) {
      const label = tid === String(process.pid) ? 'main' : (this.labelOf.get(tid) ?? 'later');
      const ms = ((t - (this.start.get(tid) ?? 0)) * 1000) / TICKS_PER_S;
      out.set(label, (out.get(label) ?? 0) + ms);
    }
    return out;
  }
}
