/**
 * Training off the main thread: a worker_thread fits the requested algorithms on a copy of the
 * rating columns, or on the columns it reads from the store file itself through its own
 * read-only connection (a retrain: no read of every rating, and no copy of them to the worker,
 * on the main thread), and sends each fitted model back as a snapshot (encodeModel), its
 * ArrayBuffer transferred rather than copied, then the trainset it built (and the community's),
 * its arrays transferred too. The main thread takes that trainset over (only its id maps are
 * rebuilt) and decodes the snapshots onto it without hashing them again: nothing in a generation
 * swap walks every rating on the main thread.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { spawnTsWorker } from '../util/ts-worker.ts';
import { BACKGROUND_NICE } from '../util/background-thread.ts';
import type { RatingScale, TrainsetParts } from '../core/trainset.ts';
import type { CodedRatings, DatasetIdPrefix } from '../store/columns.ts';
import type { ChartOrder } from './service/charts.ts';
import type { CoRatingResiduals } from './service/co-rating.ts';
import type { ContentSource } from './service/ease-side-content.ts';

export interface TrainColumns {
  users: string[];
  items: string[];
  ratings: Float32Array;
}

/**
 * What a training job reads: string columns, or the same ratings coded (store/training-data.ts
 * trainingCodes), which a retrain sends: typed arrays copy to the worker in milliseconds where
 * 2 × 10 M strings took 12 s of the main thread's time.
 */
export type JobColumns = TrainColumns | CodedRatings;

export interface TrainJob {
  /** the ratings to fit on, with their scale (scaleOf); or, instead, `storePath` */
  columns?: JobColumns;
  scale?: RatingScale;
  /**
   * The store file the worker reads the training data from itself (trainingCodes and the ratings
   * version, in one read transaction); what it read comes back in the outcome's `read`.
   */
  storePath?: string;
  /**
   * With `storePath`: the dataset ids the main thread already holds (its generation's
   * `columns.dataset`). When the read's own `columns.dataset` is exactly this, the worker sends
   * only the ids after them (postRead). Counts, not lists: this is workerData.
   */
  heldIds?: DatasetIdPrefix;
  /** algorithm specs for createAlgorithm, fitted in this order */
  specs: string[];
  /** the Spark factor folder als-import reads (service/als-factors.ts) */
  alsFactors?: string;
  /** where ease-side's content rows come from when not from `storePath` (service/ease-side-content.ts) */
  content?: ContentSource;
  /**
   * whether the worker sends its trainsets after the fits (default true); of the workers that
   * share one job, only the first does
   */
  sendTrainsets?: boolean;
}

/**
 * The trainset the worker fitted on and the community's (../bot/service/community.ts), as parts:
 * the main thread takes them over instead of indexing every rating again itself (2.6 s for
 * 10 M ratings, a stall of the event loop at every retrain).
 */
export interface BuiltTrainsets {
  trainset: TrainsetParts;
  community: TrainsetParts;
  /** the co-rating residuals of each (./service/co-rating.ts): baselines over every rating */
  coRating: CoRatingResiduals;
  communityCoRating: CoRatingResiduals;
  /** the community's chart order (./service/charts.ts chartOrderOf), computed beside its trainset */
  chart?: ChartOrder;
}

/**
 * A trainset's parts as the worker sends them: its raw ids either as strings, or (when the main
 * thread already holds those strings) as positions in a list it has, an Int32Array transferred
 * with the rest. Strings cross a thread by structured clone, each one made again on the receiving
 * thread in the message event, one unsliced block: at ml-32m shape (200,948 members, 87,585
 * movies) the three id lists a retrain sent (the columns' and both trainsets') took 85–104 ms of
 * CPU to deserialize and held 27.7 MB of live heap, three copies of every id (a v8
 * serialize/deserialize probe, load average 11 on 2 cores). Coded, only the columns' list
 * crosses, and the trainsets' lists hold its very strings: 15.7 MB.
 */
export type SentParts = Omit<TrainsetParts, 'userRaw' | 'itemRaw'> & {
  ids: { userRaw: string[]; itemRaw: string[] } | { userAt: Int32Array; itemAt: Int32Array };
};

