/**
 * Content-based recommendations: the public entry point.
 *
 * ```ts
 * const model = ContentModel.build(movies);              // ContentMovie[]: id, title, genres, tags, ...
 * model.because('1', 10);                                // movies like Toy Story, each with the shared terms
 * model.profileRecommend([{ movieId: '1', rating: 5 }], 10, { scale: [0.5, 5] });
 * model.explain('1', '3114');                            // what Toy Story and Toy Story 2 share
 * ```
 *
 * Ids are the dataset's raw movie ids (strings). Each movie becomes a document of the chosen
 * fields (see text.ts), vectorised with scikit-learn's TF-IDF defaults of the Kaggle tutorial
 * (vectorizer.ts); every movie keeps its K most similar movies (cosine), computed once at build.
 * Answers that cannot be given (unknown movie, a movie without any text, a member whose ratings
 * say nothing) come back as `{ ok: false, code, reason }` with a sentence for the member, never
 * as an empty or random list.
 *
 * Building costs about a second on ml-latest-small, so a built model can be saved and restored:
 * `model.toBytes()` and `ContentModel.fromBytes(bytes, movies, opts)` (see persist.ts), which
 * gives the very same answers and refuses a snapshot of other movies or other options.
 */
import PorterStemmer from 'natural/lib/natural/stemmers/porter_stemmer.js';
import { ALL_FIELDS, ContentError, GENRE_PREFIX, checkFields, genreToken, movieSegments } from './text.ts';
import type { ContentField, ContentMovie } from './text.ts';
import { TfidfModel, canonicalVectorizerOptions, fitTfidf, makeAnalyzer, type VectorizerOptions } from './vectorizer.ts';
import { contentFingerprint, decodeContent, encodeContent, type CanonicalContentOptions } from './persist.ts';
import { SimilarityIndex, TopK, type NeighbourLists } from './similarity.ts';
import { TermLabeler, preferPhrases, profileColumns, sharedColumns, type SharedTerm } from './explain.ts';
import { buildTaste, type RatedMovie, type TasteProfile } from './profile.ts';
import { rowDot, rowNnz, type SparseRows } from './sparse.ts';

export type { ContentMovie, ContentField } from './text.ts';
export type { SharedTerm } from './explain.ts';
export type { RatedMovie } from './profile.ts';
export { CONTENT_FORMAT_VERSION, ContentSnapshotError, type ContentSnapshotProblem } from './persist.ts';

export interface ContentModelOptions {
  /** fields that make a movie's document (default: all of title, genres, tags, overview, tagline, keywords) */
  fields?: readonly ContentField[];
  /**
   * TF-IDF options (default: scikit-learn's TfidfVectorizer(ngram_range=(1, 2), stop_words='english')).
   * With `stem: true` genre tokens are kept whole.
   */
  vectorizer?: VectorizerOptions;
  /** neighbours kept per movie (default 50) */
  k?: number;
  /** shared terms attached to each result (default 3) */
  explainTerms?: number;
}

export interface ContentHit {
  id: string;
  /** cosine similarity to the movie (because) or to the member's taste profile (profileRecommend) */
  score: number;
  /** the `rankBy` value when results were re-ranked by it (e.g. the weighted rating) */
  rankScore?: number;
  /** the shared terms that contribute most to the score */
  terms: SharedTerm[];
  /** profileRecommend: the liked movie this one most resembles */
  becauseOf?: string;
}

export type ContentFailure = 'unknown-movie' | 'no-features' | 'no-profile' | 'no-match';

export type ContentResult =
  | { ok: true; items: ContentHit[] }
  | { ok: false; code: ContentFailure; reason: string; items: ContentHit[] };

export interface BecauseOptions {
  /**
   * Keep only these movies, e.g. those that qualify for the popularity chart (the tutorial's
   * "improved recommender"). A set of raw ids or a predicate.
   */
  onlyQualifying?: ReadonlySet<string> | ((id: string) => boolean);
  /**
   * Re-rank the kept movies by this score, highest first (e.g. their weighted rating), similarity
   * breaking ties. Applies to the `pool` most similar movies.
   */
  rankBy?: (id: string) => number;
  /**
   * How many of the most similar movies to consider before filtering and ranking. Default: the
   * whole catalogue, or 25 (the tutorial's choice) when `rankBy` is given.
   */
  pool?: number;
  /** raw ids never to return (e.g. movies the member has rated) */
  exclude?: ReadonlySet<string>;
}

