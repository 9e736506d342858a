/**
 * Reply -> Slack Block Kit, within Slack's limits: ≤ 50 blocks, section text ≤ 3000, header
 * ≤ 150, ≤ 10 fields of ≤ 2000 per section, ≤ 25 elements per actions block, button text ≤ 75,
 * option text ≤ 75 and value ≤ 150, ≤ 100 options per menu. The whole message is kept under
 * SLACK_TEXT_BUDGET characters of text, because Slack refuses messages at around 13k in all
 * (`msg_blocks_too_long`, bolt-js #2509) although no single block is over its own limit.
 * Pure: the adapter (./slack.ts) posts what this returns; tests check it directly.
 *
 * Actions carry the command to run in their value, so a click needs no server-side state:
 * `mq:r:<k>` buttons run their value as it is; `mq:x:want|not` are the 👍/👎 buttons under each
 * movie of a list (run as they are; the adapter then restyles them in place) and `mq:x:seen` its
 * "Seen it" button (value: the /react command, a line break, the movie), which asks the score;
 * `mq:s:<k>` score menus (a `rate` action) and
 * `mq:p:<k>` choice menus run the chosen option's value; `mq:m` lists several movies to rate and
 * opens a score menu (`mq:t:0`, which replaces its own message with the answer).
 */
import type { types as SlackTypes } from '@slack/bolt';
import { reactionCommand, reactionTargets, type ReactionTarget, type Reply, type ReplyAction, type ReplyReaction } from '../reply.ts';
import { renderTable } from './console.ts';

type KnownBlock = SlackTypes.KnownBlock;
type ActionsBlockElement = SlackTypes.ActionsBlockElement;
type PlainTextOption = SlackTypes.PlainTextOption;
type StaticSelect = SlackTypes.StaticSelect;

export const SLACK_LIMITS = {
  blocks: 50,
  sectionText: 3000,
  header: 150,
  sectionFields: 10,
  fieldText: 2000,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  placeholder: 150,
  contextText: 2000,
} as const;

/** Text characters in one message: under the ~13k at which Slack refuses blocks, with room to spare. */
export const SLACK_TEXT_BUDGET = 11_000;

/** Marquee's star scale, best first: what a score menu offers when none is given. */
export const DEFAULT_SCORES: readonly number[] = [5, 4.5, 4, 3.5, 3, 2.5, 2, 1.5, 1, 0.5];

export const ACTION_ID = {
  run: 'mq:r:',
  /** + want, not or seen: the reaction buttons under a movie */
  react: 'mq:x:',
  score: 'mq:s:',
  scoreReplace: 'mq:t:',
  pickMovie: 'mq:m',
  pickChoice: 'mq:p:',
} as const;

export type DecodedAction =
  | { kind: 'run' }
  | { kind: 'react'; choice: 'want' | 'not' | 'seen' }
  | { kind: 'score'; replace: boolean }
  | { kind: 'pick-movie' }
  | { kind: 'pick-choice' };

/** What a block action asks for; undefined for action ids Marquee did not make. */
export function decodeActionId(actionId: string): DecodedAction | undefined {
  if (actionId.startsWith(ACTION_ID.run)) return { kind: 'run' };
  if (actionId.startsWith(ACTION_ID.react)) {
    const choice = actionId.slice(ACTION_ID.react.length);
    return choice === 'want' || choice === 'not' || choice === 'seen' ? { kind: 'react', choice } : undefined;
  }
  if (actionId.startsWith(ACTION_ID.score)) return { kind: 'score', replace: false };
  if (actionId.startsWith(ACTION_ID.scoreReplace)) return { kind: 'score', replace: true };
  if (actionId === ACTION_ID.pickMovie) return { kind: 'pick-movie' };
  if (actionId.startsWith(ACTION_ID.pickChoice)) return { kind: 'pick-choice' };
  return undefined;
}

export interface SlackFile {
  filename: string;
  data: Buffer;
  title: string;
  /** for images: what it shows */
  altText?: string;
}

export interface SlackMessage {
  /** the notification and screen-reader text */
  text: string;
  blocks: KnownBlock[];
  /** uploaded next to the message: to the channel for public replies, to the member's DM else */
  files: SlackFile[];
  ephemeral: boolean;
}

export interface SlackRenderOptions {
  /** the scores a rate menu offers (from the rate command's score option) */
  scores?: readonly number[];
}

