import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.ts';
import { DataFileError } from '../../src/data/types.ts';
import { dataset, latin1 } from './fixtures.ts';

const MOVIES = "1::Toy Story (1995)::Animation|Children's|Comedy\n73::Misérables, Les (1995)::Drama|Musical\n2858::American Beauty (1999)::Comedy|Drama\n";

describe('loading MovieLens 1M and 10M ("::"-separated .dat files)', () => {
  it('ml-1m: Latin-1 movies.dat, whole-star ratings', async () => {
    const dir = dataset('ml-1m', {
      'movies.dat': latin1(MOVIES),
      'ratings.dat': '1::1::5::978300760\n1::73::3::978302109\n2::2858::4::978298413\n',
      'users.dat': '1::F::1::10::48067\n2::M::56::16::70072\n',
    });
    const ds = await loadDataset(dir);
    expect(ds).toMatchObject({ name: 'ml-1m', format: 'movielens-dat', scale: [1, 5] });
    expect(ds.movies.map((m) => m.displayTitle)).toEqual(['Toy Story', 'Les Misérables', 'American Beauty']);
    expect(ds.movies[0].genres).toEqual(['Animation', "Children's", 'Comedy']);
    expect(ds.ratings.users).toEqual(['1', '1', '2']);
    expect([...ds.ratings.ratings]).toEqual([5, 3, 4]);
  });

  it('ml-10m: UTF-8 movies.dat, half stars, tags attached', async () => {
    const dir = dataset('ml-10m', {
      'movies.dat': `${MOVIES}65130::Revolutionary Road (2008)::(no genres listed)\n`,
      'ratings.dat': '1::122::5::838985046\n1::73::3.5::838983525\n',
      'tags.dat': '15::73::musical::1215184630\n20::73::Musical::1188263867\n20::1::time::travel::1188263880\n',
    });
    const ds = await loadDataset(dir);
    expect(ds.scale).toEqual([0.5, 5]);
    expect(ds.movies[1]).toMatchObject({ displayTitle: 'Les Misérables', tags: ['musical'] });
    expect(ds.movies[0].tags).toEqual(['time::travel']);
    expect(ds.movies[3].genres).toEqual([]);
    expect([...ds.ratings.ratings]).toEqual([5, 3.5]);
  });

  it('refuses a half star in ml-1m and a cut-short ratings line', async () => {
    const base = { 'movies.dat': latin1(MOVIES), 'users.dat': '1::F::1::10::48067\n' };
    let err = (await loadDataset(dataset('ml-1m', { ...base, 'ratings.dat': '1::1::5::978300760\n1::73::0.5::978302109\n' })).catch((e: unknown) => e)) as DataFileError;
    expect(err).toBeInstanceOf(DataFileError);
    expect(err.message).toMatch(/ratings\.dat, line 2: rating 0\.5 is outside the rating scale 1–5/);
    err = (await loadDataset(dataset('ml-1m', { ...base, 'ratings.dat': '1::1::5::978300760\n1::73' })).catch((e: unknown) => e)) as DataFileError;
    expect(err.message).toMatch(/ratings\.dat, line 2: expected 4 fields, found 2/);
  });
});
