/**
 * The Spark round trip, everything but Spark: the store's ratings exported for Spark, read back
 * exactly; Marquee's own ALS (iALS) trained on them and its factors written as Spark writes a
 * DataFrame; als-import serving those factors with the same scores and the same fold-in.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAlsFactors, createForTraining } from '../../src/bot/service/als-factors.ts';
import { main } from '../../src/cli/spark-export.ts';
import { ialsDescriptor, type Ials } from '../../src/core/algorithms/ials.ts';
import { Trainset } from '../../src/core/trainset.ts';
import { SparkExportError, writeSparkExport, type SparkExportManifest } from '../../src/data/spark-export.ts';
import type { Store } from '../../src/store/api.ts';
import { openStore } from '../../src/store/store.ts';
import { memberRawId, trainingColumns } from '../../src/store/training-data.ts';
import { tasteDataset } from '../bot/service/fixture.ts';
import { tempDir } from '../data/fixtures.ts';
import { factorRows, writeSparkAlsRun } from '../data/spark-layout.ts';

const NOW = new Date('2026-12-06T07:00:00Z');
let dir: string;
let dbPath: string;
let store: Store;

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(args, { stdout, stderr, env: { MARQUEE_DB: dbPath }, cwd: dir, now: () => NOW });
  return { code, out, err };
}

beforeAll(() => {
  dir = tempDir('marquee-spark-');
  dbPath = join(dir, 'marquee.db');
  store = openStore(dbPath);
  store.importDataset(tasteDataset());
  // three members: two science-fiction fans, one who rated a single movie
  const ada = store.member('console', 'ada');
  const bo = store.member('slack', 'U0BO');
  const cy = store.member('discord', '812345678901234567');
  store.rateMany(ada.id, [{ movieId: '100', rating: 5, ratedAt: 1_700_000_000_123 }, { movieId: '101', rating: 4.5 }, { movieId: '200', rating: 1 }]);
  store.rateMany(bo.id, [{ movieId: '102', rating: 5 }, { movieId: '103', rating: 4 }, { movieId: '300', rating: 3 }]);
  store.rate(cy.id, '201', 4);
});

afterAll(() => store.close());

function readCsv(path: string): Record<string, string>[] {
  return parse(readFileSync(path), { columns: true }) as Record<string, string>[];
}

describe('npm run spark:export → spark/train_als.py → als-import', () => {
  let manifest: SparkExportManifest;
  const out = () => join(dir, 'spark-in');

  it('exports the dataset\'s and the members\' ratings as Spark reads them, and reads back the same', async () => {
    const r = await run(['spark-in']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Exported 1,\d{3} ratings of taste-camps \(1,\d{3} from the dataset, 7 from 3 members\)/);
    expect(r.out).toContain('spark-submit spark/train_als.py --ratings');
    expect(readdirSync(out()).sort()).toEqual(['manifest.json', 'ratings.csv', 'users.csv']);
    manifest = JSON.parse(readFileSync(join(out(), 'manifest.json'), 'utf8')) as SparkExportManifest;
    expect(manifest).toMatchObject({
      format: 'marquee-spark-export',
      dataset: 'taste-camps',
      fingerprint: store.datasetInfo()!.fingerprint,
      memberRatings: 7,
      datasetUsers: 60,
      members: 3,
      memberUserIdOffset: 60,
      exportedAt: NOW.toISOString(),
    });
    expect(readFileSync(join(out(), 'ratings.csv'), 'utf8').split('\n')[0]).toBe('userId,movieId,rating,timestamp');

    // re-read: every row, in order, is the trainset's row; members map back through users.csv
    const rows = readCsv(join(out(), 'ratings.csv'));
    const idMap = new Map(readCsv(join(out(), 'users.csv')).map((r) => [r.userId, memberRawId(Number(r.memberId))]));
    expect(idMap.size).toBe(3);
    const cols = trainingColumns(store);
    expect(rows).toHaveLength(cols.ratings.length);
    expect(manifest.ratings).toBe(cols.ratings.length);
    rows.forEach((row, k) => {
      expect(idMap.get(row.userId) ?? row.userId).toBe(cols.users[k]);
      expect(row.movieId).toBe(cols.items[k]);
      expect(Math.fround(Number(row.rating))).toBe(cols.ratings[k]);
    });
    // the dataset has no timestamps (empty), members' are seconds
    expect(rows[0].timestamp).toBe('');
    expect(rows.find((r) => idMap.get(r.userId) === 'member:1' && r.movieId === '100')?.timestamp).toBe('1700000000');
  });

  it('serves iALS factors written in Spark\'s layout with iALS\'s own scores and fold-in', () => {
    const cols = trainingColumns(store);
    const ts = Trainset.fromColumns(cols, [0.5, 5]);
    const ials = ialsDescriptor.create({ n_factors: 6, n_epochs: 6, cg_steps: 0, reg: 1, alpha: 2 }) as Ials;
    ials.fit(ts);
    const { x, y } = ials.state() as { x: Float32Array; y: Float32Array };
    const sparkUser = (raw: string) => (raw.startsWith('member:') ? manifest.memberUserIdOffset + Number(raw.slice(7)) : Number(raw));
    const factors = writeSparkAlsRun(join(dir, 'spark-out'), {
      params: {
        trainer: 'marquee-ials (test)',
        weighting: 'ials',
        rank: 6,
        reg: 1,
        implicit: true,
        alpha: 2,
        export: { dataset: manifest.dataset, fingerprint: manifest.fingerprint, memberUserIdOffset: manifest.memberUserIdOffset, exportedAt: manifest.exportedAt },
      },
      users: factorRows(ts.rawUserIds().map(sparkUser), x, 6),
      items: factorRows(ts.rawItemIds().map(Number), y, 6),
    }, { parts: 3 });

    expect(checkAlsFactors(factors, store.datasetInfo()!.fingerprint, ['als-import'])).toMatch(/^[0-9a-f]{16}$/);
    const served = createForTraining('als-import', factors).fit(ts);
    const got = new Float64Array(ts.nItems);
    const want = new Float64Array(ts.nItems);
    for (let u = 0; u < ts.nUsers; u++) {
      served.scoreAll(ts.profileOf(u), got);
      ials.scoreAll(ts.profileOf(u), want);
      for (let i = 0; i < ts.nItems; i++) expect(Math.abs(got[i] - want[i]), `${ts.rawUser(u)} × ${ts.rawItem(i)}`).toBeLessThan(1e-6);
    }
    // a member who rated more since the export: folded in from their ratings now
    const now = ts.profileFromRaw([{ item: '100', rating: 5 }, { item: '104', rating: 4 }, { item: '105', rating: 5 }], 'member:1');
    expect(now.user).toBeUndefined();
    served.scoreAll(now, got);
    ials.scoreAll(now, want);
    for (let i = 0; i < ts.nItems; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-6);
  });

  it('refuses factors trained on another dataset\'s export, and als-import without a folder', () => {
    expect(() => checkAlsFactors(join(dir, 'spark-out'), 'another-fingerprint', [])).toThrow(/trained on an export of taste-camps .* but the store holds other data/);
    expect(() => checkAlsFactors(undefined, 'x', ['ease', 'als-import'])).toThrow(/set MARQUEE_ALS_FACTORS/);
    expect(checkAlsFactors(undefined, 'x', ['ease'])).toBeUndefined();
    expect(() => createForTraining('als-import', undefined)).toThrow(/set MARQUEE_ALS_FACTORS/);
  });

  it('refuses to export into a folder that holds files, and a store that is missing', async () => {
    writeFileSync(join(dir, 'spark-out', 'note.txt'), 'keep me');
    const r = await run(['spark-out']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/spark-out already holds files; export into a new folder\. Nothing was written\./);
    expect(readFileSync(join(dir, 'spark-out', 'note.txt'), 'utf8')).toBe('keep me');
    const missing = await main(['elsewhere'], { stdout: new PassThrough(), stderr: new PassThrough(), env: { MARQUEE_DB: join(dir, 'none.db') }, cwd: dir });
    expect(missing).toBe(1);
  });

  it('refuses ids Spark\'s ALS cannot take, leaving nothing behind', () => {
    const target = join(dir, 'bad-ids');
    expect(() =>
      writeSparkExport(target, {
        dataset: { name: 'odd', fingerprint: 'f', scale: [1, 5] },
        datasetRatings: { users: ['1', 'u2'], items: ['10', '11'], ratings: [4, 3], timestamps: [NaN, NaN] },
        memberRatings: [],
      }),
    ).toThrow(new SparkExportError('dataset rating 2: user id "u2" is not a whole number up to 2147483647; Spark\'s ALS needs integer ids'));
    expect(readdirSync(dir).filter((n) => n.includes('bad-ids'))).toEqual([]);
  });
});
