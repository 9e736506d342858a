import { describe, expect, it } from 'vitest';
import type { MovieRecord } from '../../src/data/types.ts';
import { MovieMatcher } from '../../src/store/movie-match.ts';
import { movie } from './fixtures.ts';

const raw = (movieId: string, title: string, year: number | null, genres: string[] = ['Drama'], extra: Partial<MovieRecord> = {}): MovieRecord => ({
  ...movie(movieId, title, year, genres),
  title: year === null ? title : `${title} (${year})`,
  ...extra,
});

describe('finding a rated film in another catalogue', () => {
  it('trusts IMDb ids over movie ids and titles, then TMDB ids', () => {
    const next = new MovieMatcher([raw('260', 'Event Horizon', 1997), raw('50', 'Star Wars', 1977, ['Sci-Fi'], { imdbId: 'tt0076759' }), raw('7', 'Heat', 1995, ['Crime'], { tmdbId: '949' })]);
    expect(next.match({ ...raw('260', 'Star Wars: Episode IV - A New Hope', 1977), imdbId: 'tt0076759' })).toEqual({ movieId: '50', rule: 'imdb' });
    expect(next.match({ ...raw('6', 'Heat', 1995), tmdbId: '949' })).toEqual({ movieId: '7', rule: 'tmdb' });
    // the same id however the file spelled it
    expect(next.match({ ...raw('9', 'Star Wars', 1977), imdbId: '76759' })).toEqual({ movieId: '50', rule: 'imdb' });
  });

  it('matches on a unique title and year, but never a title several new films share, nor one without a year', () => {
    const next = new MovieMatcher([raw('1', 'Hamlet', 1996), raw('2', 'Hamlet', 1996), raw('3', 'Matrix, The', 1999), raw('4', 'Babylon 5', null)]);
    expect(next.match(raw('9', 'The Matrix', 1999))).toEqual({ movieId: '3', rule: 'title and year' });
    expect(next.match(raw('9', 'Hamlet', 1996))).toBeUndefined();
    expect(next.match(raw('9', 'Matrix, The', 2003))).toBeUndefined();
    expect(next.match(raw('4', 'Babylon 5', null))).toBeUndefined();
  });

  it('never pairs films whose IMDb ids disagree, whatever their titles say', () => {
    const next = new MovieMatcher([raw('1', 'Heat', 1995, ['Crime'], { imdbId: 'tt0113277' })]);
    expect(next.match({ ...raw('8', 'Heat', 1995), imdbId: 'tt9999999' })).toBeUndefined();
  });

  it('matches a main title before the colon only when it is unique in both catalogues and a genre is shared', () => {
    const hundredK = [raw('50', 'Star Wars', 1977, ['Sci-Fi', 'War']), raw('60', 'Mortal Kombat', 1995, ['Action'])];
    const small = [
      raw('260', 'Star Wars: Episode IV - A New Hope', 1977, ['Sci-Fi']),
      raw('44', 'Mortal Kombat', 1995, ['Action']),
      raw('45', 'Mortal Kombat: The Journey Begins', 1995, ['Action']),
    ];
    const next = new MovieMatcher(hundredK, small);
    expect(next.match(small[0])).toEqual({ movieId: '50', rule: 'main title and year' });
    expect(next.match(small[1])).toEqual({ movieId: '60', rule: 'title and year' });
    expect(next.match(small[2])).toBeUndefined(); // another film of the same name and year
    expect(next.match(raw('260', 'Star Wars: Episode IV - A New Hope', 1977, ['Documentary']))).toBeUndefined();
    // without the old catalogue the rule cannot check the old side, so it stays off
    expect(new MovieMatcher(hundredK).match(small[0])).toBeUndefined();
  });
});
