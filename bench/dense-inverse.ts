/**
 * The SPD inverse behind EASE against ml-matrix, CPU seconds of this process:
 *
 *   npx tsx bench/dense-inverse.ts [n = 1000]
 *
 * (CPU is the process's: with two threads it counts the helper's too.)
 *
 * The matrix is XᵀX + 100 I for a 3n × n 0/1 matrix with 5 % ones (a small EASE Gram matrix).
 */
import { CholeskyDecomposition, Matrix, inverse } from 'ml-matrix';
import { invertSpd } from '../src/core/kernels/sym-inverse.ts';
import { Rng } from '../src/core/rng.ts';

const n = Number(process.argv[2] ?? 1000);
const rng = new Rng(1);
const g = new Float64Array(n * n);
for (let u = 0; u < 3 * n; u++) {
  const nz: number[] = [];
  for (let i = 0; i < n; i++) if (rng.random() < 0.05) nz.push(i);
  for (const i of nz) for (const j of nz) g[i * n + j] += 1;
}
for (let i = 0; i < n; i++) g[i * n + i] += 100;

function cpu(label: string, run: () => void): void {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  run();
  const c = process.cpuUsage(c0);
  console.log(`n=${n} ${label.padEnd(36)} ${((c.user + c.system) / 1e6).toFixed(2)} s cpu, ${((performance.now() - t0) / 1000).toFixed(2)} s wall`);
}

const m = new Matrix(Array.from({ length: n }, (_, i) => Array.from(g.subarray(i * n, i * n + n))));
cpu('sweep, WebAssembly kernel', () => invertSpd(n, (a) => a.set(g), 'wasm'));
// one thread and two alternating: the pair is comparable only run back to back
for (const threads of ['one', 'two', 'one', 'two'] as const) cpu(`sweep, WebAssembly kernel, ${threads} thread(s)`, () => invertSpd(n, (a) => a.set(g), 'wasm', threads));
cpu('sweep, TypeScript reference', () => invertSpd(n, (a) => a.set(g), 'ts'));
cpu('ml-matrix inverse (LU)', () => inverse(m));
cpu('ml-matrix Cholesky solve(I)', () => new CholeskyDecomposition(m).solve(Matrix.eye(n)));
