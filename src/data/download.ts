/**
 * Fetches a MovieLens dataset for an end user: `${baseUrl}/${name}.zip`, checked against the MD5 the
 * publisher serves beside it (`${name}.zip.md5`), unzipped into a temporary folder inside dataDir and
 * renamed into place in one step, so dataDir/<name> is either complete or absent. MovieLens may not
 * be redistributed, which is why Marquee downloads it from GroupLens rather than shipping it.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import cliProgress from 'cli-progress';
import { removeCreatedFolders } from './folders.ts';
import { sniffFormat } from './load.ts';
import { UnsafeArchiveError, extractZip } from './unzip.ts';

export const DEFAULT_BASE_URL = 'https://files.grouplens.org/datasets/movielens';

/** The datasets GroupLens publishes under DEFAULT_BASE_URL that Marquee can load. */
export const KNOWN_DATASETS: Readonly<Record<string, { ratings: string; size: string; note: string }>> = {
  'ml-latest-small': { ratings: '100,836', size: '1 MB', note: 'small, for trying Marquee out (recommended)' },
  'ml-100k': { ratings: '100,000', size: '5 MB', note: 'the classic benchmark, whole stars' },
  'ml-1m': { ratings: '1 million', size: '6 MB', note: 'whole stars' },
  'ml-10m': { ratings: '10 million', size: '63 MB', note: 'half stars, with tags' },
  'ml-25m': { ratings: '25 million', size: '250 MB', note: 'large; needs a few GB of memory' },
  'ml-32m': { ratings: '32 million', size: '239 MB', note: 'the largest stable release' },
  'ml-latest': { ratings: '33 million+', size: '335 MB', note: 'changes over time; not for comparing results' },
};

export type DownloadPhase = 'checksum' | 'download' | 'verify' | 'extract' | 'done';

export interface DownloadProgress {
  phase: DownloadPhase;
  /** bytes (download) or archive entries (extract) so far */
  done: number;
  /** bytes or entries in all, when known */
  total?: number;
}

export interface DownloadOptions {
  /** folder that receives <name>/; created when missing */
  dataDir: string;
  /** default: env MARQUEE_DOWNLOAD_BASE, else DEFAULT_BASE_URL */
  baseUrl?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** for tests and proxies; default globalThis.fetch */
  fetchImpl?: typeof fetch;
  /** download again even when dataDir/<name> already holds the dataset */
  force?: boolean;
  /** default process.env */
  env?: Readonly<Record<string, string | undefined>>;
}

export interface DownloadResult {
  name: string;
  /** absolute path of the dataset folder */
  dir: string;
  /** true when the dataset was already there and nothing was downloaded */
  alreadyPresent: boolean;
  bytes: number;
  md5?: string;
  files: number;
}

export type DownloadErrorKind = 'unknown-name' | 'bad-url' | 'network' | 'http' | 'checksum' | 'archive' | 'exists' | 'filesystem';

/** A download that failed; `message` is one paragraph meant for a person, with what to do next. */
export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    readonly kind: DownloadErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export function resolveBaseUrl(baseUrl: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const raw = (baseUrl ?? env.MARQUEE_DOWNLOAD_BASE ?? DEFAULT_BASE_URL).trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new DownloadError('bad-url', `The download address ${JSON.stringify(raw)} is not a URL; use something like ${DEFAULT_BASE_URL}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DownloadError('bad-url', `The download address ${raw} must start with http:// or https://.`);
  }
  return raw.replace(/\/+$/u, '');
}

/** What a person can do by hand when the download cannot happen. */
export function manualInstructions(name: string, baseUrl: string, dataDir: string): string {
  const target = join(resolve(dataDir), name);
  return (
    `You can also download ${baseUrl}/${name}.zip yourself (in a browser, say), unzip it so that its files ` +
    `end up in ${target}, or unzip it anywhere and set MARQUEE_DATA to that folder.`
  );
}

/**
 * The MD5 in a checksum file, in md5sum form ("<hex>  <file>") or BSD form ("MD5 (<file>) = <hex>").
 * When the file names a file, it must be `expectedFile`.
 */
export function parseMd5File(text: string, expectedFile?: string): string {
  for (const raw of text.split(/\r?\n/u)) {
    const line = raw.trim();
    if (line === '') continue;
    const bsd = /^MD5\s*\((.*)\)\s*=\s*([0-9a-fA-F]{32})$/u.exec(line);
    const gnu = /^([0-9a-fA-F]{32})(?:\s+\*?(.+))?$/u.exec(line);
    const hex = bsd ? bsd[2] : gnu ? gnu[1] : undefined;
    const file = bsd ? bsd[1].trim() : gnu?.[2]?.trim();
    if (!hex) continue;
    if (expectedFile && file && file.replace(/^.*[\\/]/u, '') !== expectedFile) {
      throw new Error(`the checksum file is for ${file}, not ${expectedFile}`);
    }
    return hex.toLowerCase();
  }
  throw new Error(`no MD5 found in the checksum file (expected "<hex>  <file>" or "MD5 (<file>) = <hex>", got ${JSON.stringify(text.slice(0, 80))})`);
}

