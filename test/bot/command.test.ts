import { describe, expect, it } from 'vitest';
import { parseOptions, tokenize, usage, type AnyCommand, type ParseResult } from '../../src/bot/command.ts';
import { command as rate } from '../../commands/rate.ts';
import { command as top } from '../../commands/top.ts';
import { command as because } from '../../commands/because.ts';
import { command as recommend } from '../../commands/recommend.ts';
import { command as movienight } from '../../commands/movienight.ts';
import { command as forget } from '../../commands/forget.ts';
import { command as importCmd } from '../../commands/import.ts';
import { FakeService } from './fake-service.ts';

const service = new FakeService();
/** the data's lists, as the dispatcher hands them to the parser */
const accepted = (list: 'algorithms' | 'genres') => (list === 'algorithms' ? service.algorithms() : service.genres());
const pc = { platform: 'console' as const, accepted };

function parseLine(def: unknown, text: string): ParseResult {
  return parseOptions(def as AnyCommand, { text }, pc);
}

describe('the option parser reads what members type', () => {
  const good: Array<[string, unknown, string, Record<string, unknown>]> = [
    ['words in order', rate, 'The Matrix 5', { title: 'The Matrix', score: 5 }],
    ['a half star', rate, 'The Matrix 4.5', { title: 'The Matrix', score: 4.5 }],
    ['a decimal comma', rate, 'The Matrix 4,5', { title: 'The Matrix', score: 4.5 }],
    ['named options', rate, 'title:"The Matrix" score:5', { title: 'The Matrix', score: 5 }],
    ['named options in any order', rate, 'score=3 title="Alien"', { title: 'Alien', score: 3 }],
    ['an unquoted named title runs to the next name', rate, 'title:The Matrix Reloaded score:2', { title: 'The Matrix Reloaded', score: 2 }],
    ['a space after the colon', rate, 'title: The Matrix score: 4', { title: 'The Matrix', score: 4 }],
    ['a colon inside a title is not an option', rate, 'Star Wars: Episode IV 5', { title: 'Star Wars: Episode IV', score: 5 }],
    ['quotes keep a colon title whole', rate, '"Alien: Resurrection" 2', { title: 'Alien: Resurrection', score: 2 }],
    ['curly quotes', rate, '“The Matrix” 4', { title: 'The Matrix', score: 4 }],
    ['an apostrophe is not a quote', rate, "Ocean's Eleven 4", { title: "Ocean's Eleven", score: 4 }],
    ['a title ending in a number, then the score', rate, "Ocean's 11 4", { title: "Ocean's 11", score: 4 }],
    ['the id form of a title', rate, 'id:2571 4', { title: 'id:2571', score: 4 }],
    ['the id form, named', rate, 'title:id:2571 score:4', { title: 'id:2571', score: 4 }],
    ['extra spaces inside a title are kept as typed', rate, 'The  Matrix 3', { title: 'The  Matrix', score: 3 }],
    ['emoji in a title', rate, '🎬 Movie 3', { title: '🎬 Movie', score: 3 }],
    ['no options at all', top, '', { genre: undefined, decade: undefined, n: 10 }],
    ['a genre, case-insensitive, and a decade', top, 'sci-fi 1990s', { genre: 'Sci-Fi', decade: '1990s', n: 10 }],
    ['only a decade', top, '90s', { genre: undefined, decade: '90s', n: 10 }],
    ['a genre and n by name', top, 'Comedy n:5', { genre: 'Comedy', n: 5 }],
    ['an optional option skipped when the word does not fit', recommend, '5', { algo: undefined, n: 5 }],
    ['an algorithm and a count', recommend, 'SVD 3', { algo: 'svd', n: 3 }],
    ['a title and a trailing count', because, 'The Matrix 3', { title: 'The Matrix', n: 3 }],
    ['a quoted title ending in a number', because, '"Ocean\'s 11"', { title: "Ocean's 11", n: 5 }],
    ['members and a count', movienight, '@ann @bob 3', { n: 3 }],
    ['yes/no words', forget, 'confirm:yes', { confirm: true }],
    ['yes/no not given', forget, '', { confirm: undefined }],
    ['yes/no: no', forget, 'confirm:no', { confirm: false }],
  ];
  for (const [story, def, text, expected] of good) {
    it(`${story}: "${text}"`, () => {
      const r = parseLine(def, text);
      expect(r).toMatchObject({ ok: true });
      if (r.ok) expect(r.options).toMatchObject(expected);
    });
  }

  it('reads mentions on every platform', () => {
    const r = parseOptions(movienight as unknown as AnyCommand, { text: '<@123456789012345678> <@!22> <@U0ABC|bob> @carol' }, { platform: 'discord', accepted });
    expect(r.ok && r.options.members).toEqual([
      { platform: 'discord', userId: '123456789012345678', mention: '<@123456789012345678>' },
      { platform: 'discord', userId: '22', mention: '<@!22>' },
      { platform: 'discord', userId: 'U0ABC', mention: '<@U0ABC|bob>' },
      { platform: 'discord', userId: 'carol', mention: '@carol' },
    ]);
  });

  it('keeps the newlines of pasted CSV text', () => {
    const csv = 'Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,The Matrix,1999,https://boxd.it/x,4.5';
    const r = parseLine(importCmd, csv);
    expect(r.ok && r.options.file).toBe(csv);
  });

  it('takes one raw string per option from platforms that split them (Discord)', () => {
    const r = parseOptions(rate as unknown as AnyCommand, { values: { title: 'The Matrix', score: '4.5' } }, pc);
    expect(r).toEqual({ ok: true, options: { title: 'The Matrix', score: 4.5 } });
  });

  const bad: Array<[string, unknown, string, RegExp]> = [
    ['a missing score', rate, 'The Matrix', /^Missing score: your rating; a number from 0.5 to 5 in steps of 0.5\.$/],
    ['a missing title', rate, '5', /^Missing title/],
    ['nothing at all', rate, '', /^Missing title/],
    ['an empty quoted title', rate, '"" 4', /^Missing title/],
    ['score 0', rate, 'The Matrix 0', /score must be from 0.5 to 5 \(you gave 0\)/],
    ['score 5.5', rate, 'The Matrix 5.5', /score must be from 0.5 to 5 \(you gave 5.5\)/],
    ['score 7', rate, 'The Matrix 7', /score must be from 0.5 to 5 \(you gave 7\)/],
    ['score -1', rate, 'The Matrix -1', /score must be from 0.5 to 5 \(you gave -1\)/],
    ['score between half stars', rate, 'The Matrix 4.3', /score goes in steps of 0.5 \(you gave 4.3\)/],
    ['score "abc" by name', rate, 'title:Alien score:abc', /score must be a number: "abc" is not one/],
    ['score NaN', rate, 'title:Alien score:NaN', /score must be a number: "NaN" is not one/],
    ['score Infinity', rate, 'title:Alien score:Infinity', /score must be a number/],
    ['score hex', rate, 'title:Alien score:0x4', /score must be a number/],
    ['an unknown option', rate, 'title:Alien colour:blue', /\/rate has no option "colour"; its options are title, score\./],
    ['an option given twice', rate, 'title:Alien title:Heat score:3', /title is given twice/],
    ['a 10 KB title', rate, `${'x'.repeat(10_240)} 4`, /title is too long \(10240 characters; at most 200\)/],
    ['an integer option given a fraction', recommend, 'n:2.5', /n must be a whole number/],
    ['n out of range', recommend, 'svd 99', /n must be from 1 to 25 \(you gave 99\)/],
    ['an unknown algorithm', recommend, 'algo:svdd', /algo "svdd" is not one I know\. Did you mean svd\?/],
    ['algorithm parameters, which are for the CLI', recommend, 'svd:n_factors=10', /^algo "svd:n_factors=10": parameters such as svd:n_factors=10 are for comparing algorithms on the command line \(npm run evaluate\), not for chat\. Here, name one of: svd, knn-user, knn-item, baseline, popular, content\.$/],
    ['algorithm parameters, named', recommend, 'algo:knn-item:k=20 5', /^algo "knn-item:k=20": parameters .*\(npm run evaluate\)/],
    ['an unknown genre', top, 'genre:Westerns', /genre "Westerns" is not one I know/],
    ['a bad decade', top, 'decade:nineties', /decade "nineties" is not valid: write a decade such as 1990s/],
    ['a yes/no option given a title', forget, 'confirm:maybe', /confirm must be yes or no/],
    ['words a command does not take', recommend, 'svd 5 please', /I don't know what to do with "please"/],
    ['a non-mention in a member list', movienight, 'members:"@ann <script>"', /"<script>" is not a member mention/],
    ['a count out of range after members (only a title keeps such a number)', movienight, '@ann 30', /^n must be from 1 to 25 \(you gave 30\)\.$/],
    ['too many members', movienight, Array.from({ length: 11 }, (_, i) => `@m${i}`).join(' '), /at most 10 members/],
  ];
  for (const [story, def, text, message] of bad) {
    it(`refuses ${story} with a clear message`, () => {
      const r = parseLine(def, text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatch(message);
    });
  }

  describe('a number at the end of a title: the parser reports both readings and looks nothing up', () => {
    it('a number outside the score range is part of the title, and the score is asked for: "Apollo 13"', () => {
      expect(parseLine(rate, 'Apollo 13')).toEqual({
        ok: false,
        error:
          'Missing score: your rating; a number from 0.5 to 5 in steps of 0.5. ' +
          'I read "13" as part of the title, because score must be from 0.5 to 5 (you gave 13).',
      });
      expect(parseLine(rate, 'Apollo 13 4.5')).toMatchObject({ ok: true, options: { title: 'Apollo 13', score: 4.5 } });
    });

    it('a number between half stars is part of the title too, and says why', () => {
      const r = parseLine(rate, 'The Matrix 4.3');
      expect(r.ok === false && r.error).toMatch(/^Missing score: .* I read "4\.3" as part of the title, because score goes in steps of 0\.5 \(you gave 4\.3\)\.$/);
    });

    it('a score that fits goes to the score, with the longer title reported for the command to check: "Toy Story 3"', () => {
      expect(parseLine(rate, 'Toy Story 3')).toEqual({
        ok: true,
        options: { title: 'Toy Story', score: 3 },
        trailing: { text: 'title', option: 'score', word: '3', whole: 'Toy Story 3', rest: 'Toy Story' },
      });
    });

    it('quotes, a name or an id say where the title ends: no second reading', () => {
      expect(parseLine(rate, '"Toy Story" 3')).toEqual({ ok: true, options: { title: 'Toy Story', score: 3 } });
      expect(parseLine(rate, 'Toy Story score:3')).toEqual({ ok: true, options: { title: 'Toy Story', score: 3 } });
      expect(parseLine(rate, 'id:1 3')).toEqual({ ok: true, options: { title: 'id:1', score: 3 } });
      expect(parseLine(because, '"The Matrix" 11')).toEqual({ ok: false, error: 'n must be from 1 to 10 (you gave 11).' });
    });

    it('a count its option refuses stays in the title, with the refusal kept for the command: "The Matrix 11"', () => {
      expect(parseLine(because, 'The Matrix 11')).toEqual({
        ok: true,
        options: { title: 'The Matrix 11', n: 5 },
        trailing: { text: 'title', option: 'n', word: '11', whole: 'The Matrix 11', rest: 'The Matrix', refusal: 'n must be from 1 to 10 (you gave 11).' },
      });
      expect(parseLine(because, 'Toy Story 3 2')).toMatchObject({ ok: true, options: { title: 'Toy Story 3', n: 2 } });
    });
  });

  it('a word that is not one of an option’s values says so and lists them, instead of "what to do with"', () => {
    expect(parseLine(recommend, 'foo')).toEqual({ ok: false, error: 'algo "foo" is not one I know. Accepted: svd, knn-user, knn-item, baseline, popular, content.' });
    const r = parseLine(top, 'Westerns');
    expect(r.ok === false && r.error).toMatch(/^genre "Westerns" is not one I know\. Accepted: Action, /);
  });

  it('refuses an unknown option given as a separate raw value', () => {
    const r = parseOptions(rate as unknown as AnyCommand, { values: { title: 'Alien', stars: '4' } }, pc);
    expect(r).toEqual({ ok: false, error: '/rate has no option "stars"; its options are title, score.' });
  });

  it('splits words, quoted phrases and name:value pairs', () => {
    expect(tokenize('a "b c" d:e f="g h" “i”').map((t) => [t.key, t.value])).toEqual([
      [undefined, 'a'],
      [undefined, 'b c'],
      ['d', 'e'],
      ['f', 'g h'],
      [undefined, 'i'],
    ]);
  });

  it('writes usage lines from the definitions', () => {
    expect(usage(rate)).toBe('/rate <title> <score>');
    expect(usage(top)).toBe('/top [genre] [decade] [n] [percentile]');
    expect(usage(movienight)).toBe('/movienight <members…> [n]');
  });
});
