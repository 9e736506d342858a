/**
 * What a command answers, independent of any platform. Adapters render it: the console as text,
 * Discord as an embed with buttons, Slack as Block Kit. Commands never format for a platform.
 */

export interface ReplyField {
  name: string;
  value: string;
  inline?: boolean;
}

/** One entry of a numbered list (recommendations, search choices, ratings). */
export interface ReplyItem {
  label: string;
  detail?: string;
  /** one line explaining why this item is here */
  why?: string;
  movieId?: string;
}

export interface ReplyTable {
  columns: string[];
  rows: string[][];
}

/**
 * Something the member can do next.
 * - `rate`: rate movie `id`; `command` is a command line to which the score is appended
 *   (`/rate title:id:2571 score:` + `4.5`).
 * - `page`, `choose`, `confirm`: run `command` as it is.
 * `id` is stable and short (it becomes a Discord custom_id / Slack action_id, ≤ 100 chars).
 */
export interface ReplyAction {
  kind: 'rate' | 'page' | 'choose' | 'confirm';
  id: string;
  label: string;
  command?: string;
}

/**
 * The list's reactions: every item with a `movieId` gets 👍 "want to watch", 👎 "not for me" and
 * "seen it" (which asks for the score). Adapters render them (Discord and Slack buttons, console
 * keys `+3`, `-3`, `seen 3 4.5`) as the command `reactionCommand` builds.
 */
export interface ReplyFeedback {
  listId: string;
  /**
   * The list's movies in order when the reply shows them in fields rather than items (/because:
   * its two lists, one after the other); else the items with a movieId are the list.
   */
  movies?: Array<{ label: string; movieId: string }>;
}

export type ReactionChoice = 'want' | 'not' | 'seen';

/** The command a reaction runs: `/react list:<id> movie:<movieId> kind:want` (+ ` score:4.5` for seen). */
export function reactionCommand(listId: string, movieId: string, kind: ReactionChoice, score?: number): string {
  return `/react list:${listId} movie:${movieId} kind:${kind}${score === undefined ? '' : ` score:${score}`}`;
}

/** One movie of a list the member can react to, with the commands its buttons run. */
export interface ReactionTarget {
  /** its number in the list, from 1 (as the console's `+3` counts) */
  position: number;
  label: string;
  movieId: string;
  want: string;
  not: string;
  /** "seen it": the platform asks for the score and appends it */
  seen: string;
}

/** A reply's movies that can be reacted to, numbered like the list; none without `feedback`. */
export function reactionTargets(reply: Reply): ReactionTarget[] {
  if (!reply.feedback) return [];
  const { listId } = reply.feedback;
  const out: ReactionTarget[] = [];
  (reply.feedback.movies ?? reply.items ?? []).forEach((it, k) => {
    if (it.movieId === undefined) return;
    out.push({
      position: k + 1,
      label: it.label,
      movieId: it.movieId,
      want: reactionCommand(listId, it.movieId, 'want'),
      not: reactionCommand(listId, it.movieId, 'not'),
      seen: `${reactionCommand(listId, it.movieId, 'seen')} score:`,
    });
  });
  return out;
}

/**
 * What a reaction left in place, on the answer to /react: the chat platforms restyle the list's
 * buttons from it (the chosen one pressed, `none` after a reaction was taken back).
 */
export interface ReplyReaction {
  listId: string;
  movieId: string;
  state: ReactionChoice | 'none';
}

export interface Reply {
  title?: string;
  /** reactions on each item with a movie (see ReplyFeedback) */
  feedback?: ReplyFeedback;
  /** set by /react: the reaction the movie now has in its list */
  reaction?: ReplyReaction;
  text?: string;
  fields?: ReplyField[];
  items?: ReplyItem[];
  table?: ReplyTable;
  actions?: ReplyAction[];
  image?: { png: Uint8Array; alt: string; filename: string };
  attachment?: { name: string; mime: string; data: Uint8Array | string };
  /** only the member who asked sees it (errors, personal data) */
  ephemeral?: boolean;
  footer?: string;
}

/** A status line while a long command runs (e.g. /evaluate). */
export interface Progress {
  progress: string;
  done?: number;
  total?: number;
}

export function isProgress(x: Progress | Reply): x is Progress {
  return typeof (x as Progress).progress === 'string';
}

/** An answer to something the member can fix: shown only to them. */
export function errorReply(text: string, title?: string): Reply {
  return { title, text, ephemeral: true };
}
