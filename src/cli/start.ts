/**
 * `npm start`: configuration -> data (downloaded on first run) -> store -> service -> adapters.
 *
 * The adapter is Discord when DISCORD_TOKEN is set, Slack when the Slack tokens are, both when
 * both are, else the console. Start-up progress and every error go to stderr: stdout carries only
 * the console's answers, so `echo "/top" | npm start` prints just the chart. A problem a person
 * can fix (a bad setting, missing data, a corrupt database) is one paragraph and exit code 1,
 * without a stack trace.
 *
 * A chat platform's token is checked before the data loads (a refused one is told in seconds, not
 * after the minutes of import), and one the platform stops accepting while running ends the
 * process the same way: commands stop, those in flight finish, the store closes, one paragraph,
 * exit code 1, so a service manager sees it. An unreachable platform never ends it (retried).
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import cliProgress from 'cli-progress';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { log, setLogLevel } from '../log.ts';
import { canonicalSpec, isModelAlgo } from '../bot/service/algorithm-names.ts';
import { defaultModelMemoryBytes, refuseOversized } from '../bot/service/options.ts';
import { createService, type EvaluationRunner, type LiveService } from '../bot/service.ts';
import { AdapterStartError, type AdapterStartOptions, type PrepareAdapter, type RunningAdapter } from '../bot/adapters/adapter.ts';
import { CommandDefinitionError } from '../bot/command.ts';
import { memberCaused } from '../bot/errors.ts';
import { formatTopNTable } from '../evaluation/table.ts';
import { runEvaluation, type AlgorithmRef } from '../evaluation/run.ts';
import { isEaseSide } from '../bot/service/ease-side-content.ts';
import { parseAlgorithmSpec } from '../core/registry.ts';
import { storeRef } from './hybrid-source.ts';
import { createDispatcher, type Dispatcher } from '../bot/dispatch.ts';
import { runConsole } from '../bot/adapters/console.ts';
import { loadCommands } from '../../commands/index.ts';
import { createWorkQueue } from '../bot/work-queue.ts';
import { DataNotFoundError, resolveDataDir, type ResolvedData } from '../data/locate.ts';
import { DownloadError, downloadDataset, terminalProgress } from '../data/download.ts';
import { loadDataset, sourceSignature } from '../data/load.ts';
import { ratingCounts } from '../data/ratings.ts';
import { openStore } from '../store/store.ts';
import { describeDatasetSwitch } from '../store/rating-switch.ts';
import type { ImportProgress, Store } from '../store/api.ts';
import { trainInWorker } from '../bot/trainer.ts';
import { ContentPrebuild } from '../bot/service/content-host.ts';
import { createBotMetrics } from '../ops/metrics.ts';
import { startHealthServer, type HealthServer } from '../ops/health.ts';
import { progressLines } from './progress-lines.ts';
import { reportModelProgress } from './model-progress.ts';

type StartAdapter<S> = (opts: AdapterStartOptions<S>) => Promise<RunningAdapter>;

export interface StartIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
  cwd: string;
}

/**
 * Whether a start-up error's message is written for a person (shown alone, without a stack):
 * the settings, the data folder, the download, the commands folder, and what members can cause.
 */
function plainError(e: unknown): boolean {
  if (memberCaused(e)) return true;
  return (
    e instanceof ConfigError ||
    e instanceof DataNotFoundError ||
    e instanceof DownloadError ||
    e instanceof CommandDefinitionError ||
    e instanceof StartError ||
    e instanceof AdapterStartError
  );
}

class StartError extends Error {
  override name = 'StartError';
}

