/**
 * Reply -> Discord message, as plain API JSON (an embed, action rows, files), within Discord's
 * limits: title 256, description 4096, ≤ 25 fields of ≤ 1024, footer 2048, 6000 characters in
 * all; ≤ 5 action rows of ≤ 5 buttons, labels ≤ 80, custom_id ≤ 100, ≤ 25 select options.
 * Pure: the adapter (./discord.ts) sends what this returns; tests check it directly.
 *
 * Actions become components whose custom_id carries the command to run, so a click needs no
 * server-side state: `mq:r:<command>` runs a command as it is, `mq:x:<command>` is a 👍/👎
 * reaction button (run as it is; the adapter then restyles the list's buttons in place),
 * `mq:s:<command>` is a score menu
 * whose chosen value is appended (a `rate` action; `mq:t:` the same in the "your score?" message
 * that `mq:m` opens), `mq:m` lists several movies to rate and
 * `mq:p:<k>` lists choices when there are too many for buttons (the chosen value is the command).
 */
import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponentWithCustomId,
  type APIComponentInMessageActionRow,
  type APIEmbed,
  type APIEmbedField,
  type APISelectMenuOption,
  type APIStringSelectComponent,
} from 'discord.js';
import { reactionCommand, reactionTargets, type Reply, type ReplyAction, type ReplyReaction } from '../reply.ts';
import { renderTable } from './console.ts';

export const DISCORD_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  /** title, description, field names and values, footer and author across all embeds */
  total: 6000,
  rows: 5,
  buttonsPerRow: 5,
  buttonLabel: 80,
  customId: 100,
  selectOptions: 25,
  optionText: 100,
  placeholder: 150,
  /** an attachment larger than this is refused for bots on servers without boosts */
  fileBytes: 10 * 1024 * 1024,
} as const;

/** Marquee's star scale, best first: what a score menu offers when none is given. */
export const DEFAULT_SCORES: readonly number[] = [5, 4.5, 4, 3.5, 3, 2.5, 2, 1.5, 1, 0.5];

const COLOUR = 0xe5a00d; // marquee-light amber

export type DiscordRow = APIActionRowComponent<APIComponentInMessageActionRow>;

export interface DiscordFile {
  attachment: Buffer;
  name: string;
  description?: string;
}

/** What the adapter sends: discord.js takes these fields as they are (files as AttachmentPayload). */
export interface DiscordMessage {
  content?: string;
  embeds: APIEmbed[];
  components: DiscordRow[];
  files: DiscordFile[];
  /** only the member who asked sees it */
  ephemeral: boolean;
}

export interface DiscordRenderOptions {
  /** the scores a rate menu offers (from the rate command's score option) */
  scores?: readonly number[];
}

// ---------------------------------------------------------------------------------------------
// custom_id encoding

export const CUSTOM_ID = {
  run: 'mq:r:',
  /** a 👍 or 👎 button: runs its /react command */
  react: 'mq:x:',
  score: 'mq:s:',
  /** a score menu in the "your score?" message that replaces itself with the answer */
  scoreReplace: 'mq:t:',
  pickMovie: 'mq:m',
  pickChoice: 'mq:p:',
} as const;

export type DecodedComponent =
  | { kind: 'run'; command: string }
  | { kind: 'react'; command: string }
  | { kind: 'score'; command: string; replace: boolean }
  | { kind: 'pick-movie' }
  | { kind: 'pick-choice' };

