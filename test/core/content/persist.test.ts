/**
 * Saving the content model and restoring it: a restored model answers exactly as the built one
 * (because, profileRecommend, explain, hasFeatures), and bytes that are damaged, truncated, of
 * another version, or built from other movies or options are refused with a clear error instead
 * of giving a half-loaded model. Real-data check on ml-latest-small (skipped when absent).
 */
import { describe, expect, it } from 'vitest';
import { sharedDataset } from '../../helpers/shared-data.ts';
import {
  CONTENT_FORMAT_VERSION,
  ContentModel,
  ContentSnapshotError,
  type ContentModelOptions,
  type ContentMovie,
  type ContentSnapshotProblem,
  type RatedMovie,
} from '../../../src/core/content/model.ts';
import { ContentError, FIELD_PRESETS } from '../../../src/core/content/text.ts';
import { movieLensMovies } from './real-data.ts';

const catalogue: ContentMovie[] = [
  { id: '1', title: 'Toy Story (1995)', genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'], tags: ['pixar', 'pixar', 'fun'] },
  { id: '3114', title: 'Toy Story 2 (1999)', genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'], tags: ['Pixar', 'animation', 'sequel'] },
  { id: '2355', title: "Bug's Life, A (1998)", genres: ['Adventure', 'Animation', 'Children', 'Comedy'], tags: ['pixar'] },
  { id: '260', title: 'Star Wars: Episode IV - A New Hope (1977)', genres: ['Action', 'Adventure', 'Sci-Fi'], tags: ['space', 'classic'] },
  { id: '1196', title: 'Star Wars: Episode V - The Empire Strikes Back (1980)', genres: ['Action', 'Adventure', 'Sci-Fi'], tags: ['space'] },
  { id: '296', title: 'Pulp Fiction (1994)', genres: ['Comedy', 'Crime', 'Drama', 'Thriller'], tags: ['quentin tarantino', 'dark comedy'] },
  { id: '5000', title: '羅生門 (1950)', genres: ['Crime', 'Drama'], tags: ['黒澤明', 'Akira Kurosawa'] },
  { id: '999', title: '', genres: ['(no genres listed)'] },
  { id: '7000', title: '🎬🍿 (2020)', genres: ['(no genres listed)'], tags: ['🔥', '&amp;'] },
  { id: '42', title: 'Running Runners (2001)', genres: ['Drama'], overview: 'A runner keeps running.', tagline: 'Run!', keywords: ['running', 'marathon'] },
];

const tasteSets: RatedMovie[][] = [
  [{ movieId: '1', rating: 5 }],
  [{ movieId: '260', rating: 1 }],
  [
    { movieId: '1', rating: 5 },
    { movieId: '296', rating: 2 },
    { movieId: '5000', rating: 4 },
  ],
  [{ movieId: '999', rating: 4 }],
];

/** Every question the model answers, for every movie: what "identical answers" means. */
function everyAnswer(model: ContentModel, movies: readonly ContentMovie[], scale: readonly [number, number] = [0.5, 5]): unknown {
  const ids = movies.map((m) => m.id);
  const odd = new Set(ids.filter((_, i) => i % 2 === 1));
  return {
    size: model.size,
    k: model.k,
    ids: model.ids(),
    features: ids.map((id) => model.hasFeatures(id)),
    because: ids.map((id) => [
      model.because(id, 3),
      model.because(id, 50),
      model.because(id, 4, { onlyQualifying: odd }),
      model.because(id, 2, { rankBy: (other) => other.length, exclude: new Set(['1']) }),
    ]),
    unknown: model.because('nope', 3),
    explain: ids.flatMap((a) => ids.map((b) => model.explain(a, b, 10))),
    similarity: ids.flatMap((a) => ids.map((b) => model.similarity(a, b))),
    profiles: tasteSets.map((r) => model.profileRecommend(r, 5, { scale })),
  };
}

function problemOf(fn: () => unknown): { problem: ContentSnapshotProblem; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ContentSnapshotError);
    expect(err).toBeInstanceOf(ContentError);
    const e = err as ContentSnapshotError;
    return { problem: e.problem, message: e.message };
  }
  throw new Error('expected the snapshot to be refused');
}

const built = ContentModel.build(catalogue);
const bytes = built.toBytes();

