/** /import end to end through the real service and an in-memory store: what a member's file becomes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createService, type LiveService } from '../../src/bot/service.ts';
import type { Store } from '../../src/store/api.ts';
import { openStore } from '../../src/store/store.ts';
import { dataset, movie } from '../store/fixtures.ts';

const IMDB_HEADER = 'Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors';
const imdbRow = (id: string, score: string, title: string, type: string, year: number) =>
  `${id},${score},2020-01-01,${title},${title},https://www.imdb.com/title/${id}/,${type},8,100,${year},Drama,10,${year}-01-01,`;

let store: Store;
let svc: LiveService;

beforeAll(async () => {
  store = openStore(':memory:');
  store.importDataset(
    dataset(
      'import-fixture',
      [{ ...movie('1', 'Heat', 1995, ['Crime']), imdbId: 'tt0113277' }, movie('2', 'Fargo', 1996, ['Crime'])],
      [
        ['u1', '1', 4, 1],
        ['u1', '2', 5, 2],
        ['u2', '1', 3, 3],
      ],
    ),
  );
  const quiet = { info() {}, warn() {}, error() {} };
  svc = await createService({ store, algorithms: ['baseline'], coldStart: 3, retrainAfter: 1000, retrainMinutes: 60, logger: quiet });
});

afterAll(async () => {
  await svc.close();
  store.close();
});

describe("a member's IMDb export through the service", () => {
  it('separates bad scores from unmatched titles and counts the TV rows it skipped', () => {
    const csv = [
      IMDB_HEADER,
      imdbRow('tt0113277', '8', 'Heat', 'Movie', 1995),
      imdbRow('tt0116282', '11', 'Fargo', 'Movie', 1996), // a score IMDb never gives
      imdbRow('tt0903747', '10', 'Breaking Bad', 'TV Series', 2008),
      imdbRow('tt0959621', '9', 'Pilot', 'TV Episode', 2008),
      imdbRow('tt0959622', '9', "Cat's in the Bag...", 'TV Episode', 2008),
      imdbRow('tt9999998', '6', 'Zzyzx Never Made', 'Movie', 2031),
    ].join('\n');
    const out = svc.importRatings(svc.member('discord', 'ines'), csv, 'imdb-ratings.csv');
    expect(out.imported).toBe(1);
    expect(out.unmatched).toEqual([{ title: 'Zzyzx Never Made', year: 2031, reason: 'not in the catalogue' }]);
    expect(out.invalid).toEqual([{ line: 3, reason: 'Fargo: rating "11" is not a rating from 1 to 10' }]);
    expect(out.skipped).toEqual([
      { kind: 'TV series', count: 1 },
      { kind: 'TV episode', count: 2 },
    ]);
  });

  it("names the member's file in an error, not a made-up name", () => {
    expect(() => svc.importRatings(svc.member('discord', 'ines'), 'Name,Year\nHeat,1995\n', 'watched.csv')).toThrow(/^watched\.csv, line 1: not a ratings export/);
    expect(() => svc.importRatings(svc.member('slack', 'sam'), 'Name,Year\nHeat,1995\n', 'the pasted text')).toThrow(/^the pasted text, line 1:/);
  });
});
