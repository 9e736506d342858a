/** A worker thread that lowers its own priority and says what each thread's priority is then. */
import { getPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../../src/util/background-thread.ts';

const lowered = lowerThisThreadPriority();
parentPort!.postMessage({ lowered, mine: getPriority(0) });
