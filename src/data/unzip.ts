/**
 * Unzips an archive with yauzl into a folder, refusing any entry that would land outside it
 * ("zip-slip": "../x", "/etc/x", "C:\x") or that is a symbolic link. yauzl already rejects absolute
 * and ".." names; the resolved-path check below is kept as a second, independent guard.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

export class UnsafeArchiveError extends Error {
  override name = 'UnsafeArchiveError';
  constructor(readonly entry: string, reason: string) {
    super(`entry ${JSON.stringify(entry)} ${reason}`);
  }
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;

/** Extracts every entry of `zipPath` under `dest` (created). Returns the number of files written. */
export async function extractZip(zipPath: string, dest: string, onEntry?: (done: number, total: number) => void): Promise<number> {
  const root = resolve(dest);
  await mkdir(root, { recursive: true });
  const zip = await new Promise<yauzl.ZipFile>((ok, fail) =>
    yauzl.open(zipPath, { lazyEntries: true, autoClose: true, validateEntrySizes: true, decodeStrings: true }, (err, z) => (err ? fail(err) : ok(z))),
  );
  let files = 0;
  let seen = 0;
  try {
    await new Promise<void>((ok, fail) => {
      let failed = false;
      const stop = (err: unknown): void => {
        if (failed) return;
        failed = true;
        zip.close();
        fail(err);
      };
      zip.on('error', stop);
      zip.on('end', () => {
        if (!failed) ok();
      });
      zip.on('entry', (entry: yauzl.Entry) => {
        handle(entry).then(() => {
          onEntry?.(++seen, zip.entryCount);
          zip.readEntry();
        }, stop);
      });
      zip.readEntry();
    });
  } finally {
    if (zip.isOpen) zip.close();
  }
  return files;

  async function handle(entry: yauzl.Entry): Promise<void> {
    const name = entry.fileName;
    // macOS archivers add resource forks nobody needs
    if (name.startsWith('__MACOSX/')) return;
    const target = resolve(root, name);
    if (target !== root && !target.startsWith(root + sep)) throw new UnsafeArchiveError(name, 'would be written outside the destination folder');
    if (((entry.externalFileAttributes >>> 16) & S_IFMT) === S_IFLNK) throw new UnsafeArchiveError(name, 'is a symbolic link');
    if (name.endsWith('/')) {
      await mkdir(target, { recursive: true });
      return;
    }
    await mkdir(dirname(target), { recursive: true });
    const input = await new Promise<NodeJS.ReadableStream>((ok, fail) => zip.openReadStream(entry, (err, s) => (err ? fail(err) : ok(s))));
    await pipeline(input, createWriteStream(target, { flags: 'wx' }));
    files++;
  }
}
