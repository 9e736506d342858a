/**
 * The training worker hands its trainsets over with the models, so that a generation swap does
 * not index every rating again on the main thread.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isReadTail, postRead, receiveParts, receiveTrainsets, sendParts, trainInWorker, wholeRead, type TrainMessage, type TrainOutcome } from '../../src/bot/trainer.ts';
import { openStore } from '../../src/store/store.ts';
import { trainingCodes } from '../../src/store/training-data.ts';
import { tinyDataset } from '../store/fixtures.ts';
import { CoRating } from '../../src/bot/service/co-rating.ts';
import { chartOrderOf } from '../../src/bot/service/charts.ts';
import { communityOf } from '../../src/bot/service/community.ts';
import { Trainset } from '../../src/core/trainset.ts';
import { decodeModel } from '../../src/core/snapshot.ts';
import { describeAlgorithm } from '../../src/core/registry.ts';

describe('the training worker', () => {
  it("sends the trainset it fitted on and the community's, equal to what the main thread would build", async () => {
    // four dataset users and one member, whose ratings no movie has 3 members for (kept out of the community)
    const users: string[] = [];
    const items: string[] = [];
    const values: number[] = [];
    for (const [u, i, r] of [
      ['1', '10', 4], ['1', '20', 3], ['2', '10', 5], ['2', '30', 2], ['3', '20', 4], ['4', '10', 1],
      ['member:1', '10', 5], ['member:1', '30', 4],
    ] as const) {
      users.push(u);
      items.push(i);
      values.push(r);
    }
    const columns = { users, items, ratings: Float32Array.from(values) };
    const outcome = await trainInWorker({ columns, scale: [0.5, 5], specs: ['baseline'] }).done;
    expect(outcome.failures).toEqual([]);
    const local = Trainset.fromColumns(columns, [0.5, 5]);
    const built = receiveTrainsets(outcome.trainsets!, columns);
    const got = Trainset.fromParts(built.trainset);
    expect([got.nUsers, got.nItems, got.nRatings, got.globalMean]).toEqual([local.nUsers, local.nItems, local.nRatings, local.globalMean]);
    expect([...got.byItem.indices]).toEqual([...local.byItem.indices]);
    const community = Trainset.fromParts(built.community);
    const expected = communityOf(local);
    expect(community.nRatings).toBe(expected.nRatings);
    expect(community.nRatings).toBe(6); // the member's two ratings are left out
    // the co-rating residuals (baselines over every rating) come computed too
    const co = new CoRating(got, built.coRating);
    const here = new CoRating(local);
    expect(co.similarities(0, [1, 2])).toEqual(here.similarities(0, [1, 2]));
    expect([...built.communityCoRating.zItem]).toEqual([...new CoRating(expected).residuals().zItem]);
    // and the community's chart order, the one the main thread would compute
    expect(built.chart).toEqual(chartOrderOf(expected));
    // the model decodes onto the handed-over trainset without a check that hashes everything
    const model = decodeModel(outcome.models[0].bytes, got, (n, p) => describeAlgorithm(n).create(p), { ownFreshSnapshot: true });
    const checked = decodeModel(outcome.models[0].bytes, local, (n, p) => describeAlgorithm(n).create(p));
    expect(model.predict('2', '20').est).toBe(checked.predict('2', '20').est);
  });

  it('sends ids the main thread holds as positions in its lists, and refuses a position beyond them', () => {
    const ts = Trainset.fromColumns({ users: ['7', 'member:2', '7'], items: ['30', '10', '10'], ratings: Float32Array.of(4, 3, 5) }, [0.5, 5]);
    const lists = { users: ['member:2', '9', '7'], items: ['10', '20', '30'] };
    const sent = sendParts(ts.toParts(), lists);
    expect('userAt' in sent.ids && [...sent.ids.userAt]).toEqual([2, 0]);
    expect(receiveParts(sent, lists).userRaw).toEqual(['7', 'member:2']);
    expect(receiveParts(sent, lists).itemRaw).toEqual(['30', '10']);
    expect(() => receiveParts(sent, { users: ['member:2'], items: lists.items })).toThrow(/member position 2, beyond the 1 ids/);
    expect(() => sendParts(ts.toParts(), { users: ['7'], items: lists.items })).toThrow(/member id member:2 .* not in the list/);
  });

  it('sends what it read with the id lists ahead in slices, a message each, and the arrays transferred last', async () => {
    const read = {
      columns: { userIds: ['1', '2', '3', 'member:1', 'member:2'], userCodes: Int32Array.of(0, 4), itemIds: ['10', '20'], itemCodes: Int32Array.of(1, 0), ratings: Float32Array.of(4, 2) },
      version: 3,
      readMs: 1,
    };
    const sent: Array<{ msg: TrainMessage; transfer: ArrayBuffer[] }> = [];
    await postRead((msg, transfer = []) => sent.push({ msg, transfer }), read, undefined, 2, 0);
    expect(sent.map(({ msg }) => (msg.kind === 'read-ids' ? `${msg.side}:${msg.ids.join(',')}` : msg.kind))).toEqual([
      'member:1,2',
      'member:3,member:1',
      'member:member:2',
      'movie:10,20',
      'read',
    ]);
    const last = sent[sent.length - 1];
    expect(last.msg.kind === 'read' && Object.keys(last.msg.read.columns).sort()).toEqual(['itemCodes', 'ratings', 'userCodes']);
    expect(last.transfer).toEqual([read.columns.userCodes.buffer, read.columns.itemCodes.buffer, read.columns.ratings.buffer]);
  });

  describe("given the dataset ids the main thread holds (a retrain's heldIds)", () => {
    // three dataset users and two movies lead the lists; the members and a new release follow
    const dataset = { fingerprint: 'abc', users: 3, items: 2 };
    const readOf = () => ({
      columns: {
        userIds: ['1', '2', '3', 'member:1', 'member:2'],
        userCodes: Int32Array.of(0, 4),
        itemIds: ['10', '20', '30'],
        itemCodes: Int32Array.of(1, 0),
        ratings: Float32Array.of(4, 2),
        keepUnratedItems: true,
        dataset,
      },
      version: 3,
      readMs: 1,
    });
    const postAll = async (heldIds: typeof dataset | undefined) => {
      const sent: TrainMessage[] = [];
      await postRead((msg) => sent.push(msg), readOf(), heldIds, 2, 0);
      return sent;
    };
    const idsIn = (sent: TrainMessage[]) => sent.map((msg) => (msg.kind === 'read-ids' ? `${msg.side}:${msg.ids.join(',')}` : msg.kind));

    it('sends only the ids after them, and says how many it left out', async () => {
      const sent = await postAll({ fingerprint: 'abc', users: 3, items: 2 });
      expect(idsIn(sent)).toEqual(['member:member:1,member:2', 'movie:30', 'read']);
      const last = sent.at(-1)!;
      expect(last.kind === 'read' && last.read.idsFrom).toEqual(dataset);
      // the rest of the read goes as before, its dataset mark with it
      expect(last.kind === 'read' && last.read.columns.dataset).toEqual(dataset);
      expect(last.kind === 'read' && last.read.columns.keepUnratedItems).toBe(true);
    });

    it('sends every id when they are another dataset, or the same one counted otherwise', async () => {
      for (const heldIds of [{ fingerprint: 'xyz', users: 3, items: 2 }, { fingerprint: 'abc', users: 2, items: 2 }, { fingerprint: 'abc', users: 3, items: 3 }, undefined]) {
        const sent = await postAll(heldIds);
        expect(idsIn(sent)).toEqual(['member:1,2', 'member:3,member:1', 'member:member:2', 'movie:10,20', 'movie:30', 'read']);
        const last = sent.at(-1)!;
        expect(last.kind === 'read' && 'idsFrom' in last.read).toBe(false);
      }
    });

    it('sends every id when the read carries no dataset mark (an empty store)', async () => {
      const read = readOf();
      const { dataset: _, ...unmarked } = read.columns;
      const sent: TrainMessage[] = [];
      await postRead((msg) => sent.push(msg), { ...read, columns: unmarked }, dataset, 10, 0);
      expect(idsIn(sent)).toEqual(['member:1,2,3,member:1,member:2', 'movie:10,20,30', 'read']);
    });

    it("is made whole on the main thread from the held columns' leading ids, and refuses columns that are not them", () => {
      const read = readOf();
      const held = { ...readOf().columns, userIds: ['1', '2', '3', 'member:1'], itemIds: ['10', '20'] };
      const { userIds: _u, itemIds: _i, ...arrays } = read.columns;
      const tail = { ...read, columns: arrays, idsFrom: dataset, userTail: ['member:1', 'member:2'], itemTail: ['30'] };
      const whole = wholeRead(tail, held);
      expect(whole.columns.userIds).toEqual(read.columns.userIds);
      expect(whole.columns.itemIds).toEqual(read.columns.itemIds);
      expect(whole.columns.dataset).toEqual(dataset);
      expect(whole.columns.userCodes).toBe(read.columns.userCodes);
      // a read that came whole is itself
      expect(wholeRead(read, undefined)).toBe(read);
      // never a generation over ids the worker did not build from
      const other = { ...held, dataset: { ...dataset, fingerprint: 'xyz' } };
      expect(() => wholeRead(tail, other)).toThrow(/left out 3 \+ 2 ids of dataset abc, but the held columns have 3 \+ 2 ids of dataset xyz/);
      expect(() => wholeRead(tail, { ...held, userIds: ['1', '2'] })).toThrow(/left out 3 \+ 2 ids of dataset abc/);
      const { dataset: _d, ...unmarked } = held;
      expect(() => wholeRead(tail, unmarked)).toThrow(/the held columns have no dataset ids/);
      expect(() => wholeRead(tail, undefined)).toThrow(/the held columns have no dataset ids/);
    });
  });

  describe('given the store file instead of the columns (a retrain)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-trainer-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    /** what the worker read, which (asked without heldIds) came whole */
    const wholeOf = (outcome: TrainOutcome) => wholeRead(outcome.read!, undefined);

    it('reads the ratings itself, in one moment with their version, and sends them back with the model', async () => {
      const store = openStore(join(dir, 'read.db'));
      store.importDataset(tinyDataset());
      const me = store.member('console', 'me');
      const someMovie = store.movies()[0].movieId;
      store.rate(me.id, someMovie, 4.5);
      const outcome = await trainInWorker({ storePath: store.path, specs: ['baseline'] }).done;
      expect(outcome.failures).toEqual([]);
      const read = wholeOf(outcome);
      expect(read.version).toBe(store.ratingsVersion());
      const here = trainingCodes(store);
      expect(read.columns.userIds).toEqual(here.userIds);
      expect([...read.columns.userCodes]).toEqual([...here.userCodes]);
      expect([...read.columns.itemCodes]).toEqual([...here.itemCodes]);
      expect([...read.columns.ratings]).toEqual([...here.ratings]);
      // the member's rating is in what the model was fitted on
      const got = Trainset.fromParts(receiveTrainsets(outcome.trainsets!, read.columns).trainset);
      expect(got.nRatings).toBe(here.ratings.length);
      expect(got.innerUser(`member:${me.id}`)).toBeDefined();
      expect(outcome.models.map((m) => m.spec)).toEqual(['baseline']);
      store.close();
    });

    it("hands over trainsets whose ids are the columns' own, and a model that scores every member as the one fitted on the store's data", async () => {
      const store = openStore(join(dir, 'ids.db'));
      // with a release nobody has rated: the trainset holds it, and its id travels as a position too
      const ds = tinyDataset();
      ds.movies.push({ ...ds.movies[0], movieId: '5', title: 'Dune (2021)', displayTitle: 'Dune', year: 2021 });
      store.importDataset(ds);
      const movies = store.movies().map((m) => m.movieId).filter((id) => id !== '5');
      for (const [k, name] of ['ann', 'bob', 'cy'].entries()) {
        const m = store.member('console', name);
        movies.slice(k, k + 4).forEach((movie, j) => store.rate(m.id, movie, 1 + ((j + k) % 5)));
      }
      const outcome = await trainInWorker({ storePath: store.path, specs: ['svd:n_epochs=3'] }).done;
      const here = trainingCodes(store);
      const local = Trainset.fromCoded(here, [0.5, 5]);
      const built = receiveTrainsets(outcome.trainsets!, wholeOf(outcome).columns);
      const got = Trainset.fromParts(built.trainset);
      // the same members and movies under the same inner ids, the community's too
      expect(got.rawUserIds()).toEqual(local.rawUserIds());
      expect(got.rawItemIds()).toEqual(local.rawItemIds());
      expect(got.rawItemIds().at(-1)).toBe('5');
      const community = Trainset.fromParts(built.community);
      expect(community.rawUserIds()).toEqual(communityOf(local).rawUserIds());
      expect(community.rawItemIds()).toEqual(communityOf(local).rawItemIds());
      // the swapped-in model (decoded onto the handed-over trainset) is the fitted one
      const create = (n: string, p: Record<string, unknown>) => describeAlgorithm(n).create(p);
      const swapped = decodeModel(outcome.models[0].bytes, got, create, { ownFreshSnapshot: true });
      const checked = decodeModel(outcome.models[0].bytes, Trainset.fromCoded(wholeOf(outcome).columns, got.scale), create);
      for (const u of local.rawUserIds()) for (const i of local.rawItemIds()) expect(swapped.predict(u, i).est).toBe(checked.predict(u, i).est);
      store.close();
    });

    it("sends back only the ids after the dataset's when the main thread holds those, and the whole read is what it fitted on", async () => {
      const store = openStore(join(dir, 'held.db'));
      const ds = tinyDataset();
      ds.movies.push({ ...ds.movies[0], movieId: '5', title: 'Dune (2021)', displayTitle: 'Dune', year: 2021 });
      store.importDataset(ds);
      const me = store.member('console', 'me');
      store.rate(me.id, '1', 4.5);
      const held = trainingCodes(store);
      expect(held.dataset).toEqual({ fingerprint: store.datasetInfo()!.fingerprint, users: 3, items: 4 });
      const outcome = await trainInWorker({ storePath: store.path, heldIds: held.dataset, specs: ['baseline'] }).done;
      const read = outcome.read!;
      expect(isReadTail(read) && read.idsFrom).toEqual(held.dataset);
      // only the member and the release nobody has rated crossed
      expect(isReadTail(read) && [read.userTail, read.itemTail]).toEqual([[`member:${me.id}`], ['5']]);
      const whole = wholeRead(read, held);
      expect(whole.columns.userIds).toEqual(held.userIds);
      expect(whole.columns.itemIds).toEqual(held.itemIds);
      // the leading ids are the held strings themselves, not copies
      expect(whole.columns.userIds[0]).toBe(held.userIds[0]);
      const got = Trainset.fromParts(receiveTrainsets(outcome.trainsets!, whole.columns).trainset);
      const local = Trainset.fromCoded(held, [0.5, 5]);
      expect(got.rawUserIds()).toEqual(local.rawUserIds());
      expect(got.rawItemIds()).toEqual(local.rawItemIds());
      store.close();
    });

    it('a store file it cannot read fails the job with the reason', async () => {
      const missing = join(dir, 'no-such.db');
      await expect(trainInWorker({ storePath: missing, specs: ['baseline'] }).done).rejects.toThrow(/no-such\.db/);
    });
  });

  it('fits several algorithms side by side, one worker each, into the very models one worker fits in turn', async () => {
    const users: string[] = [];
    const items: string[] = [];
    const values: number[] = [];
    for (let k = 0; k < 600; k++) {
      users.push(String(k % 37));
      items.push(String((k * 7) % 23));
      values.push(0.5 + (k % 10) / 2);
    }
    const job = { columns: { users, items, ratings: Float32Array.from(values) }, scale: [0.5, 5] as const, specs: ['baseline', 'svd:n_epochs=3', 'knn-item', 'no-such-algorithm'] };
    const alone = await trainInWorker(job, undefined, { maxWorkers: 1 }).done;
    const arrived: string[] = [];
    const together = await trainInWorker(job, (m) => arrived.push(m.spec), { maxWorkers: 2 }).done;
    // listed in the job's order whichever worker finished first; each arrived once
    expect(together.models.map((m) => m.spec)).toEqual(['baseline', 'svd:n_epochs=3', 'knn-item']);
    expect([...arrived].sort()).toEqual(['baseline', 'knn-item', 'svd:n_epochs=3']);
    together.models.forEach((m, k) => expect(Buffer.from(m.bytes).equals(Buffer.from(alone.models[k].bytes))).toBe(true));
    // the spec that cannot be fitted fails alone, with its reason, as it does in one worker
    expect(together.failures).toEqual(alone.failures);
    expect(together.failures.map((f) => f.spec)).toEqual(['no-such-algorithm']);
    // the trainsets come once, from the first worker, the same as one worker sends
    expect([...together.trainsets!.trainset.byUser.indices]).toEqual([...alone.trainsets!.trainset.byUser.indices]);
    expect([...together.trainsets!.community.byItem.values]).toEqual([...alone.trainsets!.community.byItem.values]);
  });
});

