/** Tiny data folders written by the tests themselves, removed afterwards. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];

afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test file. */
export function tempDir(prefix = 'marquee-data-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Writes files (text as UTF-8, or raw bytes) into `dir`, creating sub-folders; returns `dir`. */
export function writeFiles(dir: string, files: Record<string, string | Uint8Array>): string {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  return dir;
}

/** A dataset folder named `name` holding `files`. */
export function dataset(name: string, files: Record<string, string | Uint8Array>): string {
  const d = join(tempDir(), name);
  mkdirSync(d);
  return writeFiles(d, files);
}

/** Lines joined with CRLF and ended with one, as MovieLens CSVs are. */
export function crlf(...lines: string[]): string {
  return `${lines.join('\r\n')}\r\n`;
}

/** Text as Latin-1 bytes (every character must be below U+0100). */
export function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0xff) throw new Error(`not Latin-1: ${text[i]}`);
    out[i] = c;
  }
  return out;
}
