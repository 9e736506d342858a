import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/api.ts';
import { openStore } from '../../src/store/store.ts';

describe('snapshots', () => {
  it('saves and loads a model blob by name, byte for byte', () => {
    let clock = 500;
    const store = openStore(':memory:', { now: () => clock });
    // a view into the middle of a larger buffer: only the viewed bytes are saved
    const factors = new Float32Array([9, 0.25, -1.5, 3e-7, 9]);
    const blob = new Uint8Array(factors.buffer, 4, 12);
    store.saveSnapshot('svd', { key: 'abc|v3|k=100', blob });

    const got = store.loadSnapshot('svd')!;
    expect(got.key).toBe('abc|v3|k=100');
    expect(got.createdAt).toBe(500);
    expect(got.blob).toBeInstanceOf(Uint8Array);
    expect(Array.from(got.blob)).toEqual(Array.from(blob));
    expect(Array.from(new Float32Array(got.blob.slice().buffer))).toEqual([0.25, -1.5, Math.fround(3e-7)]);

    clock = 900;
    store.saveSnapshot('svd', { key: 'def', blob: new Uint8Array([1, 2, 3]) });
    expect(store.loadSnapshot('svd')).toEqual({ key: 'def', blob: new Uint8Array([1, 2, 3]), createdAt: 900 });
    expect(store.loadSnapshot('knn')).toBeUndefined();
    expect(() => store.saveSnapshot('', { key: 'k', blob: new Uint8Array(1) })).toThrow(StoreError);
    store.close();
  });
});

describe('evaluations', () => {
  it('keeps every report and returns the latest', () => {
    let clock = 1;
    const store = openStore(':memory:', { now: () => clock });
    expect(store.lastEvaluation()).toBeUndefined();
    store.saveEvaluation({ rmse: { svd: 0.874 }, folds: 5 });
    clock = 2;
    store.saveEvaluation({ rmse: { svd: 0.871, knn: 0.9 }, folds: 5 });
    expect(store.lastEvaluation()).toEqual({ report: { rmse: { svd: 0.871, knn: 0.9 }, folds: 5 }, createdAt: 2 });
    expect(() => store.saveEvaluation(undefined)).toThrow(/must be a JSON value/);
    store.close();
  });
});
