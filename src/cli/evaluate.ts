/**
 * `npm run evaluate -- --data <folder or dataset name> [--algos svd,knn-item,…] [--folds 5]
 *   [--seed 0] [--k 10] [--threshold 3.5] [--metrics rmse,mae,…] [--json out.json] [--chart out.png]`
 * `npm run evaluate -- --data ml-latest-small --topn [--protocol loo|temporal|kfold|rare|cutoff[:q]] [--n 10]
 *   [--min-ratings 5] [--profile-sizes 1,2,3,5,10,20] [--json out.json] [--chart out.png]`
 * `npm run evaluate -- --train a --test b [--scale 0.5,5] [--predictions out.csv] …`
 *
 * Cross-validates the algorithms in a worker thread with a progress bar per algorithm (one step
 * per fold) and prints the table; with --topn it runs the top-N yardstick (core/eval/topn.ts)
 * instead. Every numeric option is bounded (--folds 2–20, --k/--n 1–100, …), so a typo cannot
 * start a run that never ends. Every output file is written to a temporary name and renamed
 * only when the whole run succeeded, so an interrupted run never leaves a report that looks
 * complete. Bad input gives one line naming the problem and exit code 1.
 */
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import cliProgress from 'cli-progress';
import { parseMetrics, resolveAlgorithms } from '../core/eval/cross-validate.ts';
import { DEFAULT_PROFILE_SIZES, TOPN_PROTOCOLS, withFloor, type TopNProtocol } from '../core/eval/topn.ts';
import { DEFAULT_METRICS, MAX_FOLDS, runEvaluation, type EvaluationProgress, type EvaluationReport, type EvaluationRequest } from '../evaluation/run.ts';
import { formatTable, formatTopNTable, titleOf } from '../evaluation/table.ts';
import { hybridParams } from '../core/content/hybrid.ts';
import { easeSideParams } from '../core/algorithms/ease-side.ts';
import { resolveParams } from '../core/algorithm.ts';
import { hybridRef, type ContentSourced } from './hybrid-source.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

/** Error names whose message is meant for a person as it is (no stack trace). */
const USER_ERRORS = new Set([
  'UsageError',
  'DataFileError',
  'DataNotFoundError',
  'ParamError',
  'SplitError',
  'EvaluationError',
  'MetricError',
  'TrainsetError',
  'EvaluationCancelledError',
]);

/** Prints `<command>: <message>` (no stack trace unless MARQUEE_DEBUG is set) and exits with 1. */
export function exitWithError(command: string, err: unknown): never {
  const e = err instanceof Error ? err : new Error(String(err));
  const known = USER_ERRORS.has(e.name);
  process.stderr.write(`${command}: ${known ? '' : 'internal error: '}${e.message}\n`);
  if (process.env.MARQUEE_DEBUG && e.stack) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
}

/** Writes a file through a temporary name, renamed into place only when fully written. */
export function writeAtomic(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** An output path must be in an existing folder: checked before a long run, not after. */
export function checkOutputPath(option: string, path: string): string {
  const abs = resolve(path);
  const dir = dirname(abs);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new UsageError(`${option} ${path}: folder ${dir} does not exist`);
  }
  if (existsSync(abs) && statSync(abs).isDirectory()) throw new UsageError(`${option} ${path} is a folder, not a file`);
  return abs;
}

/** node:util parseArgs, with its errors cut to their first sentence and pointed at --help. */
export function parseOptions<T extends ParseArgsConfig['options']>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, allowPositionals: true, options, strict: true });
  } catch (err) {
    const e = err as Error & { code?: string };
    if (typeof e.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) {
      throw new UsageError(`${e.message.split(/\.\s/u)[0].replace(/\.$/u, '')}; see --help`);
    }
    throw err;
  }
}

