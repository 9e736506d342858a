/**
 * The popularity chart: IMDB's weighted rating, as in the Kaggle "simple recommender"
 * (Rounak Banik, "Movie Recommender Systems", The Movies Dataset):
 *
 *   WR = v / (v + m) · R  +  m / (v + m) · C
 *
 * R = the movie's mean rating, v = its number of ratings, C = the mean of the selected movies'
 * mean ratings (each movie counts once), m = the given percentile (default 95) of the selected
 * movies' rating counts, with linear interpolation (numpy's default `percentile`, pandas'
 * `quantile`). Only movies with v >= m qualify for the chart.
 *
 * With a filter (a genre, a year range, mapped by the caller to a predicate on inner item ids),
 * C and m are computed over the filtered selection, as the tutorial's `build_chart(genre)` does
 * within the genre (note that `build_chart` defaults to the 85th percentile: pass
 * `percentile: 85` for its exact chart). The tutorial reads TMDB's vote_average/vote_count; here R
 * and v come from the ratings in the trainset, and R is the exact mean (the tutorial truncated
 * vote averages to integers with `astype('int')`).
 *
 * Chart order: WR descending, then count descending, then raw movie id ascending (numeric order
 * when both ids are numbers).
 */
import {
  Algorithm,
  NotFittedError,
  ParamError,
  requireRatings,
  resolveParams,
  type AlgorithmDescriptor,
  type Estimate,
  type ModelState,
  defineParams,
  type ParamsOf,
} from './algorithm.ts';
import type { Profile, Trainset } from './trainset.ts';

export interface ChartEntry {
  /** inner item id */
  item: number;
  /** the weighted rating WR */
  score: number;
  /** v: number of ratings */
  count: number;
  /** R: mean rating */
  mean: number;
}

export interface PopularityChart {
  /** the vote-count threshold (percentile of counts); NaN when the selection is empty */
  m: number;
  /** the mean of the selected movies' mean ratings; NaN when the selection is empty */
  C: number;
  /** qualifying movies (v >= m), best first, at most `limit` */
  entries: ChartEntry[];
}

export interface ChartOptions {
  /** percentile of the rating counts used as m, in [0, 100] (default 95) */
  percentile?: number;
  /** keeps only the inner item ids for which it returns true (C and m are computed over them) */
  filter?: (i: number) => boolean;
  /** at most this many entries (default: all qualifying) */
  limit?: number;
  /**
   * the trainset's item means (ts.itemMeans()) when the caller already holds them: the pass over
   * every rating is not made again (~50 ms of CPU at 32 M ratings, each filtered chart's first
   * request after a retrain; a CPU profile of bench/scale-serve.ts)
   */
  itemMeans?: Float64Array;
}

/**
 * numpy.percentile(values, p) with the default 'linear' method, including numpy's lerp, which
 * interpolates from the upper neighbour when the fraction is >= 0.5 (same rounding as numpy).
 * `sorted` must be ascending and non-empty.
 */
export function percentileLinear(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const virtualIndex = (n - 1) * (p / 100);
  const lo = Math.floor(virtualIndex);
  const hi = Math.min(lo + 1, n - 1);
  const t = virtualIndex - lo;
  const a = sorted[lo];
  const b = sorted[hi];
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

function checkPercentile(p: number): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 100)) {
    throw new ParamError(`popularity chart: percentile must be a number in [0, 100], got ${String(p)}`);
  }
}

/** Raw ids in chart order: numbers numerically, otherwise by code units. */
export function compareRawIds(a: string, b: string): number {
  const na = /^\d+$/.test(a) ? Number(a) : NaN;
  const nb = /^\d+$/.test(b) ? Number(b) : NaN;
  if (na === na && nb === nb && na !== nb) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface ChartStats {
  m: number;
  C: number;
  means: Float64Array;
  counts: Int32Array;
  selected: Int32Array;
}

function chartStats(ts: Trainset, percentile: number, filter?: (i: number) => boolean, itemMeans?: Float64Array): ChartStats {
  checkPercentile(percentile);
  if (itemMeans !== undefined && itemMeans.length !== ts.nItems) {
    throw new ParamError(`popularity chart: itemMeans must hold one mean per item (${ts.nItems}), got ${itemMeans.length}`);
  }
  const means = itemMeans ?? ts.itemMeans();
  const counts = new Int32Array(ts.nItems);
  const sel: number[] = [];
  for (let i = 0; i < ts.nItems; i++) {
    counts[i] = ts.itemDegree(i);
    if (counts[i] > 0 && (filter === undefined || filter(i))) sel.push(i);
  }
  const selected = Int32Array.from(sel);
  if (selected.length === 0) return { m: NaN, C: NaN, means, counts, selected };
  let sum = 0;
  const sortedCounts = new Float64Array(selected.length);
  for (let k = 0; k < selected.length; k++) {
    sum += means[selected[k]];
    sortedCounts[k] = counts[selected[k]];
  }
  sortedCounts.sort();
  return { m: percentileLinear(sortedCounts, percentile), C: sum / selected.length, means, counts, selected };
}

/** IMDB's weighted rating of a movie with v ratings of mean R, given the chart's m and C. */
export function weighted(v: number, R: number, m: number, C: number): number {
  return (v / (v + m)) * R + (m / (v + m)) * C;
}

/** The chart of qualifying movies (see the module comment for the formula and choices). */
export function popularityChart(ts: Trainset, opts: ChartOptions = {}): PopularityChart {
  const percentile = opts.percentile ?? 95;
  const limit = opts.limit;
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
    throw new ParamError(`popularity chart: limit must be a whole number >= 0, got ${String(limit)}`);
  }
  const { m, C, means, counts, selected } = chartStats(ts, percentile, opts.filter, opts.itemMeans);
  const entries: ChartEntry[] = [];
  for (const i of selected) {
    const v = counts[i];
    if (v >= m) entries.push({ item: i, score: weighted(v, means[i], m, C), count: v, mean: means[i] });
  }
  entries.sort((a, b) => b.score - a.score || b.count - a.count || compareRawIds(ts.rawItem(a.item), ts.rawItem(b.item)));
  return { m, C, entries: limit === undefined ? entries : entries.slice(0, limit) };
}

