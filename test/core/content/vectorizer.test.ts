import { describe, expect, it } from 'vitest';
import { ENGLISH_STOP_WORDS } from '../../../src/core/content/stop-words.ts';
import { ContentError } from '../../../src/core/content/text.ts';
import { compareCodePoints, fitTfidf, makeAnalyzer, type TfidfModel } from '../../../src/core/content/vectorizer.ts';

/** The row of document d as { term: weight }. */
function row(model: TfidfModel, d: number): Record<string, number> {
  const x = model.matrix;
  const out: Record<string, number> = {};
  for (let k = x.indptr[d]; k < x.indptr[d + 1]; k++) out[model.vocabulary[x.indices[k]]] = x.data[k];
  return out;
}

describe("scikit-learn's English stop words", () => {
  it('are the 318 words of sklearn.feature_extraction.text.ENGLISH_STOP_WORDS', () => {
    expect(ENGLISH_STOP_WORDS.size).toBe(318);
    for (const w of ['the', 'a', 'of', 'amoungst', 'noone', 'system', 'fire', 'yourselves']) expect(ENGLISH_STOP_WORDS.has(w)).toBe(true);
    for (const w of ['toy', 'story', 'seven', 'love']) expect(ENGLISH_STOP_WORDS.has(w)).toBe(false);
  });
});

describe('the analyzer (TfidfVectorizer(ngram_range=(1, 2), stop_words="english"))', () => {
  const analyze = makeAnalyzer();

  it('lowercases, keeps runs of 2+ word characters, drops stop words, then forms bigrams', () => {
    expect(analyze('The Toy of Story')).toEqual(['toy', 'story', 'toy story']);
    expect(analyze("Don't stop: 2001, a space odyssey!")).toEqual(['don', 'stop', '2001', 'space', 'odyssey', 'don stop', 'stop 2001', '2001 space', 'space odyssey']);
    expect(analyze('foo_bar x y')).toEqual(['foo_bar']);
  });

  it('treats letters and numbers of every script as word characters, as Python 3 does', () => {
    const uni = makeAnalyzer({ ngramRange: [1, 1] });
    expect(uni('Amélie à Paris')).toEqual(['amélie', 'paris']);
    expect(uni('Война и мир')).toEqual(['война', 'мир']);
    expect(uni('千と千尋の神隠し')).toEqual(['千と千尋の神隠し']);
    expect(uni('x² ½ Ⅻ')).toEqual(['x²']);
    expect(uni('ΣΟΦΟΣ')).toEqual(['σοφος']); // final sigma lowercases like Python's str.lower
  });

  it("splits words at combining marks like Python's \\w, unless marks are kept on purpose", () => {
    // Python: re.findall(r'(?u)\b\w\w+\b', 'हिन्दी फ़िल्म') == [] (vowel signs and virama are not \w)
    expect(makeAnalyzer()('हिन्दी फ़िल्म')).toEqual([]);
    expect(makeAnalyzer({ tokenPattern: 'words-with-marks', ngramRange: [1, 1] })('हिन्दी फ़िल्म')).toEqual(['हिन्दी', 'फ़िल्म']);
  });

  it('ignores emoji, punctuation and empty segments, and never joins segments into a bigram', () => {
    expect(analyze('🚀🚀 rocket 🚀 launch')).toEqual(['rocket', 'launch', 'rocket launch']);
    expect(analyze(['toy story', '', 'pixar'])).toEqual(['toy', 'story', 'toy story', 'pixar']);
    expect(analyze('')).toEqual([]);
  });

  it('stems after removing stop words when asked', () => {
    const stem = makeAnalyzer({ stem: true, ngramRange: [1, 1] });
    expect(stem('Running runners was ponies')).toEqual(['run', 'runner', 'poni']);
  });
});

