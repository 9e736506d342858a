import { Matrix, solve } from 'ml-matrix';
import type { AlsFoldRule } from '../../../src/core/algorithms/als-import.ts';
import { Rng } from '../../../src/core/rng.ts';
import type { Trainset } from '../../../src/core/trainset.ts';

/**
 * Spark's ALS written out plainly (ALS.computeFactors, Spark 3.x), solved with ml-matrix, factors
 * kept in float32 between half-steps as Spark keeps them: each iteration solves the items, then
 * the users. Independent of als-import's code, so agreeing with it checks the equations.
 */
export function sparkAlsReference(ts: Trainset, F: number, rule: AlsFoldRule, iters: number, seed = 5): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(seed);
  const x = new Float32Array(ts.nUsers * F);
  const y = new Float32Array(ts.nItems * F);
  rng.fillNormal(x, 0, 0.3);
  rng.fillNormal(y, 0, 0.3);
  const step = (csr: Trainset['byUser'], n: number, out: Float32Array, fixed: Float32Array, nFixed: number) => {
    const ftf = new Matrix(F, F);
    if (rule.implicit) {
      for (let k = 0; k < nFixed; k++) {
        for (let r = 0; r < F; r++) for (let s = 0; s < F; s++) ftf.set(r, s, ftf.get(r, s) + fixed[k * F + r] * fixed[k * F + s]);
      }
    }
    for (let row = 0; row < n; row++) {
      const a = rule.implicit ? ftf.clone() : new Matrix(F, F);
      const b = new Matrix(F, 1);
      let count = 0;
      for (let k = csr.indptr[row]; k < csr.indptr[row + 1]; k++) {
        const j = csr.indices[k];
        const r = csr.values[k];
        const c1 = rule.implicit ? rule.alpha * Math.abs(r) : 1;
        const wb = rule.implicit ? (r > 0 ? 1 + c1 : 0) : r;
        if (!rule.implicit || r > 0) count++;
        for (let t = 0; t < F; t++) {
          b.set(t, 0, b.get(t, 0) + wb * fixed[j * F + t]);
          for (let s = 0; s < F; s++) a.set(t, s, a.get(t, s) + c1 * fixed[j * F + t] * fixed[j * F + s]);
        }
      }
      for (let t = 0; t < F; t++) a.set(t, t, a.get(t, t) + rule.reg * count);
      const sol = solve(a, b);
      for (let t = 0; t < F; t++) out[row * F + t] = sol.get(t, 0);
    }
  };
  for (let it = 0; it < iters; it++) {
    step(ts.byItem, ts.nItems, y, x, ts.nUsers);
    step(ts.byUser, ts.nUsers, x, y, ts.nItems);
  }
  return { x, y };
}
