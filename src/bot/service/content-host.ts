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
 *
 * On a first start the build need not wait for the service: it needs only the movies, which are
 * read before the ratings are imported. `ContentPrebuild.start` begins it then, in its worker, on
 * the core the single-threaded import leaves idle, and the service takes it over
 * (ContentHostOptions.prebuild): its bytes are decoded onto the store's catalogue, which checks
 * they come from the same movies' text, and saved as the snapshot. At ml-32m shape that moves the
 * build (~90 CPU s) from after the import to beside it (bench/first-start.ts --service).
 */
import { CONTENT_FORMAT_VERSION, ContentModel, type ContentMovie } from '../../core/content/model.ts';
import type { MovieRecord } from '../../data/types.ts';
import type { Store } from '../../store/api.ts';
import { spawnTsWorker } from '../../util/ts-worker.ts';
import { contentMovieOf } from '../content-movies.ts';
import type { ServiceLogger } from './options.ts';

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
  /** a build started before the service (ContentPrebuild.start), taken over instead of building again */
  prebuild?: ContentPrebuild;
}

/** A content build running in content-worker.ts: its snapshot bytes to come, and how to stop it. */
interface WorkerBuild {
  /** rejects when the build fails or is stopped */
  bytes: Promise<Uint8Array>;
  stop(): Promise<void>;
}

function buildBytesInWorker(movies: readonly ContentMovie[]): WorkerBuild {
  const worker = spawnTsWorker(new URL('./content-worker.ts', import.meta.url), { movies });
  let stopping = false;
  const bytes = new Promise<Uint8Array>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      fn();
    };
    worker.on('message', (msg: WorkerMessage) => settle(() => (msg.kind === 'failed' ? reject(new Error(msg.message)) : resolve(msg.bytes))));
    worker.on('error', (err) => settle(() => reject(err)));
    worker.on('exit', (code) => settle(() => reject(new Error(stopping ? 'the content build was stopped' : `the content worker exited with code ${code}`))));
  });
  return {
    bytes,
    async stop() {
      stopping = true;
      await worker.terminate();
    },
  };
}

/**
 * A content model build started from a dataset's movies before the service exists (while the
 * ratings are imported), for the service to take over. Only for catalogues built in a worker
 * anyway: a smaller one builds on the main thread in about a second once the service starts.
 */
export class ContentPrebuild {
  private constructor(private readonly build: WorkerBuild) {
    // taken over later, or never (the service restored a snapshot): no unhandled rejection meanwhile
    build.bytes.catch(() => undefined);
  }

  /** the snapshot bytes; rejects when the build fails or is stopped */
  get bytes(): Promise<Uint8Array> {
    return this.build.bytes;
  }

  /** Starts building from `movies` in a worker; undefined when the catalogue is small enough for the main thread. */
  static start(movies: readonly MovieRecord[], opts: Pick<ContentHostOptions, 'workerMinMovies'> = {}): ContentPrebuild | undefined {
    if (movies.length <= (opts.workerMinMovies ?? WORKER_MIN_MOVIES)) return undefined;
    return new ContentPrebuild(buildBytesInWorker(movies.map(contentMovieOf)));
  }

  /** Stops the build (nothing happens when it has finished). */
  async stop(): Promise<void> {
    await this.build.stop();
  }
}

export class ContentHost {
  model: ContentModel | undefined;
  state: 'ready' | 'building' | 'failed' = 'building';
  private readonly store: Store;
  private readonly log: ServiceLogger;
  private readonly workerMinMovies: number;
  private building: WorkerBuild | undefined;
  private prebuild: ContentPrebuild | undefined;
  private closed = false;

  constructor(store: Store, log: ServiceLogger, opts: ContentHostOptions = {}) {
    this.store = store;
    this.log = log;
    this.workerMinMovies = opts.workerMinMovies ?? WORKER_MIN_MOVIES;
    this.prebuild = opts.prebuild;
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
        void this.stopPrebuild();
        this.ready(restored);
        this.log.info({ ms: Math.round(performance.now() - started), movies: restored.size }, 'content model restored from its snapshot');
        return;
      }
      const early = await this.takePrebuild(movies);
      if (this.closed) return;
      const offThread = early !== undefined || movies.length > this.workerMinMovies;
      let built: ContentModel;
      let bytes: Uint8Array | undefined;
      if (early) ({ model: built, bytes } = early);
      else if (offThread) ({ model: built, bytes } = await this.buildInWorker(movies));
      else built = ContentModel.build(movies);
      if (this.closed) return;
      this.ready(built);
      this.log.info(
        { ms: Math.round(performance.now() - started), movies: built.size, worker: offThread, ...(early ? { startedBeforeService: true } : {}) },
        'content model built',
      );
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
    await Promise.all([this.building?.stop(), this.stopPrebuild()]);
  }

  private async stopPrebuild(): Promise<void> {
    const early = this.prebuild;
    this.prebuild = undefined;
    await early?.stop();
  }

  /**
   * The prebuild's model on these movies, or undefined (none, it failed, or it was built from
   * other movies: then logged, and built again here).
   */
  private async takePrebuild(movies: readonly ContentMovie[]): Promise<{ model: ContentModel; bytes: Uint8Array } | undefined> {
    const early = this.prebuild;
    if (!early) return undefined;
    try {
      const bytes = await early.bytes;
      return { model: ContentModel.fromBytes(bytes, movies), bytes };
    } catch (err) {
      if (!this.closed) this.log.warn({ err: (err as Error).message }, 'the content model started before the service cannot be used; building it again');
      return undefined;
    } finally {
      this.prebuild = undefined;
    }
  }

  private ready(model: ContentModel): void {
    this.model = model;
    this.state = 'ready';
  }

  /** The model built by content-worker.ts, decoded onto these movies, and its bytes. */
  private async buildInWorker(movies: readonly ContentMovie[]): Promise<{ model: ContentModel; bytes: Uint8Array }> {
    const build = buildBytesInWorker(movies);
    this.building = build;
    try {
      const bytes = await build.bytes.catch((err: Error) => {
        throw this.closed ? new Error('the service closed') : err;
      });
      return { model: ContentModel.fromBytes(bytes, movies), bytes };
    } finally {
      this.building = undefined;
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
  private save(key: string, model: ContentModel, bytes?: Uint8Array): void {
    try {
      this.store.saveSnapshot(CONTENT_SNAPSHOT, { key, blob: bytes ?? model.toBytes() });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not save the content model snapshot');
    }
  }
}
