import { describe, expect, it } from 'vitest';
import type { Profile, Trainset } from '../../../src/core/trainset.ts';
import { computeDeviations, slopeOneDescriptor } from '../../../src/core/algorithms/slope-one.ts';
import { FOUR_USERS, build } from './small-ratings.ts';


/**
 *        x  y  z  w
 *   A    4  2  5  .
 *   B    5  1  .  .
 *   C    1  5  2  .
 *   D    3  .  .  .
 *   E    .  .  .  4     (w shares no rater with anything)
 * dev(z, x) = ((5-4) + (2-1)) / 2 = 1, dev(z, y) = ((5-2) + (2-5)) / 2 = 0,
 * dev(y, x) = ((2-4) + (1-5) + (5-1)) / 3 = -2/3
 */
const fixture = (): Trainset => build([...FOUR_USERS, ['E', 'w', 4]]);

describe('Slope One', () => {
  it('predicts the user mean plus the mean deviation from the items they rated', () => {
    const algo = slopeOneDescriptor.create().fit(fixture());
    expect(algo.predict('B', 'z').est).toBeCloseTo(3 + (1 + 0) / 2, 12);
    expect(algo.predict('D', 'z').est).toBeCloseTo(3 + 1, 12);
    expect(algo.predict('D', 'y').est).toBeCloseTo(3 - 2 / 3, 12);
  });

  it('ignores rated items that share no rater with the target (the user mean alone if none do)', () => {
    const algo = slopeOneDescriptor.create().fit(fixture());
    expect(algo.predict('E', 'x')).toMatchObject({ est: 4, wasImpossible: false });
    const ts = algo.trainset;
    const p: Profile = {
      items: Int32Array.from(['x', 'w'].map((i) => ts.innerItem(i) as number)),
      ratings: Float32Array.of(3, 5),
    };
    // w is ignored for z; x contributes dev(z, x) = 1 on top of the mean 4
    expect(algo.estimateFor(p, ts.innerItem('z') as number).value).toBeCloseTo(4 + 1, 12);
  });

  it('keeps half-star ratings whole (Surprise truncates them to ints while building dev)', () => {
    const ts = build(
      [
        ['A', 'i', 4.5],
        ['A', 'j', 3],
        ['B', 'j', 2.5],
      ],
      [0.5, 5],
    );
    const dev = computeDeviations(ts);
    const [i, j] = ['i', 'j'].map((x) => ts.innerItem(x) as number);
    expect(dev.data[dev.off[Math.min(i, j)] + Math.max(i, j)]).toBe(i < j ? 1.5 : -1.5);
    const algo = slopeOneDescriptor.create().fit(ts);
    expect(algo.predict('B', 'i').est).toBeCloseTo(2.5 + 1.5, 12);
  });

  it('unknown user or item is impossible', () => {
    const algo = slopeOneDescriptor.create().fit(fixture());
    expect(algo.predict('nobody', 'x')).toMatchObject({ wasImpossible: true, reason: 'User and/or item is unknown.' });
    expect(algo.predict('A', 'unreleased').wasImpossible).toBe(true);
    expect(algo.estimateFor({ items: new Int32Array(0), ratings: new Float32Array(0) }, 0).impossible).toBeDefined();
  });

  it('clips through predict', () => {
    const ts = build([
      ['A', 'i', 5],
      ['A', 'j', 1],
      ['B', 'j', 5],
      ['B', 'k', 5],
    ]);
    const algo = slopeOneDescriptor.create().fit(ts);
    // μ_B = 5; dev(i, j) = 5 - 1 = 4; k shares no rater with i and is left out
    expect(algo.predict('B', 'i', NaN, false).est).toBeCloseTo(5 + 4, 12);
    expect(algo.predict('B', 'i').est).toBe(5);
  });

  it('a member with a trained user’s ratings gets that user’s estimates; scoreAll agrees', () => {
    const algo = slopeOneDescriptor.create().fit(fixture());
    const ts = algo.trainset;
    const out = new Float64Array(ts.nItems);
    const outMember = new Float64Array(ts.nItems);
    for (let u = 0; u < ts.nUsers; u++) {
      const trained = ts.profileOf(u);
      const p: Profile = { items: trained.items.slice(), ratings: trained.ratings.slice() };
      algo.scoreAll(trained, out);
      algo.scoreAll(p, outMember);
      for (let i = 0; i < ts.nItems; i++) {
        const e = algo.estimate(u, i).value as number;
        expect(algo.estimateFor(p, i).value).toBeCloseTo(e, 12);
        expect(out[i]).toBeCloseTo(e, 12);
        expect(outMember[i]).toBeCloseTo(e, 12);
      }
    }
  });

  it("support: the member's rated movies with a deviation to the movie; estimates unchanged", () => {
    const algo = slopeOneDescriptor.create().fit(fixture());
    const ts = algo.trainset;
    const at = (raw: string) => ts.innerItem(raw) as number;
    const out = new Float64Array(ts.nItems);
    const support = new Float64Array(ts.nItems);
    // B rated x and y: z has a deviation to both, w (only E rated it) to neither
    const b = ts.profileOf(ts.innerUser('B') as number);
    expect(algo.scoreAllWithSupport(b, out, support)).toBe('co-rated-movies');
    expect([support[at('z')], support[at('w')]]).toEqual([2, 0]);
    const plain = new Float64Array(ts.nItems);
    algo.scoreAll(b, plain);
    expect(out).toEqual(plain);
    // D rated x only: y and z each share raters with x
    algo.scoreAllWithSupport(ts.profileOf(ts.innerUser('D') as number), out, support);
    expect([support[at('y')], support[at('z')], support[at('w')]]).toEqual([1, 1, 0]);
  });

  it('state and restore give identical predictions', () => {
    const algo = slopeOneDescriptor.create().fit(fixture());
    const ts = algo.trainset;
    const copy = slopeOneDescriptor.create();
    copy.restore(ts, algo.state());
    for (let u = 0; u < ts.nUsers; u++) {
      for (let i = 0; i < ts.nItems; i++) expect(copy.estimate(u, i)).toEqual(algo.estimate(u, i));
    }
    expect(() => copy.restore(build([['A', 'x', 1]]), algo.state())).toThrow(/5 users × 4 items/);
  });

  it('has no parameters', () => {
    expect(() => slopeOneDescriptor.create({ k: 3 })).toThrow(/slope-one has no parameter "k"; accepted: \(none\)/);
  });
});
