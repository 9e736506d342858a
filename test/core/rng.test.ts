import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';

describe('the seeded random generator', () => {
  it('gives the same stream for the same seed and another for another seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 5 }, () => a.random());
    expect(Array.from({ length: 5 }, () => b.random())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c.random())).not.toEqual(xs);
  });

  it('draws uniforms in [0, 1), integers in [0, n) and normals with the asked mean and spread', () => {
    const r = new Rng(7);
    let sum = 0;
    let sq = 0;
    const n = 20_000;
    for (let k = 0; k < n; k++) {
      const u = r.random();
      expect(u >= 0 && u < 1).toBe(true);
      const i = r.int(3);
      expect([0, 1, 2]).toContain(i);
      const z = r.normal(0, 0.1);
      sum += z;
      sq += z * z;
    }
    expect(Math.abs(sum / n)).toBeLessThan(0.005);
    expect(Math.sqrt(sq / n)).toBeCloseTo(0.1, 2);
  });

  it('shuffles a permutation in place, the same way for the same seed', () => {
    const a = new Rng(0).shuffle(Int32Array.from({ length: 10 }, (_, k) => k));
    const b = new Rng(0).shuffle(Int32Array.from({ length: 10 }, (_, k) => k));
    expect([...a]).toEqual([...b]);
    expect([...a].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('refuses a seed that is not a 32-bit whole number instead of colliding silently', () => {
    expect(() => new Rng(-1)).toThrow(/0 to 4294967295/);
    expect(() => new Rng(2 ** 32)).toThrow(/0 to 4294967295/);
    expect(() => new Rng(1.5)).toThrow(/whole number/);
    expect(() => new Rng(0).int(0)).toThrow(/n > 0/);
  });
});