export async function main(io: StartIo): Promise<number> {
  const say = (s: string) => void io.stderr.write(`${s}\n`);
  let store: Store | undefined;
  let service: LiveService | undefined;
  let health: HealthServer | undefined;
  /** said after everything is closed: the last thing the operator reads */
  let farewell: string | undefined;
  let contentPrebuild: ContentPrebuild | undefined;
  const signals = watchSignals(say);
  try {
    const config = loadConfig({ env: io.env, dotenvPath: join(io.cwd, '.env'), checkAlgorithm: canonicalSpec });
    // on the console, info lines on stderr would interleave with the answers: warn unless asked
    setLogLevel(config.logLevelExplicit || config.discord || config.slack ? config.logLevel : 'warn');
    // fail before the slow part (data, training) when a configured adapter cannot start or its
    // platform refuses the token: seconds instead of minutes for an operator with a bad token
    const adapters = {
      discord: config.discord ? await (await chatAdapter<NonNullable<Config['discord']>>('discord', 'prepareDiscord', 'DISCORD_TOKEN'))(config.discord, { log }) : undefined,
      slack: config.slack ? await (await chatAdapter<NonNullable<Config['slack']>>('slack', 'prepareSlack', 'SLACK_BOT_TOKEN'))(config.slack, { log }) : undefined,
    };

    const metrics = config.healthPort === undefined ? undefined : createBotMetrics();
    if (metrics && config.healthPort !== undefined) {
      // first, so that /healthz answers 503 "starting" while the data loads and the models train
      health = await startHealthServer(config.healthPort, metrics).catch((err: unknown) => {
        throw new StartError(
          `MARQUEE_HEALTH_PORT=${config.healthPort}: the health endpoint could not listen (${(err as Error).message}). Choose a free port or unset it.`,
        );
      });
      say(`Health on http://localhost:${health.port}/healthz, metrics on /metrics.`);
    }

    const data = await locateData(config, io, say);
    const dbPath = resolve(io.cwd, config.dbPath);
    store = openStore(dbPath, { checkpointInBackground: true });
    const held = store.datasetInfo();
    if (held?.source !== undefined && held.source === sourceSignature(data.dir)) {
      // the store already holds these very files: no need to read and hash them again
      say(`Using ${shown(io.cwd, dbPath)} (${held.name} already imported).`);
    } else {
      say(`Loading ${data.dataset} from ${shown(io.cwd, data.dir)} …`);
      const reading = progressLines(say, 'Reading', { format: (n) => `${Math.round(n / 1e6)} MB` });
      const dataset = await loadDataset(data.dir, {
        onRatingBytes: (done, total) => reading({ phase: 'ratings', done, total }),
        // the content model needs only the movies: a large catalogue's is built on another core
        // while the ratings are read and imported, and the service takes it over
        onMovies: (movies) => void (contentPrebuild = ContentPrebuild.start(movies)),
      });
      // an algorithm that cannot train at this size is refused before the minutes of importing
      refuseOversized(config.algorithms.map(canonicalSpec).filter(isModelAlgo), ratingCounts(dataset.ratings), defaultModelMemoryBytes());
      const imported = withBar(io.stderr, 'Importing', (onProgress) => store!.importDataset(dataset, onProgress));
      say(
        imported.changed
          ? `Imported ${imported.movies} movies and ${imported.ratings} ratings into ${shown(io.cwd, dbPath)}.`
          : `Using ${shown(io.cwd, dbPath)} (${dataset.name} already imported).`,
      );
      if (imported.members) {
        say(describeDatasetSwitch(imported.members));
        log.info({ datasetSwitch: imported.members }, 'dataset switched');
      }
    }

    const live = await createService({
      store: metrics ? metrics.countRatings(store) : store,
      trainer: metrics ? metrics.countTrainings(trainInWorker) : undefined,
      contentPrebuild,
      algorithms: config.algorithms,
      coldStart: config.coldStart,
      minRatings: config.minRatings,
      maxLazyModels: config.maxLazyModels,
      retrainAfter: config.retrainAfter,
      retrainMinutes: config.retrainMinutes,
      alsFactors: config.alsFactors,
      adminIds: config.admins,
      evaluationRunner: evaluationRunner(),
      // vega loads on the first /experiment status, not at start-up
      preferenceChart: async (points, a, b) => (await import('../evaluation/preference-chart.ts')).renderPreferenceChart(points, a, b),
      logger: log,
    });
    service = live;
    let modelsReady = false;
    live.ready.then(
      () => void (modelsReady = true),
      () => undefined,
    );
    health?.attach({ stats: () => live.stats(), isReady: () => modelsReady });
    // a first start trains for minutes at ml-32m size: a line every 30 s says what is still coming
    reportModelProgress(() => live.stats(), live.ready, say);
    const commands = await loadCommands();
    const groupStore = store;
    // commands waiting together share one commit (group commit, ../bot/work-queue.ts)
    const work = createWorkQueue({ group: (fn) => groupStore.inOneCommit(fn) });
    const dispatcher = createDispatcher({
      service,
      commands,
      admins: config.admins,
      rateLimit: config.rateLimit,
      observe: metrics?.observeCommand,
      work,
    });
    // MARQUEE_SHUTDOWN_SECONDS (10 s by default): a rating commits in milliseconds; what runs longer
    // (/evaluate on a large set) is cut short rather than outlasting a supervisor's stop timeout
    // (Kubernetes' grace period is 30 s, systemd's 90 s)
    const finishInFlight = (signal: NodeJS.Signals) => drainForShutdown(dispatcher, health, signal, config.shutdownSeconds * 1000, say);
    signals.arm();

    if (config.discord || config.slack) {
      const running: RunningAdapter[] = [];
      // a platform that refuses the credential while running ends the process (exit 1)
      let refuse!: (message: string) => void;
      const refusal = new Promise<string>((done) => (refuse = done));
      // a stop asked for (or a refusal) while a platform is still unreachable ends its retrying
      const stopping = new AbortController();
      void signals.first.then(() => stopping.abort(new Error('stopping')));
      void refusal.then(() => stopping.abort(new Error('refused')));
      const startAdapter = async <S,>(start: StartAdapter<S> | undefined, settings: S | undefined): Promise<boolean> => {
        if (!start || settings === undefined) return true;
        try {
          running.push(await start({ dispatcher, service: service!, settings, log, signal: stopping.signal, onRefused: refuse }));
          return true;
        } catch (err) {
          if (!stopping.signal.aborted) throw err;
          return false;
        }
      };
      const started = (await startAdapter(adapters.discord, config.discord)) && (await startAdapter(adapters.slack, config.slack));
      const stopAll = () => Promise.all(running.map((r) => r.stop().catch((err: unknown) => log.warn({ err }, 'stopping a chat adapter failed'))));
      if (started) say(`Marquee is running on ${[config.discord && 'Discord', config.slack && 'Slack'].filter(Boolean).join(' and ')}. Ctrl-C stops it.`);
      const ended = await Promise.race([signals.first.then((signal) => ({ signal })), refusal.then((message) => ({ message }))]);
      if ('message' in ended) {
        // what was acknowledged is committed; what is in flight finishes; then the paragraph, last
        await drainForShutdown(dispatcher, health, 'A chat platform refused its token', config.shutdownSeconds * 1000, say);
        await stopAll();
        farewell = ended.message;
        return 1;
      }
      if (!started) {
        say('Stopped before the chat platforms were reached.');
        await stopAll();
        return 0;
      }
      await finishInFlight(ended.signal);
      await stopAll();
      return 0;
    }

    const interactive = Boolean((io.stdin as NodeJS.ReadStream).isTTY);
    if (!interactive) {
      // a script wants the real answers, not the "warming up" fallback of a cold start
      say('Preparing the models …');
      const first = await Promise.race([live.ready.then(() => undefined), signals.first]);
      if (first !== undefined) {
        await finishInFlight(first);
        return 0;
      }
    } else {
      void service.ready.then(() => say('Models ready.'));
    }
    const userId = consoleUserId(io.env);
    const session = runConsole({
      dispatcher,
      user: { userId, displayName: userId },
      input: io.stdin,
      output: io.stdout,
      status: io.stderr,
      outDir: join(dirname(dbPath), 'out'),
      interactive,
    });
    const ended = await Promise.race([session.then(() => undefined), signals.first]);
    if (ended !== undefined) {
      await finishInFlight(ended);
      // the console writes the last answer on the turn after its command settles
      await new Promise((done) => setImmediate(done));
      (io.stdin as NodeJS.ReadStream).destroy?.();
    }
    return 0;
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    if (plainError(e)) say(e.message);
    else {
      log.error({ err: e }, 'start-up failed');
      say(`Marquee could not start: ${e.message}`);
    }
    return 1;
  } finally {
    signals.dispose();
    await service?.close().catch((err: unknown) => log.error({ err }, 'closing the service failed'));
    // a build the service never took over (the import failed) would keep the process alive
    await contentPrebuild?.stop();
    store?.close();
    await health?.close();
    if (farewell) say(farewell);
  }
}

