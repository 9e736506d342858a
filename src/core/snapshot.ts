/**
 * Model snapshots: any trained Algorithm to bytes and back, generic over `state()`/`restore()`.
 *
 * Layout (little-endian):
 *   0   8 bytes  magic "MRQMODEL"
 *   8   u32      format version (1)
 *   12  u32      header length H in bytes
 *   16  H bytes  header, UTF-8 JSON: algorithm name, params, trainset fingerprint
 *                (nUsers, nItems, nRatings, globalMean), the state's scalars, and for every typed
 *                array its key, element type, length and byte offset
 *   ... zero padding, then each typed array at an 8-byte aligned offset
 *   last 32 bytes: SHA-256 of everything before them
 *
 * Decoding checks length, magic, version, checksum, header, fingerprint and then restores into a
 * freshly created algorithm; any failure throws SnapshotError and no model is returned, so a
 * model is never half-loaded.
 */
import { createHash } from 'node:crypto';
import type { Algorithm, ModelState, Params } from './algorithm.ts';
import type { Trainset } from './trainset.ts';

export const SNAPSHOT_MAGIC = 'MRQMODEL';
export const SNAPSHOT_VERSION = 2;
const PREFIX = 16;
const CHECKSUM = 32;

export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

/** A state array or scalar that does not fit the model being restored. */
export class ModelStateError extends Error {
  override name = 'ModelStateError';
}

export interface TrainsetFingerprint {
  nUsers: number;
  nItems: number;
  nRatings: number;
  globalMean: number;
  /**
   * sha256 of the raw ids in inner order and the ratings by user: the same counts and mean from
   * other ratings, or the same ratings in another order (other inner ids), must not pass
   */
  digest: string;
}

type ArrayType = 'f64' | 'f32' | 'i32' | 'u8';
type StateArray = Float64Array | Float32Array | Int32Array | Uint8Array;

interface ArrayEntry {
  key: string;
  type: ArrayType;
  length: number;
  offset: number;
}

/** A scalar as JSON; non-finite numbers and -0 are spelled out so they survive. */
type Scalar = string | boolean | null | number | { num: 'NaN' | 'Infinity' | '-Infinity' | '-0' };

interface Header {
  algorithm: string;
  params: Params;
  trainset: TrainsetFingerprint;
  scalars: Record<string, Scalar>;
  arrays: ArrayEntry[];
}

/** What a snapshot holds, read without a trainset (for listings and checks). */
export interface SnapshotInfo {
  version: number;
  algorithm: string;
  params: Params;
  trainset: TrainsetFingerprint;
  bytes: number;
}

export function fingerprintOf(ts: Trainset): TrainsetFingerprint {
  return { nUsers: ts.nUsers, nItems: ts.nItems, nRatings: ts.nRatings, globalMean: ts.globalMean, digest: digestOf(ts) };
}

// a trainset is immutable, and a service decodes several models onto the same one
const digests = new WeakMap<Trainset, string>();

function digestOf(ts: Trainset): string {
  let d = digests.get(ts);
  if (d === undefined) {
    const h = createHash('sha256');
    h.update(JSON.stringify(ts.rawUserIds()));
    h.update(JSON.stringify(ts.rawItemIds()));
    const { indptr, indices, values } = ts.byUser;
    for (const a of [indptr, indices, values]) h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    d = h.digest('hex');
    digests.set(ts, d);
  }
  return d;
}

const ELEMENT: Record<ArrayType, { size: number; make: (n: number) => StateArray }> = {
  f64: { size: 8, make: (n) => new Float64Array(n) },
  f32: { size: 4, make: (n) => new Float32Array(n) },
  i32: { size: 4, make: (n) => new Int32Array(n) },
  u8: { size: 1, make: (n) => new Uint8Array(n) },
};

function typeOf(a: StateArray): ArrayType {
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Int32Array) return 'i32';
  return 'u8';
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function requireLittleEndian(): void {
  if (!littleEndian) throw new SnapshotError('model snapshots need a little-endian machine');
}

