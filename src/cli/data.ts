/**
 * `npm run data -- <name> [--dir data] [--base-url URL] [--force]` downloads a MovieLens dataset;
 * `npm run data -- --list` lists the names. Errors are one paragraph on stderr, exit code 1.
 */
import { existsSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DownloadError, KNOWN_DATASETS, downloadDataset, presentDataset, requireKnownDataset, resolveBaseUrl, terminalProgress } from '../data/download.ts';
import { sniffFormat } from '../data/load.ts';
import { DataFileError } from '../data/types.ts';

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

Downloads a MovieLens dataset from GroupLens, checks its MD5 and unpacks it into <folder>/<name>
(default folder: $MARQUEE_DATA when it is a folder of datasets, else ./data).
  --dir <folder>     where dataset folders go
  --base-url <url>   download from a mirror (default: $MARQUEE_DOWNLOAD_BASE, else GroupLens)
  --force            download again even if the dataset is already there
  --list             show the datasets that can be downloaded`;

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

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: 'string' },
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

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error)?.message ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
