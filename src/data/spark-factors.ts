/**
 * Reads what spark/train_als.py writes: a folder with `params.json` and the two factor tables
 * `user_factors/` and `item_factors/`, each exactly as Spark writes a DataFrame as JSON lines —
 * any number of `part-*.json` files (one per partition, in no particular order; empty ones
 * included), their hidden `.crc` checksums, and an empty `_SUCCESS` marker written last by the
 * job's commit. Each line is `{"id":17,"features":[0.12,-0.03,…]}` (Spark writes NaN as the
 * string "NaN", so a diverged job is caught by the number check).
 *
 * A folder without `_SUCCESS` is a job that did not finish (or is still writing): refused, since
 * its part files may be a fraction of the factors. Every row must carry an integer id (Spark's
 * ALS ids are Ints) and exactly `rank` finite numbers; an id twice is refused with both places.
 *
 * Files are read synchronously in 4 MiB chunks (the trainer worker calls this inside its loop), so
 * a part file of any size never becomes one string; rows go straight into growing typed arrays.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';

export class SparkFactorError extends Error {
  override name = 'SparkFactorError';
}

/** One factor table: ids in file order and their factors, ids.length × rank row-major. */
export interface SparkFactorTable {
  ids: Int32Array;
  factors: Float32Array;
}

/** What the export recorded (src/data/spark-export.ts), carried through the job into params.json. */
export interface SparkExportInfo {
  dataset: string;
  fingerprint: string;
  /** Spark user ids above this are members: member id = Spark id − offset */
  memberUserIdOffset: number;
  exportedAt: string;
}

/** params.json: how the factors were trained, so they can be folded in the same way. */
export interface SparkAlsParams {
  trainer: string;
  rank: number;
  reg: number;
  implicit: boolean;
  alpha: number;
  /** 'spark': Spark's ALS equations; 'ials': Marquee's iALS (factors written by Marquee itself) */
  weighting: 'spark' | 'ials';
  iters?: number;
  seed?: number;
  export?: SparkExportInfo;
}

export interface SparkAlsRun {
  dir: string;
  params: SparkAlsParams;
  users: SparkFactorTable;
  items: SparkFactorTable;
}

const PARTS = /^part-.*\.json$/u;
const CHUNK = 4 * 1024 * 1024;
const INT32_MAX = 2 ** 31 - 1;

/** Reads params.json of a factor folder and checks it. */
export function readSparkAlsParams(dir: string): SparkAlsParams {
  const file = join(dir, 'params.json');
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SparkFactorError(`${dir} is not a folder of Spark ALS factors (spark/train_als.py --out)`);
  if (!existsSync(file)) throw new SparkFactorError(`${file} is missing: the folder is not one spark/train_als.py wrote, or the job did not finish`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SparkFactorError(`${file} is not JSON: ${(err as Error).message}`);
  }
  return checkParams(file, raw);
}

/**
 * A cheap identity of a factor folder (params.json and each part file's name, size and time),
 * without reading the factors: Spark names part files by job, so a new run changes it.
 */
export function sparkAlsDigest(dir: string): string {
  const h = createHash('sha256');
  h.update(readFileSync(join(dir, 'params.json')));
  for (const table of ['user_factors', 'item_factors']) {
    const sub = join(dir, table);
    for (const name of partFiles(sub)) {
      const st = statSync(join(sub, name));
      h.update(`\n${table}/${name}:${st.size}:${st.mtimeMs}`);
    }
  }
  return h.digest('hex').slice(0, 16);
}

/** Reads a whole factor folder: params, user factors and item factors, all checked. */
export function readSparkAls(dir: string): SparkAlsRun {
  const params = readSparkAlsParams(dir);
  const users = readSparkFactorTable(join(dir, 'user_factors'), params.rank);
  const items = readSparkFactorTable(join(dir, 'item_factors'), params.rank);
  if (items.ids.length === 0) throw new SparkFactorError(`${join(dir, 'item_factors')} holds no item factors`);
  return { dir, params, users, items };
}

/** Reads one DataFrame folder of `{"id", "features"}` JSON lines (file comment). */
export function readSparkFactorTable(dir: string, rank: number): SparkFactorTable {
  const names = partFiles(dir);
  const ids = new Growing(Int32Array, 1);
  const factors = new Growing(Float32Array, rank);
  // where each id was read: file index · 2³² + line (a string per row would cost ~100 B each)
  const where = new Map<number, number>();
  const place = (at: number): string => `${join(dir, names[Math.floor(at / 2 ** 32)])}, line ${at % 2 ** 32}`;
  for (const [fileIndex, name] of names.entries()) {
    const file = join(dir, name);
    forEachLine(file, (line, lineNo) => {
      if (line.trim() === '') return;
      const at = `${file}, line ${lineNo}`;
      let row: unknown;
      try {
        row = JSON.parse(line);
      } catch (err) {
        throw new SparkFactorError(`${at} is not JSON: ${(err as Error).message}`);
      }
      if (typeof row !== 'object' || row === null) throw new SparkFactorError(`${at}: expected {"id": …, "features": […]}`);
      const { id, features } = row as { id?: unknown; features?: unknown };
      if (typeof id !== 'number' || !Number.isInteger(id) || id < -INT32_MAX - 1 || id > INT32_MAX) {
        throw new SparkFactorError(`${at}: "id" must be an integer (Spark ALS ids are Ints), got ${JSON.stringify(id)}`);
      }
      if (!Array.isArray(features)) throw new SparkFactorError(`${at}: "features" must be an array of ${rank} numbers`);
      if (features.length !== rank) {
        throw new SparkFactorError(`${at}: id ${id} has ${features.length} features, but params.json says rank ${rank}`);
      }
      const seen = where.get(id);
      if (seen !== undefined) throw new SparkFactorError(`${at}: id ${id} appears twice (also ${place(seen)})`);
      where.set(id, fileIndex * 2 ** 32 + lineNo);
      const row32 = factors.reserve();
      for (let t = 0; t < rank; t++) {
        const v: unknown = features[t];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          throw new SparkFactorError(`${at}: feature ${t} of id ${id} is ${JSON.stringify(v)}, not a finite number (did the job diverge?)`);
        }
        row32.array[row32.at + t] = v;
      }
      const idRow = ids.reserve();
      idRow.array[idRow.at] = id;
    });
  }
  return { ids: ids.done(), factors: factors.done() };
}

