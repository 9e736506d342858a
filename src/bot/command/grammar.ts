/**
 * The ONE option parser every platform uses. Adapters hand over raw strings, either a whole
 * command line as typed in the console or a Slack slash command (`/rate The Matrix 4.5`,
 * `/rate title:"The Matrix" score:4.5`), or one raw string per option (Discord's slash-command
 * options). `parseOptions` turns either into typed, validated values, or into one message saying
 * what is wrong and how to type it. It reads; it never looks anything up: a title that may own
 * its last number is reported as `trailing`, for the command to decide with one lookup.
 *
 * The line syntax, forgiving by design (also shown by /help):
 * - words in order fill the options in order: `/rate The Matrix 4.5`;
 * - `name:value` or `name=value` sets an option by name, in any order; a value may be quoted
 *   (`title:"Alien: Resurrection"`), and an unquoted value of a text option runs up to the next
 *   `name:` (`title:The Matrix score:5`);
 * - the one free-text option of a command (a title, a genre, a list of members) takes every word
 *   the other options leave; options written after it are taken from the end of the line only
 *   when the last word fits them (a number for a number), so `/rate The Matrix` asks for the
 *   score instead of rating "The" with "Matrix";
 * - a title may end in a number (`mayEndInNumber`): a last number its option refuses stays in
 *   the title (`/rate Apollo 13` asks for the score; a score is 0.5 to 5), and a last number the
 *   option takes is reported as `trailing` too, so `/rate Shrek 2` can name Shrek 2 (2004) once
 *   the command has looked it up (`/rate "Shrek" 2` or `/rate Shrek score:2` rates Shrek);
 * - optional options before it are skipped when the word does not fit (`/recommend 5` = n 5);
 * - `id:<movieId>` is a title written as a movie id: it is a value, not an option name;
 * - numbers accept a decimal comma (`4,5`); yes/no options accept yes/no/true/false/on/off/1/0.
 */
import type { AnyCommand, CommandDef, OptionSpec, ParseContext, ParsedOptions, TrailingNumber } from './contract.ts';
import { acceptedValue, cleanText, convert, parametersRefusal, parseBoolean, parseNumber } from './values.ts';
import { clip, describeOption, unknownOption, usage } from './words.ts';

export type ParseResult = { ok: true; options: ParsedOptions; trailing?: TrailingNumber } | { ok: false; error: string };

/** Raw input for one command: the text after the command name, or one raw string per option. */
export type RawOptions = { text: string } | { values: Readonly<Record<string, string | undefined>> };

export function parseOptions(def: CommandDef<never> | AnyCommand, raw: RawOptions, pc: ParseContext): ParseResult {
  const specs = def.options;
  const given = new Map<string, string>();
  const fail = (error: string): ParseResult => ({ ok: false, error });
  /** why an option written on the line is missing all the same (its word went to the free text) */
  let missingWhy = new Map<string, string>();
  let trailing: TrailingNumber | undefined;

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
    trailing = assigned.trailing;
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
  return trailing ? { ok: true, options, trailing } : { ok: true, options };
}

// ---------------------------------------------------------------------------------------------
// tokenizing

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
const ID_FORM = /^id:\s*\S{1,40}$/i;

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

export function findSpec(specs: readonly OptionSpec[], key: string): OptionSpec | undefined {
  const k = key.toLowerCase();
  return specs.find((s) => s.name === k);
}

// ---------------------------------------------------------------------------------------------
// assigning words to options

/** The option that takes the leftover words: free text or a list of members. */
function isGreedy(spec: OptionSpec): boolean {
  if (spec.type === 'members') return true;
  return spec.type === 'string' && !spec.choices && !spec.accepts && !spec.pattern;
}

function isNumeric(spec: OptionSpec): boolean {
  return spec.type === 'number' || spec.type === 'integer';
}

type Assigned =
  | { ok: true; values: Map<string, string>; missingWhy: Map<string, string>; trailing?: TrailingNumber }
  | { ok: false; error: string };

function assignFromText(def: CommandDef<never> | AnyCommand, text: string, pc: ParseContext): Assigned {
  const specs = def.options;
  const tokens = tokenize(text);
  const values = new Map<string, string>();
  const missingWhy = new Map<string, string>();
  const positional: Token[] = [];
  let trailing: TrailingNumber | undefined;

  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t];
    const spec = tok.key !== undefined ? findSpec(specs, tok.key) : undefined;
    if (!spec) {
      // `svd:n_factors=10` where an option takes plain names: say that, not "no option svd"
      const params = tok.key === undefined ? undefined : firstDefined(specs, (s) => parametersRefusal(s, text.slice(tok.start, tok.end), pc));
      if (params !== undefined) return { ok: false, error: params };
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
      const restToks = positional.slice(lo, hi - 1);
      // a title followed by a number: the number may be the title's own ("Apollo 13", "Shrek 2");
      // quotes show where a title ends, and `id:2571 4` is an id and a score
      const titleTail =
        free.mayEndInNumber === true &&
        isNumeric(spec) &&
        restToks.length > 0 &&
        !positional.slice(lo, hi).some((p) => p.quoted) &&
        !ID_FORM.test(spanText(text, restToks));
      if (titleTail) {
        const whole = spanText(text, positional.slice(lo, hi));
        const rest = spanText(text, restToks);
        const converted = convert(spec, word, pc);
        if ('error' in converted) {
          // refused (out of range or steps): the number stays in the title
          if (spec.required) {
            missingWhy.set(spec.name, `Missing ${spec.name}: ${describeOption(spec)}. I read "${clip(word, 20)}" as part of the ${free.name}, because ${lowerFirst(converted.error)}`);
          } else {
            trailing = { text: free.name, option: spec.name, word, whole, rest, refusal: converted.error };
          }
          continue;
        }
        trailing = { text: free.name, option: spec.name, word, whole, rest };
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
  return { ok: true, values, missingWhy, trailing };
}

function firstDefined<T, R>(xs: readonly T[], f: (x: T) => R | undefined): R | undefined {
  for (const x of xs) {
    const r = f(x);
    if (r !== undefined) return r;
  }
  return undefined;
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
      if (spec.choices || spec.accepts) return acceptedValue(spec, word, pc) !== undefined;
      if (spec.pattern) return spec.pattern.re.test(word);
      return true;
  }
}
