/**
 * The console adapter: a member at a terminal, or a script piping lines in.
 *
 * Each input line is a command (`/rate The Matrix 4.5`, the slash optional); answers go to
 * stdout as plain text, progress and greetings to stderr so `echo "/top" | npm start` prints
 * only the answer. After a reply with actions, a number picks one (`2`), a number plus a score
 * rates an offered movie (`2 4.5`), and yes/no answers a confirmation. A number answers only the
 * newest answer: choices are used once, and any later answer expires them, so a stray `2` never
 * re-runs an old choice or picks from a list it was not shown with (rating one movie of a list by
 * number leaves the list's other movies to rate). Images and attachments are written to files
 * whose paths the answer shows. At the end of piped input the session ends.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Dispatcher } from '../dispatch.ts';
import { reactionCommand, type Reply, type ReplyAction } from '../reply.ts';

export interface ConsoleUser {
  userId: string;
  displayName?: string;
}

/** Where rendered files go; returns the path written. */
export type SaveFile = (filename: string, data: Uint8Array | string) => string;

/** Writes into `dir` (created when needed), never overwriting: `name-1.ext`, `name-2.ext`, … */
export function fileSaver(dir: string): SaveFile {
  return (filename, data) => {
    mkdirSync(dir, { recursive: true });
    const safe = filename.replace(/[^\w.-]+/g, '_').replace(/^\.+/, '') || 'file';
    const ext = extname(safe);
    const stem = safe.slice(0, safe.length - ext.length);
    let path = join(dir, safe);
    for (let k = 1; existsSync(path); k++) path = join(dir, `${stem}-${k}${ext}`);
    writeFileSync(path, data);
    return resolve(path);
  };
}

/** How typed numbers map to a reply's actions. */
export interface ActionMenu {
  /** choose / page / confirm, numbered from 1 */
  pick: ReplyAction[];
  /** rate, numbered from 1; the typed score is appended to the command */
  rate: ReplyAction[];
  /**
   * Why the menu is empty although one was shown: `used` (a choice was picked, or the member's
   * data changed) or `expired` (a newer answer came; a number answers only the newest one).
   */
  gone?: 'used' | 'expired';
}

/** The menu once a choice is picked or the member's data changed: its choices are used up. */
export function retireMenu(menu: ActionMenu): ActionMenu {
  return { pick: [], rate: [], gone: menu.pick.length > 0 || menu.rate.length > 0 ? 'used' : menu.gone };
}

/** The menu once a newer answer without choices came: numbers no longer reach its choices. */
export function expireMenu(menu: ActionMenu): ActionMenu {
  return { pick: [], rate: [], gone: menu.pick.length > 0 || menu.rate.length > 0 ? 'expired' : menu.gone };
}

export function actionMenu(reply: Reply): ActionMenu {
  const actions = (reply.actions ?? []).filter((a) => a.command !== undefined);
  return { pick: actions.filter((a) => a.kind !== 'rate'), rate: actions.filter((a) => a.kind === 'rate') };
}

/** Actions that follow the reply's numbered items one for one: the item numbers select them. */
function alignedWithItems(reply: Reply, actions: ReplyAction[]): boolean {
  const items = reply.items ?? [];
  return (
    actions.length > 0 &&
    actions.length === items.length &&
    actions.every((a, i) => items[i].movieId !== undefined && a.id.endsWith(`:${items[i].movieId}`))
  );
}

/** Display width: wide East Asian characters and emoji take two columns in a terminal. */
export function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || (cp >= 0x300 && cp < 0x370) || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) continue;
    const wide =
      (cp >= 0x1100 && cp <= 0x115f) ||
      (cp >= 0x2e80 && cp <= 0xa4cf) ||
      (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) ||
      (cp >= 0xfe30 && cp <= 0xfe4f) ||
      (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) ||
      (cp >= 0x1f300 && cp <= 0x1faff) ||
      (cp >= 0x20000 && cp <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

function pad(s: string, width: number, right = false): string {
  const fill = ' '.repeat(Math.max(0, width - textWidth(s)));
  return right ? fill + s : s + fill;
}

export function renderTable(columns: string[], rows: string[][]): string {
  const widths = columns.map((c, j) => Math.max(textWidth(c), ...rows.map((r) => textWidth(r[j] ?? ''))));
  // numbers line up on the right, text on the left
  const numeric = columns.map((_, j) => rows.length > 0 && rows.every((r) => /^-?[\d.,]+%?$/.test(r[j] ?? '')));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => pad(c ?? '', widths[j], numeric[j]))
      .join('  ')
      .trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => (l === '' ? l : by + l))
    .join('\n');
}

