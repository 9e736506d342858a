/**
 * The SVD fit loop (Surprise's SGD) on float32 factors, in two implementations that agree bit
 * for bit: the SIMD WebAssembly kernel (mf.as.ts) and the TypeScript reference below, which
 * mirrors every float32 operation of the kernel (four lanes, rounding after each step with
 * Math.fround). The kernel is used when it loads; the reference is the fallback and the oracle
 * in tests.
 *
 * Per rating, in all_ratings() order, every epoch (no shuffling):
 *   err = r - (mu + b_u + b_i + q_i.p_u)
 *   b_u += lr_bu (err - reg_bu b_u);  b_i += lr_bi (err - reg_bi b_i)      (biased only)
 *   p_u <- p_u (1 - lr_pu reg_pu) + (lr_pu err) q_i(old)
 *   q_i <- q_i (1 - lr_qi reg_qi) + (lr_qi err) p_u(old)
 * which is Surprise's p_uf += lr_pu (err q_if - reg_pu p_uf), q_if += lr_qi (err p_uf - reg_qi q_if)
 * with the two terms factored so each lane costs two multiplies and an add.
 */
import { Arena, newKernelInstance, type KernelExports } from './wasm.ts';

export interface SvdSgdInput {
  nUsers: number;
  nItems: number;
  /** byUser CSR of the trainset: the walk order is Surprise's all_ratings() */
  indptr: Int32Array;
  items: Int32Array;
  ratings: Float32Array;
  nFactors: number;
  /** nUsers x nFactors, row-major; initial values in, trained values out */
  p: Float32Array;
  /** nItems x nFactors */
  q: Float32Array;
  bu: Float64Array;
  bi: Float64Array;
}

export interface SvdSgdOptions {
  nEpochs: number;
  /** the global mean, or 0 for the unbiased model */
  mu: number;
  biased: boolean;
  lrBu: number;
  lrBi: number;
  lrPu: number;
  lrQi: number;
  regBu: number;
  regBi: number;
  regPu: number;
  regQi: number;
}

export type KernelChoice = 'auto' | 'wasm' | 'ts';
export type KernelUsed = 'wasm' | 'ts';

/** Factors padded to a multiple of 4 lanes (the padding stays zero through every update). */
export function paddedFactors(nFactors: number): number {
  return (nFactors + 3) & ~3;
}

function pad(src: Float32Array, rows: number, f: number, fPad: number, dst: Float32Array): void {
  if (f === fPad) {
    dst.set(src);
    return;
  }
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * f, r * f + f), r * fPad);
}

function unpad(src: Float32Array, rows: number, f: number, fPad: number, dst: Float32Array): void {
  if (f === fPad) {
    dst.set(src);
    return;
  }
  for (let r = 0; r < rows; r++) dst.set(src.subarray(r * fPad, r * fPad + f), r * f);
}

/**
 * p . q in the kernel's float32 lane order (lane l sums the products at f = l mod 4, then
 * (l0 + l1) + (l2 + l3)), so single estimates equal the kernel's scores bit for bit.
 */
export function dotF32(a: Float32Array, ao: number, b: Float32Array, bo: number, f: number): number {
  const fr = Math.fround;
  let a0 = 0;
  let a1 = 0;
  let a2 = 0;
  let a3 = 0;
  let x = 0;
  for (; x + 3 < f; x += 4) {
    a0 = fr(a0 + fr(a[ao + x] * b[bo + x]));
    a1 = fr(a1 + fr(a[ao + x + 1] * b[bo + x + 1]));
    a2 = fr(a2 + fr(a[ao + x + 2] * b[bo + x + 2]));
    a3 = fr(a3 + fr(a[ao + x + 3] * b[bo + x + 3]));
  }
  // the kernel's padding lanes add +0, which changes no lane sum
  if (x < f) a0 = fr(a0 + fr(a[ao + x] * b[bo + x]));
  if (x + 1 < f) a1 = fr(a1 + fr(a[ao + x + 1] * b[bo + x + 1]));
  if (x + 2 < f) a2 = fr(a2 + fr(a[ao + x + 2] * b[bo + x + 2]));
  return fr(fr(a0 + a1) + fr(a2 + a3));
}

