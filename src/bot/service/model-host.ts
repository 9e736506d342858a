/**
 * The live models: the current generation, snapshots, the training queue and retrains, the
 * bounded set of lazily loaded algorithms, and forget epochs.
 *
 * Start-up loads each configured algorithm from its snapshot when that was trained on exactly this
 * data (key = dataset fingerprint + ratings version + rating count + spec); what is missing, stale
 * or corrupt is trained in a worker thread. After `retrainAfter` changes, or every
 * `retrainMinutes` when anything changed, a worker fits every active algorithm on fresh columns;
 * the new generation replaces the old one in one assignment, so no command ever waits for training
 * or sees half a generation. Jobs run one at a time on one queue.
 *
 * Lazy algorithms (not configured, e.g. svdpp, knn-user) load from a fitting snapshot on first
 * request, else train in the worker; once trained they join later retrains, at most
 * `maxLazyModels` of them (least recently used let go). A spec is 'training' from the moment it
 * is queued until its model is in the generation; it is 'failed' only with a logged reason.
 *
 * Forgetting. A forget that removed ratings overwrites every saved model with an empty one (so a
 * restart cannot reload the member) and retrains right away; a retrain that had already read the
 * member's ratings is discarded and run again, and nothing read before the forget is saved.
 *
 * Memory, measured on ml-latest-small (bench/bot.ts): svd, knn-user and baseline plus the content
 * model and the title index take about 280 MB of RSS. knn-item adds a 9,724² float32 similarity
 * triangle (~190 MB) and, because the k-NN snapshot state does not carry the similarities,
 * decoding it recomputes them on the main thread (~1 s per start-up or retrain), so it is better
 * left to load lazily on first request.
 *
 * (Over 500 lines: the queue, the generation swap and the forget epochs are one state machine;
 * split, each half would reach into the other's fields. The step timing is ./step-timer.ts.)
 */
import type { Algorithm } from '../../core/algorithm.ts';
import { describeAlgorithm } from '../../core/registry.ts';
import { scoreKindOf } from '../../core/rank.ts';
import { decodeModel } from '../../core/snapshot.ts';
import type { Store } from '../../store/api.ts';
import { trainingCodes } from '../../store/training-data.ts';
import { isReadTail, trainInWorker, wholeRead, type JobColumns, type TrainHandle, type TrainJob, type TrainOutcome, type Trainer } from '../trainer.ts';
import { botAlgorithmNames, isModelAlgo } from './algorithm-names.ts';
import { Generation, snapshotName } from './generation.ts';
import type { ServiceLogger } from './options.ts';
import { LongestStep, nextTurn, restAfterAllocating, restTurn, runWarmSteps, type WarmStep } from './step-timer.ts';

/**
 * The snapshot of the co-ratings' item biases (Generation.useSavedItemBiases), keyed like a
 * model's: with it a restart skips the baselines' epochs over every rating (9.2 of 21 CPU s in a
 * --cpu-prof of a restart at ml-32m shape). Member data (the biases average their ratings in), so
 * dropped after a forget like the models.
 */
const CO_RATING_SNAPSHOT = 'co-rating-item-biases';
export type { WarmStep } from './step-timer.ts';

/** After a failed retrain, new ratings do not trigger another for this long (the timer still does). */
const RETRY_AFTER_FAILURE_MS = 60_000;

/** Where a model stands: answering, on its way, or not coming (with the reason that was logged). */
export type ModelState = { state: 'ready' } | { state: 'training' } | { state: 'failed'; reason: string };

export interface ModelHostOptions {
  store: Store;
  log: ServiceLogger;
  fingerprint: string;
  /** canonical model specs kept loaded (the configured ones that are trained models) */
  configured: readonly string[];
  maxLazyModels: number;
  retrainAfter: number;
  retrainMinutes: number;
  /** the default /recommend algorithm now (its model is the first fallback) */
  defaultSpec: () => string;
  trainer?: Trainer;
  /** the Spark factor folder als-import reads, passed to the training worker */
  alsFactors?: string;
  /**
   * The steps that build a generation's per-generation caches before it answers (the charts);
   * a retrain runs them one event-loop turn each, so none holds the loop for all of them
   */
  warm: (gen: Generation) => WarmStep[];
  /** called after a new generation is swapped in */
  swapped: (gen: Generation) => void;
  /** why `spec` must not train on `ts` (too big for this machine), or undefined (core/sizing.ts) */
  refuse?: (spec: string, ts: Generation['ts']) => string | undefined;
}

