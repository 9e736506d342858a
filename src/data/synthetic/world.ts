/**
 * The hidden world behind a synthetic dataset: movies and members with k latent taste factors,
 * Zipf-like movie popularity, power-law member activity. Which movies a member rates mixes the
 * popularity chart with their taste (movies come in taste clusters whose genres they share), and
 * the rating is clamp(round(μ + b_u + b_i + γ·p_u·q_i + noise)), so that a model of taste can
 * beat the chart on the data, as it does on MovieLens. Pure computation from a seeded random source.
 */
import { MIN_RATINGS_PER_USER, ratingsCap, type SyntheticShape } from './shapes.ts';
import { GENRES, NO_GENRES, TAG_WORDS, TITLE_ADJECTIVES, TITLE_NOUNS } from './words.ts';

/** What the generator draws from; the project's seeded Rng (src/core/rng.ts) is one. */
export interface RandomSource {
  /** uniform in [0, 1) */
  random(): number;
  normal(mean: number, std: number): number;
  /** uniform integer in [0, n) */
  int(n: number): number;
  /** Fisher–Yates, in place */
  shuffle<T extends { length: number; [k: number]: unknown }>(arr: T): T;
}

export const FACTORS = 8;

// Rating model, chosen so the output resembles ml-latest-small (mean 3.50; 0.5 to 5.0 in
// half stars, 70% of them whole stars, 4.0 the commonest). Measured on the ml-10m preset, seed 1:
// mean 3.62, 73% whole stars, 4.0 the commonest (23.8%).
const MEAN_RATING = 3.3;
const USER_BIAS_STD = 0.45;
const MOVIE_BIAS_STD = 0.3;
const TASTE_WEIGHT = 0.8;
const NOISE_STD = 0.8;
const WHOLE_STAR_SHARE = 0.4;

// Which movies a member rates: a draw from the popularity chart, from their taste, or uniform.
// The uniform share keeps heavy raters' long tails reachable. With these, leave-one-out HR@10 on
// 400 members × 1,500 movies × 40,000 ratings (seed 1) is 0.158 for co-rated movies against 0.105
// for the chart (0.5 / 0.45 / sharpness 3 gave 0.063 against 0.093: taste too weak to find).
const FROM_POPULARITY = 0.3;
const FROM_TASTE = 0.65;
const TASTE_SHARPNESS = 5;
const POPULARITY_EXPONENT = 1;
const POPULARITY_OFFSET = 10;
/** Pareto exponent of member activity: smaller is heavier-tailed. */
const ACTIVITY_EXPONENT = 1.3;
/** Share of members who tag: 58 of ml-latest-small's 610 (9.5%, counted from its tags.csv). */
const TAGGER_SHARE = 0.09;

/** First MovieLens rating (1995-01-09) and the end of ml-32m's window (2023-10-12), in epoch seconds. */
export const FIRST_TIMESTAMP = 789_652_009;
export const LAST_TIMESTAMP = 1_697_155_199;
const YEAR_SECONDS = 31_557_600;

/** IMDb and TMDB ids start here: tens of millions above any id either has handed out, so no synthetic link names a real film. */
const LINK_ID_BASE = 90_000_000;

export const RATING_TEXT = ['0.5', '1.0', '1.5', '2.0', '2.5', '3.0', '3.5', '4.0', '4.5', '5.0'] as const;

export class SyntheticWorld {
  readonly shape: SyntheticShape;
  /** movieId of each movie, ascending with gaps, as in MovieLens */
  readonly movieIds: Int32Array;
  private readonly rng: RandomSource;
  private readonly clusters: number;
  private readonly centers: Float64Array;
  private readonly movieFactors: Float32Array;
  private readonly movieBias: Float32Array;
  private readonly movieCluster: Uint16Array;
  private readonly years: Int16Array;
  private readonly genres: string[];
  private readonly popularityCumulative: Float64Array;
  private readonly clusterMovies: Int32Array[];
  private readonly clusterCumulative: Float64Array[];
  private readonly clusterTags: Uint8Array[];
  private readonly userFactors: Float32Array;
  private readonly userBias: Float32Array;
  /** ratings each member gets; they sum to shape.ratings */
  readonly ratingCounts: Int32Array;
  /** the movie index a member last drew, marked with the member's number + 1 (a reusable "seen" set) */
  private readonly seen: Int32Array;
  private readonly userCumulative: Float64Array;
  /** the current tagger's active window */
  private tagWindow: [number, number] = [FIRST_TIMESTAMP, 1];

