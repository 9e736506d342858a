import { describe, expect, it } from 'vitest';
import { Trainset } from '../../src/core/trainset.ts';
import { ParamError } from '../../src/core/algorithm.ts';
import { Popular, chartByRawId, compareRawIds, percentileLinear, popularDescriptor, popularityChart } from '../../src/core/popularity.ts';

/**
 * Five movies, hand-checked:
 *   '10': 5 4 5 4 (v 4, R 4.5)   '2': 3 3 (v 2, R 3)   '3': 5 (v 1, R 5)
 *   '4': 2 4 3 (v 3, R 3)        '5': 4 4 4 4 (v 4, R 4)
 * C = (4.5 + 3 + 5 + 3 + 4) / 5 = 3.9; counts sorted = [1, 2, 3, 4, 4].
 */
function smallTrainset(): Trainset {
  const ratings: Array<[string, string, number]> = [
    ['a', '10', 5], ['b', '10', 4], ['c', '10', 5], ['d', '10', 4],
    ['a', '2', 3], ['b', '2', 3],
    ['a', '3', 5],
    ['a', '4', 2], ['b', '4', 4], ['c', '4', 3],
    ['a', '5', 4], ['b', '5', 4], ['c', '5', 4], ['d', '5', 4],
  ];
  return Trainset.fromRatings(ratings.map(([user, item, rating]) => ({ user, item, rating })), [1, 5]);
}

const raw = (ts: Trainset, items: Array<{ item: number }>): string[] => items.map((e) => ts.rawItem(e.item));