export class ModelHost {
  private current: Generation;
  private readonly opts: ModelHostOptions;
  private readonly store: Store;
  private readonly log: ServiceLogger;
  private readonly trainer: Trainer;
  /** registry specs kept in every generation: the configured ones plus those asked for since */
  private readonly active = new Set<string>();
  /** lazily loaded algorithms (not configured) → the use clock at their last use */
  private readonly lazyUse = new Map<string, number>();
  private useClock = 0;
  private readonly training = new Set<string>();
  private changes = 0;
  private retraining = false;
  private retrainFailedAt = 0;
  private queue: Promise<void> = Promise.resolve();
  private readonly handles = new Set<TrainHandle>();
  private timer: NodeJS.Timeout | undefined;
  /** grows on every forget that removed ratings: a retrain that read its data before must not land */
  private forgets = 0;
  private closed = false;
  /** how long the last trainer start held the main thread (the job is copied to the worker) */
  private lastSpawnMs = 0;

  constructor(opts: ModelHostOptions) {
    this.opts = opts;
    this.store = opts.store;
    this.log = opts.log;
    this.trainer = opts.trainer ?? trainInWorker;
    for (const spec of opts.configured) this.active.add(spec);
    this.current = this.readGeneration();
  }

  /** The generation answering now. */
  get gen(): Generation {
    return this.current;
  }

  /** Loads what fits from snapshots, trains the rest; resolves when every configured model is loaded. */
  start(): Promise<void> {
    this.opts.swapped(this.current);
    const gen = this.current;
    // saved once computed (next turn, before the service's warm-up asks for the same co-ratings)
    if (!this.loadItemBiases(gen)) setImmediate(() => this.saveItemBiases(gen));
    const missing = [...this.active].filter((spec) => !this.loadSnapshot(this.current, spec));
    const every = this.opts.retrainMinutes * 60_000;
    this.timer = setInterval(() => {
      if (this.store.ratingsVersion() !== this.current.version) void this.retrain();
    }, every);
    this.timer.unref();
    return missing.length > 0 ? this.train(missing) : Promise.resolve();
  }

  /** The model of `spec` in the current generation, noting the use (for the lazy bound). */
  use(spec: string): Algorithm | undefined {
    const model = this.current.model(spec);
    if (model && this.lazyUse.has(spec)) this.lazyUse.set(spec, ++this.useClock);
    return model;
  }

  /**
   * Makes sure `spec` will be available: loaded now from a fitting snapshot, or trained in the
   * worker. 'failed' carries the reason that was logged when it failed.
   */
  ensure(spec: string): ModelState {
    const gen = this.current;
    if (gen.has(spec)) return { state: 'ready' };
    if (this.training.has(spec)) return { state: 'training' };
    const failed = gen.failed.get(spec);
    if (failed !== undefined) return { state: 'failed', reason: failed };
    if (gen.ts.nRatings === 0) return { state: 'failed', reason: 'there are no ratings to train on yet' };
    const refused = this.opts.refuse?.(spec, gen.ts);
    if (refused !== undefined) {
      gen.failed.set(spec, refused);
      this.log.warn({ spec, reason: refused }, 'algorithm refused at this size');
      return { state: 'failed', reason: refused };
    }
    if (!this.opts.configured.includes(spec)) this.makeRoomForLazy(spec);
    this.active.add(spec);
    if (this.loadSnapshot(gen, spec)) return { state: 'ready' };
    void this.train([spec]);
    return { state: 'training' };
  }

  /** A loaded model to answer while `except` is not: the default's, svd's, then a configured one. */
  fallback(except: string): { spec: string; model: Algorithm } | undefined {
    for (const spec of [this.opts.defaultSpec(), 'svd', ...this.opts.configured]) {
      if (spec === except || !isModelAlgo(spec)) continue;
      const model = this.current.model(spec);
      if (model) return { spec, model };
    }
    return undefined;
  }

  /**
   * A loaded model that predicts ratings, for answers that average predictions (movie night): the
   * default when it is one, else svd, else the first configured one. A ranking model's (ease's)
   * scores only order movies, so averaging them into "predicted 4.2" would be made up.
   */
  ratingPredictor(): { spec: string; model: Algorithm } | undefined {
    for (const spec of [this.opts.defaultSpec(), 'svd', ...this.opts.configured]) {
      if (!isModelAlgo(spec)) continue;
      const model = this.current.model(spec);
      if (model && scoreKindOf(model) === 'rating') return { spec, model };
    }
    return undefined;
  }

