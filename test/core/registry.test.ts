import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineParams, ParamError, resolveParams, type ParamSpecs } from '../../src/core/algorithm.ts';
import { svdDescriptor } from '../../src/core/algorithms/svd.ts';
import { ALIASES, algorithmNames, createAlgorithm, parseAlgorithmSpec } from '../../src/core/registry.ts';
import { Trainset } from '../../src/core/trainset.ts';

describe('algorithms by name', () => {
  it("knows Surprise's family under stable kebab-case names", () => {
    expect(algorithmNames()).toEqual([
      'normal', 'baseline', 'knn-basic', 'knn-means', 'knn-zscore', 'knn-baseline',
      'svd', 'svdpp', 'nmf', 'slope-one', 'co-clustering', 'popular', 'ease', 'ease-side', 'ials', 'item-knn', 'pure-svd', 'als-import',
    ]);
  });

  it("parses name:key=value,… with Surprise's parameter names", () => {
    expect(parseAlgorithmSpec('knn-basic:user_based=false,name=pearson')).toEqual({
      name: 'knn-basic',
      params: { user_based: 'false', name: 'pearson' },
    });
    const algo = createAlgorithm('svd:n_factors=5,n_epochs=3');
    expect(algo.params).toMatchObject({ n_factors: 5, n_epochs: 3, lr_all: 0.005, reg_all: 0.02 });
  });

  it('expands the bot\'s friendly aliases, and lets given parameters override them', () => {
    expect(parseAlgorithmSpec('knn-item')).toEqual(parseAlgorithmSpec(ALIASES['knn-item']));
    expect(parseAlgorithmSpec('knn-user:k=10').params).toMatchObject({ user_based: 'true', name: 'pearson_baseline', k: '10' });
  });

  it('refuses unknown names and parameters, naming what is accepted', () => {
    expect(() => createAlgorithm('svdd')).toThrow(/unknown algorithm "svdd"; accepted: normal, baseline, .*knn-user, knn-item/);
    expect(() => createAlgorithm('svd:factors=3')).toThrow(/svd has no parameter "factors"; accepted: .*n_factors/);
    expect(() => createAlgorithm('svd:n_factors')).toThrow(/is not key=value/);
    expect(() => createAlgorithm('svd:n_factors=2,n_factors=3')).toThrow(/given twice/);
    expect(() => createAlgorithm('')).toThrow(ParamError);
  });

  it('refuses values out of range: negative factors, k = 0, a zero learning rate, an unknown similarity', () => {
    expect(() => createAlgorithm('svd:n_factors=-1')).toThrow(/n_factors must be at least 1/);
    expect(() => createAlgorithm('knn-basic:k=0')).toThrow(/k must be at least 1/);
    expect(() => createAlgorithm('svd:lr_all=0')).toThrow(/lr_all must be greater than 0/);
    expect(() => createAlgorithm('knn-basic:name=jaccard')).toThrow(/name must be one of cosine, msd, pearson, pearson_baseline/);
    expect(() => createAlgorithm('svd:random_state=-3')).toThrow(/random seed.*0 to 4294967295/);
  });

  it('every algorithm refuses to fit an empty trainset, naming the problem', () => {
    const empty = Trainset.fromRatings([]);
    for (const name of algorithmNames()) {
      expect(() => createAlgorithm(name).fit(empty), name).toThrow(/empty trainset|no ratings/);
    }
  });
});

describe('parameter validation', () => {
  const specs: ParamSpecs = {
    n: { type: 'int', default: 3, min: 1, max: 10 },
    rate: { type: 'float', default: 0.5, min: 0, exclusiveMin: true },
    fast: { type: 'bool', default: false },
    kind: { type: 'choice', default: 'a', choices: ['a', 'b'] },
  };

  it('fills defaults and coerces strings as typed on a command line', () => {
    expect(resolveParams('demo', specs, {})).toEqual({ n: 3, rate: 0.5, fast: false, kind: 'a' });
    expect(resolveParams('demo', specs, { n: '7', rate: '0.1', fast: 'yes', kind: 'B' })).toEqual({ n: 7, rate: 0.1, fast: true, kind: 'b' });
  });

  it('says which parameter is wrong and what it accepts', () => {
    expect(() => resolveParams('demo', specs, { n: '2.5' })).toThrow('demo: parameter n must be a whole number, got "2.5"');
    expect(() => resolveParams('demo', specs, { n: 11 })).toThrow('demo: parameter n must be at most 10, got 11');
    expect(() => resolveParams('demo', specs, { rate: '' })).toThrow('demo: parameter rate must be a number, got ""');
    expect(() => resolveParams('demo', specs, { fast: 'maybe' })).toThrow('demo: parameter fast must be true or false, got "maybe"');
    expect(() => resolveParams('demo', specs, { other: 1 })).toThrow('demo has no parameter "other"; accepted: n, rate, fast, kind');
  });
  it('gives each algorithm a typed params object, resolved from the same strings the bot reads', () => {
    const specs = defineParams({
      n_factors: { type: 'int', default: 100, min: 1 },
      biased: { type: 'bool', default: true },
      name: { type: 'choice', default: 'msd', choices: ['cosine', 'msd'] },
    });
    const p = resolveParams('demo', specs, { n_factors: '12', biased: 'false', name: 'COSINE' });
    expectTypeOf(p.n_factors).toEqualTypeOf<number>();
    expectTypeOf(p.biased).toEqualTypeOf<boolean>();
    expectTypeOf(p.name).toEqualTypeOf<'cosine' | 'msd'>();
    expect(p).toEqual({ n_factors: 12, biased: false, name: 'cosine' });

    const svd = svdDescriptor.create({ n_factors: '7', lr_all: '0.01' });
    expectTypeOf(svd.params.n_factors).toEqualTypeOf<number>();
    expect(svd.params.n_factors).toBe(7);
    // Surprise's rule: lr_bu not given takes lr_all
    expect(svd.params.lr_bu).toBe(0.01);
    const knn = createAlgorithm('knn-item');
    expect(knn.params).toMatchObject({ user_based: false, name: 'pearson_baseline', k: 40 });
  });
});