export interface ProfileOptions {
  /** raw ids never to return besides the rated ones */
  exclude?: ReadonlySet<string>;
  /** the rating scale, e.g. [0.5, 5] for MovieLens, [1, 5] for ml-100k */
  scale: readonly [number, number];
}

export class ContentModel {
  private readonly idIndex: ReadonlyMap<string, number>;
  private readonly fields: readonly ContentField[];
  private readonly labeler: TermLabeler;
  private readonly explainTerms: number;
  /** stem → surface word, shared with the labeler (kept to be saved) */
  private readonly surface: ReadonlyMap<string, string>;
  /** the vectorizer options as given (a custom stem function makes the model unsavable) */
  private readonly vectorizerOptions: VectorizerOptions | undefined;

  private constructor(
    private readonly movies: readonly ContentMovie[],
    prepared: Prepared,
    readonly tfidf: TfidfModel,
    private readonly sim: SimilarityIndex,
    private readonly lists: NeighbourLists,
  ) {
    this.idIndex = prepared.idIndex;
    this.fields = prepared.fields;
    this.explainTerms = prepared.explainTerms;
    this.surface = prepared.surface;
    this.vectorizerOptions = prepared.vectorizerOptions;
    this.labeler = new TermLabeler(prepared.genreNames, prepared.surface);
  }

  /** Vectorises every movie and precomputes its K nearest neighbours. Ids must be unique. */
  static build(movies: readonly ContentMovie[], opts: ContentModelOptions = {}): ContentModel {
    const p = prepare(movies, opts);
    const tfidf = vectorize(movies, p);
    const sim = new SimilarityIndex(tfidf.matrix);
    const lists = sim.neighbours(p.k);
    return new ContentModel(movies, p, tfidf, sim, lists);
  }

  /**
   * The TF-IDF rows alone, the very matrix `build` computes from the same movies and options, and
   * each movie's row by id: what cEASE fits with (algorithms/ease-side.ts). Without the neighbour
   * lists, the bulk of `build`'s cost (Σ over terms of df²/2 multiply-adds: minutes of CPU at
   * 87,585 movies with 2 M tags, against the vectorising alone here).
   */
  static featureRows(movies: readonly ContentMovie[], opts: ContentModelOptions = {}): { rows: SparseRows; rowOf(id: string): number | undefined } {
    const p = prepare(movies, opts);
    const rows = vectorize(movies, p).matrix;
    return { rows, rowOf: (id) => p.idIndex.get(id) };
  }

  /**
   * The model as bytes (see persist.ts): the TF-IDF rows, vocabulary, idf and neighbour lists,
   * with a fingerprint of the movies and options it was built from. Throws ContentError for a
   * model built with a custom stem function (code cannot be saved).
   */
  toBytes(): Uint8Array {
    const fingerprint = contentFingerprint(this.movies, canonicalOptions(this.fields, this.lists.k, this.vectorizerOptions));
    return encodeContent(
      {
        matrix: this.tfidf.matrix,
        vocabulary: this.tfidf.vocabulary,
        idf: this.tfidf.idf,
        df: this.tfidf.df,
        lists: this.lists,
        surface: this.surface,
      },
      fingerprint,
    );
  }

  /**
   * Restores a model saved by `toBytes`, given the same movies (same order, same text) and the
   * same options it was built with; answers are identical to the built model's. `explainTerms`
   * only trims answers, so it may differ. Throws ContentSnapshotError (a ContentError) when the
   * bytes are damaged, truncated, of another format version, or from other movies or options.
   */
  static fromBytes(bytes: Uint8Array, movies: readonly ContentMovie[], opts: ContentModelOptions = {}): ContentModel {
    const p = prepare(movies, opts);
    const fingerprint = contentFingerprint(movies, canonicalOptions(p.fields, p.k, opts.vectorizer));
    const parts = decodeContent(bytes, fingerprint, movies.length);
    for (const [stem, word] of parts.surface) p.surface.set(stem, word);
    const tfidf = new TfidfModel({
      vocabulary: parts.vocabulary,
      idf: parts.idf,
      df: parts.df,
      matrix: parts.matrix,
      analyze: makeAnalyzer(p.vopts),
      sublinearTf: p.vopts.sublinearTf ?? false,
    });
    return new ContentModel(movies, p, tfidf, new SimilarityIndex(parts.matrix), parts.lists);
  }

  /** Number of movies in the model. */
  get size(): number {
    return this.movies.length;
  }

