/**
 * Title resolution as members type titles in chat: exact, case, articles, years, typos, remakes,
 * unknown titles and the `id:` form, plus autocomplete.
 */
import { describe, expect, it } from 'vitest';
import type { MovieRecord } from '../../src/data/types.ts';
import { movieLabel, TitleIndex, titleForms } from '../../src/bot/titles.ts';

function movie(movieId: string, title: string, genres: string[] = ['Drama']): MovieRecord {
  const m = /\((\d{4})\)\s*$/.exec(title);
  const bare = title.replace(/\s*\(\d{4}\)\s*$/, '').replace(/\s*\([^()]*\)$/, '');
  const inverted = /^(.*), (The|A|An)$/.exec(bare);
  return {
    movieId,
    title,
    displayTitle: inverted ? `${inverted[2]} ${inverted[1]}` : bare,
    year: m ? Number(m[1]) : null,
    genres,
  };
}

const catalog: MovieRecord[] = [
  movie('2571', 'Matrix, The (1999)', ['Action', 'Sci-Fi']),
  movie('6365', 'Matrix Reloaded, The (2003)', ['Action', 'Sci-Fi']),
  movie('1240', 'Terminator, The (1984)', ['Action', 'Sci-Fi']),
  movie('589', 'Terminator 2: Judgment Day (1991)', ['Action', 'Sci-Fi']),
  movie('2366', 'King Kong (1933)', ['Adventure']),
  movie('2367', 'King Kong (1976)', ['Adventure']),
  movie('41569', 'King Kong (2005)', ['Adventure']),
  movie('29', 'City of Lost Children, The (Cité des enfants perdus, La) (1995)', ['Fantasy']),
  movie('47', 'Seven (a.k.a. Se7en) (1995)', ['Thriller']),
  movie('318', 'Shawshank Redemption, The (1994)'),
  movie('296', 'Pulp Fiction (1994)', ['Crime']),
  movie('4973', "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)", ['Comedy', 'Romance']),
  movie('1', 'Toy Story (1995)', ['Animation']),
  movie('3114', 'Toy Story 2 (1999)', ['Animation']),
];

// how many members rated each movie: orders choices and suggestions
const ratingsCount: Record<string, number> = { '2571': 278, '41569': 40, '2366': 30, '2367': 12, '1': 215, '3114': 97, '589': 224, '1240': 131 };
const index = new TitleIndex(catalog, (id) => ratingsCount[id] ?? 1);

function resolved(query: string): string {
  const r = index.resolve(query);
  if (r.kind === 'found') return `found ${r.movie.movieId}`;
  if (r.kind === 'ambiguous') return `ambiguous ${r.choices.map((m) => m.movieId).join(',')}`;
  return `unknown ${r.suggestions.map((m) => m.movieId).join(',')}`;
}

describe('resolving what a member typed', () => {
  it.each([
    ['the title exactly as stored', 'Matrix, The (1999)', 'found 2571'],
    ['the title as shown', 'The Matrix (1999)', 'found 2571'],
    ['any case', 'THE MATRIX', 'found 2571'],
    ['the article dropped', 'matrix', 'found 2571'],
    ['the article in front', 'the matrix', 'found 2571'],
    ['a year in parentheses', 'Terminator (1984)', 'found 1240'],
    ['a bare year', 'terminator 1984', 'found 1240'],
    ['punctuation left out', 'terminator 2 judgment day', 'found 589'],
    ['accents left out', 'cite des enfants perdus', 'found 29'],
    ['an alternate title', 'Se7en', 'found 47'],
    ['the English title of a foreign film', 'city of lost children', 'found 29'],
    ['the start of a title', 'shawshank', 'found 318'],
    ['a missing letter', 'termnator', 'found 1240'],
    ['swapped letters', 'teh matrix', 'found 2571'],
    ['a typo in a longer title', 'pulp fictoin', 'found 296'],
    ['the id form', 'id:2571', 'found 2571'],
    ['the id form with a space', 'ID: 589', 'found 589'],
  ])('finds the movie from %s (%s)', (_what, query, expected) => {
    expect(resolved(query)).toBe(expected);
  });

  it('offers remakes as choices, the most rated first', () => {
    expect(resolved('King Kong')).toBe('ambiguous 41569,2366,2367');
  });

  it('a year settles which remake', () => {
    expect(resolved('king kong 1976')).toBe('found 2367');
    expect(resolved('King Kong (1933)')).toBe('found 2366');
  });

  it('a title in the wrong year suggests the years it exists in', () => {
    expect(resolved('terminator 1990')).toBe('unknown 1240');
  });

  it('an unknown title gets the closest titles as suggestions', () => {
    const r = index.resolve('toy stroy 3');
    expect(r.kind === 'ambiguous' || r.kind === 'unknown').toBe(true);
    const offered = r.kind === 'ambiguous' ? r.choices : r.kind === 'unknown' ? r.suggestions : [];
    expect(offered.map((m) => m.movieId)).toContain('3114');
  });

  it('nonsense finds nothing it is sure of', () => {
    expect(index.resolve('xqzvw').kind).toBe('unknown');
    expect(resolved('id:999999')).toBe('unknown ');
    expect(resolved('   ')).toBe('unknown ');
  });
});

