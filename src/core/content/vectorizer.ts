/**
 * TF-IDF vectors, by default exactly scikit-learn's
 * `TfidfVectorizer(analyzer='word', ngram_range=(1, 2), stop_words='english')`:
 *
 * - preprocessing: lowercase (no accent stripping);
 * - tokens: `(?u)\b\w\w+\b`, i.e. every maximal run of two or more word characters. Python's
 *   `\w` on str is Unicode-aware: letters (L*), numbers (N*: Nd, Nl, No) and "_". We match the
 *   same set with `[\p{L}\p{N}_]{2,}`. JavaScript's `\b` is ASCII-only even with the `u` flag, so
 *   the pattern is written as runs, which is what `\b\w\w+\b` reduces to. Combining marks (M*)
 *   are NOT word characters in Python (checked: `re.findall(r'\w+', 'हिन्दी')` gives
 *   ['ह', 'न', 'द']), so by default Devanagari or Thai words break at their vowel signs exactly
 *   as they do in scikit-learn; `tokenPattern: 'words-with-marks'` keeps marks inside words for
 *   such scripts, at the cost of departing from scikit-learn;
 * - stop words (the 318 English words) removed BEFORE n-grams, so "toy of story" gives the bigram
 *   "toy story";
 * - counts are raw term frequencies (or 1 + ln tf with `sublinearTf`), idf is smooth:
 *   ln((1 + n) / (1 + df)) + 1, rows are L2-normalised;
 * - the vocabulary is sorted by code point (Python's string order), and min_df / max_df prune it
 *   with scikit-learn's semantics (a count, or a proportion of the documents).
 *
 * A document may also be a list of segments (title, each tag, ...): n-grams are formed inside a
 * segment only, so no bigram straddles two fields. A single string is one segment, as in sklearn.
 *
 * Differences from scikit-learn, on purpose: where sklearn raises "empty vocabulary" (every
 * document empty or only stop words) or "After pruning, no terms remain", we return a matrix with
 * no terms, so a catalogue of featureless movies still builds and each movie reports that it has
 * no features.
 */
import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';
import { ContentError } from './text.ts';
import { ENGLISH_STOP_WORDS } from './stop-words.ts';
import { transpose, type SparseRows } from './sparse.ts';

/** A document frequency limit: a count of documents, or a proportion of them (sklearn's int vs float). */
export type DfLimit = number | { count: number } | { proportion: number };

export interface VectorizerOptions {
  /** lowercase before tokenizing (default true) */
  lowercase?: boolean;
  /** 'english' (default: scikit-learn's list), your own list, or null for none */
  stopWords?: 'english' | readonly string[] | null;
  /** [min n, max n] of word n-grams (default [1, 2]) */
  ngramRange?: readonly [number, number];
  /** 'sklearn' (default) or 'words-with-marks' (combining marks stay inside words) */
  tokenPattern?: 'sklearn' | 'words-with-marks';
  /**
   * Porter stemming (natural's PorterStemmer) when true, or your own stemmer. Applied after stop
   * words are removed (so "was" is removed, not stemmed to "wa"), before n-grams.
   */
  stem?: boolean | ((token: string) => string);
  /** 1 + ln(tf) instead of tf (default false) */
  sublinearTf?: boolean;
  /** smooth idf (default true) */
  smoothIdf?: boolean;
  /**
   * Ignore terms in fewer documents than this (default 1). A whole number is a count; a fraction
   * in (0, 1) is a proportion. Write `{ proportion: 1 }` or `{ count: 1 }` when it matters which.
   */
  minDf?: DfLimit;
  /** Ignore terms in more documents than this (default `{ proportion: 1 }`, i.e. none). */
  maxDf?: DfLimit;
}

export type Document = string | readonly string[];

interface Resolved {
  lowercase: boolean;
  stopWords: ReadonlySet<string> | null;
  minN: number;
  maxN: number;
  pattern: RegExp;
  stem: ((token: string) => string) | null;
  sublinearTf: boolean;
  smoothIdf: boolean;
  minDf: { count: number } | { proportion: number };
  maxDf: { count: number } | { proportion: number };
}

const SKLEARN_PATTERN = /[\p{L}\p{N}_]{2,}/gu;
const MARKS_PATTERN = /[\p{L}\p{N}_][\p{L}\p{M}\p{N}_]+/gu;

