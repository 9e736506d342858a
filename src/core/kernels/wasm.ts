/**
 * Loads the SIMD WebAssembly kernels (compiled from mf.as.ts by `npm run build:wasm`, which runs
 * on install). When the .wasm file is missing, the runtime lacks SIMD, or MARQUEE_NO_WASM=1 is
 * set, `newKernelInstance()` returns undefined and callers use the TypeScript reference beside each
 * kernel, which computes the same numbers bit for bit, only slower.
 */
import { readFileSync } from 'node:fs';

// The project's lib settings (ES2023 + @types/node 20) carry no WebAssembly typings, so the few
// members used here are typed locally rather than pulling in the DOM lib for everyone.
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (mod: WasmModule, imports: object) => { exports: object };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export interface KernelExports {
  readonly memory: WasmMemory;
  heapBase(): number;
  svdFit(
    nUsers: number,
    indptr: number,
    items: number,
    ratings: number,
    p: number,
    q: number,
    bu: number,
    bi: number,
    fPad: number,
    nEpochs: number,
    mu: number,
    biased: number,
    lrBu: number,
    lrBi: number,
    lrPu: number,
    lrQi: number,
    regBu: number,
    regBi: number,
    regPu: number,
    regQi: number,
  ): void;
  dotAll(pu: number, q: number, nItems: number, fPad: number, out: number): void;
  nmfEpoch(
    nUsers: number,
    nItems: number,
    indptr: number,
    items: number,
    ratings: number,
    itemDeg: number,
    p: number,
    q: number,
    bu: number,
    bi: number,
    userNum: number,
    userDen: number,
    itemNum: number,
    itemDen: number,
    fPad: number,
    mu: number,
    biased: number,
    lrBu: number,
    lrBi: number,
    regBu: number,
    regBi: number,
    regPu: number,
    regQi: number,
  ): void;
}

const WASM_URL = new URL('./build/mf.wasm', import.meta.url);

let compiled: WasmModule | null | undefined;
let loadProblem: string | undefined;

function compile(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  if (process.env.MARQUEE_NO_WASM === '1') {
    loadProblem = 'disabled by MARQUEE_NO_WASM=1';
    compiled = null;
    return compiled;
  }
  if (!WA) {
    loadProblem = 'this runtime has no WebAssembly';
    compiled = null;
    return compiled;
  }
  try {
    compiled = new WA.Module(readFileSync(WASM_URL));
  } catch (err) {
    loadProblem = `${WASM_URL.pathname}: ${err instanceof Error ? err.message : String(err)} (run npm run build:wasm)`;
    compiled = null;
  }
  return compiled;
}

/**
 * A fresh kernel instance with its own linear memory, or undefined when WebAssembly is not
 * available (see `kernelProblem()`). Instances are cheap once the module is compiled.
 */
export function newKernelInstance(): KernelExports | undefined {
  const mod = compile();
  if (!mod) return undefined;
  if (!WA) return undefined;
  return new WA.Instance(mod, {}).exports as KernelExports;
}

/** Why the WebAssembly kernels are not in use, or undefined when they are. */
export function kernelProblem(): string | undefined {
  compile();
  return loadProblem;
}

const MAX_BYTES = 4 * 1024 ** 3 - 65536;
const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/**
 * A bump allocator over one instance's memory: lay out every block, grow once, then take views.
 * Offsets are 16-byte aligned for v128 loads.
 */
export class Arena {
  private top: number;
  private readonly base: number;

  constructor(private readonly k: KernelExports) {
    this.base = align16(k.heapBase());
    this.top = this.base;
  }

  /** Reserves `bytes` and returns the offset; call `commit()` before taking views. */
  alloc(bytes: number): number {
    const at = this.top;
    this.top = align16(at + bytes);
    return at;
  }

  /**
   * Grows the memory to hold everything allocated so far; false when it cannot (past the 4 GiB
   * of a 32-bit WebAssembly memory, or out of memory), and the caller falls back to TypeScript.
   */
  commit(): boolean {
    const have = this.k.memory.buffer.byteLength;
    if (this.top <= have) return true;
    if (this.top > MAX_BYTES) return false;
    try {
      this.k.memory.grow(Math.ceil((this.top - have) / 65536));
      return true;
    } catch {
      return false;
    }
  }

  f32(at: number, n: number): Float32Array {
    return new Float32Array(this.k.memory.buffer, at, n);
  }

  f64(at: number, n: number): Float64Array {
    return new Float64Array(this.k.memory.buffer, at, n);
  }

  i32(at: number, n: number): Int32Array {
    return new Int32Array(this.k.memory.buffer, at, n);
  }
}
