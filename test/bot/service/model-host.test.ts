/**
 * The bot restarts on a big dataset and retrains in the background as members rate. Its worker
 * reads every member's and movie's id, but the dataset's own ids, most of them, never change
 * between retrains and the live generation already holds them: only the members' ids and the
 * movies nobody rated cross back, and the new generation is the one a full send would give.
 */
import { describe, expect, it } from 'vitest';
import { ModelHost } from '../../../src/bot/service/model-host.ts';
import { isReadTail, trainInWorker, type TrainJob, type TrainOutcome, type Trainer } from '../../../src/bot/trainer.ts';
import { Trainset } from '../../../src/core/trainset.ts';
import type { Store } from '../../../src/store/api.ts';
import { trainingCodes } from '../../../src/store/training-data.ts';
import { captureLogger, freshStore, tasteDataset } from './fixture.ts';

/** The real trainer, noting each job and its outcome; `alter` may change the job or the outcome. */
function recordingTrainer(alter: { job?: (job: TrainJob) => TrainJob; outcome?: (o: TrainOutcome) => void } = {}) {
  const jobs: TrainJob[] = [];
  const outcomes: TrainOutcome[] = [];
  const trainer: Trainer = (job, onModel) => {
    jobs.push(job);
    const real = trainInWorker(alter.job ? alter.job(job) : job, onModel);
    const done = real.done.then((outcome) => {
      alter.outcome?.(outcome);
      outcomes.push(outcome);
      return outcome;
    });
    return { done, cancel: () => real.cancel() };
  };
  return { trainer, jobs, outcomes };
}

/** A model host over `store` keeping svd, as the service starts one. */
async function host(store: Store, trainer: Trainer) {
  const { logger, lines } = captureLogger();
  const h = new ModelHost({
    store,
    log: logger,
    fingerprint: store.datasetInfo()?.fingerprint ?? 'no-dataset',
    configured: ['svd'],
    maxLazyModels: 2,
    retrainAfter: 1000,
    retrainMinutes: 60,
    defaultSpec: () => 'svd',
    trainer,
    warm: () => [],
    swapped: () => undefined,
  });
  await h.start();
  return { h, lines };
}

/** The taste camps plus two releases nobody in the dataset rated ('400', '401'). */
function storeWithReleases(name: string): Store {
  const store = freshStore(name);
  const ds = tasteDataset();
  for (const id of ['400', '401']) ds.movies.push({ movieId: id, title: `Release ${id} (2025)`, displayTitle: `Release ${id}`, year: 2025, genres: ['Sci-Fi'] });
  store.importDataset(ds);
  return store;
}

/** What a generation of `h` serves: its members' and movies' ids, and svd's score of every pair. */
function served(h: ModelHost) {
  const { ts } = h.gen;
  const svd = h.gen.model('svd')!;
  const scores = ts.rawUserIds().flatMap((u) => ts.rawItemIds().map((i) => svd.predict(u, i).est));
  return { users: ts.rawUserIds(), items: ts.rawItemIds(), nRatings: ts.nRatings, scores };
}

