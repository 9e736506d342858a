/**
 * The content recommender on the real files (skipped when ../shared/data is absent):
 *
 * - The Movies Dataset, the Kaggle tutorial's description-based recommender: our default
 *   vectorizer must give scikit-learn's vocabulary and top-10 neighbours. The expected values come
 *   from an independent, deliberately naive implementation of scikit-learn's documented behaviour
 *   written below (per-character tokenizer, Maps and strings, a dense dot product per pair), not
 *   from Python.
 * - ml-latest-small: Toy Story's nearest movies include Toy Story 2.
 */
import { describe, expect, it } from 'vitest';
import { sharedDataset } from '../../helpers/shared-data.ts';
import { ENGLISH_STOP_WORDS } from '../../../src/core/content/stop-words.ts';
import { fitTfidf } from '../../../src/core/content/vectorizer.ts';
import { SimilarityIndex } from '../../../src/core/content/similarity.ts';
import { ContentModel } from '../../../src/core/content/model.ts';
import { FIELD_PRESETS } from '../../../src/core/content/text.ts';
import { movieLensMovies, tutorialMovies } from './real-data.ts';

// ---- the naive reference: TfidfVectorizer(analyzer='word', ngram_range=(1, 2), stop_words='english')

/** Python's `(?u)\b\w\w+\b` read literally: walk the code points, cut at every non-\w one. */
function referenceTokens(text: string): string[] {
  const isWord = (ch: string): boolean => /^[\p{L}\p{N}_]$/u.test(ch);
  const tokens: string[] = [];
  let run = '';
  let runLength = 0;
  for (const ch of Array.from(text.toLowerCase()).concat([' '])) {
    if (isWord(ch)) {
      run += ch;
      runLength++;
    } else {
      if (runLength >= 2) tokens.push(run);
      run = '';
      runLength = 0;
    }
  }
  return tokens;
}

function referenceTerms(text: string): string[] {
  const words = referenceTokens(text).filter((w) => !ENGLISH_STOP_WORDS.has(w));
  const bigrams = words.slice(1).map((w, i) => `${words[i]} ${w}`);
  return [...words, ...bigrams];
}