// ---------------------------------------------------------------------------------------------
// text helpers

/**
 * Slack's three control characters become entities; user and channel mentions (`<@U123>`,
 * `<@U123|ann>`, `<#C123>`) stay as they are so they still show as mentions.
 */
export function escapeSlack(text: string): string {
  return text
    .split(/(<[@#][UWC][A-Z0-9]+(?:\|[^<>]*)?>)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('');
}

/** Cuts escaped text to `max` characters, ending with "…", never mid-entity or mid-pair. */
export function clipSlack(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 0) return '';
  let t = s.slice(0, max - 1);
  const code = t.charCodeAt(t.length - 1);
  if (code >= 0xd800 && code <= 0xdbff) t = t.slice(0, -1);
  t = t.replace(/&[a-z]{0,4}$/, '');
  return `${t}…`;
}

/** As many lines as fit in `budget`; when some are left out the last line says how many. */
export function fitLines(lines: readonly string[], budget: number, more: (n: number) => string): string {
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const next = out === '' ? lines[i] : `${out}\n${lines[i]}`;
    const rest = lines.length - i - 1;
    const tail = rest > 0 ? `\n${more(rest)}` : '';
    if (next.length + tail.length <= budget) {
      out = next;
      continue;
    }
    const note = more(lines.length - i);
    if (out === '') {
      const room = budget - 1 - note.length;
      return room > 20 ? `${clipSlack(lines[i], room)}\n${note}` : clipSlack(note, budget);
    }
    return `${out}\n${note}`.length <= budget ? `${out}\n${note}` : out;
  }
  return out;
}

const moreItems = (n: number) => `… and ${n} more`;

/** Splits text into pieces of at most `max` characters, at line ends where it can. */
function chunk(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = max;
    // never split an entity (&amp;) in two
    const amp = rest.lastIndexOf('&', cut);
    if (amp >= 0 && amp > cut - 5 && !rest.slice(amp, cut).includes(';')) cut = amp;
    out.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  if (rest.trim() !== '') out.push(rest);
  return out;
}

/** Every text character of the blocks (what counts towards Slack's overall limit). */
export function blocksTextLength(value: unknown): number {
  if (typeof value === 'string') return value.length;
  if (Array.isArray(value)) return value.reduce((s: number, v) => s + blocksTextLength(v), 0);
  if (value && typeof value === 'object') {
    let s = 0;
    for (const [k, v] of Object.entries(value)) {
      if (k === 'type' || k === 'action_id' || k === 'block_id' || k === 'style' || k === 'emoji') continue;
      s += blocksTextLength(v);
    }
    return s;
  }
  return 0;
}

function scoreLabel(score: number): string {
  const full = Math.floor(score);
  const half = score - full >= 0.5;
  return `${'★'.repeat(full)}${half ? '½' : ''} ${Number.isInteger(score) ? score : score.toFixed(1)}`;
}

const plain = (text: string) => ({ type: 'plain_text' as const, text, emoji: true });
const mrkdwn = (text: string) => ({ type: 'mrkdwn' as const, text });

// ---------------------------------------------------------------------------------------------
// actions

/** A menu of scores for one movie; the chosen option's value is the whole rate command. */
export function scoreSelect(command: string, placeholder: string, scores: readonly number[], actionId: string): StaticSelect {
  return {
    type: 'static_select',
    action_id: actionId,
    placeholder: plain(clipSlack(placeholder, SLACK_LIMITS.placeholder) || 'Score'),
    options: scores.slice(0, SLACK_LIMITS.selectOptions).map((s): PlainTextOption => ({ text: plain(scoreLabel(s)), value: `${command}${s}` })),
  };
}

/** Text characters the actions may take of the message's budget (option labels and values count). */
export const SLACK_ACTIONS_BUDGET = 5000;

function buildActions(reply: Reply, scores: readonly number[], notes: string[]): KnownBlock[] {
  const usable = (reply.actions ?? []).filter((a) => a.command !== undefined);
  const maxScore = Math.max(0, ...scores.map((s) => String(s).length));
  const rate = usable.filter((a) => a.kind === 'rate' && a.command!.length + maxScore <= SLACK_LIMITS.optionValue);
  const seen = new Set<string>();
  const pick = usable.filter(
    (a) => a.kind !== 'rate' && a.command!.length <= SLACK_LIMITS.optionValue && !seen.has(a.command!) && Boolean(seen.add(a.command!)),
  );
  let left = SLACK_ACTIONS_BUDGET;
  /** as many of `xs` as the budget allows, each costing its label and value */
  const within = <T>(xs: readonly T[], cost: (x: T) => number, max: number): T[] => {
    const out: T[] = [];
    for (const x of xs.slice(0, max)) {
      const c = cost(x);
      if (c > left) break;
      left -= c;
      out.push(x);
    }
    return out;
  };
  const optionOf = (a: ReplyAction): PlainTextOption => ({ text: plain(clipSlack(a.label, SLACK_LIMITS.optionText) || a.kind), value: a.command! });
  const optionCost = (a: ReplyAction) => Math.min(a.label.length, SLACK_LIMITS.optionText) + a.command!.length;

  const elements: ActionsBlockElement[] = [];
  if (rate.length === 1) {
    const menu = scoreSelect(rate[0].command!, rate[0].label, scores, `${ACTION_ID.score}0`);
    left -= blocksTextLength(menu);
    elements.push(menu);
  } else if (rate.length > 1) {
    const shown = within(rate, optionCost, SLACK_LIMITS.selectOptions);
    elements.push({ type: 'static_select', action_id: ACTION_ID.pickMovie, placeholder: plain('Rate one of these…'), options: shown.map(optionOf) });
    if (shown.length < rate.length) notes.push(`the first ${shown.length} can be rated here`);
  }
  const room = SLACK_LIMITS.actionsElements - elements.length;
  let shownPicks = 0;
  if (pick.length <= room) {
    const shown = within(pick, optionCost, room);
    shown.forEach((a, k) =>
      elements.push({
        type: 'button',
        action_id: `${ACTION_ID.run}${k}`,
        text: plain(clipSlack(a.label, SLACK_LIMITS.buttonText) || a.kind),
        value: a.command!,
        ...(a.kind === 'confirm' ? { style: 'danger' as const } : {}),
      }),
    );
    shownPicks = shown.length;
  } else {
    const per = SLACK_LIMITS.selectOptions;
    const shown = within(pick, optionCost, room * per);
    const menus = Math.ceil(shown.length / per);
    for (let k = 0; k < menus; k++) {
      const part = shown.slice(k * per, (k + 1) * per);
      elements.push({
        type: 'static_select',
        action_id: `${ACTION_ID.pickChoice}${k}`,
        placeholder: plain(menus === 1 ? 'Choose…' : `Choose (${k * per + 1}–${k * per + part.length})…`),
        options: part.map(optionOf),
      });
    }
    shownPicks = shown.length;
  }
  if (shownPicks < pick.length) notes.push(`${pick.length - shownPicks} more choices not shown`);
  return elements.length ? [{ type: 'actions', elements }] : [];
}

// ---------------------------------------------------------------------------------------------
// reactions: a small actions block under each movie

const REACTION_LOOK = {
  want: { text: '👍 Want to watch', pressed: 'primary' },
  not: { text: '👎 Not for me', pressed: 'danger' },
} as const;

/** The block_id of the line that says what the member's last reaction did. */
export const REACTION_STATUS_BLOCK = 'mq:status';

/** 👍 / 👎 / "Seen it" under one movie; no "Seen it" when the list offers rating already. */
export function reactionBlock(t: ReactionTarget, seen: boolean): KnownBlock {
  const elements: ActionsBlockElement[] = (['want', 'not'] as const).map((choice) => ({
    type: 'button',
    action_id: `${ACTION_ID.react}${choice}`,
    text: plain(REACTION_LOOK[choice].text),
    value: t[choice],
  }));
  if (seen) {
    // the movie rides along after a line break, for the "your score?" question
    const movie = clipSlack(`${t.position}. ${t.label}`, 200);
    elements.push({ type: 'button', action_id: `${ACTION_ID.react}seen`, text: plain('Seen it…'), value: `${t.seen}\n${movie}` });
  }
  return { type: 'actions', elements };
}

/** A "Seen it" button's value: the /react command to which the score is appended, and the movie. */
export function splitSeenValue(value: string): { command: string; movie?: string } {
  const cut = value.indexOf('\n');
  return cut < 0 ? { command: value } : { command: value.slice(0, cut), movie: value.slice(cut + 1) };
}

/**
 * The list's blocks after a reaction: the movie's 👍 or 👎 pressed (primary, or red for 👎) as
 * `reaction.state` says, the other, or both after a take-back or "seen it", released; `status`
 * (what the reaction did) as the last line, replacing the previous one.
 */
export function markReaction(blocks: readonly KnownBlock[], reaction: ReplyReaction, status: string): KnownBlock[] {
  const values = {
    want: reactionCommand(reaction.listId, reaction.movieId, 'want'),
    not: reactionCommand(reaction.listId, reaction.movieId, 'not'),
  };
  const out = blocks
    .filter((b) => b.block_id !== REACTION_STATUS_BLOCK)
    .map((b): KnownBlock => {
      if (b.type !== 'actions') return b;
      const elements = b.elements.map((e): ActionsBlockElement => {
        if (e.type !== 'button') return e;
        const choice = e.action_id === `${ACTION_ID.react}want` && e.value === values.want ? 'want' : e.action_id === `${ACTION_ID.react}not` && e.value === values.not ? 'not' : undefined;
        if (choice === undefined) return e;
        const { style: _old, ...rest } = e;
        return reaction.state === choice ? { ...rest, style: REACTION_LOOK[choice].pressed } : rest;
      });
      return { ...b, elements };
    });
  // renderSlack keeps a block free for this line when a list has reactions
  if (out.length < SLACK_LIMITS.blocks) out.push({ type: 'context', block_id: REACTION_STATUS_BLOCK, elements: [mrkdwn(clipSlack(escapeSlack(status), SLACK_LIMITS.contextText))] });
  return out;
}

// ---------------------------------------------------------------------------------------------

export function renderSlack(reply: Reply, opts: SlackRenderOptions = {}): SlackMessage {
  const ephemeral = reply.ephemeral ?? false;
  const notes: string[] = [];
  const files: SlackFile[] = [];
  if (reply.image) {
    files.push({ filename: reply.image.filename, data: Buffer.from(reply.image.png), title: reply.image.alt, altText: reply.image.alt });
  }
  if (reply.attachment) {
    const { name, data } = reply.attachment;
    files.push({ filename: name, data: typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data), title: name });
  }

  // fixed parts first: header, actions, where the files went, footer
  const head: KnownBlock[] = reply.title ? [{ type: 'header', text: plain(clipSlack(reply.title, SLACK_LIMITS.header)) }] : [];
  const actions = buildActions(reply, opts.scores ?? DEFAULT_SCORES, notes);
  const fileNote = files.map((f) => `📎 ${escapeSlack(f.filename)}: ${ephemeral ? 'sent to you in a direct message' : 'shared in this channel'}`);
  const footerText = [reply.footer ? escapeSlack(reply.footer) : undefined, ...notes].filter(Boolean).join(' · ');
  const tail: KnownBlock[] = [];
  if (fileNote.length) tail.push({ type: 'context', elements: [mrkdwn(clipSlack(fileNote.join('\n'), SLACK_LIMITS.contextText))] });
  if (footerText) tail.push({ type: 'context', elements: [mrkdwn(clipSlack(footerText, SLACK_LIMITS.contextText))] });

  let budget = SLACK_TEXT_BUDGET - blocksTextLength(head) - blocksTextLength(actions) - blocksTextLength(tail);
  let blocksLeft = SLACK_LIMITS.blocks - head.length - actions.length - tail.length;
  const body: KnownBlock[] = [];
  const addSections = (text: string) => {
    for (const piece of chunk(text, SLACK_LIMITS.sectionText)) {
      if (blocksLeft <= 0 || budget < piece.length) break;
      body.push({ type: 'section', text: mrkdwn(piece) });
      blocksLeft--;
      budget -= piece.length;
    }
  };

  const items = (reply.items ?? []).map((it, i) => {
    const line = `*${i + 1}.* ${escapeSlack(it.label)}${it.detail ? ` — ${escapeSlack(it.detail)}` : ''}`;
    return it.why ? `${line}\n      _${escapeSlack(it.why)}_` : line;
  });
  const later = items.length > 0 || (reply.fields?.length ?? 0) > 0 || reply.table !== undefined || reply.feedback !== undefined;
  if (reply.text) {
    // leave what follows room to show itself: text takes at most half when more follows
    const cap = later ? Math.max(1000, Math.floor(budget / 2)) : budget;
    addSections(clipSlack(escapeSlack(reply.text), Math.min(cap, budget, SLACK_LIMITS.sectionText * Math.max(1, blocksLeft - 1))));
  }
  // a list with reactions: each movie its own section with its buttons under it, while the
  // blocks and the budget allow
  const targets = reactionTargets(reply);
  const askSeen = !(reply.actions ?? []).some((a) => a.kind === 'rate' && a.command !== undefined);
  let withButtons = 0;
  /** one movie's section and buttons, leaving `spare` blocks for what still follows */
  const addMovie = (line: string, t: ReactionTarget, spare: number): boolean => {
    const buttons = reactionBlock(t, askSeen);
    const text = clipSlack(line, SLACK_LIMITS.sectionText);
    const cost = text.length + blocksTextLength(buttons);
    if (blocksLeft < 2 + spare || budget < cost) return false;
    body.push({ type: 'section', text: mrkdwn(text) }, buttons);
    blocksLeft -= 2;
    budget -= cost;
    withButtons++;
    return true;
  };
  // kept free: the line a reaction adds (markReaction) and the note on movies without buttons
  if (targets.length > 0) blocksLeft -= 2;
  let itemsDone = 0;
  if (targets.length > 0 && !reply.feedback?.movies) {
    const at = new Map(targets.map((t) => [t.position, t]));
    for (; itemsDone < items.length; itemsDone++) {
      const t = at.get(itemsDone + 1);
      const spare = itemsDone + 1 < items.length ? 1 : 0;
      if (t) {
        if (!addMovie(items[itemsDone], t, spare)) break;
      } else {
        if (blocksLeft < 1 + spare || budget < items[itemsDone].length) break;
        addSections(items[itemsDone]);
      }
    }
  }
  if (itemsDone < items.length && blocksLeft > 0) {
    // one section per 3000 characters, as many as the block and text budgets allow
    const room = Math.min(budget, SLACK_LIMITS.sectionText * Math.min(blocksLeft, 4));
    addSections(fitLines(items.slice(itemsDone), room - 10, moreItems));
  }
  const fields = reply.fields ?? [];
  const inline = fields.filter((f) => f.inline);
  const wide = fields.filter((f) => !f.inline);
  for (let k = 0; k < inline.length && blocksLeft > 0; k += SLACK_LIMITS.sectionFields) {
    const group = inline.slice(k, k + SLACK_LIMITS.sectionFields).map((f) =>
      mrkdwn(clipSlack(`*${escapeSlack(f.name)}*\n${escapeSlack(f.value)}`, Math.min(SLACK_LIMITS.fieldText, 500))),
    );
    const cost = blocksTextLength(group);
    if (cost > budget) break;
    body.push({ type: 'section', fields: group });
    blocksLeft--;
    budget -= cost;
  }
  for (const f of wide) {
    if (blocksLeft <= 0 || budget < 40) break;
    const name = `*${escapeSlack(f.name)}*\n`;
    const value = fitLines(escapeSlack(f.value).split('\n'), Math.min(SLACK_LIMITS.sectionText, budget) - name.length, moreItems);
    body.push({ type: 'section', text: mrkdwn(`${name}${value}`) });
    blocksLeft--;
    budget -= name.length + value.length;
  }
  if (reply.table && blocksLeft > 0 && budget > 100) {
    const lines = renderTable(reply.table.columns, reply.table.rows).split('\n').map(escapeSlack);
    const room = Math.min(SLACK_LIMITS.sectionText, budget) - 8;
    body.push({ type: 'section', text: mrkdwn(`\`\`\`${fitLines(lines, room, (n) => `… and ${n} more rows`)}\`\`\``) });
    blocksLeft--;
  }

  // a list shown in fields (/because): its movies, each with its buttons, after them
  if (reply.feedback?.movies) {
    for (const t of targets) if (!addMovie(`*${t.position}.* ${escapeSlack(t.label)}`, t, 0)) break;
  }
  if (withButtons < targets.length) {
    // one of the two blocks kept free above
    tail.push({ type: 'context', elements: [mrkdwn(`👍/👎 buttons for the first ${withButtons} movies`)] });
  }

  const blocks = [...head, ...body, ...actions, ...tail];
  const fallback = reply.title ?? reply.text ?? reply.items?.[0]?.label ?? files[0]?.filename ?? 'Done.';
  if (blocks.length === 0) blocks.push({ type: 'section', text: mrkdwn('Done.') });
  return { text: clipSlack(escapeSlack(fallback), 300), blocks, files, ephemeral };
}