describe('a saved content model comes back identical', () => {
  it('answers every question exactly as the model it was saved from', () => {
    const restored = ContentModel.fromBytes(bytes, catalogue);
    expect(everyAnswer(restored, catalogue)).toEqual(everyAnswer(built, catalogue));
    // Toy Story 2 is still Toy Story's nearest, with the same shared terms
    const r = restored.because('1', 1);
    expect(r.ok && r.items[0].id).toBe('3114');
    expect(restored.hasFeatures('999')).toBe(false);
  });

  it('goes beyond the saved top-K lists the same way (filters that empty a short list)', () => {
    const opts: ContentModelOptions = { k: 1, fields: FIELD_PRESETS.movielens };
    const small = ContentModel.build(catalogue, opts);
    const restored = ContentModel.fromBytes(small.toBytes(), catalogue, opts);
    expect(restored.k).toBe(1);
    expect(everyAnswer(restored, catalogue)).toEqual(everyAnswer(small, catalogue));
  });

  it('keeps the stemmed vocabulary and its readable labels', () => {
    const opts: ContentModelOptions = { vectorizer: { stem: true, ngramRange: [1, 1] } };
    const stemmed = ContentModel.build(catalogue, opts);
    const restored = ContentModel.fromBytes(stemmed.toBytes(), catalogue, opts);
    expect(everyAnswer(restored, catalogue)).toEqual(everyAnswer(stemmed, catalogue));
    const run = restored.explain('42', '42').find((t) => t.term === 'run');
    expect(run).toMatchObject({ label: 'running', kind: 'word' }); // the first word seen with that stem
    expect(restored.tfidf.transform('runs and running').indices).toEqual(stemmed.tfidf.transform('runs and running').indices);
  });

  it('saves the same bytes again once restored, and restores from any offset of a larger buffer', () => {
    expect(ContentModel.fromBytes(bytes, catalogue).toBytes()).toEqual(bytes);
    expect(built.toBytes()).toEqual(bytes);
    // SQLite hands blobs back as views into a shared pool, at any offset
    const pool = new Uint8Array(bytes.length + 13);
    pool.set(bytes, 5);
    const view = pool.subarray(5, 5 + bytes.length);
    expect(everyAnswer(ContentModel.fromBytes(view, catalogue), catalogue)).toEqual(everyAnswer(built, catalogue));
  });

  it('handles a catalogue with no usable text at all, and an empty one', () => {
    const bare: ContentMovie[] = [
      { id: 'a', title: '' },
      { id: 'b', title: 'The (1999)', genres: ['(no genres listed)'] },
    ];
    const model = ContentModel.build(bare);
    const restored = ContentModel.fromBytes(model.toBytes(), bare);
    expect(restored.tfidf.nTerms).toBe(0);
    expect(restored.because('a', 3)).toMatchObject({ ok: false, code: 'no-features' });
    expect(ContentModel.fromBytes(ContentModel.build([]).toBytes(), []).size).toBe(0);
  });

  it('may show a different number of shared terms: explainTerms only trims answers', () => {
    const restored = ContentModel.fromBytes(bytes, catalogue, { explainTerms: 1 });
    const hit = restored.because('1', 1);
    expect(hit.ok && hit.items[0].terms).toHaveLength(1);
  });
});

describe('a snapshot of other movies or other options is refused', () => {
  it('refuses other movies: a changed tag, another order, a movie more or less', () => {
    const retagged = catalogue.map((m) => (m.id === '296' ? { ...m, tags: ['quentin tarantino'] } : m));
    expect(problemOf(() => ContentModel.fromBytes(bytes, retagged))).toMatchObject({
      problem: 'mismatch',
      message: expect.stringMatching(/other movies or with other options/),
    });
    expect(problemOf(() => ContentModel.fromBytes(bytes, [...catalogue].reverse())).problem).toBe('mismatch');
    expect(problemOf(() => ContentModel.fromBytes(bytes, catalogue.slice(1))).problem).toBe('mismatch');
    expect(problemOf(() => ContentModel.fromBytes(bytes, [...catalogue, { id: 'new', title: 'New (2024)' }])).problem).toBe('mismatch');
    // a retitled movie changes answers ("… has no text features" names it) even outside the fields
    const retitled = catalogue.map((m) => (m.id === '1' ? { ...m, title: 'Toy Story!' } : m));
    const opts = { fields: ['tags'] as const };
    const tagsOnly = ContentModel.build(catalogue, opts).toBytes();
    expect(problemOf(() => ContentModel.fromBytes(tagsOnly, retitled, opts)).problem).toBe('mismatch');
  });

  it('refuses other options, and accepts another spelling of the same ones', () => {
    expect(problemOf(() => ContentModel.fromBytes(bytes, catalogue, { k: 10 })).problem).toBe('mismatch');
    expect(problemOf(() => ContentModel.fromBytes(bytes, catalogue, { fields: FIELD_PRESETS.movielens })).problem).toBe('mismatch');
    expect(problemOf(() => ContentModel.fromBytes(bytes, catalogue, { vectorizer: { ngramRange: [1, 1] } })).problem).toBe('mismatch');
    expect(problemOf(() => ContentModel.fromBytes(bytes, catalogue, { vectorizer: { stem: true } })).problem).toBe('mismatch');
    expect(problemOf(() => ContentModel.fromBytes(bytes, catalogue, { vectorizer: { stopWords: ['the', 'a'] } })).problem).toBe('mismatch');
    const same = ContentModel.fromBytes(bytes, catalogue, {
      k: 50,
      fields: ['title', 'genres', 'tags', 'overview', 'tagline', 'keywords'],
      vectorizer: { minDf: 1, maxDf: { proportion: 1 }, ngramRange: [1, 2], stopWords: 'english', stem: false },
    });
    expect(same.because('1', 2)).toEqual(built.because('1', 2));
  });

  it('still validates the options and movies it is given', () => {
    expect(() => ContentModel.fromBytes(bytes, catalogue, { k: 0 })).toThrow(/k \(neighbours per movie\) must be a whole number >= 1, got 0/);
    expect(() => ContentModel.fromBytes(bytes, [...catalogue, catalogue[0]])).toThrow(/movie id "1" appears twice/);
  });

  it('cannot save or restore a model with a custom stem function, and says why', () => {
    const custom = { vectorizer: { stem: (t: string) => t.slice(0, 4) } };
    const model = ContentModel.build(catalogue, custom);
    expect(() => model.toBytes()).toThrow(/custom stem function cannot be saved/);
    expect(() => ContentModel.fromBytes(bytes, catalogue, custom)).toThrow(/custom stem function cannot be saved/);
  });
});

