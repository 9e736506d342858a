/**
 * The training worker (started by trainer.ts): builds the trainset from the columns it was given
 * or read from the store itself (then sends them back with the ratings version: the id lists in
 * slices, a message each, less the dataset's ids the main thread holds, the arrays transferred),
 * fits each algorithm, and posts each model as a snapshot with its buffer transferred, so the
 * main thread receives the learned arrays without a copy; then the trainset and the community's
 * (./service/community.ts) as parts, and the community's chart order, transferred too.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeModel } from '../core/snapshot.ts';
import { Trainset } from '../core/trainset.ts';
import { createForTraining } from './service/als-factors.ts';
import { contentFeaturesOf } from './service/ease-side-content.ts';
import { openStore } from '../store/store.ts';
import { trainingCodes } from '../store/training-data.ts';
import { chartOrderOf } from './service/charts.ts';
import { CoRating } from './service/co-rating.ts';
import { communityOf } from './service/community.ts';
import { scaleOf } from './service/generation.ts';
import { postRead, sendParts, type JobColumns, type ReadByWorker, type SentTrainsets, type TrainJob, type TrainMessage } from './trainer.ts';
import { lowerThisThreadPriority } from '../util/background-thread.ts';

const port = parentPort;
if (!port) throw new Error('trainer-worker.ts runs as a worker thread (see trainer.ts)');
// a retrain takes a whole core for seconds; the Slack front's acks and the answers come first
lowerThisThreadPriority();

const { job } = workerData as { job: TrainJob };
const post = (msg: TrainMessage, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

const t0 = performance.now();
const read = job.storePath === undefined ? undefined : readStore(job.storePath);
const columns: JobColumns | undefined = read?.columns ?? job.columns;
if (!columns) throw new Error('a training job needs its columns or the store path to read them from');
const scale = job.scale ?? scaleOf(columns);
// fromCoded builds its own rating arrays (the codes are only read), so the columns can go back below
const ts = 'userCodes' in columns ? Trainset.fromCoded(columns, scale) : Trainset.fromColumns(columns, scale);
const buildMs = performance.now() - t0;
// the trainset holds its own copy: the columns go back (the main thread keeps them for lazy fits)
// (without the dataset's ids when the main thread holds them: see postRead)
if (read) await postRead(post, read, job.heldIds);
const features = contentFeaturesOf(job); // ease-side's content rows, built on first use
for (const spec of job.specs) {
  try {
    const start = performance.now();
    const algo = createForTraining(spec, job.alsFactors, features).fit(ts);
    const bytes = encodeModel(algo);
    const fitMs = performance.now() - start;
    // transfer only a buffer the bytes own entirely; a view into a larger buffer is copied
    const owns = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    post({ kind: 'model', spec, bytes, fitMs }, owns ? [bytes.buffer as ArrayBuffer] : []);
  } catch (err) {
    post({ kind: 'failed', spec, message: err instanceof Error ? err.message : String(err) });
  }
}
// last: transferring the trainset's arrays detaches them here, and the fits above needed them
// (one worker of a job sends them: see trainer.ts)
if (job.sendTrainsets !== false) try {
  const community = communityOf(ts);
  // ids as positions in lists the main thread holds (see SentParts): the trainset's in the coded
  // columns' lists (sent back above, or the job's own), the community's in the trainset's
  const coded = 'userCodes' in columns ? { users: columns.userIds, items: columns.itemIds } : undefined;
  const sent: SentTrainsets = {
    trainset: sendParts(ts.toParts(), coded),
    community: sendParts(community.toParts(), { users: ts.rawUserIds(), items: ts.rawItemIds() }),
    coRating: new CoRating(ts).residuals(),
    communityCoRating: new CoRating(community).residuals(),
    // the chart order's per-movie passes and sorts, here rather than on the main thread
    chart: chartOrderOf(community),
  };
  post({ kind: 'trainsets', sent }, buffersOf(sent));
} catch (err) {
  // the main thread then builds its own trainsets, as before: slower, not wrong
  console.error(`the training worker could not send its trainsets: ${err instanceof Error ? err.message : String(err)}`);
}
post({ kind: 'done', buildMs });

/** The training data and its ratings version, as of one moment, through a read-only connection of our own. */
function readStore(path: string): ReadByWorker {
  const started = performance.now();
  const store = openStore(path, { readOnly: true });
  try {
    const got = store.inOneRead(() => ({ columns: trainingCodes(store), version: store.ratingsVersion() }));
    return { ...got, readMs: performance.now() - started };
  } finally {
    store.close();
  }
}

/** Every distinct buffer behind the typed arrays handed over (each transferred once). */
function buffersOf(b: SentTrainsets): ArrayBuffer[] {
  const arrays: ArrayBufferView[] = [b.coRating.zItem, b.coRating.zUser, b.communityCoRating.zItem, b.communityCoRating.zUser];
  if (b.chart) arrays.push(b.chart.items, b.chart.scores, b.chart.counts, b.chart.means);
  for (const p of [b.trainset, b.community]) {
    for (const csr of [p.byUser, p.byItem]) arrays.push(csr.indptr, csr.indices, csr.values);
    if ('userAt' in p.ids) arrays.push(p.ids.userAt, p.ids.itemAt);
  }
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) if (a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  return [...out];
}
