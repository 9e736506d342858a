/**
 * The platform-neutral command contract and the ONE option parser every platform uses.
 *
 * Adapters hand over raw strings, either a whole command line as typed in the console or a Slack
 * slash command (`/rate The Matrix 4.5`, `/rate title:"The Matrix" score:4.5`), or one raw string per
 * option (Discord's slash-command options). `parseOptions` turns either into typed, validated
 * values, or into one message saying what is wrong and how to type it.
 *
 * The line syntax, forgiving by design (also shown by /help):
 * - words in order fill the options in order: `/rate The Matrix 4.5`;
 * - `name:value` or `name=value` sets an option by name, in any order; a value may be quoted
 *   (`title:"Alien: Resurrection"`), and an unquoted value of a text option runs up to the next
 *   `name:` (`title:The Matrix score:5`);
 * - the one free-text option of a command (a title, a genre, a list of members) takes every word
 *   the other options leave; options written after it are taken from the end of the line only
 *   when the last word fits them (a number for a number, inside the option's range and steps), so
 *   `/rate The Matrix` asks for the score instead of rating "The" with "Matrix", and
 *   `/rate Apollo 13` keeps 13 in the title (a score is 0.5 to 5) and asks for the score;
 * - the free-text option may claim its last word although it fits (`ownsLastWord`): `/rate Shrek 2`
 *   names the movie Shrek 2, so the parser asks for the score instead of rating Shrek with 2
 *   (`/rate "Shrek" 2` or `/rate Shrek score:2` rates Shrek);
 * - optional options before it are skipped when the word does not fit (`/recommend 5` = n 5);
 * - `id:<movieId>` is a title written as a movie id: it is a value, not an option name;
 * - numbers accept a decimal comma (`4,5`); yes/no options accept yes/no/true/false/on/off/1/0.
 */
import type { Member, Platform } from '../store/api.ts';
import type { MarqueeService } from './service-api.ts';
import type { Progress, Reply } from './reply.ts';

export type OptionType = 'string' | 'number' | 'integer' | 'boolean' | 'member' | 'members';

/** A member as mentioned on a platform, before lookup in the service. */
export interface MemberRef {
  platform: Platform;
  userId: string;
  /** as typed, for messages ("I don't know @bob yet") */
  mention: string;
}

export interface OptionChoice {
  name: string;
  value: string | number;
}

export interface OptionSpec {
  readonly name: string;
  readonly description: string;
  readonly type: OptionType;
  readonly required?: boolean;
  /** used when the option is not given (optional options only) */
  readonly default?: string | number | boolean;
  /** numbers: range; members: how many */
  readonly min?: number;
  readonly max?: number;
  /** numbers: values must be multiples of this (0.5 for star ratings) */
  readonly step?: number;
  /** strings: at most this many characters (default DEFAULT_MAX_LENGTH) */
  readonly maxLength?: number;
  /** fixed choices, known when the command is defined (become Discord choices) */
  readonly choices?: readonly OptionChoice[];
  /** accepted values that come from the data (algorithms, genres): checked at run time */
  readonly accepts?: (service: MarqueeService) => readonly string[];
  /** strings: the shape a value must have, with a hint for people ("1990s", "90s") */
  readonly pattern?: { readonly re: RegExp; readonly hint: string };
  /** suggest values while typing: from `accepts` when set, else movie titles */
  readonly autocomplete?: boolean;
  /**
   * How to ask for this option when it is missing because the free text kept the word that would
   * have filled it: "how many stars" → "Missing score: how many stars for Shrek 2 (2004)?".
   */
  readonly question?: string;
  /**
   * Free text only: whether its last word belongs to it even though the word fits the option
   * after it. `whole` is the text as typed, `rest` the text without its last word. Returns what
   * the whole text names ("Shrek 2 (2004)") and, when the shorter text names something else,
   * that ("Shrek (2001)"), for the message asking for the missing option; undefined lets the
   * next option take the word. Not asked when the text was quoted: quotes show where it ends.
   * Having it also marks the text as one that may end in a number (a title): a number the next
   * option refuses (out of its range or steps, "Apollo 13") stays in the text.
   */
  readonly ownsLastWord?: (whole: string, rest: string, service: MarqueeService) => { names: string; split?: string } | undefined;
}

