import { describe, expect, it } from 'vitest';
import { Trainset } from '../../src/core/trainset.ts';
import { Rng } from '../../src/core/rng.ts';
import {
  computeSimilarities,
  DEFAULT_SIMILARITY_OPTIONS,
  F64_MAX_ENTRIES,
  similarityRowForProfile,
  type SimilarityName,
  type SimilarityOptions,
} from '../../src/core/similarity.ts';
import { computeBaselines } from '../../src/core/baselines.ts';
import { fourUsers } from './algorithms/small-ratings.ts';

/**
 *        x  y  z
 *   A    4  2  5
 *   B    5  1  .
 *   C    1  5  2
 *   D    3  .  .
 */
const fixture = fourUsers;

const opts = (name: SimilarityName, more: Partial<SimilarityOptions> = {}): SimilarityOptions => ({
  ...DEFAULT_SIMILARITY_OPTIONS,
  name,
  ...more,
});

describe('similarities between users on their common items', () => {
  const ts = fixture();
  const [A, B, C, D] = ['A', 'B', 'C', 'D'].map((u) => ts.innerUser(u) as number);

  it('msd: 1 / (mean squared difference + 1)', () => {
    const sim = computeSimilarities(ts, opts('msd'));
    expect(sim.get(A, B)).toBeCloseTo(1 / (((4 - 5) ** 2 + (2 - 1) ** 2) / 2 + 1), 15);
    expect(sim.get(A, C)).toBeCloseTo(1 / ((9 + 9 + 9) / 3 + 1), 15);
    expect(sim.get(C, B)).toBeCloseTo(1 / 17, 15);
    expect(sim.get(D, A)).toBeCloseTo(1 / (1 + 1), 15);
    expect(sim.get(B, B)).toBe(1);
  });

  it('cosine: Σab / sqrt(Σa² Σb²)', () => {
    const sim = computeSimilarities(ts, opts('cosine'));
    expect(sim.get(A, B)).toBeCloseTo(22 / Math.sqrt(20 * 26), 15);
    expect(sim.get(A, C)).toBeCloseTo(24 / Math.sqrt(45 * 30), 15);
    expect(sim.get(B, C)).toBeCloseTo(10 / 26, 15);
  });

  it('pearson: centred on the means over the common support', () => {
    const sim = computeSimilarities(ts, opts('pearson'));
    expect(sim.get(A, B)).toBeCloseTo(1, 15); // (4,2) vs (5,1): both decrease
    expect(sim.get(A, C)).toBeCloseTo((3 * 24 - 11 * 8) / Math.sqrt((3 * 45 - 121) * (3 * 30 - 64)), 15);
    expect(sim.get(B, C)).toBeCloseTo(-1, 15);
    expect(sim.get(A, D)).toBe(0); // one common item: zero denominator
  });

  it('pearson_baseline: correlation of residuals, shrunk by (n-1)/(n-1+shrinkage)', () => {
    const zero = { bu: new Float64Array(4), bi: new Float64Array(3) };
    const mu = 28 / 9; // nine ratings summing to 28
    const a = [4 - mu, 2 - mu];
    const b = [5 - mu, 1 - mu];
    const rho = (a[0] * b[0] + a[1] * b[1]) / Math.sqrt((a[0] ** 2 + a[1] ** 2) * (b[0] ** 2 + b[1] ** 2));
    const unshrunk = computeSimilarities(ts, opts('pearson_baseline', { shrinkage: 0 }), zero);
    expect(unshrunk.get(A, B)).toBeCloseTo(rho, 14);
    const shrunk = computeSimilarities(ts, opts('pearson_baseline'), zero);
    expect(shrunk.get(A, B)).toBeCloseTo((rho * 1) / (1 + 100), 14);
    // support 1 is below pearson_baseline's minimum of 2 even with min_support 1
    expect(shrunk.get(A, D)).toBe(0);
  });

  it('pearson_baseline uses the learned biases: r - (μ + b_item + b_user)', () => {
    const base = computeBaselines(ts);
    const mu = ts.globalMean;
    const items = ['x', 'y'].map((i) => ts.innerItem(i) as number);
    const res = (u: number, r: number[]) => r.map((v, k) => v - (mu + base.bi[items[k]] + base.bu[u]));
    const a = res(A, [4, 2]);
    const b = res(B, [5, 1]);
    const rho = (a[0] * b[0] + a[1] * b[1]) / Math.sqrt((a[0] ** 2 + a[1] ** 2) * (b[0] ** 2 + b[1] ** 2));
    const sim = computeSimilarities(ts, opts('pearson_baseline', { shrinkage: 0 }), base);
    expect(sim.get(A, B)).toBeCloseTo(rho, 12);
  });

  it('min_support zeroes pairs with fewer common ratings', () => {
    const sim = computeSimilarities(ts, opts('msd', { minSupport: 3 }));
    expect(sim.get(A, C)).toBeCloseTo(0.1, 15); // 3 in common
    expect(sim.get(A, B)).toBe(0); // 2 in common
  });
});

