import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat, loadRatingsFile, sniffFormat } from '../../src/data/load.ts';
import { DataFileError } from '../../src/data/types.ts';
import { crlf, dataset, tempDir, writeFiles } from './fixtures.ts';

describe('loadRatingsFile reads any rating file the evaluation may be given', () => {
  const dir = writeFiles(tempDir(), {
    'ratings.csv': crlf('userId,movieId,rating,timestamp', '5,10,4.5,100', '3,10,2,101', '5,7,1,102'),
    'no-ts.csv': 'userId,movieId,rating\n5,10,4.5\n3,10,2\n',
    'quoted.csv': 'userId,movieId,rating,timestamp\n"5","10","4.5","100"\n3,10,2,101\n',
    'u1.base': '1\t1\t5\t874965758\n1\t2\t3\t876893171\n',
    'three.tsv': '1\t1\t5\n2\t1\t3\n',
    'ratings.dat': '1::1193::5::978300760\n',
    'headless.csv': '5,10,4.5,100\n',
    'scale.csv': 'userId,movieId,rating,timestamp\n1,1,4,1\n1,2,7,2\n',
    'empty.csv': '',
    'notes.txt': 'just some words\n',
  });

  it('keeps file order for a MovieLens CSV with a header', async () => {
    const t = await loadRatingsFile(join(dir, 'ratings.csv'));
    expect(t.users).toEqual(['5', '3', '5']);
    expect(t.items).toEqual(['10', '10', '7']);
    expect([...t.ratings]).toEqual([4.5, 2, 1]);
    expect([...t.timestamps]).toEqual([100, 101, 102]);
  });

  it('accepts a CSV without timestamps (NaN) and quoted numbers', async () => {
    const t = await loadRatingsFile(join(dir, 'no-ts.csv'));
    expect([...t.ratings]).toEqual([4.5, 2]);
    expect(Number.isNaN(t.timestamps[0])).toBe(true);
    const q = await loadRatingsFile(join(dir, 'quoted.csv'));
    expect(q.users).toEqual(['5', '3']);
    expect([...q.ratings]).toEqual([4.5, 2]);
  });

  it('reads u.data-style tab-separated files, with or without timestamps, and "::" files', async () => {
    expect((await loadRatingsFile(join(dir, 'u1.base'))).items).toEqual(['1', '2']);
    expect([...(await loadRatingsFile(join(dir, 'three.tsv'))).ratings]).toEqual([5, 3]);
    expect((await loadRatingsFile(join(dir, 'ratings.dat'))).items).toEqual(['1193']);
  });

  it('checks the scale only when one is given', async () => {
    expect([...(await loadRatingsFile(join(dir, 'scale.csv'))).ratings]).toEqual([4, 7]);
    await expect(loadRatingsFile(join(dir, 'scale.csv'), { scale: [1, 5] })).rejects.toThrow(/scale\.csv, line 3: rating 7 is outside the rating scale 1–5/);
  });

  it('says what is wrong with files it cannot read', async () => {
    await expect(loadRatingsFile(join(dir, 'headless.csv'))).rejects.toThrow(/line 1: a CSV ratings file needs a header line "userId,movieId,rating,timestamp"/);
    await expect(loadRatingsFile(join(dir, 'empty.csv'))).rejects.toThrow(/empty\.csv: the file is empty/);
    await expect(loadRatingsFile(join(dir, 'notes.txt'))).rejects.toThrow(/notes\.txt, line 1: not a ratings file/);
    await expect(loadRatingsFile(join(dir, 'missing.csv'))).rejects.toThrow(DataFileError);
    await expect(loadRatingsFile(join(dir, 'missing.csv'))).rejects.toThrow(/missing\.csv: file not found/);
  });
});

describe('detectFormat tells the dataset kind from the files present', () => {
  it.each([
    [{ 'movies.csv': '', 'ratings.csv': '' }, 'movielens-csv'],
    [{ 'u.item': '', 'u.data': '' }, 'ml-100k'],
    [{ 'movies.dat': '', 'ratings.dat': '' }, 'movielens-dat'],
    [{ 'movies_metadata_head5000.csv': '', 'ratings_small.csv': '', 'links_small.csv': '' }, 'the-movies-dataset'],
    [{ 'movies_metadata.csv': '', 'ratings.csv': '' }, 'the-movies-dataset'],
  ] as const)('%o -> %s', (files, format) => {
    expect(detectFormat(dataset('x', files))).toBe(format);
  });

  it('explains a folder that is missing or holds something else', () => {
    expect(() => detectFormat(join(tempDir(), 'nope'))).toThrow(/nope: folder not found/);
    expect(() => detectFormat(dataset('half', { 'movies.csv': '' }))).toThrow(/found: movies\.csv\)/);
    expect(sniffFormat(dataset('half', { 'movies.csv': '' }))).toBeUndefined();
  });
});
