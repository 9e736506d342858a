/**
 * A burst through the real Slack HTTP endpoint (issue 13):
 *
 *   npm run bench -- --only load [--members 200] [--commands 20] [--spread-ms 1000] [--data ml-latest-small] [--max-wait-ms 5000]
 *                                [--swap-in-burst] [--yield-nice N | --main-nice N]
 *   npm run bench -- --only soak [--minutes 30] [--members 20] [--every-ms 2000]
 *
 * The bot as `npm start` runs it on Slack (the service with the default algorithms, the
 * dispatcher, startSlack with its HTTP front, a worker thread, on a loopback port) and, in worker
 * threads of their own, the members (./load-client.ts) and a fake Slack Web API (./load-api.ts:
 * auth.test and the response_urls the answers are posted to, timed on arrival). load: every member sends every command (rate,
 * recommend, top, because, movie) on a new connection within the first second, while a full
 * retrain runs. Reported: acks later than Slack's 3 s (target 0), ack p99 (< 1 s), ratings
 * acknowledged to the member but missing from the store (target 0), throughput, answer
 * latencies, busy answers, and the event-loop lag during the retrain (p99 < 50 ms). soak: a
 * moderate steady load for --minutes; RSS growth from the first to the last minute (< 10 %),
 * errors.
 *
 * --swap-in-burst: the niced retrain started with the burst outlasts it (its worker gets the CPU
 * the burst leaves), so its swap, the main thread's share of a retrain, never met the burst. With
 * this flag the retrain starts first and the burst the moment its training worker's thread (the
 * one at nice 19) is gone (Linux /proc: the fit is over, the swap's steps begin), so that the swap runs while the
 * burst's requests arrive; the report says where it landed and the lag and acks around it. (A
 * fixed lead, the fit time of a quiet retrain before, missed: the same fit took 23.8 s and then
 * 16.5 s at load average ~12.)
 * --yield-nice N: what npm start does with SLACK_YIELD_NICE=N once the Slack front listens
 * (src/bot/adapters/slack-front.ts): every thread of the bot but the front's at nice N (Linux);
 * the members' and the fake Web API's threads, Slack's side, stay at 0. Default
 * YIELD_TO_FRONT_NICE (5), npm start's default; 0: every thread left as it was.
 * --main-nice N: the main thread alone at nice N instead (an earlier experiment).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { MessageChannel } from 'node:worker_threads';
import { cpus, loadavg, setPriority } from 'node:os';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import pino from 'pino';
import { loadCommands } from '../commands/index.ts';
import { startSlack } from '../src/bot/adapters/slack.ts';
import { YIELD_TO_FRONT_NICE } from '../src/bot/adapters/slack-front.ts';
import { createDispatcher } from '../src/bot/dispatch.ts';
import { createWorkQueue } from '../src/bot/work-queue.ts';
import { createService } from '../src/bot/service.ts';
import { DEFAULTS } from '../src/config.ts';
import { loadDataset } from '../src/data/load.ts';
import { openStore } from '../src/store/store.ts';
import { BACKGROUND_NICE, lowerOtherThreads, lowerThisThreadPriority } from '../src/util/background-thread.ts';
import { spawnTsWorker } from '../src/util/ts-worker.ts';
import { sharedDataset } from '../test/helpers/shared-data.ts';
import type { ApiMessage, ToApi } from './load-api.ts';
import type { ClientMessage, CommandOutcome, LoadPlan } from './load-client.ts';
import { gc, median } from './measure.ts';
import { ThreadCpu } from './thread-cpu.ts';
import type { BenchRow } from './types.ts';

const SECRET = 'load-bench-signing-secret';
const SLACK_ACK_DEADLINE_MS = 3000;

function argValue(argv: string[], name: string): string | undefined {
  const k = argv.indexOf(name);
  return k < 0 ? undefined : argv[k + 1];
}

function numberArg(argv: string[], name: string, fallback: number): number {
  const raw = argValue(argv, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got ${raw}`);
  return n;
}

function say(msg: string): void {
  process.stderr.write(`[load ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** The largest sample (or `empty`): a loop, because Math.max(...xs) overflows the call stack at a
 * 30-minute soak's ~900,000 lag samples. */
function maxOf(samples: readonly number[], empty = NaN): number {
  let m = -Infinity;
  for (const x of samples) if (x > m) m = x;
  return samples.length === 0 ? empty : m;
}

function minOf(samples: readonly number[]): number {
  let m = Infinity;
  for (const x of samples) if (x < m) m = x;
  return m;
}

function quantile(samples: number[], q: number): number {
  const s = samples.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor(s.length * q))];
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((r) => probe.close(() => r()));
  return port;
}

