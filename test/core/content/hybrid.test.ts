import { describe, expect, it } from 'vitest';
import { Algorithm, type Estimate, type ModelState } from '../../../src/core/algorithm.ts';
import { Trainset, type Profile } from '../../../src/core/trainset.ts';
import { ContentModel, type ContentMovie } from '../../../src/core/content/model.ts';
import { HybridRecommender, minMaxNormalise, rankNormalise } from '../../../src/core/content/hybrid.ts';

/** A tiny collaborative stand-in: every member gets each item's mean rating. */
class ItemMean extends Algorithm {
  readonly name = 'item-mean';
  private means: Float64Array = new Float64Array(0);
  constructor() {
    super({});
  }
  fit(ts: Trainset): this {
    this.ts = ts;
    this.means = ts.itemMeans();
    return this;
  }
  estimate(_u: number, i: number): Estimate {
    return i >= 0 && i < this.means.length ? { value: this.means[i] } : { impossible: 'Item is unknown.' };
  }
  estimateFor(_p: Profile, i: number): Estimate {
    return this.estimate(-1, i);
  }
  scoreAll(_p: Profile, out: Float64Array): void {
    out.set(this.means);
  }
  state(): ModelState {
    return { means: this.means };
  }
  restore(ts: Trainset): void {
    this.fit(ts);
  }
}

const movies: ContentMovie[] = [
  { id: '1', title: 'Toy Story (1995)', genres: ['Adventure', 'Animation', 'Children', 'Comedy'], tags: ['pixar'] },
  { id: '3114', title: 'Toy Story 2 (1999)', genres: ['Adventure', 'Animation', 'Children', 'Comedy'], tags: ['pixar'] },
  { id: '2355', title: "Bug's Life, A (1998)", genres: ['Adventure', 'Animation', 'Children', 'Comedy'], tags: ['pixar'] },
  { id: '260', title: 'Star Wars: Episode IV - A New Hope (1977)', genres: ['Action', 'Adventure', 'Sci-Fi'] },
  { id: '1196', title: 'Star Wars: Episode V - The Empire Strikes Back (1980)', genres: ['Action', 'Adventure', 'Sci-Fi'] },
  { id: '296', title: 'Pulp Fiction (1994)', genres: ['Comedy', 'Crime', 'Drama', 'Thriller'] },
  { id: '42', title: '' },
];

// The trainset knows '1', '3114', '260', '1196', '296' and 'x' (a movie without text);
// it does not know '2355' or '42'. Item means: 1 → 4, 3114 → 3, 260 → 5, 1196 → 4.5, 296 → 2, x → 4.75.
const ratings: Array<[string, string, number]> = [
  ['u1', '1', 4], ['u2', '1', 4],
  ['u1', '3114', 3], ['u2', '3114', 3],
  ['u1', '260', 5], ['u2', '260', 5],
  ['u1', '1196', 4.5], ['u2', '1196', 4.5],
  ['u1', '296', 2], ['u2', '296', 2],
  ['u1', 'x', 4.5], ['u2', 'x', 5],
];
const ts = Trainset.fromRatings(ratings.map(([user, item, rating]) => ({ user, item, rating })), [0.5, 5]);
const cf = new ItemMean().fit(ts);
const content = ContentModel.build(movies);
const member = [{ movieId: '1', rating: 5 }, { movieId: '260', rating: 2 }];

