/**
 * Training off the main thread: a worker_thread fits the requested algorithms on a copy of the
 * rating columns and sends each fitted model back as a snapshot (encodeModel), its ArrayBuffer
 * transferred rather than copied. The main thread rebuilds the same trainset from the same
 * columns (same order, so the same inner ids) and decodes the snapshots onto it.
 */
import { spawnTsWorker } from '../util/ts-worker.ts';
import type { RatingScale } from '../core/trainset.ts';

export interface TrainColumns {
  users: string[];
  items: string[];
  ratings: Float32Array;
}

export interface TrainJob {
  columns: TrainColumns;
  scale: RatingScale;
  /** algorithm specs for createAlgorithm, fitted in this order */
  specs: string[];
  /** the Spark factor folder als-import reads (service/als-factors.ts) */
  alsFactors?: string;
}

/** Messages from trainer-worker.ts. */
export type TrainMessage =
  | { kind: 'model'; spec: string; bytes: Uint8Array; fitMs: number }
  | { kind: 'failed'; spec: string; message: string }
  | { kind: 'done'; buildMs: number };

export interface TrainedModel {
  spec: string;
  bytes: Uint8Array;
  fitMs: number;
}

export interface TrainOutcome {
  models: TrainedModel[];
  failures: Array<{ spec: string; message: string }>;
}

export interface TrainHandle {
  /** settles when the worker has sent every model (or failed as a whole) */
  done: Promise<TrainOutcome>;
  /** stops the worker; `done` rejects with a TrainCancelled error */
  cancel(): Promise<void>;
}

export class TrainCancelled extends Error {
  override name = 'TrainCancelled';
}

/** What fits models off the main thread (trainInWorker; tests may inject another). */
export type Trainer = (job: TrainJob, onModel?: (m: TrainedModel) => void) => TrainHandle;

/** Fits `job.specs` in a worker thread; models arrive through `onModel` as they finish. */
export function trainInWorker(job: TrainJob, onModel?: (m: TrainedModel) => void): TrainHandle {
  const worker = spawnTsWorker(new URL('./trainer-worker.ts', import.meta.url), { job });
  const models: TrainedModel[] = [];
  const failures: Array<{ spec: string; message: string }> = [];
  let cancelled = false;
  let finished = false;
  const done = new Promise<TrainOutcome>((resolve, reject) => {
    worker.on('message', (msg: TrainMessage) => {
      if (msg.kind === 'model') {
        const m = { spec: msg.spec, bytes: msg.bytes, fitMs: msg.fitMs };
        models.push(m);
        onModel?.(m);
      } else if (msg.kind === 'failed') {
        failures.push({ spec: msg.spec, message: msg.message });
      } else {
        finished = true;
        resolve({ models, failures });
        void worker.terminate();
      }
    });
    worker.on('error', (err) => {
      finished = true;
      reject(err);
    });
    worker.on('exit', (code) => {
      if (finished) return;
      finished = true;
      reject(cancelled ? new TrainCancelled('training was cancelled') : new Error(`the training worker exited with code ${code}`));
    });
  });
  return {
    done,
    async cancel() {
      cancelled = true;
      await worker.terminate();
    },
  };
}
