import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../src/store/checkpointer.ts';
import { openStore } from '../../src/store/store.ts';
import { tinyDataset } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'marquee-checkpointer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MB = 1024 * 1024;

/** Polls `ok` every 20 ms until it holds or `ms` pass. */
async function eventually(ok: () => boolean, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (ok()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return ok();
}

/** `n` bytes that differ from any other `seed`'s. */
function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, k) => (k * 31 + seed) & 0xff);
}

describe('WAL checkpoints in a thread of their own', () => {
  it('copies what the writer committed into the database file while the writer runs no checkpoint', async () => {
    const path = join(dir, 'writer.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE blobs (b BLOB)');
    db.prepare('INSERT INTO blobs VALUES (?)').run(Buffer.alloc(4 * MB, 7));
    // nothing has reached the database file: the 4 MB sit in the WAL
    expect(statSync(path).size).toBeLessThan(MB);
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(4 * MB);

    const failures: Error[] = [];
    const checkpointer = startCheckpointer(path, (err) => failures.push(err), 20);
    expect(await eventually(() => statSync(path).size > 4 * MB)).toBe(true);
    checkpointer.stop();
    db.close();
    expect(failures).toEqual([]);
  });

  it('reports a database it cannot open, once', async () => {
    const failures: Error[] = [];
    startCheckpointer(join(dir, 'no-such.db'), (err) => failures.push(err), 20);
    expect(await eventually(() => failures.length > 0)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(failures).toHaveLength(1);
    expect(failures[0].message).toMatch(/unable to open|no such file|exited/i);
  });

  it("keeps a service store's snapshot whole through the background checkpoints, and a rating written beside them", async () => {
    const path = join(dir, 'service.db');
    const store = openStore(path, { checkpointInBackground: true, snapshotPartBytes: 256 * 1024 });
    const blob = bytes(6 * MB, 3);
    store.saveSnapshot('ease', { key: 'k1', blob });
    store.importDataset(tinyDataset());
    const member = store.member('discord', '1001', 'ann');
    store.rate(member.id, '1', 4.5);
    // the thread has moved the parts into the database file before the store closes
    expect(await eventually(() => statSync(path).size > 6 * MB)).toBe(true);
    store.close();

    const again = openStore(path);
    const snap = again.loadSnapshot('ease');
    expect(snap?.key).toBe('k1');
    expect(Buffer.from(snap!.blob).equals(Buffer.from(blob))).toBe(true);
    expect(again.memberRatings(member.id).map((r) => [r.movieId, r.rating])).toEqual([['1', 4.5]]);
    again.close();
  });
});
