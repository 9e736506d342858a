/**
 * The NMF fit loop (Surprise's multiplicative updates) in two implementations that agree bit for
 * bit: the SIMD WebAssembly kernel (mf.as.ts, float64 pairs) and the TypeScript reference below,
 * which sums each dot product in the kernel's two-lane order. Everything else is element-wise, so
 * the same float64 operations give the same bits.
 *
 * One epoch, in all_ratings() order:
 *   est = mu + b_u + b_i + q_i.p_u;  when biased, b_u and b_i move by SGD on err = r - est;
 *   user sums += q_i r, q_i est;  item sums += p_u r, p_u est;
 *   at the end of u's block: p_uf *= num / (den + |I_u| reg_pu p_uf) for p_uf != 0;
 *   after all users:         q_if *= num / (den + |U_i| reg_qi q_if) for q_if != 0.
 * Updating p_u at the end of its own block is the same arithmetic as Surprise's update after the
 * pass: the user's sums are complete there, and its old p_u is not read again that epoch (the
 * item sums for its ratings are already taken).
 */
import { Arena, newKernelInstance } from './wasm.ts';
import type { KernelChoice, KernelUsed } from './svd-sgd.ts';

export interface NmfInput {
  nUsers: number;
  nItems: number;
  indptr: Int32Array;
  items: Int32Array;
  ratings: Float32Array;
  /** |U_i| for every item */
  itemDeg: Int32Array;
  nFactors: number;
  /** nUsers x nFactors, initial values in, trained values out */
  p: Float64Array;
  q: Float64Array;
  bu: Float64Array;
  bi: Float64Array;
}

export interface NmfOptions {
  nEpochs: number;
  /** the global mean, or 0 when unbiased */
  mu: number;
  biased: boolean;
  lrBu: number;
  lrBi: number;
  regBu: number;
  regBi: number;
  regPu: number;
  regQi: number;
}

const padded = (f: number): number => (f + 1) & ~1;

function pad(src: Float64Array, rows: number, f: number, fPad: number, dst: Float64Array): void {
  if (f === fPad) dst.set(src);
  else for (let r = 0; r < rows; r++) dst.set(src.subarray(r * f, r * f + f), r * fPad);
}

function unpad(src: Float64Array, rows: number, f: number, fPad: number, dst: Float64Array): void {
  if (f === fPad) dst.set(src);
  else for (let r = 0; r < rows; r++) dst.set(src.subarray(r * fPad, r * fPad + f), r * f);
}

/** Runs every epoch in place on `input`; returns which implementation ran. */
export function nmfFit(input: NmfInput, o: NmfOptions, choice: KernelChoice = 'auto'): KernelUsed {
  const k = choice === 'ts' ? undefined : newKernelInstance();
  const fallback = (): KernelUsed => {
    if (choice === 'wasm') throw new Error('the WebAssembly NMF kernel is not available');
    nmfFitReference(input, o);
    return 'ts';
  };
  if (!k) return fallback();
  const { nUsers, nItems, nFactors: f } = input;
  const fPad = padded(f);
  const nR = input.items.length;
  const a = new Arena(k);
  const aIndptr = a.alloc(4 * (nUsers + 1));
  const aItems = a.alloc(4 * nR);
  const aRatings = a.alloc(4 * nR);
  const aDeg = a.alloc(4 * nItems);
  const aP = a.alloc(8 * nUsers * fPad);
  const aQ = a.alloc(8 * nItems * fPad);
  const aBu = a.alloc(8 * nUsers);
  const aBi = a.alloc(8 * nItems);
  const aUserNum = a.alloc(8 * fPad);
  const aUserDen = a.alloc(8 * fPad);
  const aItemNum = a.alloc(8 * nItems * fPad);
  const aItemDen = a.alloc(8 * nItems * fPad);
  if (!a.commit()) return fallback();
  a.i32(aIndptr, nUsers + 1).set(input.indptr);
  a.i32(aItems, nR).set(input.items);
  a.f32(aRatings, nR).set(input.ratings);
  a.i32(aDeg, nItems).set(input.itemDeg);
  pad(input.p, nUsers, f, fPad, a.f64(aP, nUsers * fPad));
  pad(input.q, nItems, f, fPad, a.f64(aQ, nItems * fPad));
  a.f64(aBu, nUsers).set(input.bu);
  a.f64(aBi, nItems).set(input.bi);
  for (let epoch = 0; epoch < o.nEpochs; epoch++) {
    k.nmfEpoch(nUsers, nItems, aIndptr, aItems, aRatings, aDeg, aP, aQ, aBu, aBi, aUserNum, aUserDen, aItemNum,
      aItemDen, fPad, o.mu, o.biased ? 1 : 0, o.lrBu, o.lrBi, o.regBu, o.regBi, o.regPu, o.regQi);
  }
  unpad(a.f64(aP, nUsers * fPad), nUsers, f, fPad, input.p);
  unpad(a.f64(aQ, nItems * fPad), nItems, f, fPad, input.q);
  input.bu.set(a.f64(aBu, nUsers));
  input.bi.set(a.f64(aBi, nItems));
  return 'wasm';
}

