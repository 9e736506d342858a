import { describe, expect, it } from 'vitest';
import { Algorithm, type Estimate, type ModelState, type Params } from '../../src/core/algorithm.ts';
import { coClusteringDescriptor } from '../../src/core/algorithms/co-clustering.ts';
import { nmfDescriptor } from '../../src/core/algorithms/nmf.ts';
import { svdDescriptor } from '../../src/core/algorithms/svd.ts';
import { svdppDescriptor } from '../../src/core/algorithms/svdpp.ts';
import {
  SNAPSHOT_VERSION,
  SnapshotError,
  decodeModel,
  encodeModel,
  inspectSnapshot,
  stateArray,
} from '../../src/core/snapshot.ts';
import { Trainset, type Profile } from '../../src/core/trainset.ts';
import { allPairs, lowRankTrainset } from './algorithms/mf-fixtures.ts';

const ts = lowRankTrainset({ nUsers: 25, nItems: 20, rank: 2, density: 0.5, noise: 0.3, seed: 4 });
const other = lowRankTrainset({ nUsers: 25, nItems: 20, rank: 2, density: 0.5, noise: 0.3, seed: 5 });

const descriptors = {
  svd: svdDescriptor,
  svdpp: svdppDescriptor,
  nmf: nmfDescriptor,
  'co-clustering': coClusteringDescriptor,
} as const;

function create(name: string, params: Params): Algorithm {
  const d = descriptors[name as keyof typeof descriptors];
  if (!d) throw new Error(`unknown algorithm "${name}"`);
  return d.create(params);
}

const member: Profile = ts.profileFromRaw([
  { item: 'i1', rating: 5 },
  { item: 'i4', rating: 2 },
  { item: 'i6', rating: 4 },
]);