  constructor(shape: SyntheticShape, rng: RandomSource) {
    this.shape = shape;
    this.rng = rng;
    const { movies, users } = shape;
    this.clusters = Math.min(40, Math.max(4, Math.round(Math.sqrt(movies) / 2)));
    this.centers = new Float64Array(this.clusters * FACTORS);
    for (let g = 0; g < this.clusters; g++) this.unitVector(this.centers, g * FACTORS);

    this.movieIds = new Int32Array(movies);
    this.movieFactors = new Float32Array(movies * FACTORS);
    this.movieBias = new Float32Array(movies);
    this.movieCluster = new Uint16Array(movies);
    this.years = new Int16Array(movies);
    this.genres = new Array<string>(movies);
    const clusterGenres = Array.from({ length: this.clusters }, () => this.drawClusterGenres());
    this.clusterTags = Array.from({ length: this.clusters }, () => Uint8Array.from({ length: 5 }, () => this.rng.int(TAG_WORDS.length)));
    const rank = this.permutation(movies);
    const weight = new Float64Array(movies);
    let id = 0;
    for (let i = 0; i < movies; i++) {
      id += 1 + Math.floor(-Math.log(1 - rng.random()) * 2.3); // ml-32m: 87,585 ids up to 292,757
      this.movieIds[i] = id;
      const g = this.rng.int(this.clusters);
      this.movieCluster[i] = g;
      for (let f = 0; f < FACTORS; f++) this.movieFactors[i * FACTORS + f] = 0.9 * this.centers[g * FACTORS + f] + rng.normal(0, 0.25);
      weight[i] = 1 / (rank[i] + POPULARITY_OFFSET) ** POPULARITY_EXPONENT;
      // popular movies are rated a little higher, as on MovieLens
      this.movieBias[i] = rng.normal(0, MOVIE_BIAS_STD) + 0.3 * (0.5 - rank[i] / movies);
      this.years[i] = Math.max(1902, 2023 - Math.floor(-Math.log(1 - rng.random()) * 20));
      this.genres[i] = this.drawMovieGenres(clusterGenres[g]);
    }
    this.popularityCumulative = cumulative(weight);
    this.clusterMovies = [];
    this.clusterCumulative = [];
    for (let g = 0; g < this.clusters; g++) {
      const members: number[] = [];
      for (let i = 0; i < movies; i++) if (this.movieCluster[i] === g) members.push(i);
      this.clusterMovies.push(Int32Array.from(members));
      this.clusterCumulative.push(cumulative(Float64Array.from(members, (i) => weight[i])));
    }

    this.userFactors = new Float32Array(users * FACTORS);
    this.userBias = new Float32Array(users);
    for (let u = 0; u < users; u++) {
      const g1 = this.rng.int(this.clusters);
      const g2 = this.rng.int(this.clusters);
      for (let f = 0; f < FACTORS; f++) {
        this.userFactors[u * FACTORS + f] = this.centers[g1 * FACTORS + f] + 0.6 * this.centers[g2 * FACTORS + f] + rng.normal(0, 0.25);
      }
      this.userBias[u] = rng.normal(0, USER_BIAS_STD);
    }
    const activity = paretoWeights(users, rng);
    this.ratingCounts = allocate(shape.ratings, activity, MIN_RATINGS_PER_USER, ratingsCap(movies));
    this.seen = new Int32Array(movies);
    this.userCumulative = new Float64Array(this.clusters);
  }

  /** movies.csv fields of movie `i`: title "Title (Year)", genres pipe-separated. */
  movieTitle(i: number): string {
    const a = TITLE_ADJECTIVES.length;
    const n = TITLE_NOUNS.length;
    const part = Math.floor(i / (a * n));
    const name = `${TITLE_ADJECTIVES[i % a]} ${TITLE_NOUNS[Math.floor(i / a) % n]}${part > 0 ? ` ${part + 1}` : ''}`;
    // a quarter carry a trailing article, as "Matrix, The (1999)" does
    return `${i % 4 === 3 ? `${name}, The` : name} (${this.years[i]})`;
  }