describe('damaged bytes are refused, never half-loaded', () => {
  const withVersion = (v: number): Uint8Array => {
    const b = bytes.slice();
    new DataView(b.buffer).setUint32(8, v, true);
    return b;
  };

  it('a flipped byte anywhere in the payload fails the checksum', () => {
    for (const at of [60, 100, 130, Math.floor(bytes.length / 2), bytes.length - 1]) {
      const b = bytes.slice();
      b[at] ^= 0x40;
      expect(problemOf(() => ContentModel.fromBytes(b, catalogue))).toEqual({
        problem: 'corrupt',
        message: 'content model snapshot is damaged (checksum mismatch)',
      });
    }
  });

  it('truncated bytes, trailing bytes, and bytes that are not a snapshot at all', () => {
    expect(problemOf(() => ContentModel.fromBytes(bytes.slice(0, bytes.length - 8), catalogue)).message).toMatch(
      new RegExp(`truncated: ${bytes.length - 8} of ${bytes.length} bytes`),
    );
    expect(problemOf(() => ContentModel.fromBytes(bytes.slice(0, 40), catalogue)).message).toMatch(/truncated: 40 bytes, the header alone is 120/);
    expect(problemOf(() => ContentModel.fromBytes(new Uint8Array(0), catalogue)).problem).toBe('corrupt');
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    expect(problemOf(() => ContentModel.fromBytes(longer, catalogue)).message).toMatch(/8 unexpected trailing bytes/);
    const other = bytes.slice();
    other.set(new TextEncoder().encode('MRQMODEL'), 0);
    expect(problemOf(() => ContentModel.fromBytes(other, catalogue))).toMatchObject({ problem: 'corrupt', message: expect.stringMatching(/not a content model snapshot/) });
  });

  it('another format version is named as such', () => {
    expect(CONTENT_FORMAT_VERSION).toBe(1);
    expect(problemOf(() => ContentModel.fromBytes(withVersion(2), catalogue))).toEqual({
      problem: 'version',
      message: 'content model snapshot has format version 2; this build reads version 1',
    });
  });
});

const mlDir = sharedDataset('ml-latest-small');

describe.skipIf(!mlDir)('ml-latest-small: restored from its snapshot', () => {
  it('gives the same neighbours, shared terms and taste recommendations as the built model', () => {
    const movies = movieLensMovies(mlDir!);
    const model = ContentModel.build(movies);
    const saved = model.toBytes();
    const restored = ContentModel.fromBytes(saved, movies);
    expect(restored.size).toBe(9742);
    expect(restored.tfidf.vocabulary).toEqual(model.tfidf.vocabulary);
    expect(restored.tfidf.matrix.data).toEqual(model.tfidf.matrix.data);
    expect(movies.map((m) => restored.hasFeatures(m.id))).toEqual(movies.map((m) => model.hasFeatures(m.id)));

    const sample = movies.filter((_, i) => i % 97 === 0).map((m) => m.id);
    const chart = new Set(movies.filter((_, i) => i % 13 === 0).map((m) => m.id));
    for (const id of sample) {
      expect(restored.because(id, 10)).toEqual(model.because(id, 10));
      // a filter that the 50 saved neighbours cannot satisfy: the full scan must agree too
      expect(restored.because(id, 10, { onlyQualifying: chart })).toEqual(model.because(id, 10, { onlyQualifying: chart }));
    }
    const toyStory = restored.because('1', 5);
    expect(toyStory.ok && toyStory.items.map((h) => h.id)).toContain('3114');
    expect(restored.explain('1', '3114')).toEqual(model.explain('1', '3114'));
    const member: RatedMovie[] = [
      { movieId: '1', rating: 5 },
      { movieId: '260', rating: 4.5 },
      { movieId: '296', rating: 1 },
      { movieId: '2571', rating: 4 },
    ];
    expect(restored.profileRecommend(member, 20, { scale: [0.5, 5] })).toEqual(model.profileRecommend(member, 20, { scale: [0.5, 5] }));
    // the same catalogue with one tag fewer is another catalogue
    const edited = movies.map((m) => (m.id === '1' ? { ...m, tags: (m.tags ?? []).slice(1) } : m));
    expect(problemOf(() => ContentModel.fromBytes(saved, edited)).problem).toBe('mismatch');
  });
});