/** Throws DownloadError ('unknown-name') unless `name` is one of KNOWN_DATASETS. */
export function requireKnownDataset(name: string): void {
  if (!Object.hasOwn(KNOWN_DATASETS, name)) {
    throw new DownloadError('unknown-name', `There is no MovieLens dataset called ${JSON.stringify(name)}. Known names: ${Object.keys(KNOWN_DATASETS).join(', ')}.`);
  }
}

export async function downloadDataset(name: string, opts: DownloadOptions): Promise<DownloadResult> {
  requireKnownDataset(name);
  const env = opts.env ?? process.env;
  const base = resolveBaseUrl(opts.baseUrl, env);
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  const progress = opts.onProgress ?? (() => {});
  const dataDir = resolve(opts.dataDir);
  const target = join(dataDir, name);
  const manual = manualInstructions(name, base, dataDir);

  if (!opts.force) {
    const present = presentDataset(name, dataDir);
    if (present) return present;
  }

  let created: string | undefined;
  try {
    created = await mkdir(dataDir, { recursive: true });
  } catch (err) {
    throw new DownloadError('filesystem', `Cannot create the data folder ${dataDir}: ${(err as Error).message}. Choose another folder with --dir.`);
  }
  let temp: string | undefined;
  let succeeded = false;
  try {
    temp = await mkdtemp(join(dataDir, `.${name}-download-`));
    const zipUrl = `${base}/${name}.zip`;
    progress({ phase: 'checksum', done: 0 });
    const md5Text = await fetchOk(fetchImpl, `${zipUrl}.md5`, name, manual);
    let expected: string;
    try {
      expected = parseMd5File(await md5Text.text(), `${name}.zip`);
    } catch (err) {
      throw new DownloadError('checksum', `The checksum file ${zipUrl}.md5 could not be read: ${(err as Error).message}. ${manual}`);
    }

    const res = await fetchOk(fetchImpl, zipUrl, name, manual);
    const zipPath = join(temp, `${name}.zip`);
    const total = Number(res.headers.get('content-length')) || undefined;
    const hash = createHash('md5');
    let bytes = 0;
    progress({ phase: 'download', done: 0, total });
    try {
      if (!res.body) throw new Error('the response has no body');
      await pipeline(
        Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>),
        new Transform({
          transform(chunk: Buffer, _enc, done) {
            hash.update(chunk);
            bytes += chunk.length;
            progress({ phase: 'download', done: bytes, total });
            done(null, chunk);
          },
        }),
        createWriteStream(zipPath),
      );
    } catch (err) {
      throw networkError(err, zipUrl, name, manual, 'the download broke off');
    }

    progress({ phase: 'verify', done: bytes, total: bytes });
    const actual = hash.digest('hex');
    if (actual !== expected) {
      throw new DownloadError(
        'checksum',
        `The downloaded ${name}.zip is damaged or not the published file: its MD5 is ${actual} but ${zipUrl}.md5 says ${expected}. ` +
          `Nothing was kept; try again later (a proxy or an interrupted transfer can cause this). ${manual}`,
      );
    }

    const unpacked = join(temp, 'unpacked');
    let files: number;
    try {
      files = await extractZip(zipPath, unpacked, (done, n) => progress({ phase: 'extract', done, total: n }));
    } catch (err) {
      const why = err instanceof UnsafeArchiveError ? err.message : (err as Error).message;
      throw new DownloadError('archive', `${zipUrl} could not be unpacked safely: ${why}. Nothing was kept. ${manual}`);
    }
    const content = await contentRoot(unpacked);
    await moveIntoPlace(content, target, temp, opts.force === true);
    progress({ phase: 'done', done: bytes, total: bytes });
    succeeded = true;
    return { name, dir: target, alreadyPresent: false, bytes, md5: actual, files };
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true });
    if (!succeeded && created) await removeCreatedFolders(created, dataDir);
  }
}

/**
 * The dataset when dataDir/<name> already holds it; undefined when that folder is absent. A folder
 * of that name without dataset files is a DownloadError ('exists'): it is not ours to replace.
 */
