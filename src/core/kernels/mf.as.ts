// @ts-nocheck -- AssemblyScript source (compiled by `npm run build:wasm` to build/mf.wasm), not Node TypeScript.
/**
 * SIMD WebAssembly kernels for the matrix-factorisation fits. Hand-written because these loops
 * are the whole cost of fitting and plain JS cannot use SIMD (measured on this
 * project's 2-core reference machine, SVD on ml-100k: plain JS ~1.0 s = 1.7x Surprise's 1.74 s,
 * SIMD float32 ~0.37 s = 4.7x).
 *
 * - svdFit: Surprise's SVD SGD over float32 factors, four lanes at a time.
 * - nmfEpoch: one epoch of NMF's multiplicative updates over float64 factors, two lanes at a time.
 *
 * Every operation is mirrored one for one by the TypeScript references (svd-sgd.ts, nmf-epoch.ts:
 * same lane order, same rounding), so both give the same model bit for bit.
 *
 * Memory is laid out by the caller (a bump area starting at heapBase()); factors are rows of fPad
 * lanes (n_factors rounded up to the lane count; the padding lanes hold zeros and stay zero).
 */

export function heapBase(): usize {
  return __heap_base;
}

export function svdFit(
  nUsers: i32,
  indptr: usize,
  items: usize,
  ratings: usize,
  p: usize,
  q: usize,
  bu: usize,
  bi: usize,
  fPad: i32,
  nEpochs: i32,
  mu: f64,
  biased: i32,
  lrBu: f64,
  lrBi: f64,
  lrPu: f64,
  lrQi: f64,
  regBu: f64,
  regBi: f64,
  regPu: f64,
  regQi: f64,
): void {
  const rowBytes: usize = (<usize>fPad) << 2;
  const ap = f32x4.splat(<f32>(1.0 - lrPu * regPu));
  const aq = f32x4.splat(<f32>(1.0 - lrQi * regQi));
  for (let epoch = 0; epoch < nEpochs; epoch++) {
    for (let u = 0; u < nUsers; u++) {
      const start = load<i32>(indptr + ((<usize>u) << 2));
      const end = load<i32>(indptr + ((<usize>(u + 1)) << 2));
      const pu = p + (<usize>u) * rowBytes;
      const buPtr = bu + ((<usize>u) << 3);
      for (let k = start; k < end; k++) {
        const i = load<i32>(items + ((<usize>k) << 2));
        const r = <f64>load<f32>(ratings + ((<usize>k) << 2));
        const qi = q + (<usize>i) * rowBytes;
        const biPtr = bi + ((<usize>i) << 3);
        let acc = f32x4.splat(0);
        for (let f: usize = 0; f < rowBytes; f += 16) {
          acc = f32x4.add(acc, f32x4.mul(v128.load(pu + f), v128.load(qi + f)));
        }
        const dot = <f64>(
          (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) +
          (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3))
        );
        const bU = load<f64>(buPtr);
        const bI = load<f64>(biPtr);
        const err = r - (mu + bU + bI + dot);
        if (biased) {
          store<f64>(buPtr, bU + lrBu * (err - regBu * bU));
          store<f64>(biPtr, bI + lrBi * (err - regBi * bI));
        }
        const bp = f32x4.splat(<f32>(lrPu * err));
        const bq = f32x4.splat(<f32>(lrQi * err));
        for (let f: usize = 0; f < rowBytes; f += 16) {
          const pv = v128.load(pu + f);
          const qv = v128.load(qi + f);
          v128.store(pu + f, f32x4.add(f32x4.mul(pv, ap), f32x4.mul(qv, bp)));
          v128.store(qi + f, f32x4.add(f32x4.mul(qv, aq), f32x4.mul(pv, bq)));
        }
      }
    }
  }
}

/** out[i] = p_u . q_i for every item, in the same lane order as the fit. */
export function dotAll(pu: usize, q: usize, nItems: i32, fPad: i32, out: usize): void {
  const rowBytes: usize = (<usize>fPad) << 2;
  for (let i = 0; i < nItems; i++) {
    const qi = q + (<usize>i) * rowBytes;
    let acc = f32x4.splat(0);
    for (let f: usize = 0; f < rowBytes; f += 16) {
      acc = f32x4.add(acc, f32x4.mul(v128.load(pu + f), v128.load(qi + f)));
    }
    store<f64>(
      out + ((<usize>i) << 3),
      <f64>((f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3))),
    );
  }
}

