import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SparkFactorError, readSparkAls, readSparkAlsParams, readSparkFactorTable, sparkAlsDigest } from '../../src/data/spark-factors.ts';
import { tempDir } from './fixtures.ts';
import { javaFloat, writeSparkAlsRun, writeSparkJsonFolder, type FactorRow } from './spark-layout.ts';

const RANK = 3;
const rows: FactorRow[] = Array.from({ length: 25 }, (_, k) => ({
  id: k * 7 + 1,
  features: [k / 10 - 1, 0.000123 * (k + 1), -3.5 + k],
}));

const params = { trainer: 'spark-mllib-als 3.5.1', weighting: 'spark', rank: RANK, reg: 0.1, implicit: false, alpha: 1, iters: 10, seed: 1 };

function byId(t: { ids: Int32Array; factors: Float32Array }): Map<number, number[]> {
  return new Map(Array.from(t.ids, (id, k) => [id, Array.from(t.factors.subarray(k * RANK, k * RANK + RANK))]));
}

describe('reading factors as Spark writes them (a folder of part-*.json and _SUCCESS)', () => {
  it('reads every row from several part files in any order, skipping checksums, hidden files and empty partitions', () => {
    const dir = tempDir('spark-');
    writeSparkJsonFolder(dir, rows, { parts: 4 });
    expect(readdirSync(dir).filter((n) => n.endsWith('.crc'))).toHaveLength(6);
    const t = readSparkFactorTable(dir, RANK);
    expect(t.ids).toHaveLength(rows.length);
    const got = byId(t);
    for (const r of rows) expect(got.get(r.id)).toEqual(Array.from(Float32Array.from(r.features)));
  });

  it('prints floats as Java does, and reads them back to the same float32', () => {
    expect(javaFloat(1.5e-4)).toBe('1.5E-4');
    expect(javaFloat(-2)).toBe('-2.0');
    expect(javaFloat(0.25)).toBe('0.25');
    const dir = tempDir('spark-');
    writeFileSync(join(dir, 'part-00000-x-c000.json'), '{"id":3,"features":[1.2345678E-4,-1.0E7,0.5]}\n');
    writeFileSync(join(dir, '_SUCCESS'), '');
    expect(Array.from(readSparkFactorTable(dir, 3).factors)).toEqual(Array.from(Float32Array.of(1.2345678e-4, -1e7, 0.5)));
  });

  it('refuses a folder without _SUCCESS: the job did not finish', () => {
    const dir = tempDir('spark-');
    writeSparkJsonFolder(dir, rows, { success: false });
    expect(() => readSparkFactorTable(dir, RANK)).toThrow(/no _SUCCESS marker: the Spark job did not finish/);
  });

  it('refuses a row whose rank differs from params.json, naming the file and line', () => {
    const dir = tempDir('spark-');
    writeSparkJsonFolder(dir, rows, { parts: 1 });
    writeFileSync(join(dir, 'part-00009-x-c000.json'), '{"id":999,"features":[1,2,3]}\n{"id":1000,"features":[1,2]}\n');
    expect(() => readSparkFactorTable(dir, RANK)).toThrow(/part-00009-x-c000\.json, line 2: id 1000 has 2 features, but params.json says rank 3/);
  });

  it('refuses NaN (Spark writes it as the string "NaN") and ids that are not integers', () => {
    const dir = tempDir('spark-');
    writeFileSync(join(dir, '_SUCCESS'), '');
    writeFileSync(join(dir, 'part-00000-x-c000.json'), '{"id":1,"features":[0.1,"NaN",0.3]}\n');
    expect(() => readSparkFactorTable(dir, 3)).toThrow(/feature 1 of id 1 is "NaN", not a finite number/);
    writeFileSync(join(dir, 'part-00000-x-c000.json'), '{"id":"u1","features":[0.1,0.2,0.3]}\n');
    expect(() => readSparkFactorTable(dir, 3)).toThrow(/"id" must be an integer/);
    writeFileSync(join(dir, 'part-00000-x-c000.json'), '{"id":1,"features":[0.1,0.2,0.3]\n');
    expect(() => readSparkFactorTable(dir, 3)).toThrow(/line 1 is not JSON/);
  });

  it('refuses an id written twice, naming both places', () => {
    const dir = tempDir('spark-');
    writeSparkJsonFolder(dir, rows, { parts: 2 });
    writeFileSync(join(dir, 'part-00007-x-c000.json'), `{"id":${rows[3].id},"features":[1,2,3]}\n`);
    expect(() => readSparkFactorTable(dir, RANK)).toThrow(new RegExp(`id ${rows[3].id} appears twice \\(also .*part-0000[01].*line \\d+\\)`));
  });

  it('refuses compressed part files rather than skipping them', () => {
    const dir = tempDir('spark-');
    writeSparkJsonFolder(dir, rows);
    writeFileSync(join(dir, 'part-00005-x-c000.json.gz'), Buffer.from([0x1f, 0x8b]));
    expect(() => readSparkFactorTable(dir, RANK)).toThrow(/is compressed/);
  });

  it('reads a whole run, and checks params.json', () => {
    const dir = writeSparkAlsRun(tempDir('spark-'), { params, users: rows, items: rows.slice(0, 10) });
    const run = readSparkAls(dir);
    expect(run.params).toMatchObject({ rank: 3, reg: 0.1, implicit: false, alpha: 1, weighting: 'spark' });
    expect(run.users.ids).toHaveLength(25);
    expect(run.items.ids).toHaveLength(10);
    writeFileSync(join(dir, 'params.json'), JSON.stringify({ ...params, rank: 0 }));
    expect(() => readSparkAlsParams(dir)).toThrow(/"rank" must be a whole number from 1 to 4096, got 0/);
    writeFileSync(join(dir, 'params.json'), JSON.stringify({ ...params, weighting: 'ials' }));
    expect(() => readSparkAlsParams(dir)).toThrow(/"implicit" must be true for iALS factors/);
    rmSync(join(dir, 'params.json'));
    expect(() => readSparkAls(dir)).toThrow(SparkFactorError);
    expect(() => readSparkAls(dir)).toThrow(/params.json is missing/);
  });

  it("gives a run a digest that changes when Spark writes new part files", () => {
    const dir = writeSparkAlsRun(tempDir('spark-'), { params, users: rows, items: rows });
    const before = sparkAlsDigest(dir);
    expect(sparkAlsDigest(dir)).toBe(before);
    writeFileSync(join(dir, 'item_factors', 'part-00009-y-c000.json'), '');
    expect(sparkAlsDigest(dir)).not.toBe(before);
  });
});
