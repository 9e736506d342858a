/**
 * The small dense pieces of an alternating-least-squares solve, shared by iALS (its exact solves
 * and fold-in) and als-import (the fold-in of factors trained elsewhere): the Gram matrix VᵀV of a
 * factor table and an in-place Cholesky solve of an f × f normal equation. f is a model's rank
 * (tens to a few hundred), so plain loops on typed arrays beat allocating an ml-matrix per member.
 */

/** VᵀV (f × f, full) of n rows of f factors, summed in float64. */
export function gram(v: Float32Array, n: number, f: number): Float64Array {
  const g = new Float64Array(f * f);
  for (let k = 0; k < n; k++) {
    const o = k * f;
    for (let r = 0; r < f; r++) {
      const vr = v[o + r];
      if (vr === 0) continue;
      for (let s = 0; s <= r; s++) g[r * f + s] += vr * v[o + s];
    }
  }
  for (let r = 0; r < f; r++) for (let s = 0; s < r; s++) g[s * f + r] = g[r * f + s];
  return g;
}

/**
 * Solves A z = b in place (b ← z) for SPD A given by its lower triangle (f × f, overwritten by
 * its Cholesky factor).
 */
export function choleskySolve(a: Float64Array, b: Float64Array, f: number): void {
  choleskyFactor(a, f);
  choleskySubstitute(a, b, f);
}

/** Overwrites the lower triangle of SPD `a` (f × f) with its Cholesky factor L (A = LLᵀ). */
export function choleskyFactor(a: Float64Array, f: number): void {
  for (let j = 0; j < f; j++) {
    let d = a[j * f + j];
    for (let k = 0; k < j; k++) d -= a[j * f + k] * a[j * f + k];
    const ljj = Math.sqrt(d);
    a[j * f + j] = ljj;
    for (let i = j + 1; i < f; i++) {
      let s = a[i * f + j];
      for (let k = 0; k < j; k++) s -= a[i * f + k] * a[j * f + k];
      a[i * f + j] = s / ljj;
    }
  }
}

/**
 * Solves LLᵀ z = b in place (b ← z) with L from choleskyFactor: one factor serves many right-hand
 * sides (iALS explains ten picks from the member's one system).
 */
export function choleskySubstitute(l: Float64Array, b: Float64Array, f: number): void {
  for (let i = 0; i < f; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * f + k] * b[k];
    b[i] = s / l[i * f + i];
  }
  for (let i = f - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < f; k++) s -= l[k * f + i] * b[k];
    b[i] = s / l[i * f + i];
  }
}
