/**
 * Rating files: the one hot path of loading (100 thousand lines in ml-latest-small, 25–32 million in
 * ml-25m/ml-32m). Lines are cut by hand here instead of going through csv-parse: rating lines are
 * plain numbers, and csv-parse's byte-by-byte state machine read ml-latest-small's ratings.csv in
 * ~300 ms on this machine against ~60 ms for indexOf/slice (extrapolated to ml-25m: ~80 s against ~25 s). A
 * line that holds a quote still goes through csv-parse, so quoted fields stay correct.
 *
 * Once the first line shows the canonical shape, lines are read from their bytes (rating-line.ts)
 * without becoming strings at all; only a line that parser declines is decoded and cut as text.
 * ml-10m shape's 10 M lines (`npx tsx` of readRatings alone, loaded shared machine): 8.0 CPU s
 * as text, 3.2 CPU s from bytes, the same columns.
 */
import { createReadStream, existsSync, openSync, readSync, closeSync, statSync } from 'node:fs';
import { DataFileError, type RatingTable } from './types.ts';
import { asDataFileError, headerIndex, parseCsvLine } from './csv.ts';
import { RatingLineParser } from './rating-line.ts';

export type RatingDelimiter = ',' | '\t' | '::';

export interface RatingsReadOptions {
  delimiter: RatingDelimiter;
  /** the first line names the columns (MovieLens CSV); otherwise user, item, rating[, timestamp] */
  header: boolean;
  /** ratings outside [lo, hi] are errors; without it any finite number is accepted */
  scale?: readonly [number, number];
  /** dataset files: ids must be whole numbers and a timestamp must be present */
  strict: boolean;
  /** bytes of the file read so far, after each chunk (1 MB), and the file's size */
  onBytes?: (done: number, total: number) => void;
}

const EXPECTED_HEADER = 'userId,movieId,rating,timestamp';
const COLUMNS = {
  user: { names: ['userId', 'user', 'user_id'] },
  item: { names: ['movieId', 'itemId', 'item', 'movie_id', 'item_id', 'movie'] },
  rating: { names: ['rating'] },
  timestamp: { names: ['timestamp', 'time'], optional: true },
} as const;

