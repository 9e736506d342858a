/**
 * Movies with fewer than `minRatings` ratings in a generation: collaborative picks skip them, since
 * a prediction from one rater is that rater's rating (MARQUEE_MIN_RATINGS). /recommend passes the
 * bound to core's rankItems; the hybrid and movie night, which rank on their own, read it here.
 */
import type { Generation } from './generation.ts';

export class RarelyRated {
  readonly minRatings: number;
  private readonly cache = new WeakMap<Generation, { inner: Int32Array; raw: ReadonlySet<string> }>();

  constructor(minRatings: number) {
    this.minRatings = minRatings;
  }

  /** Inner ids (in `gen.ts`) and raw movie ids of the rarely rated movies, cached per generation. */
  of(gen: Generation): { inner: Int32Array; raw: ReadonlySet<string> } {
    let o = this.cache.get(gen);
    if (!o) {
      const inner: number[] = [];
      const raw = new Set<string>();
      for (let i = 0; i < gen.ts.nItems; i++) {
        if (gen.ts.itemDegree(i) >= this.minRatings) continue;
        inner.push(i);
        raw.add(gen.ts.rawItem(i));
      }
      o = { inner: Int32Array.from(inner), raw };
      this.cache.set(gen, o);
    }
    return o;
  }
}
