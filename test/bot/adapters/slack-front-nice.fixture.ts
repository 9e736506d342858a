/** A thread that starts the Slack front with the main thread's yield on, and says its nice value before and after. */
import { App, LogLevel } from '@slack/bolt';
import { getPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { MAIN_THREAD_NICE, SlackFrontReceiver } from '../../../src/bot/adapters/slack-front.ts';
import { ReplayGuard } from '../../../src/bot/adapters/slack-replay.ts';

const quiet = { warn: () => undefined, error: () => undefined, debug: () => undefined };
const before = getPriority(0);
const receiver = new SlackFrontReceiver({ signingSecret: 'fixture-secret', guard: new ReplayGuard(), log: quiet, onDuplicate: () => undefined, mainThreadNice: MAIN_THREAD_NICE });
const app = new App({ receiver, tokenVerificationEnabled: false, authorize: async () => ({ botToken: 'xoxb-test' }), logLevel: LogLevel.ERROR });
await receiver.start(0, '127.0.0.1');
const after = getPriority(0);
await app.stop();
parentPort!.postMessage({ before, after });
