/** The loaders on the real files in ../shared/data (skipped, saying why, when they are absent). */
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.ts';
import { sharedDataset } from '../helpers/shared-data.ts';

const small = sharedDataset('ml-latest-small');
const ml100k = sharedDataset('ml-100k');
const tmd = sharedDataset('the-movies-dataset');

describe.skipIf(!small)('ml-latest-small, as published', () => {
  it('has 9,742 movies and 100,836 ratings by 610 users, with titles, links and tags', async () => {
    const ds = await loadDataset(small!);
    expect(ds).toMatchObject({ name: 'ml-latest-small', format: 'movielens-csv', scale: [0.5, 5] });
    expect(ds.movies).toHaveLength(9742);
    expect(ds.ratings.ratings).toHaveLength(100836);
    expect(new Set(ds.ratings.users).size).toBe(610);
    expect(new Set(ds.ratings.items).size).toBe(9724);
    expect(ds.ratings.users[0]).toBe('1');
    expect(ds.ratings.items[0]).toBe('1');
    expect(ds.ratings.ratings[0]).toBe(4);
    expect(ds.ratings.timestamps[0]).toBe(964982703);

    const byId = new Map(ds.movies.map((m) => [m.movieId, m]));
    expect(byId.get('1')).toMatchObject({ displayTitle: 'Toy Story', year: 1995, imdbId: 'tt0114709', tmdbId: '862' });
    expect(byId.get('1')?.tags).toContain('pixar');
    expect(byId.get('2571')).toMatchObject({ title: 'Matrix, The (1999)', displayTitle: 'The Matrix', year: 1999 });
    expect(byId.get('4973')).toMatchObject({ displayTitle: 'Amelie', alternateTitles: ["Le Fabuleux destin d'Amélie Poulain"] });
    const mean = ds.ratings.ratings.reduce((a, b) => a + b, 0) / ds.ratings.ratings.length;
    expect(mean).toBeCloseTo(3.5016, 3);
  });
});

describe.skipIf(!ml100k)('ml-100k, as published', () => {
  it('has 100,000 ratings of 1,682 movies by 943 users, with Latin-1 titles decoded', async () => {
    const ds = await loadDataset(ml100k!);
    expect(ds).toMatchObject({ format: 'ml-100k', scale: [1, 5] });
    expect(ds.movies).toHaveLength(1682);
    expect(ds.ratings.ratings).toHaveLength(100000);
    expect(new Set(ds.ratings.users).size).toBe(943);
    expect(new Set(ds.ratings.items).size).toBe(1682);
    expect([ds.ratings.users[0], ds.ratings.items[0], ds.ratings.ratings[0]]).toEqual(['196', '242', 3]);
    const byId = new Map(ds.movies.map((m) => [m.movieId, m]));
    expect(byId.get('543')).toMatchObject({ displayTitle: 'Les Misérables', year: 1995 });
    expect(byId.get('1')?.genres).toEqual(['Animation', "Children's", 'Comedy']);
  });
});

describe.skipIf(!tmd)('The Movies Dataset (local 5,000-row metadata extract)', () => {
  it('reads ratings_small and the metadata keyed by MovieLens ids, with keywords', async () => {
    const ds = await loadDataset(tmd!);
    expect(ds.format).toBe('the-movies-dataset');
    expect(ds.ratings.ratings).toHaveLength(100004);
    expect(new Set(ds.ratings.users).size).toBe(671);
    // 5,000 rows, one of them a repeated TMDB id
    expect(ds.movies).toHaveLength(4999);
    expect(ds.skipped).toEqual([expect.objectContaining({ reason: 'repeated TMDB id', count: 1 })]);
    const toy = ds.movies.find((m) => m.movieId === '1');
    expect(toy).toMatchObject({ title: 'Toy Story', year: 1995, genres: ['Animation', 'Comedy', 'Family'], imdbId: 'tt0114709' });
    expect(toy?.keywords).toContain('toy');
    expect(toy?.overview).toMatch(/^Led by Woody/);
    expect(ds.movies.every((m) => !m.movieId.startsWith('tmdb:'))).toBe(true);
  });
});