describe('fitTfidf', () => {
  // hand-worked: n = 3; df 1 → idf 1 + ln(4/2); df 2 → idf 1 + ln(4/3)
  const docs = ['The toy story of a toy.', 'Toy soldiers!', 'A story about space'];
  const idf1 = 1 + Math.log(2);
  const idf2 = 1 + Math.log(4 / 3);

  it('builds the sorted vocabulary with smooth idf', () => {
    const model = fitTfidf(docs);
    expect(model.vocabulary).toEqual(['soldiers', 'space', 'story', 'story space', 'story toy', 'toy', 'toy soldiers', 'toy story']);
    expect(Array.from(model.df)).toEqual([1, 1, 2, 1, 1, 2, 1, 1]);
    expect(model.idf[model.termIndex('toy')!]).toBeCloseTo(idf2, 14);
    expect(model.idf[model.termIndex('toy story')!]).toBeCloseTo(idf1, 14);
    expect(model.termIndex('the')).toBeUndefined();
  });

  it('weighs raw counts by idf and normalises each row to unit length', () => {
    const model = fitTfidf(docs);
    const raw = { toy: 2 * idf2, story: idf2, 'toy story': idf1, 'story toy': idf1 };
    const norm = Math.hypot(...Object.values(raw));
    const r0 = row(model, 0);
    expect(Object.keys(r0).sort()).toEqual(Object.keys(raw).sort());
    for (const [t, v] of Object.entries(raw)) expect(r0[t]).toBeCloseTo(v / norm, 14);
    expect(Math.hypot(...Object.values(row(model, 1)))).toBeCloseTo(1, 14);
    // columns inside a row are ascending
    const x = model.matrix;
    for (let d = 0; d < 3; d++) for (let k = x.indptr[d] + 1; k < x.indptr[d + 1]; k++) expect(x.indices[k]).toBeGreaterThan(x.indices[k - 1]);
  });

  it('uses 1 + ln(tf) with sublinearTf', () => {
    const model = fitTfidf(docs, { sublinearTf: true });
    const raw = { toy: (1 + Math.log(2)) * idf2, story: idf2, 'toy story': idf1, 'story toy': idf1 };
    const norm = Math.hypot(...Object.values(raw));
    expect(row(model, 0).toy).toBeCloseTo(raw.toy / norm, 14);
  });

  it('prunes with min_df / max_df as counts or proportions', () => {
    expect(fitTfidf(docs, { minDf: 2 }).vocabulary).toEqual(['story', 'toy']);
    expect(fitTfidf(docs, { maxDf: { count: 1 } }).vocabulary).toEqual(['soldiers', 'space', 'story space', 'story toy', 'toy soldiers', 'toy story']);
    // 0.5 · 3 documents = 1.5: terms in 2 documents go
    expect(fitTfidf(docs, { maxDf: 0.5 }).vocabulary).not.toContain('toy');
    // 0.6 · 3 = 1.8 documents at least
    expect(fitTfidf(docs, { minDf: 0.6 }).vocabulary).toEqual(['story', 'toy']);
    expect(fitTfidf(docs, { minDf: { proportion: 1 } }).vocabulary).toEqual([]);
  });

  it('refuses contradictory or malformed options with the accepted values', () => {
    expect(() => fitTfidf(docs, { minDf: 3, maxDf: { count: 1 } })).toThrow(/maxDf \(1 documents\) is below minDf \(3 documents\)/);
    expect(() => fitTfidf(docs, { minDf: 1.5 })).toThrow(/minDf must be a whole count >= 0 or a proportion in \(0, 1\), got 1.5/);
    expect(() => fitTfidf(docs, { maxDf: { proportion: 2 } })).toThrow(/maxDf.proportion must be in \[0, 1\]/);
    expect(() => fitTfidf(docs, { ngramRange: [2, 1] })).toThrow(/ngramRange must be/);
    expect(() => fitTfidf(docs, { stopwords: 'english' } as never)).toThrow(/no option "stopwords"; accepted: lowercase, stopWords/);
    expect(() => fitTfidf(docs, { minDf: 1.5 })).toThrow(ContentError);
  });

  it('returns an empty vocabulary, not an error, when nothing is left (sklearn would raise)', () => {
    const model = fitTfidf(['', 'the of and', '🚀 ✨', 'a b c']);
    expect(model.nTerms).toBe(0);
    expect(model.matrix.nRows).toBe(4);
    expect(Array.from(model.matrix.indptr)).toEqual([0, 0, 0, 0, 0]);
    expect(fitTfidf([]).nTerms).toBe(0);
  });

  it('sorts the vocabulary by code point, as Python sorts strings', () => {
    // U+FF71 (halfwidth katakana) comes before U+1D400 (mathematical bold A) by code point,
    // although its UTF-16 code unit (0xFF71) is above the surrogate 0xD835
    const model = fitTfidf(['𝐀𝐁 ｱｲ ab'], { ngramRange: [1, 1] });
    expect(model.vocabulary).toEqual(['ab', 'ｱｲ', '𝐀𝐁']);
    expect(compareCodePoints('ｱ', '𝐀')).toBeLessThan(0);
    expect(compareCodePoints('abc', 'ab')).toBeGreaterThan(0);
    expect(compareCodePoints('same', 'same')).toBe(0);
  });

  it('transforms a new text over the fitted vocabulary', () => {
    const model = fitTfidf(docs);
    const v = model.transform('A toy story, again; unknown words vanish');
    const terms = Array.from(v.indices, (j) => model.vocabulary[j]);
    expect(terms).toEqual(['story', 'toy', 'toy story']);
    expect(Math.hypot(...v.data)).toBeCloseTo(1, 14);
  });
});