/**
 * BuiltTrainsets on the wire: the trainset's ids are positions in the job's columns' id lists
 * (coded columns) and the community's are the trainset's inner ids (see SentParts). The main
 * thread takes them over as they came (TrainOutcome.trainsets): receiveTrainsets resolves every
 * id at once, Generation.takeOver a slice per event-loop turn.
 */
export interface SentTrainsets {
  trainset: SentParts;
  community: SentParts;
  coRating: CoRatingResiduals;
  communityCoRating: CoRatingResiduals;
  chart?: ChartOrder;
}

/** Messages from trainer-worker.ts. */
export type TrainMessage =
  | { kind: 'read-ids'; side: 'member' | 'movie'; ids: string[] }
  | { kind: 'read'; read: SentRead }
  | { kind: 'model'; spec: string; bytes: Uint8Array; fitMs: number }
  | { kind: 'failed'; spec: string; message: string }
  | { kind: 'trainsets'; sent: SentTrainsets }
  | { kind: 'done'; buildMs: number };

/**
 * The worker's side of SentParts: `ts`'s ids as positions in `userList`/`itemList` (lists the
 * main thread holds too), or as strings when there are no such lists. Throws when an id is
 * missing from its list (the trainset was not built from it).
 */
export function sendParts(parts: TrainsetParts, lists?: { users: readonly string[]; items: readonly string[] }): SentParts {
  const { userRaw, itemRaw, ...rest } = parts;
  if (!lists) return { ...rest, ids: { userRaw, itemRaw } };
  return { ...rest, ids: { userAt: positionsIn(userRaw, lists.users, 'member'), itemAt: positionsIn(itemRaw, lists.items, 'movie') } };
}

/** The main thread's side: the parts with their id strings taken from the lists by reference. */
export function receiveParts(sent: SentParts, lists?: { users: readonly string[]; items: readonly string[] }): TrainsetParts {
  const { ids: _, ...rest } = sent;
  return { ...rest, userRaw: pick(sentIds(sent, 'member', lists?.users)), itemRaw: pick(sentIds(sent, 'movie', lists?.items)) };
}

/** One side of a SentParts' ids: the strings themselves, or positions in `list` (a list the main thread holds). */
export type SentIds = { what: 'member' | 'movie' } & ({ raw: string[] } | { at: Int32Array; list: readonly string[] });

/** The members' or the movies' ids of `sent`; throws when they are positions and there is no `list` to read them from. */
export function sentIds(sent: SentParts, what: 'member' | 'movie', list: readonly string[] | undefined): SentIds {
  const { ids } = sent;
  if ('userRaw' in ids) return { what, raw: what === 'member' ? ids.userRaw : ids.itemRaw };
  if (!list) throw new Error('the training worker sent its trainset ids as positions, but there is no id list to read them from');
  return { what, at: what === 'member' ? ids.userAt : ids.itemAt, list };
}

/** The `k`th id of `ids` (positions resolved); throws when a position is beyond its list. */
export function sentIdAt(ids: SentIds, k: number): string {
  if ('raw' in ids) return ids.raw[k];
  const id = ids.list[ids.at[k]];
  if (id === undefined) throw new Error(`the training worker sent ${ids.what} position ${ids.at[k]}, beyond the ${ids.list.length} ids it was given`);
  return id;
}

/** How many ids `ids` holds. */
export function sentIdCount(ids: SentIds): number {
  return 'raw' in ids ? ids.raw.length : ids.at.length;
}

function positionsIn(ids: readonly string[], list: readonly string[], what: string): Int32Array {
  const at = new Map<string, number>();
  for (let k = 0; k < list.length; k++) at.set(list[k], k);
  const out = new Int32Array(ids.length);
  for (let k = 0; k < ids.length; k++) {
    const p = at.get(ids[k]);
    if (p === undefined) throw new Error(`${what} id ${ids[k]} of the trainset is not in the list it was built from`);
    out[k] = p;
  }
  return out;
}

function pick(ids: SentIds): string[] {
  if ('raw' in ids) return ids.raw;
  const out = new Array<string>(ids.at.length);
  for (let k = 0; k < out.length; k++) out[k] = sentIdAt(ids, k);
  return out;
}

