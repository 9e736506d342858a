/**
 * The inverse of a symmetric positive-definite matrix, in place, by the block sweep operator
 * (Goodnight, "A tutorial on the SWEEP operator", The American Statistician 33(3), 1979): sweeping
 * pivot block K of A (R = every other index) sets
 *
 *   A_KK ← −A_KK⁻¹,   A_RK ← A_RK·A_KK⁻¹,   A_RR ← A_RR − A_RK·A_KK⁻¹·A_KR,
 *
 * and after sweeping every block A holds −A⁻¹. Each pivot block is a Schur complement of an SPD
 * matrix, so it is SPD itself and no pivoting is needed. A stays symmetric throughout, so only the
 * lower triangle is updated and read: n³/2 multiply-adds in all, the same as Cholesky + triangular
 * inverse + product (LAPACK potrf/potri) but as one product shape, C −= F·Eᵀ, which is what the
 * SIMD kernel in dense.as.ts does. The pivot block (≤ 64 × 64) is swept one index at a time here.
 *
 * Measured on this shared 2-core machine (`npx tsx bench/dense-inverse.ts 1000`, CPU seconds; the
 * matrix is XᵀX + 100 I of a 3,000 × 1,000 0/1 matrix): this sweep with the WebAssembly kernel
 * 0.21 s, the same sweep with the TypeScript reference 2.47 s, ml-matrix's `inverse` (LU; already a
 * dependency) 10.2 s and its `CholeskyDecomposition.solve(I)` 22.3 s. At ml-latest-small's 3,650
 * movies with ≥ 5 ratings the whole EASE fit (Gram matrix included) took 8.9 s of CPU. The npm
 * registry's dense linear-algebra packages are plain-JS ports (@stdlib/lapack) or bind a native
 * BLAS (vectorious); neither was adopted.
 */
import { readFileSync } from 'node:fs';

export type DenseKernelChoice = 'auto' | 'wasm' | 'ts';
export type DenseKernelUsed = 'wasm' | 'ts';

/** rows of the pivot panel: large enough to amortise packing, small enough for the cache */
const BLOCK = 64;

interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface DenseExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  subABt(c: number, ldc: number, a: number, b: number, ld: number, i0: number, i1: number, j0: number, j1: number, lower: number): void;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { exports: object };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
const WASM_URL = new URL('./build/dense.wasm', import.meta.url);
let compiled: object | null | undefined;

function denseInstance(): DenseExports | undefined {
  if (compiled === undefined) {
    compiled = null;
    if (process.env.MARQUEE_NO_WASM !== '1' && WA) {
      try {
        compiled = new WA.Module(readFileSync(WASM_URL));
      } catch {
        compiled = null; // missing build (run npm run build:wasm) or no SIMD: the TypeScript path answers
      }
    }
  }
  return compiled && WA ? (new WA.Instance(compiled, {}).exports as DenseExports) : undefined;
}

/** The matrix storage and the product C −= A·Bᵀ, on WebAssembly memory or on plain arrays. */
interface Workspace {
  readonly used: DenseKernelUsed;
  /** n × n row-major */
  readonly a: Float64Array;
  /** the packed panel A_RK (n × ld) and F = A_RK·A_KK⁻¹ (n × ld) */
  readonly e: Float64Array;
  readonly f: Float64Array;
  /** −A_KK⁻¹ (ld × ld) */
  readonly dneg: Float64Array;
  readonly ld: number;
  /** c −= x·yᵀ over the given row/column ranges; c, x, y name the buffers above */
  sub(c: 'a' | 'f', x: 'e' | 'f', y: 'e' | 'dneg', ldc: number, i0: number, i1: number, j0: number, j1: number, lower: boolean): void;
}

function wasmWorkspace(n: number): Workspace | undefined {
  const k = denseInstance();
  if (!k) return undefined;
  const ld = BLOCK;
  const at = Math.ceil(k.heapBase() / 16) * 16;
  const bytes = { a: n * n * 8, e: n * ld * 8, f: n * ld * 8, dneg: ld * ld * 8 };
  const off = { a: at, e: at + bytes.a, f: at + bytes.a + bytes.e, dneg: at + bytes.a + bytes.e + bytes.f };
  const top = off.dneg + bytes.dneg;
  if (top > 4 * 1024 ** 3 - 65536) return undefined;
  try {
    const have = k.memory.buffer.byteLength;
    if (top > have) k.memory.grow(Math.ceil((top - have) / 65536));
  } catch {
    return undefined;
  }
  const buf = k.memory.buffer;
  return {
    used: 'wasm',
    a: new Float64Array(buf, off.a, n * n),
    e: new Float64Array(buf, off.e, n * ld),
    f: new Float64Array(buf, off.f, n * ld),
    dneg: new Float64Array(buf, off.dneg, ld * ld),
    ld,
    sub(c, x, y, ldc, i0, i1, j0, j1, lower) {
      k.subABt(off[c], ldc, off[x], off[y], ld, i0, i1, j0, j1, lower ? 1 : 0);
    },
  };
}

function tsWorkspace(n: number): Workspace {
  const ld = BLOCK;
  const bufs = {
    a: new Float64Array(n * n),
    e: new Float64Array(n * ld),
    f: new Float64Array(n * ld),
    dneg: new Float64Array(ld * ld),
  };
  return {
    used: 'ts',
    ...bufs,
    ld,
    sub(c, x, y, ldc, i0, i1, j0, j1, lower) {
      subABtTs(bufs[c], ldc, bufs[x], bufs[y], ld, i0, i1, j0, j1, lower);
    },
  };
}

