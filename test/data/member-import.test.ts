import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { csvField, exportMemberCsv, parseMemberRatings, readMemberRatingsFile } from '../../src/data/member-import.ts';
import { DataFileError } from '../../src/data/types.ts';
import { tempDir, writeFiles } from './fixtures.ts';

const LETTERBOXD = [
  'Date,Name,Year,Letterboxd URI,Rating',
  '2023-01-15,The Matrix,1999,https://boxd.it/2a1m,4.5',
  '2023-02-01,"Crouching Tiger, Hidden Dragon",2000,https://boxd.it/1Z3q,5',
  '2023-02-02,Amélie,2001,https://boxd.it/29Sq,3.5',
  '2023-02-03,Weird Rating,2001,https://boxd.it/xx,4.2',
  '2023-02-04,Bad Year,19x9,https://boxd.it/yy,3',
].join('\n');

const IMDB = [
  'Const,Your Rating,Date Rated,Title,Original Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors',
  'tt0133093,9,2019-05-04,The Matrix,The Matrix,https://www.imdb.com/title/tt0133093/,Movie,8.7,136,1999,"Action, Sci-Fi",2000000,1999-03-31,"Lana Wachowski, Lilly Wachowski"',
  'tt0903747,10,2019-05-05,Breaking Bad,Breaking Bad,https://www.imdb.com/title/tt0903747/,TV Series,9.5,49,2008,"Crime, Drama",2000000,2008-01-20,',
  'tt0211915,7,2020-01-01,Amélie,Le Fabuleux Destin d\'Amélie Poulain,https://www.imdb.com/title/tt0211915/,Movie,8.3,122,2001,"Comedy, Romance",700000,2001-04-25,Jean-Pierre Jeunet',
  'tt0000001,11,2020-01-02,Too Much,Too Much,https://www.imdb.com/title/tt0000001/,Movie,5,1,1894,Short,100,1894-03-10,',
  'tt0110912,1,2020-01-03,Pulp Fiction,Pulp Fiction,https://www.imdb.com/title/tt0110912/,movie,8.9,154,1994,"Crime, Drama",2000000,1994-10-14,Quentin Tarantino',
].join('\r\n');

describe('importing a member\'s Letterboxd export', () => {
  it('reads title, year, half-star rating and date, and reports bad rows by line', () => {
    const r = parseMemberRatings(LETTERBOXD);
    expect(r.source).toBe('letterboxd');
    expect(r.rows).toEqual([
      { title: 'The Matrix', year: 1999, rating: 4.5, ratedAt: Date.UTC(2023, 0, 15), line: 2 },
      { title: 'Crouching Tiger, Hidden Dragon', year: 2000, rating: 5, ratedAt: Date.UTC(2023, 1, 1), line: 3 },
      { title: 'Amélie', year: 2001, rating: 3.5, ratedAt: Date.UTC(2023, 1, 2), line: 4 },
    ]);
    expect(r.errors).toEqual([
      { line: 5, problem: 'Weird Rating: rating "4.2" is not a half-star rating from 0.5 to 5' },
      { line: 6, problem: 'Bad Year: year "19x9" is not a year' },
    ]);
  });

  it('reads a diary export: unrated entries skipped, a rewatch keeps the latest rating', () => {
    const diary = [
      'Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date',
      '2022-01-01,Heat,1995,https://boxd.it/a,3,,,2022-01-01',
      '2022-02-01,Alien,1979,https://boxd.it/b,,,,2022-02-01',
      '2023-03-01,Heat,1995,https://boxd.it/c,4.5,Yes,,2023-03-01',
    ].join('\n');
    const r = parseMemberRatings(`\uFEFF${diary}`);
    expect(r.rows).toEqual([{ title: 'Heat', year: 1995, rating: 4.5, ratedAt: Date.UTC(2023, 2, 1), line: 4 }]);
    expect(r.skipped).toEqual([
      { line: 2, kind: 'repeat', problem: 'Heat: rated again on line 4, which counts' },
      { line: 3, kind: 'no rating', problem: 'Alien: no rating' },
    ]);
    expect(r.errors).toEqual([]);
  });
});

describe('importing a member\'s IMDb export', () => {
  it('halves the 1–10 ratings, keeps the IMDb id, skips TV series and reports bad rows', () => {
    const r = parseMemberRatings(new TextEncoder().encode(IMDB));
    expect(r.source).toBe('imdb');
    expect(r.rows).toEqual([
      { title: 'The Matrix', year: 1999, rating: 4.5, imdbId: 'tt0133093', ratedAt: Date.UTC(2019, 4, 4), line: 2 },
      { title: 'Amélie', year: 2001, rating: 3.5, imdbId: 'tt0211915', ratedAt: Date.UTC(2020, 0, 1), line: 4 },
      { title: 'Pulp Fiction', year: 1994, rating: 0.5, imdbId: 'tt0110912', ratedAt: Date.UTC(2020, 0, 3), line: 6 },
    ]);
    expect(r.skipped).toEqual([{ line: 3, kind: 'TV series', problem: 'Breaking Bad: a TV Series, not a film' }]);
    expect(r.errors).toEqual([{ line: 5, problem: 'Too Much: rating "11" is not a rating from 1 to 10' }]);
  });
});