describe("a retrain after a restart", () => {
  it("gets back from its worker only the members' ids and the unrated movies', and serves what a full send would", async () => {
    const store = storeWithReleases('held-ids');
    const me = store.member('console', 'me');
    store.rate(me.id, '100', 5);
    // the first start trains svd and saves it; the restart below loads it
    const first = await host(store, recordingTrainer().trainer);
    await first.h.close();

    const rec = recordingTrainer();
    const { h, lines } = await host(store, rec.trainer);
    expect(rec.jobs).toEqual([]); // svd came from its snapshot
    // after the restart: a new member, and a member's rating of a release nobody else rated
    const ann = store.member('console', 'ann');
    store.rate(ann.id, '201', 4);
    store.rate(me.id, '401', 4.5);
    await h.retrain();

    const dataset = { fingerprint: store.datasetInfo()!.fingerprint, users: 60, items: 30 };
    expect(rec.jobs.map((j) => j.heldIds)).toEqual([dataset]);
    const read = rec.outcomes[0].read!;
    expect(isReadTail(read) && read.idsFrom).toEqual(dataset);
    expect(isReadTail(read) && [read.userTail, read.itemTail]).toEqual([[`member:${me.id}`, `member:${ann.id}`], ['401', '400']]);
    expect(lines.find((l) => l.msg === 'retrained')?.obj).toMatchObject({ idsHeld: 90 });
    // the generation's lists are the store's, and so the next retrain can again hold them
    const here = trainingCodes(store);
    expect(h.gen.columns && 'userCodes' in h.gen.columns && [h.gen.columns.userIds, h.gen.columns.itemIds, h.gen.columns.dataset]).toEqual([here.userIds, here.itemIds, dataset]);
    const local = Trainset.fromCoded(here, [0.5, 5]);
    expect(h.gen.ts.rawUserIds()).toEqual(local.rawUserIds());
    expect(h.gen.ts.rawItemIds()).toEqual(local.rawItemIds());
    expect(h.gen.ts.innerItem('400')).toBeDefined();
    const held = served(h);
    await h.close();

    // the same retrain with every id sent: the very same generation
    const full = recordingTrainer({ job: ({ heldIds: _, ...job }) => job });
    const other = await host(store, full.trainer);
    await other.h.retrain();
    expect(isReadTail(full.outcomes[0].read!)).toBe(false);
    expect(other.h.gen.version).toBe(h.gen.version);
    expect(served(other.h)).toEqual(held);
    await other.h.close();
    store.close();
  });

  it('after a re-import (another dataset) is sent every id, then holds the new dataset\'s for the next', async () => {
    const store = storeWithReleases('held-ids-reimport');
    const me = store.member('console', 'me');
    store.rate(me.id, '100', 5);
    const rec = recordingTrainer();
    const { h } = await host(store, rec.trainer);
    const oldMark = { fingerprint: store.datasetInfo()!.fingerprint, users: 60, items: 30 };
    // the dataset grows by a user while the bot runs (its ids shift: ds user 61 comes before the members)
    const ds = tasteDataset();
    for (const [movie, r] of [['100', 4], ['200', 2]] as const) {
      ds.ratings.users.push('61');
      ds.ratings.items.push(movie);
      ds.ratings.ratings = Float32Array.from([...ds.ratings.ratings, r]);
      ds.ratings.timestamps = Float64Array.from([...ds.ratings.timestamps, NaN]);
    }
    store.importDataset(ds);
    const newMark = { fingerprint: store.datasetInfo()!.fingerprint, users: 61, items: 30 };
    expect(newMark.fingerprint).not.toBe(oldMark.fingerprint);
    await h.retrain();

    const retrainJob = rec.jobs.at(-1)!;
    expect(retrainJob.heldIds).toEqual(oldMark);
    const read = rec.outcomes.at(-1)!.read!;
    expect(isReadTail(read)).toBe(false);
    const here = trainingCodes(store);
    expect(here.userIds.at(-2)).toBe('61');
    expect(h.gen.columns && 'userCodes' in h.gen.columns && h.gen.columns.dataset).toEqual(newMark);
    expect(h.gen.ts.rawUserIds()).toEqual(Trainset.fromCoded(here, [0.5, 5]).rawUserIds());
    expect(h.gen.model('svd')!.predict('61', '100').est).toBeGreaterThan(0);

    // the next retrain holds the new dataset's ids
    store.rate(me.id, '101', 4);
    await h.retrain();
    expect(rec.jobs.at(-1)!.heldIds).toEqual(newMark);
    const next = rec.outcomes.at(-1)!.read!;
    expect(isReadTail(next) && next.userTail).toEqual([`member:${me.id}`]);
    expect(h.gen.ts.rawUserIds()).toEqual(Trainset.fromCoded(trainingCodes(store), [0.5, 5]).rawUserIds());
    await h.close();
    store.close();
  });

  it('is dropped with the reason when what the worker left out is not what the generation holds', async () => {
    const store = storeWithReleases('held-ids-mismatch');
    const me = store.member('console', 'me');
    store.rate(me.id, '100', 5);
    // a worker that claims to have left out one id more than it was told the main thread holds
    const rec = recordingTrainer({
      outcome: (o) => {
        if (o.read && isReadTail(o.read)) o.read.idsFrom = { ...o.read.idsFrom, users: o.read.idsFrom.users + 1 };
      },
    });
    const { h, lines } = await host(store, rec.trainer);
    const before = h.gen;
    store.rate(me.id, '101', 4);
    await h.retrain();
    expect(lines).toContainEqual({
      level: 'error',
      msg: 'the retrain is dropped',
      obj: { err: expect.stringMatching(/left out 61 \+ 30 ids of dataset \w+, but the held columns have 60 \+ 30 ids of dataset \w+/) },
    });
    // the generation answering is the one before, never one over misplaced ids
    expect(h.gen).toBe(before);
    expect(lines.some((l) => l.msg === 'retrained')).toBe(false);
    await h.close();
    store.close();
  });
});
