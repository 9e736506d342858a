/**
 * The store's rows as SQLite holds them, and the one place they are checked and mapped: a
 * member's rating and time, a platform user, a movie to its statement parameters and back.
 */
import type { MovieRecord } from '../data/types.ts';
import { StoreError, type Member, type Platform } from './api.ts';

const PLATFORMS: readonly Platform[] = ['console', 'discord', 'slack'];

export interface MovieRow {
  movie_id: string;
  title: string;
  display_title: string;
  year: number | null;
  genres: string;
  imdb_id: string | null;
  tmdb_id: string | null;
  overview: string | null;
  tagline: string | null;
  keywords: string | null;
  tags: string | null;
}

export interface InfoRow {
  name: string;
  format: string;
  fingerprint: string;
  n_movies: number;
  n_ratings: number;
  scale_lo: number;
  scale_hi: number;
  imported_at: number;
  source: string | null;
}

export interface MemberRow {
  id: number;
  platform: Platform;
  platform_user_id: string;
  display_name: string | null;
  created_at: number;
}

export interface AsideRow {
  member_id: number;
  dataset: string;
  movie_id: string;
  title: string;
  year: number | null;
  rating: number;
  rated_at: number;
  set_aside_at: number;
  reason: string;
}

export interface MemberRatingRow {
  member_id: number;
  movie_id: string;
  rating: number;
  rated_at: number;
}

export type MovieParams = [
  movieId: string,
  title: string,
  displayTitle: string,
  year: number | null,
  genres: string,
  imdbId: string | null,
  tmdbId: string | null,
  overview: string | null,
  tagline: string | null,
  keywords: string | null,
  tags: string | null,
  position: number,
];

export const MOVIE_COLUMNS = 'movie_id, title, display_title, year, genres, imdb_id, tmdb_id, overview, tagline, keywords, tags';

/** The one rule for a member's rating, shared by rate() and rateMany(); the schema's CHECK is the backstop. */
export function checkRating(rating: unknown): asserts rating is number {
  if (typeof rating !== 'number' || !Number.isFinite(rating) || rating < 0.5 || rating > 5 || !Number.isInteger(rating * 2)) {
    const shown = typeof rating === 'string' ? JSON.stringify(rating) : String(rating);
    throw new StoreError(`a rating must be a number from 0.5 to 5 in steps of 0.5 (got ${shown})`);
  }
}

export function checkTime(ms: unknown): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) {
    throw new StoreError(`ratedAt must be a time in milliseconds since the epoch (got ${String(ms)})`);
  }
  return Math.round(ms);
}

export function checkPlatformUser(platform: Platform, platformUserId: string): void {
  if (!PLATFORMS.includes(platform)) {
    throw new StoreError(`unknown platform ${JSON.stringify(platform)} (accepted: ${PLATFORMS.join(', ')})`);
  }
  if (typeof platformUserId !== 'string' || platformUserId === '') {
    throw new StoreError(`a ${platform} member needs a non-empty platform user id`);
  }
}

export function movieParams(m: MovieRecord, position: number): MovieParams {
  return [
    m.movieId,
    m.title,
    m.displayTitle,
    m.year ?? null,
    JSON.stringify(m.genres ?? []),
    m.imdbId ?? null,
    m.tmdbId ?? null,
    m.overview ?? null,
    m.tagline ?? null,
    m.keywords ? JSON.stringify(m.keywords) : null,
    m.tags ? JSON.stringify(m.tags) : null,
    position,
  ];
}

export function toMovie(r: MovieRow): MovieRecord {
  const m: MovieRecord = {
    movieId: r.movie_id,
    title: r.title,
    displayTitle: r.display_title,
    year: r.year,
    genres: JSON.parse(r.genres) as string[],
  };
  // Absent fields stay absent (not undefined-valued), so records round-trip exactly.
  if (r.imdb_id !== null) m.imdbId = r.imdb_id;
  if (r.tmdb_id !== null) m.tmdbId = r.tmdb_id;
  if (r.overview !== null) m.overview = r.overview;
  if (r.tagline !== null) m.tagline = r.tagline;
  if (r.keywords !== null) m.keywords = JSON.parse(r.keywords) as string[];
  if (r.tags !== null) m.tags = JSON.parse(r.tags) as string[];
  return m;
}

export function toMember(r: MemberRow): Member {
  return {
    id: r.id,
    platform: r.platform,
    platformUserId: r.platform_user_id,
    displayName: r.display_name,
    createdAt: r.created_at,
  };
}
