import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeSkipped, importReply } from '../../commands/import.ts';
import type { Member } from '../../src/store/api.ts';
import { harness } from './harness.ts';

const LETTERBOXD = 'Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Alien,1979,https://boxd.it/1,5\n';

describe('what /import tells the member', () => {
  it('keeps unreadable rows apart from unmatched titles, each with its own count', () => {
    const reply = importReply({
      imported: 3,
      updated: 0,
      unmatched: [{ title: 'Zzyzx', year: 2031, reason: 'not in the catalogue' }],
      invalid: [
        { line: 4, reason: 'Weird Rating: rating "4.2" is not a half-star rating from 0.5 to 5' },
        { line: 6, reason: 'Bad Year: year "19x9" is not a year' },
      ],
    });
    expect(reply.text).toBe('Imported 3 new ratings; updated 0 ratings. 1 title could not be matched. 2 rows could not be read.');
    expect(reply.items).toEqual([
      { label: 'Zzyzx (2031)', detail: 'not matched: not in the catalogue' },
      { label: 'line 4', detail: 'not read: Weird Rating: rating "4.2" is not a half-star rating from 0.5 to 5' },
      { label: 'line 6', detail: 'not read: Bad Year: year "19x9" is not a year' },
    ]);
  });

  it('announces exactly the list that follows: one unmatched title, one item', () => {
    const reply = importReply({ imported: 1, updated: 1, unmatched: [{ title: 'Zzyzx', year: null, reason: 'not in the catalogue' }], kept: [] });
    expect(reply.text).toBe('Imported 1 new rating; updated 1 rating. 1 title could not be matched:');
    expect(reply.items).toEqual([{ label: 'Zzyzx', detail: 'not in the catalogue' }]);
  });

  it('only bad scores: the rows are listed as unreadable, never as titles that could not be matched', () => {
    const reply = importReply({ imported: 0, updated: 0, unmatched: [], invalid: [{ line: 2, reason: 'Heat: rating "11" is not a rating from 1 to 10' }] });
    expect(reply.text).toBe('Imported 0 new ratings; updated 0 ratings. 1 row could not be read:');
    expect(reply.text).not.toMatch(/matched/);
    expect(reply.items).toEqual([{ label: 'line 2', detail: 'Heat: rating "11" is not a rating from 1 to 10' }]);
  });

  it('says how many rows it skipped on purpose, and of what kind', () => {
    const reply = importReply({
      imported: 2,
      updated: 0,
      unmatched: [],
      skipped: [
        { kind: 'TV episode', count: 3 },
        { kind: 'TV series', count: 1 },
        { kind: 'no rating', count: 2 },
      ],
    });
    expect(reply.text).toBe('Imported 2 new ratings; updated 0 ratings. Skipped 3 TV episodes, 1 TV series and 2 rows without a rating. Every title was matched.');
    expect(reply.items).toBeUndefined();
    expect(describeSkipped([{ kind: 'repeat', count: 1 }])).toBe('1 earlier rating of a film rated again');
  });

  it("gives the service the member's file name on the console, and \"the pasted text\" for pasted CSV", async () => {
    const { service, ask } = await harness();
    const names: Array<string | undefined> = [];
    const plain = service.importRatings.bind(service);
    service.importRatings = (member: Member, csv: string, fileName?: string) => {
      names.push(fileName);
      return plain(member, csv);
    };
    const dir = mkdtempSync(join(tmpdir(), 'marquee-import-'));
    const file = join(dir, 'letterboxd-2024.csv');
    writeFileSync(file, LETTERBOXD);
    await ask(`/import ${file}`);
    await ask(`/import ${LETTERBOXD}`, 'sam', 'slack');
    await ask(`/import ${LETTERBOXD}`, 'dee', 'discord');
    expect(names).toEqual(['letterboxd-2024.csv', 'the pasted text', 'your file']);
  });

  it('refuses a binary file on the console with a clear message and no bytes of it', async () => {
    const { service, ask } = await harness();
    const dir = mkdtempSync(join(tmpdir(), 'marquee-import-'));
    const file = join(dir, 'ratings.xlsx');
    writeFileSync(file, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00, 0x08, 0x00, 0x00, 0x00, 0x21, 0x00, 0xff, 0xfe]));
    const reply = await ask(`/import ${file}`);
    expect(reply.text).toBe('ratings.xlsx: not a text file (it holds binary data): export your ratings as CSV from Letterboxd or IMDb and import that file');
    expect(service.imported).toEqual([]);
  });
});
