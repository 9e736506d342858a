/**
 * Every option parser on any input: numbers, yes/no words, mentions, choices and each option
 * of every real command. A value comes back only when it is one the option allows; otherwise
 * one clear message; nothing throws.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBoolean, parseMention, parseNumber, type AnyCommand } from '../../src/bot/command.ts';
import { cleanText, convert, matchChoice } from '../../src/bot/command/values.ts';
import { loadCommands } from '../../commands/index.ts';
import { clearError, honours, parseContext, rawValue, specsOf } from './arbitraries.ts';

let commands: readonly AnyCommand[];
beforeAll(async () => {
  commands = (await loadCommands()).list;
});

describe('the option value parsers, fuzzed', () => {
  it('parseNumber gives a finite number for decimal text (a comma too) and NaN for anything else', () => {
    fc.assert(
      fc.property(fc.oneof(rawValue, fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => String(d).replace('.', ','))), (word) => {
        const n = parseNumber(word);
        if (Number.isNaN(n)) return;
        expect(Number.isFinite(n)).toBe(true);
        expect(word.trim()).toMatch(/^[+-]?[\d.,]+$/);
      }),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(fc.integer(), (i) => {
        expect(parseNumber(String(i))).toBe(i);
      }),
    );
  });

  it('parseBoolean knows only its words, in any case', () => {
    fc.assert(
      fc.property(rawValue, (word) => {
        const b = parseBoolean(word);
        if (b !== undefined) expect(['yes', 'y', 'true', 'on', '1', 'no', 'n', 'false', 'off', '0']).toContain(word.trim().toLowerCase());
      }),
      { numRuns: 2000 },
    );
  });

  it('parseMention returns a user id made of safe characters, on every platform', () => {
    fc.assert(
      fc.property(rawValue, fc.constantFrom('console' as const, 'slack' as const, 'discord' as const), (word, platform) => {
        const ref = parseMention(platform, word);
        if (ref) {
          expect(ref.userId).toMatch(/^[A-Za-z0-9._-]{1,64}$/);
          expect(ref.platform).toBe(platform);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('matchChoice answers only with one of the choices', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.string()), { maxLength: 6 }), rawValue, (pairs, word) => {
        const hit = matchChoice(pairs, word);
        if (hit !== undefined) expect(pairs.map((p) => p[1])).toContain(hit);
      }),
    );
  });

  it('convert keeps every promise of every option of every real command, or refuses clearly', () => {
    const all = specsOf(commands);
    fc.assert(
      fc.property(fc.nat(), rawValue, fc.constantFrom('console' as const, 'slack' as const, 'discord' as const), (k, raw, platform) => {
        const [def, spec] = all[k % all.length];
        const pc = parseContext(platform);
        // a blank value never reaches convert: parseOptions reads it as the option left out
        fc.pre(cleanText(raw) !== '');
        const out = convert(spec, raw, pc);
        if ('error' in out) expect(clearError(out.error, raw), `/${def.name} ${spec.name}: ${out.error}`).toBeUndefined();
        else expect(honours(spec, out.value, pc), `/${def.name} ${spec.name} from ${JSON.stringify(raw)}`).toBeUndefined();
      }),
      { numRuns: 5000 },
    );
  });
});
