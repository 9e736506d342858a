/** A worker that reports its thread's nice value as its first statement runs (after its imports). */
import { getPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';

parentPort!.postMessage(getPriority(0));
