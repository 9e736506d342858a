/**
 * /import <file>: ratings from a Letterboxd or IMDb export. On the console the value is a file
 * path; elsewhere it is the CSV text (an adapter passes an attached file's text). Only the console
 * reads files: on a chat platform a path would let any member read the bot's disk.
 */
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { clip, defineCommand, UserError } from '../src/bot/command.ts';
import type { Reply } from '../src/bot/reply.ts';
import { plural } from './_shared.ts';

export const MAX_IMPORT_BYTES = 5_000_000;

function readCsv(platform: string, value: string): string {
  if (value.includes('\n')) return value;
  if (platform !== 'console') {
    throw new UserError('Attach your Letterboxd ratings.csv or IMDb ratings export, or paste its text (with its header line).');
  }
  const path = resolve(value.replace(/^~(?=$|\/)/, homedir()));
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new UserError(`${path} is not a file.`);
    size = st.size;
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`No file at ${path}. Give the path of your Letterboxd ratings.csv or IMDb ratings export.`);
  }
  if (size > MAX_IMPORT_BYTES) throw new UserError(`${path} is ${size} bytes; imports are limited to ${MAX_IMPORT_BYTES} bytes.`);
  return readFileSync(path, 'utf8');
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
    const csv = readCsv(ctx.platform, opts.file);
    const out = ctx.service.importRatings(ctx.member, csv);
    const kept = out.kept ?? [];
    // unmatched titles first (the member may want to rate them by hand), then the titles whose
    // newer rating was kept (their reason says so: "kept your newer rating …")
    const listed = [...out.unmatched, ...kept];
    const shown = listed.slice(0, 20);
    const keptText = kept.length ? ` Kept your newer rating of ${plural(kept.length, 'title')}.` : '';
    return {
      title: 'Import finished',
      text:
        `Imported ${plural(out.imported, 'new rating')}; updated ${plural(out.updated, 'rating')}.` +
        keptText +
        (out.unmatched.length ? ` ${plural(out.unmatched.length, 'title')} could not be matched:` : ' Every title was matched.'),
      items: shown.length
        ? shown.map((u) => ({ label: clip(u.year === null ? u.title : `${u.title} (${u.year})`, 100), detail: u.reason }))
        : undefined,
      footer: listed.length > shown.length ? `…and ${listed.length - shown.length} more.` : undefined,
      ephemeral: true,
    };
  },
});
