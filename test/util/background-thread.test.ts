/**
 * A retrain yields the cores: the training worker lowers its own priority to the lowest, on Linux,
 * where that touches its thread alone; the threads members wait on keep theirs. Elsewhere the call
 * would renice the whole process, so it is not made.
 */
import { readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { BACKGROUND_NICE, lowerOtherThreads, lowerThisThreadPriority, thisThreadId, type ThreadPriorityAccess } from '../../src/util/background-thread.ts';
import { spawnTsWorker } from '../../src/util/ts-worker.ts';

describe('lowerThisThreadPriority', () => {
  it.runIf(process.platform === 'linux')('on Linux, a worker thread lowered to the lowest priority leaves the main thread as it was', async () => {
    const before = getPriority(0);
    const worker = spawnTsWorker(new URL('./lowered-thread.fixture.ts', import.meta.url), {});
    const said = await new Promise<{ lowered: boolean; mine: number }>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    await worker.terminate();
    expect(said).toEqual({ lowered: true, mine: BACKGROUND_NICE });
    expect(getPriority(0)).toBe(before);
  });

  it.runIf(process.platform === 'linux')('a background worker (the training worker) is lowered before its first import, not after', async () => {
    const before = getPriority(0);
    const first = async (opts: { nice?: number }): Promise<number> => {
      const worker = spawnTsWorker(new URL('./nice-at-start.fixture.ts', import.meta.url), {}, [], opts);
      const nice = await new Promise<number>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      await worker.terminate();
      return nice;
    };
    expect(await first({ nice: BACKGROUND_NICE })).toBe(BACKGROUND_NICE);
    // not asked: the worker starts at its parent's priority, as every other worker does
    expect(await first({})).toBe(before);
    expect(getPriority(0)).toBe(before);
  });

  it('on macOS and Windows it changes nothing: there the call would lower the whole process', () => {
    const set = vi.fn();
    expect(lowerThisThreadPriority('darwin', set)).toBe(false);
    expect(lowerThisThreadPriority('win32', set)).toBe(false);
    expect(set).not.toHaveBeenCalled();
  });

  it('on Linux it asks for the calling thread (pid 0) at the lowest priority, and a refusal is no error', () => {
    const set = vi.fn();
    expect(lowerThisThreadPriority('linux', set, undefined, () => 0)).toBe(true);
    expect(set).toHaveBeenCalledWith(0, BACKGROUND_NICE);
    expect(
      lowerThisThreadPriority('linux', () => {
        throw new Error('EACCES');
      }, undefined, () => 0),
    ).toBe(false);
  });

  it('lowers to a milder nice when asked, and never raises a thread an operator started lower', () => {
    const set = vi.fn();
    expect(lowerThisThreadPriority('linux', set, 5, () => 0)).toBe(true);
    expect(set).toHaveBeenCalledWith(0, 5);
    set.mockClear();
    // `nice -n 10 npm start`: already lower than 5, left so
    expect(lowerThisThreadPriority('linux', set, 5, () => 10)).toBe(false);
    expect(lowerThisThreadPriority('linux', set, 5, () => 5)).toBe(false);
    expect(set).not.toHaveBeenCalled();
  });
});

describe('lowerOtherThreads', () => {
  /** a process's threads and their nice values, as setpriority(2) would see them */
  function threads(nices: Record<number, number>, opts: { platform?: NodeJS.Platform; gone?: number[] } = {}): ThreadPriorityAccess & { nices: Record<number, number> } {
    return {
      nices,
      platform: opts.platform ?? 'linux',
      threads: () => Object.keys(nices).map(Number),
      get: (tid) => {
        if (opts.gone?.includes(tid)) throw new Error('ESRCH');
        return nices[tid];
      },
      set: (tid, nice) => {
        nices[tid] = nice;
      },
    };
  }

  it('lowers every thread but the kept one to the nice asked, and never raises one lower already', () => {
    // 10 the main thread, 11–14 V8's helpers, 20 the front, 30 a training worker at 19
    const t = threads({ 10: 0, 11: 0, 12: 0, 13: 0, 14: 0, 20: 0, 30: 19 });
    expect(lowerOtherThreads(5, [20], t)).toBe(5);
    expect(t.nices).toEqual({ 10: 5, 11: 5, 12: 5, 13: 5, 14: 5, 20: 0, 30: 19 });
  });

  it('skips a thread that ended meanwhile, and changes nothing off Linux', () => {
    const t = threads({ 10: 0, 11: 0, 20: 0 }, { gone: [11] });
    expect(lowerOtherThreads(5, [20], t)).toBe(1);
    expect(t.nices).toEqual({ 10: 5, 11: 0, 20: 0 });
    const mac = threads({ 10: 0, 20: 0 }, { platform: 'darwin' });
    expect(lowerOtherThreads(5, [20], mac)).toBe(0);
    expect(mac.nices).toEqual({ 10: 0, 20: 0 });
  });

  it.runIf(process.platform === 'linux')("knows this thread's id on Linux, one of the process's threads; elsewhere none", () => {
    expect(readdirSync('/proc/self/task').map(Number)).toContain(thisThreadId());
    expect(thisThreadId('darwin')).toBeUndefined();
  });
});