  /** Neighbours kept per movie. */
  get k(): number {
    return this.lists.k;
  }

  /** Raw ids in model order. */
  ids(): string[] {
    return this.movies.map((m) => m.id);
  }

  has(id: string): boolean {
    return this.idIndex.has(id);
  }

  /** True when the movie has at least one term in the vocabulary. */
  hasFeatures(id: string): boolean {
    const a = this.idIndex.get(id);
    return a !== undefined && rowNnz(this.tfidf.matrix, a) > 0;
  }

  /** Same as `because`. */
  similar(id: string, n: number, opts: BecauseOptions = {}): ContentResult {
    return this.because(id, n, opts);
  }

  /** The n movies most similar to `id` (never itself), best first, with the terms they share. */
  because(id: string, n: number, opts: BecauseOptions = {}): ContentResult {
    checkCount('n', n);
    const a = this.idIndex.get(id);
    if (a === undefined) return fail('unknown-movie', `movie ${id} is not in the content model`);
    const title = this.movies[a].title || `movie ${id}`;
    if (rowNnz(this.tfidf.matrix, a) === 0) {
      return fail('no-features', `"${title}" has no text features (no usable title words, genres, tags or description), so nothing can be said to be like it`);
    }
    const exclude = opts.exclude;
    const q = opts.onlyQualifying;
    const qualifies: ((b: number) => boolean) | undefined =
      q === undefined ? undefined : typeof q === 'function' ? (b) => q(this.movies[b].id) : (b) => q.has(this.movies[b].id);
    const accept =
      exclude === undefined && qualifies === undefined
        ? undefined
        : (b: number): boolean => !(exclude?.has(this.movies[b].id) ?? false) && (qualifies === undefined || qualifies(b));
    const pool = opts.pool ?? (opts.rankBy ? 25 : undefined);
    if (pool !== undefined) checkCount('pool', pool);

    let picked: Array<{ index: number; score: number }>;
    if (pool !== undefined) {
      const candidates = this.nearest(a, pool, undefined);
      picked = accept ? candidates.filter((c) => accept(c.index)) : candidates;
    } else {
      picked = this.nearest(a, n, accept);
    }
    let hits: ContentHit[];
    if (opts.rankBy) {
      const rankBy = opts.rankBy;
      const ranked = picked.map((c) => ({ ...c, rank: rankBy(this.movies[c.index].id) }));
      ranked.sort((x, y) => sortDesc(x.rank, y.rank) || y.score - x.score || x.index - y.index);
      hits = ranked.slice(0, n).map((c) => ({ ...this.pairHit(a, c.index, c.score), rankScore: c.rank }));
    } else {
      hits = picked.slice(0, n).map((c) => this.pairHit(a, c.index, c.score));
    }
    if (hits.length === 0 && n > 0) {
      return fail(
        'no-match',
        accept
          ? `no movie that passes the filter shares any term with "${title}"`
          : `no other movie shares any term with "${title}"`,
      );
    }
    return { ok: true, items: hits };
  }

  /**
   * The first `n` of `id`'s precomputed top-K neighbours that pass `accept`, best first, without
   * the shared terms `because` labels each with: the same movies and cosines as
   * `because(id, n, { pool: k, onlyQualifying: accept })`. The hybrid maps every rarely rated
   * movie to its lenders this way; labelling terms nobody reads was 500 of its 750 ms per
   * generation at ml-latest-small (bench/recommend-algos.ts with MARQUEE_BENCH_PROFILE).
   * Empty for an unknown movie or one without features.
   */
  listedNeighbours(id: string, n: number, accept: (id: string) => boolean): Array<{ id: string; score: number }> {
    const a = this.idIndex.get(id);
    if (a === undefined || rowNnz(this.tfidf.matrix, a) === 0) return [];
    const out: Array<{ id: string; score: number }> = [];
    for (const c of this.nearest(a, this.k, undefined)) {
      if (out.length >= n) break;
      const other = this.movies[c.index].id;
      if (accept(other)) out.push({ id: other, score: c.score });
    }
    return out;
  }

  /** The n nearest documents to a that pass accept: from the top-K list when it suffices. */
  private nearest(a: number, n: number, accept: ((b: number) => boolean) | undefined): Array<{ index: number; score: number }> {
    const { indptr, items, scores, k } = this.lists;
    const out: Array<{ index: number; score: number }> = [];
    for (let p = indptr[a]; p < indptr[a + 1] && out.length < n; p++) {
      if (accept === undefined || accept(items[p])) out.push({ index: items[p], score: scores[p] });
    }
    const listFull = indptr[a + 1] - indptr[a] === k;
    if (out.length < n && listFull) return this.sim.mostSimilar(a, n, accept);
    return out;
  }

