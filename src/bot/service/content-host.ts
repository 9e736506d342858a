/**
 * The content model (TF-IDF over titles, genres and tags). Restored right after start-up from its
 * snapshot when that was built from this catalogue (key = content format version + dataset
 * fingerprint; the snapshot also carries a fingerprint of the movies' text, checked on restore);
 * otherwise, or when the snapshot is unusable, built and saved for the next start.
 *
 * Where it is built depends on the catalogue's size. Up to WORKER_MIN_MOVIES movies on the main
 * thread (~1 s on ml-latest-small's 9,742); above, in a worker thread (content-worker.ts), because
 * the neighbour lists cost Σ over terms of df²/2 multiply-adds and genre terms are shared by tens
 * of thousands of movies: at ml-32m shape (87,585 movies, 2 M tags) the build runs for minutes of
 * CPU, and on the main thread it would stop every command (and a chat gateway's heartbeats) meanwhile.
 * The worker sends the model as snapshot bytes; decoding them on the main thread takes well under
 * a second.
 */
import { CONTENT_FORMAT_VERSION, ContentModel, type ContentMovie } from '../../core/content/model.ts';
import type { MovieRecord } from '../../data/types.ts';
import type { Store } from '../../store/api.ts';
import { spawnTsWorker } from '../../util/ts-worker.ts';
import { contentMovieOf } from '../content-movies.ts';
import type { ServiceLogger } from './options.ts';
import type { Worker } from 'node:worker_threads';

/** The store's snapshot name of the content model. */
const CONTENT_SNAPSHOT = 'content';
/**
 * Above this many movies the model is built in a worker. 20,000: ml-10m's 10,681 movies built in
 * ~1 s of CPU here (5.9·10⁷ multiply-adds, /tmp measurement with the bench's data), so every
 * dataset up to ml-latest's size stays on the main thread and answers in the same tick as today.
 */
export const WORKER_MIN_MOVIES = 20_000;

type WorkerMessage = { kind: 'built'; bytes: Uint8Array; ms: number } | { kind: 'failed'; message: string };

export interface ContentHostOptions {
  /** build in a worker above this many movies (default WORKER_MIN_MOVIES) */
  workerMinMovies?: number;
}

export class ContentHost {
  model: ContentModel | undefined;
  state: 'ready' | 'building' | 'failed' = 'building';
  private readonly store: Store;
  private readonly log: ServiceLogger;
  private readonly workerMinMovies: number;
  private worker: Worker | undefined;
  private closed = false;

  constructor(store: Store, log: ServiceLogger, opts: ContentHostOptions = {}) {
    this.store = store;
    this.log = log;
    this.workerMinMovies = opts.workerMinMovies ?? WORKER_MIN_MOVIES;
  }

  /**
   * Restores or builds the model; resolves when it is ready or has failed (a failure is logged and
   * leaves content recommendations off). Never rejects.
   */
  async build(catalogue: Iterable<MovieRecord>, fingerprint: string): Promise<void> {
    const started = performance.now();
    try {
      const movies = [...catalogue].map(contentMovieOf);
      const key = `marquee-content-v${CONTENT_FORMAT_VERSION}|${fingerprint}`;
      const restored = this.restore(key, movies);
      if (restored) {
        this.ready(restored);
        this.log.info({ ms: Math.round(performance.now() - started), movies: restored.size }, 'content model restored from its snapshot');
        return;
      }
      const offThread = movies.length > this.workerMinMovies;
      let built: ContentModel;
      let bytes: Uint8Array | undefined;
      if (offThread) ({ model: built, bytes } = await this.buildInWorker(movies));
      else built = ContentModel.build(movies);
      if (this.closed) return;
      this.ready(built);
      this.log.info({ ms: Math.round(performance.now() - started), movies: built.size, worker: offThread }, 'content model built');
      this.save(key, built, bytes);
    } catch (err) {
      if (this.closed) return;
      this.state = 'failed';
      this.log.error({ err: (err as Error).message }, 'the content model could not be built; content recommendations are off');
    }
  }

  /** Stops a build still running in its worker. */
  async close(): Promise<void> {
    this.closed = true;
    await this.worker?.terminate();
  }

  private ready(model: ContentModel): void {
    this.model = model;
    this.state = 'ready';
  }

  /** The model built by content-worker.ts, decoded onto these movies, and its bytes. */
  private buildInWorker(movies: readonly ContentMovie[]): Promise<{ model: ContentModel; bytes: Uint8Array }> {
    return new Promise((resolve, reject) => {
      const worker = spawnTsWorker(new URL('./content-worker.ts', import.meta.url), { movies });
      this.worker = worker;
      let settled = false;
      const settle = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        this.worker = undefined;
        void worker.terminate();
        fn();
      };
      worker.on('message', (msg: WorkerMessage) =>
        settle(() => {
          if (msg.kind === 'failed') reject(new Error(msg.message));
          else {
            try {
              resolve({ model: ContentModel.fromBytes(msg.bytes, movies), bytes: msg.bytes });
            } catch (err) {
              reject(err as Error);
            }
          }
        }),
      );
      worker.on('error', (err) => settle(() => reject(err)));
      worker.on('exit', (code) => settle(() => reject(new Error(this.closed ? 'the service closed' : `the content worker exited with code ${code}`))));
    });
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
  private save(key: string, model: ContentModel, bytes?: Uint8Array): void {
    try {
      this.store.saveSnapshot(CONTENT_SNAPSHOT, { key, blob: bytes ?? model.toBytes() });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not save the content model snapshot');
    }
  }
}
