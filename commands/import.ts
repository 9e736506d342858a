/**
 * /import <file>: ratings from a Letterboxd or IMDb export. On the console the value is a file
 * path; elsewhere it is the CSV text (an adapter passes an attached file's text). Only the console
 * reads files: on a chat platform a path would let any member read the bot's disk.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, resolve } from 'node:path';
import { clip, defineCommand } from '../src/bot/command.ts';
import { UserFacingError } from '../src/bot/errors.ts';
import type { Reply } from '../src/bot/reply.ts';
import type { ImportOutcome } from '../src/bot/service-api.ts';
import { memberExportText, parseMemberRatings, type SkipKind } from '../src/data/member-import.ts';
import { plural } from './_shared.ts';

export const MAX_IMPORT_BYTES = 5_000_000;

/** The export's text and the name messages call it by. */
function readExport(platform: string, value: string, attachedName: string | undefined): { text: string; fileName: string } {
  if (value.includes('\n')) {
    // Discord hands over an attached file's text with the file's own name beside it; Slack and
    // the console take pasted text
    return { text: value, fileName: attachedName ?? (platform === 'discord' ? 'your file' : 'the pasted text') };
  }
  if (platform !== 'console') {
    throw new UserFacingError('Attach your Letterboxd ratings.csv or IMDb ratings export, or paste its text (with its header line).');
  }
  const path = resolve(value.replace(/^~(?=$|\/)/, homedir()));
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UserFacingError(`${path} is not a file.`);
    size = st.size;
  } catch (err) {
    if (err instanceof UserFacingError) throw err;
    throw new UserFacingError(`No file at ${path}. Give the path of your Letterboxd ratings.csv or IMDb ratings export.`);
  }
  if (size > MAX_IMPORT_BYTES) throw new UserFacingError(`${path} is ${size} bytes; imports are limited to ${MAX_IMPORT_BYTES} bytes.`);
  const fileName = basename(path);
  return { text: memberExportText(readFileSync(path), fileName), fileName };
}

const SKIP_NOUNS: Record<SkipKind, readonly [one: string, many: string]> = {
  'TV series': ['TV series', 'TV series'],
  'TV episode': ['TV episode', 'TV episodes'],
  'TV mini-series': ['TV mini-series', 'TV mini-series'],
  'video game': ['video game', 'video games'],
  'podcast series': ['podcast series', 'podcast series'],
  'podcast episode': ['podcast episode', 'podcast episodes'],
  'music video': ['music video', 'music videos'],
  'no rating': ['row without a rating', 'rows without a rating'],
  repeat: ['earlier rating of a film rated again', 'earlier ratings of films rated again'],
};

/** "3 TV episodes, 1 video game and 2 rows without a rating" */
export function describeSkipped(skipped: NonNullable<ImportOutcome['skipped']>): string {
  const parts = skipped.map(({ kind, count }) => plural(count, ...SKIP_NOUNS[kind]));
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : (parts[0] ?? '');
}

type Item = { label: string; detail: string };

/**
 * The reply to an import. Each kind of row has its own count (titles not matched, rows that could
 * not be read, rows skipped on purpose, the member's newer ratings kept); the list under the text
 * holds exactly what the sentence before it announces, or says per item what it is when it mixes.
 */
export function importReply(out: ImportOutcome): Reply {
  const kept = out.kept ?? [];
  const invalid = out.invalid ?? [];
  const skipped = out.skipped ?? [];
  const sentences = [`Imported ${plural(out.imported, 'new rating')}; updated ${plural(out.updated, 'rating')}.`];
  if (skipped.length) sentences.push(`Skipped ${describeSkipped(skipped)}.`);
  if (out.unmatched.length === 0 && invalid.length === 0) sentences.push('Every title was matched.');

  const label = (t: { title: string; year: number | null }) => clip(t.year === null ? t.title : `${t.title} (${t.year})`, 100);
  const sections: Array<{ sentence: string; items: Item[]; tag?: string }> = [];
  if (kept.length) sections.push({ sentence: `Kept your newer rating of ${plural(kept.length, 'title')}`, items: kept.map((k) => ({ label: label(k), detail: k.reason })) });
  if (out.unmatched.length) {
    sections.push({
      sentence: `${plural(out.unmatched.length, 'title')} could not be matched`,
      items: out.unmatched.map((u) => ({ label: label(u), detail: u.reason })),
      tag: 'not matched: ',
    });
  }
  if (invalid.length) {
    sections.push({
      sentence: `${plural(invalid.length, 'row')} could not be read`,
      items: invalid.map((e) => ({ label: `line ${e.line}`, detail: e.reason })),
      tag: 'not read: ',
    });
  }
  let items: Item[] = [];
  if (sections.length === 1) {
    sentences.push(`${sections[0].sentence}:`);
    items = sections[0].items;
  } else if (sections.length > 1) {
    for (const s of sections) sentences.push(`${s.sentence}.`);
    // unmatched titles first (the member may want to rate them by hand), then unreadable rows,
    // then the kept ones (their reason already says "kept your newer rating")
    const listed = [...sections.filter((s) => s.tag !== undefined), ...sections.filter((s) => s.tag === undefined)];
    items = listed.flatMap((s) => s.items.map((i) => ({ label: i.label, detail: `${s.tag ?? ''}${i.detail}` })));
  }
  const shown = items.slice(0, 20);
  return {
    title: 'Import finished',
    text: sentences.join(' '),
    items: shown.length ? shown : undefined,
    footer: items.length > shown.length ? `…and ${items.length - shown.length} more.` : undefined,
    ephemeral: true,
  };
}

export const command = defineCommand({
  name: 'import',
  description: 'Import your ratings from a Letterboxd or IMDb export (CSV)',
  options: [
    {
      name: 'file',
      description: 'the export: a file path on the console, else the attached file or pasted CSV',
      type: 'string',
      required: true,
      maxLength: MAX_IMPORT_BYTES,
    },
  ],
  writes: true,
  examples: ['/import ~/Downloads/letterboxd/ratings.csv'],
  async run(ctx, opts): Promise<Reply> {
    const { text, fileName } = readExport(ctx.platform, opts.file, ctx.fileNames?.file);
    // a file that cannot be read is refused before a new member gets a record (a refused command
    // leaves none behind); only a first import pays for reading the file twice
    if (!ctx.knownMember) parseMemberRatings(text, fileName);
    return importReply(ctx.service.importRatings(ctx.member, text, fileName));
  },
});
