/**
 * What each kNN variant adds per neighbour's rating (its term, before weighting by similarity),
 * and the per-row statistics the terms need. The term depends only on the rating, so the terms of
 * every trained rating are computed once at fit time.
 */
import type { Csr } from '../trainset.ts';

export type KnnVariant = 'basic' | 'means' | 'zscore' | 'baseline';

/** The x-side statistics of the means and zscore variants (users when user-based, else items). */
export interface TermStats {
  readonly variant: KnnVariant;
  /** x-side means, for means and zscore */
  readonly means: Float64Array | undefined;
  /** x-side population std (0 replaced by the overall std), for zscore */
  readonly sigmas: Float64Array | undefined;
}

/**
 * The contribution of neighbour nb's rating r, before weighting by similarity: r, r − μ_nb,
 * (r − μ_nb)/σ_nb, or r − (μ + b_nb + b_y) (bx: the neighbour side's biases, byY: the other side's).
 */
export function ratingTerm(
  stats: TermStats,
  nb: number,
  r: number,
  mu: number,
  bx: Float64Array | undefined,
  byY: number,
): number {
  switch (stats.variant) {
    case 'basic':
      return r;
    case 'means':
      return r - (stats.means as Float64Array)[nb];
    case 'zscore':
      return (r - (stats.means as Float64Array)[nb]) / (stats.sigmas as Float64Array)[nb];
    case 'baseline':
      return r - (mu + (bx as Float64Array)[nb] + byY);
  }
}

export function rowMeans(csr: Csr): Float64Array {
  const n = csr.indptr.length - 1;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let k = csr.indptr[r]; k < csr.indptr[r + 1]; k++) s += csr.values[k];
    out[r] = s / (csr.indptr[r + 1] - csr.indptr[r]);
  }
  return out;
}

/** numpy's np.std (divide by n), with a given mean. */
export function populationStd(values: ArrayLike<number>, mean: number): number {
  let s = 0;
  for (let k = 0; k < values.length; k++) {
    const d = values[k] - mean;
    s += d * d;
  }
  return Math.sqrt(s / values.length);
}

export function rowSigmas(csr: Csr, means: Float64Array, overall: number): Float64Array {
  const n = csr.indptr.length - 1;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    const a = csr.indptr[r];
    const b = csr.indptr[r + 1];
    for (let k = a; k < b; k++) {
      const d = csr.values[k] - means[r];
      s += d * d;
    }
    const sd = Math.sqrt(s / (b - a));
    out[r] = sd === 0 ? overall : sd;
  }
  return out;
}
