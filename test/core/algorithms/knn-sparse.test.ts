import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import type { Profile, Trainset } from '../../../src/core/trainset.ts';
import {
  KNNBaseline,
  KNNBasic,
  KNNWithMeans,
  KNNWithZScore,
  resolveKnnParams,
  type KnnAlgorithm,
} from '../../../src/core/algorithms/knn.ts';
import { computeSimilarities, SIMILARITY_NAMES, type SimilarityName } from '../../../src/core/similarity.ts';
import { computeBaselines } from '../../../src/core/baselines.ts';
import {
  computeNeighbourLists,
  memberSimilarityRow,
  MemberRowScratch,
  neighbourListOptions,
  pairUpdates,
  prunedRows,
  pruneCap,
} from '../../../src/core/neighbours.ts';
import type { Baselines } from '../../../src/core/baselines.ts';
import type { SimilarityOptions } from '../../../src/core/similarity.ts';
import { similarityRowForProfile } from '../../../src/core/similarity.ts';
import { ParamError } from '../../../src/core/algorithm.ts';
import { build, type Row } from './small-ratings.ts';

/** 40 members × 25 movies, about a third rated, half-star ratings: ties and small supports occur. */
function randomSet(seed: number): Trainset {
  const rng = new Rng(seed);
  const rows: Row[] = [];
  for (let u = 0; u < 40; u++) {
    for (let i = 0; i < 25; i++) {
      if (rng.random() < 0.33) rows.push([`u${u}`, `m${i}`, 1 + rng.int(9) / 2]);
    }
  }
  return build(rows);
}

const VARIANTS = [
  ['knn-basic', KNNBasic],
  ['knn-means', KNNWithMeans],
  ['knn-zscore', KNNWithZScore],
  ['knn-baseline', KNNBaseline],
] as const;

/** a dense model and one forced onto neighbour lists that hold every positive similarity */
function pair(
  name: (typeof VARIANTS)[number][0],
  make: (typeof VARIANTS)[number][1],
  given: Record<string, unknown>,
  ts: Trainset,
): [KnnAlgorithm, KnnAlgorithm] {
  const params = resolveKnnParams(name, given);
  const dense = new make(params).fit(ts);
  const sparse = new make(params, { denseMaxEntities: 0, listSize: 100, maxMemberCandidates: 100 }).fit(ts);
  return [dense, sparse];
}

/** equal to 12 decimals, NaN (no estimate) where the dense one is NaN */
function expectClose(got: Float64Array, want: Float64Array): void {
  for (let i = 0; i < want.length; i++) {
    if (Number.isNaN(want[i])) expect(got[i]).toBeNaN();
    else expect(got[i]).toBeCloseTo(want[i], 12);
  }
}

const asMember = (ts: Trainset, u: number): Profile => {
  const p = ts.profileOf(u);
  return { items: p.items.slice(), ratings: p.ratings.slice() };
};

describe('kNN on neighbour lists, when the lists hold every neighbour, estimates as the dense matrix does', () => {
  const ts = randomSet(7);
  for (const [name, make] of VARIANTS) {
    for (const sim of SIMILARITY_NAMES) {
      for (const userBased of [true, false]) {
        it(`${name}, ${sim}, ${userBased ? 'user' : 'item'}-based, k 3`, () => {
          const [dense, sparse] = pair(name, make, { name: sim, user_based: userBased, k: 3, min_support: 2 }, ts);
          expect(sparse.neighbourLists).toBeDefined();
          expect(() => sparse.similarities).toThrow(/neighbour lists/);
          const a1 = new Float64Array(ts.nItems);
          const b1 = new Float64Array(ts.nItems);
          for (let u = 0; u < ts.nUsers; u++) {
            for (let i = 0; i < ts.nItems; i++) {
              const d = dense.estimate(u, i);
              a1[i] = d.value ?? NaN;
              const e = sparse.estimate(u, i);
              b1[i] = e.value ?? NaN;
            }
            expectClose(b1, a1);
          }
          for (const u of [0, 11, 39]) {
            const a = new Float64Array(ts.nItems);
            const b = new Float64Array(ts.nItems);
            // a trained member, then the same ratings as a live member (no `user`)
            dense.scoreAll({ ...asMember(ts, u), user: u }, a);
            sparse.scoreAll({ ...asMember(ts, u), user: u }, b);
            // the dense item-based path sums in movie-id order, the lists in list order: ulps
            expectClose(b, a);
            dense.scoreAll(asMember(ts, u), a);
            sparse.scoreAll(asMember(ts, u), b);
            expectClose(b, a);
            const d = dense.estimateFor(asMember(ts, u), 3);
            const e = sparse.estimateFor(asMember(ts, u), 3);
            expectClose(Float64Array.of(e.value ?? NaN), Float64Array.of(d.value ?? NaN));
          }
        });
      }
    }
  }
});

