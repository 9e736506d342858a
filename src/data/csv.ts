/**
 * Streaming CSV reading on top of csv-parse, with every problem turned into a DataFileError that
 * names the file and the 1-based line. Records are handed to a callback from inside the parser
 * (`on_record` returning null), so no per-record objects flow through the stream machinery.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse, CsvError } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { DataFileError } from './types.ts';

export type TextEncoding = 'utf-8' | 'latin1';

export interface CsvReadOptions {
  /** field separator; default "," */
  delimiter?: string;
  /** false for formats that have no quoting (u.item, *.dat), where a `"` is part of a title */
  quote?: boolean;
  /** default utf-8 (a byte-order mark is dropped); latin1 decodes with TextDecoder('latin1') */
  encoding?: TextEncoding;
  /** let rows with a different field count through, for files with known malformed rows */
  relaxColumnCount?: boolean;
}

/** Calls `onRecord(fields, line)` for every record, header included; `line` is 1-based (the record's last line). */
export async function readCsv(
  path: string,
  opts: CsvReadOptions,
  onRecord: (fields: string[], line: number) => void,
): Promise<void> {
  let lastLine = 0;
  const parser = parse({
    delimiter: opts.delimiter ?? ',',
    quote: opts.quote === false ? false : '"',
    relax_column_count: opts.relaxColumnCount ?? false,
    skip_empty_lines: true,
    on_record: (record: string[], context) => {
      lastLine = context.lines;
      onRecord(record, context.lines);
      return null;
    },
  });
  try {
    await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), decodeStream(opts.encoding ?? 'utf-8'), parser, drain);
  } catch (err) {
    // csv-parse reports an unclosed quote at the end of the file; the record began after the last good one
    if (err instanceof CsvError && err.code === 'CSV_QUOTE_NOT_CLOSED') {
      throw new DataFileError(path, lastLine + 1, 'a quoted field that starts on this line is never closed (is the file cut short?)');
    }
    throw asDataFileError(path, err);
  }
}

/** Parses one line of CSV text (a header, or a rating line that uses quotes). */
export function parseCsvLine(text: string, delimiter: string, file: string, line: number): string[] {
  try {
    return parseSync(text, { delimiter })[0] ?? [];
  } catch (err) {
    throw new DataFileError(file, line, asDataFileError(file, err).problem);
  }
}

/**
 * Column positions from a header row. Names match case-insensitively; each wanted column may list
 * aliases. Throws a DataFileError that quotes the header found and the one expected.
 */
export function headerIndex<K extends string>(
  file: string,
  header: readonly string[],
  wanted: Record<K, { names: readonly string[]; optional?: boolean }>,
  expected: string,
  line = 1,
): Record<K, number> {
  const lower = header.map((h) => h.trim().toLowerCase());
  const out = {} as Record<K, number>;
  const missing: string[] = [];
  for (const key of Object.keys(wanted) as K[]) {
    const spec = wanted[key];
    const at = lower.findIndex((h) => spec.names.some((n) => n.toLowerCase() === h));
    if (at < 0 && !spec.optional) missing.push(spec.names[0]);
    out[key] = at;
  }
  if (missing.length > 0) {
    throw new DataFileError(
      file,
      line,
      `unexpected header "${header.join(',')}": expected "${expected}" (missing ${missing.join(', ')})`,
    );
  }
  return out;
}

/**
 * Utf-8 when the bytes are valid UTF-8, else Latin-1. MovieLens changed encodings between releases
 * (ml-100k u.item and ml-1m movies.dat are Latin-1, ml-10m is UTF-8), and copies get re-encoded.
 * Reads the whole file: only used on the small movie files.
 */
export function detectEncoding(path: string): TextEncoding {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw asDataFileError(path, err);
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return 'utf-8';
  } catch {
    return 'latin1';
  }
}

/** Bytes -> text chunks; TextDecoder keeps a multi-byte character split across chunks whole. */
export function decodeStream(encoding: TextEncoding): Transform {
  const decoder = new TextDecoder(encoding);
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc, done) {
      const text = decoder.decode(chunk, { stream: true });
      done(null, text === '' ? undefined : text);
    },
    flush(done) {
      const text = decoder.decode();
      done(null, text === '' ? undefined : text);
    },
  });
}

async function drain(source: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of source) {
    // on_record keeps everything; nothing reaches here
  }
}

/** Any failure while reading a data file, as the DataFileError a person can act on. */
export function asDataFileError(file: string, err: unknown): DataFileError {
  if (err instanceof DataFileError) return err;
  if (err instanceof CsvError) {
    const lines = (err as CsvError & { lines?: number }).lines;
    return new DataFileError(file, typeof lines === 'number' ? lines : undefined, describeCsvError(err));
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return new DataFileError(file, undefined, 'file not found');
  if (code === 'EACCES') return new DataFileError(file, undefined, 'permission denied');
  if (code === 'EISDIR') return new DataFileError(file, undefined, 'is a folder, not a file');
  const message = err instanceof Error ? err.message : String(err);
  return new DataFileError(file, undefined, message);
}

function describeCsvError(err: CsvError): string {
  const e = err as CsvError & { record?: string[] };
  switch (err.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
    case 'CSV_RECORD_INCONSISTENT_COLUMNS': {
      const m = /expect (\d+),? got (\d+)|columns length is (\d+), got (\d+)/u.exec(err.message);
      const expected = m?.[1] ?? m?.[3];
      const found = m?.[2] ?? m?.[4] ?? String(e.record?.length ?? '?');
      return `expected ${expected ?? 'the same number of'} fields, found ${found} (a cut-short or malformed row)`;
    }
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed (is the file cut short?)';
    default:
      return err.message.replace(/\s*(?:at|on) line \d+\s*$/u, '').replace(/^Invalid Opening Quote: /u, 'misplaced quote: ');
  }
}