/**
 * Once armed (commands can arrive), the first SIGINT or SIGTERM starts a graceful stop (`first`
 * resolves with it). Before that (loading data, training) and on a second signal, the process
 * exits at once with 128 + the signal's number, as the default handler would: nothing has been
 * acknowledged that is not committed (SQLite commits each rating before its answer, and an
 * interrupted import rolls back).
 */
function watchSignals(say: (s: string) => void): { first: Promise<NodeJS.Signals>; arm(): void; dispose(): void } {
  let resolveFirst!: (s: NodeJS.Signals) => void;
  const first = new Promise<NodeJS.Signals>((done) => (resolveFirst = done));
  let armed = false;
  let seen = false;
  const on = (signal: NodeJS.Signals) => {
    if (!armed || seen) {
      say(seen ? `${signal} again: stopping now, without waiting.` : `${signal}: stopping during start-up.`);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    seen = true;
    resolveFirst(signal);
  };
  process.on('SIGINT', on);
  process.on('SIGTERM', on);
  return {
    first,
    arm() {
      armed = true;
    },
    dispose() {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
    },
  };
}

/**
 * Stops taking commands and waits (bounded) for those in flight; the caller then stops the rest.
 * `why`: the signal, or what else ended the run.
 */
async function drainForShutdown(
  dispatcher: Dispatcher,
  health: HealthServer | undefined,
  why: string,
  graceMs: number,
  say: (s: string) => void,
): Promise<void> {
  say(`${why}: stopping. New commands are refused; finishing those in flight (at most ${graceMs / 1000} s) …`);
  health?.stopping();
  const { finished, abandoned } = await dispatcher.drain(graceMs);
  if (abandoned > 0) say(`${abandoned} command${abandoned === 1 ? '' : 's'} still running after ${graceMs / 1000} s: stopped without an answer.`);
  else if (finished > 0) say(`Finished ${finished} command${finished === 1 ? '' : 's'} in flight.`);
  log.info({ why, finished, abandoned }, 'shutting down');
}

/**
 * /evaluate's runner: the top-N yardstick in a worker (src/evaluation/run.ts; the chart is added as
 * the floor), the plain-text table and the chart. The chart renderer is loaded on demand: vega, vega-lite and resvg cost ~0.5 s and
 * tens of MB at start-up; a chart that cannot be drawn is logged and left out.
 */
/**
 * What the evaluation worker runs for a spec: the registry's algorithm, or for ease-side the same
 * fit the bot serves, with the content rows of the store's movies (./hybrid-source.ts storeRef).
 */
function algorithmRefOf(spec: string, catalogueStore: string | undefined): AlgorithmRef {
  if (!isEaseSide(spec)) return spec;
  if (catalogueStore === undefined) throw new Error(`${spec} needs the store file its movies are read from (catalogueStore), and the request names none`);
  return storeRef(catalogueStore, parseAlgorithmSpec(spec).params, spec, 'ease-side');
}

export function evaluationRunner(): EvaluationRunner {
  return {
    async run(request, onStep, signal) {
      const n = request.columns.ratings.length;
      const report = await runEvaluation(
        {
          data: {
            table: { ...request.columns, timestamps: request.timestamps ?? new Float64Array(n).fill(NaN) },
            scale: request.scale,
            name: request.dataset,
            ...(request.catalogue ? { catalogue: request.catalogue } : {}),
          },
          algorithms: request.algorithms.map((spec) => algorithmRefOf(spec, request.catalogueStore)),
          folds: request.folds,
          topn: { protocol: request.protocol, minItemRatings: request.minItemRatings },
        },
        (e) => {
          if (e.type === 'topn-end') onStep({ algorithm: e.algorithm, hitRate: e.result.hitRate.mean });
        },
        { signal },
      );
      // a request with `topn` always carries the top-N report
      const topN = report.topN!;
      let chartPng: Uint8Array | undefined;
      try {
        const { renderTopNChart } = await import('../evaluation/chart.ts');
        chartPng = new Uint8Array(await renderTopNChart(topN));
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'the evaluation chart could not be drawn');
      }
      const rows = topN.results.map((r) => ({
        algo: r.algorithm,
        hitRate: r.hitRate.mean,
        ci: (r.hitRate.hi - r.hitRate.lo) / 2,
        'NDCG@10': r.ndcg.mean,
        coverage: r.coverage,
        'fit s': Math.round(r.fitTime * 100) / 100,
      }));
      return { rows, table: formatTopNTable(topN), chartPng, report: topN };
    },
  };
}

