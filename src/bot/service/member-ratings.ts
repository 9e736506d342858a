/**
 * Members' ratings and what a rating changes: the one owner of "did this rating change the
 * member's profile, and which models must fold it in?".
 *
 * A write changes the profile only when the score differs from the stored one (the same score
 * again writes nothing, counts nothing towards a retrain, and keeps the date it was first given).
 * Every write commits to SQLite (synchronous=FULL) before it returns.
 *
 * The profile the models score (core Profile) names the member's trained user only while their
 * ratings are exactly what the generation was trained on. After any change it has no `user`, so
 * EVERY model of the generation folds the member in from their current ratings (each algorithm's
 * scoreAll over a Profile without a user; fold-in needs no retrain), until a retrain swaps in a
 * generation trained on them. Other members keep their trained user.
 */
import type { Profile, Trainset } from '../../core/trainset.ts';
import type { MemberRating, Store } from '../../store/api.ts';
import { memberRawId } from '../../store/training-data.ts';
import type { Generation } from './generation.ts';

/**
 * The member's profile for the models: with `user` when their ratings are exactly what the
 * generation was trained on (the trained user answers), without it when anything changed since
 * (the algorithms fold the member in from their current ratings).
 */
export function memberProfile(ts: Trainset, ratings: readonly MemberRating[], rawUser: string): Profile {
  const p = ts.profileFromRaw(
    ratings.map((r) => ({ item: r.movieId, rating: r.rating })),
    rawUser,
  );
  // profileFromRaw compares the movies the trainset knows; a rating of a movie it does not know
  // is dropped from the profile but is still a change since training
  if (p.user !== undefined && p.items.length !== ratings.length) return { items: p.items, ratings: p.ratings };
  return p;
}

export class MemberRatings {
  private readonly store: Store;
  /** told how many ratings changed (towards a retrain) */
  private readonly onChanges: (count: number) => void;
  private readonly ratingsCache = new Map<number, MemberRating[]>();
  private readonly profileCache = new Map<number, { gen: Generation; profile: Profile }>();

  constructor(store: Store, onChanges: (count: number) => void) {
    this.store = store;
    this.onChanges = onChanges;
  }

  /** The member's ratings, newest first (cached until they change). */
  of(memberId: number): readonly MemberRating[] {
    let r = this.ratingsCache.get(memberId);
    if (!r) {
      r = this.store.memberRatings(memberId);
      this.ratingsCache.set(memberId, r);
    }
    return r;
  }

  /** The member's profile on `gen` (see the file comment for when it names the trained user). */
  profile(memberId: number, gen: Generation): Profile {
    const cached = this.profileCache.get(memberId);
    if (cached && cached.gen === gen) return cached.profile;
    const profile = memberProfile(gen.ts, this.of(memberId), memberRawId(memberId));
    this.profileCache.set(memberId, { gen, profile });
    return profile;
  }

  /** `count`: the member's number of ratings after the write. */
  rate(memberId: number, movieId: string, rating: number): { previous: number | null; count: number } {
    const mine = this.of(memberId);
    const current = mine.find((r) => r.movieId === movieId);
    if (current !== undefined && current.rating === rating) return { previous: current.rating, count: mine.length };
    const { previous } = this.store.rate(memberId, movieId, rating); // committed before it returns
    this.changed(memberId, 1);
    return { previous, count: mine.length + (current === undefined ? 1 : 0) };
  }

  unrate(memberId: number, movieId: string): boolean {
    const removed = this.store.unrate(memberId, movieId);
    if (removed) this.changed(memberId, 1);
    return removed;
  }

  /** Writes several ratings in one transaction (an import). */
  rateMany(memberId: number, writes: ReadonlyArray<{ movieId: string; rating: number; ratedAt?: number }>): void {
    if (writes.length === 0) return;
    this.store.rateMany(memberId, [...writes]);
    this.changed(memberId, writes.length);
  }

  /** Deletes every rating of the member's; the number removed. */
  forget(memberId: number): number {
    const removed = this.store.forget(memberId);
    this.changed(memberId, removed);
    return removed;
  }

  private changed(memberId: number, count: number): void {
    this.ratingsCache.delete(memberId);
    this.profileCache.delete(memberId);
    this.onChanges(count);
  }
}