export function parseScale(text: string): [number, number] {
  const parts = text.split(',').map((s) => s.trim());
  const [lo, hi] = parts.map(Number);
  if (parts.length !== 2 || parts.some((p) => p === '') || !Number.isFinite(lo) || !Number.isFinite(hi) || !(lo < hi)) {
    throw new UsageError(`--scale must be two numbers lo,hi with lo < hi (e.g. 0.5,5), got "${text}"`);
  }
  return [lo, hi];
}

/** A whole-number option within [min, max]: an unbounded value (--folds 100000) would run for ever. */
export function parseWhole(option: string, text: string, min: number, max = MAX_WHOLE): number {
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(
      max === MAX_WHOLE ? `${option} must be a whole number ≥ ${min}, got "${text}"` : `${option} must be a whole number from ${min} to ${max}, got "${text}"`,
    );
  }
  return v;
}

/** Above this a count option is a typo, not a wish (and seeds must fit the 32-bit generator). */
const MAX_WHOLE = 2 ** 31 - 1;
/** longest list (k, --n) the CLI ranks: a screenful of recommendations is ~10–20 */
export const MAX_LIST = 100;

/** "1,2,3,5" → [1, 2, 3, 5]: sizes of the cold-start curve, each 1–1000, none twice. */
export function parseProfileSizes(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (parts.length === 0) throw new UsageError('--profile-sizes is empty; give sizes like 1,2,3,5,10,20');
  const sizes = parts.map((p) => parseWhole('--profile-sizes', p, 1, 1000));
  const twice = sizes.find((v, x) => sizes.indexOf(v) !== x);
  if (twice !== undefined) throw new UsageError(`--profile-sizes lists ${twice} twice`);
  return sizes;
}

export function parseNumber(option: string, text: string): number {
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(v)) throw new UsageError(`${option} must be a number, got "${text}"`);
  return v;
}