/** The TypeScript reference of dense.as.ts `subABt` (same loop bounds; sums in another order). */
export function subABtTs(
  c: Float64Array,
  ldc: number,
  a: Float64Array,
  b: Float64Array,
  ld: number,
  i0: number,
  i1: number,
  j0: number,
  j1: number,
  lower: boolean,
): void {
  for (let i = i0; i < i1; i++) {
    const ai = i * ld;
    const jEnd = lower ? Math.min(j1, i + 1) : j1;
    for (let j = j0; j < jEnd; j++) {
      const bj = j * ld;
      let s = 0;
      for (let k = 0; k < ld; k++) s += a[ai + k] * b[bj + k];
      c[i * ldc + j] -= s;
    }
  }
}

export class NotPositiveDefiniteError extends Error {
  override name = 'NotPositiveDefiniteError';
}

export interface SpdInverse {
  /** n × n row-major; only the lower triangle (j ≤ i) holds A⁻¹ */
  readonly lower: Float64Array;
  readonly used: DenseKernelUsed;
}

/**
 * Inverts the SPD matrix that `fill` writes (its lower triangle, row-major n × n, into a zeroed
 * array) and returns A⁻¹'s lower triangle. The matrix lives where the kernel can reach it (WebAssembly
 * memory when available), so it is written once and never copied.
 */
export function invertSpd(n: number, fill: (a: Float64Array) => void, kernel: DenseKernelChoice = 'auto'): SpdInverse {
  const ws = (kernel !== 'ts' ? wasmWorkspace(n) : undefined) ?? tsWorkspace(n);
  if (kernel === 'wasm' && ws.used !== 'wasm') {
    throw new Error('the WebAssembly dense kernel is not available (run npm run build:wasm)');
  }
  fill(ws.a);
  sweepAll(ws, n);
  const a = ws.a;
  for (let i = 0; i < n; i++) for (let j = i * n; j <= i * n + i; j++) a[j] = -a[j];
  return { lower: a, used: ws.used };
}

function sweepAll(ws: Workspace, n: number): void {
  const { a, e, f, dneg, ld } = ws;
  const piv = new Float64Array(ld * ld);
  for (let k0 = 0; k0 < n; k0 += ld) {
    const k1 = Math.min(n, k0 + ld);
    const nb = k1 - k0;
    // the pivot block, full, then its inverse by scalar sweeps (it is SPD)
    piv.fill(0);
    for (let r = 0; r < nb; r++) {
      for (let s = 0; s <= r; s++) {
        const v = a[(k0 + r) * n + k0 + s];
        piv[r * ld + s] = v;
        piv[s * ld + r] = v;
      }
    }
    sweepSmall(piv, nb, ld, k0);
    // piv now holds −A_KK⁻¹; dneg = −A_KK⁻¹ so that F = 0 − E·dnegᵀ = E·A_KK⁻¹
    dneg.set(piv);
    // pack E = A_RK (rows of K read from the lower triangle), zero padding lanes
    e.fill(0);
    for (let r = 0; r < n; r++) {
      if (r >= k0 && r < k1) continue;
      const er = r * ld;
      if (r > k0) for (let s = 0; s < nb; s++) e[er + s] = a[r * n + k0 + s];
      else for (let s = 0; s < nb; s++) e[er + s] = a[(k0 + s) * n + r];
    }
    f.fill(0);
    ws.sub('f', 'e', 'dneg', ld, 0, k0, 0, nb, false);
    ws.sub('f', 'e', 'dneg', ld, k1, n, 0, nb, false);
    // A_RR −= F·Eᵀ, lower triangle, R = [0, k0) ∪ [k1, n)
    ws.sub('a', 'f', 'e', n, 0, k0, 0, k0, true);
    ws.sub('a', 'f', 'e', n, k1, n, 0, k0, true);
    ws.sub('a', 'f', 'e', n, k1, n, k1, n, true);
    // A_RK ← F, A_KK ← −A_KK⁻¹ (lower triangle positions)
    for (let r = 0; r < n; r++) {
      if (r >= k0 && r < k1) continue;
      const fr = r * ld;
      if (r > k0) for (let s = 0; s < nb; s++) a[r * n + k0 + s] = f[fr + s];
      else for (let s = 0; s < nb; s++) a[(k0 + s) * n + r] = f[fr + s];
    }
    for (let r = 0; r < nb; r++) for (let s = 0; s <= r; s++) a[(k0 + r) * n + k0 + s] = piv[r * ld + s];
  }
}

/** Scalar sweeps of every pivot of the full nb × nb block m (stride ld): m ← −m⁻¹. */
function sweepSmall(m: Float64Array, nb: number, ld: number, offset: number): void {
  for (let p = 0; p < nb; p++) {
    const d = m[p * ld + p];
    if (!(d > 0)) {
      throw new NotPositiveDefiniteError(`matrix is not positive definite (pivot ${offset + p} is ${d})`);
    }
    const inv = 1 / d;
    for (let r = 0; r < nb; r++) {
      if (r === p) continue;
      const mrp = m[r * ld + p] * inv;
      if (mrp === 0) continue;
      for (let s = 0; s < nb; s++) if (s !== p) m[r * ld + s] -= mrp * m[p * ld + s];
    }
    for (let r = 0; r < nb; r++) {
      if (r === p) continue;
      m[r * ld + p] *= inv;
      m[p * ld + r] *= inv;
    }
    m[p * ld + p] = -inv;
  }
}
