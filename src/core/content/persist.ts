/**
 * The content model as bytes, so that a start-up restores it instead of re-vectorising and
 * re-ranking the whole catalogue (about a second on ml-latest-small, all of it main-thread CPU).
 *
 * What is stored is what `ContentModel.build` computed: the TF-IDF rows (CSR), the vocabulary,
 * idf and document frequencies, every movie's top-K neighbour lists, and with stemming the
 * stem → surface-word labels. What is not stored is what the caller still has: the movies (text
 * fields, titles) and the options. Instead the snapshot carries a fingerprint of both, and is
 * refused when restored against other movies or other options.
 *
 * Layout (byte order of the machine that wrote it, which is checked; every section starts at an
 * 8-byte aligned offset):
 *
 *   0   8 bytes  magic "MQCONTNT"
 *   8   u32      format version (CONTENT_FORMAT_VERSION)
 *   12  u32      byte-order mark 0x01020304
 *   16  u32      total length in bytes
 *   20  u32      zero
 *   24  32 bytes SHA-256 of bytes [56, end): fingerprint and payload
 *   56  32 bytes fingerprint: SHA-256 of the options and of every movie's id and text fields
 *   88  u32 × 8  counts: rows, terms, nnz, k, list entries, vocabulary bytes, surface bytes,
 *                surface entries
 *   120 sections: matrix indptr (i32), indices (i32), data (f64), idf (f64), df (i32), list
 *                indptr (i32), items (i32), scores (f64), vocabulary (UTF-8, terms separated by
 *                NUL), surface (UTF-8, stem NUL word NUL ...)
 *
 * Decoding checks, in this order, length, magic, version, byte order, checksum, fingerprint and
 * then the structure (pointers ascending, indices in range), and copies every section into a
 * fresh typed array. Any failure throws ContentSnapshotError before anything is returned, so a
 * model is never half-loaded.
 */
import { createHash } from 'node:crypto';
import type { NeighbourLists } from './similarity.ts';
import type { SparseRows } from './sparse.ts';
import { ContentError, type ContentField, type ContentMovie } from './text.ts';
import type { CanonicalVectorizerOptions } from './vectorizer.ts';

/**
 * Bump when the layout changes OR when `ContentModel.build` would compute something different
 * from the same movies and options (tokenizer, weighting, tie-breaking): old snapshots are then
 * refused as another version and rebuilt.
 */
export const CONTENT_FORMAT_VERSION = 1;

const MAGIC = 'MQCONTNT';
const BOM = 0x01020304;
const CHECKSUM_AT = 24;
const FINGERPRINT_AT = 56;
const COUNTS_AT = 88;
const SECTIONS_AT = 120;
const DIGEST = 32;

export type ContentSnapshotProblem = 'corrupt' | 'version' | 'mismatch';

/**
 * A content snapshot that cannot be used: `corrupt` (truncated, damaged, not a snapshot),
 * `version` (written by another format version or on a machine of the other byte order) or
 * `mismatch` (built from other movies or with other options). Rebuilding is always the cure.
 */
export class ContentSnapshotError extends ContentError {
  override name = 'ContentSnapshotError';
  constructor(
    readonly problem: ContentSnapshotProblem,
    message: string,
  ) {
    super(message);
  }
}

/** What `build` computed: everything a restored model needs besides the movies and options. */
export interface ContentParts {
  matrix: SparseRows;
  vocabulary: readonly string[];
  idf: Float64Array;
  df: Int32Array;
  lists: NeighbourLists;
  /** stem → first surface word seen (empty without stemming) */
  surface: ReadonlyMap<string, string>;
}

/** The options that shape what build computes, as data (explainTerms does not: it only trims answers). */
export interface CanonicalContentOptions {
  fields: readonly ContentField[];
  k: number;
  vectorizer: CanonicalVectorizerOptions;
}

/** SHA-256 of the options and of every movie's id and text fields, in catalogue order. */
export function contentFingerprint(movies: readonly ContentMovie[], options: CanonicalContentOptions): Uint8Array {
  const h = createHash('sha256');
  h.update(JSON.stringify(options));
  h.update('\n');
  // every field, used or not: titles also appear in answers ("… has no text features")
  for (const m of movies) {
    h.update(
      JSON.stringify([m.id, m.title ?? null, m.genres ?? null, m.tags ?? null, m.overview ?? null, m.tagline ?? null, m.keywords ?? null]),
    );
    h.update('\n');
  }
  return new Uint8Array(h.digest());
}

const align8 = (n: number): number => (n + 7) & ~7;

