/**
 * A process that starts the Slack front with npm start's yield and prints, as JSON, its main
 * thread's nice value before and after, the front thread's, and every other thread's.
 */
import { App, LogLevel } from '@slack/bolt';
import { readdirSync, readFileSync } from 'node:fs';
import { getPriority } from 'node:os';
import { YIELD_TO_FRONT_NICE, SlackFrontReceiver } from '../../../src/bot/adapters/slack-front.ts';
import { ReplayGuard } from '../../../src/bot/adapters/slack-replay.ts';

const quiet = { warn: () => undefined, error: () => undefined, debug: () => undefined };
const niceOf = (tid: string) => {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
};
const before = getPriority(0);
const threadsBefore = new Set(readdirSync('/proc/self/task'));
const receiver = new SlackFrontReceiver({ signingSecret: 'fixture-secret', guard: new ReplayGuard(), log: quiet, onDuplicate: () => undefined, yieldToFrontNice: YIELD_TO_FRONT_NICE });
const app = new App({ receiver, tokenVerificationEnabled: false, authorize: async () => ({ botToken: 'xoxb-test' }), logLevel: LogLevel.ERROR });
await receiver.start(0, '127.0.0.1');
// the front is the one thread started with it that keeps the process's nice value
const started = readdirSync('/proc/self/task').filter((tid) => !threadsBefore.has(tid));
const front = started.map(niceOf).filter((n) => n === before);
const others = readdirSync('/proc/self/task').filter((tid) => threadsBefore.has(tid) && tid !== String(process.pid)).map(niceOf);
process.stdout.write(JSON.stringify({ before, after: getPriority(0), front: front.length === 1 ? front[0] : NaN, others }));
await app.stop();
process.exit(0);
