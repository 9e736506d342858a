// @ts-nocheck -- AssemblyScript source (compiled by `npm run build:wasm` to build/dense.wasm), not Node TypeScript.
/**
 * SIMD WebAssembly kernel for dense float64 products, the whole cost of EASE's inverse
 * (see sym-inverse.ts). Hand-written because plain JS has no SIMD: the TypeScript reference of
 * the same product runs at about 1 GFLOP/s here, which puts a 3,650-item inverse near a minute.
 *
 * subABt: C[i, j] -= A[i, :] · B[j, :] for i in [i0, i1), j in [j0, min(j1, i + 1)) when `lower`
 * is set (else j in [j0, j1)). A and B are row-major with `ld` float64 per row (ld even, rows 16-byte
 * aligned, the padding lanes zero); C is row-major with `ldc` per row. Two rows of C by four
 * columns at a time keep eight f64x2 accumulators and six loads per step in registers.
 */

export function heapBase(): usize {
  return __heap_base;
}

@inline
function dot(a: usize, b: usize, bytes: usize): f64 {
  let acc = f64x2.splat(0);
  for (let k: usize = 0; k < bytes; k += 16) acc = f64x2.add(acc, f64x2.mul(v128.load(a + k), v128.load(b + k)));
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

@inline
function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** columns of C per tile: 32 rows of B (64 float64 each) stay in L1 while every row of A passes */
const J_TILE: i32 = 32;

export function subABt(
  c: usize,
  ldc: i32,
  a: usize,
  b: usize,
  ld: i32,
  i0: i32,
  i1: i32,
  j0: i32,
  j1: i32,
  lower: i32,
): void {
  for (let jt = j0; jt < j1; jt += J_TILE) {
    // under `lower`, rows above the tile have no column in it
    const first = lower ? max(i0, jt - 1) : i0;
    if (first < i1) tile(c, ldc, a, b, ld, first, i1, jt, min(j1, jt + J_TILE), lower);
  }
}

function tile(
  c: usize,
  ldc: i32,
  a: usize,
  b: usize,
  ld: i32,
  i0: i32,
  i1: i32,
  j0: i32,
  j1: i32,
  lower: i32,
): void {
  const row: usize = (<usize>ld) << 3;
  const crow: usize = (<usize>ldc) << 3;
  let i = i0;
  for (; i + 1 < i1; i += 2) {
    const a0 = a + (<usize>i) * row;
    const a1 = a0 + row;
    const c0 = c + (<usize>i) * crow;
    const c1 = c0 + crow;
    // columns both rows share: j < jEnd (row i's limit; row i + 1 may take one more)
    const jEnd = lower ? min(j1, i + 1) : j1;
    let j = j0;
    for (; j + 3 < jEnd; j += 4) {
      const b0 = b + (<usize>j) * row;
      const b1 = b0 + row;
      const b2 = b1 + row;
      const b3 = b2 + row;
      let s00 = f64x2.splat(0), s01 = f64x2.splat(0), s02 = f64x2.splat(0), s03 = f64x2.splat(0);
      let s10 = f64x2.splat(0), s11 = f64x2.splat(0), s12 = f64x2.splat(0), s13 = f64x2.splat(0);
      for (let k: usize = 0; k < row; k += 16) {
        const x0 = v128.load(a0 + k);
        const x1 = v128.load(a1 + k);
        const y0 = v128.load(b0 + k);
        const y1 = v128.load(b1 + k);
        const y2 = v128.load(b2 + k);
        const y3 = v128.load(b3 + k);
        s00 = f64x2.add(s00, f64x2.mul(x0, y0));
        s01 = f64x2.add(s01, f64x2.mul(x0, y1));
        s02 = f64x2.add(s02, f64x2.mul(x0, y2));
        s03 = f64x2.add(s03, f64x2.mul(x0, y3));
        s10 = f64x2.add(s10, f64x2.mul(x1, y0));
        s11 = f64x2.add(s11, f64x2.mul(x1, y1));
        s12 = f64x2.add(s12, f64x2.mul(x1, y2));
        s13 = f64x2.add(s13, f64x2.mul(x1, y3));
      }
      const p0 = c0 + ((<usize>j) << 3);
      const p1 = c1 + ((<usize>j) << 3);
      store<f64>(p0, load<f64>(p0) - hsum(s00));
      store<f64>(p0 + 8, load<f64>(p0 + 8) - hsum(s01));
      store<f64>(p0 + 16, load<f64>(p0 + 16) - hsum(s02));
      store<f64>(p0 + 24, load<f64>(p0 + 24) - hsum(s03));
      store<f64>(p1, load<f64>(p1) - hsum(s10));
      store<f64>(p1 + 8, load<f64>(p1 + 8) - hsum(s11));
      store<f64>(p1 + 16, load<f64>(p1 + 16) - hsum(s12));
      store<f64>(p1 + 24, load<f64>(p1 + 24) - hsum(s13));
    }
    for (; j < jEnd; j++) {
      const bj = b + (<usize>j) * row;
      const p0 = c0 + ((<usize>j) << 3);
      const p1 = c1 + ((<usize>j) << 3);
      store<f64>(p0, load<f64>(p0) - dot(a0, bj, row));
      store<f64>(p1, load<f64>(p1) - dot(a1, bj, row));
    }
    // row i + 1 alone: column i + 1 under `lower` (its diagonal, when in range)
    if (lower && i + 1 >= j0 && i + 1 < j1) {
      const p1 = c1 + ((<usize>(i + 1)) << 3);
      store<f64>(p1, load<f64>(p1) - dot(a1, b + (<usize>(i + 1)) * row, row));
    }
  }
  if (i < i1) {
    const a0 = a + (<usize>i) * row;
    const c0 = c + (<usize>i) * crow;
    const jEnd = lower ? min(j1, i + 1) : j1;
    for (let j = j0; j < jEnd; j++) {
      const p0 = c0 + ((<usize>j) << 3);
      store<f64>(p0, load<f64>(p0) - dot(a0, b + (<usize>j) * row, row));
    }
  }
}

/**
 * One pivot block's update of the rest, A_RR −= F·Eᵀ (lower triangle), for rows [r0, r1) only:
 * R = [0, k0) ∪ [k1, n), F and E packed n × ld. Two threads sharing this memory each take a row
 * range (sym-inverse.ts); every element is summed in the same order whichever thread and range
 * it falls in, so the split does not change a bit of the result.
 */
export function sweepRows(a: usize, f: usize, e: usize, n: i32, ld: i32, k0: i32, k1: i32, r0: i32, r1: i32): void {
  const top = min(r1, k0);
  if (r0 < top) subABt(a, n, f, e, ld, r0, top, 0, k0, 1);
  const low = max(r0, k1);
  if (low < r1) {
    subABt(a, n, f, e, ld, low, r1, 0, k0, 1);
    subABt(a, n, f, e, ld, low, r1, k1, n, 1);
  }
}
