/**
 * The training worker (started by trainer.ts): builds the trainset from the columns it was given,
 * fits each algorithm, and posts each model as a snapshot with its buffer transferred, so the
 * main thread receives the learned arrays without a copy.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { encodeModel } from '../core/snapshot.ts';
import { Trainset } from '../core/trainset.ts';
import { createForTraining } from './service/als-factors.ts';
import type { TrainJob, TrainMessage } from './trainer.ts';

const port = parentPort;
if (!port) throw new Error('trainer-worker.ts runs as a worker thread (see trainer.ts)');

const { job } = workerData as { job: TrainJob };
const post = (msg: TrainMessage, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);

const t0 = performance.now();
const ts = Trainset.fromColumns(job.columns, job.scale);
const buildMs = performance.now() - t0;
for (const spec of job.specs) {
  try {
    const start = performance.now();
    const algo = createForTraining(spec, job.alsFactors).fit(ts);
    const bytes = encodeModel(algo);
    const fitMs = performance.now() - start;
    // transfer only a buffer the bytes own entirely; a view into a larger buffer is copied
    const owns = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
    post({ kind: 'model', spec, bytes, fitMs }, owns ? [bytes.buffer as ArrayBuffer] : []);
  } catch (err) {
    post({ kind: 'failed', spec, message: err instanceof Error ? err.message : String(err) });
  }
}
post({ kind: 'done', buildMs });