/** Python's str ordering: compare code point by code point. */
function pythonOrder(a: string, b: string): number {
  const pa = Array.from(a, (c) => c.codePointAt(0)!);
  const pb = Array.from(b, (c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return pa.length - pb.length;
}

interface Reference {
  vocabulary: string[];
  df: Map<string, number>;
  vectors: Array<Map<string, number>>;
}

function referenceTfidf(docs: string[]): Reference {
  const counts = docs.map((d) => {
    const m = new Map<string, number>();
    for (const t of referenceTerms(d)) m.set(t, (m.get(t) ?? 0) + 1);
    return m;
  });
  const df = new Map<string, number>();
  for (const m of counts) for (const t of m.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = docs.length;
  const vectors = counts.map((m) => {
    const v = new Map<string, number>();
    for (const [t, tf] of m) v.set(t, tf * (Math.log((1 + n) / (1 + df.get(t)!)) + 1));
    const norm = Math.sqrt([...v.values()].reduce((s, w) => s + w * w, 0));
    for (const [t, w] of v) v.set(t, w / norm);
    return v;
  });
  return { vocabulary: [...df.keys()].sort(pythonOrder), df, vectors };
}

function referenceCosine(a: Map<string, number>, b: Map<string, number>): number {
  let s = 0;
  for (const [t, w] of a) s += w * (b.get(t) ?? 0);
  return s;
}

// ---- The Movies Dataset

const tmdbDir = sharedDataset('the-movies-dataset');

describe.skipIf(!tmdbDir)("The Movies Dataset: the tutorial's description-based recommender", () => {
  const smd = tmdbDir ? tutorialMovies(tmdbDir) : [];
  const docs = smd.map((m) => m.description);
  const fast = fitTfidf(docs);
  const ref = referenceTfidf(docs);

  it('reads the movies of links_small found in the metadata file', () => {
    expect(smd.length).toBeGreaterThan(3900);
    expect(smd[0].title).toBe('Toy Story');
  });

  it("has scikit-learn's vocabulary, in scikit-learn's order", () => {
    expect(fast.nTerms).toBe(ref.vocabulary.length);
    expect(fast.vocabulary).toEqual(ref.vocabulary);
  });

  it('agrees with the specification on spot checks', () => {
    expect(fast.termIndex('the')).toBeUndefined(); // a stop word
    expect(fast.termIndex('buzz lightyear')).toBeDefined(); // a bigram of Toy Story's overview
    // "Led by Woody": "by" goes first, so "led woody" is a bigram
    expect(fast.termIndex('led woody')).toBeDefined();
    const woody = fast.termIndex('woody')!;
    const n = docs.length;
    const dfWoody = docs.filter((d) => referenceTokens(d).includes('woody')).length;
    expect(fast.df[woody]).toBe(dfWoody);
    expect(fast.idf[woody]).toBeCloseTo(Math.log((1 + n) / (1 + dfWoody)) + 1, 12);
  });

  it('gives the same TF-IDF weights', () => {
    const x = fast.matrix;
    for (let d = 0; d < docs.length; d += 37) {
      const want = ref.vectors[d];
      expect(x.indptr[d + 1] - x.indptr[d]).toBe(want.size);
      for (let k = x.indptr[d]; k < x.indptr[d + 1]; k++) {
        expect(x.data[k]).toBeCloseTo(want.get(fast.vocabulary[x.indices[k]])!, 12);
      }
    }
  });

  it('builds the content model from overview, tagline and genres, decoding "&amp;"', () => {
    const seen = new Set<string>();
    const unique = smd.filter((m) => !seen.has(m.tmdbId) && seen.add(m.tmdbId));
    const model = ContentModel.build(
      unique.map((m) => ({ id: m.tmdbId, title: m.title, overview: m.overview, tagline: m.tagline, genres: m.genres })),
      { fields: FIELD_PRESETS.tmdb },
    );
    expect(fast.termIndex('amp')).toBeDefined(); // scikit-learn indexes the entity's name
    expect(model.tfidf.termIndex('amp')).toBeUndefined();
    const toyStory = model.because('862', 10); // Toy Story's TMDB id
    expect(toyStory.ok).toBe(true);
    expect(toyStory.items.map((h) => h.id)).toContain('863'); // Toy Story 2
  });

  it('gives the same top-10 neighbours as linear_kernel on the TF-IDF matrix', () => {
    const lists = new SimilarityIndex(fast.matrix).neighbours(10);
    const sample = [0, ...Array.from({ length: 30 }, (_, k) => Math.floor(((k + 1) * docs.length) / 31))].filter((d) => docs[d] !== '');
    for (const a of sample) {
      const all = ref.vectors
        .map((v, b) => ({ b, s: b === a ? 0 : referenceCosine(ref.vectors[a], v) }))
        .filter((c) => c.b !== a && c.s > 0);
      // Python's sorted(..., reverse=True) is stable: equal scores keep index order
      all.sort((p, q) => q.s - p.s || p.b - q.b);
      const want = all.slice(0, 10);
      const got = Array.from(lists.items.subarray(lists.indptr[a], lists.indptr[a + 1]));
      const gotScores = Array.from(lists.scores.subarray(lists.indptr[a], lists.indptr[a + 1]));
      expect(got.length).toBe(want.length);
      want.forEach((w, r) => {
        expect(gotScores[r]).toBeCloseTo(w.s, 12);
        if (got[r] !== w.b) expect(Math.abs(gotScores[r] - w.s)).toBeLessThan(1e-12); // a tie to rounding
      });
    }
  });
});

// ---- ml-latest-small

const mlDir = sharedDataset('ml-latest-small');

describe.skipIf(!mlDir)('ml-latest-small: titles, genres and tags', () => {
  it('puts Toy Story 2 among the five movies nearest to Toy Story', () => {
    const model = ContentModel.build(movieLensMovies(mlDir!));
    expect(model.size).toBe(9742);
    const r = model.because('1', 5);
    expect(r.ok).toBe(true);
    expect(r.items.map((h) => h.id)).toContain('3114');
    const why = model.explain('1', '3114').map((t) => t.label);
    expect(why).toEqual(expect.arrayContaining(['toy story']));
  });
});