/** What a component's custom_id asks for; undefined for ids Marquee did not make. */
export function decodeCustomId(customId: string): DecodedComponent | undefined {
  if (customId.startsWith(CUSTOM_ID.run)) return { kind: 'run', command: customId.slice(CUSTOM_ID.run.length) };
  if (customId.startsWith(CUSTOM_ID.react)) return { kind: 'react', command: customId.slice(CUSTOM_ID.react.length) };
  if (customId.startsWith(CUSTOM_ID.score)) return { kind: 'score', command: customId.slice(CUSTOM_ID.score.length), replace: false };
  if (customId.startsWith(CUSTOM_ID.scoreReplace)) return { kind: 'score', command: customId.slice(CUSTOM_ID.scoreReplace.length), replace: true };
  if (customId === CUSTOM_ID.pickMovie) return { kind: 'pick-movie' };
  if (customId.startsWith(CUSTOM_ID.pickChoice)) return { kind: 'pick-choice' };
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// text helpers

/**
 * Escapes Discord markdown in text written for people (a title like "*batteries not included"
 * must not turn italic), leaving links and mentions as they are so they still work.
 */
export function escapeDiscord(text: string): string {
  return text
    .split(/(https?:\/\/\S+|<[@#][!&]?\d+>|<@[!]?[\w.-]+>)/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part.replace(/([\\*_~`|])/g, '\\$1').replace(/(^|\n)(#{1,3} |> |-# |>>> )/g, (_m, nl: string, mark: string) => `${nl}\\${mark}`),
    )
    .join('');
}

/** Cuts already-escaped text to `max` characters, ending with "…" and never mid-escape or mid-pair. */
export function clipText(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 0) return '';
  let t = s.slice(0, max - 1);
  const code = t.charCodeAt(t.length - 1);
  if (code >= 0xd800 && code <= 0xdbff) t = t.slice(0, -1);
  const slashes = /\\+$/.exec(t)?.[0].length ?? 0;
  if (slashes % 2 === 1) t = t.slice(0, -1);
  return `${t}…`;
}

/**
 * Joins as many lines as fit in `budget` characters; when some are left out, the last line says
 * how many ("… and 12 more"). A first line longer than the budget is clipped rather than lost.
 */
export function fitLines(lines: readonly string[], budget: number, more: (n: number) => string, sep = '\n'): string {
  let out = '';
  for (let i = 0; i < lines.length; i++) {
    const next = out === '' ? lines[i] : `${out}${sep}${lines[i]}`;
    const rest = lines.length - i - 1;
    const tail = rest > 0 ? `${sep}${more(rest)}` : '';
    if (next.length + tail.length <= budget) {
      out = next;
      continue;
    }
    const note = more(lines.length - i);
    if (out === '') {
      // not even the first line fits with the note: show part of it
      const room = budget - sep.length - note.length;
      return room > 20 ? `${clipText(lines[i], room)}${sep}${note}` : clipText(note, budget);
    }
    return `${out}${sep}${note}`.length <= budget ? `${out}${sep}${note}` : out;
  }
  return out;
}

function moreItems(n: number): string {
  return `… and ${n} more`;
}

/** A filename Discord's attachment:// scheme accepts. */
export function safeFilename(name: string, fallback: string): string {
  const safe = name.replace(/[^\w.-]+/g, '_').replace(/^[._]+/, '');
  return (safe || fallback).slice(0, 100);
}

// ---------------------------------------------------------------------------------------------
// the embed

function itemLines(reply: Reply): string[] {
  return (reply.items ?? []).map((it, i) => {
    const head = `**${i + 1}.** ${escapeDiscord(it.label)}${it.detail ? ` — ${escapeDiscord(it.detail)}` : ''}`;
    return it.why ? `${head}\n↳ *${escapeDiscord(it.why)}*` : head;
  });
}

function tableBlock(reply: Reply, budget: number): string | undefined {
  const t = reply.table;
  if (!t) return undefined;
  // a code block keeps the columns aligned; its backticks cannot be escaped, so they are replaced
  const clean = (s: string) => s.replace(/`/g, "'");
  const lines = renderTable(t.columns.map(clean), t.rows.map((r) => r.map(clean))).split('\n');
  const head = lines.slice(0, 2);
  const body = lines.slice(2);
  const fence = '```\n';
  const close = '\n```';
  const room = budget - fence.length - close.length;
  if (room < 40) return undefined;
  const text = fitLines([...head, ...body], room, (n) => `… and ${n} more rows`);
  return `${fence}${text}${close}`;
}

function buildDescription(reply: Reply, budget: number): string {
  const parts: string[] = [];
  let left = budget;
  const take = (s: string) => {
    const cost = (parts.length ? 2 : 0) + s.length;
    parts.push(s);
    left -= cost;
  };
  const items = itemLines(reply);
  const hasMore = items.length > 0 || reply.table !== undefined;
  if (reply.text) {
    // leave the list room to show itself: text gets at most two thirds when a list follows
    const cap = hasMore ? Math.max(200, Math.floor((budget * 2) / 3)) : budget;
    const text = clipText(escapeDiscord(reply.text), Math.min(cap, left));
    if (text) take(text);
  }
  if (items.length && left > 2 + 20) take(fitLines(items, left - (parts.length ? 2 : 0), moreItems));
  if (reply.table && left > 2 + 60) {
    const block = tableBlock(reply, left - (parts.length ? 2 : 0));
    if (block) take(block);
  }
  return parts.join('\n\n');
}

function buildFields(reply: Reply): { fields: APIEmbedField[]; hidden: number } {
  const src = reply.fields ?? [];
  // when some must be left out, one slot goes to the "… and N more" note
  const keep = src.length > DISCORD_LIMITS.fields ? DISCORD_LIMITS.fields - 1 : src.length;
  const fields = src.slice(0, keep).map((f) => ({
    name: clipText(escapeDiscord(f.name), DISCORD_LIMITS.fieldName) || '\u200b',
    value: fitLines(escapeDiscord(f.value.trim() === '' ? '—' : f.value).split('\n'), DISCORD_LIMITS.fieldValue, moreItems),
    inline: f.inline ?? false,
  }));
  return { fields, hidden: src.length - keep };
}

const fieldsLength = (fs: APIEmbedField[]) => fs.reduce((s, f) => s + f.name.length + f.value.length, 0);

function buildEmbed(reply: Reply, files: DiscordFile[], notes: string[]): APIEmbed | undefined {
  const title = reply.title ? clipText(escapeDiscord(reply.title), DISCORD_LIMITS.title) : '';
  const footerText = [reply.footer, ...notes].filter(Boolean).join(' · ');
  // footers show text as it is: Discord renders no markdown there, so nothing is escaped
  const footer = footerText ? clipText(footerText, DISCORD_LIMITS.footer) : '';
  const { fields, hidden: over } = buildFields(reply);
  let hidden = over;
  const wanted = (reply.text?.length ?? 0) + (reply.items?.length ?? 0) * 60 + (reply.table ? 400 : 0);
  // the 6000 total: title and footer first, then the description and the fields share the rest;
  // fields give way, from the end, while the description would get less than it needs
  const NOTE = 40;
  const room = () => DISCORD_LIMITS.total - title.length - footer.length - fieldsLength(fields) - (hidden > 0 ? NOTE : 0);
  while (fields.length > 0 && room() < Math.min(wanted, 1500)) {
    fields.pop();
    hidden++;
  }
  if (hidden > 0) fields.push({ name: '…', value: `and ${hidden} more`, inline: false });
  const description = buildDescription(reply, Math.max(0, Math.min(DISCORD_LIMITS.description, room())));
  const embed: APIEmbed = { color: COLOUR };
  if (title) embed.title = title;
  if (description) embed.description = description;
  if (fields.length) embed.fields = fields;
  if (footer) embed.footer = { text: footer };
  const image = files.find((f) => /\.(png|jpe?g|gif|webp)$/i.test(f.name));
  if (image) embed.image = { url: `attachment://${image.name}` };
  const empty = !embed.title && !embed.description && !embed.fields && !embed.footer && !embed.image;
  return empty ? undefined : embed;
}

// ---------------------------------------------------------------------------------------------
// components

function scoreLabel(score: number): string {
  const full = Math.floor(score);
  const half = score - full >= 0.5;
  return `${'★'.repeat(full)}${half ? '½' : ''} ${Number.isInteger(score) ? score : score.toFixed(1)}`;
}

/** A menu of scores; choosing one runs `command` + score. */
export function scoreMenu(command: string, placeholder: string, scores: readonly number[], replace = false): APIStringSelectComponent {
  return {
    type: ComponentType.StringSelect,
    custom_id: `${replace ? CUSTOM_ID.scoreReplace : CUSTOM_ID.score}${command}`,
    placeholder: clipText(placeholder, DISCORD_LIMITS.placeholder),
    options: scores.slice(0, DISCORD_LIMITS.selectOptions).map((s) => ({ label: scoreLabel(s), value: String(s) })),
  };
}

const fitsCustomId = (prefix: string, command: string) => prefix.length + command.length <= DISCORD_LIMITS.customId;

function row(components: APIComponentInMessageActionRow[]): DiscordRow {
  return { type: ComponentType.ActionRow, components };
}

function buttonStyle(a: ReplyAction): APIButtonComponentWithCustomId['style'] {
  if (a.kind === 'confirm') return ButtonStyle.Danger;
  if (a.kind === 'choose') return ButtonStyle.Primary;
  return ButtonStyle.Secondary;
}

/**
 * Movies that get 👍/👎 buttons: four of Discord's five rows (👍 1–5, 👍 6–10, 👎 1–5, 👎 6–10),
 * leaving the fifth for "seen it". Longer lists (/recommend n:25) get buttons for the first ten.
 */
export const REACTION_BUTTON_MOVIES = 10;

const REACTION_LOOK = {
  want: { emoji: '👍', pressed: ButtonStyle.Primary },
  not: { emoji: '👎', pressed: ButtonStyle.Danger },
} as const;

function reactionButton(position: number, command: string, choice: 'want' | 'not'): APIButtonComponentWithCustomId {
  return { type: ComponentType.Button, style: ButtonStyle.Secondary, label: `${REACTION_LOOK[choice].emoji} ${position}`, custom_id: `${CUSTOM_ID.react}${command}` };
}

/**
 * The list's rows after a reaction: the movie's 👍 or 👎 pressed (primary, or red for 👎) as
 * `reaction.state` says, the other one, or both after a take-back or "seen it", released.
 * Everything else is returned as it was.
 */
export function markReaction(rows: readonly DiscordRow[], reaction: ReplyReaction): DiscordRow[] {
  const ids = {
    want: `${CUSTOM_ID.react}${reactionCommand(reaction.listId, reaction.movieId, 'want')}`,
    not: `${CUSTOM_ID.react}${reactionCommand(reaction.listId, reaction.movieId, 'not')}`,
  };
  return rows.map((r) =>
    row(
      r.components.map((c) => {
        if (c.type !== ComponentType.Button || !('custom_id' in c)) return c;
        const choice = c.custom_id === ids.want ? 'want' : c.custom_id === ids.not ? 'not' : undefined;
        if (choice === undefined) return c;
        return { ...c, style: reaction.state === choice ? REACTION_LOOK[choice].pressed : ButtonStyle.Secondary };
      }),
    ),
  );
}

function buildComponents(reply: Reply, scores: readonly number[], notes: string[]): DiscordRow[] {
  const usable = (reply.actions ?? []).filter((a) => a.command !== undefined);
  const rate = usable.filter((a) => a.kind === 'rate' && fitsCustomId(CUSTOM_ID.score, a.command!));
  const pick = usable.filter((a) => a.kind !== 'rate' && fitsCustomId(CUSTOM_ID.run, a.command!));
  const rows: DiscordRow[] = [];

  if (rate.length === 1) {
    rows.push(row([scoreMenu(rate[0].command!, rate[0].label, scores)]));
  } else if (rate.length > 1) {
    const options: APISelectMenuOption[] = rate
      .slice(0, DISCORD_LIMITS.selectOptions)
      .map((a) => ({ label: clipText(a.label, DISCORD_LIMITS.optionText), value: a.command! }));
    rows.push(row([{ type: ComponentType.StringSelect, custom_id: CUSTOM_ID.pickMovie, placeholder: 'Rate one of these…', options }]));
    if (rate.length > options.length) notes.push(`the first ${options.length} can be rated here`);
  }

  // reactions: numbered 👍 and 👎 buttons per movie, and "seen it" (a score menu follows) unless
  // the list already offers rating, which is the same thing
  const targets = reactionTargets(reply).filter((t) => fitsCustomId(CUSTOM_ID.react, t.want) && fitsCustomId(CUSTOM_ID.react, t.not));
  if (targets.length > 0) {
    const seenRow = rate.length === 0 ? 1 : 0;
    // 👍 rows then 👎 rows, five movies per row: ten movies take four rows
    const rowsEach = Math.floor((DISCORD_LIMITS.rows - rows.length - seenRow) / 2);
    const withButtons = targets.slice(0, Math.min(REACTION_BUTTON_MOVIES, rowsEach * DISCORD_LIMITS.buttonsPerRow));
    for (const choice of ['want', 'not'] as const) {
      for (let i = 0; i < withButtons.length; i += DISCORD_LIMITS.buttonsPerRow) {
        rows.push(row(withButtons.slice(i, i + DISCORD_LIMITS.buttonsPerRow).map((t) => reactionButton(t.position, t[choice], choice))));
      }
    }
    if (withButtons.length < targets.length) notes.push(`👍/👎 buttons for the first ${withButtons.length} movies`);
    if (seenRow === 1 && rows.length < DISCORD_LIMITS.rows) {
      const seenOpts = targets.slice(0, DISCORD_LIMITS.selectOptions).map((t) => ({ label: clipText(`${t.position}. ${t.label}`, DISCORD_LIMITS.optionText), value: t.seen }));
      rows.push(row([{ type: ComponentType.StringSelect, custom_id: CUSTOM_ID.pickMovie, placeholder: 'Seen one? Rate it…', options: seenOpts }]));
    }
  }

  // the same command twice would give two components one custom_id, which Discord refuses
  const seen = new Set<string>();
  const unique = pick.filter((a) => !seen.has(a.command!) && Boolean(seen.add(a.command!)));
  const freeRows = DISCORD_LIMITS.rows - rows.length;
  if (unique.length <= freeRows * DISCORD_LIMITS.buttonsPerRow) {
    for (let i = 0; i < unique.length; i += DISCORD_LIMITS.buttonsPerRow) {
      rows.push(
        row(
          unique.slice(i, i + DISCORD_LIMITS.buttonsPerRow).map(
            (a): APIButtonComponentWithCustomId => ({
              type: ComponentType.Button,
              style: buttonStyle(a),
              label: clipText(a.label, DISCORD_LIMITS.buttonLabel) || a.kind,
              custom_id: `${CUSTOM_ID.run}${a.command}`,
            }),
          ),
        ),
      );
    }
  } else {
    // too many for buttons: menus of 25 choices, one per free row
    const per = DISCORD_LIMITS.selectOptions;
    const menus = Math.min(freeRows, Math.ceil(unique.length / per));
    for (let k = 0; k < menus; k++) {
      const chunk = unique.slice(k * per, (k + 1) * per);
      rows.push(
        row([
          {
            type: ComponentType.StringSelect,
            custom_id: `${CUSTOM_ID.pickChoice}${k}`,
            placeholder: menus === 1 ? 'Choose…' : `Choose (${k * per + 1}–${k * per + chunk.length})…`,
            options: chunk.map((a) => ({ label: clipText(a.label, DISCORD_LIMITS.optionText) || a.kind, value: a.command! })),
          },
        ]),
      );
    }
    const shown = Math.min(unique.length, menus * per);
    if (shown < unique.length) notes.push(`${unique.length - shown} more choices not shown`);
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------

export function renderDiscord(reply: Reply, opts: DiscordRenderOptions = {}): DiscordMessage {
  const notes: string[] = [];
  const files: DiscordFile[] = [];
  if (reply.image) {
    const name = safeFilename(reply.image.filename, 'image.png');
    if (reply.image.png.byteLength <= DISCORD_LIMITS.fileBytes) {
      files.push({ attachment: Buffer.from(reply.image.png), name, description: clipText(reply.image.alt, 1024) });
    } else notes.push('the chart is too large to attach');
  }
  if (reply.attachment) {
    const { data } = reply.attachment;
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
    const name = safeFilename(reply.attachment.name, 'file');
    if (bytes.byteLength <= DISCORD_LIMITS.fileBytes) files.push({ attachment: bytes, name });
    else notes.push(`${name} is ${(bytes.byteLength / 1048576).toFixed(1)} MB, above Discord's 10 MB limit for files`);
  }
  const components = buildComponents(reply, opts.scores ?? DEFAULT_SCORES, notes);
  const embed = buildEmbed(reply, files, notes);
  const message: DiscordMessage = { embeds: embed ? [embed] : [], components, files, ephemeral: reply.ephemeral ?? false };
  if (!embed && files.length === 0) message.content = 'Done.';
  return message;
}
