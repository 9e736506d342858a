/**
 * A club whose factors come from Spark: the bot starts with MARQUEE_ALS_FACTORS, trains als-import
 * in its worker from that folder, and a member who joined after the export gets recommendations
 * from their own ratings.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveService } from '../../../src/bot/service.ts';
import { algorithmsToEvaluate } from '../../../src/bot/service/evaluation.ts';
import { trainInWorker, type Trainer } from '../../../src/bot/trainer.ts';
import { Trainset } from '../../../src/core/trainset.ts';
import type { Store } from '../../../src/store/api.ts';
import { trainingColumns } from '../../../src/store/training-data.ts';
import { sparkAlsReference } from '../../core/algorithms/spark-als-reference.ts';
import { factorRows, writeSparkAlsRun } from '../../data/spark-layout.ts';
import { freshStore, scifiIds, start, tmp, until } from './fixture.ts';

function sparkRun(store: Store, dir: string, fingerprint: string): string {
  // explicit ALS as Spark trains it (the test's plain reference: Spark cannot run here)
  const ts = Trainset.fromColumns(trainingColumns(store), [0.5, 5]);
  const { x, y } = sparkAlsReference(ts, 8, { implicit: false, reg: 0.1, alpha: 1, weighting: 'spark' }, 8);
  return writeSparkAlsRun(dir, {
    params: { trainer: 'spark-mllib-als', rank: 8, reg: 0.1, implicit: false, alpha: 1, export: { dataset: 'taste-camps', fingerprint, memberUserIdOffset: 60, exportedAt: '' } },
    users: factorRows(ts.rawUserIds().map(Number), x, 8),
    items: factorRows(ts.rawItemIds().map(Number), y, 8),
  });
}

describe('als-import in the bot', () => {
  let store: Store;
  let svc: LiveService;

  beforeAll(async () => {
    store = freshStore('als-import');
    const factors = sparkRun(store, join(tmp, 'als-factors'), store.datasetInfo()!.fingerprint);
    svc = await start(store, { algorithms: ['als-import'], alsFactors: factors });
    await svc.ready;
  }, 120_000);

  afterAll(async () => {
    await svc?.close();
    store?.close();
  });

  it('a member who joined after the export gets science fiction from three science-fiction fives and a romance one', async () => {
    const fan = svc.member('console', 'late-fan');
    for (const id of ['100', '101', '102']) svc.rate(fan, id, 5);
    svc.rate(fan, '200', 1);
    await until(() => svc.stats().loaded.includes('als-import'), 'als-import to load');
    const res = svc.recommend(fan, { algo: 'als-import', n: 5 });
    expect(res.algo).toBe('als-import');
    expect(res.scoreKind).toBe('rank');
    expect(res.items).toHaveLength(5);
    for (const item of res.items) expect(scifiIds.has(item.movie.movieId), item.movie.title).toBe(true);
    expect(res.items[0].reason).toMatch(/^because you rated /);
  });

  it('reloads its snapshot on restart, and trains again once Spark wrote new factors', async () => {
    const store2 = freshStore('als-import-restart');
    const factors = sparkRun(store2, join(tmp, 'als-factors-restart'), store2.datasetInfo()!.fingerprint);
    const trained: string[][] = [];
    const trainer: Trainer = (job, onModel) => {
      trained.push(job.specs);
      return trainInWorker(job, onModel);
    };
    const boot = async () => {
      const s = await start(store2, { algorithms: ['als-import'], alsFactors: factors, trainer });
      await s.ready;
      await s.close();
    };
    try {
      await boot();
      expect(trained).toEqual([['als-import']]);
      await boot(); // same data, same factors: the snapshot answers
      expect(trained).toHaveLength(1);
      // a new Spark run writes new part files: the snapshot of the old factors is not reused
      writeFileSync(join(factors, 'item_factors', 'part-00099-new-run-c000.json'), '');
      await boot();
      expect(trained).toEqual([['als-import'], ['als-import']]);
    } finally {
      store2.close();
    }
  }, 120_000);

  it('refuses to start with factors from another dataset\'s export', async () => {
    const other = freshStore('als-import-other');
    try {
      const factors = sparkRun(other, join(tmp, 'als-factors-other'), 'some-other-dataset');
      await expect(start(other, { algorithms: ['als-import'], alsFactors: factors })).rejects.toThrow(/trained on an export of taste-camps/);
    } finally {
      other.close();
    }
  });

  it('is not put on the /evaluate yardstick: Spark trained on the ratings it would hold out', () => {
    expect(() => algorithmsToEvaluate(['ease', 'als-import'])).toThrow(/als-import cannot be evaluated here: .*leak/);
    expect(algorithmsToEvaluate(['ease'])).toEqual(['ease']);
  });
});
