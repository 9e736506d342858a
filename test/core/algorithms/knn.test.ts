import { describe, expect, it } from 'vitest';
import { Trainset, type Profile } from '../../../src/core/trainset.ts';
import { ParamError, type Algorithm } from '../../../src/core/algorithm.ts';
import { computeBaselines } from '../../../src/core/baselines.ts';
import {
  knnBasicDescriptor,
  knnBaselineDescriptor,
  knnMeansDescriptor,
  knnSums,
  NeighbourHeap,
  knnZScoreDescriptor,
} from '../../../src/core/algorithms/knn.ts';
import { build, fourUsers, type Row } from './small-ratings.ts';
/** the matrix and its msd similarities are drawn in small-ratings.ts */
const fixture = fourUsers;

const mu = 28 / 9;
const std = (v: number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
};

const fitted = (d: { create(g?: Record<string, unknown>): Algorithm }, given: Record<string, unknown> = {}) => {
  const ts = fixture();
  return { ts, algo: d.create(given).fit(ts) };
};

const member = (ts: Trainset, u: string): Profile => {
  const p = ts.profileOf(ts.innerUser(u) as number);
  return { items: p.items.slice(), ratings: p.ratings.slice() };
};

describe('user-based kNN estimates (msd, k 40)', () => {
  it('KNNBasic: similarity-weighted mean of the raters of the item', () => {
    const { algo } = fitted(knnBasicDescriptor);
    expect(algo.predict('B', 'z').est).toBeCloseTo((0.5 * 5 + (1 / 17) * 2) / (0.5 + 1 / 17), 12);
    expect(algo.predict('D', 'z').est).toBeCloseTo((0.5 * 5 + 0.2 * 2) / 0.7, 12);
  });

  it('KNNBasic with k 1 keeps only the most similar rater', () => {
    const { algo } = fitted(knnBasicDescriptor, { k: 1 });
    expect(algo.predict('B', 'z').est).toBe(5);
  });

  it('KNNWithMeans: the user mean plus weighted deviations from the neighbours means', () => {
    const { algo } = fitted(knnMeansDescriptor);
    const want = 3 + (0.5 * (5 - 11 / 3) + (1 / 17) * (2 - 8 / 3)) / (0.5 + 1 / 17);
    expect(algo.predict('B', 'z').est).toBeCloseTo(want, 12);
  });

  it('KNNWithZScore: deviations scaled by each std; a user with one rating borrows the overall std', () => {
    const { algo } = fitted(knnZScoreDescriptor);
    const sA = std([4, 2, 5]);
    const sC = std([1, 5, 2]);
    const termA = (5 - 11 / 3) / sA;
    const termC = (2 - 8 / 3) / sC;
    const wantB = 3 + ((0.5 * termA + (1 / 17) * termC) / (0.5 + 1 / 17)) * std([5, 1]);
    expect(algo.predict('B', 'z').est).toBeCloseTo(wantB, 12);
    const overall = std([4, 2, 5, 5, 1, 1, 5, 2, 3]);
    const wantD = 3 + ((0.5 * termA + 0.2 * termC) / 0.7) * overall;
    expect(algo.predict('D', 'z').est).toBeCloseTo(wantD, 12);
  });

  it('KNNBaseline: baseline plus weighted residuals of the neighbours', () => {
    const { ts, algo } = fitted(knnBaselineDescriptor);
    const { bu, bi } = computeBaselines(ts);
    const [A, B, C] = ['A', 'B', 'C'].map((u) => ts.innerUser(u) as number);
    const z = ts.innerItem('z') as number;
    const base = (u: number) => mu + bu[u] + bi[z];
    const want = base(B) + (0.5 * (5 - base(A)) + (1 / 17) * (2 - base(C))) / (0.5 + 1 / 17);
    expect(algo.predict('B', 'z').est).toBeCloseTo(want, 12);
  });
});

describe('item-based kNN estimates (msd)', () => {
  it('KNNBasic: weighted mean of the user’s ratings of similar items', () => {
    const { algo } = fitted(knnBasicDescriptor, { user_based: false });
    expect(algo.predict('B', 'z').est).toBeCloseTo((0.5 * 5 + 0.1 * 1) / 0.6, 12);
  });

  it('KNNWithMeans: item mean plus weighted deviations from the other items means', () => {
    const { algo } = fitted(knnMeansDescriptor, { user_based: 'false' });
    const want = 3.5 + (0.5 * (5 - 13 / 4) + 0.1 * (1 - 8 / 3)) / 0.6;
    expect(algo.predict('B', 'z').est).toBeCloseTo(want, 12);
  });
});