describe('similarities between items', () => {
  it('use the users who rated both items', () => {
    const ts = fixture();
    const [x, y, z] = ['x', 'y', 'z'].map((i) => ts.innerItem(i) as number);
    const sim = computeSimilarities(ts, opts('msd', { userBased: false }));
    expect(sim.n).toBe(3);
    expect(sim.get(x, y)).toBeCloseTo(1 / ((4 + 16 + 16) / 3 + 1), 15);
    expect(sim.get(z, x)).toBeCloseTo(1 / ((1 + 1) / 2 + 1), 15);
    expect(sim.get(z, y)).toBeCloseTo(1 / ((9 + 9) / 2 + 1), 15);
  });
});

/** The textbook definitions over explicit common supports, to check the row kernels against. */
function bruteForce(ts: Trainset, o: SimilarityOptions, bu: Float64Array, bi: Float64Array): number[][] {
  const nX = o.userBased ? ts.nUsers : ts.nItems;
  const rows: Map<number, number>[] = [];
  const csr = o.userBased ? ts.byUser : ts.byItem;
  for (let x = 0; x < nX; x++) {
    const m = new Map<number, number>();
    for (let k = csr.indptr[x]; k < csr.indptr[x + 1]; k++) m.set(csr.indices[k], csr.values[k]);
    rows.push(m);
  }
  const mu = ts.globalMean;
  const out: number[][] = [];
  for (let a = 0; a < nX; a++) {
    out.push([]);
    for (let b = 0; b < nX; b++) {
      if (a === b) {
        out[a].push(1);
        continue;
      }
      const common = [...rows[a].keys()].filter((y) => rows[b].has(y));
      const n = common.length;
      const minSup = o.name === 'pearson_baseline' ? Math.max(2, o.minSupport) : o.minSupport;
      if (n === 0 || n < minSup) {
        out[a].push(0);
        continue;
      }
      let va = common.map((y) => rows[a].get(y) as number);
      let vb = common.map((y) => rows[b].get(y) as number);
      const sum = (v: number[]) => v.reduce((s, t) => s + t, 0);
      const dot = (p: number[], q: number[]) => sum(p.map((t, k) => t * q[k]));
      let s: number;
      if (o.name === 'msd') s = 1 / (sum(va.map((t, k) => (t - vb[k]) ** 2)) / n + 1);
      else if (o.name === 'cosine') s = dot(va, vb) / Math.sqrt(dot(va, va) * dot(vb, vb));
      else if (o.name === 'pearson') {
        const ma = sum(va) / n;
        const mb = sum(vb) / n;
        const ca = va.map((t) => t - ma);
        const cb = vb.map((t) => t - mb);
        const den = Math.sqrt(dot(ca, ca) * dot(cb, cb));
        s = den > 1e-12 ? dot(ca, cb) / den : 0;
      } else {
        const bx = o.userBased ? bu : bi;
        const by = o.userBased ? bi : bu;
        va = va.map((t, k) => t - (mu + by[common[k]] + bx[a]));
        vb = vb.map((t, k) => t - (mu + by[common[k]] + bx[b]));
        const den = Math.sqrt(dot(va, va) * dot(vb, vb));
        s = den > 0 ? ((dot(va, vb) / den) * (n - 1)) / (n - 1 + o.shrinkage) : 0;
      }
      out[a].push(s);
    }
  }
  return out;
}