describe('the list paths give the dense estimates on any rating order, and settle ties at the k-th place by rating order', () => {
  // ratings in a shuffled order: the movies' rater lists are no longer in user order (the
  // user-based path then reads positions from the map), and whole-star msd ties are everywhere
  const rng = new Rng(19);
  const rows: Row[] = [];
  for (let u = 0; u < 30; u++) for (let i = 0; i < 20; i++) if (rng.random() < 0.4) rows.push([`u${u}`, `m${i}`, 1 + rng.int(5)]);
  for (let j = rows.length - 1; j > 0; j--) {
    const r = rng.int(j + 1);
    [rows[j], rows[r]] = [rows[r], rows[j]];
  }
  const ts = build(rows);
  for (const userBased of [true, false]) {
    for (const k of [1, 2, 5]) {
      it(`${userBased ? 'user' : 'item'}-based, msd, k ${k}`, () => {
        const [dense, sparse] = pair('knn-means', KNNWithMeans, { name: 'msd', user_based: userBased, k }, ts);
        for (let u = 0; u < ts.nUsers; u++) {
          const a = new Float64Array(ts.nItems);
          const b = new Float64Array(ts.nItems);
          const sa = new Float64Array(ts.nItems);
          const sb = new Float64Array(ts.nItems);
          dense.scoreAllWithSupport(asMember(ts, u), a, sa);
          sparse.scoreAllWithSupport(asMember(ts, u), b, sb);
          expectClose(b, a);
          expect(sb).toEqual(sa);
        }
      });
    }
  }
});

describe('neighbour lists keep each row’s K strongest positive similarities', () => {
  const ts = randomSet(11);
  const baselines = computeBaselines(ts);
  const sortedRow = (dense: { n: number; get(a: number, b: number): number }, a: number, K: number) =>
    Array.from({ length: dense.n }, (_, b) => ({ b, s: dense.get(a, b) }))
      .filter(({ b, s }) => b !== a && s > 0)
      .sort((x, y) => y.s - x.s || x.b - y.b)
      .slice(0, K);
  for (const sim of SIMILARITY_NAMES as readonly SimilarityName[]) {
    for (const userBased of [true, false]) {
      it(`${sim}, ${userBased ? 'users' : 'movies'}, pruned to a budget of 300 pair updates: the lists match a naive computation on the ratings kept`, () => {
        const opts = { name: sim, userBased, minSupport: 1, shrinkage: 100 };
        const yr = userBased ? ts.byItem : ts.byUser;
        const cap = pruneCap(yr.indptr, 300);
        expect(cap).toBeLessThan(Infinity);
        const lists = computeNeighbourLists(ts, opts, { listSize: 4, exactPairBudget: 300 }, baselines);
        const kept = keptRatings(ts, userBased, cap);
        const nX = userBased ? ts.nUsers : ts.nItems;
        let stored = 0;
        for (let a = 0; a < nX; a++) {
          const naive = Array.from({ length: nX }, (_, b) => ({ b, s: b === a ? 0 : naiveSimilarity(ts, kept, opts, baselines, a, b) }))
            .filter(({ s }) => s > 0)
            .sort((x, y) => y.s - x.s || x.b - y.b)
            .slice(0, 4);
          const got = [];
          for (let p = lists.ptr[a]; p < lists.ptr[a + 1]; p++) got.push({ b: lists.nb[p], s: lists.sim[p] });
          expect(got).toEqual(naive.map(({ b, s }) => ({ b, s: expect.closeTo(s, 12) })));
          stored += got.length;
        }
        expect(stored).toBeGreaterThan(nX);
      });
    }
    for (const userBased of [true, false]) {
      it(`${sim}, ${userBased ? 'users' : 'movies'}, K 4: the lists match a naive sort of the dense rows`, () => {
        const opts = { name: sim, userBased, minSupport: 1, shrinkage: 100 };
        const dense = computeSimilarities(ts, opts, baselines);
        const lists = computeNeighbourLists(ts, opts, { listSize: 4, exactPairBudget: 1e9 }, baselines);
        for (let a = 0; a < dense.n; a++) {
          const naive = sortedRow(dense, a, 4);
          const got = [];
          for (let p = lists.ptr[a]; p < lists.ptr[a + 1]; p++) got.push({ b: lists.nb[p], s: lists.sim[p] });
          expect(got).toEqual(naive);
        }
      });
    }
  }
});

