import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.ts';
import { DataFileError } from '../../src/data/types.ts';
import { dataset, latin1 } from './fixtures.ts';

const GENRES = 'unknown|0\nAction|1\nAdventure|2\nAnimation|3\nChildren\'s|4\nComedy|5\nCrime|6\nDocumentary|7\nDrama|8\nFantasy|9\nFilm-Noir|10\nHorror|11\nMusical|12\nMystery|13\nRomance|14\nSci-Fi|15\nThriller|16\nWar|17\nWestern|18\n\n';

function item(id: number, title: string, date: string, flags: number[]): string {
  const f = new Array(19).fill('0');
  for (const k of flags) f[k] = '1';
  return [id, title, date, '', `http://us.imdb.com/M/title-exact?${encodeURIComponent(title)}`, ...f].join('|');
}

const ITEMS = [
  item(1, 'Toy Story (1995)', '01-Jan-1995', [3, 4, 5]),
  item(543, 'Misérables, Les (1995)', '01-Jan-1995', [8, 16]),
  item(267, 'unknown', '', [0]),
  item(1358, 'The Deadly Cure (1996)', '16-Sep-1996', [1]),
  item(1411, 'Heidi Fleiss: Hollywood Madam (1995) ', '09-Feb-1996', [7]),
].join('\n') + '\n';

const DATA = '196\t1\t3\t881250949\n186\t543\t5\t891717742\n22\t1358\t1\t878887116\n';

describe('loading MovieLens 100K', () => {
  it('decodes the Latin-1 u.item and names genres from u.genre', async () => {
    const ds = await loadDataset(dataset('ml-100k', { 'u.item': latin1(ITEMS), 'u.genre': GENRES, 'u.data': DATA }));
    expect(ds).toMatchObject({ name: 'ml-100k', format: 'ml-100k', scale: [1, 5] });
    expect(ds.movies[0]).toEqual({ movieId: '1', title: 'Toy Story (1995)', displayTitle: 'Toy Story', year: 1995, genres: ['Animation', "Children's", 'Comedy'] });
    expect(ds.movies[1]).toMatchObject({ title: 'Misérables, Les (1995)', displayTitle: 'Les Misérables', genres: ['Drama', 'Thriller'] });
  });

  it('gives the "unknown" movie no genre and no year, and takes a missing year from the release date', async () => {
    const ds = await loadDataset(dataset('ml-100k', { 'u.item': latin1(ITEMS), 'u.genre': GENRES, 'u.data': DATA }));
    expect(ds.movies[2]).toMatchObject({ movieId: '267', displayTitle: 'unknown', year: null, genres: [] });
    expect(ds.movies[4]).toMatchObject({ displayTitle: 'Heidi Fleiss: Hollywood Madam', year: 1995, genres: ['Documentary'] });
  });

  it('reads tab-separated u.data in file order with whole-star ratings', async () => {
    const { ratings } = await loadDataset(dataset('ml-100k', { 'u.item': latin1(ITEMS), 'u.genre': GENRES, 'u.data': DATA }));
    expect(ratings.users).toEqual(['196', '186', '22']);
    expect(ratings.items).toEqual(['1', '543', '1358']);
    expect([...ratings.ratings]).toEqual([3, 5, 1]);
    expect(ratings.timestamps[0]).toBe(881250949);
  });

  it('uses the published genre list when u.genre is missing, and also reads a UTF-8 u.item', async () => {
    const ds = await loadDataset(dataset('ml-100k', { 'u.item': ITEMS, 'u.data': DATA }));
    expect(ds.movies[1]).toMatchObject({ displayTitle: 'Les Misérables', genres: ['Drama', 'Thriller'] });
  });

  it('refuses a rating of 0 or 6 on the 1–5 scale, naming the line', async () => {
    const err = await loadDataset(dataset('ml-100k', { 'u.item': latin1(ITEMS), 'u.data': `${DATA}7\t1\t6\t881250950\n` })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFileError);
    expect((err as DataFileError).message).toMatch(/u\.data, line 4: rating 6 is outside the rating scale 1–5/);
  });

  it('refuses a u.item row with the wrong number of fields, or a flag that is not 0/1', async () => {
    let err = (await loadDataset(dataset('ml-100k', { 'u.item': latin1(`${ITEMS}99|Short row|01-Jan-1995\n`), 'u.data': DATA })).catch((e: unknown) => e)) as DataFileError;
    expect(err.message).toMatch(/u\.item, line 6: expected 24 fields .* found 3/);
    err = (await loadDataset(dataset('ml-100k', { 'u.item': latin1(ITEMS.replace('|0|1|', '|0|x|')), 'u.data': DATA })).catch((e: unknown) => e)) as DataFileError;
    expect(err.message).toMatch(/u\.item, line 1: genre flag for .* is "x", expected 0 or 1/);
  });

  it('refuses a u.data line with three fields', async () => {
    const err = (await loadDataset(dataset('ml-100k', { 'u.item': latin1(ITEMS), 'u.data': `${DATA}7\t1\t4\n` })).catch((e: unknown) => e)) as DataFileError;
    expect(err.message).toMatch(/u\.data, line 4: expected 4 fields, found 3/);
  });
});