describe('impossible predictions', () => {
  it('too few neighbours: KNNBasic falls back to the global mean and says why', () => {
    const { algo } = fitted(knnBasicDescriptor, { k: 5, min_k: 3 });
    const p = algo.predict('B', 'z');
    expect(p).toMatchObject({ wasImpossible: true, reason: 'Not enough neighbors.' });
    expect(p.est).toBeCloseTo(mu, 12);
  });

  it('too few neighbours: KNNWithMeans answers the user mean, not impossible', () => {
    const { algo } = fitted(knnMeansDescriptor, { k: 5, min_k: 3 });
    expect(algo.predict('B', 'z')).toMatchObject({ wasImpossible: false, est: 3 });
  });

  it('unknown user or item: impossible for KNNBasic/Means/ZScore, the known biases for KNNBaseline', () => {
    for (const d of [knnBasicDescriptor, knnMeansDescriptor, knnZScoreDescriptor]) {
      const { algo } = fitted(d);
      const p = algo.predict('nobody', 'x');
      expect(p).toMatchObject({ wasImpossible: true, reason: 'User and/or item is unknown.' });
      expect(p.est).toBeCloseTo(mu, 12);
      expect(algo.predict('A', 'unreleased').wasImpossible).toBe(true);
    }
    const { ts, algo } = fitted(knnBaselineDescriptor);
    const { bu, bi } = computeBaselines(ts);
    expect(algo.predict('nobody', 'x')).toMatchObject({ wasImpossible: false });
    expect(algo.predict('nobody', 'x').est).toBeCloseTo(mu + bi[ts.innerItem('x') as number], 12);
    expect(algo.predict('A', 'unreleased').est).toBeCloseTo(mu + bu[ts.innerUser('A') as number], 12);
  });
});

describe('neighbour selection', () => {
  it('takes the k largest first, ties going to the earlier candidate, then drops non-positive ones', () => {
    const sims = Float64Array.from([0.5, 0.9, 0.5, -1, 0.5]);
    const terms = Float64Array.from([10, 20, 30, 40, 50]);
    const out = new Float64Array(3);
    knnSums(5, sims, terms, 0, Int32Array.of(0, 1, 2, 3, 4), new NeighbourHeap(3), out);
    expect([...out]).toEqual([0.9 * 20 + 0.5 * 10 + 0.5 * 30, 0.9 + 0.5 + 0.5, 3]);
    knnSums(5, sims, terms, 0, Int32Array.of(0, 1, 2, 3, 4), new NeighbourHeap(10), out);
    expect(out[2]).toBe(4);
  });

  it('gives the same neighbours whatever order the candidates come in, given their positions', () => {
    const sims = Float64Array.from([0.5, 0.9, 0.5, -1, 0.5, 0.7, 0.5]);
    const terms = Float64Array.from([10, 20, 30, 40, 50, 60, 70]);
    const want = new Float64Array(3);
    knnSums(7, sims, terms, 0, Int32Array.of(0, 1, 2, 3, 4, 5, 6), new NeighbourHeap(4), want);
    const perm = [6, 3, 4, 0, 5, 2, 1];
    const got = new Float64Array(3);
    knnSums(
      7,
      Float64Array.from(perm.map((c) => sims[c])),
      Float64Array.from(perm.map((c) => terms[c])),
      0,
      Int32Array.from(perm),
      new NeighbourHeap(4),
      got,
    );
    expect(got[0]).toBeCloseTo(0.9 * 20 + 0.7 * 60 + 0.5 * 10 + 0.5 * 30, 12);
    expect(got[0]).toBeCloseTo(want[0], 12);
    expect([got[1], got[2]]).toEqual([want[1], want[2]]);
  });

  it('between two equally similar raters, the one who rated first wins', () => {
    const rows: Row[] = [
      ['E', 'q', 2],
      ['E', 'w', 1],
      ['F', 'q', 4],
      ['F', 'w', 5],
      ['G', 'q', 3],
    ];
    const first = knnBasicDescriptor.create({ k: 1 }).fit(build(rows));
    expect(first.predict('G', 'w').est).toBe(1);
    const swapped = knnBasicDescriptor.create({ k: 1 }).fit(build([rows[2], rows[3], rows[0], rows[1], rows[4]]));
    expect(swapped.predict('G', 'w').est).toBe(5);
  });
});

describe('predict clips to the rating scale', () => {
  it('a mean-centred estimate above 5 is reported as 5', () => {
    const ts = build([
      ['P', 'a', 5],
      ['P', 'b', 5],
      ['Q', 'a', 1],
      ['Q', 'c', 5],
    ]);
    const algo = knnMeansDescriptor.create().fit(ts);
    expect(algo.predict('P', 'c', NaN, false).est).toBeCloseTo(7, 12);
    expect(algo.predict('P', 'c').est).toBe(5);
  });
});

