/**
 * The chart is served from one place: /top with what it took to get in (how many movies
 * qualified, at which vote-count percentile, i.e. how many votes), and `popular`, which is the
 * chart itself rather than a trained model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveService } from '../../../src/bot/service.ts';
import { Catalog } from '../../../src/bot/service/catalog.ts';
import { Charts, chartOrderOf } from '../../../src/bot/service/charts.ts';
import { Generation } from '../../../src/bot/service/generation.ts';
import { popularityChart, weighted } from '../../../src/core/popularity.ts';
import { Trainset } from '../../../src/core/trainset.ts';
import type { Store } from '../../../src/store/api.ts';
import { freshStore, start } from './fixture.ts';

describe('/top and the popular picks', () => {
  let store: Store;
  let svc: LiveService;

  beforeAll(async () => {
    store = freshStore('charts');
    svc = await start(store, { algorithms: ['baseline', 'popular'] });
    await svc.ready;
  });
  afterAll(async () => {
    await svc.close();
    store.close();
  });

  const dataset = () => {
    const d = store.datasetRatings();
    return Trainset.fromColumns({ users: d.users, items: d.items, ratings: d.ratings }, [0.5, 5]);
  };

  it('tells how many movies qualified and how many votes the 95th percentile means', () => {
    const top = svc.top({ n: 3 });
    const chart = popularityChart(dataset(), { percentile: 95 });
    expect(top.percentile).toBe(0.95);
    // the fewest whole ratings that reach the interpolated percentile: "52 ratings", never "51.3"
    expect(top.minVotes).toBe(Math.ceil(chart.m));
    expect(Number.isInteger(top.minVotes)).toBe(true);
    expect(top.qualified).toBe(chart.entries.length);
    expect(top.entries.map((e) => e.count)).toEqual(chart.entries.slice(0, 3).map((e) => e.count));
    for (const e of top.entries) expect(e.count).toBeGreaterThanOrEqual(top.minVotes);
  });

  it('a member may lower the percentile: fewer votes needed, more movies qualify', () => {
    const strict = svc.top({ genre: 'Sci-Fi', n: 50 });
    const relaxed = svc.top({ genre: 'Sci-Fi', n: 50, percentile: 0.5 });
    expect(relaxed.percentile).toBe(0.5);
    expect(relaxed.minVotes).toBeLessThan(strict.minVotes);
    expect(relaxed.qualified).toBeGreaterThan(strict.qualified);
    expect(relaxed.entries).toHaveLength(relaxed.qualified);
    for (const e of relaxed.entries) expect(e.movie.genres).toContain('Sci-Fi');
  });

  it("a genre chart is core's chart of that genre's movies, though the means come from the chart order", () => {
    const ts = dataset();
    const sciFi = new Set(store.movies().filter((m) => m.genres.includes('Sci-Fi')).map((m) => ts.innerItem(m.movieId)));
    const chart = popularityChart(ts, { filter: (i) => sciFi.has(i), percentile: 95 });
    const top = svc.top({ genre: 'Sci-Fi', n: 50 });
    expect(top.entries.map((e) => [e.movie.movieId, e.score, e.count, e.mean])).toEqual(
      chart.entries.map((e) => [ts.rawItem(e.item), e.score, e.count, e.mean]),
    );
    expect(top.minVotes).toBe(Math.ceil(chart.m));
  });

  it('a genre chart asked again, even after seventy other charts, is the same chart', () => {
    const first = svc.top({ genre: 'Sci-Fi', decade: 1990, n: 10 });
    expect(first.entries.length).toBeGreaterThan(0);
    for (const e of first.entries) {
      expect(e.movie.genres).toContain('Sci-Fi');
      expect(e.movie.year).toBeGreaterThanOrEqual(1990);
      expect(e.movie.year).toBeLessThan(2000);
    }
    // more distinct charts than a generation keeps, so the first one is rebuilt, not served stale
    for (let k = 0; k < 70; k++) svc.top({ genre: 'Drama', n: 3, percentile: k / 100 });
    expect(svc.top({ genre: 'Sci-Fi', decade: 1990, n: 10 })).toEqual(first);
    expect(svc.top({ genre: 'Sci-Fi', decade: 1990, n: 10 })).toEqual(first);
  });

  it.each([1, 95, -0.1, Number.NaN])('refuses the percentile %s, saying what it takes', (percentile) => {
    expect(() => svc.top({ n: 3, percentile })).toThrow(/^percentile must be a number from 0 to below 1 \(e\.g\. 0\.8/);
  });

  it('popular is the chart, never a trained or saved model', () => {
    expect(svc.stats().loaded).toEqual(['baseline']);
    expect(store.loadSnapshot('model:popular')).toBeUndefined();
    const chart = svc.top({ n: 30 }).entries.map((e) => e.movie.movieId);
    expect(chart.length).toBeGreaterThan(0);
    const me = svc.member('console', 'chart-reader');
    const seen = ['300', '301', '302', '303', '304'].filter((id) => !chart.includes(id));
    for (const id of seen) svc.rate(me, id, 3);
    const picks = svc.recommend(me, { algo: 'popular', n: 10 });
    expect(picks.algo).toBe('popular');
    expect(picks.scoreKind).toBe('weighted-rating');
    // the chart first, in its order, then the rest by the same weighted rating
    const ids = picks.items.map((i) => i.movie.movieId);
    expect(ids.slice(0, chart.length)).toEqual(chart.slice(0, 10));
    for (const id of seen) expect(ids).not.toContain(id);
    const scores = picks.items.map((i) => i.score);
    expect(scores.slice(chart.length)).toEqual([...scores.slice(chart.length)].sort((a, b) => b - a));
  });

  it("after a retrain, whose worker computed the chart order, the chart and the popular picks are the same", async () => {
    const newcomer = svc.member('console', 'newcomer');
    const picks = () => svc.recommend(newcomer, { algo: 'popular', n: 100 }).items; // (each list has its own id)
    const before = { top: svc.top({ n: 100 }), sciFi: svc.top({ genre: 'Sci-Fi', n: 100 }), picks: picks() };
    expect(before.picks.length).toBeGreaterThan(before.top.entries.length);
    await svc.retrain();
    expect(svc.top({ n: 100 })).toEqual(before.top);
    expect(svc.top({ genre: 'Sci-Fi', n: 100 })).toEqual(before.sciFi);
    expect(picks()).toEqual(before.picks);
  });
});

describe('the chart order (what the training worker computes for the main thread)', () => {
  // ties on purpose: movies 'a' and 'b' have the same ratings, so the same score and count
  const ts = Trainset.fromRatings(
    [
      ['1', 'a', 4], ['2', 'a', 3], ['1', 'b', 4], ['2', 'b', 3], ['3', 'c', 5], ['1', 'd', 2], ['2', 'd', 5], ['3', 'd', 4],
      ['4', 'd', 1], ['4', 'e', 5], ['5', 'e', 5], ['5', 'f', 1],
    ].map(([user, item, rating]) => ({ user: String(user), item: String(item), rating: Number(rating) })),
    [0.5, 5],
  );

  it('is the chart at the 95th percentile, then every other rated movie by the same weighted rating', () => {
    // what /top and the popular picks were built from before the worker computed it
    const chart = popularityChart(ts, { percentile: 95 });
    const means = ts.itemMeans();
    const rest = [];
    for (let i = 0; i < ts.nItems; i++) {
      if (chart.entries.some((e) => e.item === i)) continue;
      rest.push({ item: i, score: weighted(ts.itemDegree(i), means[i], chart.m, chart.C), count: ts.itemDegree(i), mean: means[i] });
    }
    rest.sort((a, b) => b.score - a.score || b.count - a.count || a.item - b.item);
    const expected = [...chart.entries, ...rest];

    const order = chartOrderOf(ts);
    expect([order.m, order.C, order.charted]).toEqual([chart.m, chart.C, chart.entries.length]);
    expect(order.charted).toBeGreaterThan(0);
    expect([...order.items]).toEqual(expected.map((e) => e.item));
    expect([...order.scores]).toEqual(expected.map((e) => e.score));
    expect([...order.counts]).toEqual(expected.map((e) => e.count));
    expect([...order.means]).toEqual(expected.map((e) => e.mean));
    // the tie: same score and count, the lower inner id first
    const [a, b] = [ts.innerItem('a')!, ts.innerItem('b')!];
    expect([...order.items].indexOf(a) + 1).toBe([...order.items].indexOf(b));
  });

  it('crosses threads as it is (typed arrays and numbers)', () => {
    const order = chartOrderOf(ts);
    expect(structuredClone(order)).toEqual(order);
  });

  it("is made into rows a slice per step of a retrain's warm-up, the same rows as all at once", () => {
    const store = freshStore('chart-rows');
    const gen = new Generation(ts, 1, 'fp');
    const whole = new Charts(new Catalog(store)).ranked(gen);
    expect(whole.map((r) => r.movieId)).toEqual([...chartOrderOf(gen.community).items].map((i) => gen.community.rawItem(i)));

    const warmed = new Charts(new Catalog(store));
    const steps = warmed.warmSteps(gen, 2);
    // six movies, two rows a step
    expect(steps.map((s) => s.what)).toEqual([
      'the chart order',
      'the chart',
      ...Array<string>(3).fill('what genre and decade charts read (a slice)'),
      ...Array<string>(3).fill("the chart order's rows (a slice)"),
    ]);
    for (const step of steps) step.run();
    expect(warmed.ranked(gen)).toEqual(whole);

    // a request part-way through the warm-up gets every row, and the steps left change nothing
    const early = new Charts(new Catalog(store));
    const earlySteps = early.warmSteps(gen, 2);
    for (const step of earlySteps.slice(0, 4)) step.run();
    for (const step of earlySteps.slice(4, 6)) step.run();
    const asked = early.ranked(gen);
    expect(asked).toEqual(whole);
    for (const step of earlySteps.slice(6)) step.run();
    expect(early.ranked(gen)).toBe(asked);
    store.close();
  });

  it("looks the movies up for genre charts a slice per step; a genre chart asked half-way is the whole one's", () => {
    const store = freshStore('chart-basis');
    const d = store.datasetRatings();
    const gen = new Generation(Trainset.fromColumns({ users: d.users, items: d.items, ratings: d.ratings }, [0.5, 5]), 1, 'fp');
    const whole = new Charts(new Catalog(store)).top(gen, { genre: 'Sci-Fi', n: 10, percentile: 0.5 });
    expect(whole.entries.length).toBeGreaterThan(3);

    const early = new Charts(new Catalog(store));
    const steps = early.warmSteps(gen, 8);
    const slices = steps.filter((s) => s.what === 'what genre and decade charts read (a slice)');
    expect(slices).toHaveLength(Math.ceil(gen.community.nItems / 8));
    for (const step of [...steps.slice(0, 2), slices[0]]) step.run();
    expect(early.top(gen, { genre: 'Sci-Fi', n: 10, percentile: 0.5 })).toEqual(whole);
    for (const step of steps.slice(2)) step.run();
    expect(early.top(gen, { genre: 'Sci-Fi', n: 10, percentile: 0.5 })).toEqual(whole);
    store.close();
  });
});