/** MARQUEE_DATA when set; else ./data/<dataset>, downloaded on the first run. */
async function locateData(config: Config, io: StartIo, say: (s: string) => void): Promise<ResolvedData> {
  const wanted = config.datasetExplicit ? config.dataset : undefined;
  if (config.dataDir) return resolveDataDir({ dataDir: config.dataDir, dataset: wanted, env: {}, cwd: io.cwd });
  try {
    return resolveDataDir({ dataset: config.dataset, env: {}, cwd: io.cwd });
  } catch (err) {
    if (!(err instanceof DataNotFoundError)) throw err;
  }
  const dataDir = join(io.cwd, 'data');
  say(`${config.dataset} is not in ${shown(io.cwd, dataDir)} yet: downloading it (first run only) …`);
  const bar = terminalProgress(config.dataset, io.stderr as NodeJS.WriteStream);
  try {
    await downloadDataset(config.dataset, { dataDir, baseUrl: config.downloadBase, onProgress: bar?.onProgress, env: io.env });
  } finally {
    bar?.stop();
  }
  return resolveDataDir({ dataset: config.dataset, env: {}, cwd: io.cwd });
}

async function chatAdapter<S>(platform: 'discord' | 'slack', exportName: string, setting: string): Promise<PrepareAdapter<S>> {
  // `.js` in the compiled build (dist/), `.ts` under tsx
  const ext = import.meta.url.endsWith('.js') ? 'js' : 'ts';
  const file = fileURLToPath(new URL(`../bot/adapters/${platform}.${ext}`, import.meta.url));
  if (!existsSync(file)) {
    throw new StartError(
      `${setting} is set, but this build of Marquee has no ${platform === 'discord' ? 'Discord' : 'Slack'} adapter (src/bot/adapters/${platform}.ts is missing). Unset ${setting} to use the console.`,
    );
  }
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const start = mod[exportName];
  if (typeof start !== 'function') {
    throw new StartError(`src/bot/adapters/${platform}.ts does not export ${exportName}(settings, context); it cannot be started.`);
  }
  return start as PrepareAdapter<S>;
}

