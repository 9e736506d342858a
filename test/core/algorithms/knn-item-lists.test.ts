import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import type { Profile, Trainset } from '../../../src/core/trainset.ts';
import { KNNBasic, resolveKnnParams } from '../../../src/core/algorithms/knn.ts';
import {
  ItemListScoring,
  HIT_CELL_NS,
  MARK_CELL_NS,
  ROW_CELL_NS,
  type ItemListDirection,
} from '../../../src/core/algorithms/knn-item-lists.ts';
import { KnnStep } from '../../../src/core/algorithms/knn-step.ts';
import type { NeighbourLists } from '../../../src/core/neighbours.ts';
import { build, type Row } from './small-ratings.ts';

/** Movies × members with ratings drawn by `rate` (undefined: not rated), members u0, u1, …. */
function ratings(members: number, movies: number, seed: number, rate: (rng: Rng, u: number) => number | undefined): Trainset {
  const rng = new Rng(seed);
  const rows: Row[] = [];
  for (let u = 0; u < members; u++) {
    for (let i = 0; i < movies; i++) {
      const r = rate(rng, u);
      if (r !== undefined) rows.push([`u${u}`, `m${i}`, r]);
    }
  }
  return build(rows);
}

const asMember = (ts: Trainset, u: number): Profile => {
  const p = ts.profileOf(u);
  return { items: p.items.slice(), ratings: p.ratings.slice() };
};

/** KNNBasic's estimates and supports from the lists, scored in one direction (terms: the ratings). */
function scoreIn(direction: ItemListDirection, lists: NeighbourLists, k: number, p: Profile) {
  const step = new KnnStep(k);
  const est = new Float64Array(lists.n);
  const support = new Float64Array(lists.n);
  const terms = Float64Array.from(p.ratings);
  const combine = (): number => (step.sums[2] >= 1 ? step.sums[0] / step.sums[1] : NaN);
  new ItemListScoring(direction).scoreAll(lists, p.items, terms, step, combine, est, support);
  return { est, support };
}

describe('item-based scoring on neighbour lists: reading every row gives, bit for bit, what reading the hits gives', () => {
  // 150 members × 60 movies on a continuous scale (no tied similarities), K 10 of 60: rows are cut
  const ts = ratings(150, 60, 23, (rng, u) => (u === 0 || rng.random() < 0.3 ? 1 + 4 * rng.random() : undefined));
  const k = 5;
  const params = resolveKnnParams('knn-basic', { name: 'pearson', user_based: false, k, min_k: 1 });
  const model = new KNNBasic(params, { denseMaxEntities: 0, listSize: 10 }).fit(ts);
  const lists = model.neighbourLists!;
  const light: Profile = { items: Int32Array.of(3, 17, 29, 41, 52, 8), ratings: Float32Array.of(4.5, 1, 3.5, 2, 5, 3) };
  const heavy = asMember(ts, 0);

  it('a member with 6 ratings, one with all 60, then the first again: the same estimates and supports both ways', () => {
    const scoring = { hits: new ItemListScoring('hits'), rows: new ItemListScoring('rows') };
    const step = new KnnStep(k);
    for (const p of [light, heavy, light]) {
      const terms = Float64Array.from(p.ratings);
      const combine = (): number => (step.sums[2] >= 1 ? step.sums[0] / step.sums[1] : NaN);
      const got = { hits: new Float64Array(60), rows: new Float64Array(60) };
      const support = { hits: new Float64Array(60), rows: new Float64Array(60) };
      for (const way of ['hits', 'rows'] as const) {
        scoring[way].scoreAll(lists, p.items, terms, step, combine, got[way], support[way]);
      }
      expect(got.rows).toEqual(got.hits);
      expect(support.rows).toEqual(support.hits);
      // and what the model itself answers, whichever way it chose
      const est = new Float64Array(60);
      model.scoreAllWithSupport(p, est, new Float64Array(60));
      expect(est).toEqual(got.hits);
    }
  });

  it('one work space serves member after member, each one rating apart or not, and new lists: each as a fresh one scores', () => {
    const kept = new ItemListScoring('hits');
    const step = new KnnStep(k);
    const combine = (): number => (step.sums[2] >= 1 ? step.sums[0] / step.sums[1] : NaN);
    const member = asMember(ts, 1);
    const oneMore = (p: Profile, j: number, r: number): Profile => ({
      items: Int32Array.of(...p.items, j),
      ratings: Float32Array.of(...p.ratings, r),
    });
    const unrated = [...Array(60).keys()].filter((j) => !member.items.includes(j));
    const after1 = oneMore(member, unrated[0], 4.5);
    const after2 = oneMore(after1, unrated[1], 2);
    const dropped = { items: after2.items.slice(3), ratings: after2.ratings.slice(3) };
    const refitted = new KNNBasic(params, { denseMaxEntities: 0, listSize: 10 }).fit(ts).neighbourLists!;
    const sequence: [NeighbourLists, Profile][] = [
      [lists, light], [lists, member], [lists, after1], [lists, after2], [lists, dropped],
      [lists, heavy], [lists, light], [refitted, after1], [lists, after1],
    ];
    for (const [l, p] of sequence) {
      const terms = Float64Array.from(p.ratings);
      const got = new Float64Array(60);
      const support = new Float64Array(60);
      kept.scoreAll(l, p.items, terms, step, combine, got, support);
      const fresh = scoreIn('hits', l, k, p);
      expect(got).toEqual(fresh.est);
      expect(support).toEqual(fresh.support);
    }
  });

  it('the heavy member reaches k in every row, the light one in few: both cases are covered', () => {
    expect(scoreIn('rows', lists, k, heavy).support.every((v) => v === k)).toBe(true);
    expect(scoreIn('rows', lists, k, light).support.some((v) => v < k)).toBe(true);
  });

  it('the cheaper way is chosen: the rows once most cells are rated, unless few of them must be marked anew', () => {
    const rev = lists.byNeighbour();
    const share = (items: Iterable<number>) => [...items].reduce((s, j) => s + rev.ptr[j + 1] - rev.ptr[j], 0) / lists.size;
    const one: Profile = { items: Int32Array.of(3), ratings: Float32Array.of(4) };
    expect(new ItemListScoring().directionFor(lists, one.items)).toBe('hits');
    expect(new ItemListScoring().directionFor(lists, heavy.items)).toBe('rows');
    expect(new ItemListScoring('hits').directionFor(lists, heavy.items)).toBe('hits');
    // a member with 24 movies, then 16 more: with nothing marked the 40 are read by rows; after the
    // 24 were marked, only the 16 new ones are, and the hits stay cheaper
    const first = Int32Array.from({ length: 24 }, (_, c) => c);
    const more = Int32Array.from({ length: 40 }, (_, c) => c);
    const added = share(more) - share(first);
    expect(ROW_CELL_NS).toBeLessThan((MARK_CELL_NS + HIT_CELL_NS) * share(more));
    expect(ROW_CELL_NS).toBeGreaterThan((MARK_CELL_NS + HIT_CELL_NS) * share(first));
    expect(ROW_CELL_NS).toBeGreaterThan(MARK_CELL_NS * added + HIT_CELL_NS * share(more));
    const scoring = new ItemListScoring();
    expect(scoring.directionFor(lists, more)).toBe('rows');
    const step = new KnnStep(k);
    const out = new Float64Array(60);
    scoring.scoreAll(lists, first, new Float64Array(24).fill(1), step, () => 0, out, null);
    expect(scoring.directionFor(lists, more)).toBe('hits');
    // on other lists nothing is marked
    const other = new KNNBasic(params, { denseMaxEntities: 0, listSize: 10 }).fit(ts).neighbourLists!;
    expect(scoring.directionFor(other, more)).toBe('rows');
  });
});

