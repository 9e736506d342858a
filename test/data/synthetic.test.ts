import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { loadDataset } from '../../src/data/load.ts';
import { MIN_RATINGS_PER_USER, SyntheticError, checkShape, type SyntheticShape } from '../../src/data/synthetic/shapes.ts';
import { LAST_TIMESTAMP, allocate } from '../../src/data/synthetic/world.ts';
import { writeSynthetic } from '../../src/data/synthetic/write.ts';
import type { LoadedDataset, RatingTable } from '../../src/data/types.ts';
import { tempDir, writeFiles } from './fixtures.ts';

const SHAPE: SyntheticShape = { users: 400, movies: 1500, ratings: 40_000, tags: 900 };

let dir: string;
let ds: LoadedDataset;

beforeAll(async () => {
  dir = join(tempDir(), 'synthetic');
  await writeSynthetic(dir, SHAPE, new Rng(1));
  ds = await loadDataset(dir);
});

function countsBy(values: ArrayLike<string>): Map<string, number> {
  const m = new Map<string, number>();
  for (let j = 0; j < values.length; j++) m.set(values[j], (m.get(values[j]) ?? 0) + 1);
  return m;
}

describe('a synthetic MovieLens-shaped dataset, as a scale test would use it', () => {
  it('is the four MovieLens CSV files, read by the product loader with the counts asked for', () => {
    expect(readdirSync(dir).sort()).toEqual(['links.csv', 'movies.csv', 'ratings.csv', 'tags.csv']);
    expect(ds.format).toBe('movielens-csv');
    expect(ds.scale).toEqual([0.5, 5]);
    expect(ds.movies).toHaveLength(SHAPE.movies);
    expect(ds.ratings.ratings).toHaveLength(SHAPE.ratings);
    expect(countsBy(ds.ratings.users).size).toBe(SHAPE.users);
    const tagLines = readFileSync(join(dir, 'tags.csv'), 'utf8').split('\r\n').filter((l) => l !== '');
    expect(tagLines[0]).toBe('userId,movieId,tag,timestamp');
    expect(tagLines).toHaveLength(SHAPE.tags + 1);
    expect(ds.movies.filter((m) => m.tags?.length).length).toBeGreaterThan(50);
  });

  it('has MovieLens-style movies: "Title (Year)" with years parsed, pipe-separated genres, links', () => {
    const head = readFileSync(join(dir, 'movies.csv'), 'utf8').split('\r\n').slice(0, 5);
    expect(head[0]).toBe('movieId,title,genres');
    for (const line of head.slice(1)) expect(line).toMatch(/^\d+,("?)[A-Z][^"]* \((19|20)\d\d\)\1,[A-Za-z()|\- ]+$/u);
    expect(ds.movies.every((m) => m.year !== null && m.year >= 1902 && m.year <= 2023)).toBe(true);
    // "Harbor, The (2013)" is quoted in the file and shown as "The Harbor"
    const articled = ds.movies.find((m) => m.title.includes(', The ('));
    expect(articled?.displayTitle).toMatch(/^The /u);
    expect(ds.movies.filter((m) => m.genres.length > 1).length).toBeGreaterThan(SHAPE.movies / 5);
    expect(ds.movies.every((m) => /^tt9\d{7}$/u.test(m.imdbId ?? ''))).toBe(true);
    const ids = ds.movies.map((m) => Number(m.movieId));
    expect(ids.every((id, k) => k === 0 || id > ids[k - 1])).toBe(true);
    expect(ids.at(-1)).toBeGreaterThan(SHAPE.movies); // sparse ids, as MovieLens has
  });

  it('gives every member at least 20 distinct movies, ordered by movie, rated in half stars up to Oct 2023', () => {
    const { users, items, ratings, timestamps } = ds.ratings;
    const perUser = countsBy(users);
    expect(Math.min(...perUser.values())).toBe(MIN_RATINGS_PER_USER);
    let outOfOrder = 0;
    for (let j = 1; j < users.length; j++) if (users[j] === users[j - 1] && Number(items[j]) <= Number(items[j - 1])) outOfOrder++;
    expect(outOfOrder).toBe(0); // ascending movie ids within a member also means no movie twice
    const values = new Set(ratings);
    expect([...values].sort((a, b) => a - b)).toEqual([0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5]);
    const mean = ratings.reduce((s, r) => s + r, 0) / ratings.length;
    expect(mean).toBeGreaterThan(3.2);
    expect(mean).toBeLessThan(3.8);
    expect(Math.max(...timestamps)).toBeLessThanOrEqual(LAST_TIMESTAMP);
    expect(Math.min(...timestamps)).toBeGreaterThan(Date.UTC(1995, 0, 1) / 1000);
  });

  it('has power-law activity and popularity: a few members and movies hold much of it', () => {
    const byMovie = [...countsBy(ds.ratings.items).values()].sort((a, b) => b - a);
    const share = (top: number): number => byMovie.slice(0, top).reduce((s, c) => s + c, 0) / SHAPE.ratings;
    // uniform popularity would give the top 1% of movies 1% of the ratings (ml-latest-small: 15.7%); in a
    // catalogue this small the top 15 movies cannot hold more than 15 · 400 members = 15%
    expect(share(SHAPE.movies / 100)).toBeGreaterThan(0.05);
    expect(share(SHAPE.movies / 10)).toBeGreaterThan(0.3);
    const byUser = [...countsBy(ds.ratings.users).values()].sort((a, b) => a - b);
    const median = byUser[Math.floor(byUser.length / 2)];
    const mean = SHAPE.ratings / SHAPE.users;
    expect(median).toBeLessThan(mean); // a long right tail
    expect(byUser.at(-1)).toBeGreaterThan(5 * mean);
  });

  it('carries a taste signal: co-rated movies predict a held-out movie better than the popularity chart', () => {
    const { popularity, coRated, random } = leaveOneOutHitRates(ds.ratings, 10);
    expect(popularity).toBeGreaterThan(5 * random);
    expect(coRated).toBeGreaterThan(popularity);
  });

  it('writes the same bytes for the same seed, and other bytes for another', async () => {
    const shape: SyntheticShape = { users: 60, movies: 300, ratings: 3000, tags: 40 };
    const [a, b, c] = [join(tempDir(), 'a'), join(tempDir(), 'b'), join(tempDir(), 'c')];
    await writeSynthetic(a, shape, new Rng(42));
    await writeSynthetic(b, shape, new Rng(42));
    await writeSynthetic(c, shape, new Rng(43));
    for (const file of ['movies.csv', 'links.csv', 'ratings.csv', 'tags.csv']) {
      expect(readFileSync(join(b, file)).equals(readFileSync(join(a, file))), file).toBe(true);
    }
    expect(readFileSync(join(c, 'ratings.csv')).equals(readFileSync(join(a, 'ratings.csv')))).toBe(false);
  });
});