/** Event-loop lag: how late 2 ms ticks come (and when each came), sampled while `on()` holds. */
function lagMeter(): { samples: number[]; at: number[]; stop(): void; mark(on: boolean): void } {
  const samples: number[] = [];
  const at: number[] = [];
  let on = true;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    if (on) {
      samples.push(Math.max(0, now - last - 2));
      at.push(now);
    }
    last = now;
  }, 2);
  return { samples, at, stop: () => clearInterval(timer), mark: (v) => (on = v) };
}

/**
 * Resolves once a thread started after `before` at nice 19 has appeared and is gone: a retrain's
 * training worker, which lowers itself to 19 (src/util/background-thread.ts) and ends when its fit
 * is sent back (src/bot/trainer.ts). Other threads that start meanwhile (libuv's pool) stay.
 */
async function threadsEnded(before: Set<string>): Promise<void> {
  const seen = new Set<string>();
  const niceOf = (tid: string): number | undefined => {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
    } catch {
      return undefined; // gone
    }
  };
  for (;;) {
    const now = readdirSync('/proc/self/task');
    for (const tid of now) if (!before.has(tid) && !seen.has(tid) && niceOf(tid) === BACKGROUND_NICE) seen.add(tid);
    if (seen.size > 0 && !now.some((tid) => seen.has(tid))) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

interface TcpCounters {
  synRetrans: number;
  listenOverflows: number;
}

/** The kernel's TCP counters that tell a dropped connection attempt (Linux /proc/net/netstat). */
function tcpCounters(): TcpCounters | undefined {
  try {
    const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((l) => l.startsWith('TcpExt:'));
    const names = lines[0].split(' ');
    const values = lines[1].split(' ').map(Number);
    const get = (name: string) => values[names.indexOf(name)];
    return { synRetrans: get('TCPSynRetrans'), listenOverflows: get('ListenOverflows') };
  } catch {
    return undefined;
  }
}

/** What the service logs when a retrain swapped its generation in (model-host's 'retrained' line). */
interface RetrainedLine {
  /** performance.now() when it was logged: after the swap and the snapshots' save */
  at: number;
  fitMs: number;
  swapMs: number;
  saveMs: number;
  longestStep?: string;
  longestStepMs?: number;
}

export async function benchLoad(argv: string[] = process.argv.slice(2)): Promise<BenchRow[]> {
  return run('load', argv);
}

export async function benchSoak(argv: string[] = process.argv.slice(2)): Promise<BenchRow[]> {
  return run('soak', argv);
}

async function run(mode: 'load' | 'soak', argv: string[]): Promise<BenchRow[]> {
  const dataName = argValue(argv, '--data') ?? 'ml-latest-small';
  const dir = sharedDataset(dataName);
  if (!dir) return [];
  const members = numberArg(argv, '--members', mode === 'load' ? 200 : 20);
  const plan: LoadPlan = {
    mode,
    secret: SECRET,
    members,
    commandsPerMember: numberArg(argv, '--commands', 20),
    spreadMs: numberArg(argv, '--spread-ms', 1000),
    soakMs: numberArg(argv, '--minutes', 30) * 60_000,
    soakEveryMs: numberArg(argv, '--every-ms', 2000),
    movies: [],
    answerGraceMs: 120_000,
  };
  const swapInBurst = argv.includes('--swap-in-burst');
  if (swapInBurst && mode !== 'load') throw new Error('--swap-in-burst is for --only load');
  const niceArg = (name: string, fallback: number) => {
    const n = argValue(argv, name) === undefined ? fallback : Number(argValue(argv, name));
    if (!(Number.isInteger(n) && n >= 0 && n <= 19)) throw new Error(`${name} must be a whole number 0–19, got ${argValue(argv, name)}`);
    return n;
  };
  const mainOnly = argValue(argv, '--main-nice') !== undefined;
  const yieldNice = mainOnly ? niceArg('--main-nice', 0) : niceArg('--yield-nice', YIELD_TO_FRONT_NICE);
  const algorithms = [...DEFAULTS.algorithms];
  const tmp = mkdtempSync(join(tmpdir(), `marquee-bench-${mode}-`));
  const rows: BenchRow[] = [];
  const add = (name: string, value: number, unit: string, note?: string): void => {
    rows.push({ name, value, unit, note });
    say(`${name}: ${Number.isFinite(value) ? value.toFixed(2) : value} ${unit} ${note ?? ''}`);
  };
  const retrained: RetrainedLine[] = [];
  try {
    const cpu = new ThreadCpu();
    cpu.mark('V8 and libuv helpers');
    const store = openStore(join(tmp, 'marquee.db'));
    store.importDataset(await loadDataset(dir));
    const svc = await createService({
      store,
      algorithms,
      coldStart: 5,
      // load: the one retrain is the one the bench starts; soak: retrains as production does
      retrainAfter: mode === 'load' ? 1_000_000 : 50,
      retrainMinutes: 60,
      logger: { info: (o: object, m?: string) => void (m === 'retrained' && retrained.push({ ...(o as Omit<RetrainedLine, 'at'>), at: performance.now() })), warn: (o: object, m?: string) => say(`warn ${m} ${JSON.stringify(o)}`), error: (o: object, m?: string) => say(`error ${m} ${JSON.stringify(o)}`) },
    });
    await svc.ready;
    plan.movies = svc.top({ n: 100 }).entries.map((e) => e.movie.movieId);
    const work = createWorkQueue({ group: (fn) => store.inOneCommit(fn) });
    // --max-wait-ms: the busy bound, both the dispatcher's and how long the Slack front lets a
    // slash command queue (default: theirs, 5 s and SLACK_QUEUE_MAX_MS); a large one runs every
    // command, to compare ack times on the same work
    const maxWaitMs = argValue(argv, '--max-wait-ms') === undefined ? undefined : numberArg(argv, '--max-wait-ms', 0);
    const dispatcher = createDispatcher({ service: svc, commands: await loadCommands(), work, maxWaitMs });

    cpu.mark("the store's and the service's threads");
    // the fake Web API (response_urls) first, in its own thread, then the members
    const apiThread = spawnTsWorker(new URL('./load-api.ts', import.meta.url), {});
    const fromApi = (kind: ApiMessage['kind']) =>
      new Promise<ApiMessage>((resolve, reject) => {
        const on = (m: ApiMessage) => m.kind === kind && (apiThread.off('message', on), resolve(m));
        apiThread.on('message', on);
        apiThread.once('error', reject);
      });
    const { apiPort } = (await fromApi('ready')) as Extract<ApiMessage, { kind: 'ready' }>;
    cpu.mark('the fake Web API (response_urls)');
    const client = spawnTsWorker(new URL('./load-client.ts', import.meta.url), { plan });
    const messages: ClientMessage[] = [];
    let wake: (() => void) | undefined;
    client.on('message', (m: ClientMessage) => {
      messages.push(m);
      wake?.();
    });
    client.on('error', (err) => say(`client failed: ${err.message}`));
    const next = async (kind: ClientMessage['kind']): Promise<ClientMessage> => {
      for (;;) {
        const m = messages.find((x) => x.kind === kind);
        if (m) return m;
        await new Promise<void>((r) => (wake = r));
      }
    };
    await next('ready');
    cpu.mark('members (the bench client)');
    const slackPort = await freePort();
    const running = await startSlack(
      { dispatcher, service: svc, settings: { botToken: 'xoxb-load', signingSecret: SECRET }, log: pino({ level: 'warn' }, pino.destination(2)) },
      { slackApiUrl: `http://127.0.0.1:${apiPort}/api/`, env: { SLACK_PORT: String(slackPort) }, queueMaxMs: maxWaitMs },
    );

    cpu.mark('Slack front');
    // as npm start (slack-front.ts's lowerAllButFront) but for Slack's side: the bench's own threads keep 0
    if (yieldNice > 0) {
      if (!lowerThisThreadPriority(process.platform, setPriority, yieldNice)) throw new Error(`the main thread could not be lowered to nice ${yieldNice} (Linux only, never raised)`);
      const keep = ['Slack front', 'the fake Web API (response_urls)', 'members (the bench client)'].flatMap((l) => cpu.threadsLabelled(l)).map(Number);
      const others = mainOnly ? 0 : lowerOtherThreads(yieldNice, keep);
      say(`main thread${mainOnly ? '' : ` and ${others} other threads of the bot`} at nice ${yieldNice}; the front's, the members' and the fake Web API's at 0`);
    }
    if (swapInBurst && process.platform !== 'linux') throw new Error('--swap-in-burst needs Linux (it watches /proc/self/task for the training worker)');
    gc();
    const rssStart = process.memoryUsage().rss;
    const rss: Array<{ at: number; mb: number }> = [];
    const rssTimer = setInterval(() => rss.push({ at: performance.now(), mb: process.memoryUsage().rss / 1e6 }), 10_000);
    const lag = lagMeter();
    const retrainLag = lagMeter();
    retrainLag.mark(false);
    let retrainMs = NaN;
    let retrainStarted = NaN;
    let leadMs = 0;
    if (mode === 'load') {
      // a full retrain at the same moment as the burst, or (--swap-in-burst) its fit before it
      // (the worker fits; the main thread swaps)
      const threadsBefore = new Set(swapInBurst ? readdirSync('/proc/self/task') : []);
      retrainLag.mark(true);
      retrainStarted = performance.now();
      void svc.retrain().then(() => {
        retrainLag.mark(false);
        retrainMs = performance.now() - retrainStarted;
      });
      if (swapInBurst) {
        await threadsEnded(threadsBefore);
        leadMs = performance.now() - retrainStarted;
        say(`the retrain's fit ended after ${(leadMs / 1000).toFixed(1)} s: the burst starts`);
      }
    }
    const loadAtStart = loadavg()[0];
    const tcpAtStart = tcpCounters();
    const gcSeen = gcWatch();
    let rssPeakMb = process.memoryUsage.rss() / 1e6;
    const rssPeakTimer = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, process.memoryUsage.rss() / 1e6)), 100);
    const t0 = performance.now();
    cpu.begin(100);
    const answers = new MessageChannel();
    apiThread.postMessage({ kind: 'answers-to', port: answers.port1 } satisfies ToApi, [answers.port1]);
    client.postMessage({ kind: 'go', slackPort, apiPort, answers: answers.port2 }, [answers.port2]);
    const { outcomes, cpu: membersCpu, lagMs: clientLag, lagAt: clientLagAt, timeOrigin: clientOrigin } = (await next('result')) as Extract<ClientMessage, { kind: 'result' }>;
    const wallMs = performance.now() - t0;
    const cpuMs = cpu.end();
    gcSeen.stop();
    clearInterval(rssPeakTimer);
    lag.stop();
    retrainLag.stop();
    clearInterval(rssTimer);
    await running.stop();
    await client.terminate();
    const counted = fromApi('counts');
    apiThread.postMessage({ kind: 'counts' } satisfies ToApi);
    const api = (await counted) as Extract<ApiMessage, { kind: 'counts' }>;
    await apiThread.terminate();

    add(`${mode}: load average (1 min) at the start / the end`, loadAtStart, '', `${loadavg()[0].toFixed(2)} at the end; ${cpus().length} cores; node ${process.version} ${[...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ').trim() || '(no flags)'}`);
    report(mode, outcomes, wallMs, add);
    reportEstimate(mode, outcomes, add);
    if (membersCpu) {
      const per = (ms: number) => `${((ms / Math.max(1, membersCpu.requests)) * 1000).toFixed(0)} µs a request`;
      add(`${mode}: the members' thread CPU per request, sending and timing`, (membersCpu.sendMs / Math.max(1, membersCpu.requests)) * 1000, 'µs', `${membersCpu.sendMs.toFixed(0)} ms from the first send to the last response; signing and building before the burst ${membersCpu.prepareMs.toFixed(0)} ms (${per(membersCpu.prepareMs)})`);
    }
    reportAckSides(mode, outcomes, clientLag, tcpAtStart, tcpCounters(), add);
    add(`${mode}: posts to the fake Web API (response_urls)`, api.requests, '', `on ${api.connections} connections`);
    reportAckSteps(mode, outcomes, { samples: clientLag, at: clientLagAt }, cpu, add);
    for (const [label, ms] of cpuMs) {
      if (ms > 0) add(`${mode}: CPU, ${label === 'later' ? 'threads started during the run (the retrain)' : label}`, ms / 1000, 's', `${((ms / outcomes.length) * 1000).toFixed(0)} µs per command; wall ${(wallMs / 1000).toFixed(1)} s`);
    }
    reportGc(mode, gcSeen.entries, outcomes, clientOrigin - performance.timeOrigin, rssPeakMb, add);
    // every rating the member was told was stored is in the store, with the last score given
    const told = new Map<string, number>();
    for (const o of outcomes) {
      const m = /^\/rate id:(\S+) (\S+)$/.exec(o.line);
      if (m && /^(Rated|Updated) /.test(o.answer)) told.set(`${o.member}|${m[1]}`, Number(m[2]));
    }
    let lost = 0;
    for (const [key, score] of told) {
      const [user, movieId] = key.split('|');
      const member = store.findMember('slack', user);
      const stored = member && store.memberRatings(member.id).find((r) => r.movieId === movieId);
      if (!stored || stored.rating !== score) lost++;
    }
    add('ratings acknowledged but not in the store', lost, '', `target 0; of ${told.size} acknowledged (member × movie, last score)`);
    const rates = outcomes.filter((o) => o.line.startsWith('/rate '));
    const refused = rates.filter((o) => o.answer.startsWith('Marquee is busy')).length;
    const confirmed = rates.filter((o) => /^(Rated|Updated) /.test(o.answer)).length;
    add('ratings neither confirmed nor refused', rates.length - confirmed - refused, '', `target 0; of ${rates.length} sent: ${confirmed} confirmed, ${refused} refused "busy, try again"`);
    add('event-loop lag p99 over the whole run', quantile(lag.samples, 0.99), 'ms', `max ${maxOf(lag.samples).toFixed(0)} ms; late 2 ms ticks`);
    if (mode === 'load') {
      // the retrain's lag while the burst ran (with --swap-in-burst it started before)
      const during = retrainLag.samples.filter((_, k) => retrainLag.at[k] >= t0);
      add('event-loop lag p99 during the concurrent full retrain', quantile(during, 0.99), 'ms', `target < 50 ms; max ${maxOf(during, 0).toFixed(0)} ms; retrain ${(retrainMs / 1000).toFixed(1)} s${leadMs > 0 ? `, started ${(leadMs / 1000).toFixed(1)} s before the burst` : ''}; ${algorithms.join(',')}`);
      reportSwap(retrained.at(-1), retrainStarted, t0, outcomes, clientOrigin - performance.timeOrigin, lag, add);
    } else {
      const firstMinute = rss.filter((s) => s.at - t0 <= 60_000).map((s) => s.mb);
      const lastMinute = rss.filter((s) => wallMs - (s.at - t0) <= 60_000 + 10_000).map((s) => s.mb);
      const from = median(firstMinute.length ? firstMinute : [rssStart / 1e6]);
      const to = median(lastMinute.length ? lastMinute : [process.memoryUsage().rss / 1e6]);
      add('RSS, first minute (median)', from, 'MB');
      add('RSS, last minute (median)', to, 'MB');
      add('RSS growth over the soak', ((to - from) / from) * 100, '%', `target < 10 %; ${(wallMs / 60_000).toFixed(1)} min`);
    }
    await svc.close();
    store.close();
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return rows;
}