/** A Reply as terminal text; images and attachments are saved with `save`. */
export function renderReply(reply: Reply, save: SaveFile): string {
  const out: string[] = [];
  if (reply.title) out.push(reply.title, '='.repeat(Math.min(72, textWidth(reply.title))));
  if (reply.text) out.push(reply.text);
  const items = reply.items ?? [];
  if (items.length) {
    const numWidth = String(items.length).length;
    items.forEach((it, i) => {
      const head = `${pad(String(i + 1), numWidth, true)}. ${it.label}${it.detail ? ` — ${it.detail}` : ''}`;
      out.push(it.why ? `${head}\n${' '.repeat(numWidth + 2)}${it.why}` : head);
    });
  }
  for (const f of reply.fields ?? []) {
    out.push(f.value.includes('\n') ? `${f.name}:\n${indent(f.value, '  ')}` : `${f.name}: ${f.value}`);
  }
  if (reply.table) out.push(renderTable(reply.table.columns, reply.table.rows));
  if (reply.image) {
    const path = save(reply.image.filename, reply.image.png);
    out.push(`[image: ${reply.image.alt}] saved to ${path}`);
  }
  if (reply.attachment) {
    const path = save(reply.attachment.name, reply.attachment.data);
    out.push(`[file: ${reply.attachment.name}] saved to ${path}`);
  }
  const menu = actionMenu(reply);
  if (menu.pick.length) {
    const confirmOnly = menu.pick.length === 1 && menu.pick[0].kind === 'confirm';
    if (confirmOnly) out.push(`[1] ${menu.pick[0].label}`, 'Type yes (or 1) to confirm, no to cancel.');
    else if (alignedWithItems(reply, menu.pick)) out.push('Type a number to choose.');
    else out.push(...menu.pick.map((a, i) => `[${i + 1}] ${a.label}`), 'Type a number to choose.');
  }
  if (menu.rate.length) {
    if (alignedWithItems(reply, menu.rate)) out.push('To rate one of these, type its number and a score, e.g. "1 4.5".');
    else out.push(...menu.rate.map((a, i) => `(${i + 1}) ${a.label}`), `To rate, type the number in parentheses and a score, e.g. "1 4.5".`);
  }
  if (reactionsOf(reply)) out.push('React: "+1" want to watch, "-1" not for me (again: undo), "seen 1 4.5" seen it with your score.');
  if (reply.footer) out.push(`-- ${reply.footer}`);
  return out.join('\n');
}

/** The newest list the member can react to by number: its id and its movies in order. */
export interface ReactionKeys {
  listId: string;
  movieIds: Array<string | undefined>;
}

export function reactionsOf(reply: Reply): ReactionKeys | undefined {
  const movies = reply.feedback?.movies ?? reply.items;
  if (!reply.feedback || !movies?.some((it) => it.movieId !== undefined)) return undefined;
  return { listId: reply.feedback.listId, movieIds: movies.map((it) => it.movieId) };
}

/**
 * `+3` (👍), `-3` (👎), `seen 3 4.5`: a reaction to movie 3 of the newest list with reactions,
 * as the /react command line; undefined when the line is not a reaction key.
 */
export function resolveReaction(line: string, keys: ReactionKeys | undefined): { command: string } | { error: string } | undefined {
  const m = /^(?:([+-])(\d+)|seen\s+(\d+)\s+(\S+))$/i.exec(line.trim());
  if (!m) return undefined;
  if (!keys) return { error: 'No list to react to yet: /recommend shows one.' };
  const n = Number(m[2] ?? m[3]);
  const movieId = keys.movieIds[n - 1];
  if (movieId === undefined) return { error: `There is no movie ${n} in the last list (1 to ${keys.movieIds.length}).` };
  if (m[1] !== undefined) return { command: reactionCommand(keys.listId, movieId, m[1] === '+' ? 'want' : 'not') };
  const score = Number(m[4]);
  if (!Number.isFinite(score)) return { error: `"${m[4]}" is not a score: type e.g. "seen ${n} 4.5".` };
  return { command: reactionCommand(keys.listId, movieId, 'seen', score) };
}

const EXPIRED = 'Those choices have expired: a number answers only the latest answer, which has none. Type the command again for new ones.';
const YES = /^(y|yes)$/i;
const NO = /^(n|no)$/i;

/**
 * Turns what the member typed into a command line, using the last reply's actions for numbers
 * and for yes/no at a confirmation. `said`: an answer given without running a command.
 */