  /**
   * The shared terms that make `aId` and `bId` similar, largest contribution first: the raw
   * contributions (they add up to the cosine). The short lists shown with results prefer two-word
   * phrases over their words (preferPhrases).
   */
  explain(aId: string, bId: string, max = 5): SharedTerm[] {
    const a = this.indexOrThrow(aId);
    const b = this.indexOrThrow(bId);
    return this.termsOf(sharedColumns(this.tfidf.matrix, a, b, max), [a, b]);
  }

  /** Cosine similarity of two movies (0 when they share nothing or one has no features). */
  similarity(aId: string, bId: string): number {
    return rowDot(this.tfidf.matrix, this.indexOrThrow(aId), this.indexOrThrow(bId));
  }

  /**
   * The member's taste profile (see profile.ts), or why there is none. Exposed for the hybrid
   * recommender; `profileRecommend` is the usual entry.
   */
  taste(ratings: readonly RatedMovie[], scale: readonly [number, number]):
    | { ok: true; profile: TasteProfile }
    | { ok: false; code: 'no-profile'; reason: string } {
    return buildTaste(this.tfidf.matrix, (id) => this.idIndex.get(id), ratings, scale);
  }

  /** Unrated movies ranked by cosine to the member's taste profile, with the terms behind each. */
  profileRecommend(ratings: readonly RatedMovie[], n: number, opts: ProfileOptions): ContentResult {
    checkCount('n', n);
    if (!opts || !opts.scale) throw new ContentError('profileRecommend needs opts.scale, the rating scale [lo, hi]');
    const t = this.taste(ratings, opts.scale);
    if (!t.ok) return fail(t.code, t.reason);
    const profile = t.profile;
    const x = this.tfidf.matrix;
    const heap = new TopK(n);
    for (let b = 0; b < x.nRows; b++) {
      if (profile.isRated(b) || rowNnz(x, b) === 0) continue;
      if (opts.exclude?.has(this.movies[b].id)) continue;
      heap.offer(b, profile.score(b));
    }
    const idx = new Int32Array(heap.size);
    const sc = new Float64Array(heap.size);
    const m = heap.drainSorted(idx, sc, 0);
    if (m === 0 && n > 0) {
      return fail('no-match', 'nothing unrated resembles the movies you liked (or everything resembles the ones you disliked)');
    }
    const items: ContentHit[] = [];
    for (let r = 0; r < m; r++) items.push(this.profileHit(profile, idx[r], sc[r]));
    return { ok: true, items };
  }

  /** A hit for movie b scored against a taste profile (used by the hybrid too). */
  profileHit(profile: TasteProfile, b: number, score: number): ContentHit {
    const near = profile.nearestLiked(b);
    const hit: ContentHit = {
      id: this.movies[b].id,
      score,
      terms: this.termsOf(
        preferPhrases(profileColumns(this.tfidf.matrix, profile.vector, b, 4 * this.explainTerms), this.tfidf.vocabulary, this.explainTerms),
        [b, ...(near ? [near.index] : [])],
      ),
    };
    if (near) hit.becauseOf = this.movies[near.index].id;
    return hit;
  }

  /** Model index of a raw id (undefined when unknown). */
  indexOf(id: string): number | undefined {
    return this.idIndex.get(id);
  }

  /** Raw id of a model index. */
  idAt(index: number): string {
    const m = this.movies[index];
    if (!m) throw new ContentError(`movie index ${index} is out of range 0..${this.movies.length - 1}`);
    return m.id;
  }

  private pairHit(a: number, b: number, score: number): ContentHit {
    return { id: this.movies[b].id, score, terms: this.termsOf(preferPhrases(sharedColumns(this.tfidf.matrix, a, b, 4 * this.explainTerms), this.tfidf.vocabulary, this.explainTerms), [a, b]) };
  }

  private indexOrThrow(id: string): number {
    const i = this.idIndex.get(id);
    if (i === undefined) throw new ContentError(`movie ${id} is not in the content model`);
    return i;
  }

