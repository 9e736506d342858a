/**
 * The bot's side of ease-side (cEASE, core/algorithms/ease-side.ts): its fit needs every movie's
 * content row, which a registry spec cannot carry, so a training job that fits it says where the
 * catalogue is (ContentSource) and the training worker builds the rows there, off the main thread.
 * The served model does not need them: its fold-in (x·B) and explanations are EASE's, and a
 * snapshot restores without any content.
 *
 * The rows are the TF-IDF matrix the content model computes from the store's movies with its
 * default options (ContentModel.featureRows: the vectorising alone, without the neighbour lists
 * that make most of a content build's cost), the same rows `npm run evaluate -- --algos ease-side`
 * fits with (src/cli/hybrid-source.ts). They are built from the movies rather than taken from the
 * content model's snapshot because that snapshot may not exist yet when a first start trains
 * (at ml-32m shape the content build runs for minutes beside the fits), and decoding it needs the
 * movies anyway (its fingerprint is checked against their text).
 */
import type { ItemFeatures } from '../../core/algorithms/ease-side.ts';
import { ContentModel, type ContentMovie } from '../../core/content/model.ts';
import { parseAlgorithmSpec } from '../../core/registry.ts';
import type { MovieRecord } from '../../data/types.ts';
import type { Store } from '../../store/api.ts';
import { openStore } from '../../store/store.ts';
import { contentMovieOf } from '../content-movies.ts';
import type { TrainJob, Trainer } from '../trainer.ts';

export const EASE_SIDE = 'ease-side';

/**
 * Where a training worker finds the catalogue for ease-side's content rows: the store file (read
 * through its own read-only connection), or, for an in-memory store, which no other thread can
 * open, the movies themselves.
 */
export type ContentSource = { storePath: string } | { movies: ContentMovie[] };

/** Whether a (valid) spec names ease-side. */
export function isEaseSide(spec: string): boolean {
  return parseAlgorithmSpec(spec).name === EASE_SIDE;
}

/**
 * `trainer` with each job that fits ease-side told where the catalogue is. A retrain's job names
 * the store file already; a job given the columns (a first start, a lazy fit) gets the store's
 * path, or the movies when the store is in memory. Other jobs pass unchanged.
 */
export function withContentSource(trainer: Trainer, store: Store): Trainer {
  return (job, onModel) => {
    if (job.content !== undefined || job.storePath !== undefined || !job.specs.some(isEaseSide)) return trainer(job, onModel);
    const content: ContentSource = store.path === ':memory:' ? { movies: store.movies().map(contentMovieOf) } : { storePath: store.path };
    return trainer({ ...job, content }, onModel);
  };
}

/**
 * The worker's side: the content rows of the job's catalogue, built on the first call (only a job
 * that fits ease-side pays for them) and kept for the job's other ease-side specs. Throws, naming
 * the cause, for a job that says nowhere where the catalogue is.
 */
export function contentFeaturesOf(job: Pick<TrainJob, 'content' | 'storePath'>): () => ItemFeatures {
  let features: ItemFeatures | undefined;
  return () => {
    if (features) return features;
    const source = job.content ?? (job.storePath === undefined ? undefined : { storePath: job.storePath });
    if (!source) throw new Error("ease-side needs the catalogue's content rows, and this training job names no store or movies to build them from");
    features = ContentModel.featureRows('movies' in source ? source.movies : readStoreMovies(source.storePath).map(contentMovieOf));
    return features;
  };
}

/** A store file's movies, through a read-only connection of our own (another thread's, e.g. the training worker's). */
export function readStoreMovies(path: string): MovieRecord[] {
  const store = openStore(path, { readOnly: true });
  try {
    return store.movies();
  } finally {
    store.close();
  }
}
