/**
 * Any file a member hands /import (Letterboxd, IMDb or Marquee CSV, broken quoting, binary,
 * the wrong header, rows with nonsense in every field): the reader returns rows it vouches for
 * or throws the one documented DataFileError naming the file; importing into the real store
 * either adds only catalogue movies with half-star scores or, refused, changes nothing.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMemberRatings } from '../../src/data/member-import.ts';
import { DataFileError } from '../../src/data/types.ts';
import type { Member } from '../../src/store/api.ts';
import { rawValue } from './arbitraries.ts';
import { startLiveBot, type LiveBot } from './live-bot.ts';

const HEADERS = [
  'Date,Name,Year,Letterboxd URI,Rating',
  'Const,Your Rating,Date Rated,Title,URL,Title Type,IMDb Rating,Runtime (mins),Year,Genres,Num Votes,Release Date,Directors',
  'title,year,rating,rated_at',
  'Name,Rating',
  '',
];

const field = fc.oneof(
  rawValue,
  fc.constantFrom('Toy Story', 'Heat', 'Jumanji', 'Babylon 5', '1995', '2024-01-31', 'tt0113497', '0113497', 'movie', 'tvEpisode', '4.5', '9', '11', '-1', '', '"'),
);
const row = fc.array(field, { maxLength: 14 }).map((fields) => fields.map((f) => (/[",\n]/.test(f) && f !== '"' ? `"${f.replace(/"/g, '""')}"` : f)).join(','));

/** CSV-shaped text (a known or unknown header, then rows), or anything at all. */
const exportText = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...HEADERS), fc.array(row, { maxLength: 12 }), fc.constantFrom('\n', '\r\n')).map(([h, rows, nl]) => [h, ...rows].join(nl)) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
);

let bot: LiveBot;
let member: Member;
beforeAll(async () => {
  bot = await startLiveBot();
  member = bot.service.member('console', 'importer');
});
afterAll(async () => {
  await bot?.close();
});

describe('the member importers, fuzzed', () => {
  it('read rows they vouch for, or throw a DataFileError naming the file', () => {
    fc.assert(
      fc.property(fc.oneof(exportText, exportText.map((t) => new TextEncoder().encode(t)), fc.uint8Array({ maxLength: 120 })), (content) => {
        let result;
        try {
          result = parseMemberRatings(content, 'ratings.csv');
        } catch (err) {
          expect(err).toBeInstanceOf(DataFileError);
          expect((err as Error).message).toMatch(/^ratings\.csv/);
          return;
        }
        for (const r of result.rows) {
          expect(r.rating * 2).toBe(Math.round(r.rating * 2));
          expect(r.rating).toBeGreaterThanOrEqual(0.5);
          expect(r.rating).toBeLessThanOrEqual(5);
          expect(r.title.trim()).not.toBe('');
          expect(r.line).toBeGreaterThan(1);
          if (r.ratedAt !== undefined) expect(Number.isFinite(r.ratedAt)).toBe(true);
        }
        for (const e of [...result.errors, ...result.skipped]) expect(e.problem.length).toBeGreaterThan(5);
      }),
      { numRuns: 2000 },
    );
  });

  it('import into the real store: only catalogue movies at half stars, and a refused file changes nothing', () => {
    const catalogue = new Set(['1', '2', '3', '4']);
    fc.assert(
      fc.property(exportText, (text) => {
        const before = bot.fingerprint();
        let outcome;
        try {
          outcome = bot.service.importRatings(member, text, 'ratings.csv');
        } catch (err) {
          expect(err).toBeInstanceOf(DataFileError);
          expect(bot.fingerprint()).toBe(before);
          return;
        }
        if (outcome.imported + outcome.updated === 0) expect(bot.fingerprint()).toBe(before);
        for (const r of bot.service.ratings(member)) {
          expect(catalogue.has(r.movieId)).toBe(true);
          expect(r.rating * 2).toBe(Math.round(r.rating * 2));
        }
      }),
      { numRuns: 600 },
    );
  });
});