describe('a synthetic request that cannot be honoured is refused and writes nothing', () => {
  it('too few ratings for 20 a member, too many for the catalogue, a catalogue too small', () => {
    expect(() => checkShape({ users: 100, movies: 500, ratings: 1999, tags: 0 })).toThrow(/1999 ratings are too few for 100 members: .* at least 2000/u);
    expect(() => checkShape({ users: 10, movies: 100, ratings: 600, tags: 0 })).toThrow(/600 ratings are too many .* at most 500/u);
    expect(() => checkShape({ users: 1, movies: 39, ratings: 20, tags: 0 })).toThrow(/--movies must be at least 40/u);
    expect(() => checkShape({ users: 1.5, movies: 100, ratings: 20, tags: 0 })).toThrow(SyntheticError);
  });

  it('into a folder that holds something, or under a missing parent that then fails', async () => {
    const taken = writeFiles(join(tempDir(), 'taken'), { 'notes.txt': 'mine' });
    await expect(writeSynthetic(taken, SHAPE, new Rng(1))).rejects.toThrow(/already exists and is not empty/u);
    expect(readdirSync(taken)).toEqual(['notes.txt']);
    const root = tempDir();
    await expect(writeSynthetic(join(root, 'new', 'set'), { ...SHAPE, ratings: 10 }, new Rng(1))).rejects.toThrow(/too few/u);
    expect(readdirSync(root)).toEqual([]);
  });
});

describe('splitting ratings among members', () => {
  it('honours the total, the minimum and the cap, in proportion to activity', () => {
    const counts = allocate(1000, Float64Array.from([0, 1, 2, 100]), 20, 400);
    expect([...counts].reduce((s, c) => s + c, 0)).toBe(1000);
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(20);
    expect(counts[3]).toBe(400);
    expect(counts[2]).toBeGreaterThan(counts[1]);
    expect(counts[1]).toBeGreaterThan(counts[0]);
  });
});

/**
 * Leave one rating out per member and ask whether it is in the top `n` of: the popularity chart;
 * co-rated movies (item cosine over who rated what, summed over the member's movies); chance.
 */
function leaveOneOutHitRates(table: RatingTable, n: number): { popularity: number; coRated: number; random: number } {
  const itemIndex = new Map<string, number>();
  const byUser = new Map<string, number[]>();
  for (let j = 0; j < table.items.length; j++) {
    let i = itemIndex.get(table.items[j]);
    if (i === undefined) itemIndex.set(table.items[j], (i = itemIndex.size));
    const list = byUser.get(table.users[j]) ?? [];
    list.push(i);
    byUser.set(table.users[j], list);
  }
  const m = itemIndex.size;
  const rng = new Rng(7);
  const heldOut: number[] = [];
  const train: number[][] = [];
  for (const list of byUser.values()) {
    const k = rng.int(list.length);
    heldOut.push(list[k]);
    train.push(list.filter((_, x) => x !== k));
  }
  const count = new Float64Array(m);
  const together = new Float64Array(m * m);
  for (const list of train) {
    for (const a of list) {
      count[a]++;
      for (const b of list) if (a !== b) together[a * m + b]++;
    }
  }
  const chart = [...count.keys()].sort((a, b) => count[b] - count[a]);
  let popularity = 0;
  let coRated = 0;
  train.forEach((list, u) => {
    const seen = new Set(list);
    if (chart.filter((i) => !seen.has(i)).slice(0, n).includes(heldOut[u])) popularity++;
    const score = new Float64Array(m);
    for (const a of list) for (let b = 0; b < m; b++) if (together[a * m + b] > 0) score[b] += together[a * m + b] / Math.sqrt(count[a] * count[b]);
    const top = [...score.keys()].filter((i) => !seen.has(i)).sort((a, b) => score[b] - score[a]).slice(0, n);
    if (top.includes(heldOut[u])) coRated++;
  });
  return { popularity: popularity / train.length, coRated: coRated / train.length, random: n / m };
}