type ValueFor<T extends OptionType> = T extends 'string'
  ? string
  : T extends 'number' | 'integer'
    ? number
    : T extends 'boolean'
      ? boolean
      : T extends 'member'
        ? MemberRef
        : MemberRef[];

export type OptionValue = string | number | boolean | MemberRef | MemberRef[];
export type ParsedOptions = Record<string, OptionValue | undefined>;

/** The typed options a command receives, derived from its option specs. */
export type OptionsOf<S extends readonly OptionSpec[]> = {
  [K in S[number] as K['name']]: K extends { required: true } | { default: string | number | boolean }
    ? ValueFor<K['type']>
    : ValueFor<K['type']> | undefined;
};

export interface CommandContext {
  service: MarqueeService;
  /** the member behind the platform user; created on first use (commands that write) */
  readonly member: Member;
  /**
   * The member if they already exist, without creating one: read-only commands use this, so
   * looking (/ratings, /movie, /recommend) leaves no member record behind. Undefined = no ratings.
   */
  readonly knownMember: Member | undefined;
  platform: Platform;
  /** the platform's user id (console: $USER) */
  userId: string;
  isAdmin: boolean;
  /** milliseconds since the epoch when the command arrived */
  now: number;
  /** every registered command (for /help) */
  commands: readonly AnyCommand[];
}

export type CommandResult = Promise<Reply> | AsyncIterable<Progress | Reply>;

export interface CommandDef<O = ParsedOptions> {
  readonly name: string;
  readonly description: string;
  readonly options: readonly OptionSpec[];
  readonly adminOnly?: boolean;
  /**
   * Changes the member's data (ratings, the member record). Adapters use it to retire choices
   * offered before the change (the console's numbered menu).
   */
  readonly writes?: boolean;
  /** example lines for /help */
  readonly examples?: readonly string[];
  run(ctx: CommandContext, opts: O): CommandResult;
}

export type AnyCommand = CommandDef<ParsedOptions>;

/** Declares a command; `opts` in `run` is typed from `options`. */
export function defineCommand<const S extends readonly OptionSpec[]>(def: {
  name: string;
  description: string;
  options: S;
  adminOnly?: boolean;
  writes?: boolean;
  examples?: readonly string[];
  run(ctx: CommandContext, opts: OptionsOf<S>): CommandResult;
}): CommandDef<OptionsOf<S>> {
  return def;
}

/** A problem the member can fix, thrown inside a command: becomes an ephemeral reply. */
export class UserError extends Error {
  override name = 'UserError';
}

/** Free text is capped so a pasted novel never reaches the service (Discord's title limit is 256). */
export const DEFAULT_MAX_LENGTH = 200;

export type ParseResult = { ok: true; options: ParsedOptions } | { ok: false; error: string };

export interface ParseContext {
  platform: Platform;
  service: MarqueeService;
}

/** Raw input for one command: the text after the command name, or one raw string per option. */
export type RawOptions = { text: string } | { values: Readonly<Record<string, string | undefined>> };

export function parseOptions(def: CommandDef<never> | AnyCommand, raw: RawOptions, pc: ParseContext): ParseResult {
  const specs = def.options;
  const given = new Map<string, string>();
  const fail = (error: string): ParseResult => ({ ok: false, error });
  /** why an option written on the line is missing all the same (its word went to the free text) */
  let missingWhy = new Map<string, string>();

  if ('values' in raw) {
    for (const [key, value] of Object.entries(raw.values)) {
      if (value === undefined) continue;
      const spec = findSpec(specs, key);
      if (!spec) return fail(unknownOption(def, key));
      given.set(spec.name, value);
    }
  } else {
    const assigned = assignFromText(def, raw.text, pc);
    if (!assigned.ok) return fail(assigned.error);
    for (const [k, v] of assigned.values) given.set(k, v);
    missingWhy = assigned.missingWhy;
  }

  const options: ParsedOptions = {};
  for (const spec of specs) {
    const rawValue = given.get(spec.name);
    if (rawValue === undefined || cleanText(rawValue) === '') {
      if (spec.required) return fail(missingWhy.get(spec.name) ?? `Missing ${spec.name}: ${describeOption(spec)}.`);
      options[spec.name] = spec.default;
      continue;
    }
    const converted = convert(spec, rawValue, pc);
    if ('error' in converted) return fail(converted.error);
    options[spec.name] = converted.value;
  }
  return { ok: true, options };
}

