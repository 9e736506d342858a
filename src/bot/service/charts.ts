/**
 * The weighted-rating chart, the one owner of it for the service: `/top`, the `popular` answer
 * (cold starts, `/recommend algo:popular`, a movie night before any model is loaded) and the
 * ranking of `/because`'s content picks. The formula is core's (popularityChart, IMDB's weighted
 * rating); the ratings are the community's (./community.ts), so a chart never shows one member's
 * rating. Cached per generation: the full chart, and each genre/decade/percentile chart a member
 * asked for (at most FILTERED_CHARTS_KEPT per generation), so a burst of `/top genre:Horror` scans
 * the catalogue once, not once per command (87,585 movies at ml-32m shape).
 */
import { ParamError } from '../../core/algorithm.ts';
import { popularityChart, weighted, type ChartEntry as CoreChartEntry, type PopularityChart } from '../../core/popularity.ts';
import type { Trainset } from '../../core/trainset.ts';
import type { MovieRecord } from '../../data/types.ts';
import type { ChartEntry, RecommendResult, RecommendedMovie, TopChart } from '../service-api.ts';
import type { Catalog } from './catalog.ts';
import type { Generation } from './generation.ts';
import { popularReason } from './reasons.ts';

/** The vote-count percentile of /top and the popular picks unless a member asks for another. */
export const DEFAULT_PERCENTILE = 0.95;

/** How many genre/decade/percentile charts a generation keeps: 20 genres × a few decades. */
const FILTERED_CHARTS_KEPT = 64;

/**
 * Chart rows a retrain's warm-up makes per event-loop turn: all 87,585 of the ml-32m shape as one
 * step took 66–105 ms of CPU (bench/scale-serve.ts --swap-only, load 0.8–1.4, while V8's helper
 * threads marked the heap), so a quarter at a time.
 */
const ROWS_PER_STEP = 22_000;

/** A movie in chart order. */
export interface ChartRow {
  /** inner id in the generation's `community` trainset (not in `ts`) */
  item: number;
  movieId: string;
  score: number;
  count: number;
  mean: number;
}

/**
 * Every movie the community rated, in chart order, as arrays: the chart's qualifying movies
 * first (the first `charted`), then the rest by the same weighted rating. A training worker
 * computes it (chartOrderOf: it holds the community's trainset) and transfers it, so the main
 * thread only makes the rows: at ml-32m shape (87,585 movies, 32 M ratings) the chart, the
 * uncharted rows and their order took 107–114, 62 and ~60 ms of its CPU as three steps
 * (bench/scale-serve.ts --swap-only, load 3.5).
 */
export interface ChartOrder {
  /** the chart's vote-count threshold m and mean C (core's PopularityChart) */
  m: number;
  C: number;
  /** how many of the first `items` are the chart's entries */
  charted: number;
  /** inner ids in the community's trainset, in chart order; the arrays below alongside */
  items: Int32Array;
  scores: Float64Array;
  counts: Int32Array;
  means: Float64Array;
}

/**
 * The chart order of `community` (the generation's community trainset): the chart is core's
 * popularityChart at DEFAULT_PERCENTILE; every other rated movie follows, scored by the chart's
 * weighted rating (its mean when there is no chart), best first, then more ratings, then lower
 * inner id.
 */
export function chartOrderOf(community: Trainset): ChartOrder {
  const chart = popularityChart(community, { percentile: asCorePercentile(DEFAULT_PERCENTILE) });
  const inChart = new Uint8Array(community.nItems);
  for (const e of chart.entries) inChart[e.item] = 1;
  const means = community.itemMeans();
  const rest: CoreChartEntry[] = [];
  for (let i = 0; i < community.nItems; i++) {
    const v = community.itemDegree(i);
    if (v === 0 || inChart[i]) continue;
    const score = Number.isFinite(chart.m) ? weighted(v, means[i], chart.m, chart.C) : means[i];
    rest.push({ item: i, score, count: v, mean: means[i] });
  }
  rest.sort((a, b) => b.score - a.score || b.count - a.count || a.item - b.item);
  const n = chart.entries.length + rest.length;
  const order: ChartOrder = {
    m: chart.m,
    C: chart.C,
    charted: chart.entries.length,
    items: new Int32Array(n),
    scores: new Float64Array(n),
    counts: new Int32Array(n),
    means: new Float64Array(n),
  };
  let k = 0;
  for (const e of [...chart.entries, ...rest]) {
    order.items[k] = e.item;
    order.scores[k] = e.score;
    order.counts[k] = e.count;
    order.means[k] = e.mean;
    k++;
  }
  return order;
}

/** What every genre or decade chart of a generation reads: per inner id of the community, its mean rating and its movie. */
interface FilterBasis {
  means: Float64Array;
  movieAt: Array<MovieRecord | undefined>;
}