function encodeScalar(v: number | string | boolean | null): Scalar {
  if (typeof v !== 'number') return v;
  if (Number.isNaN(v)) return { num: 'NaN' };
  if (v === Infinity) return { num: 'Infinity' };
  if (v === -Infinity) return { num: '-Infinity' };
  if (Object.is(v, -0)) return { num: '-0' };
  return v;
}

function decodeScalar(v: Scalar): number | string | boolean | null {
  if (v === null || typeof v !== 'object') return v;
  switch (v.num) {
    case 'NaN':
      return NaN;
    case 'Infinity':
      return Infinity;
    case '-Infinity':
      return -Infinity;
    case '-0':
      return -0;
  }
  throw new SnapshotError(`snapshot header holds an unreadable scalar ${JSON.stringify(v)}`);
}

const align8 = (n: number): number => (n + 7) & ~7;

/** Serialises a fitted model. Throws SnapshotError for an unfitted one. */
export function encodeModel(algo: Algorithm): Uint8Array {
  requireLittleEndian();
  if (!algo.fitted) throw new SnapshotError(`cannot snapshot ${algo.name}: it is not fitted`);
  const state = algo.state();
  const scalars: Record<string, Scalar> = {};
  const arrays: Array<{ entry: ArrayEntry; data: StateArray }> = [];
  for (const [key, v] of Object.entries(state)) {
    if (ArrayBuffer.isView(v)) arrays.push({ entry: { key, type: typeOf(v), length: v.length, offset: 0 }, data: v });
    else scalars[key] = encodeScalar(v);
  }
  // The offsets live in the header, whose length depends on them: lay out with a generous
  // placeholder width first, then fix the header at that width with padding.
  const layout = (headerLen: number): number => {
    let at = align8(PREFIX + headerLen);
    for (const a of arrays) {
      a.entry.offset = at;
      at = align8(at + a.data.byteLength);
    }
    return at;
  };
  const headerOf = (): Header => ({
    algorithm: algo.name,
    params: { ...algo.params },
    trainset: fingerprintOf(algo.trainset),
    scalars,
    arrays: arrays.map((a) => a.entry),
  });
  let headerLen = Buffer.byteLength(JSON.stringify(headerOf()));
  let json: Buffer;
  for (;;) {
    layout(headerLen);
    json = Buffer.from(JSON.stringify(headerOf()));
    if (json.length <= headerLen) break;
    headerLen = json.length + 64;
  }
  // pad the JSON with spaces to the reserved length (JSON allows trailing whitespace)
  const header = Buffer.alloc(headerLen, 0x20);
  json.copy(header);
  const end = layout(headerLen);
  const out = new Uint8Array(end + CHECKSUM);
  out.set(Buffer.from(SNAPSHOT_MAGIC, 'latin1'), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, SNAPSHOT_VERSION, true);
  view.setUint32(12, headerLen, true);
  out.set(header, PREFIX);
  for (const a of arrays) out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), a.entry.offset);
  out.set(createHash('sha256').update(out.subarray(0, end)).digest(), end);
  return out;
}

/** Checks the envelope (length, magic, version, checksum) and parses the header. */
/** How far decodeModel checks, and whether it may keep the bytes. */
export interface DecodeOptions {
  /**
   * The bytes were encoded moments ago in this process (the training worker) from a trainset
   * built from exactly the same columns as `ts`, and the caller hands them over: the checksum and
   * the trainset digest are skipped (both hash everything: 0.5–1 s per 450 MB EASE matrix and
   * per 10 M ratings on the main thread, which a generation swap must not stall for), only the
   * counts are compared, and the state arrays are views into `bytes` instead of copies. Never
   * for bytes read back from disk.
   */
  ownFreshSnapshot?: boolean;
}

