/**
 * A retrain saves its models a part per event-loop turn, so members are answered meanwhile. Zed
 * asks to be forgotten while the retrained models (fitted on his ratings) are being saved: the
 * save stops before its key is published, what it wrote is deleted, and the models are trained
 * again without him; nothing on disk still holds his ratings.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/store/store.ts';
import { start, tasteDataset, tmp, until } from './fixture.ts';

/** What another connection sees: parts of a save no snapshot names (a save under way, or garbage). */
function unpublishedParts(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare('SELECT count(*) FROM snapshot_parts WHERE save_id NOT IN (SELECT save_id FROM snapshots WHERE save_id IS NOT NULL)')
      .pluck()
      .get() as number;
  } finally {
    db.close();
  }
}

function snapshotKeys(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare("SELECT key FROM snapshots WHERE name LIKE 'model:%' ORDER BY name").pluck().all() as string[];
  } finally {
    db.close();
  }
}

describe('a forget while the retrained models are being saved', () => {
  it('stops the save before its key, cleans up what it wrote, and retrains without the member', async () => {
    const path = join(tmp, 'forget-mid-save.db');
    // tiny parts: the save of each model takes hundreds of turns, a window to forget in
    const store = openStore(path, { snapshotPartBytes: 64 });
    store.importDataset(tasteDataset());
    const svc = await start(store, { algorithms: ['svd', 'baseline'] });
    await svc.ready;
    const zed = svc.member('discord', 'zed');
    for (const id of ['100', '101', '200', '300']) svc.rate(zed, id, 4.5);

    const retrained = svc.retrain();
    const saving = async () => {
      const end = Date.now() + 60_000;
      while (unpublishedParts(path) === 0) {
        if (Date.now() > end) throw new Error('timed out waiting for the save to begin');
        await new Promise((r) => setTimeout(r, 1));
      }
    };
    await saving();
    const withZed = svc.stats().generation;
    expect(svc.forget(zed)).toBe(4);
    const versionWithoutZed = store.ratingsVersion();
    await retrained;

    // the retrain the forget asked for runs after the one it interrupted
    await until(() => svc.stats().generation.ratingsVersion === versionWithoutZed && !svc.stats().retraining, 'the retrain without Zed');
    expect(svc.stats().generation.nRatings).toBe(withZed.nRatings - 4);
    await svc.close();
    // every saved model is of the data without Zed, and no part of the stopped save is left
    const keys = snapshotKeys(path);
    expect(keys.length).toBe(2);
    for (const key of keys) expect(key).toContain(`|ratings-v${versionWithoutZed}|`);
    expect(unpublishedParts(path)).toBe(0);
    store.close();

    // and a restart loads them (no training)
    const again = openStore(path);
    const svc2 = await start(again, { algorithms: ['svd', 'baseline'] });
    await svc2.ready;
    expect(svc2.stats().generation.ratingsVersion).toBe(versionWithoutZed);
    await svc2.close();
    again.close();
  });
});