export async function readRatings(path: string, opts: RatingsReadOptions): Promise<RatingTable> {
  const file = path;
  const out = new RatingBuilder();
  const strict = opts.strict;
  const scale = opts.scale;
  const delimiter = opts.delimiter;
  const dl = delimiter.length;
  let col = { user: 0, item: 1, rating: 2, timestamp: 3 };
  let nFields = -1; // exact field count once known
  // user, item, rating[, timestamp] in that order: fields are cut out with indexOf, no array per line
  let canonical = false;
  let headerPending = opts.header;

  const onLine = (line: string, lineNo: number): void => {
    if (line === '') return;
    let user: string;
    let item: string;
    let rText: string;
    let tText: string | undefined;
    if (canonical && !line.includes('"')) {
      const a = line.indexOf(delimiter);
      const b = a < 0 ? -1 : line.indexOf(delimiter, a + dl);
      const c = b < 0 ? -1 : line.indexOf(delimiter, b + dl);
      const end = nFields === 4 ? line.indexOf(delimiter, c + dl) : c;
      if (b < 0 || (nFields === 4) !== c >= 0 || end >= 0) {
        throw new DataFileError(file, lineNo, `expected ${nFields} fields, found ${line.split(delimiter).length} (a cut-short or malformed line)`);
      }
      user = line.slice(0, a);
      item = line.slice(a + dl, b);
      rText = c < 0 ? line.slice(b + dl) : line.slice(b + dl, c);
      tText = c < 0 ? undefined : line.slice(c + dl);
    } else {
      const fields = line.includes('"') ? parseCsvLine(line, delimiter, file, lineNo) : line.split(delimiter);
      if (headerPending) {
        headerPending = false;
        if (strict && fields.length !== 4) {
          throw new DataFileError(file, lineNo, `unexpected header "${fields.join(',')}": expected "${EXPECTED_HEADER}"`);
        }
        col = headerIndex(file, fields, strict ? { ...COLUMNS, timestamp: { names: ['timestamp'] } } : COLUMNS, EXPECTED_HEADER, lineNo);
        nFields = fields.length;
        canonical = col.user === 0 && col.item === 1 && col.rating === 2 && (nFields === 3 ? col.timestamp < 0 : nFields === 4 && col.timestamp === 3);
        return;
      }
      if (nFields < 0) {
        if (fields.length < 3 || fields.length > 4 || (strict && fields.length !== 4)) {
          throw new DataFileError(file, lineNo, `expected ${strict ? '4' : '3 or 4'} fields (user, item, rating${strict ? ', timestamp' : '[, timestamp]'}) separated by ${describe(delimiter)}, found ${fields.length}`);
        }
        nFields = fields.length;
        col.timestamp = nFields === 4 ? 3 : -1;
        canonical = true;
      } else if (fields.length !== nFields) {
        throw new DataFileError(file, lineNo, `expected ${nFields} fields, found ${fields.length} (a cut-short or malformed line)`);
      }
      user = fields[col.user];
      item = fields[col.item];
      rText = fields[col.rating];
      tText = col.timestamp >= 0 ? fields[col.timestamp] : undefined;
    }

    checkId(file, lineNo, 'user id', user, strict);
    checkId(file, lineNo, 'movie id', item, strict);
    const r = rText === '' ? NaN : Number(rText);
    if (!Number.isFinite(r)) throw new DataFileError(file, lineNo, `rating ${JSON.stringify(rText)} is not a number`);
    if (scale && (r < scale[0] || r > scale[1])) {
      throw new DataFileError(file, lineNo, `rating ${rText} is outside the rating scale ${scale[0]}–${scale[1]}`);
    }
    let ts = NaN;
    if (tText !== undefined) {
      ts = tText === '' ? NaN : Number(tText);
      if (!Number.isFinite(ts)) throw new DataFileError(file, lineNo, `timestamp ${JSON.stringify(tText)} is not a number`);
    }
    out.push(user, item, r, ts);
  };

  // once the header (or first line) says the shape is canonical, most lines are parsed from their
  // bytes (rating-line.ts); the first line and any line that parser declines go through onLine
  let parser: RatingLineParser | undefined;
  const userOf = new Map<number, string>();
  const itemOf = new Map<number, string>();
  let lastUser = -1;
  let lastUserId = '';
  const onBytesLine = (b: Buffer, start: number, end: number, lineNo: number): void => {
    if (canonical) {
      parser ??= new RatingLineParser(delimiter, nFields === 4 ? 4 : 3, scale);
      if (parser.parse(b, start, end)) {
        const u = parser.user;
        if (u !== lastUser) {
          lastUser = u;
          let id = userOf.get(u);
          if (id === undefined) userOf.set(u, (id = out.internUser(String(u))));
          lastUserId = id;
        }
        let item = itemOf.get(parser.item);
        if (item === undefined) itemOf.set(parser.item, (item = out.internItem(String(parser.item))));
        out.pushInterned(lastUserId, item, parser.rating, parser.timestamp);
        return;
      }
    }
    // a byte-order mark opens the text only (TextDecoder drops it the same way)
    if (lineNo === 1 && end - start >= 3 && b[start] === 0xef && b[start + 1] === 0xbb && b[start + 2] === 0xbf) start += 3;
    onLine(b.toString('utf-8', start, end), lineNo);
  };

  await forEachLineBytes(file, onBytesLine, opts.onBytes);
  if (headerPending) throw new DataFileError(file, undefined, `the file is empty: expected a header "${EXPECTED_HEADER}" and rating lines`);
  return out.finish();
}

/**
 * A rating file of any supported shape, in file order: MovieLens CSV with a header
 * (userId,movieId,rating[,timestamp]), u.data-style tab-separated (user item rating [timestamp]),
 * or ml-1m/ml-10m "::"-separated. The shape is read from the first line.
 */