// ---------------------------------------------------------------------------------------------
// tokenizing and assigning words to options

interface Token {
  /** the value: unquoted text, or the text after `name:` */
  value: string;
  start: number;
  end: number;
  /** a `name:`/`name=` prefix, when the token has one */
  key?: string;
  quoted: boolean;
}

const OPEN_QUOTES: Record<string, string> = { '"': '"', '“': '”', '”': '”', '„': '“', '«': '»', "'": "'", '‘': '’' };
/** option-looking prefixes that are part of a value (`id:2571` names a movie) */
const VALUE_PREFIXES = new Set(['id']);

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = text.length;
  const isSpace = (c: string) => /\s/.test(c);
  while (i < n) {
    while (i < n && isSpace(text[i])) i++;
    if (i >= n) break;
    const start = i;
    let key: string | undefined;
    const keyMatch = /^([A-Za-z][\w-]*)[:=]/.exec(text.slice(i, i + 40));
    if (keyMatch) {
      key = keyMatch[1];
      i += keyMatch[0].length;
    }
    const quote = readQuoted(text, i);
    if (quote) {
      tokens.push({ value: quote.value, start, end: quote.end, key, quoted: true });
      i = quote.end;
      continue;
    }
    while (i < n && !isSpace(text[i])) i++;
    tokens.push({ value: text.slice(key ? start + key.length + 1 : start, i), start, end: i, key, quoted: false });
  }
  return tokens;
}

function readQuoted(text: string, at: number): { value: string; end: number } | undefined {
  const close = OPEN_QUOTES[text[at]];
  if (close === undefined) return undefined;
  let j = at + 1;
  for (; j < text.length; j++) {
    if (text[j] !== close && !(close === '”' && text[j] === '"')) continue;
    // an apostrophe closes only before a space or the end ("'Salem's Lot'" keeps its inner one)
    if ((close === "'" || close === '’') && j + 1 < text.length && !/\s/.test(text[j + 1])) continue;
    return { value: text.slice(at + 1, j), end: j + 1 };
  }
  // a single quote never closed is an apostrophe, not a quote
  if (close === "'" || close === '’') return undefined;
  return { value: text.slice(at + 1), end: text.length }; // forgiving: an unclosed quote runs to the end
}

function findSpec(specs: readonly OptionSpec[], key: string): OptionSpec | undefined {
  const k = key.toLowerCase();
  return specs.find((s) => s.name === k);
}

/** The option that takes the leftover words: free text or a list of members. */
function isGreedy(spec: OptionSpec): boolean {
  if (spec.type === 'members') return true;
  return spec.type === 'string' && !spec.choices && !spec.accepts && !spec.pattern;
}

