/**
 * Reply -> Slack Block Kit, within Slack's limits: ≤ 50 blocks, section text ≤ 3000, header
 * ≤ 150, ≤ 10 fields of ≤ 2000 per section, ≤ 25 elements per actions block, button text ≤ 75,
 * option text ≤ 75 and value ≤ 150, ≤ 100 options per menu. The whole message is kept under
 * SLACK_TEXT_BUDGET characters of text, because Slack refuses messages at around 13k in all
 * (`msg_blocks_too_long`, bolt-js #2509) although no single block is over its own limit.
 * Pure: the adapter (./slack.ts) posts what this returns; tests check it directly.
 *
 * Actions carry the command to run in their value, so a click needs no server-side state:
 * `mq:r:<k>` buttons run their value as it is; `mq:s:<k>` score menus (a `rate` action) and
 * `mq:p:<k>` choice menus run the chosen option's value; `mq:m` lists several movies to rate and
 * opens a score menu (`mq:t:0`, which replaces its own message with the answer).
 */
import type { types as SlackTypes } from '@slack/bolt';
import { reactionEntries, type Reply, type ReplyAction } from '../reply.ts';
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
  score: 'mq:s:',
  scoreReplace: 'mq:t:',
  pickMovie: 'mq:m',
  pickChoice: 'mq:p:',
} as const;

export type DecodedAction =
  | { kind: 'run' }
  | { kind: 'score'; replace: boolean }
  | { kind: 'pick-movie' }
  | { kind: 'pick-choice' };

/** What a block action asks for; undefined for action ids Marquee did not make. */
export function decodeActionId(actionId: string): DecodedAction | undefined {
  if (actionId.startsWith(ACTION_ID.run)) return { kind: 'run' };
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
  // reactions: 👍/👎 per movie in one menu, and "seen it" (a score menu follows) unless the
  // list already offers rating, which is the same thing
  const reactions = reactionEntries(reply);
  if (reactions.react.length > 0) {
    const asAction = (e: { label: string; command: string }, k: number): ReplyAction => ({ kind: 'choose', id: `react:${k}`, label: e.label, command: e.command });
    const react = within(reactions.react.map(asAction), optionCost, SLACK_LIMITS.selectOptions);
    if (react.length > 0) {
      elements.push({ type: 'static_select', action_id: `${ACTION_ID.pickChoice}react`, placeholder: plain('👍 Want to watch / 👎 not for me…'), options: react.map(optionOf) });
    }
    if (rate.length === 0) {
      const seenMenu = within(reactions.seen.map(asAction), optionCost, SLACK_LIMITS.selectOptions);
      if (seenMenu.length > 0) elements.push({ type: 'static_select', action_id: ACTION_ID.pickMovie, placeholder: plain('Seen one? Rate it…'), options: seenMenu.map(optionOf) });
    }
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
  const later = items.length > 0 || (reply.fields?.length ?? 0) > 0 || reply.table !== undefined;
  if (reply.text) {
    // leave what follows room to show itself: text takes at most half when more follows
    const cap = later ? Math.max(1000, Math.floor(budget / 2)) : budget;
    addSections(clipSlack(escapeSlack(reply.text), Math.min(cap, budget, SLACK_LIMITS.sectionText * Math.max(1, blocksLeft - 1))));
  }
  if (items.length && blocksLeft > 0) {
    // one section per 3000 characters, as many as the block and text budgets allow
    const room = Math.min(budget, SLACK_LIMITS.sectionText * Math.min(blocksLeft, 4));
    addSections(fitLines(items, room - 10, moreItems));
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

  const blocks = [...head, ...body, ...actions, ...tail];
  const fallback = reply.title ?? reply.text ?? reply.items?.[0]?.label ?? files[0]?.filename ?? 'Done.';
  if (blocks.length === 0) blocks.push({ type: 'section', text: mrkdwn('Done.') });
  return { text: clipSlack(escapeSlack(fallback), 300), blocks, files, ephemeral };
}
