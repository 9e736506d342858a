/**
 * The evaluation worker: runs `evaluate` on the request in `workerData` and posts progress events,
 * then the report (or the error). Started by `runEvaluation` in run.ts.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { evaluate, type EvaluationRequest, type WorkerMessage } from './run.ts';

if (isMainThread || !parentPort) {
  throw new Error('src/evaluation/worker.ts runs inside a worker thread; call runEvaluation() from src/evaluation/run.ts');
}
const port = parentPort;
const post = (msg: WorkerMessage): void => port.postMessage(msg);

try {
  const report = await evaluate((workerData as { req: EvaluationRequest }).req, (event) => post({ type: 'progress', event }));
  post({ type: 'done', report });
} catch (err) {
  const e = err instanceof Error ? err : new Error(String(err));
  post({ type: 'error', name: e.name, message: e.message, stack: e.stack });
}
