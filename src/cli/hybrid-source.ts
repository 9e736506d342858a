/**
 * The `hybrid` algorithm for the evaluation worker: it needs the dataset's movies (the content
 * model), which a registry spec cannot carry. The CLI passes this module by URL with the dataset
 * folder and the spec's parameters in the query (`?data=<folder>&params=<json>`); a module URL,
 * unlike a function, survives the trip to the worker thread (src/evaluation/run.ts AlgorithmRef).
 */
import type { Algorithm } from '../core/algorithm.ts';
import { HybridAlgorithm } from '../core/content/hybrid.ts';
import { ContentModel } from '../core/content/model.ts';
import { createAlgorithm } from '../core/registry.ts';
import { contentMovieOf } from '../bot/content-movies.ts';
import { loadDataset } from '../data/load.ts';

/** The module reference the evaluation worker imports for `hybrid` on `dataDir`. */
export function hybridRef(dataDir: string, params: Record<string, string>, name: string): { module: string; export: string; name: string } {
  const url = new URL(import.meta.url);
  url.searchParams.set('data', dataDir);
  url.searchParams.set('params', JSON.stringify(params));
  return { module: url.href, export: 'hybrid', name };
}

const query = new URL(import.meta.url).searchParams;
const dataDir = query.get('data');

async function build(dir: string): Promise<{ create(): Algorithm }> {
  const params = JSON.parse(query.get('params') ?? '{}') as Record<string, string>;
  // tags are part of the content (ml-latest-small has them; ml-100k has titles and genres only)
  const ds = await loadDataset(dir, { tags: true });
  const content = ContentModel.build(ds.movies.map(contentMovieOf));
  new HybridAlgorithm(content, createAlgorithm('ease'), params); // bad parameters fail here, once
  return { create: () => new HybridAlgorithm(content, createAlgorithm('ease'), params) };
}

/** Set only when imported with `?data=`: the factory the worker evaluates. */
export const hybrid: { create(): Algorithm } | undefined = dataDir === null ? undefined : await build(dataDir);

