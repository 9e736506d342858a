/**
 * A retrain yields the cores: the training worker lowers its own priority to the lowest, on Linux,
 * where that touches its thread alone; the threads members wait on keep theirs. Elsewhere the call
 * would renice the whole process, so it is not made.
 */
import { getPriority } from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { BACKGROUND_NICE, lowerThisThreadPriority } from '../../src/util/background-thread.ts';
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