/** (x, y) → rating of the ratings the pruned product keeps: each y's `cap` raters with the fewest ratings, ties the smaller id */
function keptRatings(ts: Trainset, userBased: boolean, cap: number): Map<string, number> {
  const kept = new Map<string, number>();
  const nY = userBased ? ts.nItems : ts.nUsers;
  const degX = (x: number) => (userBased ? ts.userDegree(x) : ts.itemDegree(x));
  for (let y = 0; y < nY; y++) {
    const raters: { x: number; r: number }[] = [];
    for (let x = 0; x < (userBased ? ts.nUsers : ts.nItems); x++) {
      const u = userBased ? x : y;
      const i = userBased ? y : x;
      const r = ratingOf(ts, u, i);
      if (r !== undefined) raters.push({ x, r });
    }
    raters.sort((p, q) => degX(p.x) - degX(q.x) || p.x - q.x);
    for (const { x, r } of raters.slice(0, cap)) kept.set(`${x},${y}`, r);
  }
  return kept;
}

function ratingOf(ts: Trainset, u: number, i: number): number | undefined {
  for (let p = ts.byUser.indptr[u]; p < ts.byUser.indptr[u + 1]; p++) if (ts.byUser.indices[p] === i) return ts.byUser.values[p];
  return undefined;
}

/** The textbook formulas over the common kept ratings of a and b (Surprise's definitions). */
function naiveSimilarity(ts: Trainset, kept: Map<string, number>, opts: SimilarityOptions, bl: Baselines, a: number, b: number): number {
  const nY = opts.userBased ? ts.nItems : ts.nUsers;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < nY; y++) {
    const ra = kept.get(`${a},${y}`);
    const rb = kept.get(`${b},${y}`);
    if (ra === undefined || rb === undefined) continue;
    if (opts.name === 'pearson_baseline') {
      const base = (x: number) => ts.globalMean + (opts.userBased ? bl.bu[x] + bl.bi[y] : bl.bi[x] + bl.bu[y]);
      xs.push(ra - base(a));
      ys.push(rb - base(b));
    } else {
      xs.push(ra);
      ys.push(rb);
    }
  }
  const n = xs.length;
  if (n < (opts.name === 'pearson_baseline' ? 2 : 1)) return 0;
  const sum = (f: (c: number) => number) => xs.reduce((t, _, c) => t + f(c), 0);
  switch (opts.name) {
    case 'msd':
      return 1 / (sum((c) => (xs[c] - ys[c]) ** 2) / n + 1);
    case 'cosine': {
      const den = Math.sqrt(sum((c) => xs[c] ** 2) * sum((c) => ys[c] ** 2));
      return den > 0 ? sum((c) => xs[c] * ys[c]) / den : 0;
    }
    case 'pearson': {
      const sa = sum((c) => xs[c]);
      const sb = sum((c) => ys[c]);
      const den = Math.sqrt((n * sum((c) => xs[c] ** 2) - sa * sa) * (n * sum((c) => ys[c] ** 2) - sb * sb));
      return den > 0 ? (n * sum((c) => xs[c] * ys[c]) - sa * sb) / den : 0;
    }
    case 'pearson_baseline': {
      const den = Math.sqrt(sum((c) => xs[c] ** 2) * sum((c) => ys[c] ** 2));
      return den > 0 ? ((sum((c) => xs[c] * ys[c]) / den) * (n - 1)) / (n - 1 + opts.shrinkage) : 0;
    }
  }
}

