/**
 * cEASE served to members: Ann asks `/recommend algo:ease-side` of a bot that does not keep it
 * loaded; the training worker fits it with the catalogue's content rows, and her list is the one
 * core EaseSide ranks when fitted on the same ratings with the content model's TF-IDF rows. A
 * restart restores it from its snapshot without any content, a retrain (the worker reading the
 * store file) fits it again, and a bad parameter is refused before anything is trained.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LiveService } from '../../../src/bot/service.ts';
import type { RecommendResult } from '../../../src/bot/service-api.ts';
import { contentMovieOf } from '../../../src/bot/content-movies.ts';
import { scaleOf } from '../../../src/bot/service/generation.ts';
import { trainInWorker, type TrainJob, type Trainer } from '../../../src/bot/trainer.ts';
import { EaseSide } from '../../../src/core/algorithms/ease-side.ts';
import { evaluateTopN } from '../../../src/core/eval/topn.ts';
import { ContentModel } from '../../../src/core/content/model.ts';
import { rankItems, servingOptions } from '../../../src/core/rank.ts';
import { createAlgorithm } from '../../../src/core/registry.ts';
import { Trainset } from '../../../src/core/trainset.ts';
import type { Member, Store } from '../../../src/store/api.ts';
import { openStore } from '../../../src/store/store.ts';
import { trainingColumns } from '../../../src/store/training-data.ts';
import { evaluationRunner } from '../../../src/cli/start.ts';
import { canonicalSpec } from '../../../src/bot/service/algorithm-names.ts';
import { loadConfig } from '../../../src/config.ts';
import { freshStore, start, tasteDataset, tmp, until } from './fixture.ts';

const ANN: Array<[string, number]> = [['100', 5], ['101', 4.5], ['102', 4], ['103', 5], ['200', 1.5], ['300', 3], ['104', 4.5]];

/** What core EaseSide, fitted on `columns` with the content model's rows of `store`'s movies, ranks for `ratings`. */
function coreList(store: Store, columns: ReturnType<typeof trainingColumns>, ratings: ReadonlyArray<{ movieId: string; rating: number }>, n: number, params: Record<string, string> = {}): string[] {
  const content = ContentModel.build(store.movies().map(contentMovieOf));
  const model = new EaseSide({ rows: content.tfidf.matrix, rowOf: (id) => content.indexOf(id) }, params).fit(Trainset.fromColumns(columns, scaleOf(columns)));
  const ts = model.trainset;
  const profile = { items: Int32Array.from(ratings, (r) => ts.innerItem(r.movieId)!), ratings: Float32Array.from(ratings, (r) => r.rating) };
  return rankItems(model, profile, { ...servingOptions(model, 5), n }).map((p) => ts.rawItem(p.item));
}

const movies = (r: RecommendResult) => r.items.map((i) => i.movie.movieId);
const shown = (r: RecommendResult) => ({ algo: r.algo, items: r.items.map((i) => [i.movie.movieId, i.score, i.reason]) });

/** trainInWorker, keeping every job it was given. */
function recordingTrainer(jobs: TrainJob[]): Trainer {
  return (job, onModel) => {
    jobs.push(job);
    return trainInWorker(job, onModel);
  };
}

function rateAll(svc: LiveService, member: Member, ratings: Array<[string, number]>): void {
  for (const [id, r] of ratings) svc.rate(member, id, r);
}