  movieGenres(i: number): string {
    return this.genres[i];
  }

  /** links.csv ids of movie `i`: IMDb without "tt", zero-padded; TMDB, missing for one movie in a hundred. */
  movieLinks(i: number): { imdbId: string; tmdbId: string } {
    return { imdbId: String(LINK_ID_BASE + i), tmdbId: i % 100 === 99 ? '' : String(LINK_ID_BASE + 2 * i) };
  }

  /**
   * Member `u`'s ratings: distinct movie indices ascending into `movies`, rating indices into
   * RATING_TEXT into `values`, epoch seconds into `times`; returns how many (ratingCounts[u]).
   */
  rateUser(u: number, movies: Int32Array, values: Uint8Array, times: Float64Array): number {
    const rng = this.rng;
    const n = this.ratingCounts[u];
    const stamp = u + 1;
    this.userTaste(u);
    for (let k = 0; k < n; k++) {
      let i = -1;
      for (let tries = 0; tries < 8 && i < 0; tries++) {
        const x = rng.random();
        const c = x < FROM_POPULARITY ? pick(this.popularityCumulative, rng.random()) : x < FROM_POPULARITY + FROM_TASTE ? this.tasteDraw() : this.rng.int(this.seen.length);
        if (this.seen[c] !== stamp) i = c;
      }
      // the chart and the taste clusters are exhausted for this member: any unseen movie will do
      while (i < 0) {
        const c = this.rng.int(this.seen.length);
        if (this.seen[c] !== stamp) i = c;
      }
      this.seen[i] = stamp;
      movies[k] = i;
    }
    movies.subarray(0, n).sort();
    const [start, span] = this.activeWindow();
    const p = u * FACTORS;
    for (let k = 0; k < n; k++) {
      const i = movies[k];
      let dot = 0;
      for (let f = 0; f < FACTORS; f++) dot += this.userFactors[p + f] * this.movieFactors[i * FACTORS + f];
      const x = MEAN_RATING + this.userBias[u] + this.movieBias[i] + TASTE_WEIGHT * dot + rng.normal(0, NOISE_STD);
      const halves = rng.random() < WHOLE_STAR_SHARE ? 2 * clamp(Math.round(x), 1, 5) : clamp(Math.round(2 * x), 1, 10);
      values[k] = halves - 1;
      times[k] = start + Math.floor(rng.random() * span);
    }
    return n;
  }

  /** Members who tag, ascending, each with how many tags; the counts sum to shape.tags. */
  taggers(): { users: Int32Array; counts: Int32Array } {
    const { users, tags } = this.shape;
    if (tags === 0) return { users: new Int32Array(0), counts: new Int32Array(0) };
    const n = Math.min(users, tags, Math.max(1, Math.round(users * TAGGER_SHARE)));
    const chosen = this.permutation(users).subarray(0, n).sort();
    const activity = paretoWeights(n, this.rng);
    return { users: chosen, counts: allocate(tags, activity, 1, Number.MAX_SAFE_INTEGER) };
  }

  /** One tag by member `u` (`fresh` for their first): a movie from their taste, a word its cluster favours, a time in their window. */
  tag(u: number, fresh: boolean): { movie: number; tag: string; timestamp: number } {
    if (fresh) {
      this.userTaste(u);
      this.tagWindow = this.activeWindow();
    }
    const movie = this.tasteDraw();
    const favourites = this.clusterTags[this.movieCluster[movie]];
    const word = this.rng.random() < 0.7 ? favourites[this.rng.int(favourites.length)] : this.rng.int(TAG_WORDS.length);
    const [start, span] = this.tagWindow;
    return { movie, tag: TAG_WORDS[word], timestamp: start + Math.floor(this.rng.random() * span) };
  }

  /** Fills userCumulative with member u's leaning towards each taste cluster. */
  private userTaste(u: number): void {
    let total = 0;
    for (let g = 0; g < this.clusters; g++) {
      let dot = 0;
      for (let f = 0; f < FACTORS; f++) dot += this.userFactors[u * FACTORS + f] * this.centers[g * FACTORS + f];
      total += Math.exp(TASTE_SHARPNESS * dot);
      this.userCumulative[g] = total;
    }
  }