describe('past its budget, the product runs over a pruned trainset, and the budget bounds its cost', () => {
  const ts = randomSet(11);

  it('the cap is the largest whose pair updates fit the budget; an exact product that fits is not pruned', () => {
    const yPtr = ts.byItem.indptr;
    const exact = pairUpdates(yPtr);
    expect(pruneCap(yPtr, exact)).toBe(Infinity);
    for (const budget of [0, 50, 300, exact - 1]) {
      const cap = pruneCap(yPtr, budget);
      if (cap > 2) expect(pairUpdates(yPtr, cap)).toBeLessThanOrEqual(budget);
      expect(pairUpdates(yPtr, cap + 1)).toBeGreaterThan(budget);
    }
    expect(pruneCap(yPtr, 0)).toBe(2);
  });

  it('a film seen by five members keeps the three who rated the fewest films, the smaller id on a tie', () => {
    // y0 rated by x0..x4; x0 and x3 rated 3 films, x1 4, x2 1, x4 1
    const rows: Row[] = [
      ['x0', 'y0', 1], ['x1', 'y0', 2], ['x2', 'y0', 3], ['x3', 'y0', 4], ['x4', 'y0', 5],
      ['x0', 'y1', 1], ['x0', 'y2', 1], ['x1', 'y1', 1], ['x1', 'y2', 1], ['x1', 'y3', 1], ['x3', 'y1', 1], ['x3', 'y3', 1],
    ];
    const small = build(rows);
    const rows3 = prunedRows(small.byItem, small.nUsers, 3);
    const y0 = small.innerItem('y0');
    const keptUsers = [];
    for (let x = 0; x < small.nUsers; x++) {
      for (let k = rows3.indptr[x]; k < rows3.indptr[x + 1]; k++) if (rows3.indices[k] === y0) keptUsers.push(small.rawUser(x));
    }
    expect(keptUsers.sort()).toEqual(['x0', 'x2', 'x4']);
    // films with at most 3 raters keep them all, with their ratings
    expect(rows3.indices.length).toBe(small.nRatings - 2);
    expect(Array.from(rows3.values).reduce((t, v) => t + v, 0)).toBe(1 + 3 + 5 + 7);
  });
});