function viewOf(type: ArrayType, buffer: ArrayBuffer, at: number, length: number): StateArray {
  switch (type) {
    case 'f64':
      return new Float64Array(buffer, at, length);
    case 'f32':
      return new Float32Array(buffer, at, length);
    case 'i32':
      return new Int32Array(buffer, at, length);
    case 'u8':
      return new Uint8Array(buffer, at, length);
  }
}

function openSnapshot(bytes: Uint8Array, verify = true): { header: Header; body: Uint8Array } {
  requireLittleEndian();
  if (!(bytes instanceof Uint8Array)) throw new SnapshotError('a model snapshot must be a Uint8Array');
  if (bytes.length < PREFIX + CHECKSUM) {
    throw new SnapshotError(
      `model snapshot is truncated: ${bytes.length} bytes, a snapshot has at least ${PREFIX + CHECKSUM}`,
    );
  }
  if (Buffer.from(bytes.subarray(0, 8)).toString('latin1') !== SNAPSHOT_MAGIC) {
    throw new SnapshotError('not a Marquee model snapshot (the magic bytes "MRQMODEL" are missing)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== SNAPSHOT_VERSION) {
    throw new SnapshotError(
      `model snapshot has format version ${version}; this build reads version ${SNAPSHOT_VERSION} only (retrain the model)`,
    );
  }
  const end = bytes.length - CHECKSUM;
  const want = verify ? createHash('sha256').update(bytes.subarray(0, end)).digest() : undefined;
  if (want && !want.equals(bytes.subarray(end))) {
    throw new SnapshotError('model snapshot is corrupt or truncated: its SHA-256 checksum does not match');
  }
  const headerLen = view.getUint32(12, true);
  if (PREFIX + headerLen > end) throw new SnapshotError(`model snapshot header length ${headerLen} runs past the end`);
  let header: Header;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(PREFIX, PREFIX + headerLen)).toString('utf8')) as Header;
  } catch (err) {
    throw new SnapshotError(`model snapshot header is not valid JSON: ${(err as Error).message}`);
  }
  checkHeader(header, end);
  return { header, body: bytes };
}

function checkHeader(h: Header, end: number): void {
  const bad = (what: string): never => {
    throw new SnapshotError(`model snapshot header is malformed: ${what}`);
  };
  if (typeof h !== 'object' || h === null) bad('not an object');
  if (typeof h.algorithm !== 'string' || h.algorithm === '') bad('no algorithm name');
  if (typeof h.params !== 'object' || h.params === null) bad('no params');
  const t = h.trainset;
  if (typeof t !== 'object' || t === null) bad('no trainset fingerprint');
  for (const k of ['nUsers', 'nItems', 'nRatings', 'globalMean'] as const) {
    if (typeof t[k] !== 'number') bad(`trainset.${k} is missing`);
  }
  if (typeof t.digest !== 'string') bad('trainset.digest is missing');
  if (typeof h.scalars !== 'object' || h.scalars === null) bad('no scalars');
  if (!Array.isArray(h.arrays)) bad('no array table');
  for (const a of h.arrays) {
    if (typeof a.key !== 'string' || !(a.type in ELEMENT)) bad(`array entry ${JSON.stringify(a)}`);
    if (!Number.isInteger(a.length) || a.length < 0 || !Number.isInteger(a.offset) || a.offset % 8 !== 0) {
      bad(`array ${a.key} has length ${a.length} at offset ${a.offset}`);
    }
    if (a.offset < PREFIX || a.offset + a.length * ELEMENT[a.type].size > end) {
      bad(`array ${a.key} (${a.length} × ${a.type} at ${a.offset}) runs past the end`);
    }
  }
}

/** Reads what a snapshot holds without restoring it. Throws SnapshotError when it is damaged. */
export function inspectSnapshot(bytes: Uint8Array): SnapshotInfo {
  const { header } = openSnapshot(bytes);
  return {
    version: SNAPSHOT_VERSION,
    algorithm: header.algorithm,
    params: header.params,
    trainset: header.trainset,
    bytes: bytes.length,
  };
}