/**
 * Scores one user vector against every item's float32 factors: out[i] = p . q_i (dotF32 order).
 * Keeps its own kernel instance holding the item factors, so repeated scoring (top-N for every
 * member) costs one SIMD pass per call and no copies of q.
 */
export class ItemDotScorer {
  private readonly k: KernelExports | undefined;
  private readonly arena: Arena | undefined;
  private readonly aP: number = 0;
  private readonly aQ: number = 0;
  private readonly aOut: number = 0;
  private readonly fPad: number;
  /** items whose factors are in the kernel's memory so far (copyRows); all of them before scoring */
  private copied = 0;

  /**
   * `copyNow` false leaves the copy of the factors into the kernel's memory to copyRows (a few
   * rows per call) or to the first scoreInto.
   */
  constructor(
    private readonly q: Float32Array,
    private readonly nItems: number,
    private readonly f: number,
    choice: KernelChoice = 'auto',
    { copyNow = true }: { copyNow?: boolean } = {},
  ) {
    this.fPad = paddedFactors(f);
    let k = choice === 'ts' ? undefined : newKernelInstance();
    if (k) {
      const arena = new Arena(k);
      this.aQ = arena.alloc(4 * nItems * this.fPad);
      this.aP = arena.alloc(4 * this.fPad);
      this.aOut = arena.alloc(8 * nItems);
      if (arena.commit()) {
        this.arena = arena;
      } else {
        k = undefined;
      }
    }
    if (!k && choice === 'wasm') throw new Error('the WebAssembly SGD kernel is not available');
    this.k = k;
    if (!this.arena) this.copied = nItems;
    if (copyNow) this.copyRows(nItems);
  }

  get kernel(): KernelUsed {
    return this.k ? 'wasm' : 'ts';
  }

  /** The kernel memory a scorer of `nItems` items with `f` factors allocates per item: padded float32 factors and a float64 score. */
  static bytesFor(nItems: number, f: number): number {
    return nItems * (4 * paddedFactors(f) + 8);
  }

  /** Copies up to `rows` more items' factors into the kernel's memory; true once every item's are there. */
  copyRows(rows: number): boolean {
    const { arena, nItems, f, fPad } = this;
    if (arena && this.copied < nItems) {
      const from = this.copied;
      const to = Math.min(nItems, from + Math.max(1, Math.floor(Math.min(rows, nItems))));
      pad(this.q.subarray(from * f, to * f), to - from, f, fPad, arena.f32(this.aQ + 4 * from * fPad, (to - from) * fPad));
      this.copied = to;
    }
    return this.copied === nItems;
  }

  /** out[i] = p[po .. po+f) . q_i for every item. */
  scoreInto(p: Float32Array, po: number, out: Float64Array): void {
    const { f, nItems } = this;
    if (this.k && this.arena) {
      this.copyRows(nItems);
      const pv = this.arena.f32(this.aP, this.fPad);
      pv.fill(0);
      pv.set(p.subarray(po, po + f));
      this.k.dotAll(this.aP, this.aQ, nItems, this.fPad, this.aOut);
      out.set(this.arena.f64(this.aOut, nItems));
      return;
    }
    const q = this.q;
    for (let i = 0; i < nItems; i++) out[i] = dotF32(p, po, q, i * f, f);
  }
}

