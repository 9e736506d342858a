/**
 * `npm run data -- <name> [--dir data] [--base-url URL] [--force]` downloads a MovieLens dataset;
 * `npm run data -- --list` lists the names; `npm run data -- synthetic …` writes a synthetic
 * MovieLens-shaped dataset. Errors are one paragraph on stderr, exit code 1.
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { DownloadError, KNOWN_DATASETS, downloadDataset, presentDataset, requireKnownDataset, resolveBaseUrl, terminalProgress } from '../data/download.ts';
import { sniffFormat } from '../data/load.ts';
import { SYNTHETIC_SHAPES, SyntheticError, checkShape, type SyntheticShape } from '../data/synthetic/shapes.ts';
import { checkTarget, writeSynthetic } from '../data/synthetic/write.ts';
import { DataFileError } from '../data/types.ts';
import { Rng } from '../core/rng.ts';
import { runIfEntry } from './entry.ts';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  fetchImpl?: typeof fetch;
}

const USAGE = `Usage:
  npm run data -- <name> [--dir <folder>] [--base-url <url>] [--force]
  npm run data -- --list
  npm run data -- synthetic [--shape <preset>] [--users N] [--movies N] [--ratings N] [--tags N] [--seed N] [--dir <folder>]

Downloads a MovieLens dataset from GroupLens, checks its MD5 and unpacks it into <folder>/<name>
(default folder: $MARQUEE_DATA when it is a folder of datasets, else ./data).
  --dir <folder>     where dataset folders go
  --base-url <url>   download from a mirror (default: $MARQUEE_DOWNLOAD_BASE, else GroupLens)
  --force            download again even if the dataset is already there
  --list             show the datasets that can be downloaded

synthetic writes a made-up dataset in the MovieLens CSV format (ratings.csv, movies.csv, links.csv,
tags.csv) with power-law activity and popularity and a low-rank taste signal, for scale tests.
  --shape <preset>   ${Object.keys(SYNTHETIC_SHAPES).join(', ')} (default small); --users, --movies,
                     --ratings, --tags override its counts
  --seed N           same seed, same files (default 1)
  --dir <folder>     the dataset folder itself (default <data folder>/synthetic-<shape>)`;

export async function main(argv: string[], io: CliIo): Promise<number> {
  const say = (s: string): void => void io.stdout.write(`${s}\n`);
  const fail = (s: string): number => {
    io.stderr.write(`${s}\n`);
    return 1;
  };

  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    const e = err as Error & { code?: string };
    const option = /'([^']+)'/u.exec(e.message)?.[1];
    const what = e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option ? `Unknown option ${option}` : e.message.replace(/\.$/u, '');
    return fail(`${what}. Run \`npm run data -- --help\` for the options.`);
  }
  const { values, positionals } = parsed;

  if (values.help) {
    say(USAGE);
    return 0;
  }
  if (values.list) {
    say('Datasets Marquee can download (from GroupLens, for non-commercial research use; see their terms):');
    const width = Math.max(...Object.keys(KNOWN_DATASETS).map((n) => n.length));
    for (const [name, d] of Object.entries(KNOWN_DATASETS)) say(`  ${name.padEnd(width)}  ${d.ratings.padStart(11)} ratings, ${d.size.padStart(6)}  ${d.note}`);
    say('\nExample: npm run data -- ml-latest-small');
    return 0;
  }
  const synthetic = positionals[0] === 'synthetic';
  const syntheticOnly = SYNTHETIC_OPTIONS.filter((o) => values[o] !== undefined);
  if (!synthetic && syntheticOnly.length > 0) {
    return fail(`--${syntheticOnly[0]} belongs to \`npm run data -- synthetic\`; a download takes a dataset name, --dir, --base-url and --force.`);
  }
  if (synthetic) {
    if (positionals.length > 1) return fail(`synthetic takes options, not names (got ${positionals.slice(1).join(', ')}).`);
    if (values['base-url'] !== undefined || values.force) return fail('synthetic writes a new folder: --base-url and --force are for downloads.');
    return synthesize(values, io, say, fail);
  }
  if (positionals.length !== 1) {
    return fail(
      positionals.length === 0
        ? `Which dataset? Give a name, e.g. \`npm run data -- ml-latest-small\`. Known names: ${Object.keys(KNOWN_DATASETS).join(', ')}.`
        : `Give one dataset name at a time (got ${positionals.join(', ')}).`,
    );
  }
  const name = positionals[0];
  const dataDir = values.dir ? resolve(io.cwd, values.dir) : defaultDir(io.cwd, io.env);

  try {
    const base = resolveBaseUrl(values['base-url'], io.env);
    // looked at first, so a dataset already there is never announced as "Downloading"
    requireKnownDataset(name);
    let result = values.force ? undefined : presentDataset(name, dataDir);
    if (!result) {
      io.stderr.write(`Downloading ${name} from ${base} into ${shown(io.cwd, dataDir)} …\n`);
      const bar = 'isTTY' in io.stderr ? terminalProgress(name, io.stderr) : undefined;
      try {
        result = await downloadDataset(name, { dataDir, baseUrl: base, force: values.force, env: io.env, fetchImpl: io.fetchImpl, onProgress: bar?.onProgress });
      } finally {
        bar?.stop();
      }
    }
    const where = shown(io.cwd, result.dir);
    if (result.alreadyPresent) {
      say(`${name} is already in ${where}; nothing to do (use --force to download it again).`);
    } else {
      say(`${name} is ready in ${where} (${result.files} files, ${(result.bytes / 1048576).toFixed(1)} MB, MD5 checked).`);
    }
    const defaultParent = resolve(io.cwd, 'data');
    const envData = io.env.MARQUEE_DATA ? resolve(io.cwd, io.env.MARQUEE_DATA) : undefined;
    if (dataDir !== defaultParent && dataDir !== envData) {
      say(`Marquee looks in ./data by default; set MARQUEE_DATA=${dataDir} so it finds this folder.`);
    }
    return 0;
  } catch (err) {
    if (err instanceof DownloadError || err instanceof DataFileError) return fail(err.message);
    return fail(`The download failed unexpectedly: ${(err as Error)?.message ?? String(err)}.`);
  }
}

const SYNTHETIC_OPTIONS = ['shape', 'users', 'movies', 'ratings', 'tags', 'seed'] as const;

type Values = ReturnType<typeof parse>['values'];

async function synthesize(values: Values, io: CliIo, say: (s: string) => void, fail: (s: string) => number): Promise<number> {
  const shapeName = values.shape ?? 'small';
  if (!Object.hasOwn(SYNTHETIC_SHAPES, shapeName)) {
    return fail(`There is no synthetic shape called ${JSON.stringify(shapeName)}. Shapes: ${Object.keys(SYNTHETIC_SHAPES).join(', ')}.`);
  }
  const shape: SyntheticShape = { ...SYNTHETIC_SHAPES[shapeName] };
  let seed: number;
  try {
    for (const key of ['users', 'movies', 'ratings', 'tags'] as const) {
      const text = values[key];
      if (text !== undefined) shape[key] = wholeNumber(`--${key}`, text);
    }
    seed = values.seed === undefined ? 1 : wholeNumber('--seed', values.seed);
    if (seed > 0xffffffff) throw new SyntheticError(`--seed must be at most 4294967295, got ${seed}`);
  } catch (err) {
    if (err instanceof SyntheticError) return fail(`${err.message}.`);
    throw err;
  }
  const custom = SYNTHETIC_OPTIONS.slice(1, 5).some((o) => values[o] !== undefined);
  // without --tags, a custom shape keeps its preset's tags per rating
  if (values.tags === undefined) shape.tags = Math.round((shape.ratings * SYNTHETIC_SHAPES[shapeName].tags) / SYNTHETIC_SHAPES[shapeName].ratings);
  const dir = values.dir ? resolve(io.cwd, values.dir) : resolve(defaultDir(io.cwd, io.env), `synthetic-${custom ? 'custom' : shapeName}`);
  try {
    checkShape(shape);
    checkTarget(dir);
  } catch (err) {
    if (err instanceof SyntheticError) return fail(`${err.message}.`);
    throw err;
  }
  const n = (x: number): string => x.toLocaleString('en-US');
  io.stderr.write(`Writing a synthetic dataset (${n(shape.users)} members, ${n(shape.movies)} movies, ${n(shape.ratings)} ratings, ${n(shape.tags)} tags; seed ${seed}) into ${shown(io.cwd, dir)} …\n`);
  const bar = 'isTTY' in io.stderr && io.stderr.isTTY ? new cliProgress.SingleBar({ stream: io.stderr, format: ' Ratings [{bar}] {percentage}% | {value}/{total}', hideCursor: true, fps: 5 }, cliProgress.Presets.shades_classic) : undefined;
  bar?.start(shape.ratings, 0);
  const t0 = performance.now();
  try {
    const result = await writeSynthetic(dir, shape, new Rng(seed), { onProgress: (done) => bar?.update(done) });
    bar?.stop();
    const seconds = (performance.now() - t0) / 1000;
    const peakMb = process.resourceUsage().maxRSS / 1024;
    say(`Wrote ${shown(io.cwd, result.dir)} (${(result.bytes / 1048576).toFixed(1)} MB) in ${seconds.toFixed(1)} s; peak memory ${peakMb.toFixed(0)} MB.`);
    say(`Use it with MARQUEE_DATA=${result.dir}`);
    return 0;
  } catch (err) {
    bar?.stop();
    if (err instanceof SyntheticError) return fail(`${err.message}.`);
    return fail(`Writing the synthetic dataset failed: ${(err as Error)?.message ?? String(err)}. Nothing was kept.`);
  }
}

/** A count from the command line: digits, with optional _ or , between groups ("9_100_000"). */
function wholeNumber(option: string, text: string): number {
  const digits = text.trim().replace(/(?<=\d)[_,](?=\d{3})/gu, '');
  if (!/^\d+$/u.test(digits) || !Number.isSafeInteger(Number(digits))) throw new SyntheticError(`${option} must be a whole number, got ${JSON.stringify(text)}`);
  return Number(digits);
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
      shape: { type: 'string' },
      users: { type: 'string' },
      movies: { type: 'string' },
      ratings: { type: 'string' },
      tags: { type: 'string' },
      seed: { type: 'string' },
      'base-url': { type: 'string' },
      force: { type: 'boolean', default: false },
      list: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

/** $MARQUEE_DATA when it names a folder of datasets (or nothing yet), else ./data. */
function defaultDir(cwd: string, env: Readonly<Record<string, string | undefined>>): string {
  const m = env.MARQUEE_DATA?.trim() ? resolve(cwd, env.MARQUEE_DATA.trim()) : undefined;
  if (m && !(existsSync(m) && sniffFormat(m))) return m;
  return resolve(cwd, 'data');
}

function shown(cwd: string, p: string): string {
  const r = relative(cwd, p);
  return r && !r.startsWith('..') ? r : p;
}

runIfEntry(import.meta.url, main);
