/**
 * Sparse rows in typed arrays (CSR), float64 like scikit-learn's TF-IDF output. Columns inside a
 * row are sorted ascending, which makes row-by-row dot products a simple merge.
 */
export interface SparseRows {
  readonly nRows: number;
  readonly nCols: number;
  /** row r holds entries indptr[r] .. indptr[r+1] */
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly data: Float64Array;
}

/** Xᵀ by a counting sort: the inverted index (term → documents, documents ascending). */
export function transpose(x: SparseRows): SparseRows {
  const nnz = x.indptr[x.nRows];
  const indptr = new Int32Array(x.nCols + 1);
  for (let k = 0; k < nnz; k++) indptr[x.indices[k] + 1]++;
  for (let c = 0; c < x.nCols; c++) indptr[c + 1] += indptr[c];
  const fill = indptr.slice(0, x.nCols);
  const indices = new Int32Array(nnz);
  const data = new Float64Array(nnz);
  for (let r = 0; r < x.nRows; r++) {
    for (let k = x.indptr[r]; k < x.indptr[r + 1]; k++) {
      const pos = fill[x.indices[k]]++;
      indices[pos] = r;
      data[pos] = x.data[k];
    }
  }
  return { nRows: x.nCols, nCols: x.nRows, indptr, indices, data };
}

/** Dot product of row a and row b of the same matrix (sorted columns: a merge). */
export function rowDot(x: SparseRows, a: number, b: number): number {
  let i = x.indptr[a];
  const iEnd = x.indptr[a + 1];
  let j = x.indptr[b];
  const jEnd = x.indptr[b + 1];
  let s = 0;
  while (i < iEnd && j < jEnd) {
    const ci = x.indices[i];
    const cj = x.indices[j];
    if (ci === cj) {
      s += x.data[i++] * x.data[j++];
    } else if (ci < cj) i++;
    else j++;
  }
  return s;
}

/** Dot product of row a with a dense vector. */
export function rowDotDense(x: SparseRows, a: number, v: Float64Array): number {
  let s = 0;
  for (let k = x.indptr[a]; k < x.indptr[a + 1]; k++) s += x.data[k] * v[x.indices[k]];
  return s;
}

export function rowNnz(x: SparseRows, r: number): number {
  return x.indptr[r + 1] - x.indptr[r];
}