function resolveOptions(o: VectorizerOptions): Resolved {
  const known = new Set(['lowercase', 'stopWords', 'ngramRange', 'tokenPattern', 'stem', 'sublinearTf', 'smoothIdf', 'minDf', 'maxDf']);
  for (const k of Object.keys(o)) {
    if (!known.has(k)) throw new ContentError(`vectorizer has no option "${k}"; accepted: ${[...known].join(', ')}`);
  }
  const [minN, maxN] = o.ngramRange ?? [1, 2];
  if (!Number.isInteger(minN) || !Number.isInteger(maxN) || minN < 1 || maxN < minN) {
    throw new ContentError(`ngramRange must be [min, max] whole numbers with 1 <= min <= max, got [${String(minN)}, ${String(maxN)}]`);
  }
  let stopWords: ReadonlySet<string> | null;
  if (o.stopWords === undefined || o.stopWords === 'english') stopWords = ENGLISH_STOP_WORDS;
  else if (o.stopWords === null) stopWords = null;
  else if (Array.isArray(o.stopWords)) stopWords = new Set(o.stopWords);
  else throw new ContentError(`stopWords must be 'english', a list of words or null, got ${JSON.stringify(o.stopWords)}`);
  let pattern: RegExp;
  if (o.tokenPattern === undefined || o.tokenPattern === 'sklearn') pattern = SKLEARN_PATTERN;
  else if (o.tokenPattern === 'words-with-marks') pattern = MARKS_PATTERN;
  else throw new ContentError(`tokenPattern must be 'sklearn' or 'words-with-marks', got ${JSON.stringify(o.tokenPattern)}`);
  let stem: ((t: string) => string) | null = null;
  if (o.stem === true) stem = (t) => PorterStemmer.stem(t);
  else if (typeof o.stem === 'function') stem = o.stem;
  else if (o.stem !== undefined && o.stem !== false) throw new ContentError('stem must be true, false or a function');
  return {
    lowercase: o.lowercase ?? true,
    stopWords,
    minN,
    maxN,
    pattern,
    stem,
    sublinearTf: o.sublinearTf ?? false,
    smoothIdf: o.smoothIdf ?? true,
    minDf: dfLimit('minDf', o.minDf ?? { count: 1 }),
    maxDf: dfLimit('maxDf', o.maxDf ?? { proportion: 1 }),
  };
}

function dfLimit(name: string, v: DfLimit): { count: number } | { proportion: number } {
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0) return { count: v };
    if (v > 0 && v < 1) return { proportion: v };
    throw new ContentError(`${name} must be a whole count >= 0 or a proportion in (0, 1), got ${v}`);
  }
  if (v && typeof v === 'object' && 'count' in v) {
    if (!Number.isInteger(v.count) || v.count < 0) throw new ContentError(`${name}.count must be a whole number >= 0, got ${v.count}`);
    return { count: v.count };
  }
  if (v && typeof v === 'object' && 'proportion' in v) {
    if (!(v.proportion >= 0 && v.proportion <= 1)) throw new ContentError(`${name}.proportion must be in [0, 1], got ${v.proportion}`);
    return { proportion: v.proportion };
  }
  throw new ContentError(`${name} must be a number, { count } or { proportion }, got ${JSON.stringify(v)}`);
}

function limitCount(l: { count: number } | { proportion: number }, nDocs: number): number {
  return 'count' in l ? l.count : l.proportion * nDocs;
}

/** The analyzer: document → its terms (unigrams, then bigrams, ... per segment), with repeats. */
export function makeAnalyzer(opts: VectorizerOptions = {}): (doc: Document) => string[] {
  return analyzerOf(resolveOptions(opts));
}

function analyzerOf(o: Resolved): (doc: Document) => string[] {
  return (doc) => {
    const out: string[] = [];
    const segments = typeof doc === 'string' ? [doc] : doc;
    for (const seg of segments) {
      if (typeof seg !== 'string' || seg === '') continue;
      const text = o.lowercase ? seg.toLowerCase() : seg;
      let tokens: string[] = text.match(o.pattern) ?? [];
      if (o.stopWords) {
        const sw = o.stopWords;
        tokens = tokens.filter((t) => !sw.has(t));
      }
      if (o.stem) tokens = tokens.map(o.stem);
      for (let n = o.minN; n <= Math.min(o.maxN, tokens.length); n++) {
        if (n === 1) {
          for (const t of tokens) out.push(t);
          continue;
        }
        for (let i = 0; i + n <= tokens.length; i++) out.push(tokens.slice(i, i + n).join(' '));
      }
    }
    return out;
  };
}

