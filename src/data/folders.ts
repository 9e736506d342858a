/** Folder bookkeeping shared by the writers of dataset folders (download, synthetic generator). */
import { rmdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * A failed write leaves the disk as it found it: the folders `mkdir -p` made for it (from `top`,
 * the first one it created, down to `deepest`) go again. rmdir, not rm -r, so a folder something
 * else wrote into meanwhile stays.
 */
export async function removeCreatedFolders(top: string, deepest: string): Promise<void> {
  for (let dir = deepest; dir.length >= top.length; dir = dirname(dir)) {
    try {
      await rmdir(dir);
    } catch {
      return;
    }
    if (dir === top) return;
  }
}