export async function loadRatingsFile(path: string, opts: { scale?: [number, number] } = {}): Promise<RatingTable> {
  if (opts.scale && !(opts.scale[0] < opts.scale[1])) {
    throw new RangeError(`scale must be [lowest, highest] with lowest < highest, got [${opts.scale.join(', ')}]`);
  }
  const first = firstLine(path);
  let delimiter: RatingDelimiter;
  let header = false;
  if (first.includes('::')) delimiter = '::';
  else if (first.includes('\t')) delimiter = '\t';
  else if (first.includes(',')) {
    delimiter = ',';
    header = true;
    if (/^\s*"?\d/u.test(first)) {
      throw new DataFileError(path, 1, `a CSV ratings file needs a header line "${EXPECTED_HEADER}" (the first line holds data)`);
    }
  } else {
    throw new DataFileError(path, 1, 'not a ratings file: expected "userId,movieId,rating,timestamp" CSV, tab-separated "user item rating timestamp" (u.data) or "user::item::rating::timestamp" lines');
  }
  return readRatings(path, { delimiter, header, scale: opts.scale, strict: false });
}

function firstLine(path: string): string {
  if (!existsSync(path)) throw new DataFileError(path, undefined, 'file not found');
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw asDataFileError(path, err);
  }
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const text = new TextDecoder('utf-8').decode(buf.subarray(0, n));
    const line = text.split(/\r?\n/u).find((l) => l.trim() !== '');
    if (line === undefined) throw new DataFileError(path, undefined, 'the file is empty');
    return line;
  } finally {
    closeSync(fd);
  }
}

function describe(d: RatingDelimiter): string {
  return d === '\t' ? 'tabs' : d === ',' ? 'commas' : '"::"';
}

const WHOLE = /^\d+$/u;

function checkId(file: string, line: number, what: string, id: string, strict: boolean): void {
  if (id === '') throw new DataFileError(file, line, `${what} is empty`);
  if (strict && !WHOLE.test(id)) throw new DataFileError(file, line, `${what} ${JSON.stringify(id)} is not a whole number`);
}

/**
 * Streams a text file line by line (LF or CRLF), 1-based line numbers. A callback rather than an
 * async iterator: one promise per line would cost seconds on 25 million lines.
 */
export async function forEachLine(
  path: string,
  encoding: 'utf-8' | 'latin1',
  onLine: (line: string, lineNo: number) => void,
  onBytes?: (done: number, total: number) => void,
): Promise<void> {
  const decoder = new TextDecoder(encoding);
  const total = onBytes ? (statSync(path, { throwIfNoEntry: false })?.size ?? 0) : 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let carry = '';
  let lineNo = 0;
  let bytes = 0;
  try {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      const text = carry + decoder.decode(chunk as Buffer, { stream: true });
      let start = 0;
      let nl: number;
      while ((nl = text.indexOf('\n', start)) !== -1) {
        const end = nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
        onLine(text.slice(start, end), ++lineNo);
        start = nl + 1;
      }
      carry = text.slice(start);
      onBytes?.(bytes, Math.max(total, bytes));
    }
    carry += decoder.decode();
    if (carry !== '') onLine(carry.endsWith('\r') ? carry.slice(0, -1) : carry, ++lineNo);
  } catch (err) {
    stream.destroy();
    throw asDataFileError(path, err);
  }
}

/**
 * Streams a file line by line as bytes: `onLine(bytes, start, end, lineNo)` with [start, end) the
 * line without its LF or CRLF, 1-based line numbers. The bytes are valid only during the call.
 */
