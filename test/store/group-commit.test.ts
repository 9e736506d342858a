import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.ts';
import { tinyDataset } from './fixtures.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function fileStore() {
  const dir = mkdtempSync(join(tmpdir(), 'marquee-group-'));
  dirs.push(dir);
  const path = join(dir, 'marquee.db');
  const store = openStore(path);
  store.importDataset(tinyDataset());
  return { store, path };
}

describe('group commit (inOneCommit)', () => {
  it("stores three members' ratings in one commit: another connection sees none of them before it returns, all after", () => {
    const { store, path } = fileStore();
    const ann = store.member('slack', 'UANN');
    const bob = store.member('slack', 'UBOB');
    const other = new Database(path, { readonly: true });
    const count = () => other.prepare('SELECT count(*) AS n FROM member_ratings').get() as { n: number };
    const seenInside: number[] = [];
    store.inOneCommit(() => {
      store.rate(ann.id, '1', 4);
      store.rate(bob.id, '2', 3.5);
      store.rate(ann.id, '3', 5);
      seenInside.push(count().n);
    });
    expect(seenInside).toEqual([0]);
    expect(count().n).toBe(3);
    expect(store.memberRatings(ann.id).map((r) => [r.movieId, r.rating]).sort()).toEqual([['1', 4], ['3', 5]]);
    other.close();
    store.close();
  });

  it('a write that fails inside the group rolls back alone; the others commit', () => {
    const { store } = fileStore();
    const ann = store.member('slack', 'UANN');
    const errors: string[] = [];
    store.inOneCommit(() => {
      store.rate(ann.id, '1', 4);
      try {
        store.rate(ann.id, 'no-such-movie', 4);
      } catch (err) {
        errors.push((err as Error).message);
      }
      store.rate(ann.id, '2', 2);
    });
    expect(errors).toHaveLength(1);
    expect(store.memberRatings(ann.id).map((r) => r.movieId).sort()).toEqual(['1', '2']);
    store.close();
  });

  it('when the group throws, none of its writes is stored', () => {
    const { store } = fileStore();
    const ann = store.member('slack', 'UANN');
    const version = store.ratingsVersion();
    expect(() =>
      store.inOneCommit(() => {
        store.rate(ann.id, '1', 4);
        throw new Error('the commit failed');
      }),
    ).toThrow('the commit failed');
    expect(store.memberRatings(ann.id)).toEqual([]);
    expect(store.ratingsVersion()).toBe(version);
    store.close();
  });
});