/**
 * Python's string order (by code point). JavaScript's `<` compares UTF-16 code units, which
 * puts astral characters (surrogates D800–DFFF) before E000–FFFF; shifting both ranges fixes it.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) {
      if (ca >= 0xd800 && cb >= 0xd800) return fixup(ca) - fixup(cb);
      return ca - cb;
    }
  }
  return a.length - b.length;
}

function fixup(c: number): number {
  return c >= 0xe000 ? c - 0x800 : c + 0x2000;
}

/** A fitted TF-IDF model: vocabulary, idf, and the L2-normalised document-term matrix. */
export class TfidfModel {
  /** terms in code-point order; column j of `matrix` is vocabulary[j] */
  readonly vocabulary: readonly string[];
  readonly idf: Float64Array;
  /** documents containing each term */
  readonly df: Int32Array;
  readonly matrix: SparseRows;
  readonly analyze: (doc: Document) => string[];
  private readonly index: ReadonlyMap<string, number>;
  private readonly sublinearTf: boolean;

  constructor(args: {
    vocabulary: readonly string[];
    idf: Float64Array;
    df: Int32Array;
    matrix: SparseRows;
    analyze: (doc: Document) => string[];
    sublinearTf: boolean;
  }) {
    this.vocabulary = args.vocabulary;
    this.idf = args.idf;
    this.df = args.df;
    this.matrix = args.matrix;
    this.analyze = args.analyze;
    this.sublinearTf = args.sublinearTf;
    this.index = new Map(args.vocabulary.map((t, j) => [t, j]));
  }

  get nTerms(): number {
    return this.vocabulary.length;
  }

  termIndex(term: string): number | undefined {
    return this.index.get(term);
  }

  /** A new document as an L2-normalised sparse vector over the fitted vocabulary (unknown terms dropped). */
  transform(doc: Document): { indices: Int32Array; data: Float64Array } {
    const counts = new Map<number, number>();
    for (const g of this.analyze(doc)) {
      const j = this.index.get(g);
      if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + 1);
    }
    const cols = [...counts.keys()].sort((a, b) => a - b);
    const indices = Int32Array.from(cols);
    const data = new Float64Array(cols.length);
    let ss = 0;
    for (let k = 0; k < cols.length; k++) {
      const tf = counts.get(cols[k]) ?? 0;
      const v = (this.sublinearTf ? 1 + Math.log(tf) : tf) * this.idf[cols[k]];
      data[k] = v;
      ss += v * v;
    }
    if (ss > 0) {
      const norm = Math.sqrt(ss);
      for (let k = 0; k < data.length; k++) data[k] /= norm;
    }
    return { indices, data };
  }
}