const allVariants = [knnBasicDescriptor, knnMeansDescriptor, knnZScoreDescriptor, knnBaselineDescriptor];
const configs = [
  { user_based: true },
  { user_based: false },
  { user_based: true, name: 'pearson_baseline' },
  { user_based: false, name: 'pearson' },
];

describe('live members (fold-in)', () => {
  for (const d of allVariants) {
    it(`${d.name}: a member with B's ratings gets B's estimates, item-based and user-based`, () => {
      for (const user_based of [false, true]) {
        const { ts, algo } = fitted(d, { user_based });
        const p = member(ts, 'B');
        const B = ts.innerUser('B') as number;
        for (let i = 0; i < ts.nItems; i++) {
          const want = algo.estimate(B, i);
          const got = algo.estimateFor(p, i);
          if (want.impossible !== undefined) expect(got.impossible).toBe(want.impossible);
          else expect(got.value).toBeCloseTo(want.value, 10);
        }
      }
    });
  }

  it('a member who rated something new is scored from their current ratings', () => {
    const { ts, algo } = fitted(knnBasicDescriptor, { user_based: false });
    const [x, z] = ['x', 'z'].map((i) => ts.innerItem(i) as number);
    // only x rated 2: every item is predicted 2 (one neighbour)
    const p: Profile = { items: Int32Array.of(x), ratings: Float32Array.of(2) };
    expect(algo.estimateFor(p, z).value).toBeCloseTo(2, 12);
    expect(algo.predictFor(p, 'z').est).toBeCloseTo(2, 12);
  });

  it('a member with no ratings is unknown (KNNBaseline: the item baseline)', () => {
    const empty: Profile = { items: new Int32Array(0), ratings: new Float32Array(0) };
    const { algo } = fitted(knnBasicDescriptor);
    expect(algo.estimateFor(empty, 0).impossible).toBe('User and/or item is unknown.');
    const out = new Float64Array(3);
    algo.scoreAll(empty, out);
    expect([...out].every(Number.isNaN)).toBe(true);
    const bl = fitted(knnBaselineDescriptor).algo;
    bl.scoreAll(empty, out);
    expect(out[0]).toBeCloseTo(bl.predict('nobody', bl.trainset.rawItem(0), NaN, false).est, 12);
  });

  it('recommend ranks unrated items by their scores', () => {
    const { ts, algo } = fitted(knnBasicDescriptor, { user_based: false });
    const recs = algo.recommend(ts.profileOf(ts.innerUser('B') as number), 5);
    expect(recs.map((r) => ts.rawItem(r.item))).toEqual(['z']);
    expect(recs[0].score).toBeCloseTo((0.5 * 5 + 0.1 * 1) / 0.6, 12);
  });
});

describe('support: how many neighbours each score rests on', () => {
  // D rated x only; msd D–A 1/2, D–B 1/5, D–C 1/5; items x–y 1/13, z–x 1/2, z–y 1/10
  const supports = (given: Record<string, unknown>, user: string) => {
    const { ts, algo } = fitted(knnBasicDescriptor, given);
    const out = new Float64Array(ts.nItems);
    const support = new Float64Array(ts.nItems);
    const kind = algo.scoreAllWithSupport(ts.profileOf(ts.innerUser(user) as number), out, support);
    return { kind, y: support[ts.innerItem('y') as number], z: support[ts.innerItem('z') as number] };
  };

  it('user-based: the similar members (among the k) who rated the movie', () => {
    // y was rated by A, B and C, all similar to D; z by A and C
    expect(supports({}, 'D')).toEqual({ kind: 'similar-members', y: 3, z: 2 });
    expect(supports({ k: 2 }, 'D')).toEqual({ kind: 'similar-members', y: 2, z: 2 });
  });

  it("item-based: the member's rated movies (among the k) similar to it", () => {
    // B rated x and y, both similar to z; D rated only x
    expect(supports({ user_based: false }, 'B').z).toBe(2);
    expect(supports({ user_based: false }, 'D')).toEqual({ kind: 'similar-movies', y: 1, z: 1 });
  });
});

