/** Small dense-vector helpers shared by the factor models' hot loops. */

/** Σ a[ao + x] · b[bo + x] for x < f: a dot product of two rows of flat factor matrices. */
export function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, f: number): number {
  let s = 0;
  for (let x = 0; x < f; x++) s += a[ao + x] * b[bo + x];
  return s;
}