export function encodeContent(parts: ContentParts, fingerprint: Uint8Array): Uint8Array {
  const { matrix, lists } = parts;
  for (const t of parts.vocabulary) {
    if (t.includes('\0')) throw new ContentError(`vocabulary term ${JSON.stringify(t)} contains a NUL character and cannot be saved`);
  }
  const enc = new TextEncoder();
  const vocab = enc.encode(parts.vocabulary.join('\0'));
  const surfaceList: string[] = [];
  for (const [stem, word] of parts.surface) {
    if (stem.includes('\0') || word.includes('\0')) throw new ContentError(`stem ${JSON.stringify(stem)} contains a NUL character and cannot be saved`);
    surfaceList.push(stem, word);
  }
  const surface = enc.encode(surfaceList.join('\0'));
  const nnz = matrix.indptr[matrix.nRows];
  const nList = lists.indptr[matrix.nRows];
  const sections: ArrayBufferView[] = [
    matrix.indptr.subarray(0, matrix.nRows + 1),
    matrix.indices.subarray(0, nnz),
    matrix.data.subarray(0, nnz),
    parts.idf,
    parts.df,
    lists.indptr,
    lists.items.subarray(0, nList),
    lists.scores.subarray(0, nList),
    vocab,
    surface,
  ];
  let total = SECTIONS_AT;
  for (const s of sections) total += align8(s.byteLength);
  if (total > 0xffffffff) throw new ContentError(`the content model is too large to save (${total} bytes, at most 4 GiB)`);

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  const native = nativeLittleEndian();
  view.setUint32(8, CONTENT_FORMAT_VERSION, native);
  view.setUint32(12, BOM, native);
  view.setUint32(16, total, native);
  out.set(fingerprint, FINGERPRINT_AT);
  const counts = [matrix.nRows, matrix.nCols, nnz, lists.k, nList, vocab.byteLength, surface.byteLength, parts.surface.size];
  counts.forEach((c, i) => view.setUint32(COUNTS_AT + 4 * i, c, native));
  let at = SECTIONS_AT;
  for (const s of sections) {
    out.set(new Uint8Array(s.buffer, s.byteOffset, s.byteLength), at);
    at += align8(s.byteLength);
  }
  out.set(sha256(out.subarray(FINGERPRINT_AT)), CHECKSUM_AT);
  return out;
}

/**
 * Parts of a snapshot whose fingerprint equals `expected` (that of the movies and options it is
 * restored with); throws ContentSnapshotError otherwise.
 */
