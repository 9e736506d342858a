/**
 * What the implicit-feedback ranking models (EASE, iALS, implicit item-kNN) share: a member's
 * ratings read as a 0/1 row (any rating means "watched"), and the "because you rated …" answer
 * each gives for a recommended movie.
 */
import type { Params } from '../algorithm.ts';
import type { Estimate } from '../algorithm.ts';
import type { Profile } from '../trainset.ts';
import { LearnedAlgorithm } from './learned.ts';

/** A rated movie and how much it pushed a recommendation up (model-specific units). */
export interface Contribution {
  /** inner item id of a movie the member rated */
  item: number;
  weight: number;
}

/** The profile's distinct inner item ids in first-seen order (a movie rated twice counts once). */
export function distinctItems(p: Profile, nItems: number): Int32Array {
  const seen = new Uint8Array(nItems);
  const out = new Int32Array(p.items.length);
  let n = 0;
  for (let k = 0; k < p.items.length; k++) {
    const i = p.items[k];
    if (i < 0 || i >= nItems || seen[i]) continue;
    seen[i] = 1;
    out[n++] = i;
  }
  return out.subarray(0, n);
}

/** The `n` largest positive contributions, largest first (ties: lower item id first). */
export function topContributions(items: ArrayLike<number>, weights: ArrayLike<number>, n: number): Contribution[] {
  const all: Contribution[] = [];
  for (let k = 0; k < items.length; k++) if (weights[k] > 0) all.push({ item: items[k], weight: weights[k] });
  all.sort((a, b) => b.weight - a.weight || a.item - b.item);
  return all.slice(0, Math.max(0, n));
}

/**
 * A model with no per-member parameters (EASE, item-kNN): a trained user is answered from their
 * training ratings exactly as a live member with the same ratings, so `estimate` is `estimateFor`.
 */
export abstract class ItemToItemModel<Model, P extends Params = Params> extends LearnedAlgorithm<Model, never, P> {
  estimate(u: number, i: number): Estimate {
    const ts = this.trainset;
    if (u < 0 || u >= ts.nUsers) return { impossible: 'User is unknown.' };
    return this.estimateFor(ts.profileOf(u), i);
  }
}
