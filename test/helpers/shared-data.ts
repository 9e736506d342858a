/**
 * Where tests find the real MovieLens files: $MARQUEE_TEST_DATA, else ../shared/data beside the
 * repository. MovieLens may not be redistributed, so the files are never in the repo; tests that
 * need them skip with a message saying where they looked — except where MARQUEE_REQUIRE_TEST_DATA=1
 * (CI sets it), where a missing dataset fails the test run loudly instead of skipping in silence.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function sharedDataRoot(): string | undefined {
  const candidates = [process.env.MARQUEE_TEST_DATA, join(repoRoot, '..', 'shared', 'data')];
  for (const c of candidates) if (c && existsSync(c)) return resolve(c);
  return undefined;
}

/** The folder of one dataset (e.g. "ml-100k"), or undefined with the reason logged once. */
export function sharedDataset(name: string): string | undefined {
  const root = sharedDataRoot();
  const dir = root ? join(root, name) : undefined;
  if (dir && existsSync(dir)) return dir;
  const where = `set MARQUEE_TEST_DATA or place it in ${join(repoRoot, '..', 'shared', 'data')}`;
  if (process.env.MARQUEE_REQUIRE_TEST_DATA === '1') {
    throw new Error(`MARQUEE_REQUIRE_TEST_DATA=1 but the real dataset ${name} is missing (${where})`);
  }
  const msg = `skipping tests on real data: ${name} not found (${where})`;
  if (!warned.has(name)) {
    warned.add(name);
    console.warn(msg);
  }
  return undefined;
}

const warned = new Set<string>();
