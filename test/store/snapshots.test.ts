import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/api.ts';
import { migrations } from '../../src/store/migrations.ts';
import { openStore } from '../../src/store/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'marquee-snapshots-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `n` bytes that differ from any other `seed`'s. */
function bytes(n: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: n }, (_, k) => (k * 31 + seed) & 0xff);
}

/** What another connection sees in the file: the snapshot parts stored, per save. */
function partsOnDisk(path: string): number {
  const db = new Database(path, { readonly: true });
  const n = db.prepare('SELECT count(*) FROM snapshot_parts').pluck().get() as number;
  db.close();
  return n;
}

describe('snapshots', () => {
  it('saves and loads a model blob by name, byte for byte', () => {
    let clock = 500;
    const store = openStore(':memory:', { now: () => clock });
    // a view into the middle of a larger buffer: only the viewed bytes are saved
    const factors = new Float32Array([9, 0.25, -1.5, 3e-7, 9]);
    const blob = new Uint8Array(factors.buffer, 4, 12);
    store.saveSnapshot('svd', { key: 'abc|v3|k=100', blob });

    const got = store.loadSnapshot('svd')!;
    expect(got.key).toBe('abc|v3|k=100');
    expect(got.createdAt).toBe(500);
    expect(got.blob).toBeInstanceOf(Uint8Array);
    expect(Array.from(got.blob)).toEqual(Array.from(blob));
    expect(Array.from(new Float32Array(got.blob.slice().buffer))).toEqual([0.25, -1.5, Math.fround(3e-7)]);

    clock = 900;
    store.saveSnapshot('svd', { key: 'def', blob: new Uint8Array([1, 2, 3]) });
    expect(store.loadSnapshot('svd')).toEqual({ key: 'def', blob: new Uint8Array([1, 2, 3]), createdAt: 900 });
    expect(store.loadSnapshot('knn')).toBeUndefined();
    expect(() => store.saveSnapshot('', { key: 'k', blob: new Uint8Array(1) })).toThrow(StoreError);
    store.close();
  });
});