describe('a tied k-th place is settled the same way in both directions, by rating order, as the dense matrix does', () => {
  // half-star ratings on 40 members × 25 movies: msd similarities tie often; lists hold every
  // positive similarity (K 100), so the lists give the dense estimates
  const ts = ratings(40, 25, 7, (rng) => (rng.random() < 0.4 ? 1 + rng.int(9) / 2 : undefined));
  const k = 3;
  const params = resolveKnnParams('knn-basic', { name: 'msd', user_based: false, k, min_k: 1 });
  const dense = new KNNBasic(params).fit(ts);
  const lists = new KNNBasic(params, { denseMaxEntities: 0, listSize: 100 }).fit(ts).neighbourLists!;

  it('members whose k-th and next rated neighbours tie: rows, hits and the dense path agree', () => {
    let tiedRows = 0;
    for (let u = 0; u < ts.nUsers; u++) {
      const p = asMember(ts, u);
      // shuffle the rating order, so the tie rule (earlier rating first) is not the list's order
      p.items.reverse();
      p.ratings.reverse();
      const rated = new Set(p.items);
      for (let i = 0; i < ts.nItems; i++) {
        const s = [...lists.sim.subarray(lists.ptr[i], lists.ptr[i + 1])].filter((_, c) => rated.has(lists.nb[lists.ptr[i] + c]));
        const kth = rated.has(i) ? k - 2 : k - 1;
        if (kth >= 0 && s.length > kth + 1 && s[kth] === s[kth + 1]) tiedRows++;
      }
      const rows = scoreIn('rows', lists, k, p);
      const hits = scoreIn('hits', lists, k, p);
      expect(rows.est).toEqual(hits.est);
      expect(rows.support).toEqual(hits.support);
      const want = new Float64Array(ts.nItems);
      dense.scoreAll(p, want);
      for (let i = 0; i < ts.nItems; i++) {
        if (Number.isNaN(want[i])) expect(rows.est[i]).toBeNaN();
        else expect(rows.est[i]).toBeCloseTo(want[i], 12);
      }
    }
    // 12 rows over the 40 members tie at the k-th place with this seed
    expect(tiedRows).toBeGreaterThanOrEqual(10);
  });
});