/** The console member: $USER (or $USERNAME), else "local"; kept to characters a mention can hold. */
export function consoleUserId(env: Record<string, string | undefined>): string {
  const raw = (env.USER ?? env.USERNAME ?? '').trim();
  const clean = raw.replace(/[^A-Za-z0-9._-]/g, '').slice(0, 64);
  return /^[A-Za-z0-9]/.test(clean) ? clean : 'local';
}

function withBar<T>(stderr: NodeJS.WritableStream, label: string, run: (onProgress: (p: ImportProgress) => void) => T): T {
  // not a terminal (a log, a pipe): plain lines every few seconds instead of a bar
  if (!(stderr as NodeJS.WriteStream).isTTY) return run(progressLines((line) => void stderr.write(`${line}\n`), label));
  const bar = new cliProgress.SingleBar(
    { stream: stderr as NodeJS.WriteStream, format: ` ${label} {phase} [{bar}] {value}/{total}`, hideCursor: true, fps: 10 },
    cliProgress.Presets.shades_classic,
  );
  let phase: string | undefined;
  try {
    return run((p) => {
      if (p.phase !== phase) {
        if (phase !== undefined) bar.stop();
        phase = p.phase;
        bar.start(Math.max(1, p.total), p.done, { phase: p.phase });
      } else bar.update(p.done);
    });
  } finally {
    if (phase !== undefined) bar.stop();
  }
}

function shown(cwd: string, p: string): string {
  const r = relative(cwd, p);
  return r && !r.startsWith('..') ? r : p;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
      // a stray handle (a socket, a worker) must not keep a finished session alive
      setTimeout(() => process.exit(code), 3000).unref();
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error)?.message ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
