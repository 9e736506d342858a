import { describe, expect, it } from 'vitest';
import { invertSpd, NotPositiveDefiniteError } from '../../../src/core/kernels/sym-inverse.ts';
import { Rng } from '../../../src/core/rng.ts';

/** A Gram matrix XᵀX + λI of a random 0/1 matrix, full and symmetric. */
function gram(n: number, seed: number, lambda: number): Float64Array {
  const rng = new Rng(seed);
  const users = 3 * n;
  const x = Array.from({ length: users }, () => Array.from({ length: n }, () => (rng.random() < 0.2 ? 1 : 0)));
  const g = new Float64Array(n * n);
  for (const row of x) for (let i = 0; i < n; i++) if (row[i]) for (let j = 0; j < n; j++) if (row[j]) g[i * n + j] += 1;
  for (let i = 0; i < n; i++) g[i * n + i] += lambda;
  return g;
}

const fillFrom = (g: Float64Array) => (a: Float64Array) => a.set(g);
const full = (lower: Float64Array, n: number, i: number, j: number) => (i >= j ? lower[i * n + j] : lower[j * n + i]);

describe('the SPD inverse by block sweeps', () => {
  // 150 = two full 64-wide pivot blocks and a partial one, so every range split is exercised
  const n = 150;
  const g = gram(n, 7, 3);

  it('multiplies back to the identity (TypeScript reference)', () => {
    const inv = invertSpd(n, fillFrom(g), 'ts');
    expect(inv.used).toBe('ts');
    let worst = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += g[i * n + k] * full(inv.lower, n, k, j);
        worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
      }
    }
    expect(worst).toBeLessThan(1e-12);
  });

  it('gives the same inverse from the WebAssembly kernel as from the reference', () => {
    const ref = invertSpd(n, fillFrom(g), 'ts');
    const fast = invertSpd(n, fillFrom(g), 'wasm'); // throws when the build is missing
    expect(fast.used).toBe('wasm');
    let worst = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) worst = Math.max(worst, Math.abs(ref.lower[i * n + j] - fast.lower[i * n + j]));
    expect(worst).toBeLessThan(1e-14);
  });

  it('gives bit for bit the same inverse when a helper thread sweeps half the rows of every block', () => {
    const one = invertSpd(n, fillFrom(g), 'wasm', 'one');
    const two = invertSpd(n, fillFrom(g), 'wasm', 'two');
    expect(two.used).toBe('wasm');
    let differing = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) if (!Object.is(one.lower[i * n + j], two.lower[i * n + j])) differing++;
    expect(differing).toBe(0);
    // and it is the inverse: row 0 of G times the inverse is e₀
    let s = 0;
    for (let k = 0; k < n; k++) s += g[k] * full(two.lower, n, k, 0);
    expect(s).toBeCloseTo(1, 12);
  });

  it('a matrix that is not positive definite is refused with a helper thread too, and the helper is let go', () => {
    expect(() => invertSpd(2, (a) => a.set([1, 0, 2, 1]), 'wasm', 'two')).toThrow(/pivot 1/);
  });

  it('inverts a 2 × 2 matrix by hand: [[2, 1], [1, 2]]⁻¹ = [[2, −1], [−1, 2]] / 3', () => {
    const inv = invertSpd(2, (a) => a.set([2, 0, 1, 2]), 'ts');
    expect(inv.lower[0]).toBeCloseTo(2 / 3, 14);
    expect(inv.lower[2]).toBeCloseTo(-1 / 3, 14);
    expect(inv.lower[3]).toBeCloseTo(2 / 3, 14);
  });

  it('refuses a matrix that is not positive definite, naming the pivot', () => {
    expect(() => invertSpd(2, (a) => a.set([1, 0, 2, 1]), 'ts')).toThrow(NotPositiveDefiniteError);
    expect(() => invertSpd(2, (a) => a.set([1, 0, 2, 1]), 'ts')).toThrow(/pivot 1/);
  });
});