describe('files that are not a ratings export', () => {
  it('throws a DataFileError naming the file and the header', async () => {
    expect(() => parseMemberRatings('Name,Year\nHeat,1995\n', 'watched.csv')).toThrow(DataFileError);
    expect(() => parseMemberRatings('Name,Year\nHeat,1995\n', 'watched.csv')).toThrow(/watched\.csv, line 1: not a ratings export Marquee knows \(header "Name,Year"\)/);
    expect(() => parseMemberRatings('', 'empty.csv')).toThrow(/empty\.csv: the file is empty/);
    expect(() => parseMemberRatings('Date,Name,Year,Letterboxd URI,Rating\n2023-01-01,"Heat,1995,x,4\n', 'ratings.csv')).toThrow(/ratings\.csv, line \d+: a quoted field is never closed/);
    const dir = writeFiles(tempDir(), { 'ratings.csv': LETTERBOXD });
    expect((await readMemberRatingsFile(join(dir, 'ratings.csv'))).rows).toHaveLength(3);
    await expect(readMemberRatingsFile(join(dir, 'nope.csv'))).rejects.toThrow(/nope\.csv: file not found/);
  });
});

describe('exporting a member\'s ratings', () => {
  it('writes title,year,rating,rated_at with correct quoting, and reads back the same', () => {
    const rows = [
      { title: 'Crouching Tiger, Hidden Dragon', year: 2000, rating: 5, ratedAt: Date.UTC(2023, 1, 1, 12, 30) },
      { title: 'The "Real" Thing', year: null, rating: 0.5 },
      { title: 'Line\nBreak', year: 1999, rating: 3 },
    ];
    const csv = exportMemberCsv(rows);
    expect(csv).toBe(
      'title,year,rating,rated_at\r\n' +
        '"Crouching Tiger, Hidden Dragon",2000,5,2023-02-01T12:30:00.000Z\r\n' +
        '"The ""Real"" Thing",,0.5,\r\n' +
        '"Line\nBreak",1999,3,\r\n',
    );
    const back = parseMemberRatings(csv);
    expect(back.source).toBe('marquee');
    expect(back.errors).toEqual([]);
    expect(back.rows.map(({ title, year, rating, ratedAt }) => ({ title, year, rating, ...(ratedAt !== undefined ? { ratedAt } : {}) }))).toEqual(rows);
  });

  it('quotes only what needs it', () => {
    expect(csvField('Heat')).toBe('Heat');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField('a,b')).toBe('"a,b"');
  });
});

describe('what the import tells apart', () => {
  it('counts each IMDb row that is not a film by its kind, and names the file in errors', () => {
    const header = IMDB.split('\r\n')[0];
    const row = (id: string, title: string, type: string) => `${id},8,2020-01-01,${title},${title},https://www.imdb.com/title/${id}/,${type},8,50,2010,Drama,10,2010-01-01,`;
    const r = parseMemberRatings(
      [header, row('tt1', 'Pilot', 'TV Episode'), row('tt2', 'Finale', 'tvEpisode'), row('tt3', 'Zelda', 'Video Game'), row('tt4', 'Heat', 'Movie')].join('\n'),
      'imdb-ratings.csv',
    );
    expect(r.rows.map((x) => x.title)).toEqual(['Heat']);
    expect(r.skipped.map((x) => [x.line, x.kind])).toEqual([
      [2, 'TV episode'],
      [3, 'TV episode'],
      [4, 'video game'],
    ]);
    expect(() => parseMemberRatings('Name,Year\nHeat,1995\n', 'my-watchlist.csv')).toThrow(/^my-watchlist\.csv, line 1: not a ratings export/);
    // no name given: the member's file is "your file", never a made-up name
    expect(() => parseMemberRatings('Name,Year\nHeat,1995\n')).toThrow(/^your file, line 1: not a ratings export/);
  });

  it('refuses a binary file (NUL bytes) without echoing its bytes', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    let message = '';
    try {
      parseMemberRatings(png, 'poster.png');
    } catch (err) {
      expect(err).toBeInstanceOf(DataFileError);
      message = (err as Error).message;
    }
    expect(message).toBe('poster.png: not a text file (it holds binary data): export your ratings as CSV from Letterboxd or IMDb and import that file');
    // the same bytes already decoded to text (as a chat adapter hands them over)
    expect(() => parseMemberRatings(new TextDecoder().decode(png), 'your file')).toThrow(/^your file: not a text file/);
  });

  it('refuses bytes that are not UTF-8 (a Latin-1 file) rather than import mangled titles', () => {
    const latin1 = Uint8Array.from([...new TextEncoder().encode('Date,Name,Year,Letterboxd URI,Rating\n2023-01-01,Am'), 0xe9, ...new TextEncoder().encode('lie,2001,x,4\n')]);
    expect(() => parseMemberRatings(latin1, 'ratings.csv')).toThrow('ratings.csv: not UTF-8 text: save it as UTF-8 CSV (as Letterboxd and IMDb export it) and import it again');
    expect(() => parseMemberRatings(new TextDecoder().decode(latin1), 'the pasted text')).toThrow(/^the pasted text: not UTF-8 text/);
  });

  it('shows an unknown header printable and clipped', () => {
    const header = `a\u0007b,${'x'.repeat(200)}`;
    expect(() => parseMemberRatings(`${header}\n1,2\n`, 'f.csv')).toThrow(/header "a\?b,x{75}…"/);
  });
});
