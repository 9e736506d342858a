import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MovieRecord } from '../../src/data/types.ts';
import { describeDatasetSwitch } from '../../src/store/rating-switch.ts';
import { migrations } from '../../src/store/migrations.ts';
import { openStore } from '../../src/store/store.ts';
import { dataset, movie } from './fixtures.ts';

function film(movieId: string, title: string, year: number, imdbId: string, genres: string[] = ['Drama']): MovieRecord {
  return { ...movie(movieId, title, year, genres), imdbId };
}

/** Dataset A numbers its films 1..4. */
function datasetA() {
  return dataset(
    'dataset-a',
    [
      film('1', 'Star Wars', 1977, 'tt0076759', ['Sci-Fi']),
      film('2', 'Heat', 1995, 'tt0113277', ['Crime']),
      film('3', 'Fargo', 1996, 'tt0116282', ['Crime']),
      film('4', 'Jumanji', 1995, 'tt0113497', ['Adventure']),
    ],
    [['u1', '1', 4, 1]],
  );
}

/** Dataset B holds the same films under other ids, lacks Fargo, and gives id 1 to another film. */
function datasetB() {
  return dataset(
    'dataset-b',
    [
      film('1', 'Event Horizon', 1997, 'tt0119081', ['Horror']),
      film('50', 'Star Wars', 1977, 'tt0076759', ['Sci-Fi']),
      film('60', 'Heat', 1995, 'tt0113277', ['Crime']),
      film('70', 'Jumanji', 1995, 'tt0113497', ['Adventure']),
    ],
    [['u9', '50', 5, 1]],
  );
}