/** The trainsets as the main thread takes them over, from what the worker sent and the job's columns. */
export function receiveTrainsets(sent: SentTrainsets, columns: JobColumns | undefined): BuiltTrainsets {
  const lists = columns && 'userCodes' in columns ? { users: columns.userIds, items: columns.itemIds } : undefined;
  const trainset = receiveParts(sent.trainset, lists);
  const community = receiveParts(sent.community, { users: trainset.userRaw, items: trainset.itemRaw });
  return { trainset, community, coRating: sent.coRating, communityCoRating: sent.communityCoRating, chart: sent.chart };
}

/**
 * A ReadByWorker on the wire: its id lists went ahead in 'read-ids' slices (postRead), all of
 * them, or (`idsFrom`) only those after the leading dataset ids the job said were held.
 */
export type SentRead = Omit<ReadByWorker, 'columns'> & { columns: Omit<CodedRatings, 'userIds' | 'itemIds'>; idsFrom?: DatasetIdPrefix };

/** Ids of a read per 'read-ids' message: ~4–7 ms of the main thread's CPU to deserialize 50,000 (a probe, quiet machine: 288,533 in 10–21 ms). */
const READ_IDS_PER_MESSAGE = 50_000;

/**
 * The worker's side of a read going back to the main thread: the id lists in slices of
 * `idsPerMessage`, each its own message `pauseMs` apart (so the main thread meets them in turns
 * of their own), then the read itself, its arrays transferred. Structured clone makes every id
 * string again on the receiving thread in the message event: the 288,533 ids of the ml-32m shape
 * in one message took ~34 ms of the main thread's CPU in one turn, 113–168 ms of wall while
 * V8's helper threads marked the heap (bench/scale-serve.ts --swap-only, load 1.5–1.9). In
 * slices they still survived on the main heap, and the young-generation scavenges that copied
 * them were 74 ms of the worst 101.4 ms stall of a retrain (bench/scale-serve.ts, load 1.1–2.2).
 * Yet the dataset's ids never change between retrains: when `heldIds` (what the main thread
 * holds, TrainJob.heldIds) is exactly the read's `columns.dataset`, only the ids after them go
 * (members' and the unrated movies'), and the read says how many it left out (`idsFrom`).
 */
