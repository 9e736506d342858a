/**
 * One serving rule, shared by /recommend and the top-N yardstick (core/rank.ts servingOptions):
 * rating predictors are shrunk by the movie's ratings, ranking models and the chart are served as
 * they score, and every one skips movies with fewer than MARQUEE_MIN_RATINGS ratings. The
 * yardstick's HR@10 is therefore a score of the very lists members are shown.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveService } from '../../../src/bot/service.ts';
import { evaluateTopN } from '../../../src/core/eval/topn.ts';
import { leaveOneOut, trainsetOf } from '../../../src/core/eval/splitters.ts';
import { rankItems, servingOptions } from '../../../src/core/rank.ts';
import { createAlgorithm } from '../../../src/core/registry.ts';
import { Trainset } from '../../../src/core/trainset.ts';
import type { Member, Store } from '../../../src/store/api.ts';
import { trainingColumns } from '../../../src/store/training-data.ts';
import { scaleOf } from '../../../src/bot/service/generation.ts';
import { freshStore, start, tasteDataset } from './fixture.ts';

describe('the serving rule of each kind of algorithm', () => {
  it('shrinks rating predictors and leaves ranking models and the chart as they score', () => {
    for (const name of ['svd', 'svdpp', 'knn-baseline', 'slope-one', 'nmf', 'co-clustering', 'baseline']) {
      expect(servingOptions({ name }, 5), name).toEqual({ minItemRatings: 5, shrink: true });
    }
    for (const name of ['ease', 'ials', 'item-knn', 'pure-svd', 'popular']) {
      expect(servingOptions({ name }, 5), name).toEqual({ minItemRatings: 5, shrink: false });
    }
  });
});

describe('/recommend serves what the yardstick measures', () => {
  let store: Store;
  let svc: LiveService;
  let fan: Member;

  beforeAll(async () => {
    store = freshStore('serving-rule');
    svc = await start(store, { algorithms: ['ease', 'knn-item'] });
    await svc.ready;
    fan = svc.member('console', 'fan');
    for (const [id, r] of [['100', 5], ['101', 4.5], ['102', 5], ['200', 1]] as const) svc.rate(fan, id, r);
  });
  afterAll(async () => {
    await svc.close();
    store.close();
  });

  it.each(['ease', 'knn-item'])('%s: the member gets the list rankItems gives under servingOptions', (algo) => {
    // the same model trained here on the same ratings (both are deterministic)
    const columns = trainingColumns(store);
    const model = createAlgorithm(algo).fit(Trainset.fromColumns(columns, scaleOf(columns)));
    const ts = model.trainset;
    const mine = svc.ratings(fan);
    const profile = {
      items: Int32Array.from(mine, (r) => ts.innerItem(r.movieId)!),
      ratings: Float32Array.from(mine, (r) => r.rating),
    };
    const expected = rankItems(model, profile, { ...servingOptions(model, 5), n: 8 }).map((p) => ts.rawItem(p.item));
    expect(svc.recommend(fan, { algo, n: 8 }).items.map((i) => i.movie.movieId)).toEqual(expected);
  });

  it('the yardstick ranks with the same rule: its HR@10 is recomputed from servingOptions lists', async () => {
    const data = tasteDataset();
    const ratings = data.ratings;
    const evalData = { ratings, scale: [0.5, 5] as [number, number] };
    const report = await evaluateTopN(['knn-item'], evalData, { protocol: 'loo', n: 10, minItemRatings: 5, seed: 0 });
    const [split] = [...leaveOneOut({ seed: 0, minRatings: 1 }).split(ratings)];
    const ts = trainsetOf(ratings, split.train, evalData.scale);
    const model = createAlgorithm('knn-item').fit(ts);
    let hits = 0;
    for (const j of split.test) {
      const u = ts.innerUser(ratings.users[j])!;
      const list = rankItems(model, ts.profileOf(u), { ...servingOptions(model, 5), n: 10 }).map((p) => p.item);
      if (list.includes(ts.innerItem(ratings.items[j]) ?? -1)) hits++;
    }
    expect(report.results.find((r) => r.algorithm === 'knn-item')!.hitRate.mean).toBeCloseTo(hits / split.test.length, 12);
  });
});
