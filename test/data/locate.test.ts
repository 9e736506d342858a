import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataNotFoundError, resolveDataDir } from '../../src/data/locate.ts';
import { tempDir, writeFiles } from './fixtures.ts';

const CSV_SET = { 'movies.csv': 'movieId,title,genres\n', 'ratings.csv': 'userId,movieId,rating,timestamp\n' };
const U_SET = { 'u.item': '', 'u.data': '' };

function prefixed(prefix: string, files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [`${prefix}/${k}`, v]));
}

describe('finding the dataset folder', () => {
  it('uses ./data/ml-latest-small by default', () => {
    const cwd = writeFiles(tempDir(), prefixed('data/ml-latest-small', CSV_SET));
    expect(resolveDataDir({ cwd, env: {} })).toEqual({ dir: join(cwd, 'data', 'ml-latest-small'), dataset: 'ml-latest-small', format: 'movielens-csv', source: 'default' });
  });

  it('takes MARQUEE_DATA pointing at the dataset files themselves', () => {
    const dir = writeFiles(tempDir(), prefixed('movielens', U_SET));
    const r = resolveDataDir({ cwd: '/', env: { MARQUEE_DATA: join(dir, 'movielens') } });
    expect(r).toMatchObject({ dir: join(dir, 'movielens'), dataset: 'movielens', format: 'ml-100k', source: 'MARQUEE_DATA' });
  });

  it('takes MARQUEE_DATA pointing at a parent of named dataset folders, picking by name', () => {
    const parent = writeFiles(tempDir(), { ...prefixed('ml-100k', U_SET), ...prefixed('ml-latest-small', CSV_SET) });
    expect(resolveDataDir({ env: { MARQUEE_DATA: parent }, dataset: 'ml-100k' })).toMatchObject({ dataset: 'ml-100k', format: 'ml-100k' });
    // no name: ml-latest-small is the default among several
    expect(resolveDataDir({ env: { MARQUEE_DATA: parent } })).toMatchObject({ dataset: 'ml-latest-small' });
  });

  it('uses the only dataset in a parent folder when no name is given', () => {
    const parent = writeFiles(tempDir(), prefixed('ml-100k', U_SET));
    expect(resolveDataDir({ env: { MARQUEE_DATA: parent } })).toMatchObject({ dataset: 'ml-100k' });
  });

  it('lets the dataDir option win over MARQUEE_DATA', () => {
    const a = writeFiles(tempDir(), prefixed('ml-100k', U_SET));
    const b = writeFiles(tempDir(), prefixed('ml-latest-small', CSV_SET));
    expect(resolveDataDir({ dataDir: b, env: { MARQUEE_DATA: a } })).toMatchObject({ dataset: 'ml-latest-small', source: 'option' });
  });

  it('says clearly what is missing and how to get it', () => {
    const cwd = tempDir();
    expect(() => resolveDataDir({ cwd, env: {} })).toThrow(DataNotFoundError);
    expect(() => resolveDataDir({ cwd, env: {} })).toThrow(
      new RegExp(`the default folder ${join(cwd, 'data')} does not exist\\. Download it with \`npm run data -- ml-latest-small\``),
    );
    mkdirSync(join(cwd, 'data'));
    writeFiles(cwd, { 'data/readme.txt': 'x' });
    expect(() => resolveDataDir({ cwd, env: {} })).toThrow(/holds neither dataset files nor dataset folders \(found: readme\.txt\)/);
    expect(() => resolveDataDir({ env: { MARQUEE_DATA: join(cwd, 'elsewhere') } })).toThrow(/MARQUEE_DATA .*elsewhere does not exist/);
  });

  it('names the datasets it did find when the one asked for is absent', () => {
    const parent = writeFiles(tempDir(), prefixed('ml-100k', U_SET));
    expect(() => resolveDataDir({ env: { MARQUEE_DATA: parent }, dataset: 'ml-1m' })).toThrow(/ml-1m does not exist \(.* holds ml-100k\)\. Download it with `npm run data -- ml-1m`/);
    const own = writeFiles(tempDir(), prefixed('ml-100k', U_SET));
    expect(() => resolveDataDir({ env: { MARQUEE_DATA: join(own, 'ml-100k') }, dataset: 'ml-latest-small' })).toThrow(/holds the ml-100k files, not ml-latest-small/);
  });

  it('asks for a name when a parent holds several datasets and none is the default', () => {
    const parent = writeFiles(tempDir(), { ...prefixed('ml-100k', U_SET), ...prefixed('ml-25m', CSV_SET) });
    expect(() => resolveDataDir({ env: { MARQUEE_DATA: parent } })).toThrow(/holds several datasets \(ml-100k, ml-25m\); choose one by name/);
  });
});
