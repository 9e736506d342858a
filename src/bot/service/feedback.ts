/**
 * Members' reactions to what the bot shows: every list shown becomes an impression (who, which
 * surface, which algorithm or experiment team per position, when), and each 👍 / 👎 / "seen it"
 * is kept against it. The one owner of what a reaction does:
 *
 * - only the member the list was made for can react (the store refuses anyone else);
 * - a second click on another reaction replaces the first; the same 👍 or 👎 again takes it back;
 * - 👎 hides the movie from the member's future lists (taken back: shown again; /unhide too);
 * - "seen it" carries the member's score, written as a normal rating.
 */
import { randomBytes } from 'node:crypto';
import type { MovieRecord } from '../../data/types.ts';
import type { Member, ReactionKind, ShownItem, Store, Surface } from '../../store/api.ts';
import { UserFacingError } from '../errors.ts';
import type { LikeRateRow, ReactionOutcome } from '../service-api.ts';
import type { Catalog } from './catalog.ts';
import type { MemberRatings } from './member-ratings.ts';

/** A rating of a shown movie counts as a like when given within this window of the list (7 days). */
export const LIKE_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** A short list id for buttons (Discord custom_id and Slack action_id ≤ 100 characters): 48 random bits. */
export function newListId(): string {
  return randomBytes(6).toString('base64url');
}

export class Feedback {
  private readonly store: Store;
  private readonly catalog: Catalog;
  private readonly ratings: MemberRatings;
  private readonly hiddenCache = new Map<number, ReadonlySet<string>>();

  constructor(store: Store, catalog: Catalog, ratings: MemberRatings) {
    this.store = store;
    this.catalog = catalog;
    this.ratings = ratings;
  }

  /**
   * Records a list shown to `member`; returns its id, or undefined when there is nothing to
   * react to (an empty list, or a reader Marquee has no record of: they have no reactions to keep).
   */
  record(member: Member, surface: Surface, algo: string, items: readonly ShownItem[], experimentId?: number): string | undefined {
    if (items.length === 0 || !this.store.memberById(member.id)) return undefined;
    const listId = newListId();
    this.store.feedback.recordImpression({ listId, memberId: member.id, surface, algo, experimentId, items });
    return listId;
  }

  react(member: Member, listId: string, movieId: string, kind: ReactionKind, rating?: number): ReactionOutcome {
    const list = this.store.feedback.impression(listId);
    if (!list) throw new UserFacingError('That list is gone (it was never shown, or its member asked to be forgotten): ask for a new one.');
    // checked here too, before "seen it" writes a rating for the wrong person
    if (list.memberId !== member.id) throw new UserFacingError('Only the member this list was made for can react to it.');
    const movie = this.catalog.movie(movieId);
    if (!movie || !list.items.some((it) => it.movieId === movieId)) throw new UserFacingError('That movie was not in this list.');
    const current = this.store.feedback.reaction(listId, movieId);
    const previous = current?.kind ?? null;
    if (kind !== 'seen' && previous === kind) {
      // the same button again takes the reaction back
      this.store.feedback.clearReaction(listId, member.id, movieId);
      if (kind === 'not-for-me') this.setHidden(member.id, movieId, false);
      return { kind: 'cleared', movie, previous, hidden: this.isHidden(member.id, movieId) };
    }
    if (kind === 'seen') {
      if (rating === undefined) throw new UserFacingError(`"Seen it" needs your score: e.g. seen ${movie.displayTitle} 4.5.`);
      this.ratings.rate(member.id, movieId, rating);
    }
    this.store.feedback.react({ listId, memberId: member.id, movieId, kind, rating: kind === 'seen' ? rating : undefined });
    if (kind === 'not-for-me') this.setHidden(member.id, movieId, true);
    else if (previous === 'not-for-me') this.setHidden(member.id, movieId, false);
    return { kind, movie, previous, hidden: kind === 'not-for-me', ...(kind === 'seen' ? { rated: rating } : {}) };
  }

  /** The member's hidden movies (cached until they hide or unhide one). */
  hiddenOf(memberId: number): ReadonlySet<string> {
    let s = this.hiddenCache.get(memberId);
    if (!s) {
      s = new Set(this.store.feedback.hidden(memberId));
      this.hiddenCache.set(memberId, s);
    }
    return s;
  }

  hiddenMovies(memberId: number): MovieRecord[] {
    return this.store.feedback
      .hidden(memberId)
      .map((id) => this.catalog.movie(id))
      .filter((m): m is MovieRecord => m !== undefined);
  }

  unhide(memberId: number, movieId: string): boolean {
    return this.setHidden(memberId, movieId, false);
  }

  likeRates(sinceMs?: number): LikeRateRow[] {
    return this.store.feedback.likeRates(LIKE_WINDOW_MS, sinceMs).map((r) => ({ ...r, rate: r.shown > 0 ? r.liked / r.shown : 0 }));
  }

  /** The member's impressions, reactions and hidden movies as JSON, for /export. */
  exportJson(memberId: number): string {
    return JSON.stringify(this.store.feedback.memberFeedback(memberId), null, 2);
  }

  forgot(memberId: number): void {
    this.hiddenCache.delete(memberId);
  }

  private isHidden(memberId: number, movieId: string): boolean {
    return this.hiddenOf(memberId).has(movieId);
  }

  private setHidden(memberId: number, movieId: string, hide: boolean): boolean {
    this.hiddenCache.delete(memberId);
    if (hide) {
      this.store.feedback.hide(memberId, movieId);
      return true;
    }
    return this.store.feedback.unhide(memberId, movieId);
  }
}
