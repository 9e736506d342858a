/**
 * How much memory an algorithm needs to train, from counts known before training (members,
 * movies, ratings), and which ones cannot train at a size at all. The service refuses those at
 * start-up (configured) or on a member's request (lazily loaded) with a message that names a
 * better choice, instead of a worker that dies or a machine that swaps.
 *
 * The estimates are the big arrays each fit allocates, from the algorithms' own layouts (each
 * module documents its own); the trainset both ways and the per-rating terms are counted once as
 * TRAINSET_BYTES_PER_RATING. They are upper-end figures, not measurements: at ml-10m shape
 * knn-item retained 309 MB of arrays (bench/scale.ts), the lists below estimate 10,681 × 80 × 12 B
 * = 10 MB plus the per-rating terms of 10 M ratings; the measured per-million figures are in README.
 *
 * Which algorithms fail at MovieLens 32M shape (200,948 members, 87,585 movies, 32 M ratings):
 * - slope-one: one packed triangle of deviations between movies, 87,585 · 87,584 / 2 = 3.84 G
 *   pairs: past the Int32 index of a packed matrix (2.1 G), and 15 GB of float32 even if it were not.
 * - the k-NN family keeps its packed triangle only up to 20,000 entities (neighbours.ts); above,
 *   sparse top-K lists, n · K · 12 bytes (200,948 users × 80 → 193 MB): it trains.
 * - ease is capped to max_items (≤ 16,000) movies: 16,000² × 12 bytes = 3 GB at the cap.
 * - factor models (svd, svdpp, nmf, ials, pure-svd) and co-clustering grow with users + movies:
 *   tens of MB at that size.
 */
import { ParamError } from './algorithm.ts';
import { DEFAULT_DENSE_MAX_ENTITIES, DEFAULT_LIST_FACTOR } from './neighbours.ts';
import { createAlgorithm } from './registry.ts';
import { F64_MAX_ENTRIES } from './similarity.ts';

/** What is known of a training set before anything is trained. */
export interface DataCounts {
  users: number;
  items: number;
  ratings: number;
}

/** Int32 indexing limit of a packed triangle (similarity.ts). */
const PACKED_MAX_ENTRIES = 0x7fffffff;
/**
 * The trainset both ways (CSR by user and by item: Int32 index + float64 value each) and the
 * per-rating terms a model keeps (kNN's, baselines'): about 40 bytes a rating.
 */
const TRAINSET_BYTES_PER_RATING = 40;

export interface SizeEstimate {
  /** bytes of the big arrays at the fit's peak */
  bytes: number;
  /** what the bytes are, for a person: "a 87,585² packed triangle of deviations" */
  what: string;
  /** set when the layout cannot index this size at all, whatever the memory */
  impossible?: string;
  /** the choice to name instead */
  instead: string;
}

