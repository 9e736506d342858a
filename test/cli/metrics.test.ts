import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { computeAll, formatMetrics, matchPredictions } from '../../src/cli/metrics.ts';
import type { RatingTable } from '../../src/data/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'marquee-metrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const truth: RatingTable = {
  users: ['1', '1', '2', '2'],
  items: ['10', '20', '10', '30'],
  ratings: Float32Array.from([4, 2, 5, 3]),
  timestamps: new Float64Array(4).fill(NaN),
};

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('matching a predictions file to the truth', () => {
  it('reads any header naming user, item and estimate columns, in any order, and keeps truth order', async () => {
    const p = file('named.csv', 'score,movieId,userId\n3.5,30,2\n4.5,10,1\n2.5,20,1\n4,10,2\n');
    const m = await matchPredictions(truth, 'truth.csv', p);
    expect(Array.from(m.est)).toEqual([4.5, 2.5, 4, 3.5]);
    expect(Array.from(m.rTrue)).toEqual([4, 2, 5, 3]);
  });

  it('reads a headerless user,item,estimate file, tab- or comma-separated', async () => {
    const tab = file('plain.tsv', '1\t10\t4\n1\t20\t2\n2\t10\t5\n2\t30\t3\n');
    expect(Array.from((await matchPredictions(truth, 't', tab)).est)).toEqual([4, 2, 5, 3]);
    const comma = file('plain.csv', '1,10,4\n1,20,2\n2,10,5\n2,30,3\n');
    const m = await matchPredictions(truth, 't', comma);
    expect(computeAll(m, 10, 3.5).metrics.rmse).toBe(0);
  });

  it('names the line of a prediction that does not fit', async () => {
    await expect(matchPredictions(truth, 't', file('dup.csv', 'user,item,estimate\n1,10,4\n1,10,3\n'))).rejects.toThrow(
      /dup\.csv, line 3: second prediction for user 1, item 10 \(first on line 2\)/,
    );
    await expect(matchPredictions(truth, 't', file('nan.csv', 'user,item,estimate\n1,10,\n'))).rejects.toThrow(/nan\.csv, line 2: estimate "" is not a number/);
    await expect(matchPredictions(truth, 't', file('cols.csv', 'user,item,estimate\n1,10\n'))).rejects.toThrow(/cols\.csv, line 2: expected 3 fields, found 2/);
    await expect(matchPredictions(truth, 't', file('what.csv', 'a,b,c,d\n1,10,4,5\n'))).rejects.toThrow(/what\.csv, line 1: cannot tell the columns/);
  });

  it('says how many true ratings have no prediction', async () => {
    await expect(matchPredictions(truth, 'truth.csv', file('few.csv', 'user,item,estimate\n1,10,4\n'))).rejects.toThrow(
      /few\.csv: no prediction for 3 of the 4 true ratings in truth\.csv \(first missing: user 1, item 20\)/,
    );
  });
});

describe('computeAll', () => {
  it('reports every metric, and an undefined one as n/a with the reason', async () => {
    const p = file('one.csv', 'user,item,estimate\n1,10,3\n1,20,3\n2,10,3\n2,30,3\n');
    const m = await matchPredictions(truth, 't', p);
    const r = computeAll(m, 5, 3.5);
    expect(Object.keys(r.metrics)).toEqual(['rmse', 'mse', 'mae', 'mape', 'fcp', 'precision@5', 'recall@5', 'ndcg@5', 'map@5']);
    expect(r.metrics.mae).toBeCloseTo((1 + 1 + 2 + 0) / 4, 12);
    // constant estimates: every pair with different true ratings is discordant
    expect(r.metrics.fcp).toBe(0);
    const text = formatMetrics({ truth: 't', predictions: 'p', n: 4, users: 2, k: 5, threshold: 3.5, ...r });
    expect(text).toMatch(/^RMSE\s+1\.2247$/m);
    expect(text).toMatch(/^MAPE %\s+\d+\.\d{2}$/m);
  });
});
