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
 * From PARALLEL_MIN_N on, each block's update of the rest (all but n²·64 of the n³/2) is shared
 * with a helper thread over a shared WebAssembly memory, in pieces both threads claim in turn:
 * every element is summed in the same order whichever thread computes it, so the inverse is the
 * same bit for bit (test/core/kernels/sym-inverse.test.ts), and a thread started from a niced
 * training worker is as niced (Linux threads inherit it), so it takes only a core the service
 * leaves idle. Measured at n = 3,650 (ml-latest-small's EASE): the same 4.5–5.3 s of CPU with
 * one thread or two; the wall time alike (6.1–14.0 s with two, 7.4–16.2 with one, alternating
 * runs) because the machine had no idle core then (load average 8–14 on 2 cores). On an idle
 * second core the update, 96 % of the work at that size (all but 128/n), runs on two.
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
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

export type DenseKernelChoice = 'auto' | 'wasm' | 'ts';
export type DenseKernelUsed = 'wasm' | 'ts';
/**
 * Whether the WebAssembly sweep shares each block's update with a helper thread: 'auto' does
 * from PARALLEL_MIN_N on a machine with more than one core.
 */
export type DenseThreads = 'auto' | 'one' | 'two';

/** rows of the pivot panel: large enough to amortise packing, small enough for the cache */
const BLOCK = 64;

/**
 * From this size on, 'auto' shares the sweep with a helper thread: starting one cost 39 ms here
 * (load average 13), against the 0.21 s of CPU a 1,000 × 1,000 inverse takes.
 */
const PARALLEL_MIN_N = 1000;
/** the most 64 KiB pages a shared memory may grow to (4 GiB, the 32-bit limit); reserved, not committed */
const MAX_PAGES = 65536;

interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
interface DenseExports {
  heapBase(): number;
  subABt(c: number, ldc: number, a: number, b: number, ld: number, i0: number, i1: number, j0: number, j1: number, lower: number): void;
  sweepRows(a: number, f: number, e: number, n: number, ld: number, k0: number, k1: number, r0: number, r1: number): void;
}
interface WasmApi {
  Module: (new (bytes: Uint8Array) => object) & { imports(mod: object): Array<{ module: string; name: string; kind: string }> };
  Instance: new (mod: object, imports: object) => { exports: object };
  Memory: new (desc: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
const WASM_URL = new URL('./build/dense.wasm', import.meta.url);
let compiled: object | null | undefined;

function denseModule(): object | undefined {
  if (compiled === undefined) {
    compiled = null;
    if (process.env.MARQUEE_NO_WASM !== '1' && WA) {
      try {
        const mod = new WA.Module(readFileSync(WASM_URL));
        // a build from before the shared memory (no memory import) is stale: as if missing
        compiled = WA.Module.imports(mod).some((i) => i.kind === 'memory') ? mod : null;
      } catch {
        compiled = null; // missing build (run npm run build:wasm), no SIMD or no threads: the TypeScript path answers
      }
    }
  }
  return compiled ?? undefined;
}

/** rows per piece of a block's update that the two threads claim in turn */
const CHUNK_ROWS = 64;

/**
 * The shared control words: EPOCH counts the blocks posted (STOP ends the helper); NEXT holds
 * the epoch × 2¹⁶ + the next piece to claim, so a helper that wakes late cannot claim a piece
 * of a later block with an earlier block's arguments; DONE counts the pieces finished.
 */
const EPOCH = 0;
const NEXT = 1;
const DONE = 2;
const PIECES = 3;
const ARGS = 4;
const STOP = -1;

/**
 * The helper thread's loop (plain JavaScript, evaluated: it needs no module of ours): its own
 * instance over the shared memory, claiming pieces of each posted block as the primary does.
 */
const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const k = new WebAssembly.Instance(workerData.module, { env: { memory: workerData.memory } }).exports;
const c = new Int32Array(workerData.control);
let seen = 0;
for (;;) {
  Atomics.wait(c, ${EPOCH}, seen);
  const epoch = Atomics.load(c, ${EPOCH});
  if (epoch === ${STOP}) break;
  seen = epoch;
  const [a, f, e, n, ld, k0, k1] = [c[${ARGS}], c[${ARGS + 1}], c[${ARGS + 2}], c[${ARGS + 3}], c[${ARGS + 4}], c[${ARGS + 5}], c[${ARGS + 6}]];
  const pieces = c[${PIECES}];
  for (;;) {
    const next = Atomics.load(c, ${NEXT});
    if (next >>> 16 !== (epoch & 0x7fff) || (next & 0xffff) >= pieces) break;
    if (Atomics.compareExchange(c, ${NEXT}, next, next + 1) !== next) continue;
    const piece = next & 0xffff;
    k.sweepRows(a, f, e, n, ld, k0, k1, Math.max(0, n - (piece + 1) * ${CHUNK_ROWS}), n - piece * ${CHUNK_ROWS});
    Atomics.add(c, ${DONE}, 1);
    Atomics.notify(c, ${DONE});
  }
}`;

/**
 * A second thread sweeping rows of the same shared memory. Each block's update is cut into
 * pieces of CHUNK_ROWS rows (the last rows first: they cost the most) that both threads claim
 * until none is left, so a helper descheduled by a busy machine only holds back the piece it
 * took, never half the block.
 */
class SweepHelper {
  private readonly control = new Int32Array(new SharedArrayBuffer(64));
  private readonly worker: Worker;
  private epoch = 0;

  constructor(module: object, memory: WasmMemory) {
    this.worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { module, memory, control: this.control.buffer } });
    this.worker.unref();
  }

  /** Runs sweepRows over every row in pieces, with the helper; returns once every piece is done. */
  sweep(k: DenseExports, args: readonly [number, number, number, number, number, number, number]): void {
    const c = this.control;
    const n = args[3];
    const pieces = Math.ceil(n / CHUNK_ROWS);
    this.epoch = (this.epoch + 1) & 0x7fff || 1;
    for (let x = 0; x < args.length; x++) c[ARGS + x] = args[x];
    c[PIECES] = pieces;
    Atomics.store(c, DONE, 0);
    Atomics.store(c, NEXT, this.epoch << 16);
    Atomics.store(c, EPOCH, this.epoch);
    Atomics.notify(c, EPOCH);
    for (;;) {
      const next = Atomics.add(c, NEXT, 1);
      const piece = next & 0xffff;
      if (piece >= pieces) break;
      k.sweepRows(...args, Math.max(0, n - (piece + 1) * CHUNK_ROWS), n - piece * CHUNK_ROWS);
      Atomics.add(c, DONE, 1);
    }
    for (let done = Atomics.load(c, DONE); done < pieces; done = Atomics.load(c, DONE)) Atomics.wait(c, DONE, done);
  }

  stop(): void {
    Atomics.store(this.control, EPOCH, STOP);
    Atomics.notify(this.control, EPOCH);
  }
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
  /** A_RR −= F·Eᵀ (lower triangle) for pivot block [k0, k1), R every other row */
  sweepRest(n: number, k0: number, k1: number): void;
  /** lets go of the helper thread, if any */
  close(): void;
}

function wasmWorkspace(n: number, threads: DenseThreads): Workspace | undefined {
  const mod = denseModule();
  if (!mod || !WA) return undefined;
  let memory: WasmMemory;
  let k: DenseExports;
  try {
    memory = new WA.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    k = new WA.Instance(mod, { env: { memory } }).exports as DenseExports;
  } catch {
    return undefined;
  }
  const ld = BLOCK;
  const at = Math.ceil(k.heapBase() / 16) * 16;
  const bytes = { a: n * n * 8, e: n * ld * 8, f: n * ld * 8, dneg: ld * ld * 8 };
  const off = { a: at, e: at + bytes.a, f: at + bytes.a + bytes.e, dneg: at + bytes.a + bytes.e + bytes.f };
  const top = off.dneg + bytes.dneg;
  if (top > MAX_PAGES * 65536 - 65536) return undefined;
  try {
    const have = memory.buffer.byteLength;
    if (top > have) memory.grow(Math.ceil((top - have) / 65536));
  } catch {
    return undefined;
  }
  const buf = memory.buffer;
  const two = threads === 'two' || (threads === 'auto' && n >= PARALLEL_MIN_N && availableParallelism() > 1);
  const helper = two ? new SweepHelper(mod, memory) : undefined;
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
    sweepRest(size, k0, k1) {
      if (!helper) {
        k.sweepRows(off.a, off.f, off.e, size, ld, k0, k1, 0, size);
        return;
      }
      helper.sweep(k, [off.a, off.f, off.e, size, ld, k0, k1]);
    },
    close() {
      helper?.stop();
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
    sweepRest(size, k0, k1) {
      subABtTs(bufs.a, size, bufs.f, bufs.e, ld, 0, k0, 0, k0, true);
      subABtTs(bufs.a, size, bufs.f, bufs.e, ld, k1, size, 0, k0, true);
      subABtTs(bufs.a, size, bufs.f, bufs.e, ld, k1, size, k1, size, true);
    },
    close() {},
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
export function invertSpd(n: number, fill: (a: Float64Array) => void, kernel: DenseKernelChoice = 'auto', threads: DenseThreads = 'auto'): SpdInverse {
  const ws = (kernel !== 'ts' ? wasmWorkspace(n, threads) : undefined) ?? tsWorkspace(n);
  if (kernel === 'wasm' && ws.used !== 'wasm') {
    throw new Error('the WebAssembly dense kernel is not available (run npm run build:wasm)');
  }
  try {
    fill(ws.a);
    sweepAll(ws, n);
  } finally {
    ws.close();
  }
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
    // A_RR −= F·Eᵀ, lower triangle, R = [0, k0) ∪ [k1, n): the n³/2 of the inverse
    ws.sweepRest(n, k0, k1);
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
