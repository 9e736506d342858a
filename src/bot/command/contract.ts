/**
 * The platform-neutral command contract: what a command declares (its options, with their types,
 * ranges and words for people) and what it receives when it runs. Commands are defined with
 * `defineCommand`, which types `opts` from the option specs.
 */
import type { Member, Platform } from '../../store/api.ts';
import type { MarqueeService } from '../service-api.ts';
import type { Progress, Reply } from '../reply.ts';

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

/**
 * Lists of accepted values that come from the data, not from the definition: the parser receives
 * them as plain lists (ParseContext.accepted) and never asks the service itself.
 */
export type AcceptedList = 'algorithms' | 'genres';

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
  readonly accepts?: AcceptedList;
  /**
   * `accepts` options: what to tell a member who adds parameters to a value (`svd:n_factors=10`),
   * which chat does not take. Unset: such a value is just not one of the accepted ones.
   */
  readonly parametersRefused?: string;
  /** strings: the shape a value must have, with a hint for people ("1990s", "90s") */
  readonly pattern?: { readonly re: RegExp; readonly hint: string };
  /** suggest values while typing: from `accepts` when set, else movie titles */
  readonly autocomplete?: boolean;
  /**
   * Free text that may end in a number of its own (a title: "Shrek 2", "Apollo 13"). When such a
   * text is followed by a number option and the line ends in a number, the parser reports both
   * readings (`ParsedLine.trailing`); the command decides once, when it looks the title up.
   */
  readonly mayEndInNumber?: boolean;
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

/**
 * A line ending in a number after a title ("/rate Shrek 2", "/because The Matrix 11"): which
 * option the number seemed to fill and the title with and without it. Without `refusal` the
 * number went to `option` and the title is `rest`; with it (the option refuses the number: out of
 * its range or steps) the number stayed in the title, which is `whole`, and `option` kept its
 * default. The command looks `whole` up once to know whether the number is part of the title.
 */
export interface TrailingNumber {
  /** the free-text option (the title) */
  readonly text: string;
  /** the number option after it */
  readonly option: string;
  readonly word: string;
  readonly whole: string;
  readonly rest: string;
  /** why `option` refuses the word, when it does: "n must be from 1 to 10 (you gave 11)." */
  readonly refusal?: string;
}

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
  /** set when the line ended in a number that may belong to the title (see TrailingNumber) */
  readonly trailing?: TrailingNumber;
  /** an attached file's own name by option, where the platform passed the file's text as the value */
  readonly fileNames?: Readonly<Record<string, string>>;
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

/** Free text is capped so a pasted novel never reaches the service (Discord's title limit is 256). */
export const DEFAULT_MAX_LENGTH = 200;

/** What the parser needs besides the definition: the platform (mentions) and the data's lists. */
export interface ParseContext {
  platform: Platform;
  accepted(list: AcceptedList): readonly string[];
}