export class Charts {
  private readonly catalog: Catalog;
  private readonly orderCache = new WeakMap<Generation, ChartOrder>();
  private readonly chartCache = new WeakMap<Generation, PopularityChart>();
  private readonly rankedCache = new WeakMap<Generation, ChartRow[]>();
  /** rows made so far by warm-up steps, in chart order, until they are all in rankedCache */
  private readonly rowsSoFar = new WeakMap<Generation, ChartRow[]>();
  private readonly wrCache = new WeakMap<Generation, Map<string, number>>();
  private readonly filteredCache = new WeakMap<Generation, Map<string, PopularityChart>>();
  /** what every genre or decade chart of a generation reads: the community's item means and movies */
  private readonly filterBasis = new WeakMap<Generation, FilterBasis>();
  /** a basis the warm-up has made part of: its movies looked up below `made` */
  private readonly basisSoFar = new WeakMap<Generation, FilterBasis & { made: number }>();

  constructor(catalog: Catalog) {
    this.catalog = catalog;
  }

  /** Builds the generation's chart before the first request needs it. */
  warm(gen: Generation): void {
    for (const step of this.warmSteps(gen)) step.run();
  }

  /**
   * The same as warm, in steps a retrain runs one event-loop turn apart: the chart order (the
   * training worker's, else computed here: ~230 ms of CPU at ml-32m shape), the chart's entries,
   * and the rows of every rated movie (87,585 objects at ml-32m shape), `rowsPerStep` a step.
   * All of it in one step stalled a background retrain's swap for 660 ms (bench/scale-serve.ts).
   */
  warmSteps(gen: Generation, rowsPerStep = ROWS_PER_STEP): Array<{ what: string; run: () => void }> {
    const steps = [
      { what: 'the chart order', run: () => void this.order(gen) },
      { what: 'the chart', run: () => void this.chart(gen) },
    ];
    // slices of the community's movies: at most its movies have a row; their look-ups for genre
    // charts were 36 ms of CPU as one step at ml-32m shape (bench/scale-serve.ts)
    const movies = Math.max(1, gen.community.nItems);
    const ends: number[] = [];
    for (let end = rowsPerStep; end - rowsPerStep < movies; end += rowsPerStep) ends.push(end);
    for (const end of ends) steps.push({ what: 'what genre and decade charts read (a slice)', run: () => void this.basisUpTo(gen, end) });
    for (const end of ends) steps.push({ what: "the chart order's rows (a slice)", run: () => void this.rowsUpTo(gen, end) });
    return steps;
  }

  /** `/top`: the chart, maybe of a genre or a decade, with what it took to get in. */
  top(gen: Generation, opts: { genre?: string; decade?: number; n: number; percentile?: number }): TopChart {
    const genre = opts.genre !== undefined && opts.genre.trim() !== '' ? this.catalog.genre(opts.genre) : undefined;
    let from: number | undefined;
    if (opts.decade !== undefined) {
      if (!Number.isInteger(opts.decade) || opts.decade < 1800 || opts.decade > 2100) {
        throw new ParamError(`decade must be a year such as 1990, got ${String(opts.decade)}`);
      }
      from = opts.decade - (opts.decade % 10);
    }
    const percentile = opts.percentile ?? DEFAULT_PERCENTILE;
    if (typeof percentile !== 'number' || !(percentile >= 0 && percentile < 1)) {
      throw new ParamError(`percentile must be a number from 0 to below 1 (e.g. 0.8 for the top 20% by votes), got ${String(opts.percentile)}`);
    }
    const chart =
      genre === undefined && from === undefined && percentile === DEFAULT_PERCENTILE
        ? this.chart(gen)
        : this.filteredChart(gen, genre, from, percentile);
    const entries: ChartEntry[] = [];
    for (const e of chart.entries) {
      if (entries.length >= opts.n) break;
      const movie = this.catalog.byId.get(gen.community.rawItem(e.item));
      if (movie) entries.push({ movie, score: e.score, count: e.count, mean: e.mean });
    }
    // m is an interpolated percentile (51.3 on /top Horror 1970s); a movie qualifies with v ≥ m, so
    // the fewest ratings that qualify is the next whole count
    const minVotes = Number.isFinite(chart.m) ? Math.ceil(chart.m) : 0;
    return { entries, qualified: chart.entries.length, percentile, minVotes };
  }

  /** The popular picks: the chart in order, minus what the member rated. */
  popular(gen: Generation, rated: ReadonlySet<string>, n: number): RecommendResult {
    const items: RecommendedMovie[] = [];
    for (const e of this.ranked(gen)) {
      if (items.length >= n) break;
      if (rated.has(e.movieId)) continue;
      const movie = this.catalog.movie(e.movieId);
      if (movie) items.push({ movie, score: e.score, reason: popularReason(e.mean, e.count) });
    }
    return { algo: 'popular', items, scoreKind: 'weighted-rating' };
  }

  /**
   * Every movie the community rated, in chart order: the chart's qualifying movies first, then
   * the rest by the same weighted rating, so a new member who has seen the whole chart still gets
   * suggestions.
   */
  ranked(gen: Generation): readonly ChartRow[] {
    return this.rankedCache.get(gen) ?? this.rowsUpTo(gen, Infinity);
  }

