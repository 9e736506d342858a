/**
 * The content-model worker (started by content-host.ts for a large catalogue): builds the TF-IDF
 * model and its neighbour lists off the main thread and posts it as snapshot bytes, the buffer
 * transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ContentModel, type ContentMovie } from '../../core/content/model.ts';

const port = parentPort;
if (!port) throw new Error('content-worker.ts runs as a worker thread (see content-host.ts)');

const { movies } = workerData as { movies: ContentMovie[] };
try {
  const started = performance.now();
  const bytes = ContentModel.build(movies).toBytes();
  const owns = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer;
  port.postMessage({ kind: 'built', bytes, ms: performance.now() - started }, owns ? [bytes.buffer as ArrayBuffer] : []);
} catch (err) {
  port.postMessage({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
}
