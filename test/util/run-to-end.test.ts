import { describe, expect, it } from 'vitest';
import { runToEnd } from '../../src/util/run-to-end.ts';

describe('a job in steps, run all at once', () => {
  it('runs every step, in order, and gives the value of the last', () => {
    const done: number[] = [];
    function* job(): Generator<void, string, undefined> {
      for (let k = 1; k <= 3; k++) {
        done.push(k);
        yield;
      }
      return 'built';
    }
    expect(runToEnd(job())).toBe('built');
    expect(done).toEqual([1, 2, 3]);
  });

  it('lets a step that throws fail the whole job', () => {
    function* job(): Generator<void, number, undefined> {
      yield;
      throw new Error('the second step failed');
    }
    expect(() => runToEnd(job())).toThrow('the second step failed');
  });
});
