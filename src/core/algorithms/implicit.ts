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

/**
 * distinctItems' scratch, kept from one call to the next: per movie, the call that last saw it.
 * A fresh Uint8Array of the catalogue per call was 87,585 bytes at ml-32m shape, and a ranking
 * model's /recommend list called it 11 times (scoring, then each pick's explanation): ~1 MB of
 * ArrayBuffers a list, which V8 counts as external memory and, past its limit, answers with
 * mark-compacts of the whole heap (issue 12; bench/gc-fit.ts measures the bytes per list). The
 * calls are synchronous and every thread has its own module, so one scratch serves them all.
 */
let seenAt = new Int32Array(0);
let call = 0;

/** The profile's distinct inner item ids in first-seen order (a movie rated twice counts once). */
export function distinctItems(p: Profile, nItems: number): Int32Array {
  if (seenAt.length < nItems) {
    seenAt = new Int32Array(nItems);
    call = 0;
  }
  if (++call === 0x7fffffff) {
    seenAt.fill(0);
    call = 1;
  }
  const stamp = call;
  const out = new Int32Array(p.items.length);
  let n = 0;
  for (let k = 0; k < p.items.length; k++) {
    const i = p.items[k];
    if (i < 0 || i >= nItems || seenAt[i] === stamp) continue;
    seenAt[i] = stamp;
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