  /** Makes the chart rows up to `end` (those the warm-up has not made yet); all of them once `end` reaches the last. */
  private rowsUpTo(gen: Generation, end: number): ChartRow[] {
    const done = this.rankedCache.get(gen);
    if (done) return done;
    const { items, scores, counts, means } = this.order(gen);
    const ts = gen.community;
    const rows = this.rowsSoFar.get(gen) ?? [];
    const stop = Math.min(items.length, end);
    for (let k = rows.length; k < stop; k++) {
      rows.push({ item: items[k], movieId: ts.rawItem(items[k]), score: scores[k], count: counts[k], mean: means[k] });
    }
    if (rows.length < items.length) {
      this.rowsSoFar.set(gen, rows);
    } else {
      this.rowsSoFar.delete(gen);
      this.rankedCache.set(gen, rows);
    }
    return rows;
  }

  /** Raw movie id → weighted rating of every movie the community rated. */
  weightedRatings(gen: Generation): ReadonlyMap<string, number> {
    let w = this.wrCache.get(gen);
    if (!w) {
      w = new Map(this.ranked(gen).map((r) => [r.movieId, r.score]));
      this.wrCache.set(gen, w);
    }
    return w;
  }

  /** A genre's, a decade's or another percentile's chart, built once per generation. */
  private filteredChart(gen: Generation, genre: string | undefined, from: number | undefined, percentile: number): PopularityChart {
    let kept = this.filteredCache.get(gen);
    if (!kept) {
      kept = new Map();
      this.filteredCache.set(gen, kept);
    }
    const key = `${genre ?? ''}|${from ?? ''}|${percentile}`;
    let chart = kept.get(key);
    if (!chart) {
      // the community's ratings (see ./community.ts): a chart is an average per movie too
      const community = gen.community;
      const { means, movieAt } = this.basisOf(gen);
      const filter =
        genre === undefined && from === undefined
          ? undefined
          : (i: number): boolean => {
              const m = movieAt[i];
              if (!m) return false;
              if (genre !== undefined && !m.genres.includes(genre)) return false;
              if (from !== undefined && (m.year === null || m.year < from || m.year >= from + 10)) return false;
              return true;
            };
      chart = popularityChart(community, { filter, percentile: asCorePercentile(percentile), itemMeans: means });
      // oldest out first: a Map iterates in insertion order
      if (kept.size >= FILTERED_CHARTS_KEPT) kept.delete(kept.keys().next().value as string);
      kept.set(key, chart);
    }
    return chart;
  }

  /**
   * The community's item means, read off the chart order (it holds every rated movie's mean: no
   * pass over the ratings), and its movies by inner id. Each filtered chart's first request after
   * a retrain made both itself: ~90 ms of CPU at ml-32m shape, the longest event-loop gap of a
   * retrain's swap (a CPU profile of bench/scale-serve.ts --swap-only, /top by genre as traffic).
   */
  private basisOf(gen: Generation): FilterBasis {
    return this.basisUpTo(gen, Infinity);
  }

  /** basisOf's movies up to inner id `end` (those the warm-up has not looked up yet); the whole basis once `end` reaches the last. */
  private basisUpTo(gen: Generation, end: number): FilterBasis {
    const done = this.filterBasis.get(gen);
    if (done) return done;
    const community = gen.community;
    let part = this.basisSoFar.get(gen);
    if (!part) {
      const { items, means: ordered } = this.order(gen);
      const means = new Float64Array(community.nItems).fill(NaN);
      for (let k = 0; k < items.length; k++) means[items[k]] = ordered[k];
      part = { means, movieAt: new Array<MovieRecord | undefined>(community.nItems), made: 0 };
      this.basisSoFar.set(gen, part);
    }
    const ids = community.rawItemIds();
    const to = Math.min(end, community.nItems);
    for (let i = part.made; i < to; i++) part.movieAt[i] = this.catalog.byId.get(ids[i]);
    part.made = Math.max(part.made, to);
    if (part.made < community.nItems) return part;
    const basis = { means: part.means, movieAt: part.movieAt };
    this.filterBasis.set(gen, basis);
    this.basisSoFar.delete(gen);
    return basis;
  }

  /** The chart at DEFAULT_PERCENTILE: the chart order's first entries. */
  private chart(gen: Generation): PopularityChart {
    let c = this.chartCache.get(gen);
    if (!c) {
      const { m, C, charted, items, scores, counts, means } = this.order(gen);
      const entries: CoreChartEntry[] = new Array<CoreChartEntry>(charted);
      for (let k = 0; k < charted; k++) entries[k] = { item: items[k], score: scores[k], count: counts[k], mean: means[k] };
      c = { m, C, entries };
      this.chartCache.set(gen, c);
    }
    return c;
  }

  /** The generation's chart order: the training worker's when it sent one, else computed here once. */
  private order(gen: Generation): ChartOrder {
    let o = this.orderCache.get(gen);
    if (!o) {
      o = gen.chartOrder ?? chartOrderOf(gen.community);
      this.orderCache.set(gen, o);
    }
    return o;
  }
}

/** Core's charts take a percentile in [0, 100]; rounded so that 0.95 is exactly 95. */
function asCorePercentile(p: number): number {
  return Math.round(p * 1e6) / 1e4;
}
