/**
 * Writes a synthetic dataset folder in the MovieLens CSV format (movies.csv, links.csv,
 * ratings.csv, tags.csv; CRLF, as ml-latest-small), streaming: ratings are made member by member
 * into reused typed arrays and written through a buffered stream, so memory stays bounded at any
 * size. The files are written into a temporary folder beside the target and renamed into place,
 * so the target is either complete or absent.
 */
import { once } from 'node:events';
import { createWriteStream, existsSync, readdirSync, statSync, type WriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { removeCreatedFolders } from '../folders.ts';
import { SyntheticError, checkShape, ratingsCap, type SyntheticShape } from './shapes.ts';
import { RATING_TEXT, SyntheticWorld, type RandomSource } from './world.ts';

export interface SyntheticSummary extends SyntheticShape {
  /** absolute path of the dataset folder */
  dir: string;
  /** bytes written, all files */
  bytes: number;
}

export interface WriteSyntheticOptions {
  /** ratings written so far, of `total`; called about once per megabyte */
  onProgress?: (done: number, total: number) => void;
}

/** Flushes at this many characters: large enough that the write calls cost nothing, small enough to stay bounded. */
const FLUSH_AT = 1 << 20;

export async function writeSynthetic(dir: string, shape: SyntheticShape, rng: RandomSource, opts: WriteSyntheticOptions = {}): Promise<SyntheticSummary> {
  checkShape(shape);
  const target = checkTarget(dir);
  const parent = dirname(target);
  let created: string | undefined;
  try {
    created = await mkdir(parent, { recursive: true });
  } catch (err) {
    throw new SyntheticError(`Cannot create the folder ${parent}: ${(err as Error).message}`);
  }
  let temp: string | undefined;
  let done = false;
  try {
    temp = await mkdtemp(join(parent, `.${basename(target)}-synthetic-`));
    await chmod(temp, 0o755); // mkdtemp makes it private; a dataset folder is not
    const bytes = await writeFiles(temp, new SyntheticWorld(shape, rng), opts);
    if (existsSync(target)) await rm(target, { recursive: true }); // the empty folder checked above
    await rename(temp, target);
    done = true;
    return { dir: target, ...shape, bytes };
  } finally {
    if (!done && temp) await rm(temp, { recursive: true, force: true });
    if (!done && created) await removeCreatedFolders(created, parent);
  }
}

/** The absolute target folder; a SyntheticError when it is a file or a folder that holds anything. */
export function checkTarget(dir: string): string {
  const target = resolve(dir);
  if (!existsSync(target)) return target;
  if (!statSync(target).isDirectory()) throw new SyntheticError(`${target} is a file; choose a folder that does not exist yet`);
  if (readdirSync(target).length > 0) throw new SyntheticError(`${target} already exists and is not empty; choose another folder or delete it first`);
  return target;
}

async function writeFiles(dir: string, world: SyntheticWorld, opts: WriteSyntheticOptions): Promise<number> {
  const { movies, users, ratings, tags } = world.shape;
  let bytes = 0;

  const movieFile = new CsvFile(join(dir, 'movies.csv'), 'movieId,title,genres');
  const linkFile = new CsvFile(join(dir, 'links.csv'), 'movieId,imdbId,tmdbId');
  for (let i = 0; i < movies; i++) {
    const id = world.movieIds[i];
    movieFile.line(`${id},${csvField(world.movieTitle(i))},${world.movieGenres(i)}`);
    const link = world.movieLinks(i);
    linkFile.line(`${id},${link.imdbId},${link.tmdbId}`);
    await movieFile.flushIfFull();
    await linkFile.flushIfFull();
  }
  bytes += (await movieFile.close()) + (await linkFile.close());

  const ratingFile = new CsvFile(join(dir, 'ratings.csv'), 'userId,movieId,rating,timestamp');
  const cap = ratingsCap(movies);
  const picked = new Int32Array(cap);
  const values = new Uint8Array(cap);
  const times = new Float64Array(cap);
  let written = 0;
  for (let u = 0; u < users; u++) {
    const n = world.rateUser(u, picked, values, times);
    const userId = u + 1;
    for (let k = 0; k < n; k++) ratingFile.line(`${userId},${world.movieIds[picked[k]]},${RATING_TEXT[values[k]]},${times[k]}`);
    written += n;
    if (await ratingFile.flushIfFull()) opts.onProgress?.(written, ratings);
  }
  bytes += await ratingFile.close();
  opts.onProgress?.(written, ratings);

  const tagFile = new CsvFile(join(dir, 'tags.csv'), 'userId,movieId,tag,timestamp');
  const taggers = world.taggers();
  let tagged = 0;
  for (let t = 0; t < taggers.users.length; t++) {
    const u = taggers.users[t];
    for (let k = 0; k < taggers.counts[t]; k++) {
      const tag = world.tag(u, k === 0);
      tagFile.line(`${u + 1},${world.movieIds[tag.movie]},${csvField(tag.tag)},${tag.timestamp}`);
    }
    tagged += taggers.counts[t];
    await tagFile.flushIfFull();
  }
  bytes += await tagFile.close();
  // the allocation guarantees both; a mismatch would be a generator bug, not bad input
  if (written !== ratings || tagged !== tags) throw new Error(`synthetic generator: wrote ${written} ratings and ${tagged} tags, not ${ratings} and ${tags}`);
  return bytes;
}

/** A CSV file written through one buffered stream: lines gather in a string, flushed a megabyte at a time. */
class CsvFile {
  private readonly stream: WriteStream;
  private pending: string;
  private bytes = 0;
  /** a write error (disk full, say), raised at the next flush rather than crashing the process */
  private failure: Error | undefined;

  constructor(path: string, header: string) {
    this.stream = createWriteStream(path, { highWaterMark: FLUSH_AT });
    this.stream.on('error', (err) => (this.failure ??= err));
    this.pending = `${header}\r\n`;
  }

  line(text: string): void {
    this.pending += `${text}\r\n`;
  }

  /** Writes what has gathered once it passes FLUSH_AT, waiting when the disk is behind; true when it wrote. */
  async flushIfFull(): Promise<boolean> {
    if (this.pending.length < FLUSH_AT) return false;
    await this.flush();
    return true;
  }

  /** Writes the rest, closes the file and returns its size in bytes. */
  async close(): Promise<number> {
    await this.flush();
    this.stream.end();
    if (!this.stream.writableFinished) await once(this.stream, 'finish');
    if (this.failure) throw this.failure;
    return this.bytes;
  }

  private async flush(): Promise<void> {
    if (this.failure) throw this.failure;
    const chunk = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    this.bytes += chunk.length;
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }
}

/** A CSV field, quoted when it holds a comma, a quote or a line break. */
function csvField(text: string): string {
  return /[",\r\n]/u.test(text) ? `"${text.replace(/"/gu, '""')}"` : text;
}
