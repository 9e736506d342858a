/**
 * The algorithms that need the dataset's movies (the content model), which a registry spec cannot
 * carry (the registry knows ease-side's name and parameters and restores its snapshots, but its
 * fit needs the rows), for the evaluation worker: `hybrid` (src/core/content/hybrid.ts) and
 * `ease-side` (EASE with the content model's rows as side information,
 * src/core/algorithms/ease-side.ts). The CLI passes this module by URL with the algorithm, the
 * dataset folder and the spec's parameters in the query (`?algo=<name>&data=<folder>&params=<json>`),
 * the bot's /evaluate a store file instead of the folder (`&store=<file>`); a module URL, unlike a
 * function, survives the trip to the worker thread (src/evaluation/run.ts AlgorithmRef).
 */
import type { Algorithm } from '../core/algorithm.ts';
import { EaseSide } from '../core/algorithms/ease-side.ts';
import { HybridAlgorithm } from '../core/content/hybrid.ts';
import { ContentModel } from '../core/content/model.ts';
import { createAlgorithm } from '../core/registry.ts';
import { contentMovieOf } from '../bot/content-movies.ts';
import { readStoreMovies } from '../bot/service/ease-side-content.ts';
import { loadDataset } from '../data/load.ts';
import type { MovieRecord } from '../data/types.ts';

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
  return refWith({ algo, data: dataDir, params: JSON.stringify(params) }, name);
}

/**
 * The same for the movies of a bot's store file instead of a dataset folder: the bot's `/evaluate`
 * (src/cli/start.ts evaluationRunner), whose ratings come from the same store.
 */
export function storeRef(
  storePath: string,
  params: Record<string, string>,
  name: string,
  algo: ContentSourced = 'ease-side',
): { module: string; export: string; name: string } {
  return refWith({ algo, store: storePath, params: JSON.stringify(params) }, name);
}

function refWith(query: Record<string, string>, name: string): { module: string; export: string; name: string } {
  const url = new URL(import.meta.url);
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
  return { module: url.href, export: 'hybrid', name };
}

const query = new URL(import.meta.url).searchParams;
const dataDir = query.get('data');
const storePath = query.get('store');
const algo = (query.get('algo') ?? 'hybrid') as ContentSourced;

async function build(movies: readonly MovieRecord[]): Promise<{ create(): Algorithm }> {
  const params = JSON.parse(query.get('params') ?? '{}') as Record<string, string>;
  const contentMovies = movies.map(contentMovieOf);
  let create: () => Algorithm;
  if (algo === 'ease-side') {
    // the TF-IDF rows alone, as the bot's training worker fits it (bot/service/ease-side-content.ts)
    const features = ContentModel.featureRows(contentMovies);
    create = () => new EaseSide(features, params);
  } else {
    const content = ContentModel.build(contentMovies);
    // release years tell the hybrid which rarely rated movies are new releases (core/content/hybrid.ts)
    const years = new Map(movies.map((m) => [m.movieId, m.year]));
    create = () => new HybridAlgorithm(content, createAlgorithm('ease'), params, { yearOf: (id) => years.get(id) });
  }
  create(); // bad parameters fail here, once
  return { create };
}

/** The movies of the dataset folder or the store file the module was imported with, if any. */
async function moviesFromQuery(): Promise<MovieRecord[] | undefined> {
  // tags are part of the content (ml-latest-small has them; ml-100k has titles and genres only)
  if (dataDir !== null) return (await loadDataset(dataDir, { tags: true })).movies;
  if (storePath !== null) return readStoreMovies(storePath);
  return undefined;
}

const given = await moviesFromQuery();
/** Set only when imported with `?data=` or `?store=`: the factory the worker evaluates (hybrid or ease-side). */
export const hybrid: { create(): Algorithm } | undefined = given === undefined ? undefined : await build(given);