describe('a live member’s similarities come from a bounded set of co-raters', () => {
  const ts = randomSet(3);
  const opts = { name: 'pearson' as const, userBased: true, minSupport: 1, shrinkage: 100 };
  const me = asMember(ts, 5);

  it('with room for every co-rater, the row equals the full computation', () => {
    const full = similarityRowForProfile(ts, opts, me.items, me.ratings);
    const bounded = memberSimilarityRow(ts, opts, me.items, me.ratings, 1000);
    for (let v = 0; v < ts.nUsers; v++) expect(bounded[v]).toBeCloseTo(full[v], 12);
  });

  it('with a cap of 5, at most 5 members are compared, each with their exact similarity', () => {
    const full = similarityRowForProfile(ts, opts, me.items, me.ratings);
    const bounded = memberSimilarityRow(ts, opts, me.items, me.ratings, 5);
    const compared = [...bounded.keys()].filter((v) => bounded[v] !== 0);
    expect(compared.length).toBeGreaterThan(0);
    expect(compared.length).toBeLessThanOrEqual(5);
    for (const v of compared) expect(bounded[v]).toBeCloseTo(full[v], 12);
  });

  it('with a bound of 20 of their ratings, co-raters stop being added once theirs reach 20, each compared exactly', () => {
    const full = similarityRowForProfile(ts, opts, me.items, me.ratings);
    const bounded = memberSimilarityRow(ts, opts, me.items, me.ratings, 1000, undefined, undefined, 20);
    const compared = [...bounded.keys()].filter((v) => bounded[v] !== 0);
    expect(compared.length).toBeGreaterThan(0);
    const walked = compared.map((v) => ts.userDegree(v)).reduce((t, d) => t + d, 0);
    const heaviest = Math.max(...compared.map((v) => ts.userDegree(v)));
    expect(walked).toBeLessThan(20 + heaviest);
    expect(compared.length).toBeLessThan([...full.keys()].filter((v) => full[v] !== 0).length);
    for (const v of compared) expect(bounded[v]).toBeCloseTo(full[v], 12);
  });

  it('one work space serves member after member, each row as a fresh one gives it; a work space for other data is refused', () => {
    const scratch = new MemberRowScratch(ts.nUsers, ts.nItems, 'pearson');
    const row = new Float64Array(ts.nUsers);
    for (const u of [5, 17, 5, 30]) {
      const them = asMember(ts, u);
      const fresh = memberSimilarityRow(ts, opts, them.items, them.ratings, 8);
      const reused = memberSimilarityRow(ts, opts, them.items, them.ratings, 8, undefined, row, Infinity, scratch);
      expect(reused).toEqual(fresh);
      expect(scratch.mine.every(Number.isNaN)).toBe(true);
      expect(scratch.chosen.every((c) => c === 0)).toBe(true);
    }
    const other = new MemberRowScratch(ts.nUsers + 1, ts.nItems, 'pearson');
    expect(() => memberSimilarityRow(ts, opts, me.items, me.ratings, 8, undefined, row, Infinity, other)).toThrow(
      /scratch is for 41 users × 25 movies and pearson, the trainset has 40 × 25/,
    );
    const msd = new MemberRowScratch(ts.nUsers, ts.nItems, 'msd');
    expect(() => memberSimilarityRow(ts, opts, me.items, me.ratings, 8, undefined, row, Infinity, msd)).toThrow(/similarity is pearson/);
  });
});

describe('list settings', () => {
  it('K is at least k, and nonsense is refused with the setting named', () => {
    expect(neighbourListOptions(40, { listSize: 10 }).listSize).toBe(40);
    expect(neighbourListOptions(40).listSize).toBe(80);
    expect(() => neighbourListOptions(40, { maxMemberCandidates: 0 })).toThrow(ParamError);
    expect(() => neighbourListOptions(40, { denseMaxEntities: 1.5 })).toThrow(/denseMaxEntities/);
  });
});

describe('a snapshot carries the similarities, so a restart does not compute them again', () => {
  const ts = randomSet(5);
  for (const mode of ['packed triangle', 'neighbour lists'] as const) {
    it(`${mode}: the restored model uses the saved values`, () => {
      const params = resolveKnnParams('knn-baseline', { name: 'pearson_baseline', user_based: true, k: 5 });
      const lists = mode === 'neighbour lists' ? { denseMaxEntities: 0 } : {};
      const algo = new KNNBaseline(params, lists).fit(ts);
      const state = algo.state();
      const copy = new KNNBaseline(params, lists);
      copy.restore(ts, state);
      const a = new Float64Array(ts.nItems);
      const b = new Float64Array(ts.nItems);
      algo.scoreAll({ ...asMember(ts, 2), user: 2 }, a);
      copy.scoreAll({ ...asMember(ts, 2), user: 2 }, b);
      expect(b).toEqual(a);
      // the proof that they are read, not recomputed: changed saved values change the estimates
      const saved = (mode === 'packed triangle' ? state.sim_packed : state.list_sim) as Float64Array;
      expect(saved.length).toBeGreaterThan(0);
      saved.fill(0.5);
      const tampered = new KNNBaseline(params, lists);
      tampered.restore(ts, state);
      tampered.scoreAll({ ...asMember(ts, 2), user: 2 }, b);
      expect(b).not.toEqual(a);
    });
  }
});