/** The TypeScript reference of the kernel (same operations, same order). */
export function nmfFitReference(input: NmfInput, o: NmfOptions): void {
  const { nUsers, nItems, nFactors: f, indptr, items, ratings, itemDeg, bu, bi } = input;
  const fPad = padded(f);
  const p = new Float64Array(nUsers * fPad);
  const q = new Float64Array(nItems * fPad);
  pad(input.p, nUsers, f, fPad, p);
  pad(input.q, nItems, f, fPad, q);
  const { mu, biased, lrBu, lrBi, regBu, regBi, regPu, regQi } = o;
  const userNum = new Float64Array(fPad);
  const userDen = new Float64Array(fPad);
  const itemNum = new Float64Array(nItems * fPad);
  const itemDen = new Float64Array(nItems * fPad);
  for (let epoch = 0; epoch < o.nEpochs; epoch++) {
    itemNum.fill(0);
    itemDen.fill(0);
    for (let u = 0; u < nUsers; u++) {
      const pu = u * fPad;
      userNum.fill(0);
      userDen.fill(0);
      for (let k = indptr[u]; k < indptr[u + 1]; k++) {
        const i = items[k];
        const r = ratings[k];
        const qi = i * fPad;
        let s0 = 0;
        let s1 = 0;
        for (let x = 0; x < fPad; x += 2) {
          s0 += q[qi + x] * p[pu + x];
          s1 += q[qi + x + 1] * p[pu + x + 1];
        }
        const bU = bu[u];
        const bI = bi[i];
        const est = mu + bU + bI + (s0 + s1);
        if (biased) {
          const err = r - est;
          bu[u] = bU + lrBu * (err - regBu * bU);
          bi[i] = bI + lrBi * (err - regBi * bI);
        }
        for (let x = 0; x < fPad; x++) {
          const qv = q[qi + x];
          const pv = p[pu + x];
          userNum[x] += qv * r;
          userDen[x] += qv * est;
          itemNum[qi + x] += pv * r;
          itemDen[qi + x] += pv * est;
        }
      }
      const nR = indptr[u + 1] - indptr[u];
      for (let x = 0; x < fPad; x++) {
        const v = p[pu + x];
        if (v !== 0) p[pu + x] = v * (userNum[x] / (userDen[x] + nR * regPu * v));
      }
    }
    for (let i = 0; i < nItems; i++) {
      const qi = i * fPad;
      const nR = itemDeg[i];
      for (let x = 0; x < fPad; x++) {
        const v = q[qi + x];
        if (v !== 0) q[qi + x] = v * (itemNum[qi + x] / (itemDen[qi + x] + nR * regQi * v));
      }
    }
  }
  unpad(p, nUsers, f, fPad, input.p);
  unpad(q, nItems, f, fPad, input.q);
}
