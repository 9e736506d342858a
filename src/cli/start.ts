/**
 * `npm start`: configuration -> data (downloaded on first run) -> store -> service -> adapters.
 *
 * The adapter is Discord when DISCORD_TOKEN is set, Slack when the Slack tokens are, both when
 * both are, else the console. Start-up progress and every error go to stderr: stdout carries only
 * the console's answers, so `echo "/top" | npm start` prints just the chart. A problem a person
 * can fix (a bad setting, missing data, a corrupt database) is one paragraph and exit code 1,
 * without a stack trace.
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
import type { AdapterStartOptions, RunningAdapter } from '../bot/adapters/adapter.ts';
import { CommandDefinitionError } from '../bot/command.ts';
import { memberCaused } from '../bot/errors.ts';
import { formatTopNTable } from '../evaluation/table.ts';
import { runEvaluation } from '../evaluation/run.ts';
import { createDispatcher, type Dispatcher } from '../bot/dispatch.ts';
import { runConsole } from '../bot/adapters/console.ts';
import { loadCommands } from '../../commands/index.ts';
import { DataNotFoundError, resolveDataDir, type ResolvedData } from '../data/locate.ts';
import { DownloadError, downloadDataset, terminalProgress } from '../data/download.ts';
import { loadDataset, sourceSignature } from '../data/load.ts';
import { ratingCounts } from '../data/ratings.ts';
import { openStore } from '../store/store.ts';
import { describeDatasetSwitch } from '../store/rating-switch.ts';
import type { ImportProgress, Store } from '../store/api.ts';
import { progressLines } from './progress-lines.ts';

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
    e instanceof StartError
  );
}

class StartError extends Error {
  override name = 'StartError';
}

export async function main(io: StartIo): Promise<number> {
  const say = (s: string) => void io.stderr.write(`${s}\n`);
  let store: Store | undefined;
  let service: LiveService | undefined;
  try {
    const config = loadConfig({ env: io.env, dotenvPath: join(io.cwd, '.env'), checkAlgorithm: canonicalSpec });
    // on the console, info lines on stderr would interleave with the answers: warn unless asked
    setLogLevel(config.logLevelExplicit || config.discord || config.slack ? config.logLevel : 'warn');
    // fail before the slow part (data, training) when a configured adapter cannot start
    const adapters = {
      discord: config.discord ? await chatAdapter<NonNullable<Config['discord']>>('discord', 'startDiscord', 'DISCORD_TOKEN') : undefined,
      slack: config.slack ? await chatAdapter<NonNullable<Config['slack']>>('slack', 'startSlack', 'SLACK_BOT_TOKEN') : undefined,
    };

    const data = await locateData(config, io, say);
    const dbPath = resolve(io.cwd, config.dbPath);
    store = openStore(dbPath);
    const held = store.datasetInfo();
    if (held?.source !== undefined && held.source === sourceSignature(data.dir)) {
      // the store already holds these very files: no need to read and hash them again
      say(`Using ${shown(io.cwd, dbPath)} (${held.name} already imported).`);
    } else {
      say(`Loading ${data.dataset} from ${shown(io.cwd, data.dir)} …`);
      const reading = progressLines(say, 'Reading', { format: (n) => `${Math.round(n / 1e6)} MB` });
      const dataset = await loadDataset(data.dir, { onRatingBytes: (done, total) => reading({ phase: 'ratings', done, total }) });
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

    service = await createService({
      store,
      algorithms: config.algorithms,
      coldStart: config.coldStart,
      minRatings: config.minRatings,
      maxLazyModels: config.maxLazyModels,
      retrainAfter: config.retrainAfter,
      retrainMinutes: config.retrainMinutes,
      adminIds: config.admins,
      evaluationRunner: evaluationRunner(),
      // vega loads on the first /experiment status, not at start-up
      preferenceChart: async (points, a, b) => (await import('../evaluation/preference-chart.ts')).renderPreferenceChart(points, a, b),
      logger: log,
    });
    const commands = await loadCommands();
    const dispatcher = createDispatcher({ service, commands, admins: config.admins, rateLimit: config.rateLimit });

    if (config.discord || config.slack) {
      const running: RunningAdapter[] = [];
      if (adapters.discord && config.discord) running.push(await adapters.discord({ dispatcher, service, settings: config.discord, log }));
      if (adapters.slack && config.slack) running.push(await adapters.slack({ dispatcher, service, settings: config.slack, log }));
      say(`Marquee is running on ${[config.discord && 'Discord', config.slack && 'Slack'].filter(Boolean).join(' and ')}. Ctrl-C stops it.`);
      await untilSignal();
      say('Stopping …');
      await Promise.all(running.map((r) => r.stop()));
      return 0;
    }

    const interactive = Boolean((io.stdin as NodeJS.ReadStream).isTTY);
    if (!interactive) {
      // a script wants the real answers, not the "warming up" fallback of a cold start
      say('Preparing the models …');
      await service.ready;
    } else {
      void service.ready.then(() => say('Models ready.'));
    }
    const userId = consoleUserId(io.env);
    await runConsole({
      dispatcher,
      user: { userId, displayName: userId },
      input: io.stdin,
      output: io.stdout,
      status: io.stderr,
      outDir: join(dirname(dbPath), 'out'),
      interactive,
    });
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
    await service?.close().catch((err: unknown) => log.error({ err }, 'closing the service failed'));
    store?.close();
  }
}

/**
 * /evaluate's runner: the top-N yardstick in a worker (src/evaluation/run.ts; the chart is added as
 * the floor), the plain-text table and the chart. The chart renderer is loaded on demand: vega, vega-lite and resvg cost ~0.5 s and
 * tens of MB at start-up; a chart that cannot be drawn is logged and left out.
 */
export function evaluationRunner(): EvaluationRunner {
  return {
    async run(request, onStep, signal) {
      const n = request.columns.ratings.length;
      const report = await runEvaluation(
        {
          data: { table: { ...request.columns, timestamps: new Float64Array(n).fill(NaN) }, scale: request.scale, name: request.dataset },
          algorithms: request.algorithms,
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

async function chatAdapter<S>(platform: 'discord' | 'slack', exportName: string, setting: string): Promise<StartAdapter<S>> {
  const file = fileURLToPath(new URL(`../bot/adapters/${platform}.ts`, import.meta.url));
  if (!existsSync(file)) {
    throw new StartError(
      `${setting} is set, but this build of Marquee has no ${platform === 'discord' ? 'Discord' : 'Slack'} adapter (src/bot/adapters/${platform}.ts is missing). Unset ${setting} to use the console.`,
    );
  }
  const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  const start = mod[exportName];
  if (typeof start !== 'function') {
    throw new StartError(`src/bot/adapters/${platform}.ts does not export ${exportName}(options); it cannot be started.`);
  }
  return start as StartAdapter<S>;
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

function untilSignal(): Promise<void> {
  return new Promise((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      done();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
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
