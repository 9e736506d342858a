/**
 * Ann's lists, whatever was computed ahead of her: the service warms every model's serving path
 * at start-up and after each retrain (a stand-in member), iALS keeps the last member's factored
 * system for the explanations, the hybrid its last member's parts. None of that may change what
 * she is shown: each list (movies, scores, reasons) is the one a twin service gives when asked
 * first, and the one the model itself ranks, and a new rating or a retrain gives a fresh list.
 */
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveService } from '../../../src/bot/service.ts';
import type { RecommendResult } from '../../../src/bot/service-api.ts';
import { scaleOf } from '../../../src/bot/service/generation.ts';
import { rankItems, servingOptions } from '../../../src/core/rank.ts';
import { createAlgorithm } from '../../../src/core/registry.ts';
import { Trainset } from '../../../src/core/trainset.ts';
import type { Member, Store } from '../../../src/store/api.ts';
import { openStore } from '../../../src/store/store.ts';
import { trainingColumns } from '../../../src/store/training-data.ts';
import { captureLogger, freshStore, start, tmp } from './fixture.ts';

const MODELS = ['ease', 'svd', 'knn-item', 'knn-user', 'ials', 'pure-svd', 'item-knn', 'slope-one', 'nmf', 'co-clustering', 'baseline'];
const ALL = [...MODELS, 'hybrid'];

const ANN: Array<[string, number]> = [['100', 5], ['101', 4.5], ['102', 4], ['103', 5], ['200', 1.5], ['300', 3], ['104', 4.5]];
const BOB: Array<[string, number]> = [['200', 5], ['201', 4.5], ['202', 5], ['100', 1], ['301', 3.5]];

const shown = (r: RecommendResult) => ({ algo: r.algo, note: r.note, items: r.items.map((i) => [i.movie.movieId, i.score, i.reason]) });

describe("a member's lists are the same whatever was warmed or cached before", () => {
  let store: Store;
  let twinStore: Store;
  let svc: LiveService;
  let twin: LiveService;
  let ann: Member;
  let twinAnn: Member;
  /** what the generation was trained on: the dataset, before any member rated */
  let trainedOn: ReturnType<typeof trainingColumns>;
  const warnings = captureLogger();

  beforeAll(async () => {
    store = freshStore('first-list');
    store.close();
    copyFileSync(join(tmp, 'first-list.db'), join(tmp, 'first-list-twin.db'));
    store = openStore(join(tmp, 'first-list.db'));
    twinStore = openStore(join(tmp, 'first-list-twin.db'));
    svc = await start(store, { algorithms: MODELS, logger: warnings.logger, maxLazyModels: 1 });
    twin = await start(twinStore, { algorithms: MODELS, maxLazyModels: 1 });
    await Promise.all([svc.ready, twin.ready]);
    trainedOn = trainingColumns(store);
    ann = svc.member('console', 'ann');
    twinAnn = twin.member('console', 'ann');
    for (const [id, r] of ANN) {
      svc.rate(ann, id, r);
      twin.rate(twinAnn, id, r);
    }
    // Bob rates on both (a retrain trains on him), but only the first service serves him
    const bob = svc.member('console', 'bob');
    const twinBob = twin.member('console', 'bob');
    for (const [id, r] of BOB) {
      svc.rate(bob, id, r);
      twin.rate(twinBob, id, r);
    }
    // on the first service every algorithm has served Bob, and Ann twice, before the lists compared
    for (const algo of ALL) {
      svc.recommend(ann, { algo, n: 8 });
      svc.recommend(bob, { algo, n: 8 });
    }
  }, 120_000);
  afterAll(async () => {
    await Promise.all([svc.close(), twin.close()]);
    store.close();
    twinStore.close();
  });

  it('warming up every model at start-up went through without a warning', () => {
    expect(warnings.lines.filter((l) => l.msg === 'warming up failed')).toEqual([]);
  });

  it.each(ALL)('%s: after Bob and after herself, Ann sees what a twin service shows her first', (algo) => {
    const mine = shown(svc.recommend(ann, { algo, n: 8 }));
    expect(mine.algo).toBe(algo);
    expect(mine.items.length).toBeGreaterThan(0);
    expect(mine).toEqual(shown(twin.recommend(twinAnn, { algo, n: 8 })));
  });

  it.each(MODELS)('%s: the movies are those the model, trained afresh on the same data, ranks for her ratings', (algo) => {
    const model = createAlgorithm(algo).fit(Trainset.fromColumns(trainedOn, scaleOf(trainedOn)));
    const ts = model.trainset;
    const profile = {
      items: Int32Array.from(svc.ratings(ann), (r) => ts.innerItem(r.movieId)!),
      ratings: Float32Array.from(svc.ratings(ann), (r) => r.rating),
    };
    const expected = rankItems(model, profile, { ...servingOptions(model, 5), n: 8 }).map((p) => ts.rawItem(p.item));
    expect(svc.recommend(ann, { algo, n: 8 }).items.map((i) => i.movie.movieId)).toEqual(expected);
  });

  it('a new rating, then a retrain, each give her a fresh list: the twin, told the same, agrees', async () => {
    const before = Object.fromEntries(ALL.map((algo) => [algo, shown(svc.recommend(ann, { algo, n: 8 }))]));
    svc.rate(ann, '201', 5);
    twin.rate(twinAnn, '201', 5);
    let changed = 0;
    for (const algo of ALL) {
      const after = shown(svc.recommend(ann, { algo, n: 8 }));
      if (JSON.stringify(after) !== JSON.stringify(before[algo])) changed++;
      expect(after, algo).toEqual(shown(twin.recommend(twinAnn, { algo, n: 8 })));
    }
    // a 5★ romance from a sci-fi fan moves most lists (the scores at least)
    expect(changed).toBeGreaterThan(ALL.length / 2);

    await Promise.all([svc.retrain(), twin.retrain()]);
    for (const algo of ALL) {
      expect(shown(svc.recommend(ann, { algo, n: 8 })), algo).toEqual(shown(twin.recommend(twinAnn, { algo, n: 8 })));
    }
    expect(warnings.lines.filter((l) => l.msg === 'warming up failed')).toEqual([]);
  }, 120_000);
});
