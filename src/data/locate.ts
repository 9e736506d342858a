/**
 * Where the dataset lives. In order: the dataDir option, the MARQUEE_DATA environment variable, then
 * ./data. Each may be a dataset folder itself (ratings.csv + movies.csv, u.data + u.item, ...) or a
 * parent of named dataset folders (data/ml-latest-small, data/ml-100k). When nothing is found the
 * error says where it looked, what it found there, and how to get the data.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { sniffFormat } from './load.ts';
import type { DatasetFormat } from './types.ts';

export const DEFAULT_DATASET = 'ml-latest-small';

export interface ResolveDataOptions {
  /** a folder given on the command line; wins over MARQUEE_DATA */
  dataDir?: string;
  /** a dataset name such as "ml-100k"; default: the only one found, else ml-latest-small */
  dataset?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** where ./data is looked for; default process.cwd() */
  cwd?: string;
}

export interface ResolvedData {
  dir: string;
  /** the dataset's name (its folder's name) */
  dataset: string;
  format: DatasetFormat;
  /** which setting pointed there */
  source: 'option' | 'MARQUEE_DATA' | 'default';
}

export class DataNotFoundError extends Error {
  override name = 'DataNotFoundError';
  constructor(
    readonly looked: string[],
    detail: string,
    dataset: string,
  ) {
    super(
      `No movie data found: ${detail}. Download it with \`npm run data -- ${dataset}\` (it goes to ./data/${dataset}), ` +
        'or set MARQUEE_DATA to a folder holding the dataset files (ratings.csv and movies.csv, or u.data and u.item) ' +
        'or to a folder of dataset folders.',
    );
  }
}

export function resolveDataDir(opts: ResolveDataOptions = {}): ResolvedData {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const fromEnv = env.MARQUEE_DATA?.trim();
  const [base, source, label]: [string, ResolvedData['source'], string] = opts.dataDir
    ? [resolve(cwd, opts.dataDir), 'option', 'the data folder']
    : fromEnv
      ? [resolve(cwd, fromEnv), 'MARQUEE_DATA', 'MARQUEE_DATA']
      : [resolve(cwd, 'data'), 'default', 'the default folder'];
  const wanted = opts.dataset;
  const hint = wanted ?? DEFAULT_DATASET;

  if (!existsSync(base)) throw new DataNotFoundError([base], `${label} ${base} does not exist`, hint);
  if (!isDir(base)) throw new DataNotFoundError([base], `${label} ${base} is a file, not a folder`, hint);

  const own = sniffFormat(base);
  if (wanted) {
    const sub = join(base, wanted);
    const subFormat = sniffFormat(sub);
    if (subFormat) return { dir: sub, dataset: wanted, format: subFormat, source };
    if (own && basename(base) === wanted) return { dir: base, dataset: wanted, format: own, source };
    const found = datasetsIn(base);
    const what = own
      ? `${label} ${base} holds the ${basename(base)} files, not ${wanted}`
      : existsSync(sub)
        ? `${sub} holds no dataset files (found: ${listing(sub)})`
        : `${sub} does not exist${found.length ? ` (${base} holds ${found.join(', ')})` : ''}`;
    throw new DataNotFoundError([base, sub], what, wanted);
  }

  if (own) return { dir: base, dataset: basename(base), format: own, source };
  const found = datasetsIn(base);
  if (found.length === 1 || found.includes(DEFAULT_DATASET)) {
    const name = found.length === 1 ? found[0] : DEFAULT_DATASET;
    return { dir: join(base, name), dataset: name, format: sniffFormat(join(base, name))!, source };
  }
  if (found.length > 1) {
    throw new DataNotFoundError([base], `${base} holds several datasets (${found.join(', ')}); choose one by name`, found[0]);
  }
  throw new DataNotFoundError([base], `${label} ${base} holds neither dataset files nor dataset folders (found: ${listing(base)})`, hint);
}

/** Names of the sub-folders of `dir` that hold a dataset, sorted. */
export function datasetsIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => !n.startsWith('.') && sniffFormat(join(dir, n)) !== undefined).sort();
}

function listing(dir: string): string {
  try {
    const names = readdirSync(dir).filter((n) => !n.startsWith('.'));
    if (names.length === 0) return 'nothing';
    return names.length > 8 ? `${names.slice(0, 8).join(', ')}, …` : names.join(', ');
  } catch {
    return 'nothing readable';
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
