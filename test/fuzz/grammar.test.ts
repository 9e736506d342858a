/**
 * Whatever a member types after any real command, on any platform, the one option parser
 * answers: options that keep every promise their specs make, or one clear message. It never
 * throws. The same holds for the raw per-option strings the Discord adapter hands over.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseOptions, tokenize, type AnyCommand, type ParseResult } from '../../src/bot/command.ts';
import { loadCommands } from '../../commands/index.ts';
import { clearError, honours, lineText, parseContext, rawValue } from './arbitraries.ts';

let commands: readonly AnyCommand[];
beforeAll(async () => {
  commands = (await loadCommands()).list;
});

function check(def: AnyCommand, result: ParseResult, typed: string, platform: 'console' | 'slack' | 'discord'): void {
  if (!result.ok) {
    expect(clearError(result.error, typed), result.error).toBeUndefined();
    return;
  }
  const pc = parseContext(platform);
  for (const spec of def.options) {
    expect(honours(spec, result.options[spec.name], pc), `/${def.name} ${spec.name} from ${JSON.stringify(typed)}`).toBeUndefined();
  }
}

describe('the command-line grammar, fuzzed', () => {
  it('parses or clearly refuses any line after any command', () => {
    fc.assert(
      fc.property(fc.nat(), lineText, fc.constantFrom('console' as const, 'slack' as const), (k, text, platform) => {
        const def = commands[k % commands.length];
        check(def, parseOptions(def, { text }, parseContext(platform)), text, platform);
      }),
      { numRuns: 3000 },
    );
  });

  it('parses or clearly refuses any raw option strings (the Discord form), names in any case', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), rawValue, fc.boolean())),
        fc.option(fc.string({ maxLength: 10 }), { nil: undefined }),
        (k, picks, stranger) => {
          const def = commands[k % commands.length];
          const values: Record<string, string | undefined> = {};
          for (const [i, v, upper] of picks) {
            if (def.options.length === 0) break;
            const name = def.options[i % def.options.length].name;
            values[upper ? name.toUpperCase() : name] = v;
          }
          if (stranger !== undefined) values[stranger] = 'x';
          check(def, parseOptions(def, { values }, parseContext('discord')), JSON.stringify(values), 'discord');
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('tokenizes any text into tokens that lie inside it, in order', () => {
    fc.assert(
      fc.property(fc.oneof(lineText, fc.string({ unit: 'binary' })), (text) => {
        let end = 0;
        for (const t of tokenize(text)) {
          expect(t.start).toBeGreaterThanOrEqual(end);
          expect(t.end).toBeLessThanOrEqual(text.length);
          end = t.end;
        }
      }),
      { numRuns: 2000 },
    );
  });
});
