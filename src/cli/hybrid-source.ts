/**
 * The algorithms that need the dataset's movies (the content model), which a registry spec cannot
 * carry (the registry knows ease-side's name and parameters and restores its snapshots, but its
 * fit needs the rows), for the evaluation worker: `hybrid` (src/core/content/hybrid.ts) and `ease-side` (EASE
 * with the content model's rows as side information, src/core/algorithms/ease-side.ts). The CLI
 * passes this module by URL with the algorithm, the dataset folder and the spec's parameters in
 * the query (`?algo=<name>&data=<folder>&params=<json>`); a module URL, unlike a function,
 * survives the trip to the worker thread (src/evaluation/run.ts AlgorithmRef).
 */
import type { Algorithm } from '../core/algorithm.ts';
import { EaseSide } from '../core/algorithms/ease-side.ts';
import { HybridAlgorithm } from '../core/content/hybrid.ts';
import { ContentModel } from '../core/content/model.ts';
import { createAlgorithm } from '../core/registry.ts';
import { contentMovieOf } from '../bot/content-movies.ts';
import { loadDataset } from '../data/load.ts';

/** The algorithms this module serves. */
export const CONTENT_SOURCED = ['hybrid', 'ease-side'] as const;
export type ContentSourced = (typeof CONTENT_SOURCED)[number];

/** The module reference the evaluation worker imports for `algo` on `dataDir`. */
export function hybridRef(
  dataDir: string,
  params: Record<string, string>,
  name: string,
  algo: ContentSourced = 'hybrid',
): { module: string; export: string; name: string } {
  const url = new URL(import.meta.url);
  url.searchParams.set('algo', algo);
  url.searchParams.set('data', dataDir);
  url.searchParams.set('params', JSON.stringify(params));
  return { module: url.href, export: 'hybrid', name };
}

const query = new URL(import.meta.url).searchParams;
const dataDir = query.get('data');
const algo = (query.get('algo') ?? 'hybrid') as ContentSourced;

async function build(dir: string): Promise<{ create(): Algorithm }> {
  const params = JSON.parse(query.get('params') ?? '{}') as Record<string, string>;
  // tags are part of the content (ml-latest-small has them; ml-100k has titles and genres only)
  const ds = await loadDataset(dir, { tags: true });
  const content = ContentModel.build(ds.movies.map(contentMovieOf));
  // release years tell the hybrid which rarely rated movies are new releases (core/content/hybrid.ts)
  const years = new Map(ds.movies.map((m) => [m.movieId, m.year]));
  const create =
    algo === 'ease-side'
      ? () => new EaseSide({ rows: content.tfidf.matrix, rowOf: (id) => content.indexOf(id) }, params)
      : () => new HybridAlgorithm(content, createAlgorithm('ease'), params, { yearOf: (id) => years.get(id) });
  create(); // bad parameters fail here, once
  return { create };
}

/** Set only when imported with `?data=`: the factory the worker evaluates (hybrid or ease-side). */
export const hybrid: { create(): Algorithm } | undefined = dataDir === null ? undefined : await build(dataDir);