export function resolveInput(line: string, menu: ActionMenu): { command: string } | { error: string } | { said: string } {
  const typed = line.trim();
  const confirm = menu.pick.find((a) => a.kind === 'confirm');
  if (confirm && YES.test(typed)) return { command: confirm.command! };
  if (confirm && NO.test(typed)) return { said: 'Cancelled: nothing was changed.' };
  const m = /^(\d+)(?:\s+(\S+))?$/.exec(typed);
  if (!m) return { command: line };
  const n = Number(m[1]);
  if (m[2] !== undefined) {
    const action = menu.rate[n - 1];
    if (!action) {
      if (menu.rate.length) return { error: `There is no movie ${n} to rate here (1 to ${menu.rate.length}).` };
      return { error: menu.gone === 'expired' ? EXPIRED : 'Nothing here to rate by number. Use /rate <title> <score>.' };
    }
    return { command: `${action.command}${m[2]}` };
  }
  const action = menu.pick[n - 1];
  if (!action) {
    if (menu.rate[n - 1]) return { error: `Add a score to rate it, e.g. "${n} 4.5".` };
    if (menu.pick.length) return { error: `There is no choice ${n} (1 to ${menu.pick.length}).` };
    return { error: nothingToPick(menu, 'There is nothing to choose by number right now. Type /help.') };
  }
  return { command: action.command! };
}

function nothingToPick(menu: ActionMenu, otherwise: string): string {
  if (menu.gone === 'used') return 'Nothing to choose here: those choices were used up. Type the command again for new ones.';
  if (menu.gone === 'expired') return EXPIRED;
  return otherwise;
}

export interface ConsoleOptions {
  dispatcher: Dispatcher;
  user: ConsoleUser;
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
  /** progress lines and greetings; default stderr */
  status?: NodeJS.WritableStream;
  /** where images and attachments are saved */
  outDir: string;
  /** show a prompt and a greeting; default: whether input is a TTY */
  interactive?: boolean;
}

/** Whether a command line runs a command that changes the member's data. */
function writes(dispatcher: Dispatcher, line: string): boolean {
  const name = /^\s*\/?(\S+)/.exec(line)?.[1];
  return name !== undefined && dispatcher.commands.get(name.toLowerCase())?.writes === true;
}

/** Runs the session until `quit` or the end of input. */
export async function runConsole(opts: ConsoleOptions): Promise<void> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stdout;
  const status = opts.status ?? process.stderr;
  const interactive = opts.interactive ?? Boolean((input as NodeJS.ReadStream).isTTY);
  const save = fileSaver(opts.outDir);
  const rl = createInterface({ input, output: interactive ? output : undefined, terminal: interactive });
  rl.setPrompt('marquee> ');
  const { userId, displayName } = opts.user;
  let menu: ActionMenu = { pick: [], rate: [] };
  let reactions: ReactionKeys | undefined;

  if (interactive) {
    const admin = opts.dispatcher.isAdmin('console', userId) ? ' (admin)' : '';
    output.write(`Marquee: signed in as console:${userId}${admin}. Type /help for the commands, quit to leave.\n`);
    rl.prompt();
  }

  for await (const raw of rl) {
    const line = raw.trim();
    if (line === 'quit' || line === 'exit' || line === '/quit' || line === '/exit') break;
    if (line !== '' && !line.startsWith('#')) {
      const reaction = resolveReaction(line, reactions);
      const resolved = reaction ?? resolveInput(line, menu);
      let text: string;
      if ('error' in resolved) text = resolved.error;
      else if ('said' in resolved) {
        menu = retireMenu(menu);
        text = resolved.said;
      } else {
        const picked = /^\d+$/.test(line) || YES.test(line);
        // reacting to one movie of a list, like rating one by number, leaves the rest of it open
        const ratedFromList = /^\d+\s+\S+$/.test(line) || reaction !== undefined;
        // a choice is used once, even when what it runs is refused
        if (picked) menu = retireMenu(menu);
        const reply = await opts.dispatcher.dispatch({
          platform: 'console',
          userId,
          displayName,
          line: resolved.command,
          onProgress: (p) => {
            status.write(`… ${p.progress}${p.total ? ` (${p.done ?? 0}/${p.total})` : ''}\n`);
          },
        });
        reactions = reactionsOf(reply) ?? reactions;
        const next = actionMenu(reply);
        if (next.pick.length || next.rate.length) menu = next;
        // a number answers only the newest answer: any other answer expires the old menu (a typed
        // command that changes the member's data uses it up), except rating one movie of a list
        // by number, which leaves the list's other movies to rate
        else if (!ratedFromList) menu = writes(opts.dispatcher, resolved.command) ? retireMenu(menu) : expireMenu(menu);
        text = renderReply(reply, save);
      }
      output.write(`${text}\n\n`);
    }
    if (interactive) rl.prompt();
  }
  rl.close();
}
