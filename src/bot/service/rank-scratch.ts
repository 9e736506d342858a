/**
 * rankItems' three per-movie arrays (scores, support, estimates), kept from one /recommend list
 * to the next on the main thread instead of allocated per list. At ml-32m shape a list allocated
 * 1.4–2.1 MB of Float64Arrays, all garbage once its ten picks are copied out; 1,500 EASE lists
 * at that shape took 71 scavenges with fresh arrays and 11 with these kept (a probe on the
 * ml-32m store, 2026-12-06). rankItems is synchronous and copies every value it returns, so
 * one set serves every model of a catalogue size. It fills the scores with NaN and overwrites the
 * estimates whole; the support is zeroed here, as a fresh array would be, since a model may leave
 * a movie's support unwritten (~30 µs for 87,585 movies).
 */
export interface RankArrays {
  scratch: Float64Array;
  supportScratch: Float64Array;
  estimateScratch: Float64Array;
}

export class RankScratch {
  private arrays: RankArrays | undefined;

  /** the arrays for a trainset of `nItems` movies (made again when the catalogue's size changes) */
  for(nItems: number): RankArrays {
    const a = this.arrays;
    if (a && a.scratch.length === nItems) {
      a.supportScratch.fill(0);
      return a;
    }
    const made = { scratch: new Float64Array(nItems), supportScratch: new Float64Array(nItems), estimateScratch: new Float64Array(nItems) };
    this.arrays = made;
    return made;
  }
}
