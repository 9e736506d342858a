/**
 * The catalogue holds each genre list and word once: what every movie says stays exactly what the
 * store said, and a list shared by many movies cannot be changed through one of them.
 */
import { describe, expect, it } from 'vitest';
import { shareCatalogWords } from '../../../src/bot/service/catalog-sharing.ts';
import type { MovieRecord } from '../../../src/data/types.ts';

function movie(movieId: string, genres: string[], tags?: string[]): MovieRecord {
  const m: MovieRecord = { movieId, title: `Film ${movieId} (2001)`, displayTitle: `Film ${movieId}`, year: 2001, genres };
  if (tags) m.tags = tags;
  return m;
}

describe('the catalogue\'s shared words', () => {
  it('gives movies with the same genres one list, and every movie its own genres and tags as stored', () => {
    const movies = [
      movie('1', ['Drama', 'Thriller'], ['based on a book', 'atmospheric']),
      movie('2', ['Drama', 'Thriller'], ['atmospheric']),
      movie('3', ['Drama']),
      movie('4', [], ['based on a book']),
    ];
    const before = JSON.parse(JSON.stringify(movies)) as MovieRecord[];
    shareCatalogWords(movies);
    expect(movies).toEqual(before);
    expect(movies[0].genres).toBe(movies[1].genres);
    expect(movies[2].genres).not.toBe(movies[0].genres);
    expect(movies[3].genres).toEqual([]);
    expect(movies[3].tags).toEqual(['based on a book']);
  });

  it('refuses a change to a shared genre list, which would change every movie holding it', () => {
    const movies = [movie('1', ['Comedy']), movie('2', ['Comedy'])];
    shareCatalogWords(movies);
    expect(() => movies[0].genres.push('Horror')).toThrow(TypeError);
    expect(movies[1].genres).toEqual(['Comedy']);
  });
});