function assignFromText(
  def: CommandDef<never> | AnyCommand,
  text: string,
  pc: ParseContext,
): { ok: true; values: Map<string, string>; missingWhy: Map<string, string> } | { ok: false; error: string } {
  const specs = def.options;
  const tokens = tokenize(text);
  const values = new Map<string, string>();
  const missingWhy = new Map<string, string>();
  const positional: Token[] = [];

  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t];
    const spec = tok.key !== undefined ? findSpec(specs, tok.key) : undefined;
    if (!spec) {
      if (looksLikeUnknownOption(tok)) return { ok: false, error: unknownOption(def, tok.key!) };
      // not an option name ("Alien:" in a title): the whole token is an ordinary word
      positional.push(tok.key === undefined ? tok : { value: text.slice(tok.start, tok.end), start: tok.start, end: tok.end, quoted: false });
      continue;
    }
    if (values.has(spec.name)) return { ok: false, error: `${spec.name} is given twice.` };
    // `title:The Matrix score:5` and `title: The Matrix`: a free-text value runs to the next name:
    const followers: Token[] = [];
    if (!tok.quoted && (isGreedy(spec) || tok.value === '')) {
      while (t + 1 < tokens.length && !isNamed(tokens[t + 1], specs)) {
        if (looksLikeUnknownOption(tokens[t + 1])) return { ok: false, error: unknownOption(def, tokens[t + 1].key!) };
        followers.push(tokens[++t]);
        if (!isGreedy(spec)) break;
      }
    }
    if (followers.length === 0) values.set(spec.name, tok.value);
    else if (tok.value === '' && followers.length === 1) values.set(spec.name, followers[0].key === undefined ? followers[0].value : text.slice(followers[0].start, followers[0].end));
    else {
      const from = tok.value === '' ? followers[0].start : tok.start + tok.key!.length + 1;
      values.set(spec.name, text.slice(from, followers[followers.length - 1].end));
    }
  }

  const open = specs.filter((s) => !values.has(s.name));
  const g = open.findIndex(isGreedy);
  let lo = 0;
  let hi = positional.length;
  const front = g < 0 ? open : open.slice(0, g);
  for (const spec of front) {
    if (lo >= hi) break;
    if (fits(spec, positional[lo].value, pc) || spec.required) values.set(spec.name, positional[lo++].value);
  }
  if (g >= 0) {
    const free = open[g];
    const back = open.slice(g + 1);
    for (let b = back.length - 1; b >= 0 && hi > lo; b--) {
      const spec = back[b];
      const word = positional[hi - 1].value;
      if (!fits(spec, word, pc)) continue;
      // a number outside the option's range or steps belongs to a title: "Apollo 13" (other free
      // text, such as a list of algorithms, leaves it to the option, whose range error then shows)
      const refused = free.ownsLastWord ? refusal(spec, word, pc) : undefined;
      if (refused !== undefined) {
        missingWhy.set(spec.name, `Missing ${spec.name}: ${describeOption(spec)}. I read "${clip(word, 20)}" as part of the ${free.name}, because ${lowerFirst(refused)}`);
        continue;
      }
      const claim = hi - 1 > lo && !positional.slice(lo, hi).some((p) => p.quoted) ? free.ownsLastWord : undefined;
      const owned = claim?.(spanText(text, positional.slice(lo, hi)), spanText(text, positional.slice(lo, hi - 1)), pc.service);
      if (owned) {
        missingWhy.set(spec.name, claimedMessage(def, free, spec, owned, spanText(text, positional.slice(lo, hi - 1)), word));
        break;
      }
      values.set(spec.name, positional[--hi].value);
    }
    if (hi > lo) values.set(free.name, spanText(text, positional.slice(lo, hi)));
    lo = hi;
  }
  if (lo < hi) {
    // a word meant for an option with a fixed set of values that it is not one of ("/recommend
    // foo"): say so, and what that option accepts, rather than that the word is extra
    const skipped = open.find((s) => !values.has(s.name) && s.type === 'string' && !isGreedy(s));
    if (skipped) {
      const converted = convert(skipped, positional[lo].value, pc);
      if ('error' in converted) return { ok: false, error: converted.error };
    }
    const extra = positional.slice(lo, hi).map((p) => p.value).join(' ');
    return { ok: false, error: `I don't know what to do with "${clip(extra, 60)}": ${usage(def)} takes ${open.length === 0 ? 'nothing more' : 'no more words here'}.` };
  }
  return { ok: true, values, missingWhy };
}

/** Why a value that looks right is refused (a number out of range or between steps), if it is. */
function refusal(spec: OptionSpec, word: string, pc: ParseContext): string | undefined {
  if (spec.type !== 'number' && spec.type !== 'integer') return undefined;
  const converted = convert(spec, word, pc);
  return 'error' in converted ? converted.error : undefined;
}

