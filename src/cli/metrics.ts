/**
 * `npm run metrics -- --truth <ratings file> --predictions <csv> [--k 10] [--threshold 3.5]
 *   [--scale lo,hi] [--json out.json]`
 *
 * Scores predictions from any system against the true ratings: RMSE, MSE, MAE, MAPE, FCP,
 * precision@k, recall@k, NDCG@k and MAP@k, with the same definitions as `npm run evaluate`.
 *
 * The truth file is any ratings format the loaders read (MovieLens CSV, u.data, ratings.dat).
 * The predictions CSV has a header naming a user column (user, userId, user_id, uid), an item
 * column (item, movieId, itemId, item_id, iid, movie) and an estimate column (estimate, est,
 * prediction, predicted, score), e.g. the `user,item,true,estimate` file `evaluate --predictions`
 * writes; or no header and the columns user,item,estimate. Every prediction must match one true
 * rating and every true rating must have one prediction, else one error names the file and line.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MetricError, fcp, mae, mape, mse, rmse } from '../core/eval/metrics.ts';
import { mapAtK, ndcgAtK, precisionRecallAtK } from '../core/eval/ranking.ts';
import { readCsv } from '../data/csv.ts';
import { loadRatingsFile } from '../data/load.ts';
import { DataFileError, type RatingTable } from '../data/types.ts';
import { inferScale } from '../evaluation/run.ts';
import {
  UsageError,
  checkOutputPath,
  exitWithError,
  parseNumber,
  parseOptions,
  parseScale,
  parseWhole,
  MAX_LIST,
  writeAtomic,
} from './evaluate.ts';

const USER_COLUMNS = ['user', 'userid', 'user_id', 'uid'];
const ITEM_COLUMNS = ['item', 'movieid', 'itemid', 'item_id', 'iid', 'movie', 'movie_id'];
const ESTIMATE_COLUMNS = ['estimate', 'est', 'prediction', 'predicted', 'score'];

export interface MatchedPredictions {
  users: string[];
  items: string[];
  rTrue: Float64Array;
  est: Float64Array;
}

/**
 * Reads a predictions CSV and pairs every row with its true rating (in truth-file order). Throws
 * DataFileError naming the line of the first row that does not fit.
 */
export async function matchPredictions(truth: RatingTable, truthFile: string, predictionsFile: string): Promise<MatchedPredictions> {
  const n = truth.ratings.length;
  if (n === 0) throw new DataFileError(truthFile, undefined, 'holds no ratings');
  const key = (u: string, i: string): string => `${u}\u0000${i}`;
  const index = new Map<string, number>();
  for (let k = 0; k < n; k++) {
    const kk = key(truth.users[k], truth.items[k]);
    if (index.has(kk)) {
      throw new DataFileError(truthFile, undefined, `user ${truth.users[k]} rates item ${truth.items[k]} twice (ratings ${index.get(kk)! + 1} and ${k + 1}); one true rating per pair is needed`);
    }
    index.set(kk, k);
  }
  const est = new Float64Array(n).fill(NaN);
  const seenLine = new Int32Array(n);
  let cols: { user: number; item: number; est: number; width: number } | undefined;
  let rows = 0;
  const delimiter = await sniffDelimiter(predictionsFile);
  await readCsv(predictionsFile, { delimiter }, (fields, line) => {
    const f = fields.map((s) => s.trim());
    if (!cols) {
      const lower = f.map((s) => s.toLowerCase());
      const find = (names: string[]): number => lower.findIndex((c) => names.includes(c));
      const [u, i, e] = [find(USER_COLUMNS), find(ITEM_COLUMNS), find(ESTIMATE_COLUMNS)];
      if (u >= 0 && i >= 0 && e >= 0) {
        cols = { user: u, item: i, est: e, width: f.length };
        return;
      }
      if (f.length === 3 && Number.isFinite(Number(f[2])) && f[2] !== '') {
        cols = { user: 0, item: 1, est: 2, width: 3 };
      } else {
        throw new DataFileError(
          predictionsFile,
          line,
          `cannot tell the columns from "${fields.join(delimiter)}": give a header with user, item and estimate columns (e.g. "user,item,estimate"), or three columns user,item,estimate without a header`,
        );
      }
    }
    if (f.length !== cols.width) throw new DataFileError(predictionsFile, line, `expected ${cols.width} fields, found ${f.length}`);
    const user = f[cols.user];
    const item = f[cols.item];
    const text = f[cols.est];
    const value = text === '' ? NaN : Number(text);
    if (!Number.isFinite(value)) throw new DataFileError(predictionsFile, line, `estimate "${text}" is not a number`);
    const k = index.get(key(user, item));
    if (k === undefined) {
      throw new DataFileError(predictionsFile, line, `user ${user}, item ${item} has no true rating in ${truthFile}; predictions must be for the rated pairs`);
    }
    if (seenLine[k] !== 0) {
      throw new DataFileError(predictionsFile, line, `second prediction for user ${user}, item ${item} (first on line ${seenLine[k]})`);
    }
    seenLine[k] = line;
    est[k] = value;
    rows++;
  });
  if (rows < n) {
    let first = 0;
    while (seenLine[first] !== 0) first++;
    throw new DataFileError(
      predictionsFile,
      undefined,
      `no prediction for ${n - rows} of the ${n} true ratings in ${truthFile} (first missing: user ${truth.users[first]}, item ${truth.items[first]})`,
    );
  }
  return { users: truth.users, items: truth.items, rTrue: Float64Array.from(truth.ratings), est };
}