/** The part files of a finished DataFrame folder, sorted by name; hidden files and checksums ignored. */
function partFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SparkFactorError(`${dir} is missing: a Spark ALS factor folder holds user_factors/ and item_factors/`);
  const names = readdirSync(dir);
  if (!names.includes('_SUCCESS')) {
    throw new SparkFactorError(`${dir} has no _SUCCESS marker: the Spark job did not finish writing it (or is still running); run it again`);
  }
  const compressed = names.find((n) => /^part-.*\.json\.[a-z0-9]+$/u.test(n));
  if (compressed) throw new SparkFactorError(`${join(dir, compressed)} is compressed; write the factors without compression (train_als.py does)`);
  const parts = names.filter((n) => PARTS.test(n)).sort();
  if (parts.length === 0) throw new SparkFactorError(`${dir} holds no part-*.json files`);
  return parts;
}

/** Calls `fn` for each line of a file (1-based numbers), reading it in chunks. */
function forEachLine(file: string, fn: (line: string, lineNo: number) => void): void {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let lineNo = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      const text = n > 0 ? rest + decoder.write(buf.subarray(0, n)) : rest + decoder.end();
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        fn(text.slice(start, nl), ++lineNo);
        start = nl + 1;
      }
      rest = text.slice(start);
      if (n === 0) break;
    }
    if (rest !== '') fn(rest, ++lineNo);
  } finally {
    closeSync(fd);
  }
}

/** A typed array that grows by doubling, `width` slots per row. */
class Growing<T extends Int32Array | Float32Array> {
  private array: T;
  private rows = 0;

  constructor(
    private readonly ctor: new (n: number) => T,
    private readonly width: number,
  ) {
    this.array = new ctor(1024 * width);
  }

  reserve(): { array: T; at: number } {
    if ((this.rows + 1) * this.width > this.array.length) {
      const bigger = new this.ctor(this.array.length * 2);
      bigger.set(this.array);
      this.array = bigger;
    }
    return { array: this.array, at: this.rows++ * this.width };
  }

  done(): T {
    return this.array.slice(0, this.rows * this.width) as T;
  }
}

function checkParams(file: string, raw: unknown): SparkAlsParams {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SparkFactorError(`${file} must hold a JSON object`);
  const p = raw as Record<string, unknown>;
  const bad = (key: string, want: string): never => {
    throw new SparkFactorError(`${file}: "${key}" must be ${want}, got ${JSON.stringify(p[key])}`);
  };
  const rank = p.rank;
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1 || rank > 4096) bad('rank', 'a whole number from 1 to 4096');
  const reg = p.reg;
  if (typeof reg !== 'number' || !(reg > 0) || !Number.isFinite(reg)) bad('reg', 'a number > 0');
  if (typeof p.implicit !== 'boolean') bad('implicit', 'true or false');
  const alpha = p.alpha;
  if (typeof alpha !== 'number' || !(alpha >= 0) || !Number.isFinite(alpha)) bad('alpha', 'a number ≥ 0');
  const weighting = p.weighting ?? 'spark';
  if (weighting !== 'spark' && weighting !== 'ials') bad('weighting', '"spark" or "ials"');
  if (weighting === 'ials' && p.implicit !== true) bad('implicit', 'true for iALS factors');
  const out: SparkAlsParams = {
    trainer: typeof p.trainer === 'string' ? p.trainer : 'unknown',
    rank: rank as number,
    reg: reg as number,
    implicit: p.implicit as boolean,
    alpha: alpha as number,
    weighting: weighting as 'spark' | 'ials',
  };
  if (typeof p.iters === 'number') out.iters = p.iters;
  if (typeof p.seed === 'number') out.seed = p.seed;
  if (p.export !== undefined) out.export = checkExport(file, p.export);
  return out;
}

function checkExport(file: string, raw: unknown): SparkExportInfo {
  const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const offset = e.memberUserIdOffset;
  if (typeof e.dataset !== 'string' || typeof e.fingerprint !== 'string' || typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw new SparkFactorError(`${file}: "export" must carry the export's dataset, fingerprint and memberUserIdOffset (copied from manifest.json)`);
  }
  return { dataset: e.dataset, fingerprint: e.fingerprint, memberUserIdOffset: offset, exportedAt: typeof e.exportedAt === 'string' ? e.exportedAt : '' };
}