  /** A movie from a cluster the current member leans to, popular ones likelier. */
  private tasteDraw(): number {
    const g = pick(this.userCumulative, this.rng.random());
    return this.clusterMovies[g][pick(this.clusterCumulative[g], this.rng.random())];
  }

  /** When a member was active: a start between the first rating and the end, and a span mostly under a year. */
  private activeWindow(): [number, number] {
    const start = FIRST_TIMESTAMP + Math.floor(this.rng.random() * (LAST_TIMESTAMP - FIRST_TIMESTAMP));
    const span = Math.min(LAST_TIMESTAMP - start, Math.ceil(-Math.log(1 - this.rng.random()) * YEAR_SECONDS));
    return [start, Math.max(1, span)];
  }

  /** One to three genres a cluster is about, common genres likelier. */
  private drawClusterGenres(): number[] {
    const total = GENRES.reduce((s, [, share]) => s + share, 0);
    const picked = new Set<number>();
    const want = 1 + this.rng.int(3);
    while (picked.size < want) {
      let x = this.rng.random() * total;
      let j = 0;
      while (j < GENRES.length - 1 && x >= GENRES[j][1]) x -= GENRES[j++][1];
      picked.add(j);
    }
    return [...picked];
  }

  private drawMovieGenres(core: number[]): string {
    const picked = new Set<number>();
    for (const j of core) if (this.rng.random() < 0.8) picked.add(j);
    if (this.rng.random() < 0.3) picked.add(this.rng.int(GENRES.length));
    if (picked.size === 0) {
      if (this.rng.random() < 0.1) return NO_GENRES;
      picked.add(core[0]);
    }
    return [...picked]
      .map((j) => GENRES[j][0])
      .sort()
      .join('|');
  }

  private unitVector(out: Float64Array, at: number): void {
    let norm = 0;
    for (let f = 0; f < FACTORS; f++) {
      out[at + f] = this.rng.normal(0, 1);
      norm += out[at + f] ** 2;
    }
    norm = Math.sqrt(norm) || 1;
    for (let f = 0; f < FACTORS; f++) out[at + f] /= norm;
  }

  private permutation(n: number): Int32Array {
    return this.rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
  }
}

/** Lomax (Pareto II) draws: most near 0, so the least active get about the minimum, and a heavy tail. */
function paretoWeights(n: number, rng: RandomSource): Float64Array {
  return Float64Array.from({ length: n }, () => (1 - rng.random()) ** (-1 / ACTIVITY_EXPONENT) - 1);
}

function cumulative(weights: Float64Array): Float64Array {
  const out = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) out[i] = total += weights[i];
  return out;
}

/** The index whose slice of the cumulative weights holds u·total (binary search). */
function pick(cum: Float64Array, u: number): number {
  const x = u * cum[cum.length - 1];
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/**
 * Splits `total` into whole shares of at least `min` and at most `cap`, beyond `min` in proportion
 * to `weights`. The caller guarantees min·n ≤ total ≤ cap·n.
 */
export function allocate(total: number, weights: Float64Array, min: number, cap: number): Int32Array {
  const n = weights.length;
  const counts = new Int32Array(n).fill(min);
  const capped = new Uint8Array(n);
  let left = total - min * n;
  for (;;) {
    let weightSum = 0;
    for (let u = 0; u < n; u++) if (!capped[u]) weightSum += weights[u];
    let newlyCapped = false;
    for (let u = 0; u < n; u++) {
      if (!capped[u] && counts[u] + (left * weights[u]) / weightSum > cap) {
        left -= cap - counts[u];
        counts[u] = cap;
        capped[u] = 1;
        newlyCapped = true;
      }
    }
    if (!newlyCapped || left === 0) break;
  }
  let weightSum = 0;
  for (let u = 0; u < n; u++) if (!capped[u]) weightSum += weights[u];
  let given = 0;
  for (let u = 0; u < n; u++) {
    if (capped[u]) continue;
    const add = Math.floor((left * weights[u]) / weightSum);
    counts[u] += add;
    given += add;
  }
  // what rounding down left over goes one each to members still under the cap
  for (let u = 0; given < left; u = (u + 1) % n) {
    if (counts[u] < cap) {
      counts[u]++;
      given++;
    }
  }
  return counts;
}