describe('model snapshots', () => {
  const models: Array<[string, Algorithm]> = [
    ['svd', svdDescriptor.create({ n_factors: 7, random_state: 3 })],
    ['svd (unbiased)', svdDescriptor.create({ n_factors: 5, biased: false })],
    ['svdpp', svdppDescriptor.create({ n_factors: 6 })],
    ['nmf', nmfDescriptor.create()],
    ['nmf (biased)', nmfDescriptor.create({ biased: true, n_factors: 4 })],
    ['co-clustering', coClusteringDescriptor.create({ n_cltr_u: 4 })],
  ];
  for (const [label, algo] of models) {
    it(`${label}: a saved and loaded model predicts exactly as the original`, () => {
      algo.fit(ts);
      const bytes = encodeModel(algo);
      const loaded = decodeModel(bytes, ts, create);
      expect(loaded.name).toBe(algo.name);
      expect(loaded.params).toEqual(algo.params);
      for (const [u, i] of allPairs(ts)) expect(loaded.predict(u, i)).toEqual(algo.predict(u, i));
      const a = new Float64Array(ts.nItems);
      const b = new Float64Array(ts.nItems);
      for (const p of [ts.profileOf(2), member]) {
        algo.scoreAll(p, a);
        loaded.scoreAll(p, b);
        expect(Array.from(b)).toEqual(Array.from(a));
        expect(loaded.recommend(p, 5)).toEqual(algo.recommend(p, 5));
      }
      // encoding is deterministic: the same model gives the same bytes
      expect(Buffer.from(encodeModel(loaded)).equals(Buffer.from(bytes))).toBe(true);
    });
  }

  it('tells what a snapshot holds without loading it', () => {
    const algo = svdDescriptor.create({ n_factors: 3 }).fit(ts);
    const info = inspectSnapshot(encodeModel(algo));
    expect(info).toMatchObject({
      version: SNAPSHOT_VERSION,
      algorithm: 'svd',
      params: { n_factors: 3, lr_bu: 0.005 },
      trainset: { nUsers: ts.nUsers, nItems: ts.nItems, nRatings: ts.nRatings, globalMean: ts.globalMean },
    });
  });

  it('loads from a buffer at any byte offset (e.g. a slice of a larger blob)', () => {
    const algo = svdppDescriptor.create({ n_factors: 3 }).fit(ts);
    const bytes = encodeModel(algo);
    const blob = new Uint8Array(bytes.length + 3);
    blob.set(bytes, 3);
    const loaded = decodeModel(blob.subarray(3), ts, create);
    expect(loaded.predict('u1', 'i2')).toEqual(algo.predict('u1', 'i2'));
  });

  describe('refuses damaged or mismatched snapshots with a SnapshotError', () => {
    const algo = nmfDescriptor.create({ n_factors: 3 }).fit(ts);
    const good = encodeModel(algo);
    const fails = (bytes: Uint8Array, on: Trainset = ts, make = create): SnapshotError => {
      try {
        decodeModel(bytes, on, make);
      } catch (err) {
        expect(err).toBeInstanceOf(SnapshotError);
        return err as SnapshotError;
      }
      throw new Error('decodeModel did not throw');
    };

    it('truncated', () => {
      expect(fails(good.subarray(0, 20)).message).toMatch(/truncated: 20 bytes/);
      expect(fails(good.subarray(0, good.length - 100)).message).toMatch(/corrupt or truncated: its SHA-256 checksum/);
    });

    it('corrupt (one flipped bit anywhere)', () => {
      for (const at of [20, Math.floor(good.length / 2), good.length - 40, good.length - 1]) {
        const bad = good.slice();
        bad[at] ^= 0x10;
        expect(fails(bad).message).toMatch(/checksum does not match/);
      }
    });

    it('wrong magic bytes (not a snapshot at all)', () => {
      const bad = good.slice();
      bad.set(Buffer.from('PK\x03\x04'), 0);
      expect(fails(bad).message).toMatch(/not a Marquee model snapshot/);
      expect(fails(new TextEncoder().encode('{"algorithm":"svd"}'.padEnd(80))).message).toMatch(/not a Marquee/);
    });

    it('another format version', () => {
      const bad = good.slice();
      new DataView(bad.buffer).setUint32(8, SNAPSHOT_VERSION + 1, true);
      expect(fails(bad).message).toMatch(
        new RegExp(`format version ${SNAPSHOT_VERSION + 1}; this build reads version ${SNAPSHOT_VERSION} only`),
      );
    });

    it('trained on the same ratings in another order: other inner ids, same counts and mean', () => {
      const ratings: Array<{ user: string; item: string; rating: number }> = [];
      ts.forEachRating((u, i, r) => ratings.push({ user: ts.rawUser(u), item: ts.rawItem(i), rating: r }));
      const reordered = Trainset.fromRatings([...ratings].reverse(), ts.scale);
      expect([reordered.nUsers, reordered.nRatings, reordered.globalMean]).toEqual([ts.nUsers, ts.nRatings, ts.globalMean]);
      expect(fails(good, reordered).message).toMatch(/trained on a different trainset: the same counts and mean, but other ratings/);
    });

    it('trained on another trainset (fingerprint)', () => {
      expect(fails(good, other).message).toMatch(/trained on a different trainset: .*nRatings|globalMean/);
    });

    it('an algorithm this build cannot create', () => {
      const e = fails(good, ts, () => {
        throw new Error('unknown algorithm "nmf"');
      });
      expect(e.message).toMatch(/cannot be recreated: unknown algorithm "nmf"/);
    });

    it('state that does not fit the recreated model (never half-loaded)', () => {
      let made: Algorithm | undefined;
      const e = fails(good, ts, (name, params) => {
        made = create(name, { ...params, n_factors: 4 });
        return made;
      });
      expect(e.message).toMatch(/does not restore: nmf: state "p" must have 100 entries for this trainset, got 75/);
      expect(made?.fitted).toBe(false);
    });

    it('an unfitted model cannot be saved', () => {
      expect(() => encodeModel(svdDescriptor.create())).toThrow(/cannot snapshot svd: it is not fitted/);
    });
  });

  it('is generic over state(): scalars of every kind and every typed array survive', () => {
    class Toy extends Algorithm {
      readonly name = 'toy';
      saved: ModelState = {};
      constructor() {
        super({ k: 3, label: 'x', flag: true });
      }
      fit(t: Trainset): this {
        this.ts = t;
        this.saved = {
          nan: NaN,
          inf: -Infinity,
          negZero: -0,
          pi: Math.PI,
          text: 'hé',
          yes: false,
          none: null,
          f64: Float64Array.from([1.5, NaN, -0]),
          f32: Float32Array.from([0.1, 2]),
          i32: Int32Array.from([-7, 2147483647]),
          u8: Uint8Array.from([0, 255, 9]),
          empty: new Float64Array(0),
        };
        return this;
      }
      estimate(): Estimate {
        return { value: 3 };
      }
      estimateFor(): Estimate {
        return { value: 3 };
      }
      scoreAll(_p: Profile, out: Float64Array): void {
        out.fill(3);
      }
      state(): ModelState {
        return this.saved;
      }
      restore(t: Trainset, s: ModelState): void {
        stateArray(this.name, s, 'u8', Uint8Array, 3);
        this.ts = t;
        this.saved = s;
      }
    }
    const toy = new Toy().fit(ts);
    const back = decodeModel(encodeModel(toy), ts, () => new Toy()) as Toy;
    const s = back.saved;
    expect(Number.isNaN(s.nan)).toBe(true);
    expect(s.inf).toBe(-Infinity);
    expect(Object.is(s.negZero, -0)).toBe(true);
    expect(s).toMatchObject({ pi: Math.PI, text: 'hé', yes: false, none: null });
    expect(s.f64).toBeInstanceOf(Float64Array);
    expect(Object.is((s.f64 as Float64Array)[2], -0)).toBe(true);
    expect(Array.from(s.f32 as Float32Array)).toEqual(Array.from(Float32Array.from([0.1, 2])));
    expect(Array.from(s.i32 as Int32Array)).toEqual([-7, 2147483647]);
    expect(Array.from(s.u8 as Uint8Array)).toEqual([0, 255, 9]);
    expect((s.empty as Float64Array).length).toBe(0);
    expect(back.params).toEqual({ k: 3, label: 'x', flag: true });
  });
});

describe("the training worker's fresh snapshot (ownFreshSnapshot)", () => {
  it('loads without copying: the same predictions, state arrays viewing the handed-over bytes', () => {
    const algo = svdDescriptor.create({ n_factors: 4, random_state: 1 }).fit(ts);
    const bytes = encodeModel(algo);
    const loaded = decodeModel(bytes, Trainset.fromParts(ts.toParts()), create, { ownFreshSnapshot: true });
    for (const [u, i] of allPairs(ts)) expect(loaded.predict(u, i)).toEqual(algo.predict(u, i));
    const arrays = Object.values(loaded.state()).filter((v) => ArrayBuffer.isView(v));
    expect(arrays.length).toBeGreaterThan(0);
    for (const a of arrays) expect((a as Float32Array).buffer).toBe(bytes.buffer);
  });

  it('still refuses another trainset by its counts', () => {
    const bytes = encodeModel(svdDescriptor.create({ n_factors: 2 }).fit(ts));
    const smaller = lowRankTrainset({ nUsers: 24, nItems: 20, rank: 2, density: 0.5, noise: 0.3, seed: 4 });
    expect(() => decodeModel(bytes, smaller, create, { ownFreshSnapshot: true })).toThrow(/was trained on a different trainset: nUsers 25 in the snapshot, 24 here/);
  });
});
