import { describe, expect, it } from 'vitest';
import {
  ContentError,
  FIELD_PRESETS,
  checkFields,
  decodeEntities,
  genreToken,
  movieSegments,
  movieText,
  titleWords,
  type ContentMovie,
} from '../../../src/core/content/text.ts';
import { makeAnalyzer } from '../../../src/core/content/vectorizer.ts';

const toyStory: ContentMovie = {
  id: '1',
  title: 'Toy Story (1995)',
  genres: ['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'],
  tags: ['pixar', 'pixar', 'fun'],
};

describe('genre tokens', () => {
  it('turn every genre into one token that survives the tokenizer', () => {
    expect(genreToken('Sci-Fi')).toBe('genre_sci_fi');
    expect(genreToken('Film-Noir')).toBe('genre_film_noir');
    expect(genreToken('Science Fiction')).toBe('genre_science_fiction');
    expect(genreToken('(no genres listed)')).toBeUndefined();
    expect(genreToken('  ')).toBeUndefined();
    const analyze = makeAnalyzer({ ngramRange: [1, 1] });
    expect(analyze('genre_sci_fi genre_film_noir')).toEqual(['genre_sci_fi', 'genre_film_noir']);
    // a plain "Sci-Fi" would have split into two words
    expect(analyze('Sci-Fi')).toEqual(['sci', 'fi']);
  });
});

describe('movie documents', () => {
  it('use the title words without the year, the genres as tokens, and the tags (MovieLens)', () => {
    expect(movieSegments(toyStory, FIELD_PRESETS.movielens)).toEqual([
      { field: 'title', text: 'Toy Story' },
      { field: 'genres', text: 'genre_adventure' },
      { field: 'genres', text: 'genre_animation' },
      { field: 'genres', text: 'genre_children' },
      { field: 'genres', text: 'genre_comedy' },
      { field: 'genres', text: 'genre_fantasy' },
      { field: 'tags', text: 'pixar' },
      { field: 'tags', text: 'pixar' },
      { field: 'tags', text: 'fun' },
    ]);
    expect(titleWords('Seven (a.k.a. Se7en) (1995)')).toBe('Seven (a.k.a. Se7en)');
    expect(titleWords('Babylon 5')).toBe('Babylon 5');
  });

  it("build the tutorial's description (overview + tagline) plus keywords and genres (The Movies Dataset)", () => {
    const m: ContentMovie = {
      id: '862',
      title: 'Toy Story',
      overview: 'Led by Woody, Andy&#39;s toys live happily in his room.',
      tagline: 'The adventure takes off!',
      keywords: ['jealousy', 'toy comes to life'],
      genres: ['Animation', 'Comedy', 'Family'],
    };
    expect(movieText(m, FIELD_PRESETS.tmdb)).toBe(
      "Led by Woody, Andy's toys live happily in his room.\nThe adventure takes off!\njealousy\ntoy comes to life\ngenre_animation\ngenre_comedy\ngenre_family",
    );
    expect(movieText(m, ['overview', 'tagline'])).toBe("Led by Woody, Andy's toys live happily in his room.\nThe adventure takes off!");
  });

  it('skip empty and missing fields instead of failing', () => {
    const bare: ContentMovie = { id: '9', title: '', overview: '', tagline: '   ', genres: ['(no genres listed)'], tags: [] };
    expect(movieSegments(bare)).toEqual([]);
    expect(movieText({ id: '8', title: 'Solo' })).toBe('Solo');
  });

  it('refuse unknown fields by name', () => {
    expect(() => checkFields(['title', 'plot'])).toThrow(/unknown content field "plot"; accepted: title, genres, tags, overview, tagline, keywords/);
    expect(() => checkFields([])).toThrow(ContentError);
  });
});

describe('HTML entities', () => {
  it('decode named and numeric references and leave the rest alone', () => {
    expect(decodeEntities('Tom &amp; Jerry')).toBe('Tom & Jerry');
    expect(decodeEntities('Andy&#39;s &#x27;toys&#x27;')).toBe("Andy's 'toys'");
    expect(decodeEntities('caf&eacute; &hellip;')).toBe('café …');
    expect(decodeEntities('&notanentity; & &#xD800; &#99999999;')).toBe('&notanentity; & &#xD800; &#99999999;');
    expect(decodeEntities('&#128640; launch')).toBe('🚀 launch');
  });
});