async function sniffDelimiter(path: string): Promise<string> {
  const { openSync, readSync, closeSync, existsSync } = await import('node:fs');
  if (!existsSync(path)) throw new DataFileError(path, undefined, 'file not found');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    const text = buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8');
    const first = text.split(/\r?\n/u)[0] ?? '';
    if (first.trim() === '') throw new DataFileError(path, 1, 'the file is empty (or starts with a blank line)');
    return first.includes('\t') && !first.includes(',') ? '\t' : ',';
  } finally {
    closeSync(fd);
  }
}

export interface MetricsReport {
  truth: string;
  predictions: string;
  n: number;
  users: number;
  k: number;
  threshold: number;
  /** NaN (null in JSON) where undefined; see notes */
  metrics: Record<string, number>;
  notes: string[];
}

/** Every metric computable from predictions alone. */
export function computeAll(p: MatchedPredictions, k: number, threshold: number): Pick<MetricsReport, 'metrics' | 'notes'> {
  const metrics: Record<string, number> = {};
  const notes: string[] = [];
  const attempt = (label: string, fn: () => number): void => {
    try {
      metrics[label] = fn();
    } catch (err) {
      if (!(err instanceof MetricError)) throw err;
      metrics[label] = NaN;
      notes.push(err.message);
    }
  };
  attempt('rmse', () => rmse(p));
  attempt('mse', () => mse(p));
  attempt('mae', () => mae(p));
  attempt('mape', () => {
    const r = mape(p);
    if (r.skippedZero > 0) notes.push(`MAPE skipped ${r.skippedZero} true ratings of 0`);
    return r.value;
  });
  attempt('fcp', () => fcp(p));
  const pr = precisionRecallAtK(p, k, threshold);
  metrics[`precision@${k}`] = pr.precision;
  metrics[`recall@${k}`] = pr.recall;
  attempt(`ndcg@${k}`, () => ndcgAtK(p, k, { threshold }).value);
  metrics[`map@${k}`] = mapAtK(p, k, threshold).value;
  return { metrics, notes };
}

export function formatMetrics(r: MetricsReport): string {
  const names: Record<string, string> = { rmse: 'RMSE', mse: 'MSE', mae: 'MAE', mape: 'MAPE %', fcp: 'FCP' };
  const label = (m: string): string => names[m] ?? m.replace(/^ndcg/u, 'NDCG').replace(/^map/u, 'MAP');
  const width = Math.max(...Object.keys(r.metrics).map((m) => label(m).length));
  const lines = [
    `${r.predictions} against ${r.truth}: ${r.n.toLocaleString('en-US')} predictions, ${r.users.toLocaleString('en-US')} users, k = ${r.k}, threshold = ${r.threshold}`,
    '',
    ...Object.entries(r.metrics).map(([m, v]) => `${label(m).padEnd(width)}  ${Number.isFinite(v) ? v.toFixed(m === 'mape' ? 2 : 4) : 'n/a'}`),
  ];
  if (r.notes.length) lines.push('', ...r.notes);
  return lines.join('\n');
}

const HELP = `Usage: npm run metrics -- --truth <ratings file> --predictions <csv> [options]

  --truth <file>        true ratings, any format the loaders read (MovieLens CSV, u.data, ratings.dat)
  --predictions <file>  CSV with user, item and estimate columns (header names them), one row per true rating
  --k <n>               k of precision@k, recall@k, NDCG@k, MAP@k (default 10)
  --threshold <r>       rating at or above which an item is relevant (default 3.5)
  --scale <lo,hi>       rating scale of the truth file when it cannot be inferred
  --json <file>         also write the metrics as JSON`;

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseOptions(argv, {
      truth: { type: 'string' },
      predictions: { type: 'string' },
      k: { type: 'string' },
      threshold: { type: 'string' },
      scale: { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"; see --help`);
  if (!values.truth) throw new UsageError('--truth <ratings file> is required');
  if (!values.predictions) throw new UsageError('--predictions <csv> is required');
  const k = values.k !== undefined ? parseWhole('--k', values.k, 1, MAX_LIST) : 10;
  const threshold = values.threshold !== undefined ? parseNumber('--threshold', values.threshold) : 3.5;
  const given = values.scale !== undefined ? parseScale(values.scale) : undefined;
  const json = values.json !== undefined ? checkOutputPath('--json', values.json) : undefined;
  const truth = await loadRatingsFile(values.truth, { scale: given });
  const scale = given ?? inferScale([truth]);
  if (threshold < scale[0] || threshold > scale[1]) {
    throw new UsageError(`--threshold ${threshold} is outside the rating scale ${scale[0]}–${scale[1]}`);
  }
  const matched = await matchPredictions(truth, values.truth, values.predictions);
  const report: MetricsReport = {
    truth: values.truth,
    predictions: values.predictions,
    n: matched.rTrue.length,
    users: new Set(matched.users).size,
    k,
    threshold,
    ...computeAll(matched, k, threshold),
  };
  process.stdout.write(`${formatMetrics(report)}\n`);
  if (json) {
    writeAtomic(json, `${JSON.stringify(report, null, 2)}\n`);
    process.stderr.write(`wrote ${json}\n`);
  }
}

const isEntry = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isEntry) {
  main(process.argv.slice(2)).catch((err: unknown) => exitWithError('metrics', err));
}