  /** Counts rating changes towards the next retrain (started after the caller has its answer). */
  noteChanges(count: number): void {
    if (count <= 0) return;
    this.changes += count;
    const backingOff = Date.now() - this.retrainFailedAt < RETRY_AFTER_FAILURE_MS;
    if (this.changes >= this.opts.retrainAfter && !this.retraining && !backingOff) setImmediate(() => void this.retrain());
  }

  /**
   * A member's ratings were removed. They are still in the live generation (averages, knn-user
   * neighbours) and in the saved models: drop the snapshots now, so a restart cannot reload them,
   * and retrain right away (in the worker). A retrain already running read the member's ratings:
   * it is discarded and run again.
   */
  forgot(): void {
    this.forgets++;
    this.dropModelSnapshots();
    void this.retrain();
  }

  stats(): { loaded: string[]; training: string[]; active: string[]; pendingChanges: number; retraining: boolean } {
    return {
      loaded: this.current.specs(),
      training: [...this.training],
      active: [...this.active],
      pendingChanges: this.changes,
      retraining: this.retraining,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.handles].map((h) => h.cancel()));
    await this.queue.catch(() => undefined);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A full retrain on the store's current data; the new generation replaces the old one whole. */
  retrain(): Promise<void> {
    if (this.retraining || this.closed) return this.queue;
    this.retraining = true;
    let specs: string[] = [];
    let swapped = false;
    let again = false;
    let forgetEpoch = this.forgets;
    const run = async (): Promise<void> => {
      try {
        if (this.closed) return;
        forgetEpoch = this.forgets;
        const readStarted = performance.now();
        // A store file is read by the worker, through its own connection: at ml-10m shape the
        // read held the main thread 4.2 s and the copy to the worker 0.9 s more (bench/stall.ts
        // --steps, load average 22). An in-memory store has no file to open: read here, coded
        // (the strings are the worker's to build, see trainingCodes).
        const given = this.store.path === ':memory:' ? { columns: trainingCodes(this.store), version: this.store.ratingsVersion() } : undefined;
        const changesAtStart = this.changes;
        specs = [...this.active].filter((s) => !this.training.has(s));
        specs.forEach((s) => this.training.add(s));
        // the dataset's ids this generation holds: the worker need not send them again (postRead)
        const held = this.current.columns;
        const heldIds = held && 'userCodes' in held ? held.dataset : undefined;
        const started = performance.now();
        await nextTurn();
        const outcome = await this.runWorker(given ? { columns: given.columns } : { storePath: this.store.path, heldIds }, specs);
        const spawnMs = this.lastSpawnMs;
        const sent = given ?? outcome?.read;
        if (outcome && !sent) this.log.error({ algos: specs }, 'the training worker sent back no training data; the retrain is dropped');
        if (!outcome || !sent) this.retrainFailedAt = Date.now();
        if (this.closed || !outcome || !sent) return;
        const fitted = performance.now();
        // the main thread's share, one step per event-loop turn so that commands interleave; the
        // worker's trainsets are taken over, so no step walks every rating here
        const longest = new LongestStep();
        await nextTurn();
        let read;
        try {
          read = longest.time("put the held dataset ids before the read's", () => wholeRead(sent, held));
        } catch (err) {
          // never a generation over ids the worker did not build from
          this.log.error({ err: (err as Error).message }, 'the retrain is dropped');
          this.retrainFailedAt = Date.now();
          return;
        }
        const { columns, version } = read;
        let taken: Generation | undefined;
        if (outcome.trainsets) {
          // the ids and their Maps a slice per turn (Generation.takeOver: 115–135 ms as one step
          // at ml-32m shape), the first a turn after the worker's last messages
          const steps = Generation.takeOver(columns, outcome.trainsets, version, this.opts.fingerprint, forgetEpoch);
          try {
            for (;;) {
              await restTurn();
              const step = longest.time('take over the trainsets (a slice of ids)', () => steps.next());
              if (step.done) {
                taken = step.value;
                break;
              }
            }
          } catch (err) {
            // the main thread then builds its own trainsets below: slower, not wrong
            this.log.error({ err: err instanceof Error ? err.message : String(err) }, "the training worker's trainsets were not taken over");
          }
        }
        const gen = taken ?? longest.time('index the trainset (none from the worker)', () => Generation.fromColumns(columns, version, this.opts.fingerprint, forgetEpoch));
        if (!taken) {
          await nextTurn();
          longest.time("index the community's trainset", () => void gen.community);
        }
        for (const m of outcome.models) {
          await restTurn();
          longest.time(`decode ${m.spec}`, () => this.decodeInto(gen, m.spec, m.bytes));
          // the model's arrays are new external memory: see ALLOCATION_REST_MS
          await restTurn(restAfterAllocating(m.bytes.byteLength));
        }
        for (const f of outcome.failures) {
          gen.failed.set(f.spec, f.message);
          this.log.error({ algo: f.spec, err: f.message }, 'retraining failed; the algorithm is unavailable until the next retrain');
        }
        await nextTurn();
        await runWarmSteps(this.opts.warm(gen), longest);
        if (this.closed) return;
        if (this.forgets !== forgetEpoch) {
          // a member was forgotten after this data was read: never serve or save it; start over
          again = true;
          this.log.info({ version }, 'a member was forgotten during the retrain; retraining without them');
          return;
        }
        this.current = gen; // the swap: readers see the old generation or the new one, never a mix
        this.changes = Math.max(0, this.changes - changesAtStart);
        longest.time('swap', () => this.opts.swapped(gen));
        swapped = true;
        const swappedAt = performance.now();
        for (const m of outcome.models) {
          if (this.closed) break;
          if (gen.has(m.spec)) await this.saveModel(gen, m.spec, m.bytes, longest); // stops once someone is forgotten
        }
        await this.cleanSnapshots(longest);
        this.log.info(
          {
            version,
            models: gen.specs(),
            // the main thread's steps, each one stall at most: read the columns, start the worker
            readMs: Math.round(started - readStarted),
            workerReadMs: outcome.read ? Math.round(outcome.read.readMs) : undefined,
            // the read's ids the worker did not send back, this generation holding them (postRead)
            idsHeld: isReadTail(sent) ? sent.idsFrom.users + sent.idsFrom.items : 0,
            spawnMs: Math.round(spawnMs),
            fitMs: Math.round(fitted - started),
            swapMs: Math.round(swappedAt - fitted),
            saveMs: Math.round(performance.now() - swappedAt),
            // the longest of the steps above after the fit (swap and save), each one event-loop turn
            longestStep: longest.what,
            longestStepMs: Math.round(longest.ms),
            slowSteps: longest.slowest,
          },
          'retrained',
        );
      } finally {
        this.retraining = false;
        specs.forEach((s) => this.training.delete(s));
        // (here, not after the try: the discarded run returns early). A forget after the swap (while
        // the snapshots were saved) found this retrain running: the generation it swapped in still
        // holds the member, so the retrain the forget asked for runs now.
        const forgotAfterSwap = swapped && this.forgets !== forgetEpoch;
        if (again || forgotAfterSwap || (swapped && this.changes >= this.opts.retrainAfter)) void this.retrain();
      }
    };
    this.queue = this.queue.then(() => this.guard(run, 'retraining'));
    return this.queue;
  }

