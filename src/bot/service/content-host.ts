/**
 * The content model (TF-IDF over titles, genres and tags). Restored right after start-up from its
 * snapshot when that was built from this catalogue (key = content format version + dataset
 * fingerprint; the snapshot also carries a fingerprint of the movies' text, checked on restore);
 * otherwise, or when the snapshot is unusable, built on the main thread (~1 s on
 * ml-latest-small) and saved for the next start.
 */
import { CONTENT_FORMAT_VERSION, ContentModel, type ContentMovie } from '../../core/content/model.ts';
import type { MovieRecord } from '../../data/types.ts';
import type { Store } from '../../store/api.ts';
import { contentMovieOf } from '../content-movies.ts';
import type { ServiceLogger } from './options.ts';

/** The store's snapshot name of the content model. */
const CONTENT_SNAPSHOT = 'content';

export class ContentHost {
  model: ContentModel | undefined;
  state: 'ready' | 'building' | 'failed' = 'building';
  private readonly store: Store;
  private readonly log: ServiceLogger;

  constructor(store: Store, log: ServiceLogger) {
    this.store = store;
    this.log = log;
  }

  /** Restores or builds the model; a failure is logged and leaves content recommendations off. */
  build(catalogue: Iterable<MovieRecord>, fingerprint: string): void {
    const started = performance.now();
    try {
      const movies = [...catalogue].map(contentMovieOf);
      const key = `marquee-content-v${CONTENT_FORMAT_VERSION}|${fingerprint}`;
      const restored = this.restore(key, movies);
      if (restored) {
        this.model = restored;
        this.state = 'ready';
        this.log.info({ ms: Math.round(performance.now() - started), movies: restored.size }, 'content model restored from its snapshot');
        return;
      }
      const built = ContentModel.build(movies);
      this.model = built;
      this.state = 'ready';
      this.log.info({ ms: Math.round(performance.now() - started), movies: built.size }, 'content model built');
      this.save(key, built);
    } catch (err) {
      this.state = 'failed';
      this.log.error({ err: (err as Error).message }, 'the content model could not be built; content recommendations are off');
    }
  }

  /** The content model from its snapshot when that fits this catalogue; undefined (logged when unusable) otherwise. */
  private restore(key: string, movies: readonly ContentMovie[]): ContentModel | undefined {
    try {
      const snap = this.store.loadSnapshot(CONTENT_SNAPSHOT);
      if (!snap || snap.key !== key) return undefined;
      return ContentModel.fromBytes(snap.blob, movies);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'content model snapshot is unusable; rebuilding');
      return undefined;
    }
  }

  /** Saves the content model for the next start-up; a failure costs only a rebuild then. */
  private save(key: string, model: ContentModel): void {
    try {
      this.store.saveSnapshot(CONTENT_SNAPSHOT, { key, blob: model.toBytes() });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not save the content model snapshot');
    }
  }
}