describe('ease-side in the bot', () => {
  let store: Store;
  let svc: LiveService;
  let ann: Member;
  const jobs: TrainJob[] = [];
  /** the generation's ratings: the dataset, before Ann rated */
  let trainedOn: ReturnType<typeof trainingColumns>;

  beforeAll(async () => {
    store = freshStore('ease-side');
    trainedOn = trainingColumns(store);
    svc = await start(store, { algorithms: ['ease'], trainer: recordingTrainer(jobs) });
    await svc.ready;
    ann = svc.member('console', 'ann');
    rateAll(svc, ann, ANN);
  }, 120_000);

  afterAll(async () => {
    await svc?.close();
    store?.close();
  });

  it("Ann's /recommend algo:ease-side is trained on demand, and her list is core EaseSide's on the same ratings and content rows", async () => {
    const first = svc.recommend(ann, { algo: 'ease-side', n: 8 });
    expect(first.note).toMatch(/^training ease-side/);
    await until(() => svc.stats().loaded.includes('ease-side'), 'ease-side to load');
    // the lazy fit's job was given the columns, and the store file to read the catalogue from
    const lazy = jobs.find((j) => j.specs.includes('ease-side'))!;
    expect(lazy.columns).toBeDefined();
    expect(lazy.content).toEqual({ storePath: join(tmp, 'ease-side.db') });
    const res = svc.recommend(ann, { algo: 'ease-side', n: 8 });
    expect(res.algo).toBe('ease-side');
    expect(res.scoreKind).toBe('rank');
    expect(movies(res)).toEqual(coreList(store, trainedOn, svc.ratings(ann), 8));
    for (const item of res.items) expect(item.reason, item.movie.title).toMatch(/^because you rated /);
  }, 120_000);

  it('the content rows take part: ease-side scores her movies otherwise than ease', () => {
    const side = svc.recommend(ann, { algo: 'ease-side', n: 8 });
    const ease = svc.recommend(ann, { algo: 'ease', n: 8 });
    expect(shown(side).items.map((i) => i[1])).not.toEqual(shown(ease).items.map((i) => i[1]));
  });

  it('/compare shows ease-side beside ease, each list the one /recommend gives', () => {
    const cmp = svc.compare(ann, { algos: ['ease', 'Ease-Side'] });
    expect(cmp.lists.map((l) => l.algo)).toEqual(['ease', 'ease-side']);
    expect(shown(cmp.lists[1].result)).toEqual(shown(svc.recommend(ann, { algo: 'ease-side', n: 5 })));
  });

  it('a parameter goes through: ease-side:alpha=0 is plain EASE, by the scores', async () => {
    svc.recommend(ann, { algo: 'ease-side:alpha=0', n: 8 });
    await until(() => svc.stats().loaded.includes('ease-side:alpha=0'), 'ease-side:alpha=0 to load');
    const res = svc.recommend(ann, { algo: 'ease-side:alpha=0', n: 8 });
    expect(res.algo).toBe('ease-side:alpha=0');
    expect(res.items.map((i) => [i.movie.movieId, i.score])).toEqual(svc.recommend(ann, { algo: 'ease', n: 8 }).items.map((i) => [i.movie.movieId, i.score]));
  }, 120_000);

  it('ease-side:alpha=-1 is a clear error that trains nothing and changes nothing', () => {
    const jobsBefore = jobs.length;
    const loadedBefore = svc.stats().loaded;
    expect(() => svc.recommend(ann, { algo: 'ease-side:alpha=-1', n: 5 })).toThrow('ease-side: parameter alpha must be at least 0, got -1');
    expect(() => svc.recommend(ann, { algo: 'ease-side:alfa=30', n: 5 })).toThrow(/ease-side has no parameter "alfa"; accepted: lambda, .*alpha/);
    expect(() => svc.compare(ann, { algos: ['ease', 'ease-side:diag=sideways'] })).toThrow(/ease-side: parameter diag/);
    expect(jobs.length).toBe(jobsBefore);
    expect(svc.stats().loaded).toEqual(loadedBefore);
    expect(svc.stats().training).toEqual([]);
  });

  it('a retrain has the worker read the store file, and fits ease-side again on the ratings Ann added', async () => {
    const jobsBefore = jobs.length;
    await svc.retrain();
    const retrain = jobs.slice(jobsBefore).find((j) => j.specs.includes('ease-side'))!;
    expect(retrain.storePath).toBe(join(tmp, 'ease-side.db'));
    expect(retrain.columns).toBeUndefined();
    const res = svc.recommend(ann, { algo: 'ease-side', n: 8 });
    expect(res.algo).toBe('ease-side');
    expect(movies(res)).toEqual(coreList(store, trainingColumns(store), svc.ratings(ann), 8));
  }, 120_000);

  it('a bot configured with ease-side:alpha=-1 does not start, naming the parameter', async () => {
    await expect(start(store, { algorithms: ['ease', 'ease-side:alpha=-1'] })).rejects.toThrow('ease-side: parameter alpha must be at least 0, got -1');
  });
});

describe('ease-side configured (MARQUEE_ALGORITHMS), across a restart', () => {
  it('is trained at the first start, restored at the next without training or content, and Ann sees the same list', async () => {
    const store = freshStore('ease-side-restart');
    const jobs: TrainJob[] = [];
    const boot = async () => {
      const s = await start(store, { algorithms: ['ease', 'ease-side'], trainer: recordingTrainer(jobs) });
      await s.ready;
      return s;
    };
    let svc = await boot();
    expect(jobs.flatMap((j) => j.specs).sort()).toEqual(['ease', 'ease-side']);
    const ann = svc.member('console', 'ann');
    rateAll(svc, ann, ANN);
    // trained on her ratings too, so that the data at the restart is the data the snapshots hold
    await svc.retrain();
    expect(jobs).toHaveLength(2);
    const before = shown(svc.recommend(ann, { algo: 'ease-side', n: 8 }));
    expect(before.algo).toBe('ease-side');
    expect(before.items.map((i) => i[0])).toEqual(coreList(store, trainingColumns(store), svc.ratings(ann), 8));
    await svc.close();

    svc = await boot();
    try {
      expect(jobs).toHaveLength(2); // no training job: the snapshots answered, without any content
      expect(svc.stats().loaded).toContain('ease-side');
      expect(shown(svc.recommend(ann, { algo: 'ease-side', n: 8 }))).toEqual(before);
    } finally {
      await svc.close();
      store.close();
    }
  }, 120_000);
});