/** Runs the fit in place on `input`; returns which implementation ran. */
export function svdSgd(input: SvdSgdInput, opts: SvdSgdOptions, choice: KernelChoice = 'auto'): KernelUsed {
  const k = choice === 'ts' ? undefined : newKernelInstance();
  const fallback = (): KernelUsed => {
    if (choice === 'wasm') throw new Error('the WebAssembly SGD kernel is not available');
    svdSgdReference(input, opts);
    return 'ts';
  };
  if (!k) return fallback();
  const { nUsers, nItems, nFactors: f } = input;
  const fPad = paddedFactors(f);
  const nR = input.items.length;
  const arena = new Arena(k);
  const aIndptr = arena.alloc(4 * (nUsers + 1));
  const aItems = arena.alloc(4 * nR);
  const aRatings = arena.alloc(4 * nR);
  const aP = arena.alloc(4 * nUsers * fPad);
  const aQ = arena.alloc(4 * nItems * fPad);
  const aBu = arena.alloc(8 * nUsers);
  const aBi = arena.alloc(8 * nItems);
  if (!arena.commit()) return fallback();
  arena.i32(aIndptr, nUsers + 1).set(input.indptr);
  arena.i32(aItems, nR).set(input.items);
  arena.f32(aRatings, nR).set(input.ratings);
  pad(input.p, nUsers, f, fPad, arena.f32(aP, nUsers * fPad));
  pad(input.q, nItems, f, fPad, arena.f32(aQ, nItems * fPad));
  arena.f64(aBu, nUsers).set(input.bu);
  arena.f64(aBi, nItems).set(input.bi);
  // one call per epoch: V8 tiers a hot WebAssembly function up between calls, not inside one
  for (let epoch = 0; epoch < opts.nEpochs; epoch++) {
    k.svdFit(nUsers, aIndptr, aItems, aRatings, aP, aQ, aBu, aBi, fPad, 1, opts.mu, opts.biased ? 1 : 0,
      opts.lrBu, opts.lrBi, opts.lrPu, opts.lrQi, opts.regBu, opts.regBi, opts.regPu, opts.regQi);
  }
  unpad(arena.f32(aP, nUsers * fPad), nUsers, f, fPad, input.p);
  unpad(arena.f32(aQ, nItems * fPad), nItems, f, fPad, input.q);
  input.bu.set(arena.f64(aBu, nUsers));
  input.bi.set(arena.f64(aBi, nItems));
  return 'wasm';
}

/**
 * The TypeScript reference of the kernel: same operations, same order, float32 rounding after
 * each one (an f64 sum or product of two float32 values rounds to the float32 result exactly).
 */
export function svdSgdReference(input: SvdSgdInput, opts: SvdSgdOptions): void {
  const { nUsers, nItems, nFactors: f, indptr, items, ratings, bu, bi } = input;
  const fPad = paddedFactors(f);
  const p = new Float32Array(nUsers * fPad);
  const q = new Float32Array(nItems * fPad);
  pad(input.p, nUsers, f, fPad, p);
  pad(input.q, nItems, f, fPad, q);
  const fr = Math.fround;
  const { mu, biased, lrBu, lrBi, lrPu, lrQi, regBu, regBi, regPu, regQi } = opts;
  const ap = fr(1 - lrPu * regPu);
  const aq = fr(1 - lrQi * regQi);
  for (let epoch = 0; epoch < opts.nEpochs; epoch++) {
    for (let u = 0; u < nUsers; u++) {
      const pu = u * fPad;
      for (let k = indptr[u]; k < indptr[u + 1]; k++) {
        const i = items[k];
        const r = ratings[k];
        const qi = i * fPad;
        let a0 = 0;
        let a1 = 0;
        let a2 = 0;
        let a3 = 0;
        for (let x = 0; x < fPad; x += 4) {
          a0 = fr(a0 + fr(p[pu + x] * q[qi + x]));
          a1 = fr(a1 + fr(p[pu + x + 1] * q[qi + x + 1]));
          a2 = fr(a2 + fr(p[pu + x + 2] * q[qi + x + 2]));
          a3 = fr(a3 + fr(p[pu + x + 3] * q[qi + x + 3]));
        }
        const dot = fr(fr(a0 + a1) + fr(a2 + a3));
        const bU = bu[u];
        const bI = bi[i];
        const err = r - (mu + bU + bI + dot);
        if (biased) {
          bu[u] = bU + lrBu * (err - regBu * bU);
          bi[i] = bI + lrBi * (err - regBi * bI);
        }
        const bp = fr(lrPu * err);
        const bq = fr(lrQi * err);
        for (let x = 0; x < fPad; x++) {
          const pv = p[pu + x];
          const qv = q[qi + x];
          p[pu + x] = fr(pv * ap) + fr(qv * bp);
          q[qi + x] = fr(qv * aq) + fr(pv * bq);
        }
      }
    }
  }
  unpad(p, nUsers, f, fPad, input.p);
  unpad(q, nItems, f, fPad, input.q);
}
