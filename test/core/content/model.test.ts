import { describe, expect, it } from 'vitest';
import { ContentModel, type ContentMovie, type ContentResult } from '../../../src/core/content/model.ts';
import { ContentError } from '../../../src/core/content/text.ts';
import { preferPhrases } from '../../../src/core/content/explain.ts';

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
];

const model = ContentModel.build(catalogue);
const ids = (r: ContentResult): string[] => r.items.map((h) => h.id);

describe('movies like this one (because)', () => {
  it('finds Toy Story 2 and A Bug\'s Life for Toy Story, never Toy Story itself', () => {
    const r = model.because('1', 2);
    expect(r.ok).toBe(true);
    expect(ids(r)).toEqual(['3114', '2355']);
    expect(ids(model.because('1', 20))).not.toContain('1');
    expect(r.items[0].score).toBeGreaterThan(r.items[1].score);
    expect(r.items[0].score).toBeLessThanOrEqual(1);
  });

  it('says which shared terms made the match', () => {
    const [first] = model.because('1', 1).items;
    expect(first.terms).toHaveLength(3);
    const labels = model.explain('1', '3114', 10).map((t) => t.label);
    expect(labels).toContain('toy story');
    expect(labels).toContain('pixar');
    const pixar = model.explain('1', '3114', 10).find((t) => t.term === 'pixar');
    expect(pixar).toMatchObject({ kind: 'word', fields: ['tags'] });
    const genre = model.explain('260', '1196', 10).find((t) => t.term === 'genre_sci_fi');
    expect(genre).toMatchObject({ label: 'Sci-Fi', kind: 'genre', fields: ['genres'] });
    const weights = model.explain('1', '3114', 10).map((t) => t.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
    // the products of weights add up to the cosine
    const all = model.explain('1', '3114', 1000).reduce((s, t) => s + t.weight, 0);
    expect(all).toBeCloseTo(model.similarity('1', '3114'), 12);
  });

  it('keeps only qualifying movies when asked, as the improved recommender does', () => {
    const chart = new Set(['2355', '260', '296']);
    const r = model.because('1', 3, { onlyQualifying: chart });
    // Pulp Fiction shares only Comedy, Star Wars only Adventure; Comedy is the rarer genre here
    // (4 movies against 5), so its idf and the cosine are higher
    expect(ids(r)).toEqual(['2355', '296', '260']);
    const byPredicate = model.because('1', 3, { onlyQualifying: (id) => chart.has(id) });
    expect(ids(byPredicate)).toEqual(ids(r));
  });

  it('re-ranks the most similar qualifying movies by a score such as the weighted rating', () => {
    const wr: Record<string, number> = { '3114': 3.9, '2355': 3.5, '260': 4.2, '1196': 4.1, '296': 4.3 };
    const r = model.because('1', 3, { onlyQualifying: (id) => id in wr, rankBy: (id) => wr[id] });
    expect(ids(r)).toEqual(['296', '260', '1196']);
    expect(r.items.map((h) => h.rankScore)).toEqual([4.3, 4.2, 4.1]);
    // a pool of the 2 most similar only: Toy Story 2 and A Bug's Life, ranked by WR
    expect(ids(model.because('1', 3, { rankBy: (id) => wr[id] ?? 0, pool: 2 }))).toEqual(['3114', '2355']);
  });

  it('lists the qualifying neighbours alone, the same movies and cosines as because over its top-K pool', () => {
    const chart = new Set(['2355', '260', '296', '1196']);
    const listed = model.listedNeighbours('1', 2, (id) => chart.has(id));
    const labelled = model.because('1', 2, { pool: model.k, onlyQualifying: chart });
    expect(listed).toEqual(labelled.items.map((h) => ({ id: h.id, score: h.score })));
    expect(listed.map((h) => h.id)).toEqual(['2355', '296']);
    expect(model.listedNeighbours('999', 2, () => true)).toEqual([]); // no features
    expect(model.listedNeighbours('no-such-movie', 2, () => true)).toEqual([]);
  });

  it('honours exclusions', () => {
    expect(ids(model.because('1', 2, { exclude: new Set(['3114']) }))).toEqual(['2355', '296']);
  });

  it('explains, rather than invents, when a movie has nothing to compare', () => {
    expect(model.hasFeatures('999')).toBe(false);
    expect(model.hasFeatures('7000')).toBe(false);
    expect(model.hasFeatures('1')).toBe(true);
    expect(model.because('999', 5)).toMatchObject({ ok: false, code: 'no-features', items: [] });
    expect(model.because('7000', 5)).toMatchObject({ ok: false, code: 'no-features', reason: expect.stringContaining('🎬🍿') });
    expect(model.because('404', 5)).toMatchObject({ ok: false, code: 'unknown-movie', reason: 'movie 404 is not in the content model' });
    expect(() => model.explain('1', '404')).toThrow(/movie 404 is not in the content model/);
    expect(model.explain('1', '999')).toEqual([]);
  });

  it('copes with non-Latin titles and tags', () => {
    expect(model.hasFeatures('5000')).toBe(true);
    expect(ids(model.because('5000', 1))).toEqual(['296']);
    expect(model.explain('5000', '296').map((t) => t.label)).toEqual(['Crime', 'Drama']);
  });
});

describe('taste profile recommendations', () => {
  const scale = [0.5, 5] as const;

  it('follow what the member liked and steer away from what they disliked', () => {
    const r = model.profileRecommend([{ movieId: '1', rating: 5 }, { movieId: '260', rating: 1 }], 10, { scale });
    expect(r.ok).toBe(true);
    expect(ids(r).slice(0, 2)).toEqual(['3114', '2355']);
    expect(ids(r)).not.toContain('1196'); // like the disliked Star Wars: negative cosine
    expect(ids(r)).not.toContain('1');
    expect(r.items[0].becauseOf).toBe('1');
    expect(r.items[0].terms.map((t) => t.label)).toContain('pixar');
  });

  it('read a single rating against the middle of the scale', () => {
    const liked = model.profileRecommend([{ movieId: '260', rating: 5 }], 1, { scale });
    expect(ids(liked)).toEqual(['1196']);
    const disliked = model.profileRecommend([{ movieId: '260', rating: 1 }], 5, { scale });
    expect(disliked).toMatchObject({ ok: false, code: 'no-match' });
  });

  it('say when the ratings carry no taste', () => {
    expect(model.profileRecommend([], 5, { scale })).toMatchObject({ ok: false, code: 'no-profile', reason: expect.stringContaining('no ratings') });
    const flat = model.profileRecommend([{ movieId: '1', rating: 2.75 }, { movieId: '260', rating: 2.75 }], 5, { scale });
    expect(flat).toMatchObject({ ok: false, code: 'no-profile', reason: expect.stringContaining('no likes or dislikes') });
    const unknown = model.profileRecommend([{ movieId: '404', rating: 5 }, { movieId: '999', rating: 4 }], 5, { scale });
    expect(unknown).toMatchObject({ ok: false, code: 'no-profile', reason: expect.stringContaining('none of the rated movies has any text features') });
  });

  it('skip excluded movies and refuse ratings outside the scale', () => {
    const r = model.profileRecommend([{ movieId: '1', rating: 5 }], 1, { scale, exclude: new Set(['3114']) });
    expect(ids(r)).toEqual(['2355']);
    expect(() => model.profileRecommend([{ movieId: '1', rating: 7 }], 1, { scale })).toThrow(/rating of movie 1 must be a number in \[0.5, 5\], got 7/);
    expect(() => model.profileRecommend([{ movieId: '1', rating: 5 }], 1, { scale: [5, 1] })).toThrow(ContentError);
  });
});

describe('building the model', () => {
  it('refuses duplicate ids and bad options by name', () => {
    expect(() => ContentModel.build([catalogue[0], { ...catalogue[1], id: '1' }])).toThrow(/movie id "1" appears twice \(positions 0 and 1\)/);
    expect(() => ContentModel.build(catalogue, { k: 0 })).toThrow(/k \(neighbours per movie\) must be a whole number >= 1/);
    expect(() => ContentModel.build(catalogue, { fields: ['title', 'plot' as never] })).toThrow(/unknown content field "plot"/);
    expect(() => ContentModel.build([{ id: '', title: 'x' }])).toThrow(/movie at position 0 has no id/);
  });

  it('builds from nothing, or from movies that have no text at all', () => {
    expect(ContentModel.build([]).size).toBe(0);
    const blank = ContentModel.build([
      { id: 'a', title: '' },
      { id: 'b', title: '!!!', overview: '', tagline: '', keywords: [] },
    ]);
    expect(blank.hasFeatures('a')).toBe(false);
    expect(blank.because('b', 3)).toMatchObject({ ok: false, code: 'no-features' });
  });

  it('decodes HTML entities in metadata instead of indexing "amp" or "39"', () => {
    const m = ContentModel.build([
      { id: 'a', title: 'Tom &amp; Jerry', overview: 'Jerry&#39;s chase &amp; Tom&#x27;s revenge', tagline: '' },
      { id: 'b', title: 'Other', overview: 'A chase.', keywords: ['', '&amp;'] },
    ]);
    expect(m.tfidf.termIndex('amp')).toBeUndefined();
    expect(m.tfidf.termIndex('39')).toBeUndefined();
    expect(m.tfidf.termIndex('tom jerry')).toBeDefined();
    expect(m.explain('a', 'b').map((t) => t.term)).toEqual(['chase']);
  });

  it('uses only the chosen fields', () => {
    const titlesOnly = ContentModel.build(catalogue, { fields: ['title'] });
    expect(titlesOnly.tfidf.termIndex('pixar')).toBeUndefined();
    expect(ids(titlesOnly.because('260', 1))).toEqual(['1196']);
    expect(titlesOnly.because('2355', 1)).toMatchObject({ ok: false, code: 'no-match' });
  });

  it('stems words but keeps genre tokens whole, and labels stems with a real word', () => {
    const stemmed = ContentModel.build(
      [
        { id: 'a', title: 'Running Wild', genres: ['Comedy'], tags: ['runners'] },
        { id: 'b', title: 'The Runner', genres: ['Comedy'], tags: ['running'] },
      ],
      { vectorizer: { stem: true } },
    );
    expect(stemmed.tfidf.termIndex('genre_comedy')).toBeDefined();
    const terms = stemmed.explain('a', 'b');
    expect(terms.map((t) => t.term)).toEqual(expect.arrayContaining(['run', 'runner', 'genre_comedy']));
    expect(terms.find((t) => t.term === 'run')?.label).toBe('running');
    expect(terms.find((t) => t.term === 'genre_comedy')?.label).toBe('Comedy');
  });
});

describe('shared terms shown with a result read as people write them', () => {
  it('a word of a shared two-word phrase is shown as the phrase, and its words are not repeated', () => {
    const vocabulary = ['fi', 'matrix', 'sci', 'sci fi', 'space'];
    // best first: "matrix", then "sci" and "fi" (whose phrase "sci fi" ranks lower), then "space"
    const cols = [
      { col: 1, weight: 0.4 },
      { col: 2, weight: 0.3 },
      { col: 0, weight: 0.25 },
      { col: 4, weight: 0.1 },
      { col: 3, weight: 0.05 },
    ];
    expect(preferPhrases(cols, vocabulary, 3).map((c) => vocabulary[c.col])).toEqual(['matrix', 'sci fi', 'space']);
    expect(preferPhrases(cols, vocabulary, 2)).toEqual([{ col: 1, weight: 0.4 }, { col: 3, weight: 0.3 }]);
    expect(preferPhrases([], vocabulary, 3)).toEqual([]);
  });
});
