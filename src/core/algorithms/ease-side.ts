/**
 * EASE with side information as one closed-form model ("cEASE", Jeunen, Van Balen, Goethals,
 * "Closed-Form Models for Collaborative Filtering with Side-Information", RecSys 2020): each
 * movie's feature vector (its content model row: TF-IDF over title, genres and tags) is stacked
 * under the member × movie matrix X as weighted pseudo-users, one per feature, so
 *
 *   G = XᵀX + α·FᵀF + λI,   P = G⁻¹,   B = I − P·diag(1/diag P)   (B_jj = 0),
 *
 * where F is the feature × movie matrix: (FᵀF)_ij = f_i·f_j, the cosine of two movies' unit-length
 * TF-IDF rows. Content enters B itself: two movies that share tags vote for each other even when
 * few members rated both. Everything else is EASE's (ease.ts): the domain (min_ratings,
 * max_items), the fold-in by x·B, the snapshot state, the explanations.
 *
 * Cost over EASE: the feature Gram matrix, Σ over features of (movies having it)², added to the
 * lower triangle before the same inverse: fit 5.2 s vs EASE's 5.1 s of CPU on ml-latest-small
 * (`npx tsx bench/hybrid-blend.ts <data> --seeds 0,1,2,3,4 ease ease-side:alpha=30`).
 *
 * Measured by that command (paired HR@10 over five seeds, McNemar): α 30 vs EASE on
 * ml-latest-small +0.0062 (p = 0.11), on ml-100k +0.0042 (p = 0.12); α 100 and above lose (−0.025
 * at seed 0 on ml-latest-small), since FᵀF's diagonal adds α to every movie's regularisation and
 * its genre terms tie thousands of movies together. On the profile-size curve of ml-latest-small it
 * is below EASE at every size. Not a win, so not `hybrid` nor the default; the full account is in
 * src/core/content/hybrid.ts.
 */
import { defineParams, resolveParams, type ParamsOf } from '../algorithm.ts';
import type { SparseRows } from '../content/sparse.ts';
import type { Trainset } from '../trainset.ts';
import { Ease, easeParams } from './ease.ts';

export const easeSideParams = defineParams({
  ...easeParams,
  alpha: {
    type: 'float',
    default: 30,
    min: 0,
    doc: 'weight α of the movie-feature pseudo-users: G = XᵀX + α·FᵀF + λI (0: plain EASE)',
  },
});

export type EaseSideParams = ParamsOf<typeof easeSideParams>;

/** Movie features by raw movie id: a row of `rows` (unit length for cosines), or none. */
export interface ItemFeatures {
  readonly rows: SparseRows;
  rowOf(movieId: string): number | undefined;
}

export class EaseSide extends Ease<EaseSideParams> {
  override readonly name: string = 'ease-side';

  constructor(
    readonly features: ItemFeatures,
    given: Record<string, unknown> = {},
  ) {
    super(resolveParams('ease-side', easeSideParams, given));
  }

  protected override addToGram(ts: Trainset, cols: Int32Array, g: Float64Array): void {
    addFeatureGram(featureColumns(this.features, ts, cols), cols.length, this.params.alpha, g);
  }
}

/**
 * The model's movies by feature (the transposed feature matrix over the model's columns): for
 * feature f, the columns `cols[c]` that have it, ascending, and their values.
 */
export function featureColumns(features: ItemFeatures, ts: Trainset, cols: Int32Array): SparseRows {
  const x = features.rows;
  const rowOf = new Int32Array(cols.length).fill(-1);
  let nnz = 0;
  for (let c = 0; c < cols.length; c++) {
    const r = features.rowOf(ts.rawItem(cols[c]));
    if (r === undefined || r < 0 || r >= x.nRows) continue;
    rowOf[c] = r;
    nnz += x.indptr[r + 1] - x.indptr[r];
  }
  const indptr = new Int32Array(x.nCols + 1);
  for (let c = 0; c < cols.length; c++) {
    const r = rowOf[c];
    if (r >= 0) for (let k = x.indptr[r]; k < x.indptr[r + 1]; k++) indptr[x.indices[k] + 1]++;
  }
  for (let f = 0; f < x.nCols; f++) indptr[f + 1] += indptr[f];
  const fill = indptr.slice(0, x.nCols);
  const indices = new Int32Array(nnz);
  const data = new Float64Array(nnz);
  // columns in ascending order, so each feature's list comes out ascending
  for (let c = 0; c < cols.length; c++) {
    const r = rowOf[c];
    if (r < 0) continue;
    for (let k = x.indptr[r]; k < x.indptr[r + 1]; k++) {
      const at = fill[x.indices[k]]++;
      indices[at] = c;
      data[at] = x.data[k];
    }
  }
  return { nRows: x.nCols, nCols: cols.length, indptr, indices, data };
}

/** Adds α·FᵀF to the lower triangle of g (m × m): each feature's pairs of movies, once. */
export function addFeatureGram(byFeature: SparseRows, m: number, alpha: number, g: Float64Array): void {
  if (alpha === 0) return;
  const { indptr, indices, data } = byFeature;
  for (let f = 0; f < byFeature.nRows; f++) {
    const start = indptr[f];
    const end = indptr[f + 1];
    for (let x = start; x < end; x++) {
      const row = indices[x] * m;
      const vx = alpha * data[x];
      for (let y = start; y <= x; y++) g[row + indices[y]] += vx * data[y];
    }
  }
}
