/**
 * Rating lines read from their bytes (ml-32m's 32 M lines) must give exactly what the text path
 * gives, and leave every line they do not fully understand to it, so a problem is still named.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RatingLineParser } from '../../src/data/rating-line.ts';
import { loadRatingsFile } from '../../src/data/load.ts';
import { readRatings } from '../../src/data/ratings.ts';
import { tempDir, writeFiles } from './fixtures.ts';

function parse(text: string, delimiter = ',', nFields: 3 | 4 = 4, scale?: [number, number]): RatingLineParser | false {
  const p = new RatingLineParser(delimiter, nFields, scale);
  const b = Buffer.from(text, 'utf-8');
  return p.parse(b, 0, b.length) && p;
}

describe('a rating line read from its bytes', () => {
  it('gives the numbers Number() gives for the same text', () => {
    for (const rating of ['4', '4.5', '0.5', '3.0', '04.50', '2.123456789', '0.1', '0.3']) {
      const p = parse(`17,4973,${rating},1445714994`);
      expect(p && [p.user, p.item, p.rating, p.timestamp]).toEqual([17, 4973, Number(rating), 1445714994]);
    }
    const dat = parse('1::1193::5::978300760', '::');
    expect(dat && [dat.user, dat.item, dat.rating, dat.timestamp]).toEqual([1, 1193, 5, 978300760]);
    const tab = parse('196\t242\t3', '\t', 3);
    expect(tab && [tab.user, tab.item, tab.rating]).toEqual([196, 242, 3]);
    expect(tab && tab.timestamp).toBeNaN();
  });

  it('leaves to the text path what it does not fully understand', () => {
    for (const line of [
      '"5","10","4.5","100"', // quotes
      '007,10,4.5,100', // a leading zero: the id's text is not String(7)
      '5,10,4.5e0,100', // an exponent
      '5,10,.5,100', // no digit before the point
      '5,10,5.,100', // none after it
      '5,10,-1,100', // a sign
      '5,10,4.5,', // an empty timestamp
      '5,10,4.5', // a field short
      '5,10,4.5,100,7', // one too many
      ',10,4.5,100', // an empty id
      '1234567890123456,10,4.5,100', // past 15 digits
      '5,10,4.5,1.5', // a timestamp that is not whole
      '5;10;4.5;100', // another delimiter
    ]) {
      expect(parse(line), line).toBe(false);
    }
    expect(parse('5,10,7,100', ',', 4, [0.5, 5])).toBe(false); // outside the scale: the text path names it
    expect(parse('5,10,0,100', ',', 4, [0.5, 5])).toBe(false);
    expect(parse('5:10::4::100', '::')).toBe(false);
  });
});

describe('reading a rating file: bytes where possible, text otherwise, the same columns either way', () => {
  it('mixes both paths in one file and keeps file order, ids and values', async () => {
    const dir = writeFiles(tempDir(), {
      'ratings.csv':
        '\uFEFFuserId,movieId,rating,timestamp\r\n' +
        '5,10,4.5,100\r\n' +
        '"5","10","3.5","101"\r\n' + // text path: the same user and movie ids as above
        '007,10,2,102\r\n' + // text path: "007" is its own id
        '7,10,1,103\r\n' +
        '\r\n' + // an empty line is skipped
        '5,11,0.5,104', // no line end at the end
    });
    const t = await readRatings(join(dir, 'ratings.csv'), { delimiter: ',', header: true, scale: [0.5, 5], strict: false });
    expect(t.users).toEqual(['5', '5', '007', '7', '5']);
    expect(t.items).toEqual(['10', '10', '10', '10', '11']);
    expect([...t.ratings]).toEqual([4.5, 3.5, 2, 1, 0.5]);
    expect([...t.timestamps]).toEqual([100, 101, 102, 103, 104]);
    // one string per distinct id, whichever path read it
    expect(t.users[0]).toBe(t.users[1]);
  });

  it('reads lines cut across the 1 MB chunks of the stream exactly', async () => {
    const lines = ['userId,movieId,rating,timestamp'];
    const expected: Array<[string, string, number, number]> = [];
    for (let k = 0; k < 120_000; k++) {
      const row: [string, string, number, number] = [String(1 + (k >> 4)), String(1 + ((k * 7919) % 5003)), 0.5 + (k % 10) / 2, 1_000_000_000 + k];
      expected.push(row);
      lines.push(row.join(','));
    }
    const dir = writeFiles(tempDir(), { 'ratings.csv': `${lines.join('\n')}\n` });
    const t = await loadRatingsFile(join(dir, 'ratings.csv'), { scale: [0.5, 5] });
    expect(t.ratings.length).toBe(expected.length);
    expect(t.users).toEqual(expected.map((r) => r[0]));
    expect(t.items).toEqual(expected.map((r) => r[1]));
    expect([...t.ratings]).toEqual(expected.map((r) => r[2]));
    expect([...t.timestamps]).toEqual(expected.map((r) => r[3]));
  });

  it('still names the line of a bad rating, on either path', async () => {
    const dir = writeFiles(tempDir(), {
      'scale.csv': 'userId,movieId,rating,timestamp\n1,1,4,1\n1,2,7,2\n',
      'cut.csv': 'userId,movieId,rating,timestamp\n1,1,4,1\n1,2\n',
      'word.csv': 'userId,movieId,rating,timestamp\n1,1,4,1\n1,2,good,3\n',
    });
    const strict = { delimiter: ',' as const, header: true, scale: [0.5, 5] as const, strict: true };
    await expect(readRatings(join(dir, 'scale.csv'), strict)).rejects.toThrow(/scale\.csv, line 3: rating 7 is outside the rating scale 0\.5–5/);
    await expect(readRatings(join(dir, 'cut.csv'), strict)).rejects.toThrow(/cut\.csv, line 3: expected 4 fields, found 2/);
    await expect(readRatings(join(dir, 'word.csv'), strict)).rejects.toThrow(/word\.csv, line 3: rating "good" is not a number/);
  });
});