describe('a snapshot saved in steps (one short transaction per part, the key last)', () => {
  it('round-trips a snapshot of many parts, and the old one answers until the last step', () => {
    const path = join(dir, 'steps.db');
    const store = openStore(path, { snapshotPartBytes: 16 });
    const old = bytes(40, 1);
    store.saveSnapshot('model:ease', { key: 'v1', blob: old });
    expect(partsOnDisk(path)).toBe(3);

    const fresh = bytes(100, 2);
    const steps = store.snapshotSaveSteps('model:ease', { key: 'v2', blob: fresh });
    let taken = 0;
    while (!steps.next().done) {
      taken++;
      expect(store.loadSnapshot('model:ease')?.key).toBe('v1');
      expect(store.loadSnapshot('model:ease')?.blob).toEqual(old);
    }
    expect(taken).toBe(Math.ceil(100 / 16) + 1); // a step per part, then the key
    expect(store.loadSnapshot('model:ease')).toMatchObject({ key: 'v2', blob: fresh });

    // the replaced snapshot's parts go one per step, and only those
    expect(partsOnDisk(path)).toBe(3 + 7);
    const cleanup = [...store.snapshotCleanupSteps()];
    expect(cleanup.length).toBe(3);
    expect(partsOnDisk(path)).toBe(7);
    expect(store.loadSnapshot('model:ease')?.blob).toEqual(fresh);
    store.close();
  });

  it('a save stopped part-way leaves the previous snapshot, and cleanup deletes what it wrote', () => {
    const path = join(dir, 'stopped.db');
    const store = openStore(path, { snapshotPartBytes: 8 });
    store.saveSnapshot('model:svd', { key: 'v1', blob: bytes(20, 3) });
    const steps = store.snapshotSaveSteps('model:svd', { key: 'v2', blob: bytes(64, 4) });
    for (let k = 0; k < 4; k++) steps.next();
    // a part of a save still being written is not garbage
    expect([...store.snapshotCleanupSteps()]).toEqual([]);
    steps.return();
    expect(store.loadSnapshot('model:svd')).toMatchObject({ key: 'v1', blob: bytes(20, 3) });
    expect([...store.snapshotCleanupSteps()].length).toBe(3);
    expect(partsOnDisk(path)).toBe(3);
    store.close();
  });

  it('a crash mid-save (the process gone between two parts) reopens with the old snapshot', () => {
    const path = join(dir, 'crash.db');
    const first = openStore(path, { snapshotPartBytes: 8 });
    first.saveSnapshot('model:ease', { key: 'v1', blob: bytes(24, 5) });
    const steps = first.snapshotSaveSteps('model:ease', { key: 'v2', blob: bytes(80, 6) });
    for (let k = 0; k < 6; k++) steps.next();
    // every part is its own commit: another connection sees them, and the old key still
    expect(partsOnDisk(path)).toBe(3 + 5);
    const after = openStore(path, { snapshotPartBytes: 8 });
    expect(after.loadSnapshot('model:ease')).toMatchObject({ key: 'v1', blob: bytes(24, 5) });
    expect([...after.snapshotCleanupSteps()].length).toBe(5);
    // the crashed save cannot publish over the cleaned-up parts: it fails, and the old key stays
    expect(() => {
      while (!steps.next().done);
    }).toThrow(/parts were found when saving; not saved/);
    expect(after.loadSnapshot('model:ease')).toMatchObject({ key: 'v1', blob: bytes(24, 5) });
    first.close();
    after.close();
  });

  it('a snapshot with no bytes, a dropped one, and bad input', () => {
    const store = openStore(':memory:');
    store.saveSnapshot('empty', { key: 'k', blob: new Uint8Array(0) });
    expect(store.loadSnapshot('empty')?.blob.length).toBe(0);
    expect(store.dropSnapshot('empty')).toBe(true);
    expect(store.dropSnapshot('empty')).toBe(false);
    expect(store.loadSnapshot('empty')).toBeUndefined();
    expect(() => store.snapshotSaveSteps('', { key: 'k', blob: new Uint8Array(1) }).next()).toThrow(/non-empty name/);
    expect(() => store.snapshotSaveSteps('x', { key: 'k', blob: [1] as unknown as Uint8Array }).next()).toThrow(StoreError);
    expect(() => openStore(':memory:', { snapshotPartBytes: 12 })).toThrow(/snapshotPartBytes must be a whole multiple of 8/);
    store.close();
  });

  it('a store written before the parts (schema 5) still loads its snapshots', () => {
    const path = join(dir, 'schema5.db');
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    for (const m of migrations.filter((m) => m.version <= 5)) m.up(db);
    db.pragma('user_version = 5');
    db.prepare('INSERT INTO snapshots (name, key, blob, created_at) VALUES (?, ?, ?, ?)').run('model:svd', 'old', Buffer.from(bytes(50, 7)), 1);
    db.close();
    const store = openStore(path);
    expect(store.loadSnapshot('model:svd')).toEqual({ key: 'old', blob: bytes(50, 7), createdAt: 1 });
    store.saveSnapshot('model:svd', { key: 'new', blob: bytes(30, 8) });
    expect(store.loadSnapshot('model:svd')).toMatchObject({ key: 'new', blob: bytes(30, 8) });
    store.close();
  });
});

describe('evaluations', () => {
  it('keeps every report and returns the latest', () => {
    let clock = 1;
    const store = openStore(':memory:', { now: () => clock });
    expect(store.lastEvaluation()).toBeUndefined();
    store.saveEvaluation({ rmse: { svd: 0.874 }, folds: 5 });
    clock = 2;
    store.saveEvaluation({ rmse: { svd: 0.871, knn: 0.9 }, folds: 5 });
    expect(store.lastEvaluation()).toEqual({ report: { rmse: { svd: 0.871, knn: 0.9 }, folds: 5 }, createdAt: 2 });
    expect(() => store.saveEvaluation(undefined)).toThrow(/must be a JSON value/);
    store.close();
  });
});