describe('percentileLinear (numpy.percentile, linear)', () => {
  it('matches numpy on its documented example and on simple cases', () => {
    expect(percentileLinear([1, 2, 3, 4, 7, 10], 50)).toBe(3.5); // np.percentile([[10,7,4],[3,2,1]], 50)
    expect(percentileLinear([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 12);
    expect(percentileLinear([1, 2, 3, 4, 4], 95)).toBe(4);
    expect(percentileLinear([1, 2, 3, 4, 4], 60)).toBeCloseTo(3.4, 12);
    expect(percentileLinear([7], 95)).toBe(7);
    expect(percentileLinear([2, 9], 0)).toBe(2);
    expect(percentileLinear([2, 9], 100)).toBe(9);
  });
});

describe('popularityChart', () => {
  it('charts movies at or above the 95th percentile of counts by weighted rating', () => {
    const ts = smallTrainset();
    const chart = popularityChart(ts);
    expect(chart.m).toBe(4);
    expect(chart.C).toBeCloseTo(3.9, 12);
    expect(raw(ts, chart.entries)).toEqual(['10', '5']);
    // WR = 4/8 · 4.5 + 4/8 · 3.9 = 4.2 ; 4/8 · 4 + 4/8 · 3.9 = 3.95
    expect(chart.entries[0].score).toBeCloseTo(4.2, 12);
    expect(chart.entries[1].score).toBeCloseTo(3.95, 12);
    expect(chart.entries[0]).toMatchObject({ count: 4, mean: 4.5 });
  });

  it('lowers the bar with a lower percentile (m interpolated between counts)', () => {
    const ts = smallTrainset();
    const median = popularityChart(ts, { percentile: 50 });
    expect(median.m).toBe(3);
    expect(raw(ts, median.entries)).toEqual(['10', '5', '4']);
    expect(median.entries.map((e) => e.score)).toEqual([
      expect.closeTo(29.7 / 7, 12), // 4/7 · 4.5 + 3/7 · 3.9
      expect.closeTo(27.7 / 7, 12), // 4/7 · 4 + 3/7 · 3.9
      expect.closeTo(3.45, 12), // 3/6 · 3 + 3/6 · 3.9
    ]);
    expect(popularityChart(ts, { percentile: 10 }).m).toBeCloseTo(1.4, 12);
    // m = 1.4: '2' (v 2) scores (2 · 3 + 1.4 · 3.9) / 3.4 ≈ 3.371, above '4' (v 3): (3 · 3 + 1.4 · 3.9) / 4.4 ≈ 3.286,
    // because fewer ratings leave more weight on C = 3.9
    expect(raw(ts, popularityChart(ts, { percentile: 10 }).entries)).toEqual(['10', '5', '2', '4']);
  });

  it('computes C and m within the filtered selection, like build_chart(genre)', () => {
    const ts = smallTrainset();
    const wanted = new Set(['2', '3', '4'].map((id) => ts.innerItem(id)));
    const chart = popularityChart(ts, { filter: (i) => wanted.has(i) });
    // counts [1, 2, 3]: position 0.95 · 2 = 1.9 → 2 + 0.9 · (3 − 2) = 2.9 ; C = (3 + 5 + 3) / 3
    expect(chart.m).toBeCloseTo(2.9, 12);
    expect(chart.C).toBeCloseTo(11 / 3, 12);
    expect(raw(ts, chart.entries)).toEqual(['4']);
    expect(chart.entries[0].score).toBeCloseTo(3.3276836158192085, 12);
  });

  it('takes the item means a caller already holds, with the same chart, and refuses means of another size', () => {
    const ts = smallTrainset();
    const wanted = new Set(['2', '3', '4'].map((id) => ts.innerItem(id)));
    const filter = (i: number) => wanted.has(i);
    expect(popularityChart(ts, { filter, itemMeans: ts.itemMeans() })).toEqual(popularityChart(ts, { filter }));
    // the means are read, not recomputed: other means give another chart
    const doubled = ts.itemMeans().map((v) => v * 2);
    expect(popularityChart(ts, { filter, itemMeans: doubled }).C).toBeCloseTo(22 / 3, 12);
    expect(() => popularityChart(ts, { itemMeans: new Float64Array(1) })).toThrow(/itemMeans must hold one mean per item \(\d+\), got 1/);
  });

  it('can be keyed by raw movie id', () => {
    const ts = smallTrainset();
    const wr = chartByRawId(ts, popularityChart(ts));
    expect([...wr.keys()]).toEqual(['10', '5']);
    expect(wr.get('10')).toBeCloseTo(4.2, 12);
  });

  it('limits the chart and reports an empty selection as such', () => {
    const ts = smallTrainset();
    expect(popularityChart(ts, { percentile: 10, limit: 2 }).entries).toHaveLength(2);
    const none = popularityChart(ts, { filter: () => false });
    expect(none.entries).toEqual([]);
    expect(none.m).toBeNaN();
    expect(none.C).toBeNaN();
  });

  it('breaks ties by count, then by raw id in numeric order', () => {
    // every movie's mean is 4, so C = 4 and every WR is exactly 4; percentile 0 gives m = 2
    const ratings: Array<[string, string, number]> = [
      ['a', 'p', 4], ['b', 'p', 4], ['c', 'p', 4], ['d', 'p', 4], ['e', 'p', 4], ['f', 'p', 4],
      ['a', '10', 5], ['b', '10', 3],
      ['a', '9', 3], ['b', '9', 5],
    ];
    const ts = Trainset.fromRatings(ratings.map(([user, item, rating]) => ({ user, item, rating })));
    const chart = popularityChart(ts, { percentile: 0 });
    expect(chart.entries.map((e) => e.score)).toEqual([4, 4, 4]);
    expect(raw(ts, chart.entries)).toEqual(['p', '9', '10']);
    expect(compareRawIds('9', '10')).toBeLessThan(0);
    expect(compareRawIds('b', 'a')).toBeGreaterThan(0);
  });

  it('refuses a percentile outside [0, 100] and a bad limit', () => {
    const ts = smallTrainset();
    expect(() => popularityChart(ts, { percentile: 101 })).toThrow(/percentile must be a number in \[0, 100\], got 101/);
    expect(() => popularityChart(ts, { percentile: Number.NaN })).toThrow(ParamError);
    expect(() => popularityChart(ts, { limit: -1 })).toThrow(/limit must be a whole number/);
  });
});

describe("the 'popular' algorithm", () => {
  it('estimates WR for any known item, and nothing for an unknown one', () => {
    const ts = smallTrainset();
    const algo = popularDescriptor.create().fit(ts);
    expect(algo.name).toBe('popular');
    expect(algo.params.percentile).toBe(95);
    expect(algo.estimate(0, ts.innerItem('10')!).value).toBeCloseTo(4.2, 12);
    // '3' does not qualify (1 rating) but still has a weighted rating: 1/5 · 5 + 4/5 · 3.9
    expect(algo.estimate(0, ts.innerItem('3')!).value).toBeCloseTo(4.12, 12);
    expect(algo.estimate(0, -1)).toEqual({ impossible: 'Item is unknown.' });
    const p = algo.predict('nobody', 'unknown-movie');
    expect(p.wasImpossible).toBe(true);
    expect(p.est).toBeCloseTo(ts.globalMean, 12);
  });

  it('recommends the chart: only qualifying movies, without what the member rated', () => {
    const ts = smallTrainset();
    const algo = popularDescriptor.create({ percentile: '50' }).fit(ts);
    const scores = new Float64Array(ts.nItems);
    algo.scoreAll({ items: new Int32Array(0), ratings: new Float32Array(0) }, scores);
    expect(Number.isNaN(scores[ts.innerItem('3')!])).toBe(true);
    expect(Number.isNaN(scores[ts.innerItem('2')!])).toBe(true);
    const member = ts.profileFromRaw([{ item: '10', rating: 5 }]);
    expect(raw(ts, algo.recommend(member, 5))).toEqual(['5', '4']);
  });

  it('survives a snapshot round trip', () => {
    const ts = smallTrainset();
    const fitted = popularDescriptor.create().fit(ts);
    const copy = new Popular({ percentile: 95 });
    copy.restore(ts, fitted.state());
    expect(copy.estimate(0, ts.innerItem('5')!).value).toBeCloseTo(3.95, 12);
    expect(copy.threshold).toEqual({ m: 4, C: expect.closeTo(3.9, 12) });
    expect(() => copy.restore(ts, { wr: new Float64Array(2), qualifies: new Uint8Array(2), m: 1, C: 1 })).toThrow(/Float64Array of 5 items/);
  });

  it('validates its parameter and needs fitting before use', () => {
    expect(() => popularDescriptor.create({ percentile: 120 })).toThrow(/percentile must be at most 100/);
    expect(() => popularDescriptor.create({ k: 3 })).toThrow(/has no parameter "k"/);
    expect(() => popularDescriptor.create().estimate(0, 0)).toThrow(/not fitted/);
  });
});