export function presentDataset(name: string, dataDir: string): DownloadResult | undefined {
  const target = join(resolve(dataDir), name);
  if (!existsSync(target)) return undefined;
  if (sniffFormat(target)) return { name, dir: target, alreadyPresent: true, bytes: 0, files: readdirSync(target).length };
  throw new DownloadError('exists', `${target} already exists but holds no ${name} files. Delete it (or download with --force to replace it) and try again.`);
}


/** The folder holding the files: the archive's single top-level folder, when that is all it has. */
async function contentRoot(unpacked: string): Promise<string> {
  const entries = (await readdir(unpacked, { withFileTypes: true })).filter((e) => e.name !== '__MACOSX');
  if (entries.length === 1 && entries[0].isDirectory()) return join(unpacked, entries[0].name);
  return unpacked;
}

async function moveIntoPlace(content: string, target: string, temp: string, replace: boolean): Promise<void> {
  try {
    if (replace && existsSync(target)) {
      // the old copy goes into the temp folder (removed afterwards), so the swap is two renames
      await rename(target, join(temp, 'previous'));
    }
    await rename(content, target);
  } catch (err) {
    throw new DownloadError('filesystem', `Could not put the dataset in place at ${target}: ${(err as Error).message}.`);
  }
}

async function fetchOk(fetchImpl: typeof fetch, url: string, name: string, manual: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetchImpl(url, { redirect: 'follow' });
  } catch (err) {
    throw networkError(err, url, name, manual, 'could not connect');
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new DownloadError(
      'http',
      `Downloading ${name} failed: ${url} answered HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}` +
        `${res.status === 404 ? ' (no such file there; check the name and the download address)' : res.status >= 500 ? ' (a problem on the server; try again later)' : ''}. ${manual}`,
    );
  }
  return res;
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ENOTFOUND: 'the host name could not be resolved (no DNS answer)',
  EAI_AGAIN: 'the host name could not be resolved (DNS is not answering)',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection broke off',
  CERT_HAS_EXPIRED: "the server's TLS certificate has expired",
};

function networkError(err: unknown, url: string, name: string, manual: string, fallback: string): DownloadError {
  if (err instanceof DownloadError) return err;
  let code: string | undefined;
  let detail: string | undefined;
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const c = (e as { code?: unknown }).code;
    if (typeof c === 'string') {
      code = c;
      break;
    }
    // undici wraps the reason ("bad port", "other side closed") in cause chains; keep the innermost words
    if (depth > 0 && e instanceof Error && e.message) detail = e.message;
  }
  const why = (code && NETWORK_CAUSES[code]) ?? (code ? `${fallback} (${code})` : detail ? `${fallback} (${detail})` : fallback);
  const host = safeHost(url);
  return new DownloadError(
    'network',
    `Could not download ${name} from ${host}: ${why}. Check the internet connection (and a proxy, if you use one), then try again. ${manual}`,
  );
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * A cli-progress bar on `stream` when it is a terminal; otherwise undefined (callers then stay quiet).
 * Returns the progress callback to hand to downloadDataset and a `stop` to call when done.
 */
export function terminalProgress(
  name: string,
  stream: NodeJS.WriteStream = process.stderr,
): { onProgress: (p: DownloadProgress) => void; stop: () => void } | undefined {
  if (!stream.isTTY) return undefined;
  const bar = new cliProgress.SingleBar(
    { stream, format: ` {phase} ${name} [{bar}] {percentage}% | {detail}`, hideCursor: true, clearOnComplete: false, fps: 10 },
    cliProgress.Presets.shades_classic,
  );
  let phase: DownloadPhase | undefined;
  const mb = (n: number): string => (n / 1048576).toFixed(1);
  const label: Record<DownloadPhase, string> = { checksum: 'Checking', download: 'Downloading', verify: 'Verifying', extract: 'Unpacking', done: 'Done' };
  return {
    onProgress(p) {
      const total = p.total ?? 0;
      const detail = p.phase === 'extract' ? `${p.done}/${total} files` : `${mb(p.done)}${total ? ` / ${mb(total)}` : ''} MB`;
      if (p.phase !== phase) {
        if (phase === 'download' || phase === 'extract') bar.stop();
        phase = p.phase;
        // checking the MD5 takes no time worth a bar
        if (p.phase === 'done' || p.phase === 'checksum' || p.phase === 'verify') return;
        bar.start(Math.max(total, p.done, 1), p.done, { phase: label[p.phase], detail });
        return;
      }
      if (p.phase !== 'download' && p.phase !== 'extract') return;
      if (total) bar.setTotal(Math.max(total, 1));
      bar.update(p.done, { phase: label[p.phase], detail });
    },
    stop() {
      if (phase === 'download' || phase === 'extract') bar.stop();
    },
  };
}