/** The main thread's garbage collections (kind, start on this thread's clock, duration) while watched. */
function gcWatch(): { entries: Array<{ kind: number; start: number; ms: number }>; stop(): void } {
  const entries: Array<{ kind: number; start: number; ms: number }> = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) entries.push({ kind: (e as { detail?: unknown } as { detail?: { kind?: number } }).detail?.kind ?? 0, start: e.startTime, ms: e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  return { entries, stop: () => observer.disconnect() };
}

/**
 * The main thread's collections over the acks' window (the burst's first send to its last ack):
 * scavenges (the young generation, V8's kind 1) and the rest, their count and pause; the young
 * generation's size limit in effect (--max-semi-space-size, NODE_OPTIONS); the process's peak RSS.
 * The collectors' parallel work on V8's platform threads is their CPU ("V8 and libuv helpers").
 */
function reportGc(
  mode: string,
  entries: Array<{ kind: number; start: number; ms: number }>,
  outcomes: CommandOutcome[],
  clientOffset: number,
  rssPeakMb: number,
  add: (name: string, value: number, unit: string, note?: string) => void,
): void {
  const sent = outcomes.map((o) => o.sentAt + clientOffset);
  const from = minOf(sent);
  const to = maxOf(outcomes.map((o, k) => sent[k] + o.ackMs).filter(Number.isFinite));
  const inWindow = entries.filter((e) => e.start >= from && e.start <= to);
  const scavenges = inWindow.filter((e) => e.kind === constants.NODE_PERFORMANCE_GC_MINOR);
  const others = inWindow.filter((e) => e.kind !== constants.NODE_PERFORMANCE_GC_MINOR);
  const sum = (xs: Array<{ ms: number }>) => xs.reduce((a, e) => a + e.ms, 0);
  const newSpace = getHeapSpaceStatistics().find((sp) => sp.space_name === 'new_space');
  add(
    `${mode}: main thread GC over the acks' window`,
    sum(inWindow),
    'ms',
    `${scavenges.length} scavenges ${sum(scavenges).toFixed(0)} ms (longest ${maxOf(scavenges.map((e) => e.ms), 0).toFixed(1)} ms), ${others.length} other ${sum(others).toFixed(0)} ms; over the whole run ${entries.length} collections ${sum(entries).toFixed(0)} ms; new space now ${((newSpace?.space_size ?? NaN) / 1e6).toFixed(1)} MB; window ${((to - from) / 1000).toFixed(2)} s`,
  );
  add(`${mode}: RSS peak during the run`, rssPeakMb, 'MB', 'sampled every 100 ms');
}

/**
 * How honest the ack's estimate was: a queued ack says "the answer comes in about N s" and a
 * refusal "try again in N s" (N: the front's expected wait, rounded up); the answers say what the
 * wait in fact was. A refusal whose N is far above the answers of the commands around it turned a
 * member away for nothing.
 */
function reportEstimate(mode: string, outcomes: CommandOutcome[], add: (name: string, value: number, unit: string, note?: string) => void): void {
  const said = (o: CommandOutcome) => Number(/(?:about|in) (\d+) s/.exec(o.ackText)?.[1] ?? NaN);
  const queued = outcomes.filter((o) => o.ackText.startsWith('⏳') && Number.isFinite(o.answerMs));
  const refused = outcomes.filter((o) => o.ackText.startsWith('Marquee is busy'));
  const over = queued.map((o) => o.answerMs / 1000 - said(o));
  const answered = outcomes.filter((o) => Number.isFinite(o.answerMs) && !o.answer.startsWith('Marquee is busy'));
  add(
    `${mode}: the ack's estimate, largest wait it told`,
    maxOf([...queued, ...refused].map(said), 0),
    's',
    `queued acks: ${queued.length}, answer − told p50 ${quantile(over, 0.5).toFixed(1)} s, max ${maxOf(over, 0).toFixed(1)} s; refusals: ${refused.length}${refused.length ? `, told "try again in" ${minOf(refused.map(said))}–${maxOf(refused.map(said))} s` : ''}; the slowest answer of a command run ${(maxOf(answered.map((o) => o.answerMs), 0) / 1000).toFixed(1)} s`,
  );
}

/**
 * Where the measured retrain's swap (the main thread's share: from the fit's end to the swap, then
 * the snapshots' save) landed in the burst, and the event-loop lag and acks while it ran.
 * `clientOffset`: the members' thread's clock minus this one's (each thread's performance.now()
 * counts from its own start).
 */
function reportSwap(
  line: RetrainedLine | undefined,
  retrainStarted: number,
  t0: number,
  outcomes: CommandOutcome[],
  clientOffset: number,
  lag: { samples: number[]; at: number[] },
  add: (name: string, value: number, unit: string, note?: string) => void,
): void {
  if (!line || line.at < retrainStarted) {
    add('load: swap', NaN, '', 'the retrain had not swapped when the last answer came');
    return;
  }
  const from = line.at - line.saveMs - line.swapMs;
  const to = line.at;
  const lastAnswer = maxOf(outcomes.filter((o) => Number.isFinite(o.answerMs)).map((o) => o.sentAt + clientOffset + o.answerMs));
  const inBurst = from < lastAnswer && to > t0;
  add('load: swap (fit end → swapped → saved), from the burst start', (from - t0) / 1000, 's', `to ${((to - t0) / 1000).toFixed(2)} s; the burst's last answer at ${((lastAnswer - t0) / 1000).toFixed(2)} s: ${inBurst ? 'inside the burst' : 'NOT inside the burst'}; swap ${line.swapMs} ms, save ${line.saveMs} ms, longest step ${line.longestStep} ${line.longestStepMs} ms`);
  const lagIn = lag.samples.filter((_, k) => lag.at[k] >= from && lag.at[k] <= to);
  add('load: event-loop lag p99 during the swap', quantile(lagIn, 0.99), 'ms', `max ${maxOf(lagIn, 0).toFixed(0)} ms; ${lagIn.length} ticks`);
  // the acks of the commands that were waiting for theirs while the swap ran
  const acksIn = outcomes.filter((o) => o.sentAt + clientOffset <= to && o.sentAt + clientOffset + o.ackMs >= from).map((o) => o.ackMs);
  add('load: ack p99 of the commands in flight during the swap', quantile(acksIn, 0.99), 'ms', `${acksIn.length} commands; ${acksIn.filter((x) => x > SLACK_ACK_DEADLINE_MS).length} later than 3 s`);
}

/**
 * Which side an ack's time is on: the bot's (its Server-Timing: accept → 200), or before the
 * accept and on the client's side (the rest: listen backlog, the client's own event loop, whose
 * lag is reported beside it).
 */
function reportAckSides(
  mode: string,
  outcomes: CommandOutcome[],
  clientLag: number[],
  tcpBefore: TcpCounters | undefined,
  tcpAfter: TcpCounters | undefined,
  add: (name: string, value: number, unit: string, note?: string) => void,
): void {
  const timed = outcomes.filter((o) => Number.isFinite(o.frontMs));
  const front = timed.map((o) => o.frontMs);
  const outside = timed.map((o) => o.ackMs - o.frontMs);
  const connect = outcomes.map((o) => o.connectMs);
  const fmt = (xs: number[]) => `p50 ${quantile(xs, 0.5).toFixed(0)} ms, max ${maxOf(xs.filter(Number.isFinite)).toFixed(0)} ms`;
  add(`${mode}: ack, bot side p99 (accept → 200, its Server-Timing)`, quantile(front, 0.99), 'ms', `${fmt(front)}; read whole p99 ${quantile(timed.map((o) => o.readMs), 0.99).toFixed(0)} ms`);
  add(`${mode}: ack, outside the bot p99 (before the accept + client side)`, quantile(outside, 0.99), 'ms', fmt(outside));
  // a loopback handshake completes inside connect(); the client sees it when its event loop next
  // runs, so a long one is the members' thread waiting for a core unless the kernel dropped SYNs
  const kernel =
    tcpBefore && tcpAfter
      ? `the kernel sent ${tcpAfter.synRetrans - tcpBefore.synRetrans} SYNs again and overflowed ${tcpAfter.listenOverflows - tcpBefore.listenOverflows} listen queues meanwhile (whole machine)`
      : 'SYNs sent again: not known off Linux';
  add(`${mode}: TCP connect p99 (handshake seen by the members' thread)`, quantile(connect, 0.99), 'ms', `${fmt(connect)}; ${connect.filter((x) => x > 1000).length} over 1 s; ${kernel}`);
  add(`${mode}: client event-loop lag p99 (the members' thread)`, quantile(clientLag, 0.99), 'ms', `max ${Math.max(0, ...clientLag).toFixed(0)} ms; adds to the acks it times`);
}

/**
 * Where an ack's time went, step by step, on one clock (wall-clock ms; the threads' clocks agree):
 * from the command sent to the front's accept (the listen queue, the front's loop reaching
 * accept()); the front waiting for the request's bytes (the client writes them when its own loop
 * sees the connection up); the front reading them; the front answering; the client's loop seeing
 * the 200. Each step's p50 and p99, and its mean over the slowest 1 % of acks (what the ack p99 is
 * made of). Then, over the acks' window (the burst's start to its last ack), the CPU each thread
 * used and how long it waited for a core while runnable (schedstat), and the other processes'.
 */
function reportAckSteps(
  mode: string,
  outcomes: CommandOutcome[],
  clientLag: { samples: number[]; at: number[] },
  cpu: ThreadCpu,
  add: (name: string, value: number, unit: string, note?: string) => void,
): void {
  const timed = outcomes.filter((o) => Number.isFinite(o.wall.accepted) && Number.isFinite(o.wall.connectSeen) && Number.isFinite(o.headMs));
  if (timed.length === 0) return;
  const steps: Array<[string, (o: CommandOutcome) => number]> = [
    ['sent → accepted (listen queue, the front reaching accept)', (o) => o.wall.accepted - o.wall.sent],
    ["accepted → the client's loop writes the request", (o) => Math.max(0, o.wall.connectSeen - o.wall.accepted)],
    ['written → the front has read it whole', (o) => o.readMs - Math.max(0, o.wall.connectSeen - o.wall.accepted)],
    ['read → 200 written (signature, busy ack, handover)', (o) => o.frontMs - o.readMs],
    ["200 written → the client's loop sees it", (o) => o.wall.ackSeen - (o.wall.accepted + o.frontMs)],
  ];
  const slowest = [...timed].sort((a, b) => b.ackMs - a.ackMs).slice(0, Math.max(1, Math.ceil(timed.length / 100)));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const [name, of] of steps) {
    const xs = timed.map(of);
    add(`${mode}: ack step, ${name} p99`, quantile(xs, 0.99), 'ms', `p50 ${quantile(xs, 0.5).toFixed(1)} ms; mean over the slowest 1 % of acks ${mean(slowest.map(of)).toFixed(0)} ms`);
  }
  // what a Slack whose own loop is never late would have seen: the ack less the two steps that are
  // the members' thread alone (written late, seen late); reported beside the ack p99, not for it
  const withoutClient = timed.map((o) => o.ackMs - steps[1][1](o) - steps[4][1](o));
  add(`${mode}: ack less the members' own loop delays p99`, quantile(withoutClient, 0.99), 'ms', `p50 ${quantile(withoutClient, 0.5).toFixed(0)} ms; max ${maxOf(withoutClient).toFixed(0)} ms; sent → accepted + written → read + read → 200`);
  // the acks' window on this thread's clock
  const from = minOf(timed.map((o) => o.wall.sent)) - performance.timeOrigin;
  const to = maxOf(timed.map((o) => o.wall.ackSeen)) - performance.timeOrigin;
  const stalled = clientLag.samples.filter((_, k) => clientLag.at[k] - performance.timeOrigin >= from && clientLag.at[k] - performance.timeOrigin <= to);
  add(`${mode}: the members' loop stalled over the acks' window`, stalled.reduce((a, b) => a + b, 0), 'ms', `of ${(to - from).toFixed(0)} ms; longest ${maxOf(stalled, 0).toFixed(0)} ms`);
  // when in the burst the accepts were late: a front that stalls at the start delays the first
  // commands sent most, one that falls behind the arrivals the last ones
  const sentFrom = minOf(timed.map((o) => o.wall.sent));
  const span = maxOf(timed.map((o) => o.wall.sent)) - sentFrom;
  const quarters = [0, 1, 2, 3].map((q) => {
    const inQ = timed.filter((o) => Math.min(3, Math.floor(((o.wall.sent - sentFrom) / Math.max(span, 1)) * 4)) === q).map(steps[0][1]);
    return `${q * 25}–${q * 25 + 25} %: p50 ${quantile(inQ, 0.5).toFixed(0)}, p99 ${quantile(inQ, 0.99).toFixed(0)} ms`;
  });
  add(`${mode}: ack step sent → accepted by when the command was sent (quarters of the sending)`, span, 'ms', quarters.join('; '));
  const early = cpu.window(from, from + 500);
  if (early) {
    const parts = [...early.byLabel].filter(([, ms]) => ms > 0).map(([label, ms]) => `${label === 'later' ? 'retrain' : label} ${ms.toFixed(0)} ms (waited ${(early.waitByLabel.get(label) ?? NaN).toFixed(0)})`);
    add(`${mode}: CPU in the burst's first ${((early.toMs - early.fromMs) / 1000).toFixed(2)} s, by thread`, early.machineBusyMs, 'ms', `machine busy of ${early.machineCapacityMs.toFixed(0)} ms; ${parts.join('; ')}`);
  }
  const w = cpu.window(from, to);
  if (!w) return;
  const wallMs = w.toMs - w.fromMs;
  const ours = [...w.byLabel.values()].reduce((a, b) => a + b, 0);
  const parts = [...w.byLabel].filter(([, ms]) => ms > 0).map(([label, ms]) => `${label === 'later' ? 'retrain' : label} ${ms.toFixed(0)} ms (waited ${(w.waitByLabel.get(label) ?? NaN).toFixed(0)} ms for a core)`);
  add(`${mode}: CPU over the acks' window, this process`, ours, 'ms', `${(wallMs / 1000).toFixed(2)} s × ${(w.machineCapacityMs / wallMs).toFixed(1)} cores = ${w.machineCapacityMs.toFixed(0)} ms; ${parts.join('; ')}`);
  const firstTid = w.byThread[0]?.tid ?? 0;
  const helpers = w.byThread.filter((t) => t.label === 'V8 and libuv helpers').map((t) => `+${t.tid - firstTid} ${t.ms.toFixed(0)}`);
  add(`${mode}: CPU over the acks' window, the helper threads one by one`, w.byLabel.get('V8 and libuv helpers') ?? 0, 'ms', `thread id after the main's: ms: ${helpers.join(', ')}`);
  add(`${mode}: CPU over the acks' window, other processes`, w.machineBusyMs - ours, 'ms', `machine busy ${w.machineBusyMs.toFixed(0)} of ${w.machineCapacityMs.toFixed(0)} ms`);
}

