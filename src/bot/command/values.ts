/**
 * Converting one raw option value into its typed value, or into a message saying what is wrong:
 * numbers (with a decimal comma), yes/no words, mentions, and strings checked against choices,
 * the data's accepted lists and patterns.
 */
import type { Platform } from '../../store/api.ts';
import { DEFAULT_MAX_LENGTH, type MemberRef, type OptionSpec, type OptionValue, type ParseContext } from './contract.ts';
import { clip, describeOption, listOf, notOneOf, rangeText } from './words.ts';

// C0 control characters other than tab and newlines, and DEL: never meaningful in chat input
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

export function cleanText(s: string): string {
  return s.replace(CONTROL, '').trim();
}

export function parseNumber(word: string): number {
  let w = word.trim();
  if (/^[+-]?\d+,\d+$/.test(w)) w = w.replace(',', '.');
  if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(w)) return NaN;
  return Number(w);
}

const TRUE_WORDS = new Set(['yes', 'y', 'true', 'on', '1']);
const FALSE_WORDS = new Set(['no', 'n', 'false', 'off', '0']);

export function parseBoolean(word: string): boolean | undefined {
  const w = word.trim().toLowerCase();
  if (TRUE_WORDS.has(w)) return true;
  if (FALSE_WORDS.has(w)) return false;
  return undefined;
}

/** `<@123>`, `<@!123>` (Discord), `<@U123|ann>` (Slack), `@ann` or `ann` (console). */
export function parseMention(platform: Platform, word: string): MemberRef | undefined {
  const w = word.trim();
  const tagged = /^<@!?([A-Za-z0-9._-]+)(?:\|[^>]*)?>$/.exec(w);
  if (tagged) return { platform, userId: tagged[1], mention: w };
  const plain = /^@?([A-Za-z0-9][A-Za-z0-9._-]{0,63})$/.exec(w);
  if (plain) return { platform, userId: plain[1], mention: w.startsWith('@') ? w : `@${w}` };
  return undefined;
}

export function matchChoice(pairs: ReadonlyArray<readonly [name: string, value: string]>, word: string): string | undefined {
  const w = word.trim().toLowerCase();
  const hit = pairs.find(([name, value]) => value.toLowerCase() === w || name.toLowerCase() === w);
  return hit?.[1];
}

/** The accepted value `word` names, from the option's fixed choices or the data's list. */
export function acceptedValue(spec: OptionSpec, word: string, pc: ParseContext): string | undefined {
  if (spec.choices) return matchChoice(spec.choices.map((c) => [c.name, String(c.value)]), word);
  if (spec.accepts) return matchChoice(pc.accepted(spec.accepts).map((a) => [a, a]), word);
  return undefined;
}

/**
 * `svd:n_factors=10` for an option that takes plain names: the message saying so, when the
 * option has one and the part before the colon is an accepted name.
 */
export function parametersRefusal(spec: OptionSpec, value: string, pc: ParseContext): string | undefined {
  if (!spec.parametersRefused || !spec.accepts) return undefined;
  const m = /^([^:\s]+):\S/.exec(value.trim());
  if (!m || acceptedValue(spec, m[1], pc) === undefined) return undefined;
  return `${spec.name} "${clip(value.trim(), 40)}": ${spec.parametersRefused} Here, name one of: ${listOf(pc.accepted(spec.accepts))}.`;
}

export function convert(spec: OptionSpec, raw: string, pc: ParseContext): { value: OptionValue } | { error: string } {
  const text = cleanText(raw);
  switch (spec.type) {
    case 'string': {
      const max = spec.maxLength ?? DEFAULT_MAX_LENGTH;
      if (text.length > max) return { error: `${spec.name} is too long (${text.length} characters; at most ${max}).` };
      if (spec.choices || spec.accepts) {
        const hit = acceptedValue(spec, text, pc);
        if (hit !== undefined) return { value: hit };
        const refused = parametersRefusal(spec, text, pc);
        if (refused !== undefined) return { error: refused };
        const names = spec.choices ? spec.choices.map((c) => c.name) : pc.accepted(spec.accepts!);
        return { error: notOneOf(spec.name, text, names) };
      }
      if (spec.pattern && !spec.pattern.re.test(text)) {
        return { error: `${spec.name} "${clip(text, 40)}" is not valid: ${spec.pattern.hint}.` };
      }
      return { value: text };
    }
    case 'number':
    case 'integer': {
      const v = parseNumber(text);
      if (!Number.isFinite(v)) return { error: `${spec.name} must be a number: "${clip(text, 40)}" is not one (${describeOption(spec)}).` };
      if (spec.type === 'integer' && !Number.isInteger(v)) return { error: `${spec.name} must be a whole number (you gave ${text}).` };
      if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
        return { error: `${spec.name} must be ${rangeText(spec)} (you gave ${text}).` };
      }
      if (spec.step !== undefined) {
        const base = spec.min ?? 0;
        const k = (v - base) / spec.step;
        if (Math.abs(k - Math.round(k)) > 1e-9) return { error: `${spec.name} goes in steps of ${spec.step} (you gave ${text}).` };
      }
      return { value: v };
    }
    case 'boolean': {
      const b = parseBoolean(text);
      if (b === undefined) return { error: `${spec.name} must be yes or no (you gave "${clip(text, 40)}").` };
      return { value: b };
    }
    case 'member': {
      const ref = parseMention(pc.platform, text);
      if (!ref) return { error: `${spec.name} must be a member mention such as @name (you gave "${clip(text, 40)}").` };
      return { value: ref };
    }
    case 'members': {
      const refs: MemberRef[] = [];
      for (const word of text.split(/[\s,]+/).filter((w) => w !== '')) {
        const ref = parseMention(pc.platform, word);
        if (!ref) return { error: `${spec.name}: "${clip(word, 40)}" is not a member mention such as @name.` };
        if (!refs.some((r) => r.userId === ref.userId)) refs.push(ref);
      }
      if (spec.min !== undefined && refs.length < spec.min) return { error: `${spec.name}: mention at least ${spec.min} member${spec.min === 1 ? '' : 's'}.` };
      if (spec.max !== undefined && refs.length > spec.max) return { error: `${spec.name}: at most ${spec.max} members (you mentioned ${refs.length}).` };
      return { value: refs };
    }
  }
}