/** Learns the vocabulary and idf of `docs` and returns their TF-IDF rows (sklearn's fit_transform). */
export function fitTfidf(docs: readonly Document[], opts: VectorizerOptions = {}): TfidfModel {
  const o = resolveOptions(opts);
  const analyze = analyzerOf(o);
  const nDocs = docs.length;

  // Pass 1: term ids in order of first appearance, and (term, count) entries per document.
  const tempIndex = new Map<string, number>();
  const tempTerms: string[] = [];
  const lastDoc: number[] = [];
  const slot: number[] = [];
  const dfTemp: number[] = [];
  const rowPtr = new Int32Array(nDocs + 1);
  const rowTerm: number[] = [];
  const rowCount: number[] = [];
  for (let d = 0; d < nDocs; d++) {
    for (const g of analyze(docs[d])) {
      let id = tempIndex.get(g);
      if (id === undefined) {
        id = tempTerms.length;
        tempIndex.set(g, id);
        tempTerms.push(g);
        lastDoc.push(-1);
        slot.push(0);
        dfTemp.push(0);
      }
      if (lastDoc[id] !== d) {
        lastDoc[id] = d;
        slot[id] = rowTerm.length;
        rowTerm.push(id);
        rowCount.push(1);
        dfTemp[id]++;
      } else {
        rowCount[slot[id]]++;
      }
    }
    rowPtr[d + 1] = rowTerm.length;
  }

  // min_df / max_df, as sklearn's _limit_features: keep minCount <= df <= maxCount.
  const maxCount = limitCount(o.maxDf, nDocs);
  const minCount = limitCount(o.minDf, nDocs);
  if (nDocs > 0 && maxCount < minCount) {
    throw new ContentError(
      `maxDf (${maxCount} documents) is below minDf (${minCount} documents) for ${nDocs} documents: no term can qualify`,
    );
  }
  const kept: number[] = [];
  for (let id = 0; id < tempTerms.length; id++) {
    if (dfTemp[id] >= minCount && dfTemp[id] <= maxCount) kept.push(id);
  }
  kept.sort((a, b) => compareCodePoints(tempTerms[a], tempTerms[b]));
  const newId = new Int32Array(tempTerms.length).fill(-1);
  const vocabulary: string[] = new Array<string>(kept.length);
  const df = new Int32Array(kept.length);
  for (let j = 0; j < kept.length; j++) {
    newId[kept[j]] = j;
    vocabulary[j] = tempTerms[kept[j]];
    df[j] = dfTemp[kept[j]];
  }
  const idf = new Float64Array(kept.length);
  for (let j = 0; j < kept.length; j++) {
    idf[j] = o.smoothIdf ? Math.log((1 + nDocs) / (1 + df[j])) + 1 : Math.log(nDocs / df[j]) + 1;
  }

  // Rows in first-appearance order; two counting-sort transposes leave columns ascending.
  const indptr = new Int32Array(nDocs + 1);
  let nnz = 0;
  for (let d = 0; d < nDocs; d++) {
    for (let k = rowPtr[d]; k < rowPtr[d + 1]; k++) if (newId[rowTerm[k]] >= 0) nnz++;
    indptr[d + 1] = nnz;
  }
  const indices = new Int32Array(nnz);
  const data = new Float64Array(nnz);
  let pos = 0;
  for (let d = 0; d < nDocs; d++) {
    for (let k = rowPtr[d]; k < rowPtr[d + 1]; k++) {
      const j = newId[rowTerm[k]];
      if (j < 0) continue;
      const tf = rowCount[k];
      indices[pos] = j;
      data[pos] = (o.sublinearTf ? 1 + Math.log(tf) : tf) * idf[j];
      pos++;
    }
  }
  const unsorted: SparseRows = { nRows: nDocs, nCols: kept.length, indptr, indices, data };
  const matrix = transpose(transpose(unsorted));
  normalizeRows(matrix);
  return new TfidfModel({ vocabulary, idf, df, matrix, analyze, sublinearTf: o.sublinearTf });
}

/** L2 row normalisation in place (sklearn's normalize(norm='l2'): zero rows stay zero). */
function normalizeRows(x: SparseRows): void {
  for (let r = 0; r < x.nRows; r++) {
    let ss = 0;
    for (let k = x.indptr[r]; k < x.indptr[r + 1]; k++) ss += x.data[k] * x.data[k];
    if (ss === 0) continue;
    const norm = Math.sqrt(ss);
    for (let k = x.indptr[r]; k < x.indptr[r + 1]; k++) x.data[k] /= norm;
  }
}

/** The vectorizer options as plain data; see `canonicalVectorizerOptions`. */
export interface CanonicalVectorizerOptions {
  lowercase: boolean;
  /** null for none; otherwise the words, sorted and without repeats */
  stopWords: string[] | null;
  ngramRange: [number, number];
  tokenPattern: 'sklearn' | 'words-with-marks';
  stem: 'porter' | 'none';
  sublinearTf: boolean;
  smoothIdf: boolean;
  minDf: { count: number } | { proportion: number };
  maxDf: { count: number } | { proportion: number };
}

/**
 * The options as canonical data, so that a saved model can be matched against the options it is
 * restored with: equivalent spellings give equal values (`minDf: 1` and `{ count: 1 }`, omitted
 * and default values), and the stop-word list is spelled out, so a change to the built-in list is
 * a change of options. Validates like `fitTfidf`. A custom stem function is refused: it is code,
 * not data, so two of them cannot be compared.
 */
export function canonicalVectorizerOptions(opts: VectorizerOptions = {}): CanonicalVectorizerOptions {
  if (typeof opts.stem === 'function') {
    throw new ContentError('a custom stem function cannot be saved or compared (it is code, not data); use stem: true (Porter) or no stemming');
  }
  const o = resolveOptions(opts);
  return {
    lowercase: o.lowercase,
    stopWords: o.stopWords === null ? null : [...o.stopWords].sort(compareCodePoints),
    ngramRange: [o.minN, o.maxN],
    tokenPattern: opts.tokenPattern ?? 'sklearn',
    stem: o.stem === null ? 'none' : 'porter',
    sublinearTf: o.sublinearTf,
    smoothIdf: o.smoothIdf,
    minDf: o.minDf,
    maxDf: o.maxDf,
  };
}
