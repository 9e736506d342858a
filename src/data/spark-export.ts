/**
 * Writes the trainset — the dataset's ratings and every member's — in a layout Spark reads
 * directly, for spark/train_als.py:
 *
 *   ratings.csv    userId,movieId,rating,timestamp   (header; integer ids, as Spark's ALS needs;
 *                  timestamp in seconds, empty when the dataset has none)
 *   users.csv      userId,memberId                   (the members' Spark ids)
 *   manifest.json  dataset name and fingerprint, counts, scale, the member id offset, export time
 *
 * Dataset users keep their ids; a member gets offset + member id, the offset being the dataset's
 * largest user id, so the two never collide and a factor row maps back without a table.
 *
 * Rows are formatted and written 64 Ki at a time, so the file is never one string; everything
 * goes to a sibling temporary folder renamed into place at the end, so a failure leaves nothing.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export class SparkExportError extends Error {
  override name = 'SparkExportError';
}

export interface SparkExportInput {
  dataset: { name: string; fingerprint: string; scale: readonly [number, number] };
  /** the dataset's ratings in file order; timestamps in seconds (NaN when none) */
  datasetRatings: {
    users: ArrayLike<string>;
    items: ArrayLike<string>;
    ratings: ArrayLike<number>;
    timestamps: ArrayLike<number>;
  };
  /** members' ratings; ratedAt in ms since the epoch */
  memberRatings: ReadonlyArray<{ memberId: number; movieId: string; rating: number; ratedAt: number }>;
  /** the export's clock (tests pin it) */
  now?: () => Date;
  /** called every ROWS_PER_WRITE rows with the rows written so far */
  onProgress?: (done: number, total: number) => void;
}

export interface SparkExportManifest {
  format: 'marquee-spark-export';
  version: 1;
  dataset: string;
  fingerprint: string;
  scale: [number, number];
  ratings: number;
  datasetRatings: number;
  memberRatings: number;
  datasetUsers: number;
  members: number;
  movies: number;
  /** Spark user ids above this are members: member id = Spark id − offset */
  memberUserIdOffset: number;
  exportedAt: string;
  files: { ratings: 'ratings.csv'; users: 'users.csv' };
}

const ROWS_PER_WRITE = 65_536;
const INT32_MAX = 2 ** 31 - 1;
const WHOLE = /^(0|[1-9][0-9]*)$/u;

/** Writes the export into `dir` (which must not exist, or be empty) and returns its manifest. */
export function writeSparkExport(dir: string, input: SparkExportInput): SparkExportManifest {
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new SparkExportError(`${dir} already holds files; export into a new folder`);
  }
  const { datasetRatings: ds, memberRatings: members } = input;
  const nData = ds.ratings.length;
  const total = nData + members.length;
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.partial-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  const open: ChunkedWriter[] = [];
  try {
    const users = new Set<string>();
    const movies = new Set<string>();
    let maxUser = 0;
    const ratings = new ChunkedWriter(join(tmp, 'ratings.csv'), open);
    ratings.line('userId,movieId,rating,timestamp');
    for (let k = 0; k < nData; k++) {
      const u = ds.users[k];
      const i = ds.items[k];
      const id = sparkInt(u, () => `dataset rating ${k + 1}: user id ${JSON.stringify(u)}`);
      sparkInt(i, () => `dataset rating ${k + 1}: movie id ${JSON.stringify(i)}`);
      if (id > maxUser) maxUser = id;
      users.add(u);
      movies.add(i);
      const t = ds.timestamps[k];
      ratings.line(`${u},${i},${rating(ds.ratings[k], k)},${Number.isFinite(t) ? Math.floor(t) : ''}`);
      if ((k + 1) % ROWS_PER_WRITE === 0) input.onProgress?.(k + 1, total);
    }
    const memberIds = new Set<number>();
    const idMap = new ChunkedWriter(join(tmp, 'users.csv'), open);
    idMap.line('userId,memberId');
    for (let k = 0; k < members.length; k++) {
      const r = members[k];
      const sparkId = maxUser + r.memberId;
      if (!Number.isInteger(r.memberId) || r.memberId < 1 || sparkId > INT32_MAX) {
        throw new SparkExportError(`member ${r.memberId} cannot have a Spark user id (${maxUser} + ${r.memberId} must be at most ${INT32_MAX})`);
      }
      sparkInt(r.movieId, () => `member ${r.memberId}'s rating: movie id ${JSON.stringify(r.movieId)}`);
      movies.add(r.movieId);
      if (!memberIds.has(r.memberId)) {
        memberIds.add(r.memberId);
        idMap.line(`${sparkId},${r.memberId}`);
      }
      ratings.line(`${sparkId},${r.movieId},${rating(r.rating, nData + k)},${Math.floor(r.ratedAt / 1000)}`);
      if ((nData + k + 1) % ROWS_PER_WRITE === 0) input.onProgress?.(nData + k + 1, total);
    }
    ratings.close();
    idMap.close();
    input.onProgress?.(total, total);
    const manifest: SparkExportManifest = {
      format: 'marquee-spark-export',
      version: 1,
      dataset: input.dataset.name,
      fingerprint: input.dataset.fingerprint,
      scale: [input.dataset.scale[0], input.dataset.scale[1]],
      ratings: total,
      datasetRatings: nData,
      memberRatings: members.length,
      datasetUsers: users.size,
      members: memberIds.size,
      movies: movies.size,
      memberUserIdOffset: maxUser,
      exportedAt: (input.now?.() ?? new Date()).toISOString(),
      files: { ratings: 'ratings.csv', users: 'users.csv' },
    };
    writeFileSync(join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    if (existsSync(dir)) rmSync(dir, { recursive: true }); // empty (checked above)
    renameSync(tmp, dir);
    return manifest;
  } catch (err) {
    for (const w of open) w.abandon();
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** An id Spark's ALS accepts (a non-negative Int), or a SparkExportError saying which. */
function sparkInt(raw: string, what: () => string): number {
  const v = WHOLE.test(raw) ? Number(raw) : NaN;
  if (!(v <= INT32_MAX)) throw new SparkExportError(`${what()} is not a whole number up to ${INT32_MAX}; Spark's ALS needs integer ids`);
  return v;
}

function rating(r: number, k: number): string {
  if (!Number.isFinite(r)) throw new SparkExportError(`rating ${k + 1} is not a number`);
  return String(r);
}

/** Lines gathered and written ROWS_PER_WRITE at a time. */
class ChunkedWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private closed = false;

  /** `open` collects the writers, so a failure can close them all */
  constructor(path: string, open: ChunkedWriter[]) {
    this.fd = openSync(path, 'w');
    open.push(this);
  }

  line(s: string): void {
    this.pending.push(s);
    if (this.pending.length >= ROWS_PER_WRITE) this.flush();
  }

  close(): void {
    this.flush();
    this.abandon();
  }

  /** Closes the file without writing what is pending (the export failed). */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    writeSync(this.fd, `${this.pending.join('\n')}\n`);
    this.pending = [];
  }
}