export async function forEachLineBytes(
  path: string,
  onLine: (bytes: Buffer, start: number, end: number, lineNo: number) => void,
  onBytes?: (done: number, total: number) => void,
): Promise<void> {
  const total = onBytes ? (statSync(path, { throwIfNoEntry: false })?.size ?? 0) : 0;
  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  let carry: Buffer | undefined;
  let lineNo = 0;
  let bytes = 0;
  const line = (b: Buffer, start: number, nl: number): void => {
    const end = nl > start && b[nl - 1] === 13 ? nl - 1 : nl;
    onLine(b, start, end, ++lineNo);
  };
  try {
    for await (const chunk of stream) {
      bytes += (chunk as Buffer).length;
      // a line split across chunks: joined with the rest of it (one copy of a line, not of the chunk)
      const b = chunk as Buffer;
      let start = 0;
      if (carry) {
        const nl = b.indexOf(10);
        if (nl < 0) {
          carry = Buffer.concat([carry, b]);
          onBytes?.(bytes, Math.max(total, bytes));
          continue;
        }
        const joined = Buffer.concat([carry, b.subarray(0, nl + 1)]);
        carry = undefined;
        line(joined, 0, joined.length - 1);
        start = nl + 1;
      }
      let nl: number;
      while ((nl = b.indexOf(10, start)) !== -1) {
        line(b, start, nl);
        start = nl + 1;
      }
      if (start < b.length) carry = Buffer.from(b.subarray(start));
      onBytes?.(bytes, Math.max(total, bytes));
    }
    if (carry && carry.length > 0) {
      const end = carry[carry.length - 1] === 13 ? carry.length - 1 : carry.length;
      onLine(carry, 0, end, ++lineNo);
    }
  } catch (err) {
    stream.destroy();
    throw asDataFileError(path, err);
  }
}

/** Column arrays that grow by doubling; ids are interned so 25M rows keep one string per distinct id. */
export class RatingBuilder {
  private users: string[] = [];
  private items: string[] = [];
  private ratings = new Float32Array(1 << 16);
  private timestamps = new Float64Array(1 << 16);
  private n = 0;
  private readonly userIds = new Map<string, string>();
  private readonly itemIds = new Map<string, string>();
  private lastUserText = '';
  private lastUser = '';

  /** The one string kept for this user id (interning, as push does). */
  internUser(id: string): string {
    let u = this.userIds.get(id);
    if (u === undefined) this.userIds.set(id, (u = id));
    return u;
  }

  internItem(id: string): string {
    let i = this.itemIds.get(id);
    if (i === undefined) this.itemIds.set(id, (i = id));
    return i;
  }

  /** push() for ids already interned through internUser/internItem. */
  pushInterned(user: string, item: string, rating: number, timestamp: number): void {
    if (this.n === this.ratings.length) this.grow();
    this.users.push(user);
    this.items.push(item);
    this.ratings[this.n] = rating;
    this.timestamps[this.n] = timestamp;
    this.n++;
  }

  push(user: string, item: string, rating: number, timestamp: number): void {
    if (this.n === this.ratings.length) this.grow();
    // rating files come grouped by user: most lines repeat the previous user, no map lookup needed
    let u: string | undefined;
    if (user === this.lastUserText) u = this.lastUser;
    else {
      u = this.userIds.get(user);
      if (u === undefined) this.userIds.set(user, (u = user));
      this.lastUserText = user;
      this.lastUser = u;
    }
    let i = this.itemIds.get(item);
    if (i === undefined) this.itemIds.set(item, (i = item));
    this.users.push(u);
    this.items.push(i);
    this.ratings[this.n] = rating;
    this.timestamps[this.n] = timestamp;
    this.n++;
  }

  get length(): number {
    return this.n;
  }

  finish(): RatingTable {
    return {
      users: this.users,
      items: this.items,
      ratings: this.ratings.slice(0, this.n),
      timestamps: this.timestamps.slice(0, this.n),
    };
  }

  private grow(): void {
    const r = new Float32Array(this.ratings.length * 2);
    r.set(this.ratings);
    this.ratings = r;
    const t = new Float64Array(this.timestamps.length * 2);
    t.set(this.timestamps);
    this.timestamps = t;
  }
}

/** Distinct members and movies and the number of ratings of a table: the sizes known before training. */
export function ratingCounts(t: RatingTable): { users: number; items: number; ratings: number } {
  const users = new Set<string>();
  const items = new Set<string>();
  let last: string | undefined;
  for (let k = 0; k < t.users.length; k++) {
    // rating files come grouped by member: skip the set for a repeat of the previous line's
    const u = t.users[k];
    if (u !== last) users.add((last = u));
    items.add(t.items[k]);
  }
  return { users: users.size, items: items.size, ratings: t.ratings.length };
}