  /** Labels the columns and finds in which fields of the given movies each term occurs. */
  private termsOf(cols: Array<{ col: number; weight: number }>, docs: number[]): SharedTerm[] {
    if (cols.length === 0) return [];
    const wanted = new Map<string, Set<ContentField>>();
    for (const c of cols) wanted.set(this.tfidf.vocabulary[c.col], new Set());
    for (const d of docs) {
      for (const seg of movieSegments(this.movies[d], this.fields)) {
        for (const term of this.tfidf.analyze(seg.text)) wanted.get(term)?.add(seg.field);
      }
    }
    return cols.map((c) => {
      const term = this.tfidf.vocabulary[c.col];
      const { label, kind } = this.labeler.describe(term);
      const fields = ALL_FIELDS.filter((f) => wanted.get(term)?.has(f));
      return { term, label, kind, weight: c.weight, fields };
    });
  }
}

/** What build and fromBytes both derive from the movies and options, validated. */
interface Prepared {
  fields: readonly ContentField[];
  k: number;
  explainTerms: number;
  idIndex: Map<string, number>;
  /** genre token → genre as written in the data */
  genreNames: Map<string, string>;
  /** stem → first surface word seen; filled while vectorising (build) or from the snapshot */
  surface: Map<string, string>;
  /** the options as given */
  vectorizerOptions: VectorizerOptions | undefined;
  /** the options fitTfidf and the analyzer use (stemming wrapped to keep genre tokens whole) */
  vopts: VectorizerOptions;
}

/** Every movie's document of the chosen fields, vectorised (TF-IDF). */
function vectorize(movies: readonly ContentMovie[], p: Prepared): TfidfModel {
  const docs = movies.map((m) => movieSegments(m, p.fields).map((s) => s.text));
  return fitTfidf(docs, p.vopts);
}

function prepare(movies: readonly ContentMovie[], opts: ContentModelOptions): Prepared {
  if (!Array.isArray(movies)) throw new ContentError('ContentModel needs an array of movies');
  const fields = checkFields(opts.fields ?? ALL_FIELDS);
  const k = opts.k ?? 50;
  if (!Number.isInteger(k) || k < 1) throw new ContentError(`k (neighbours per movie) must be a whole number >= 1, got ${String(k)}`);
  const explainTerms = opts.explainTerms ?? 3;
  if (!Number.isInteger(explainTerms) || explainTerms < 0) {
    throw new ContentError(`explainTerms must be a whole number >= 0, got ${String(explainTerms)}`);
  }
  const idIndex = new Map<string, number>();
  const genreNames = new Map<string, string>();
  movies.forEach((m, idx) => {
    if (!m || typeof m.id !== 'string' || m.id === '') {
      throw new ContentError(`movie at position ${idx} has no id (a non-empty string is required)`);
    }
    const prev = idIndex.get(m.id);
    if (prev !== undefined) {
      throw new ContentError(`movie id "${m.id}" appears twice (positions ${prev} and ${idx}); ids must be unique`);
    }
    idIndex.set(m.id, idx);
    for (const g of m.genres ?? []) {
      const t = genreToken(String(g));
      if (t !== undefined && !genreNames.has(t)) genreNames.set(t, String(g).trim());
    }
  });

  // Stemming: keep genre tokens whole, and remember a surface word per stem for labels.
  const surface = new Map<string, string>();
  const vopts: VectorizerOptions = { ...(opts.vectorizer ?? {}) };
  const stem = vopts.stem;
  if (stem === true || typeof stem === 'function') {
    const base = stem === true ? (t: string) => PorterStemmer.stem(t) : stem;
    vopts.stem = (t: string) => {
      if (t.startsWith(GENRE_PREFIX)) return t;
      const s = base(t);
      if (!surface.has(s)) surface.set(s, t);
      return s;
    };
  }
  return { fields, k, explainTerms, idIndex, genreNames, surface, vectorizerOptions: opts.vectorizer, vopts };
}

/** The options that shape what build computes, as data for the snapshot's fingerprint. */
function canonicalOptions(fields: readonly ContentField[], k: number, vectorizer: VectorizerOptions | undefined): CanonicalContentOptions {
  return { fields: [...fields], k, vectorizer: canonicalVectorizerOptions(vectorizer ?? {}) };
}

function fail(code: ContentFailure, reason: string): ContentResult {
  return { ok: false, code, reason, items: [] };
}

function checkCount(name: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new ContentError(`${name} must be a whole number >= 0, got ${String(n)}`);
}

/** Descending order that puts NaN last. */
function sortDesc(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  return b - a;
}