export async function postRead(
  post: (msg: TrainMessage, transfer?: ArrayBuffer[]) => void,
  read: ReadByWorker,
  heldIds?: DatasetIdPrefix,
  idsPerMessage = READ_IDS_PER_MESSAGE,
  pauseMs = 10,
): Promise<void> {
  const { userIds, itemIds, ...arrays } = read.columns;
  const idsFrom = heldIds && arrays.dataset && sameDatasetIds(heldIds, arrays.dataset) ? arrays.dataset : undefined;
  const sides = [['member', userIds, idsFrom?.users ?? 0], ['movie', itemIds, idsFrom?.items ?? 0]] as const;
  for (const [side, ids, first] of sides) {
    for (let from = first; from < ids.length; from += idsPerMessage) {
      post({ kind: 'read-ids', side, ids: ids.slice(from, from + idsPerMessage) });
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
  const sent: SentRead = { ...read, columns: arrays, ...(idsFrom ? { idsFrom } : {}) };
  post({ kind: 'read', read: sent }, [arrays.userCodes.buffer, arrays.itemCodes.buffer, arrays.ratings.buffer] as ArrayBuffer[]);
}

/** Whether two dataset id prefixes are the same one: fingerprint and both counts. */
export function sameDatasetIds(a: DatasetIdPrefix, b: DatasetIdPrefix): boolean {
  return a.fingerprint === b.fingerprint && a.users === b.users && a.items === b.items;
}

/**
 * A read whose leading dataset ids the worker left out (postRead with TrainJob.heldIds): the id
 * lists are only the ids after `idsFrom`'s counts. wholeRead puts the held ids back in front.
 */
export interface ReadTail extends Omit<ReadByWorker, 'columns'> {
  columns: Omit<CodedRatings, 'userIds' | 'itemIds'>;
  idsFrom: DatasetIdPrefix;
  userTail: string[];
  itemTail: string[];
}

/**
 * The whole read: `read` itself, or a ReadTail's ids after the leading ids of `held` (the columns
 * whose `dataset` the job sent as heldIds). The trainset's ids are positions in these very lists,
 * so a `held` that is not that dataset's, or is shorter, throws rather than misname anyone. The
 * held strings are shared, not made again: copying the 288,533 held ids of the ml-32m shape and
 * 6,000 new ones into the whole lists took 1.7–4.0 ms (medians of 10, a node probe of this loop,
 * load 3.1–3.5 on 2 cores), where the slices of those ids took 74 ms of scavenges (postRead).
 */
export function wholeRead<R extends { columns: CodedRatings }>(read: R | ReadTail, held: JobColumns | undefined): R | ReadByWorker {
  if (!isReadTail(read)) return read;
  const { idsFrom, userTail, itemTail, ...rest } = read;
  const lists = held && 'userCodes' in held ? held : undefined;
  const fits = lists?.dataset && sameDatasetIds(lists.dataset, idsFrom) && lists.userIds.length >= idsFrom.users && lists.itemIds.length >= idsFrom.items;
  if (!lists || !fits) {
    const holds = lists?.dataset ? `${lists.dataset.users} + ${lists.dataset.items} ids of dataset ${lists.dataset.fingerprint}` : 'no dataset ids';
    throw new Error(`the training worker left out ${idsFrom.users} + ${idsFrom.items} ids of dataset ${idsFrom.fingerprint}, but the held columns have ${holds}`);
  }
  return { ...rest, columns: { ...rest.columns, userIds: leadThen(lists.userIds, idsFrom.users, userTail), itemIds: leadThen(lists.itemIds, idsFrom.items, itemTail) } };
}

/** Whether `read` came without its leading dataset ids. */
export function isReadTail(read: { columns: object } | ReadTail): read is ReadTail {
  return 'idsFrom' in read;
}

/** The first `n` of `lead` followed by `tail`, in one new list (filled in place: slice + concat took ~1.5× as long). */
function leadThen(lead: readonly string[], n: number, tail: readonly string[]): string[] {
  const out = new Array<string>(n + tail.length);
  for (let k = 0; k < n; k++) out[k] = lead[k];
  for (let k = 0; k < tail.length; k++) out[n + k] = tail[k];
  return out;
}

/** What a worker given `storePath` read: the models are fitted on exactly these columns. */
export interface ReadByWorker {
  columns: CodedRatings;
  /** the store's ratingsVersion in the same read transaction */
  version: number;
  /** how long the read took the worker */
  readMs: number;
}

export interface TrainedModel {
  spec: string;
  bytes: Uint8Array;
  fitMs: number;
}

export interface TrainOutcome {
  models: TrainedModel[];
  failures: Array<{ spec: string; message: string }>;
  /**
   * the worker's trainsets as it sent them, ids as positions in `read`'s whole columns (or the job's):
   * resolved by the caller (receiveTrainsets, or Generation.takeOver in steps), not in the message
   * event (absent from trainers that do not send them, e.g. tests' fakes)
   */
  trainsets?: SentTrainsets;
  /** what the worker read, for a job with `storePath`: whole, or (job's `heldIds`) a ReadTail for wholeRead */
  read?: ReadByWorker | ReadTail;
}

export interface TrainHandle {
  /**
   * settles when the worker has sent every model (or failed as a whole), in the check phase after
   * the poll phase that received the worker's last messages: a caller's next `setImmediate` then
   * runs after timers and I/O have had their turn, not in the messages' loop iteration
   */
  done: Promise<TrainOutcome>;
  /** stops the worker; `done` rejects with a TrainCancelled error */
  cancel(): Promise<void>;
}

export class TrainCancelled extends Error {
  override name = 'TrainCancelled';
}

/** What fits models off the main thread (trainInWorker; tests may inject another). */
export type Trainer = (job: TrainJob, onModel?: (m: TrainedModel) => void) => TrainHandle;

export interface TrainOptions {
  /** at most this many worker threads fit one job's algorithms side by side (default: the machine's cores) */
  maxWorkers?: number;
}

/**
 * Fits `job.specs` off the main thread; models arrive through `onModel` as they finish.
 *
 * Several algorithms are fitted side by side, one worker thread per core at most (a job given the
 * columns: the first start and lazy fits; a retrain reading the store itself keeps one): the specs are
 * dealt out in turn (on 2 cores the default set's ease and svd each get a core), every worker
 * builds its own trainset from the job's columns, and the first worker alone sends the trainsets
 * afterwards. At ml-32m shape (`npx tsx bench/first-start.ts`, loaded machine) the fits alone took
 * 53.6 CPU s (ease) and 144.9 (svd), the trainset 10.0 from strings: side by side, the fitting
 * lasts about as long as svd alone instead of both in turn, for a second trainset in memory
 * (~1 GB at 32 M ratings). The outcome lists the models in `job.specs` order whichever worker
 * finished first. One worker failing fails the job, as when one worker fitted everything.
 */
export function trainInWorker(job: TrainJob, onModel?: (m: TrainedModel) => void, opts: TrainOptions = {}): TrainHandle {
  // a job that reads the store itself (a retrain) keeps one worker: two would read the store
  // apart and could fit on different ratings versions, and a background retrain should leave a
  // core to the service
  const nWorkers = job.storePath !== undefined ? 1 : Math.max(1, Math.min(job.specs.length, opts.maxWorkers ?? availableParallelism()));
  const groups: string[][] = Array.from({ length: nWorkers }, () => []);
  job.specs.forEach((spec, k) => groups[k % nWorkers].push(spec));
  const workers: Worker[] = groups.map((specs, k) =>
    // lowered before its first import (trainer-worker.ts lowers itself too, after its imports)
    spawnTsWorker(new URL('./trainer-worker.ts', import.meta.url), { job: { ...job, specs, sendTrainsets: k === 0 && job.sendTrainsets !== false } }, [], { nice: BACKGROUND_NICE }),
  );
  const models: TrainedModel[] = [];
  const failures: Array<{ spec: string; message: string }> = [];
  let trainsets: SentTrainsets | undefined;
  let read: ReadByWorker | ReadTail | undefined;
  // the read's id lists as their slices arrive (postRead), in order: messages on a port keep theirs
  const readIds = { member: [] as string[], movie: [] as string[] };
  let cancelled = false;
  let finished = false;
  let running = workers.length;
  const stopAll = (): void => {
    for (const w of workers) void w.terminate();
  };
  const done = new Promise<TrainOutcome>((resolve, reject) => {
    const fail = (err: Error): void => {
      if (finished) return;
      finished = true;
      stopAll();
      reject(err);
    };
    for (const worker of workers) {
      let workerDone = false;
      worker.on('message', (msg: TrainMessage) => {
        if (msg.kind === 'model') {
          const m = { spec: msg.spec, bytes: msg.bytes, fitMs: msg.fitMs };
          models.push(m);
          onModel?.(m);
        } else if (msg.kind === 'failed') {
          failures.push({ spec: msg.spec, message: msg.message });
        } else if (msg.kind === 'trainsets') {
          // kept as sent: resolving the 288,533 ids of the ml-32m shape here took 42–61 ms of CPU
          // in this message's turn (with the take-over's first slices, a 144–263 ms stall on 2
          // cores while V8's helper threads marked the heap; bench/scale-serve.ts --swap-only)
          trainsets = msg.sent;
        } else if (msg.kind === 'read-ids') {
          const list = readIds[msg.side];
          for (const id of msg.ids) list.push(id);
        } else if (msg.kind === 'read') {
          // the lists as they came: a tail is made whole by the caller, who holds the leading ids
          const { idsFrom, ...sent } = msg.read;
          read = idsFrom
            ? { ...sent, idsFrom, userTail: readIds.member, itemTail: readIds.movie }
            : { ...sent, columns: { ...sent.columns, userIds: readIds.member, itemIds: readIds.movie } };
        } else {
          workerDone = true;
          void worker.terminate();
          if (--running > 0 || finished) return;
          finished = true;
          const order = (spec: string): number => job.specs.indexOf(spec);
          models.sort((a, b) => order(a.spec) - order(b.spec));
          failures.sort((a, b) => order(a.spec) - order(b.spec));
          // in the check phase: the messages arrived in the poll phase, and a caller's setImmediate
          // from there would run in this same loop iteration, before timers and I/O come round
          setImmediate(() => resolve({ models, failures, trainsets, read }));
        }
      });
      worker.on('error', (err) => fail(err));
      worker.on('exit', (code) => {
        if (workerDone) return;
        fail(cancelled ? new TrainCancelled('training was cancelled') : new Error(`the training worker exited with code ${code}`));
      });
    }
  });
  return {
    done,
    async cancel() {
      cancelled = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