describe('scoreAll agrees with estimate', () => {
  for (const d of allVariants) {
    for (const cfg of configs) {
      it(`${d.name} ${JSON.stringify(cfg)}`, () => {
        const { ts, algo } = fitted(d, cfg);
        const out = new Float64Array(ts.nItems);
        const withSupport = new Float64Array(ts.nItems);
        for (let u = 0; u < ts.nUsers; u++) {
          // counting support leaves the estimates exactly as they are
          algo.scoreAllWithSupport(ts.profileOf(u), withSupport, new Float64Array(ts.nItems));
          algo.scoreAll(ts.profileOf(u), out);
          expect(withSupport).toEqual(out);
          for (let i = 0; i < ts.nItems; i++) {
            const e = algo.estimate(u, i);
            if (e.impossible !== undefined) expect(out[i]).toBeNaN();
            else expect(out[i]).toBeCloseTo(e.value, 12);
          }
        }
      });
    }
  }
});

describe('with few neighbour slots and many ties (random integer ratings, k 3)', () => {
  // msd on integer ratings ties often, so this exercises the tie rule in both scoring paths
  const rows: Row[] = [];
  let seed = 12345;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let u = 0; u < 25; u++) {
    for (let i = 0; i < 30; i++) if (next() < 0.5) rows.push([`u${u}`, `i${(i * 7) % 30}`, 1 + Math.floor(next() * 5)]);
  }
  const ts = build(rows);
  for (const d of allVariants) {
    for (const user_based of [true, false]) {
      it(`${d.name}, ${user_based ? 'user' : 'item'}-based: scoreAll equals estimate item by item`, () => {
        const algo = d.create({ k: 3, user_based }).fit(ts);
        const out = new Float64Array(ts.nItems);
        for (let u = 0; u < ts.nUsers; u++) {
          algo.scoreAll(ts.profileOf(u), out);
          for (let i = 0; i < ts.nItems; i++) {
            const e = algo.estimate(u, i);
            if (e.impossible !== undefined) expect(out[i]).toBeNaN();
            else expect(out[i]).toBeCloseTo(e.value, 12);
          }
        }
      });
    }
  }
});

describe('state and restore', () => {
  for (const d of allVariants) {
    for (const cfg of configs) {
      it(`${d.name} ${JSON.stringify(cfg)}: a restored model predicts identically`, () => {
        const { ts, algo } = fitted(d, cfg);
        const copy = d.create(cfg);
        copy.restore(ts, algo.state());
        for (let u = 0; u < ts.nUsers; u++) {
          for (let i = 0; i < ts.nItems; i++) expect(copy.estimate(u, i)).toEqual(algo.estimate(u, i));
        }
      });
    }
  }

  it('refuses a state fitted with other options or another trainset', () => {
    const { ts, algo } = fitted(knnBasicDescriptor);
    expect(() => knnBasicDescriptor.create({ user_based: false }).restore(ts, algo.state())).toThrow(/user_based/);
    expect(() => knnMeansDescriptor.create().restore(ts, algo.state())).toThrow(/saved by "knn-basic"/);
    const other = build([['A', 'x', 1]]);
    expect(() => knnBasicDescriptor.create().restore(other, algo.state())).toThrow(/4 users × 3 items/);
  });
});

describe('parameters', () => {
  it('default to Surprise’s: k 40, min_k 1, msd, user-based, min_support 1, shrinkage 100, ALS', () => {
    expect(knnBaselineDescriptor.create().params).toEqual({
      k: 40,
      min_k: 1,
      name: 'msd',
      user_based: true,
      min_support: 1,
      shrinkage: 100,
      method: 'als',
      n_epochs: 10,
      reg_i: 10,
      reg_u: 15,
      reg: 0.02,
      learning_rate: 0.005,
    });
    expect(knnBaselineDescriptor.create({ method: 'sgd' }).params.n_epochs).toBe(20);
    expect(knnBasicDescriptor.create({ name: 'Pearson_Baseline' }).params.name).toBe('pearson_baseline');
  });

  it('are refused with the parameter named and what is accepted', () => {
    expect(() => knnBasicDescriptor.create({ k: 0 })).toThrow(/parameter k must be at least 1, got 0/);
    expect(() => knnBasicDescriptor.create({ name: 'jaccard' })).toThrow(
      /parameter name must be one of cosine, msd, pearson, pearson_baseline/,
    );
    expect(() => knnBaselineDescriptor.create({ reg_i: -1 })).toThrow(/parameter reg_i must be at least 0/);
    expect(() => knnBasicDescriptor.create({ min_k: 5, k: 3 })).toThrow(/min_k \(5\) must be at most k \(3\)/);
    expect(() => knnMeansDescriptor.create({ neighbours: 3 })).toThrow(/no parameter "neighbours"; accepted: k, min_k/);
    expect(() => knnMeansDescriptor.create({ user_based: 'sometimes' })).toThrow(ParamError);
  });

  it('an empty trainset cannot be fitted', () => {
    expect(() => knnBasicDescriptor.create().fit(build([]))).toThrow(/empty trainset/);
  });
});