/** The fit's memory for `spec` at `counts`; a ParamError when the spec itself is invalid. */
export function estimateFit(spec: string, counts: DataCounts): SizeEstimate {
  checkCounts(counts);
  const algo = createAlgorithm(spec);
  const p = algo.params as Readonly<Record<string, unknown>>;
  const { users, items, ratings } = counts;
  const base = ratings * TRAINSET_BYTES_PER_RATING;
  const factors = (n: number, bytesPerValue: number, copies: number): number => (users + items) * n * bytesPerValue * copies;
  switch (algo.name) {
    case 'slope-one': {
      const cells = (items * (items - 1)) / 2;
      const bytes = base + cells * (cells <= F64_MAX_ENTRIES ? 8 : 4);
      const what = `a packed triangle of ${fmt(cells)} deviations between ${fmt(items)} movies`;
      return {
        bytes,
        what,
        instead: 'item-knn or ease',
        ...(cells > PACKED_MAX_ENTRIES ? { impossible: `more than the ${fmt(PACKED_MAX_ENTRIES)} a packed matrix can index` } : {}),
      };
    }
    case 'knn-basic':
    case 'knn-means':
    case 'knn-zscore':
    case 'knn-baseline': {
      const userBased = p.user_based !== false;
      const n = userBased ? users : items;
      const who = userBased ? 'members' : 'movies';
      const instead = userBased ? 'knn-item or item-knn' : 'item-knn or ease';
      if (n <= DEFAULT_DENSE_MAX_ENTITIES) {
        const cells = (n * (n - 1)) / 2;
        return { bytes: base + cells * (cells <= F64_MAX_ENTRIES ? 8 : 4), what: `a packed triangle of ${fmt(cells)} similarities between ${fmt(n)} ${who}`, instead };
      }
      const k = Number(p.k);
      const listSize = Math.max(k, DEFAULT_LIST_FACTOR * k);
      // each list cell: Int32 neighbour + float64 similarity, and item-based lists are also kept
      // turned around (an Int32 per cell) for scoring a member; one dense row of scratch per build
      const cellBytes = userBased ? 12 : 16;
      return { bytes: base + n * listSize * cellBytes + n * 8 * 4, what: `top-${listSize} neighbour lists of ${fmt(n)} ${who}`, instead };
    }
    case 'ease':
    case 'ease-side': {
      const m = Math.min(items, Number(p.max_items));
      // B in float32 and the Gram matrix in float64 during the fit; ease-side adds its feature Gram
      // matrix into that same G, except with knn, which ranks neighbours in a second float64 m × m
      const cosines = Number(p.knn ?? 0) > 0 ? m * m * 8 : 0;
      return { bytes: base + m * m * 12 + cosines, what: `a dense ${fmt(m)}² item matrix`, instead: 'ease with a smaller max_items (e.g. ease:max_items=6000) or item-knn' };
    }
    case 'item-knn':
      return { bytes: base + items * Number(p.k) * 8 + items * 16, what: `top-${String(p.k)} neighbour lists of ${fmt(items)} movies`, instead: 'ease' };
    case 'svd':
    case 'nmf':
      return { bytes: base + factors(Number(p.n_factors), 8, 2), what: `${String(p.n_factors)} factors per member and movie`, instead: 'svd or ials with fewer factors (n_factors)' };
    case 'svdpp':
      return { bytes: base + factors(Number(p.n_factors), 8, 3), what: `${String(p.n_factors)} factors per member and movie`, instead: 'svd' };
    case 'ials':
      return { bytes: base + factors(Number(p.n_factors), 4, 2), what: `${String(p.n_factors)} factors per member and movie`, instead: 'ials with fewer factors (n_factors)' };
    case 'pure-svd':
      return { bytes: base + factors(Number(p.n_factors), 8, 3), what: `a rank-${String(p.n_factors)} factorisation`, instead: 'ials or ease' };
    case 'co-clustering': {
      const clusters = Number(p.n_cltr_u) * Number(p.n_cltr_i);
      return { bytes: base + (users + items) * 16 + clusters * 24, what: `${fmt(clusters)} co-clusters`, instead: 'svd' };
    }
    default:
      // baseline, normal, popular: a number or two per member and movie
      return { bytes: base + (users + items) * 16, what: 'one or two numbers per member and movie', instead: 'svd' };
  }
}

/**
 * Why `spec` must not train at `counts` within `budgetBytes` of memory, as a sentence that names
 * a better choice; undefined when it fits.
 */
export function sizeRefusal(spec: string, counts: DataCounts, budgetBytes: number): string | undefined {
  if (!(budgetBytes > 0)) throw new ParamError(`a memory budget must be a positive number of bytes, got ${String(budgetBytes)}`);
  const e = estimateFit(spec, counts);
  const at = `${spec} at ${fmt(counts.users)} members, ${fmt(counts.items)} movies and ${fmt(counts.ratings)} ratings`;
  if (e.impossible) return `${at} needs ${e.what} (~${size(e.bytes)}), ${e.impossible}; use ${e.instead}`;
  if (e.bytes > budgetBytes) return `${at} needs ~${size(e.bytes)} for ${e.what}, more than the ${size(budgetBytes)} a model may use here; use ${e.instead}`;
  return undefined;
}

function checkCounts(c: DataCounts): void {
  for (const key of ['users', 'items', 'ratings'] as const) {
    if (!Number.isSafeInteger(c[key]) || c[key] < 0) throw new ParamError(`counts.${key} must be a whole number ≥ 0, got ${String(c[key])}`);
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** 17 GB, 4.4 GB, 120 MB, 35 kB: two significant digits are all an estimate carries */
function size(bytes: number): string {
  const [v, unit] = bytes >= 1e9 ? [bytes / 1e9, 'GB'] : bytes >= 1e6 ? [bytes / 1e6, 'MB'] : [bytes / 1e3, 'kB'];
  return `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} ${unit}`;
}