/**
 * The chart keyed by raw movie id (id → WR), e.g. for the content recommender's "improved"
 * mode: `model.because(id, 10, { onlyQualifying: (m) => wr.has(m), rankBy: (m) => wr.get(m) ?? NaN })`.
 */
export function chartByRawId(ts: Trainset, chart: PopularityChart): Map<string, number> {
  return new Map(chart.entries.map((e) => [ts.rawItem(e.item), e.score]));
}

const PARAMS = defineParams({
  percentile: {
    type: 'float',
    default: 95,
    min: 0,
    max: 100,
    doc: 'percentile of the rating counts that a movie needs to reach to be charted (m)',
  },
});

type PopularParams = ParamsOf<typeof PARAMS>;

/**
 * The chart as an algorithm: estimate(u, i) = WR_i for any known item, the same for every
 * member; scoreAll gives WR for qualifying items and NaN for the rest, so `recommend` lists the
 * chart (minus what the member rated). Ties in `recommend` follow topN (lower inner id), which
 * only matters for movies with equal WR.
 */
export class Popular extends Algorithm<PopularParams> {
  readonly name = 'popular';
  private wr: Float64Array | undefined;
  private qualifies: Uint8Array | undefined;
  private m = NaN;
  private c = NaN;

  constructor(params: PopularParams) {
    super(params);
  }

  fit(ts: Trainset): this {
    requireRatings(this.name, ts);
    const { m, C, means, counts } = chartStats(ts, this.params.percentile);
    const wr = new Float64Array(ts.nItems);
    const qualifies = new Uint8Array(ts.nItems);
    for (let i = 0; i < ts.nItems; i++) {
      wr[i] = weighted(counts[i], means[i], m, C);
      qualifies[i] = counts[i] >= m ? 1 : 0;
    }
    this.ts = ts;
    this.wr = wr;
    this.qualifies = qualifies;
    this.m = m;
    this.c = C;
    return this;
  }

  private get scores(): { wr: Float64Array; qualifies: Uint8Array } {
    if (!this.wr || !this.qualifies) throw new NotFittedError(`${this.name} is not fitted: call fit(trainset) first`);
    return { wr: this.wr, qualifies: this.qualifies };
  }

  /** the chart's threshold m and mean C of the last fit */
  get threshold(): { m: number; C: number } {
    void this.scores;
    return { m: this.m, C: this.c };
  }

  estimate(_u: number, i: number): Estimate {
    const { wr } = this.scores;
    if (!(i >= 0 && i < wr.length)) return { impossible: 'Item is unknown.' };
    return { value: wr[i] };
  }

  estimateFor(_p: Profile, i: number): Estimate {
    return this.estimate(-1, i);
  }

  scoreAll(_p: Profile, out: Float64Array): void {
    const { wr, qualifies } = this.scores;
    for (let i = 0; i < wr.length; i++) out[i] = qualifies[i] ? wr[i] : NaN;
  }

  state(): ModelState {
    const { wr, qualifies } = this.scores;
    return { wr, qualifies, m: this.m, C: this.c };
  }

  restore(ts: Trainset, state: ModelState): void {
    const { wr, qualifies, m, C } = state;
    if (!(wr instanceof Float64Array) || wr.length !== ts.nItems) {
      throw new ParamError(`popular: state.wr must be a Float64Array of ${ts.nItems} items`);
    }
    if (!(qualifies instanceof Uint8Array) || qualifies.length !== ts.nItems) {
      throw new ParamError(`popular: state.qualifies must be a Uint8Array of ${ts.nItems} items`);
    }
    if (typeof m !== 'number' || typeof C !== 'number') throw new ParamError('popular: state.m and state.C must be numbers');
    this.ts = ts;
    this.wr = wr;
    this.qualifies = qualifies;
    this.m = m;
    this.c = C;
  }
}

export const popularDescriptor: AlgorithmDescriptor<Popular> = {
  name: 'popular',
  kind: 'ranking',
  description:
    'Popularity chart: IMDB weighted rating of each movie; only movies with at least the 95th percentile of rating counts are recommended',
  params: PARAMS,
  create(given?: Record<string, unknown>): Popular {
    return new Popular(resolveParams('popular', PARAMS, given));
  },
};