describe('hybrid recommendations', () => {
  it('blend both sides and fall back to the one that can answer for each movie', () => {
    const res = new HybridRecommender(content, cf).recommend({ ratings: member, n: 10 });
    expect(res.ok).toBe(true);
    expect(res.sides).toEqual({ content: true, cf: true });
    const byId = new Map(res.items.map((h) => [h.id, h]));
    expect(byId.get('3114')?.source).toBe('both');
    expect(byId.get('2355')?.source).toBe('content'); // not in the trainset
    expect(byId.get('x')?.source).toBe('cf'); // no text
    expect(byId.has('1')).toBe(false); // rated
    expect(byId.has('42')).toBe(false); // neither side can score it
    expect(byId.get('2355')?.becauseOf).toBe('1');
    const scores = res.items.map((h) => h.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('computes the blend from min-max normalised scores with the given weight', () => {
    const res = new HybridRecommender(content, cf, { weight: 0.25 }).recommend({ ratings: member, n: 10 });
    const hit = res.items.find((h) => h.id === '3114')!;
    // cf over the candidates 3114, 1196, 296, x: min 2, max 5 (260 is rated) → max is 4.75
    const cfNorm = (3 - 2) / (4.75 - 2);
    const contentScores = res.items.filter((h) => h.content !== undefined).map((h) => h.content!);
    const allContent = [...contentScores];
    const cNorm = (hit.content! - Math.min(...allContent)) / (Math.max(...allContent) - Math.min(...allContent));
    expect(hit.cf).toBe(3);
    expect(hit.score).toBeCloseTo(0.25 * cNorm + 0.75 * cfNorm, 12);
  });

  it('follows one side alone at weight 1 or 0', () => {
    // Toy Story 2 also shares the words "toy story" with the liked Toy Story
    const contentOnly = new HybridRecommender(content, cf, { weight: 1 }).recommend({ ratings: member, n: 10 });
    expect(contentOnly.items.map((h) => h.id).slice(0, 2)).toEqual(['3114', '2355']);
    expect(contentOnly.items.every((h) => h.source !== 'cf')).toBe(true);
    const cfOnly = new HybridRecommender(content, cf, { weight: 0 }).recommend({ ratings: member, n: 10 });
    expect(cfOnly.items.map((h) => h.id)).toEqual(['x', '1196', '3114', '296']);
    expect(cfOnly.items.every((h) => h.source === 'cf')).toBe(true);
  });

  it('serves a member unknown to the collaborative model from content alone', () => {
    const res = new HybridRecommender(content, cf).recommend({ ratings: [{ movieId: '2355', rating: 5 }], n: 3 });
    expect(res.ok).toBe(true);
    expect(res.sides.cf).toMatch(/none of the rated movies is in the ratings/);
    expect(res.items.every((h) => h.source === 'content')).toBe(true);
    // Toy Story and Toy Story 2 have the same document ("2" is too short to be a token): a tie,
    // broken by raw id
    expect(res.items.slice(0, 2).map((h) => h.id)).toEqual(['1', '3114']);
    expect(res.items[0].score).toBe(res.items[1].score);
  });

  it('serves a member whose movies have no text from the collaborative side alone', () => {
    const res = new HybridRecommender(content, cf).recommend({ ratings: [{ movieId: 'x', rating: 5 }], n: 2 });
    expect(res.sides.content).toMatch(/none of the rated movies has any text features/);
    expect(res.items.map((h) => [h.id, h.source])).toEqual([['260', 'cf'], ['1196', 'cf']]);
  });

  it('says so when neither side can answer', () => {
    const res = new HybridRecommender(content, cf).recommend({ ratings: [{ movieId: '42', rating: 4 }], n: 5 });
    expect(res).toMatchObject({ ok: false, items: [], reason: expect.stringMatching(/^no recommendation possible: /) });
  });

  it('normalises by rank when asked, and refuses bad settings', () => {
    const res = new HybridRecommender(content, cf, { normalise: 'rank' }).recommend({ ratings: member, n: 20, exclude: new Set(['x']) });
    expect(res.items.map((h) => h.id)).not.toContain('x');
    expect(res.items.every((h) => h.score >= 0 && h.score <= 1)).toBe(true);
    expect(() => new HybridRecommender(content, cf, { weight: 1.5 })).toThrow(/weight must be a number in \[0, 1\], got 1.5/);
    expect(() => new HybridRecommender(content, cf, { normalise: 'z' as never })).toThrow(/'minmax' or 'rank'/);
  });
});

describe('score normalisation', () => {
  it('min-max maps to [0, 1], keeps NaN, and gives 0.5 when every value is equal', () => {
    expect(Array.from(minMaxNormalise([2, NaN, 4, 3]))).toEqual([0, NaN, 1, 0.5]);
    expect(Array.from(minMaxNormalise([7, 7]))).toEqual([0.5, 0.5]);
  });

  it('rank maps to [0, 1] with tied values sharing their mean rank', () => {
    expect(Array.from(rankNormalise([10, 30, 20, 20, NaN]))).toEqual([0, 1, 0.5, 0.5, NaN]);
    expect(Array.from(rankNormalise([3]))).toEqual([0.5]);
  });
});
