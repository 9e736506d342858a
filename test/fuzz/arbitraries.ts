/**
 * What members type, for the property-based tests: any Unicode, and the pieces the command-line
 * grammar gives meaning to (quotes of every kind, `name:` and `name=`, numbers with a decimal
 * comma, mentions, ids, control characters), strung together so the interesting paths are hit.
 */
import fc from 'fast-check';
import type { AnyCommand, OptionSpec, ParseContext } from '../../src/bot/command.ts';
import { DEFAULT_MAX_LENGTH } from '../../src/bot/command/contract.ts';

export const ALGORITHMS = ['ease', 'svd', 'popular', 'content'];
export const GENRES = ['Action', 'Comedy', 'Sci-Fi', "Children's"];

export const parseContext = (platform: ParseContext['platform']): ParseContext => ({
  platform,
  accepted: (list) => (list === 'algorithms' ? ALGORITHMS : GENRES),
});

const pieces = [
  '"', '“', '”', '„', '«', '»', "'", '‘', '’', ':', '=', ',', '.', '-', '+', '/', '@', '<@', '>', '|', '&lt;', '&gt;', '&amp;',
  'id:', 'id:12', 'title:', 'score:', 'n:', 'algo=', 'yes', 'no', 'on', '0', '1', '2', '4,5', '4.5', '5', '0.5', '-3', '1e3', 'NaN',
  'Infinity', '100000000000000000000', 'The Matrix', 'Alien: Resurrection', 'Shrek 2', 'ease', 'svd:n_factors=10', '<@123>', '<@U1|ann>',
  '@ann', '\u0000', '\u0007', '\u007f', '\t', '\n', '\r\n', ' ', '  ', '🎬', '\u200d', '\ud800', 'ẞ', 'İ',
];

/** A line of words: grammar pieces and arbitrary strings, joined by spaces or nothing. */
export const lineText: fc.Arbitrary<string> = fc
  .array(fc.oneof(fc.constantFrom(...pieces), fc.string({ unit: 'grapheme', maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 })), {
    maxLength: 14,
  })
  .chain((words) => fc.array(fc.constantFrom(' ', '', '  ', ':', '='), { minLength: words.length, maxLength: words.length }).map((seps) => words.map((w, i) => w + seps[i]).join('')));

/** One raw option value as an adapter hands it over (Discord: one string per option). */
export const rawValue: fc.Arbitrary<string> = fc.oneof(
  lineText,
  fc.double().map(String),
  fc.integer().map(String),
  fc.constantFrom('yes', 'no', '<@81234567890123456>', 'ease', 'Action', ''),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

/** Whether a parsed value keeps every promise its option makes. */
export function honours(spec: OptionSpec, value: unknown, pc: ParseContext): string | undefined {
  if (value === undefined) return spec.required ? 'required but missing' : undefined;
  if (value === spec.default) return undefined;
  switch (spec.type) {
    case 'string': {
      if (typeof value !== 'string' || value === '') return 'not a non-empty string';
      if (value.length > (spec.maxLength ?? DEFAULT_MAX_LENGTH)) return 'too long';
      if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value)) return 'control characters';
      if (spec.choices && !spec.choices.some((c) => String(c.value) === value)) return 'not a choice';
      if (spec.accepts && !pc.accepted(spec.accepts).includes(value)) return 'not accepted';
      if (spec.pattern && !spec.pattern.re.test(value)) return 'pattern';
      return undefined;
    }
    case 'number':
    case 'integer': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'not a finite number';
      if (spec.type === 'integer' && !Number.isInteger(value)) return 'not whole';
      if (spec.min !== undefined && value < spec.min) return 'below min';
      if (spec.max !== undefined && value > spec.max) return 'above max';
      return undefined;
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'not a boolean';
    case 'member':
      return typeof value === 'object' && value !== null && 'userId' in value ? undefined : 'not a member';
    case 'members':
      return Array.isArray(value) ? undefined : 'not a list';
  }
}

/** A refusal a member can act on: some words, no leaked internals (unless the member typed them). */
export function clearError(error: string, typed: string): string | undefined {
  if (error.trim().length < 8) return 'too short';
  if (error.length > 4000) return 'too long';
  for (const internal of ['undefined', 'NaN', '[object ', 'Error:']) {
    if (error.includes(internal) && !typed.includes(internal)) return `shows "${internal}"`;
  }
  if (/at .+\.ts:\d+/.test(error)) return 'shows a stack';
  return undefined;
}

export function specsOf(commands: readonly AnyCommand[]): Array<[AnyCommand, OptionSpec]> {
  return commands.flatMap((c) => c.options.map((o) => [c, o] as [AnyCommand, OptionSpec]));
}