function randomTrainset(seed: number, nUsers: number, nItems: number, density: number): Trainset {
  const rng = new Rng(seed);
  const ratings = [];
  for (let u = 0; u < nUsers; u++) {
    for (let i = 0; i < nItems; i++) {
      if (rng.random() < density) ratings.push({ user: `u${u}`, item: `i${i}`, rating: 0.5 * (1 + rng.int(10)) });
    }
  }
  rng.shuffle(ratings);
  return Trainset.fromRatings(ratings, [0.5, 5]);
}

describe('the packed row kernels agree with the definitions', () => {
  const ts = randomTrainset(7, 30, 25, 0.35);
  const base = computeBaselines(ts);
  for (const name of ['msd', 'cosine', 'pearson', 'pearson_baseline'] as const) {
    for (const userBased of [true, false]) {
      it(`${name}, ${userBased ? 'user' : 'item'}-based, min_support 3`, () => {
        const o = opts(name, { userBased, minSupport: 3 });
        const sim = computeSimilarities(ts, o, base);
        const want = bruteForce(ts, o, base.bu, base.bi);
        const row = new Float64Array(sim.n);
        for (let a = 0; a < sim.n; a++) {
          sim.rowInto(a, row);
          for (let b = 0; b < sim.n; b++) {
            expect(sim.get(a, b)).toBeCloseTo(want[a][b], 12);
            expect(row[b]).toBe(sim.get(a, b));
          }
        }
      });
    }
  }
});

describe("a live member's similarity to every user", () => {
  const ts = randomTrainset(11, 25, 20, 0.4);
  const base = computeBaselines(ts);
  for (const name of ['msd', 'cosine', 'pearson', 'pearson_baseline'] as const) {
    it(`${name}: a member with a trained user's ratings gets that user's row`, () => {
      const o = opts(name, { minSupport: 2 });
      const sim = computeSimilarities(ts, o, base);
      const u = 3;
      const p = ts.profileOf(u);
      const row = similarityRowForProfile(ts, o, p.items, p.ratings, { ...base, bMember: base.bu[u] });
      for (let v = 0; v < ts.nUsers; v++) if (v !== u) expect(row[v]).toBeCloseTo(sim.get(u, v), 12);
    });
  }

  it('is refused for item-based options', () => {
    expect(() => similarityRowForProfile(ts, opts('msd', { userBased: false }), new Int32Array(0), new Float32Array(0))).toThrow(
      /user_based/,
    );
  });
});

describe('storage', () => {
  it('keeps float64 for small catalogues and switches to float32 above the threshold', () => {
    const small = computeSimilarities(fixture(), opts('msd'));
    expect(small.packed.precision).toBe('float64');
    // a catalogue just above the threshold: items in a chain, each rated by two users
    const nItems = Math.ceil(Math.sqrt(2 * F64_MAX_ENTRIES)) + 2;
    const ratings = [];
    for (let i = 0; i < nItems; i++) {
      ratings.push({ user: `u${i}`, item: `i${i}`, rating: 1 + (i % 5) });
      ratings.push({ user: `u${i + 1}`, item: `i${i}`, rating: 1 + ((i + 2) % 5) });
    }
    const ts = Trainset.fromRatings(ratings);
    const big = computeSimilarities(ts, opts('msd', { userBased: false }));
    expect(big.packed.precision).toBe('float32');
    // items i0 and i1 share user u1 who gave 3 and 2: msd 1 → 0.5, exact in float32
    expect(big.get(0, 1)).toBe(0.5);
    expect(big.get(0, 2)).toBe(0);
  });
});
