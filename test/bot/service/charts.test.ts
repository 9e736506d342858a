/**
 * The chart is served from one place: /top with what it took to get in (how many movies
 * qualified, at which vote-count percentile, i.e. how many votes), and `popular`, which is the
 * chart itself rather than a trained model.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveService } from '../../../src/bot/service.ts';
import { popularityChart } from '../../../src/core/popularity.ts';
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
});