describe('item-based scoring through the lists turned around gives, bit for bit, what walking every list row gives', () => {
  // 150 members × 60 movies, ratings on a continuous scale: pearson similarities are all distinct,
  // so the first k rated cells of a row are the k neighbours with no tie to settle; K 10 < 60
  // movies, so the rows are cut; one member rated 6 movies (few rated cells per row, below k)
  // and one rated all 60 (every row reaches its k-th rated cell early)
  const rng = new Rng(23);
  const rows: Row[] = [];
  for (let u = 0; u < 150; u++) {
    for (let i = 0; i < 60; i++) if (u === 0 || rng.random() < 0.3) rows.push([`u${u}`, `m${i}`, 1 + 4 * rng.random()]);
  }
  const ts = build(rows);
  const k = 5;
  const params = resolveKnnParams('knn-basic', { name: 'pearson', user_based: false, k, min_k: 1 });
  const model = new KNNBasic(params, { denseMaxEntities: 0, listSize: 10 }).fit(ts);
  const lists = model.neighbourLists!;

  /** The whole-row walk: each row in list order (own rating first, similarity 1) to its k-th rated cell. */
  function walkEveryRow(p: Profile): { est: Float64Array; support: Float64Array } {
    const slot = new Map<number, number>();
    p.items.forEach((j, c) => slot.set(j, c));
    const est = new Float64Array(ts.nItems);
    const support = new Float64Array(ts.nItems);
    for (let i = 0; i < ts.nItems; i++) {
      let cnt = 0;
      let sumS = 0;
      let sumST = 0;
      const own = slot.get(i);
      if (own !== undefined) {
        cnt = 1;
        sumS = 1;
        sumST = p.ratings[own];
      }
      for (let q = lists.ptr[i]; q < lists.ptr[i + 1] && cnt < k; q++) {
        const c = slot.get(lists.nb[q]);
        if (c === undefined) continue;
        sumS += lists.sim[q];
        sumST += lists.sim[q] * p.ratings[c];
        cnt++;
      }
      est[i] = cnt >= 1 ? sumST / sumS : NaN;
      support[i] = cnt;
    }
    return { est, support };
  }

  const light: Profile = { items: Int32Array.of(3, 17, 29, 41, 52, 8), ratings: Float32Array.of(4.5, 1, 3.5, 2, 5, 3) };
  const heavy = asMember(ts, 0);

  it('the lists are cut (K 10 of 60 movies) and hold no tied similarities', () => {
    for (let i = 0; i < ts.nItems; i++) {
      expect(lists.ptr[i + 1] - lists.ptr[i]).toBe(10);
      const row = Array.from(lists.sim.subarray(lists.ptr[i], lists.ptr[i + 1]));
      expect(new Set(row).size).toBe(row.length);
    }
    expect(heavy.items.length).toBe(60);
  });

  it('each cell is listed once under its neighbour, in ascending order', () => {
    const { ptr, cells } = lists.byNeighbour();
    expect(ptr[ts.nItems]).toBe(lists.size);
    for (let j = 0; j < ts.nItems; j++) {
      const mine = Array.from(cells.subarray(ptr[j], ptr[j + 1]));
      expect(mine.every((p) => lists.nb[p] === j)).toBe(true);
      expect(mine).toEqual([...mine].sort((a, b) => a - b));
    }
    expect(new Set(cells).size).toBe(lists.size);
  });

  it('a member with 6 ratings, one with all 60, then the first again: the same estimates and supports', () => {
    for (const p of [light, heavy, light]) {
      const est = new Float64Array(ts.nItems);
      const support = new Float64Array(ts.nItems);
      model.scoreAllWithSupport(p, est, support);
      const want = walkEveryRow(p);
      expect(est).toEqual(want.est);
      expect(support).toEqual(want.support);
    }
    // the member with every movie reaches k in every row; the one with 6 often does not
    const s = new Float64Array(ts.nItems);
    model.scoreAllWithSupport(heavy, new Float64Array(ts.nItems), s);
    expect(s.every((v) => v === k)).toBe(true);
    model.scoreAllWithSupport(light, new Float64Array(ts.nItems), s);
    expect(s.some((v) => v < k)).toBe(true);
  });
});
