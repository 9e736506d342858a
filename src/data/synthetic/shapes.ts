/** How big a synthetic dataset is, the published MovieLens shapes as presets, and the checks on a request. */

export interface SyntheticShape {
  users: number;
  movies: number;
  ratings: number;
  tags: number;
}

/** Counts as GroupLens publishes them (each release's README). */
export const SYNTHETIC_SHAPES: Readonly<Record<string, SyntheticShape>> = {
  small: { users: 610, movies: 9_742, ratings: 100_836, tags: 3_683 }, // ml-latest-small
  'ml-1m': { users: 6_040, movies: 3_706, ratings: 1_000_209, tags: 0 },
  'ml-10m': { users: 69_878, movies: 10_681, ratings: 10_000_054, tags: 95_580 },
  'ml-25m': { users: 162_541, movies: 62_423, ratings: 25_000_095, tags: 1_093_360 },
  'ml-32m': { users: 200_948, movies: 87_585, ratings: 32_000_204, tags: 2_000_072 },
};

/** MovieLens keeps only members with at least 20 ratings. */
export const MIN_RATINGS_PER_USER = 20;

/**
 * No member rates more than this share of the catalogue, so drawing distinct movies stays cheap.
 * The heaviest rater of ml-32m has about 33,000 of its 87,585 movies (38%).
 */
export const MAX_SHARE_PER_USER = 0.5;

/** A request the generator cannot honour (a count, or the folder): says which and why. */
export class SyntheticError extends Error {
  override name = 'SyntheticError';
}

/** The most ratings one member may have in a catalogue of `movies`. */
export function ratingsCap(movies: number): number {
  return Math.max(MIN_RATINGS_PER_USER, Math.floor(movies * MAX_SHARE_PER_USER));
}

/** Throws SyntheticError unless the counts are whole, positive and fit together. */
export function checkShape(shape: SyntheticShape): void {
  for (const key of ['users', 'movies', 'ratings', 'tags'] as const) {
    const v = shape[key];
    const least = key === 'tags' ? 0 : 1;
    if (!Number.isSafeInteger(v) || v < least) throw new SyntheticError(`--${key} must be a whole number of at least ${least}, got ${v}`);
  }
  const { users, movies, ratings } = shape;
  if (movies < 2 * MIN_RATINGS_PER_USER) {
    throw new SyntheticError(`--movies must be at least ${2 * MIN_RATINGS_PER_USER} so that each member can rate ${MIN_RATINGS_PER_USER} distinct movies, got ${movies}`);
  }
  if (ratings < users * MIN_RATINGS_PER_USER) {
    throw new SyntheticError(
      `${ratings} ratings are too few for ${users} members: each needs at least ${MIN_RATINGS_PER_USER}, so at least ${users * MIN_RATINGS_PER_USER} ratings`,
    );
  }
  const cap = ratingsCap(movies);
  if (ratings > users * cap) {
    throw new SyntheticError(`${ratings} ratings are too many for ${users} members and ${movies} movies: at most ${users * cap} (no member rates more than ${cap} movies)`);
  }
}