/**
 * One NMF epoch (see nmf-epoch.ts for the rule). Factors are float64 rows of fPad (even) lanes;
 * userNum/userDen are fPad scratch, itemNum/itemDen nItems x fPad scratch; itemDeg = |U_i|.
 */
export function nmfEpoch(
  nUsers: i32,
  nItems: i32,
  indptr: usize,
  items: usize,
  ratings: usize,
  itemDeg: usize,
  p: usize,
  q: usize,
  bu: usize,
  bi: usize,
  userNum: usize,
  userDen: usize,
  itemNum: usize,
  itemDen: usize,
  fPad: i32,
  mu: f64,
  biased: i32,
  lrBu: f64,
  lrBi: f64,
  regBu: f64,
  regBi: f64,
  regPu: f64,
  regQi: f64,
): void {
  const rowBytes: usize = (<usize>fPad) << 3;
  memory.fill(itemNum, 0, (<usize>nItems) * rowBytes);
  memory.fill(itemDen, 0, (<usize>nItems) * rowBytes);
  for (let u = 0; u < nUsers; u++) {
    const start = load<i32>(indptr + ((<usize>u) << 2));
    const end = load<i32>(indptr + ((<usize>(u + 1)) << 2));
    const pu = p + (<usize>u) * rowBytes;
    const buPtr = bu + ((<usize>u) << 3);
    memory.fill(userNum, 0, rowBytes);
    memory.fill(userDen, 0, rowBytes);
    for (let k = start; k < end; k++) {
      const i = load<i32>(items + ((<usize>k) << 2));
      const r = <f64>load<f32>(ratings + ((<usize>k) << 2));
      const qi = q + (<usize>i) * rowBytes;
      const biPtr = bi + ((<usize>i) << 3);
      let acc = f64x2.splat(0);
      for (let f: usize = 0; f < rowBytes; f += 16) {
        acc = f64x2.add(acc, f64x2.mul(v128.load(qi + f), v128.load(pu + f)));
      }
      const dot = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
      const bU = load<f64>(buPtr);
      const bI = load<f64>(biPtr);
      const est = mu + bU + bI + dot;
      if (biased) {
        const err = r - est;
        store<f64>(buPtr, bU + lrBu * (err - regBu * bU));
        store<f64>(biPtr, bI + lrBi * (err - regBi * bI));
      }
      const rv = f64x2.splat(r);
      const ev = f64x2.splat(est);
      const iNum = itemNum + (<usize>i) * rowBytes;
      const iDen = itemDen + (<usize>i) * rowBytes;
      for (let f: usize = 0; f < rowBytes; f += 16) {
        const qv = v128.load(qi + f);
        const pv = v128.load(pu + f);
        v128.store(userNum + f, f64x2.add(v128.load(userNum + f), f64x2.mul(qv, rv)));
        v128.store(userDen + f, f64x2.add(v128.load(userDen + f), f64x2.mul(qv, ev)));
        v128.store(iNum + f, f64x2.add(v128.load(iNum + f), f64x2.mul(pv, rv)));
        v128.store(iDen + f, f64x2.add(v128.load(iDen + f), f64x2.mul(pv, ev)));
      }
    }
    const nR = <f64>(end - start);
    for (let f: usize = 0; f < rowBytes; f += 8) {
      const v = load<f64>(pu + f);
      if (v != 0) store<f64>(pu + f, v * (load<f64>(userNum + f) / (load<f64>(userDen + f) + nR * regPu * v)));
    }
  }
  for (let i = 0; i < nItems; i++) {
    const qi = q + (<usize>i) * rowBytes;
    const iNum = itemNum + (<usize>i) * rowBytes;
    const iDen = itemDen + (<usize>i) * rowBytes;
    const nR = <f64>load<i32>(itemDeg + ((<usize>i) << 2));
    for (let f: usize = 0; f < rowBytes; f += 8) {
      const v = load<f64>(qi + f);
      if (v != 0) store<f64>(qi + f, v * (load<f64>(iNum + f) / (load<f64>(iDen + f) + nR * regQi * v)));
    }
  }
}