  // ---- internals --------------------------------------------------------------------------------

  private readGeneration(): Generation {
    // coded: 2 × n strings would cost ~512 MB at 32 M ratings, and the trainset is built from codes
    return Generation.fromColumns(trainingCodes(this.store), this.store.ratingsVersion(), this.opts.fingerprint, this.forgets);
  }

  private loadSnapshot(gen: Generation, spec: string): boolean {
    let snap;
    try {
      snap = this.store.loadSnapshot(snapshotName(spec));
    } catch (err) {
      this.log.warn({ algo: spec, err: (err as Error).message }, 'cannot read the model snapshot; retraining');
      return false;
    }
    if (!snap || snap.key !== gen.key(spec)) return false;
    try {
      gen.add(spec, decodeModel(snap.blob, gen.ts, createFromSnapshot));
      return true;
    } catch (err) {
      this.log.warn({ algo: spec, err: (err as Error).message }, 'model snapshot is unusable; retraining');
      return false;
    }
  }

  /** The co-ratings' item biases saved for exactly this data, handed to `gen`; false when none fit. */
  private loadItemBiases(gen: Generation): boolean {
    try {
      const snap = this.store.loadSnapshot(CO_RATING_SNAPSHOT);
      if (!snap || snap.key !== gen.key(CO_RATING_SNAPSHOT)) return false;
      const bytes = snap.blob;
      const main = gen.ts.nItems;
      if (bytes.byteLength !== (main + gen.community.nItems) * 8) return false;
      // copied: a blob need not be 8-byte aligned for a Float64Array view
      const all = new Float64Array(bytes.byteLength / 8);
      new Uint8Array(all.buffer).set(bytes);
      gen.useSavedItemBiases(all.subarray(0, main), all.subarray(main));
      return true;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cannot use the saved co-rating biases; computing them');
      return false;
    }
  }