describe('title forms and labels', () => {
  it('reads alternate titles and moves articles to the front', () => {
    expect(titleForms(catalog[7])).toEqual(expect.arrayContaining(['The City of Lost Children', 'La Cité des enfants perdus']));
    expect(movieLabel(catalog[0])).toBe('The Matrix (1999)');
  });
});

describe('autocomplete', () => {
  it('completes a partly typed word, titles starting with it first', () => {
    const names = index.autocomplete('termi').map((c) => c.name);
    expect(names.slice(0, 2).sort()).toEqual(['Terminator 2: Judgment Day (1991)', 'The Terminator (1984)']);
  });

  it('needs every typed word and returns movie ids as values', () => {
    expect(index.autocomplete('toy story 2')).toEqual([{ name: 'Toy Story 2 (1999)', value: '3114' }]);
    expect(index.autocomplete('the matr').map((c) => c.value)).toEqual(['2571', '6365']);
  });

  it('offers the most rated movies when nothing is typed, and never more than 25', () => {
    expect(index.autocomplete('', 3).map((c) => c.value)).toEqual(['2571', '589', '1']);
    expect(index.autocomplete('', 100).length).toBeLessThanOrEqual(25);
  });

  it('falls back to typo-tolerant suggestions', () => {
    expect(index.autocomplete('termnator').map((c) => c.value)).toContain('1240');
  });
});

describe('how a title was found: only the title itself may be written without asking', () => {
  const more = new TitleIndex(
    [
      movie('6', 'Heat (1995)', ['Action', 'Crime']),
      movie('103372', 'Heat, The (2013)', ['Action', 'Comedy']),
      movie('737', 'Barb Wire (1996)', ['Action', 'Sci-Fi']),
      movie('5304', 'Rome, Open City (a.k.a. Open City) (Roma, città aperta) (1945)', ['Drama', 'War']),
      movie('4306', 'Shrek (2001)', ['Animation']),
      movie('8360', 'Shrek 2 (2004)', ['Animation']),
      movie('318', 'Shawshank Redemption, The (1994)'),
      movie('1240', 'Terminator, The (1984)', ['Action', 'Sci-Fi']),
    ],
    (id) => ({ '6': 100, '103372': 20 })[id] ?? 1,
  );
  const how = (query: string): string => {
    const r = more.resolve(query);
    return r.kind === 'found' ? `${r.how} ${r.movie.movieId}` : r.kind;
  };

  it.each([
    ['the title as stored', 'Heat (1995)', 'exact 6'],
    ['the title as shown, in any case', 'heat', 'exact 6'],
    ['the title shouting', 'HEAT', 'exact 6'],
    ['the title with its article', 'the heat', 'exact 103372'],
    ['the id form', 'id:5304', 'exact 5304'],
    ['the title without its article', 'shawshank redemption', 'normalised 318'],
    ['a title with a year', 'terminator 1984', 'normalised 1240'],
    ['an alternate title in full', 'roma citta aperta', 'normalised 5304'],
    ['a title ending in a number', 'Shrek 2', 'exact 8360'],
    ['the first words of a main title', 'shawshank', 'prefix 318'],
    ['a typo', 'termnator', 'fuzzy 1240'],
  ])('%s: "%s" → %s', (_what, query, expected) => {
    expect(how(query)).toBe(expected);
  });

  it('"heat" in any case is Heat (1995): The Heat (2013) matches only once its article is dropped', () => {
    expect(how('heat')).toBe(how('Heat'));
  });

  it('a short word close to a title is a guess, not the movie: "Barbie" is only fuzzily Barb Wire', () => {
    expect(how('Barbie')).toBe('fuzzy 737');
  });

  it('the first word of an alternate title is not a prefix match: "Roma" is at most a guess at Rome, Open City', () => {
    const r = more.resolve('Roma');
    expect(r.kind === 'found' ? r.how : r.kind).not.toMatch(/^(exact|normalised|prefix)$/);
  });
});