function report(mode: string, outcomes: CommandOutcome[], wallMs: number, add: (name: string, value: number, unit: string, note?: string) => void): void {
  const acks = outcomes.map((o) => o.ackMs);
  const acked = outcomes.filter((o) => o.status === 200);
  const late = outcomes.filter((o) => o.status !== 200 || o.ackMs > SLACK_ACK_DEADLINE_MS).length;
  const answered = outcomes.filter((o) => Number.isFinite(o.answerMs));
  const busy = answered.filter((o) => o.answer.startsWith('Marquee is busy'));
  const failed = answered.filter((o) => /something went wrong/.test(o.answer));
  const served = answered.filter((o) => !o.answer.startsWith('Marquee is busy'));
  add(`${mode}: commands sent`, outcomes.length, '', `${new Set(outcomes.map((o) => o.member)).size} members, each command on a new connection`);
  add(`${mode}: acks later than 3 s or failed`, late, '', `target 0; ${outcomes.length - acked.length} not acknowledged at all`);
  add(`${mode}: ack p50`, quantile(acks, 0.5), 'ms');
  add(`${mode}: ack p99`, quantile(acks, 0.99), 'ms', `target < 1000 ms; max ${maxOf(acks).toFixed(0)} ms`);
  add(`${mode}: response end p99 (connection closed)`, quantile(outcomes.map((o) => o.closedMs), 0.99), 'ms', `p50 ${quantile(outcomes.map((o) => o.closedMs), 0.5).toFixed(0)} ms`);
  add(`${mode}: answers received`, answered.length, '', `${outcomes.length - answered.length} without an answer`);
  const inAck = outcomes.filter((o) => o.ackText.startsWith('Marquee is busy')).length;
  const queued = outcomes.filter((o) => o.ackText.startsWith('⏳')).length;
  add(`${mode}: busy answers ("Marquee is busy — try again in N s")`, busy.length, '', `${inAck} in the ack itself; ${queued} acks said "queued, about N s"`);
  add(`${mode}: error answers`, failed.length, '', 'target 0');
  add(`${mode}: answer p50 (request sent → answer on the response_url)`, quantile(served.map((o) => o.answerMs), 0.5), 'ms');
  add(`${mode}: answer p95`, quantile(served.map((o) => o.answerMs), 0.95), 'ms');
  add(`${mode}: answer p99`, quantile(served.map((o) => o.answerMs), 0.99), 'ms');
  const lastAnswer = maxOf(served.map((o) => o.sentAt + o.answerMs)) - minOf(outcomes.map((o) => o.sentAt));
  add(`${mode}: throughput (commands answered / s, until the last answer)`, served.length / (lastAnswer / 1000), '/s', `wall ${(wallMs / 1000).toFixed(1)} s`);
}