  /** Saves `gen`'s co-rating item biases for the next start, unless it was replaced or read before a forget. */
  private saveItemBiases(gen: Generation): void {
    if (this.closed || gen !== this.current || gen.forgetEpoch !== this.forgets || gen.ts.nRatings === 0) return;
    try {
      const main = gen.coRating.itemBiases;
      const community = gen.communityCoRating.itemBiases;
      if (!main || !community) return;
      const all = new Float64Array(main.length + community.length);
      all.set(main);
      all.set(community, main.length);
      this.store.saveSnapshot(CO_RATING_SNAPSHOT, { key: gen.key(CO_RATING_SNAPSHOT), blob: new Uint8Array(all.buffer) });
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not save the co-rating biases');
    }
  }

  /**
   * Decodes a model the worker just trained on `gen`'s columns into `gen`; false (logged) when
   * it does not decode. The bytes are fresh from the worker and handed over: no checksum or
   * trainset digest (each hashes hundreds of MB at scale), and the model keeps views into them.
   */
  private decodeInto(gen: Generation, spec: string, bytes: Uint8Array): boolean {
    try {
      gen.add(spec, decodeModel(bytes, gen.ts, createFromSnapshot, { ownFreshSnapshot: true }));
      return true;
    } catch (err) {
      const message = (err as Error).message;
      gen.failed.set(spec, `the trained model did not decode: ${message}`);
      this.log.error({ algo: spec, err: message }, 'the trained model did not decode');
      return false;
    }
  }

  /**
   * Saves the snapshot the next start-up reuses when the data is unchanged, one part per
   * event-loop turn (ease's 456 MB at ml-10m shape written at once held the main thread 6.8 s,
   * in parts 0.25 s at most: bench/stall.ts --steps, load average 22); never
   * for a generation read before a forget (it may hold the forgotten member's ratings): a forget
   * part-way stops the save before its key is published, and its parts are cleaned up.
   */
  private async saveModel(gen: Generation, spec: string, bytes: Uint8Array, longest = new LongestStep()): Promise<void> {
    const stillWanted = () => gen.forgetEpoch === this.forgets && !this.closed;
    if (!stillWanted()) return;
    const steps = this.store.snapshotSaveSteps(snapshotName(spec), { key: gen.key(spec), blob: bytes });
    try {
      while (!longest.time(`save ${spec}`, () => steps.next()).done) {
        await restTurn();
        if (!stillWanted()) return;
      }
    } catch (err) {
      this.log.warn({ algo: spec, err: (err as Error).message }, 'could not save the model snapshot');
    } finally {
      steps.return();
    }
  }