describe('ease-side on an in-memory store', () => {
  it('the job carries the movies (no file for the worker to open), and the list is core EaseSide\'s', async () => {
    const store = openStore(':memory:');
    store.importDataset(tasteDataset());
    const trainedOn = trainingColumns(store);
    const jobs: TrainJob[] = [];
    const svc = await start(store, { algorithms: ['ease-side'], trainer: recordingTrainer(jobs) });
    try {
      await svc.ready;
      expect(jobs).toHaveLength(1);
      const content = jobs[0].content!;
      expect('movies' in content && content.movies.map((m) => m.id)).toEqual(store.movies().map((m) => m.movieId));
      const ann = svc.member('console', 'ann');
      rateAll(svc, ann, ANN);
      expect(movies(svc.recommend(ann, { algo: 'ease-side', n: 8 }))).toEqual(coreList(store, trainedOn, svc.ratings(ann), 8));
    } finally {
      await svc.close();
      store.close();
    }
  }, 120_000);
});

/** The dataset's ratings as a store holds them before any member rated. */
function trainedOnDataset(): ReturnType<typeof trainingColumns> {
  const s = openStore(':memory:');
  s.importDataset(tasteDataset());
  try {
    return trainingColumns(s);
  } finally {
    s.close();
  }
}

// createAlgorithm is the registry's: ease-side is known there, and its fit asks for the content rows
describe('ease-side in the registry', () => {
  it('creates and validates, but an EaseSide without content rows refuses to fit, saying why', () => {
    const algo = createAlgorithm('ease-side:alpha=20');
    expect(algo.name).toBe('ease-side');
    expect(algo.params).toMatchObject({ alpha: 20, lambda: 100, diag: 'keep' });
    expect(() => createAlgorithm('ease-side:alpha=-1')).toThrow('ease-side: parameter alpha must be at least 0, got -1');
    const columns = trainedOnDataset();
    expect(() => algo.fit(Trainset.fromColumns(columns, scaleOf(columns)))).toThrow(/ease-side fits with every movie's content row/);
  });
});

describe('/evaluate ease,ease-side', () => {
  it("ranks ease-side as served: its HR@10 is core EaseSide's on the store's ratings with its movies' content rows", async () => {
    const store = freshStore('ease-side-evaluate');
    const svc = await start(store, { algorithms: ['ease'], evaluationRunner: evaluationRunner() });
    try {
      await svc.ready;
      const outcome = await svc.evaluate({ algos: ['ease', 'ease-side'] }, () => undefined);
      expect(outcome.rows.map((r) => r.algo).sort()).toEqual(['ease', 'ease-side', 'popular']);
      // the yardstick in this thread, with the content model's rows of the same movies
      const columns = trainingColumns(store);
      const content = ContentModel.build(store.movies().map(contentMovieOf));
      const features = { rows: content.tfidf.matrix, rowOf: (id: string) => content.indexOf(id) };
      const expected = await evaluateTopN(
        [{ name: 'ease-side', create: () => new EaseSide(features) }],
        { ratings: { ...columns, timestamps: new Float64Array(columns.ratings.length).fill(NaN) }, scale: scaleOf(columns) },
        { protocol: 'loo', n: 10, minItemRatings: 5, seed: 0 },
      );
      const row = outcome.rows.find((r) => r.algo === 'ease-side')!;
      expect(row.hitRate).toBe(expected.results.find((r) => r.algorithm === 'ease-side')!.hitRate.mean);
      expect(row['NDCG@10']).toBe(expected.results.find((r) => r.algorithm === 'ease-side')!.ndcg.mean);
      // the content took part: on these camps it ranks otherwise than ease (0.917 against 0.900)
      expect(row.hitRate).not.toBe(outcome.rows.find((r) => r.algo === 'ease')!.hitRate);
    } finally {
      await svc.close();
      store.close();
    }
  }, 120_000);

  it('on an in-memory store it is refused before anything runs, saying where to evaluate it', async () => {
    const store = openStore(':memory:');
    store.importDataset(tasteDataset());
    const svc = await start(store, { algorithms: ['ease'], evaluationRunner: evaluationRunner() });
    try {
      await svc.ready;
      await expect(svc.evaluate({ algos: ['ease', 'ease-side:alpha=20'] }, () => undefined)).rejects.toThrow(
        /^ease-side:alpha=20 cannot be evaluated here: its content rows are read from the store file .* npm run evaluate -- --topn --algos ease-side/,
      );
      expect(store.lastEvaluation()).toBeUndefined();
    } finally {
      await svc.close();
      store.close();
    }
  }, 120_000);
});

describe('MARQUEE_ALGORITHMS', () => {
  // checked as src/cli/start.ts checks it: every spec through canonicalSpec
  const load = (value: string) => loadConfig({ env: { MARQUEE_ALGORITHMS: value }, dotenvPath: null, checkAlgorithm: canonicalSpec });

  it('may list ease-side with its parameters beside ease', () => {
    expect(load('ease,ease-side:alpha=20,max_df=50').algorithms).toEqual(['ease', 'ease-side:alpha=20,max_df=50']);
  });

  it('refuses a bad ease-side parameter at start-up, naming it', () => {
    expect(() => load('ease,ease-side:alpha=-1')).toThrow('Configuration error: MARQUEE_ALGORITHMS="ease,ease-side:alpha=-1": ease-side: parameter alpha must be at least 0, got -1');
  });
});
