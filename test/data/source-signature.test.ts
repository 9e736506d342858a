import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset, sourceSignature } from '../../src/data/load.ts';
import { crlf, dataset } from './fixtures.ts';

function smallSet(): string {
  return dataset('ml-latest-small', {
    'movies.csv': crlf('movieId,title,genres', '1,Toy Story (1995),Animation|Children'),
    'ratings.csv': crlf('userId,movieId,rating,timestamp', '1,1,4.0,964982703'),
  });
}

describe("a dataset folder's signature (so a restart can skip reading files it already imported)", () => {
  it('is what loadDataset records, and stays the same while nothing changes', async () => {
    const dir = smallSet();
    const ds = await loadDataset(dir);
    expect(ds.source).toBe(sourceSignature(dir));
    expect(sourceSignature(dir)).toBe(sourceSignature(dir));
  });

  it('changes when a file is edited, added or only touched', () => {
    const dir = smallSet();
    const before = sourceSignature(dir);
    writeFileSync(join(dir, 'ratings.csv'), crlf('userId,movieId,rating,timestamp', '1,1,4.5,964982703'));
    const edited = sourceSignature(dir);
    expect(edited).not.toBe(before);
    writeFileSync(join(dir, 'tags.csv'), crlf('userId,movieId,tag,timestamp'));
    const added = sourceSignature(dir);
    expect(added).not.toBe(edited);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'movies.csv'), later, later);
    expect(sourceSignature(dir)).not.toBe(added);
  });

  it('differs between two folders holding identical files', () => {
    expect(sourceSignature(smallSet())).not.toBe(sourceSignature(smallSet()));
  });
});