/** "Missing score: how many stars for Shrek 2 (2004)? For Shrek (2001) with score 2, type …" */
function claimedMessage(
  def: { name: string },
  free: OptionSpec,
  spec: OptionSpec,
  owned: { names: string; split?: string },
  rest: string,
  word: string,
): string {
  const ask = spec.question
    ? `Missing ${spec.name}: ${spec.question} for ${owned.names}?`
    : `Missing ${spec.name} for ${owned.names}: ${describeOption(spec)}.`;
  if (owned.split === undefined) return ask;
  const quoted = rest.includes('"') ? `“${rest}”` : `"${rest}"`;
  return `${ask} For ${owned.split} with ${spec.name} ${word}, type /${def.name} ${free.name}:${quoted} ${spec.name}:${word}.`;
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** `colour:blue`: a lowercase name with a value, that is neither an option nor a value prefix. */
function looksLikeUnknownOption(tok: Token): boolean {
  const key = tok.key;
  return key !== undefined && /^[a-z][a-z0-9_-]+$/.test(key) && !VALUE_PREFIXES.has(key) && (tok.value !== '' || tok.quoted);
}

function isNamed(tok: Token, specs: readonly OptionSpec[]): boolean {
  return tok.key !== undefined && findSpec(specs, tok.key) !== undefined;
}

/** The words as the member typed them (one quoted word: its inside), keeping inner spacing and newlines. */
function spanText(text: string, toks: Token[]): string {
  if (toks.length === 1 && toks[0].quoted) return toks[0].value;
  return text.slice(toks[0].start, toks[toks.length - 1].end);
}

/** Whether a word could be this option's value (used only to place words, not to validate). */
function fits(spec: OptionSpec, word: string, pc: ParseContext): boolean {
  switch (spec.type) {
    case 'number':
    case 'integer':
      return Number.isFinite(parseNumber(word));
    case 'boolean':
      return parseBoolean(word) !== undefined;
    case 'member':
    case 'members':
      return /^<?@/.test(word);
    case 'string':
      if (spec.choices) return matchChoice(spec.choices.map((c) => [c.name, String(c.value)]), word) !== undefined;
      if (spec.accepts) return matchChoice(spec.accepts(pc.service).map((a) => [a, a]), word) !== undefined;
      if (spec.pattern) return spec.pattern.re.test(word);
      return true;
  }
}

// ---------------------------------------------------------------------------------------------
// converting one raw value

// C0 control characters other than tab and newlines, and DEL: never meaningful in chat input
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

function cleanText(s: string): string {
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

function matchChoice(pairs: ReadonlyArray<readonly [name: string, value: string]>, word: string): string | undefined {
  const w = word.trim().toLowerCase();
  const hit = pairs.find(([name, value]) => value.toLowerCase() === w || name.toLowerCase() === w);
  return hit?.[1];
}

function convert(spec: OptionSpec, raw: string, pc: ParseContext): { value: OptionValue } | { error: string } {
  const text = cleanText(raw);
  switch (spec.type) {
    case 'string': {
      const max = spec.maxLength ?? DEFAULT_MAX_LENGTH;
      if (text.length > max) return { error: `${spec.name} is too long (${text.length} characters; at most ${max}).` };
      if (spec.choices) {
        const hit = matchChoice(spec.choices.map((c) => [c.name, String(c.value)]), text);
        if (hit === undefined) return { error: notOneOf(spec.name, text, spec.choices.map((c) => c.name)) };
        return { value: hit };
      }
      if (spec.accepts) {
        const accepted = spec.accepts(pc.service);
        const hit = matchChoice(accepted.map((a) => [a, a]), text);
        if (hit === undefined) return { error: notOneOf(spec.name, text, accepted) };
        return { value: hit };
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

// ---------------------------------------------------------------------------------------------
// words for people: usage lines and option descriptions (also used by /help)

function rangeText(spec: OptionSpec): string {
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) return `from ${min} to ${max}`;
  if (min !== undefined) return `at least ${min}`;
  if (max !== undefined) return `at most ${max}`;
  return 'a number';
}

export function describeOption(spec: OptionSpec): string {
  const parts = [spec.description];
  switch (spec.type) {
    case 'number':
    case 'integer':
      parts.push(`${spec.type === 'integer' ? 'a whole number' : 'a number'} ${rangeText(spec)}${spec.step ? ` in steps of ${spec.step}` : ''}`);
      break;
    case 'boolean':
      parts.push('yes or no');
      break;
    case 'member':
      parts.push('a member mention');
      break;
    case 'members':
      parts.push('member mentions separated by spaces');
      break;
    case 'string':
      if (spec.choices) parts.push(`one of ${spec.choices.map((c) => c.name).join(', ')}`);
      else if (spec.pattern) parts.push(spec.pattern.hint);
      break;
  }
  if (spec.default !== undefined) parts.push(`default ${String(spec.default)}`);
  return parts.join('; ');
}

export function usage(def: { name: string; options: readonly OptionSpec[] }): string {
  const parts = def.options.map((o) => {
    const label = o.type === 'members' ? `${o.name}…` : o.name;
    return o.required ? `<${label}>` : `[${label}]`;
  });
  return [`/${def.name}`, ...parts].join(' ');
}

function unknownOption(def: { name: string; options: readonly OptionSpec[] }, key: string): string {
  const names = def.options.map((o) => o.name);
  return `/${def.name} has no option "${clip(key, 32)}"${names.length ? `; its options are ${names.join(', ')}` : '; it takes no options'}.`;
}

function notOneOf(name: string, given: string, accepted: readonly string[]): string {
  const close = closest(given, accepted, 3);
  const hint = close.length ? ` Did you mean ${close.join(' or ')}?` : '';
  const list = accepted.length <= 25 ? accepted.join(', ') : `${accepted.slice(0, 25).join(', ')}, …`;
  return `${name} "${clip(given, 40)}" is not one I know.${hint} Accepted: ${list}.`;
}

export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Levenshtein distance, for "did you mean" on short words (command names, genres, algorithms). */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** Up to `k` candidates close to `word` (case-insensitive), nearest first. */
export function closest(word: string, candidates: readonly string[], k: number): string[] {
  const w = word.toLowerCase().slice(0, 64);
  return candidates
    .map((c) => ({ c, d: c.toLowerCase().startsWith(w) && w.length > 0 ? 0 : editDistance(w, c.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(x.c.length / 3)))
    .sort((x, y) => x.d - y.d)
    .slice(0, k)
    .map((x) => x.c);
}

/** Suggestions while a member types an option (Discord autocomplete, console completion). */
export function suggestValues(
  def: { options: readonly OptionSpec[] },
  optionName: string,
  partial: string,
  service: MarqueeService,
  limit = 25,
): Array<{ name: string; value: string }> {
  const spec = findSpec(def.options, optionName);
  if (!spec?.autocomplete) return [];
  if (spec.accepts) {
    const p = partial.trim().toLowerCase();
    const all = spec.accepts(service);
    const starts = all.filter((a) => a.toLowerCase().startsWith(p));
    const contains = all.filter((a) => !a.toLowerCase().startsWith(p) && a.toLowerCase().includes(p));
    return [...starts, ...contains].slice(0, limit).map((a) => ({ name: a, value: a }));
  }
  return service.autocomplete(partial, limit).map((c) => ({ name: c.name, value: `id:${c.value}` }));
}

// ---------------------------------------------------------------------------------------------
// the registry's contract (commands/index.ts builds one from the commands/ folder)

export interface CommandRegistry {
  readonly list: readonly AnyCommand[];
  get(name: string): AnyCommand | undefined;
}

const NAME_RE = /^[\w-]{1,32}$/;

/**
 * Checks a module's export against the contract and Discord's limits (names ^[\w-]{1,32}$ in
 * lowercase, descriptions 1–100 characters, ≤ 25 options and choices, required options first).
 * Returns the problems, empty when the definition is valid.
 */
export function validateCommand(def: unknown): string[] {
  const problems: string[] = [];
  if (typeof def !== 'object' || def === null) return ['the export is not a command definition object'];
  const d = def as Partial<Record<keyof AnyCommand, unknown>>;
  const name = typeof d.name === 'string' ? d.name : undefined;
  if (name === undefined) problems.push('name is missing');
  else if (!NAME_RE.test(name) || name !== name.toLowerCase()) problems.push(`name "${name}" must match ^[\\w-]{1,32}$ in lowercase`);
  checkDescription(d.description, 'description', problems);
  if (typeof d.run !== 'function') problems.push('run(ctx, opts) is missing');
  if (d.adminOnly !== undefined && typeof d.adminOnly !== 'boolean') problems.push('adminOnly must be true or false');
  if (d.writes !== undefined && typeof d.writes !== 'boolean') problems.push('writes must be true or false');
  if (!Array.isArray(d.options)) {
    problems.push('options must be an array (empty when the command takes none)');
    return problems;
  }
  const options = d.options as OptionSpec[];
  if (options.length > 25) problems.push(`${options.length} options; Discord allows at most 25`);
  const seen = new Set<string>();
  let optionalSeen = false;
  for (const [i, o] of options.entries()) {
    const where = `option ${i + 1}${typeof o?.name === 'string' ? ` (${o.name})` : ''}`;
    if (typeof o !== 'object' || o === null) {
      problems.push(`${where} is not an object`);
      continue;
    }
    if (typeof o.name !== 'string' || !NAME_RE.test(o.name) || o.name !== o.name.toLowerCase()) {
      problems.push(`${where}: name must match ^[\\w-]{1,32}$ in lowercase`);
    } else if (seen.has(o.name)) problems.push(`${where}: the name is used twice`);
    else seen.add(o.name);
    checkDescription(o.description, `${where}: description`, problems);
    if (!['string', 'number', 'integer', 'boolean', 'member', 'members'].includes(o.type)) {
      problems.push(`${where}: type "${String(o.type)}" is not string, number, integer, boolean, member or members`);
    }
    if (o.required) {
      if (optionalSeen) problems.push(`${where}: required options must come before optional ones (Discord's rule)`);
    } else optionalSeen = true;
    if (o.min !== undefined && o.max !== undefined && o.min > o.max) problems.push(`${where}: min ${o.min} is above max ${o.max}`);
    if (o.choices) {
      if (o.choices.length > 25) problems.push(`${where}: ${o.choices.length} choices; Discord allows at most 25`);
      if (o.autocomplete) problems.push(`${where}: choices and autocomplete cannot be combined (Discord's rule)`);
      for (const c of o.choices) {
        if (typeof c.name !== 'string' || c.name.length < 1 || c.name.length > 100) problems.push(`${where}: choice names must be 1 to 100 characters`);
        if (String(c.value).length > 100) problems.push(`${where}: choice values must be at most 100 characters`);
      }
    }
    if (o.maxLength !== undefined && (!Number.isInteger(o.maxLength) || o.maxLength < 1)) problems.push(`${where}: maxLength must be a positive whole number`);
    if (o.required && o.default !== undefined) problems.push(`${where}: a required option cannot have a default`);
  }
  return problems;
}

function checkDescription(desc: unknown, what: string, problems: string[]): void {
  if (typeof desc !== 'string' || desc.length < 1 || desc.length > 100) {
    problems.push(`${what} must be 1 to 100 characters${typeof desc === 'string' ? ` (it has ${desc.length})` : ''}`);
  }
}

export class CommandDefinitionError extends Error {
  override name = 'CommandDefinitionError';
}

/** Builds a registry, refusing invalid definitions and duplicate names with every problem listed. */
export function createRegistry(defs: ReadonlyArray<{ source: string; def: unknown }>): CommandRegistry {
  const problems: string[] = [];
  const byName = new Map<string, AnyCommand>();
  for (const { source, def } of defs) {
    const p = validateCommand(def);
    if (p.length > 0) {
      problems.push(...p.map((x) => `${source}: ${x}`));
      continue;
    }
    const cmd = def as AnyCommand;
    if (byName.has(cmd.name)) problems.push(`${source}: a command named "${cmd.name}" is already defined`);
    else byName.set(cmd.name, cmd);
  }
  if (problems.length > 0) throw new CommandDefinitionError(`invalid command definitions:\n  - ${problems.join('\n  - ')}`);
  const list = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { list, get: (name) => byName.get(name.toLowerCase()) };
}
