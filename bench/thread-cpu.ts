/**
 * CPU time by thread of this process (Linux: /proc/self/task/<tid>/stat), for a load benchmark
 * on a shared machine: wall-clock latencies there say as much about the other jobs as about the
 * bot, CPU seconds per request do not. Threads are told apart by when they appeared: each
 * `mark(label)` names the threads started since the previous mark (a worker is its thread and a
 * helper or two). A thread that ends keeps the CPU time last sampled, so `sample()` often
 * (every 200 ms) while short-lived threads (a retrain's worker) run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { threadClock } from '../src/util/thread-clock.ts';

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

/** The whole machine's busy and total ticks, all cores (Linux /proc/stat's first line). */
function machineTicks(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal …: idle and iowait are the cores doing nothing
    const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - fields[3] - fields[4], total };
  } catch {
    return undefined;
  }
}

/** CPU ms by label within a window of a run, and the machine's (every process, all cores). */
export interface CpuWindow {
  fromMs: number;
  toMs: number;
  byLabel: Map<string, number>;
  /** each thread's CPU ms with its label, by thread id (ids rise in the order threads started) */
  byThread: Array<{ tid: number; label: string; ms: number }>;
  /** ms the label's threads waited for a core while runnable (Linux schedstat; empty without it) */
  waitByLabel: Map<string, number>;
  /** every process's CPU time on all cores, and the cores' capacity (cores × wall) */
  machineBusyMs: number;
  machineCapacityMs: number;
}

interface Snapshot {
  at: number;
  ticks: Map<string, number>;
  waits: Map<string, number>;
  machine?: { busy: number; total: number };
}

/** ms a thread has waited on a run queue for a core, runnable but not running */
function runQueueWaitOf(tid: string): number | undefined {
  return threadClock(tid)?.waitMs;
}

export class ThreadCpu {
  private readonly history: Snapshot[] = [];
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
    this.sample();
  }

  sample(): void {
    if (!this.available) return;
    for (const tid of readdirSync('/proc/self/task')) {
      const t = ticksOf(tid);
      if (t !== undefined) this.ticks.set(tid, t);
    }
    if (!this.timer) return;
    const waits = new Map<string, number>();
    for (const tid of this.ticks.keys()) {
      const w = runQueueWaitOf(tid);
      if (w !== undefined) waits.set(tid, w);
    }
    this.history.push({ at: performance.now(), ticks: new Map(this.ticks), waits, machine: machineTicks() });
  }

  /** the ids of the threads a mark named `label` */
  threadsLabelled(label: string): string[] {
    return [...this.labelOf].filter(([tid, l]) => l === label && tid !== String(process.pid)).map(([tid]) => tid);
  }

  private labelFor(tid: string): string {
    return tid === String(process.pid) ? 'main' : (this.labelOf.get(tid) ?? 'later');
  }

  /**
   * CPU by label between two moments of the run (performance.now() ms), from the samples
   * nearest outside them (so at the sampling period's resolution, and 10 ms ticks).
   */
  window(fromMs: number, toMs: number): CpuWindow | undefined {
    const first = this.history.findLast((s) => s.at <= fromMs) ?? this.history[0];
    const last = this.history.find((s) => s.at >= toMs) ?? this.history.at(-1);
    if (!first || !last || last === first) return undefined;
    const byLabel = new Map<string, number>();
    for (const [tid, t] of last.ticks) {
      const ms = ((t - (first.ticks.get(tid) ?? this.start.get(tid) ?? 0)) * 1000) / TICKS_PER_S;
      byLabel.set(this.labelFor(tid), (byLabel.get(this.labelFor(tid)) ?? 0) + ms);
    }
    const byThread = [...last.ticks].map(([tid, t]) => ({ tid: Number(tid), label: this.labelFor(tid), ms: ((t - (first.ticks.get(tid) ?? this.start.get(tid) ?? 0)) * 1000) / TICKS_PER_S }));
    byThread.sort((a, b) => a.tid - b.tid);
    const waitByLabel = new Map<string, number>();
    for (const [tid, w] of last.waits) {
      const from = first.waits.get(tid);
      if (from === undefined) continue;
      waitByLabel.set(this.labelFor(tid), (waitByLabel.get(this.labelFor(tid)) ?? 0) + w - from);
    }
    const busy = first.machine && last.machine ? ((last.machine.busy - first.machine.busy) * 1000) / TICKS_PER_S : NaN;
    const total = first.machine && last.machine ? ((last.machine.total - first.machine.total) * 1000) / TICKS_PER_S : NaN;
    return { fromMs: first.at, toMs: last.at, byLabel, byThread, waitByLabel, machineBusyMs: busy, machineCapacityMs: total };
  }

  /** CPU ms since begin() by label: `main` (the main thread), the marks, `later` (started after the last mark). */
  end(): Map<string, number> {
    this.sample();
    clearInterval(this.timer);
    this.timer = undefined;
    const out = new Map<string, number>();
    for (const [tid, t] of this.ticks) {
      const label = this.labelFor(tid);
      const ms = ((t - (this.start.get(tid) ?? 0)) * 1000) / TICKS_PER_S;
      out.set(label, (out.get(label) ?? 0) + ms);
    }
    return out;
  }
}