/** CSV field quoting (RFC 4180) for ids that may hold commas or quotes. */
export function csvField(s: string): string {
  return /[",\r\n]/u.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

const HELP = `Usage:
  npm run evaluate -- --data <folder or dataset name> [options]
  npm run evaluate -- --train <ratings file> --test <ratings file> [--scale lo,hi] [--predictions out.csv] [options]

Options:
  --data <dir|name>     dataset folder, or a dataset name looked up in MARQUEE_DATA or ./data
  --algos <list>        algorithm specs, comma-separated; parameters after ":" with "/" between
                        them, e.g. svd:n_factors=50/n_epochs=30 (default: baseline,svd)
  --folds <n>           cross-validation folds, 2–${MAX_FOLDS} (default 5)
  --seed <n>            seed of the fold shuffle and the leave-one-out draw (default 0)
  --k <n>               k of precision@k, recall@k, NDCG@k, MAP@k, 1–${MAX_LIST} (default 10)
  --threshold <r>       rating at or above which an item is relevant (default 3.5)
  --metrics <list>      any of rmse, mse, mae, mape, fcp, precision, recall, ndcg, map
                        (default: ${DEFAULT_METRICS.join(',')})
  --topn                run the top-N yardstick instead of rating prediction: full-catalogue lists
                        ranked exactly as /recommend serves them; HR@n, liked HR@n, NDCG@n,
                        recall@20, MRR (per-member means, 95% CI), coverage, popularity; the
                        popularity chart "popular" is always in the table as the floor
  --protocol <p>        with --topn: ${TOPN_PROTOCOLS.join(' | ')} (default loo): one random held-out rating
                        per user, each user's latest rating, each user's ratings in a test fold, or
                        one random rating per user of a movie with < 20 ratings (the long tail),
                        or cutoff[:q]: train on the ratings before the q-quantile of rating times
                        (default 0.9), hold out what members rated after it (new movies included)
  --n <n>               with --topn: list length, 1–${MAX_LIST} (default 10)
  --min-ratings <n>     with --topn: movies with fewer training ratings are never recommended,
                        as the bot's MARQUEE_MIN_RATINGS (default 5)
  --profile-sizes <list> with --topn: HR@n of members ranked as live members from k of their
                        ratings, e.g. ${DEFAULT_PROFILE_SIZES.join(',')}
  --min-movie-ratings <n>, --min-user-ratings <n>
                        drop the long tail first: movies and users with fewer ratings
  --json <file>         write the full report as JSON
  --chart <file>        write a PNG bar chart of RMSE, MAE, precision@k and recall@k
                        (with --topn: HR@n with its 95% interval)
  --train, --test       evaluate on given rating files (file order kept) instead of folds
  --scale <lo,hi>       rating scale of --train/--test files when it cannot be inferred
  --predictions <file>  with --train/--test and one algorithm: write user,item,true,estimate
  --help                this text`;

/**
 * Algorithm list: commas separate algorithms, except inside a spec's parameter list where the
 * registry also uses commas ("knn-basic:user_based=false,name=pearson"). A part with "=" but no
 * ":" continues the previous spec's parameters; "/" is accepted between parameters as well.
 */
export function splitAlgorithms(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    if (!part.includes(':') && part.includes('=') && out.length > 0 && out[out.length - 1].includes(':')) {
      out[out.length - 1] += `,${part}`;
    } else {
      out.push(part);
    }
  }
  return out.map((s) => s.replaceAll('/', ','));
}

interface CliOptions {
  request: EvaluationRequest;
  json?: string;
  chart?: string;
  predictions?: string;
}

async function resolveDataFolder(given: string | undefined): Promise<string> {
  const { resolveDataDir } = await import('../data/locate.ts');
  if (given !== undefined) {
    const abs = resolve(given);
    if (existsSync(abs)) {
      if (!statSync(abs).isDirectory()) throw new UsageError(`--data ${given} is a file; give a dataset folder, or --train/--test for rating files`);
      return abs;
    }
    if (/[\\/]/u.test(given)) throw new UsageError(`--data ${given}: folder not found`);
    return resolveDataDir({ dataset: given }).dir;
  }
  return resolveDataDir().dir;
}

export async function parseCli(argv: string[]): Promise<CliOptions | undefined> {
  const { values, positionals } = parseOptions(argv, {
      data: { type: 'string' },
      algos: { type: 'string' },
      folds: { type: 'string' },
      seed: { type: 'string' },
      k: { type: 'string' },
      threshold: { type: 'string' },
      metrics: { type: 'string' },
      topn: { type: 'boolean' },
      protocol: { type: 'string' },
      n: { type: 'string' },
      'min-ratings': { type: 'string' },
      'profile-sizes': { type: 'string' },
      json: { type: 'string' },
      chart: { type: 'string' },
      train: { type: 'string' },
      test: { type: 'string' },
      scale: { type: 'string' },
      predictions: { type: 'string' },
      'min-movie-ratings': { type: 'string' },
      'min-user-ratings': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return undefined;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"; see --help`);
  const algorithms = splitAlgorithms(values.algos ?? 'baseline,svd');
  if (algorithms.length === 0) throw new UsageError('--algos is empty; give at least one algorithm, e.g. --algos svd');
  const k = values.k !== undefined ? parseWhole('--k', values.k, 1, MAX_LIST) : 10;
  const request: EvaluationRequest = {
    data: { dir: '' },
    algorithms,
    folds: values.folds !== undefined ? parseWhole('--folds', values.folds, 2, MAX_FOLDS) : 5,
    seed: values.seed !== undefined ? parseWhole('--seed', values.seed, 0) : 0,
    k,
    threshold: values.threshold !== undefined ? parseNumber('--threshold', values.threshold) : 3.5,
    metrics: values.metrics !== undefined ? values.metrics.split(',').map((s) => s.trim()).filter(Boolean) : undefined,
  };
  const topnOnly = (['protocol', 'n', 'min-ratings', 'profile-sizes'] as const).find((o) => values[o] !== undefined);
  if (values.topn) {
    // cutoff[:q]: the cut-off protocol at the q-quantile of rating times
    const [protocol, cutoffText, ...extra] = values.protocol?.trim().toLowerCase().split(':') ?? [];
    if (cutoffText !== undefined && (protocol !== 'cutoff' || extra.length > 0)) {
      throw new UsageError(`--protocol takes a quantile only as cutoff:<q>, e.g. cutoff:0.9, got "${values.protocol}"`);
    }
    const cutoff = cutoffText !== undefined ? parseNumber('--protocol cutoff:<q>', cutoffText) : undefined;
    if (cutoff !== undefined && !(cutoff > 0 && cutoff < 1)) throw new UsageError(`--protocol cutoff:<q> needs 0 < q < 1, got ${cutoffText}`);
    if (protocol !== undefined && !(TOPN_PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new UsageError(`--protocol must be one of ${TOPN_PROTOCOLS.join(', ')}, got "${values.protocol}"`);
    }
    if (values.metrics !== undefined) throw new UsageError('--metrics names rating-prediction metrics; --topn reports its own (see --help)');
    request.topn = {
      protocol: protocol as TopNProtocol | undefined,
      cutoff,
      n: values.n !== undefined ? parseWhole('--n', values.n, 1, MAX_LIST) : undefined,
      minItemRatings: values['min-ratings'] !== undefined ? parseWhole('--min-ratings', values['min-ratings'], 0, 1_000_000) : undefined,
      profileSizes: values['profile-sizes'] !== undefined ? parseProfileSizes(values['profile-sizes']) : undefined,
    };
  } else if (topnOnly !== undefined) {
    throw new UsageError(`--${topnOnly} applies to the top-N run; add --topn`);
  }
  if (request.metrics && request.metrics.length === 0) throw new UsageError('--metrics is empty; see --help for the names');
  // names and parameters are checked here, before any data is read or a worker started
  parseMetrics(request.metrics ?? DEFAULT_METRICS, k);
  const hybrids = algorithms.filter(isHybridSpec);
  for (const spec of hybrids) hybridParamsOf(spec);
  if (hybrids.length > 0 && !request.topn) throw new UsageError(`${contentSourcedOf(hybrids[0])} ranks lists; evaluate it with --topn`);
  const registry = algorithms.filter((a) => !isHybridSpec(a));
  await resolveAlgorithms(request.topn ? withFloor(registry) : registry);
  const minItem = values['min-movie-ratings'];
  const minUser = values['min-user-ratings'];
  if (minItem !== undefined || minUser !== undefined) {
    request.longTail = {
      minItemRatings: minItem !== undefined ? parseWhole('--min-movie-ratings', minItem, 1) : 1,
      minUserRatings: minUser !== undefined ? parseWhole('--min-user-ratings', minUser, 1) : 1,
    };
  }
  const pair = values.train !== undefined || values.test !== undefined;
  if (pair) {
    if (values.train === undefined || values.test === undefined) throw new UsageError('--train and --test go together: give both files');
    if (values.data !== undefined) throw new UsageError('give either --data or --train/--test, not both');
    if (values.folds !== undefined) throw new UsageError('--folds does not apply to --train/--test (one given split)');
    if (request.topn) throw new UsageError('--topn ranks a whole dataset; it does not run on --train/--test files');
    if (request.longTail) throw new UsageError('--min-movie-ratings/--min-user-ratings apply to --data, not to --train/--test files');
    for (const [opt, file] of [['--train', values.train], ['--test', values.test]] as const) {
      if (!existsSync(file)) throw new UsageError(`${opt} ${file}: file not found`);
      if (statSync(file).isDirectory()) throw new UsageError(`${opt} ${file} is a folder; give a ratings file`);
    }
    request.data = { train: resolve(values.train), test: resolve(values.test), scale: values.scale !== undefined ? parseScale(values.scale) : undefined };
  } else {
    if (values.scale !== undefined) throw new UsageError('--scale applies to --train/--test files; a dataset folder knows its scale');
    if (values.predictions !== undefined) throw new UsageError('--predictions needs --train and --test (predictions of one given split)');
    request.data = { dir: await resolveDataFolder(values.data) };
    // hybrid needs the dataset's movies for its content model: it is evaluated from a module
    const dir = request.data.dir;
    request.algorithms = algorithms.map((a) => (isHybridSpec(a) ? hybridRef(dir, hybridParamsOf(a), a, contentSourcedOf(a)) : a));
  }
  if (values.predictions !== undefined) {
    if (algorithms.length !== 1) {
      throw new UsageError(`--predictions writes one algorithm's estimates; ${algorithms.length} were given (${algorithms.join(', ')})`);
    }
    request.predictions = true;
  }
  return {
    request,
    json: values.json !== undefined ? checkOutputPath('--json', values.json) : undefined,
    chart: values.chart !== undefined ? checkOutputPath('--chart', values.chart) : undefined,
    predictions: values.predictions !== undefined ? checkOutputPath('--predictions', values.predictions) : undefined,
  };
}

/** Progress: a bar per algorithm (a step per fold) on a terminal, plain lines otherwise. */
function progressReporter(): { onProgress: (e: EvaluationProgress) => void; stop: () => void } {
  const tty = process.stderr.isTTY === true;
  const multibar = tty
    ? new cliProgress.MultiBar(
        {
          format: ' {algorithm} |{bar}| {value}/{total} folds  {status}',
          hideCursor: true,
          clearOnComplete: false,
          stopOnComplete: false,
          stream: process.stderr,
          barsize: 24,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  const bars = new Map<string, cliProgress.SingleBar>();
  const width = { value: 12 };
  const pad = (s: string): string => s.padEnd(width.value);
  // while bars are drawn, text goes through the multibar so it does not tear them
  const log = (s: string): void => (multibar && bars.size > 0 ? multibar.log(`${s}\n`) : void process.stderr.write(`${s}\n`));
  const onProgress = (e: EvaluationProgress): void => {
    switch (e.type) {
      case 'loading':
        if (!tty) log(`loading ${e.what}`);
        break;
      case 'loaded':
        width.value = Math.min(40, Math.max(...e.algorithms.map((a) => a.length)));
        if (e.dropped) {
          log(`long-tail filter (movies ≥ ${e.dropped.minItemRatings} ratings, users ≥ ${e.dropped.minUserRatings}): dropped ${e.dropped.ratings.toLocaleString('en-US')} ratings, ${e.dropped.items.toLocaleString('en-US')} movies, ${e.dropped.users.toLocaleString('en-US')} users`);
        }
        log(`${e.name}: ${e.nRatings.toLocaleString('en-US')} ratings, ${e.folds} fold${e.folds > 1 ? 's' : ''}, ${e.algorithms.length} algorithm${e.algorithms.length > 1 ? 's' : ''}`);
        break;
      case 'fold-start':
        if (multibar) {
          let bar = bars.get(e.algorithm);
          if (!bar) {
            bar = multibar.create(e.folds, 0, { algorithm: pad(e.algorithm), status: '' });
            bars.set(e.algorithm, bar);
          }
          bar.update({ status: `fold ${e.fold + 1}/${e.folds}: fitting and testing…` });
        }
        break;
      case 'fold-end': {
        const firstMetric = Object.keys(e.result.metrics)[0];
        const status = `${titleOf(firstMetric)} ${e.result.metrics[firstMetric].toFixed(4)} (fit ${e.result.fitTime.toFixed(2)} s, test ${e.result.testTime.toFixed(2)} s)`;
        if (multibar) bars.get(e.algorithm)?.increment(1, { status });
        else log(`${e.algorithm}: fold ${e.fold + 1}/${e.folds} ${status}`);
        break;
      }
      case 'algorithm-end':
        if (multibar) {
          const m = Object.keys(e.result.metrics)[0];
          bars.get(e.algorithm)?.update({ status: `done, mean ${titleOf(m)} ${e.result.metrics[m].mean.toFixed(4)}` });
        }
        break;
      case 'topn-start':
        log(`top-N: ${e.algorithm} (${e.algorithmIndex + 1}/${e.algorithms})${e.splits > 1 ? `, fold ${e.split + 1}/${e.splits}` : ''}: fitting and ranking every tested member…`);
        break;
      case 'topn-end':
        log(`top-N: ${e.algorithm} done, HR@n ${e.result.hitRate.mean.toFixed(4)} (fit ${e.result.fitTime.toFixed(2)} s, rank ${e.result.rankTime.toFixed(2)} s)`);
        break;
    }
  };
  return { onProgress, stop: () => multibar?.stop() };
}

export function predictionsCsv(report: EvaluationReport): string {
  const p = report.predictions;
  if (!p) throw new Error('the report holds no predictions');
  const [algorithm] = Object.keys(p.est);
  const est = p.est[algorithm];
  const lines = ['user,item,true,estimate'];
  for (let x = 0; x < p.users.length; x++) {
    lines.push(`${csvField(p.users[x])},${csvField(p.items[x])},${p.rTrue[x]},${est[x]}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The content model's algorithm a spec names (`hybrid`, `ease-side:alpha=30`, …), undefined for a registry spec. */
function contentSourcedOf(spec: string): ContentSourced | undefined {
  const name = spec.split(':')[0];
  return name === 'hybrid' || name === 'ease-side' ? name : undefined;
}

/** `hybrid…` or `ease-side…`: served by ./hybrid-source.ts, not the registry. */
function isHybridSpec(spec: string): boolean {
  return contentSourcedOf(spec) !== undefined;
}

/** The spec's parameters, checked against its algorithm's (unknown names and bad values throw). */
function hybridParamsOf(spec: string): Record<string, string> {
  const algo = contentSourcedOf(spec)!;
  const params: Record<string, string> = {};
  const list = spec.slice(algo.length + 1);
  for (const part of list === '' ? [] : list.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 1) throw new UsageError(`${algo} parameter "${part}" must be name=value, e.g. hybrid:content_weight=0.3`);
    params[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  resolveParams(algo, algo === 'ease-side' ? easeSideParams : hybridParams, params);
  return params;
}

async function main(argv: string[]): Promise<void> {
  const cli = await parseCli(argv);
  if (!cli) return;
  const controller = new AbortController();
  const onSignal = (): void => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = progressReporter();
  let report: EvaluationReport;
  try {
    report = await runEvaluation(cli.request, progress.onProgress, { signal: controller.signal });
  } finally {
    progress.stop();
  }
  if (report.cv) process.stdout.write(`\n${formatTable(report.cv)}\n`);
  if (report.topN) process.stdout.write(`\n${formatTopNTable(report.topN)}\n`);
  // outputs only now that everything finished; each through a temporary file
  if (cli.json) {
    // the estimates go to --predictions, not into the JSON
    writeAtomic(cli.json, `${JSON.stringify({ ...report, predictions: undefined }, null, 2)}\n`);
    process.stderr.write(`wrote ${cli.json}\n`);
  }
  if (cli.predictions) {
    writeAtomic(cli.predictions, predictionsCsv(report));
    process.stderr.write(`wrote ${cli.predictions}\n`);
  }
  if (cli.chart) {
    const chart = await import('../evaluation/chart.ts');
    writeAtomic(cli.chart, report.topN ? await chart.renderTopNChart(report.topN) : await chart.renderChart(report.cv!));
    process.stderr.write(`wrote ${cli.chart}\n`);
  }
}

const isEntry = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isEntry) {
  main(process.argv.slice(2)).catch((err: unknown) => exitWithError('evaluate', err));
}