/**
 * Restores a snapshot onto `ts`, which must be the trainset the model was trained on (checked by
 * fingerprint). `create` makes an unfitted algorithm from a name and params (the registry's
 * descriptor). Throws SnapshotError; never returns a partly restored model.
 */
export function decodeModel(
  bytes: Uint8Array,
  ts: Trainset,
  create: (name: string, params: Params) => Algorithm,
  opts: DecodeOptions = {},
): Algorithm {
  const own = opts.ownFreshSnapshot === true;
  const { header, body } = openSnapshot(bytes, !own);
  const here = own ? undefined : fingerprintOf(ts);
  const diffs: string[] = [];
  const counts = { nUsers: ts.nUsers, nItems: ts.nItems, nRatings: ts.nRatings, globalMean: ts.globalMean };
  for (const k of ['nUsers', 'nItems', 'nRatings', 'globalMean'] as const) {
    if (!Object.is(header.trainset[k], counts[k])) diffs.push(`${k} ${header.trainset[k]} in the snapshot, ${counts[k]} here`);
  }
  if (diffs.length === 0 && here && header.trainset.digest !== here.digest) {
    diffs.push('the same counts and mean, but other ratings or another order of users and items');
  }
  if (diffs.length > 0) {
    throw new SnapshotError(`model snapshot of ${header.algorithm} was trained on a different trainset: ${diffs.join('; ')}`);
  }
  const state: ModelState = {};
  for (const [k, v] of Object.entries(header.scalars)) state[k] = decodeScalar(v);
  for (const a of header.arrays) {
    const { size, make } = ELEMENT[a.type];
    const at = body.byteOffset + a.offset;
    if (own && at % size === 0) {
      // a view, not a copy: the caller handed the bytes over (see DecodeOptions)
      state[a.key] = viewOf(a.type, body.buffer as ArrayBuffer, at, a.length);
      continue;
    }
    const arr = make(a.length);
    // copy out: the input may sit at any byte offset and may be reused by the caller
    new Uint8Array(arr.buffer).set(body.subarray(a.offset, a.offset + arr.byteLength));
    state[a.key] = arr;
  }
  let algo: Algorithm;
  try {
    algo = create(header.algorithm, header.params);
  } catch (err) {
    throw new SnapshotError(`model snapshot of ${header.algorithm} cannot be recreated: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (algo.name !== header.algorithm) {
    throw new SnapshotError(`model snapshot is of ${header.algorithm} but create() made ${algo.name}`);
  }
  try {
    algo.restore(ts, state);
  } catch (err) {
    throw new SnapshotError(`model snapshot of ${header.algorithm} does not restore: ${(err as Error).message}`, {
      cause: err,
    });
  }
  return algo;
}

type ArrayCtor<T extends StateArray> = { new (n: number): T; readonly name: string; prototype: T };

/** A typed array from a state, checked for type and length (for `restore`). */
export function stateArray<T extends StateArray>(
  algo: string,
  state: ModelState,
  key: string,
  ctor: ArrayCtor<T>,
  length: number,
): T {
  const v = state[key];
  if (!(v instanceof ctor)) {
    throw new ModelStateError(`${algo}: state "${key}" must be a ${ctor.name}, got ${describe(v)}`);
  }
  if (v.length !== length) {
    throw new ModelStateError(`${algo}: state "${key}" must have ${length} entries for this trainset, got ${v.length}`);
  }
  return v;
}

/** A finite number from a state (for `restore`). */
export function stateNumber(algo: string, state: ModelState, key: string): number {
  const v = state[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ModelStateError(`${algo}: state "${key}" must be a finite number, got ${describe(v)}`);
  }
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (ArrayBuffer.isView(v)) return v.constructor.name;
  return JSON.stringify(v);
}