  /** Deletes snapshot parts no snapshot names (replaced, dropped, or left by a stopped save), a part per turn. */
  private async cleanSnapshots(longest = new LongestStep()): Promise<void> {
    const steps = this.store.snapshotCleanupSteps();
    try {
      while (!longest.time('delete old snapshot parts', () => steps.next()).done) {
        await restTurn();
        if (this.closed) return;
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not delete old snapshot parts');
    } finally {
      steps.return();
    }
  }

  /** Trains `specs` on the current generation's data and adds them to it. */
  private train(specs: string[]): Promise<void> {
    specs.forEach((s) => this.training.add(s));
    const run = async (): Promise<void> => {
      const gen = this.current;
      try {
        if (this.closed || !gen.columns) return;
        const todo = specs.filter((s) => !gen.has(s));
        if (todo.length === 0) return;
        const outcome = await this.runWorker({ columns: gen.columns }, todo);
        if (!outcome) {
          if (!this.closed) todo.forEach((s) => gen.failed.set(s, 'the training worker failed'));
          return;
        }
        for (const m of outcome.models) {
          await nextTurn();
          if (this.closed) return;
          if (!this.decodeInto(gen, m.spec, m.bytes)) continue;
          // answering now, so no longer 'training' (the save below takes turns, longer under load):
          // a lazy model used least recently must be free to go while its snapshot is written
          if (gen === this.current) this.training.delete(m.spec);
          await this.saveModel(gen, m.spec, m.bytes);
        }
        await this.cleanSnapshots();
        for (const f of outcome.failures) {
          gen.failed.set(f.spec, f.message);
          this.log.error({ algo: f.spec, err: f.message }, 'training failed');
        }
        for (const s of todo) {
          if (gen.has(s) || gen.failed.has(s)) continue;
          gen.failed.set(s, 'the training worker sent no model');
          this.log.error({ algo: s }, 'training failed: the worker sent no model');
        }
      } finally {
        specs.forEach((s) => this.training.delete(s));
      }
      // a retrain swapped generations meanwhile: the new one needs these too
      if (this.current !== gen && !this.closed) {
        const again = specs.filter((s) => !this.current.has(s) && this.active.has(s));
        if (again.length > 0) void this.train(again); // queued after this job, not awaited inside it
      }
    };
    this.queue = this.queue.then(() => this.guard(run, 'training'));
    return this.queue;
  }

  /** Jobs on the queue never reject: a failure is logged and the next job still runs. */
  private async guard(job: () => Promise<void>, what: string): Promise<void> {
    try {
      await job();
    } catch (err) {
      if (!this.closed) this.log.error({ err: err instanceof Error ? err.message : String(err) }, `${what} failed`);
    }
  }

  /** `source`: the columns to copy to the worker, or the store file it reads them from itself. */
  private async runWorker(source: { columns: JobColumns } | Pick<TrainJob, 'storePath' | 'heldIds'>, specs: string[]): Promise<TrainOutcome | undefined> {
    const t0 = performance.now();
    // the worker works out the rating scale (a pass over every rating, not the main thread's)
    const handle = this.trainer({ ...source, specs, alsFactors: this.opts.alsFactors });
    this.lastSpawnMs = performance.now() - t0;
    this.handles.add(handle);
    try {
      return await handle.done;
    } catch (err) {
      if (!this.closed) this.log.error({ algos: specs, err: (err as Error).message }, 'the training worker failed');
      return undefined;
    } finally {
      this.handles.delete(handle);
    }
  }

  /** Before loading `spec` lazily: evicts the least recently used lazy models beyond the bound. */
  private makeRoomForLazy(spec: string): void {
    this.lazyUse.set(spec, ++this.useClock);
    for (;;) {
      const idle = [...this.lazyUse.entries()].filter(([s]) => s !== spec && !this.training.has(s));
      if (this.lazyUse.size <= this.opts.maxLazyModels || idle.length === 0) return;
      const [oldest] = idle.reduce((a, b) => (b[1] < a[1] ? b : a));
      this.lazyUse.delete(oldest);
      this.active.delete(oldest);
      this.current.drop(oldest);
      this.log.info({ spec: oldest, for: spec }, 'let go of a lazily loaded model');
    }
  }

  /**
   * Drops every saved model: models hold the ratings they were fitted on (knn-user keeps each
   * user's ratings), so after a forget none may be reloaded. The rows go now; their parts in the
   * next cleanup (after the retrain this forget starts). The content model holds no ratings and
   * stays. Snapshot names are per spec; the store cannot list them, so this covers every spec
   * loaded or asked for since start-up and every plain registry name.
   */
  private dropModelSnapshots(): void {
    const specs = new Set<string>([...this.active, ...this.opts.configured, ...this.current.specs(), ...this.training, ...botAlgorithmNames()]);
    const names = [...specs].filter((spec) => isModelAlgo(spec) || spec === 'popular').map(snapshotName);
    for (const name of [...names, CO_RATING_SNAPSHOT]) {
      try {
        this.store.dropSnapshot(name);
      } catch (err) {
        this.log.error({ snapshot: name, err: (err as Error).message }, 'could not drop a model snapshot after a forget');
      }
    }
  }
}

function createFromSnapshot(name: string, params: Record<string, unknown>): Algorithm {
  return describeAlgorithm(name).create(params);
}