describe('switching datasets under members who have rated', () => {
  it('moves each rating to its film in the new dataset, sets aside the one it lacks, and restores it on the way back', () => {
    const store = openStore(':memory:', { now: () => 5_000 });
    store.importDataset(datasetA());
    const maya = store.member('discord', 'maya');
    store.rate(maya.id, '1', 5, 100); // Star Wars
    store.rate(maya.id, '2', 3.5, 200); // Heat
    store.rate(maya.id, '3', 4, 300); // Fargo: not in B

    const toB = store.importDataset(datasetB());
    expect(toB.members).toEqual({
      from: 'dataset-a',
      to: 'dataset-b',
      moved: 2,
      renumbered: 2,
      setAside: 1,
      restored: 0,
      waiting: 1,
      byRule: { imdb: 2 },
    });
    // Star Wars stays Star Wars (B's id 50), never B's id 1 (Event Horizon)
    expect(store.memberRatings(maya.id).map((r) => [store.movie(r.movieId)?.displayTitle, r.rating, r.ratedAt])).toEqual([
      ['Heat', 3.5, 200],
      ['Star Wars', 5, 100],
    ]);
    expect(store.asideRatings(maya.id)).toEqual([
      {
        memberId: maya.id,
        dataset: 'dataset-a',
        movieId: '3',
        title: 'Fargo (1996)',
        year: 1996,
        rating: 4,
        ratedAt: 300,
        setAsideAt: 5_000,
        reason: 'the film is not in the new dataset',
      },
    ]);
    expect(describeDatasetSwitch(toB.members!)).toBe(
      "Dataset switched from dataset-a to dataset-b. Members' ratings: 2 moved to the same films in dataset-b (2 under another movie id there), " +
        '1 set aside (dataset-b lacks the film, or the member rated it again later). ' +
        '1 rating waits aside, kept until a dataset with the film is imported again (e.g. dataset-a).',
    );

    const backToA = store.importDataset(datasetA());
    expect(backToA.members).toMatchObject({ moved: 2, renumbered: 2, setAside: 0, restored: 1, waiting: 0 });
    expect(describeDatasetSwitch(backToA.members!)).toBe(
      "Dataset switched from dataset-b to dataset-a. Members' ratings: 2 moved to the same films in dataset-a (2 under another movie id there), " +
        'none set aside, 1 restored from an earlier switch.',
    );
    expect(store.memberRatings(maya.id).map((r) => [r.movieId, r.rating])).toEqual([
      ['3', 4],
      ['2', 3.5],
      ['1', 5],
    ]);
    expect(store.asideRatings()).toEqual([]);
    store.close();
  });

  it("keeps a member's newer rating when two old films land on one new film, and sets the older aside", () => {
    const store = openStore(':memory:');
    // the same film twice under two ids, as ml-100k lists "Chasing Amy (1997)" twice
    store.importDataset(
      dataset('doubled', [film('1', 'Chasing Amy', 1997, 'tt0118842'), film('2', 'Chasing Amy', 1997, 'tt0118842')], [['u', '1', 3, 1]]),
    );
    const sam = store.member('slack', 'sam');
    store.rate(sam.id, '1', 2, 100);
    store.rate(sam.id, '2', 4.5, 200);
    const r = store.importDataset(dataset('single', [film('9', 'Chasing Amy', 1997, 'tt0118842')], [['u', '9', 3, 1]]));
    expect(r.members).toMatchObject({ moved: 1, setAside: 1, waiting: 1 });
    expect(store.memberRatings(sam.id)).toEqual([{ movieId: '9', rating: 4.5, ratedAt: 200 }]);
    expect(store.asideRatings(sam.id)).toMatchObject([{ movieId: '1', rating: 2, reason: 'the member rated the same film later' }]);
    store.close();
  });

  it('a restored rating never overwrites a newer rating the member gave meanwhile', () => {
    const store = openStore(':memory:');
    store.importDataset(datasetA());
    const maya = store.member('console', 'maya');
    store.rate(maya.id, '3', 2, 100); // Fargo, then aside in B
    store.importDataset(datasetB());
    store.importDataset(dataset('with-fargo', [film('300', 'Fargo', 1996, 'tt0116282')], [['u', '300', 3, 1]]));
    expect(store.memberRatings(maya.id)).toEqual([{ movieId: '300', rating: 2, ratedAt: 100 }]);
    store.rate(maya.id, '300', 5, 900);
    store.importDataset(datasetA());
    expect(store.memberRatings(maya.id)).toEqual([{ movieId: '3', rating: 5, ratedAt: 900 }]);
    store.close();
  });

  it('a switch that fails half-way leaves every rating where it was', () => {
    const store = openStore(':memory:');
    store.importDataset(datasetA());
    const maya = store.member('console', 'maya');
    store.rate(maya.id, '1', 5, 100);
    store.rate(maya.id, '3', 4, 300);
    const version = store.ratingsVersion();
    expect(() =>
      store.importDataset(datasetB(), (p) => {
        if (p.phase === 'ratings') throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(store.datasetInfo()?.name).toBe('dataset-a');
    expect(store.memberRatings(maya.id).map((r) => r.movieId)).toEqual(['3', '1']);
    expect(store.movie('1')?.displayTitle).toBe('Star Wars');
    expect(store.asideRatings()).toEqual([]);
    expect(store.ratingsVersion()).toBe(version);
    store.close();
  });

  it('forgetting a member removes the ratings waiting aside too', () => {
    const store = openStore(':memory:');
    store.importDataset(datasetA());
    const maya = store.member('console', 'maya');
    store.rate(maya.id, '1', 5, 100);
    store.rate(maya.id, '3', 4, 300);
    store.importDataset(datasetB());
    expect(store.forget(maya.id)).toBe(2);
    expect(store.asideRatings()).toEqual([]);
    store.close();
  });

  it('says so plainly when no member has rated anything', () => {
    const store = openStore(':memory:');
    store.importDataset(datasetA());
    const r = store.importDataset(datasetB());
    expect(describeDatasetSwitch(r.members!)).toBe("Dataset switched from dataset-a to dataset-b (no members' ratings to move).");
    store.close();
  });

  it('a store written before ratings could be set aside gains the table on opening, ratings intact', () => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-switch-'));
    try {
      const path = join(dir, 'old.db');
      const db = new Database(path);
      for (const m of migrations.filter((m) => m.version <= 2)) m.up(db);
      db.pragma('user_version = 2');
      db.exec(`INSERT INTO movies (movie_id, title, display_title, year, genres, position) VALUES ('1', 'Heat (1995)', 'Heat', 1995, '[]', 0);
               INSERT INTO members (id, platform, platform_user_id, created_at) VALUES (1, 'console', 'old', 0);
               INSERT INTO member_ratings VALUES (1, '1', 4, 10);`);
      db.close();
      const store = openStore(path);
      expect(store.memberRatings(1)).toEqual([{ movieId: '1', rating: 4, ratedAt: 10 }]);
      expect(store.asideRatings()).toEqual([]);
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
