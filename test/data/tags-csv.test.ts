/**
 * ml-32m's tags.csv has 2 M lines: most are plain, some quote a tag that holds commas, quotes or
 * (rarely) a line break. Every one reads as csv-parse would read it; a bad line names its number.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTags } from '../../src/data/movielens-csv.ts';
import { DataFileError } from '../../src/data/types.ts';
import { dataset } from './fixtures.ts';

function tagsFile(...lines: string[]): string {
  const dir = dataset('tags', { 'tags.csv': lines.join('\n') + '\n' });
  return join(dir, 'tags.csv');
}

describe('reading tags.csv', () => {
  it('plain, quoted (commas, doubled quotes) and multi-line tags, in file order', async () => {
    const file = tagsFile(
      'userId,movieId,tag,timestamp',
      '2,4973,whimsical,1445714994',
      '3,4973,"Paris, France",1445714995',
      '4,1,"the ""best"" one",1445714996',
      '5,1,"two',
      'lines",1445714997',
      '6,2,pixar,1445714998',
    );
    expect(await readTags(file)).toEqual([
      { userId: '2', movieId: '4973', tag: 'whimsical', timestamp: 1445714994 },
      { userId: '3', movieId: '4973', tag: 'Paris, France', timestamp: 1445714995 },
      { userId: '4', movieId: '1', tag: 'the "best" one', timestamp: 1445714996 },
      { userId: '5', movieId: '1', tag: 'two\nlines', timestamp: 1445714997 },
      { userId: '6', movieId: '2', tag: 'pixar', timestamp: 1445714998 },
    ]);
  });

  it('a header in another column order is read by name', async () => {
    const file = tagsFile('movieId,userId,timestamp,tag', '4973,2,1445714994,whimsical', '1,5,1445714997,"a, b"');
    expect(await readTags(file)).toEqual([
      { userId: '2', movieId: '4973', tag: 'whimsical', timestamp: 1445714994 },
      { userId: '5', movieId: '1', tag: 'a, b', timestamp: 1445714997 },
    ]);
  });

  it('a line with a field too many, a bad timestamp or an unclosed quote is an error naming its line', async () => {
    const fail = async (file: string): Promise<DataFileError> => (await readTags(file).catch((e: unknown) => e)) as DataFileError;
    expect((await fail(tagsFile('userId,movieId,tag,timestamp', '2,4973,a,1', '2,4973,a,b,1'))).message).toMatch(/tags\.csv, line 3: expected 4 fields \(userId,movieId,tag,timestamp\), found 5$/);
    expect((await fail(tagsFile('userId,movieId,tag,timestamp', '2,4973,a,soon'))).message).toMatch(/line 2: timestamp "soon" is not a number$/);
    expect((await fail(tagsFile('userId,movieId,tag,timestamp', '2,4973,a,1', '3,1,"open,1'))).message).toMatch(/line 3: a quoted field that starts on this line is never closed/);
    const empty = join(dataset('tags-empty', {}), 'tags.csv');
    writeFileSync(empty, '');
    expect((await fail(empty)).message).toMatch(/the file is empty/);
  });
});