export function decodeContent(bytes: Uint8Array, expected: Uint8Array, nMovies: number): ContentParts {
  if (!(bytes instanceof Uint8Array)) throw new ContentSnapshotError('corrupt', 'a content model snapshot must be a Uint8Array');
  if (bytes.byteLength < SECTIONS_AT) {
    throw new ContentSnapshotError('corrupt', `content model snapshot is truncated: ${bytes.byteLength} bytes, the header alone is ${SECTIONS_AT}`);
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC.charCodeAt(i)) throw new ContentSnapshotError('corrupt', `not a content model snapshot (the first bytes are not "${MAGIC}")`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const native = nativeLittleEndian();
  const bom = view.getUint32(12, native);
  if (bom !== BOM) {
    if (bom === 0x04030201) {
      throw new ContentSnapshotError('version', 'content model snapshot was written on a machine of the other byte order; rebuild it here');
    }
    throw new ContentSnapshotError('corrupt', 'content model snapshot is damaged (bad byte-order mark)');
  }
  const version = view.getUint32(8, native);
  if (version !== CONTENT_FORMAT_VERSION) {
    throw new ContentSnapshotError('version', `content model snapshot has format version ${version}; this build reads version ${CONTENT_FORMAT_VERSION}`);
  }
  const total = view.getUint32(16, native);
  if (total !== bytes.byteLength) {
    throw new ContentSnapshotError(
      'corrupt',
      total > bytes.byteLength
        ? `content model snapshot is truncated: ${bytes.byteLength} of ${total} bytes`
        : `content model snapshot has ${bytes.byteLength - total} unexpected trailing bytes`,
    );
  }
  if (!equalBytes(sha256(bytes.subarray(FINGERPRINT_AT)), bytes.subarray(CHECKSUM_AT, CHECKSUM_AT + DIGEST))) {
    throw new ContentSnapshotError('corrupt', 'content model snapshot is damaged (checksum mismatch)');
  }
  if (!equalBytes(bytes.subarray(FINGERPRINT_AT, FINGERPRINT_AT + DIGEST), expected)) {
    throw new ContentSnapshotError(
      'mismatch',
      'content model snapshot was built from other movies or with other options than the ones it is restored with',
    );
  }

  const [nRows, nCols, nnz, k, nList, vocabBytes, surfaceBytes, nSurface] = Array.from({ length: 8 }, (_, i) =>
    view.getUint32(COUNTS_AT + 4 * i, native),
  );
  if (nRows !== nMovies) {
    throw new ContentSnapshotError('mismatch', `content model snapshot has ${nRows} movies, the catalogue ${nMovies}`);
  }
  let at = SECTIONS_AT;
  const take = (byteLength: number): Uint8Array => {
    if (at + byteLength > bytes.byteLength) {
      throw new ContentSnapshotError('corrupt', `content model snapshot is inconsistent: a section ends past the last byte (${at + byteLength} > ${bytes.byteLength})`);
    }
    const slice = bytes.subarray(at, at + byteLength);
    at += align8(byteLength);
    return slice;
  };
  // copies, so the arrays are aligned whatever the blob's offset and do not pin the blob's buffer
  const i32 = (n: number): Int32Array => {
    const src = take(4 * n); // bounds first: a damaged count must not allocate gigabytes
    const a = new Int32Array(n);
    new Uint8Array(a.buffer).set(src);
    return a;
  };
  const f64 = (n: number): Float64Array => {
    const src = take(8 * n);
    const a = new Float64Array(n);
    new Uint8Array(a.buffer).set(src);
    return a;
  };
  const indptr = i32(nRows + 1);
  const indices = i32(nnz);
  const data = f64(nnz);
  const idf = f64(nCols);
  const df = i32(nCols);
  const listPtr = i32(nRows + 1);
  const items = i32(nList);
  const scores = f64(nList);
  const vocabRaw = take(vocabBytes);
  const surfaceRaw = take(surfaceBytes);
  if (at !== bytes.byteLength) throw new ContentSnapshotError('corrupt', 'content model snapshot is inconsistent: its sections do not fill it');

  checkPointers('TF-IDF rows', indptr, nnz);
  checkRange('TF-IDF column', indices, nCols);
  checkPointers('neighbour lists', listPtr, nList);
  checkRange('neighbour', items, nRows);
  if (k < 1) throw new ContentSnapshotError('corrupt', `content model snapshot is inconsistent: k = ${k}`);
  for (let r = 0; r < nRows; r++) {
    if (listPtr[r + 1] - listPtr[r] > k) throw new ContentSnapshotError('corrupt', `content model snapshot is inconsistent: movie ${r} has more than k = ${k} neighbours`);
  }

  const dec = new TextDecoder('utf-8', { fatal: true });
  let vocabulary: string[];
  let surfaceList: string[];
  try {
    vocabulary = nCols === 0 ? [] : dec.decode(vocabRaw).split('\0');
    surfaceList = nSurface === 0 ? [] : dec.decode(surfaceRaw).split('\0');
  } catch {
    throw new ContentSnapshotError('corrupt', 'content model snapshot is damaged (its terms are not valid UTF-8)');
  }
  if (vocabulary.length !== nCols) {
    throw new ContentSnapshotError('corrupt', `content model snapshot is inconsistent: ${vocabulary.length} terms for ${nCols} columns`);
  }
  if (surfaceList.length !== 2 * nSurface) {
    throw new ContentSnapshotError('corrupt', `content model snapshot is inconsistent: ${surfaceList.length} surface words for ${nSurface} stems`);
  }
  const surface = new Map<string, string>();
  for (let i = 0; i < surfaceList.length; i += 2) surface.set(surfaceList[i], surfaceList[i + 1]);

  return {
    matrix: { nRows, nCols, indptr, indices, data },
    vocabulary,
    idf,
    df,
    lists: { k, indptr: listPtr, items, scores },
    surface,
  };
}

function checkPointers(what: string, ptr: Int32Array, end: number): void {
  if (ptr[0] !== 0 || ptr[ptr.length - 1] !== end) {
    throw new ContentSnapshotError('corrupt', `content model snapshot is inconsistent: ${what} do not span 0..${end}`);
  }
  for (let i = 1; i < ptr.length; i++) {
    if (ptr[i] < ptr[i - 1]) throw new ContentSnapshotError('corrupt', `content model snapshot is inconsistent: ${what} pointers go backwards at ${i}`);
  }
}

function checkRange(what: string, xs: Int32Array, n: number): void {
  for (let i = 0; i < xs.length; i++) {
    if (xs[i] < 0 || xs[i] >= n) throw new ContentSnapshotError('corrupt', `content model snapshot is inconsistent: ${what} ${xs[i]} outside 0..${n - 1}`);
  }
}

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(bytes).digest());
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function nativeLittleEndian(): boolean {
  return new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
}
