/**
 * A retrain takes the training worker's trainsets over a slice of ids per event-loop turn (at
 * ml-32m shape the id Maps as one step held the loop 115–135 ms, reading the ids from the
 * positions the worker sends 42–61 ms more): the generation it ends with looks every member and
 * movie up exactly as one built in one step does.
 */
import { describe, expect, it } from 'vitest';
import { chartOrderOf } from '../../../src/bot/service/charts.ts';
import { CoRating } from '../../../src/bot/service/co-rating.ts';
import { communityOf } from '../../../src/bot/service/community.ts';
import { Generation } from '../../../src/bot/service/generation.ts';
import { sendParts, type BuiltTrainsets, type JobColumns, type SentTrainsets, type TrainColumns } from '../../../src/bot/trainer.ts';
import { Trainset } from '../../../src/core/trainset.ts';
import { codeRatings } from '../../../src/store/columns.ts';

/** Five dataset users and, with `member`, one member whose two ratings the community leaves out. */
function columnsOf(member: boolean): TrainColumns {
  const rows: Array<[string, string, number]> = [
    ['1', '10', 4], ['1', '20', 3], ['2', '10', 5], ['2', '30', 2], ['3', '20', 4], ['4', '10', 1], ['5', '40', 3],
  ];
  if (member) rows.splice(2, 0, ['member:1', '50', 5], ['member:1', '30', 4]);
  return { users: rows.map((r) => r[0]), items: rows.map((r) => r[1]), ratings: Float32Array.from(rows, (r) => r[2]) };
}

/** The trainsets a training worker builds for `columns` (trainer-worker.ts, without the thread), whole. */
function builtFrom(columns: JobColumns): { ts: Trainset; built: BuiltTrainsets } {
  const ts = 'userCodes' in columns ? Trainset.fromCoded(columns, [0.5, 5]) : Trainset.fromColumns(columns, [0.5, 5]);
  const community = communityOf(ts);
  const built: BuiltTrainsets = {
    trainset: ts.toParts(),
    community: community.toParts(),
    coRating: new CoRating(ts).residuals(),
    communityCoRating: new CoRating(community).residuals(),
    chart: chartOrderOf(community),
  };
  return { ts, built };
}

/**
 * What the worker sends of them: the trainset's ids as positions in coded columns' id lists (as
 * strings for string columns), the community's as positions in the trainset's.
 */
function sentFrom(columns: JobColumns): { ts: Trainset; built: BuiltTrainsets; sent: SentTrainsets } {
  const { ts, built } = builtFrom(columns);
  const lists = 'userCodes' in columns ? { users: columns.userIds, items: columns.itemIds } : undefined;
  const sent: SentTrainsets = {
    ...built,
    trainset: sendParts(built.trainset, lists),
    community: sendParts(built.community, { users: ts.rawUserIds(), items: ts.rawItemIds() }),
  };
  return { ts, built, sent };
}

/** Runs the take-over to its end, counting its steps. */
function takeOver(columns: JobColumns, sent: SentTrainsets, idsPerStep: number): { gen: Generation; steps: number } {
  const steps = Generation.takeOver(columns, sent, 7, 'fp', 0, idsPerStep);
  for (let n = 1; ; n++) {
    const step = steps.next();
    if (step.done) return { gen: step.value, steps: n };
  }
}

describe("a retrain taking over the worker's trainsets", () => {
  it('indexes at most a slice of ids per step, and every id is then found where it was', () => {
    const columns = columnsOf(true);
    const { ts, built, sent } = sentFrom(columns);
    const community = communityOf(ts);
    expect(community.nUsers).toBe(ts.nUsers - 1); // the member is left out: the community has its own ids
    const { gen, steps } = takeOver(columns, sent, 2);
    // a step per two ids of each list (members 6, movies 5, the community's 5 and 5: it keeps the
    // member's movie '50', with no rating, after the rated ones), then the generation
    expect(community.nItems).toBe(ts.nItems);
    expect(community.rawItemIds().at(-1)).toBe('50');
    expect(community.byItem.indptr[community.nItems] - community.byItem.indptr[community.nItems - 1]).toBe(0);
    expect(steps).toBe(3 + 3 + 3 + 3 + 1);
    for (const id of ts.rawUserIds()) expect(gen.ts.innerUser(id)).toBe(ts.innerUser(id));
    for (const id of ts.rawItemIds()) expect(gen.ts.innerItem(id)).toBe(ts.innerItem(id));
    for (const id of ts.rawUserIds()) expect(gen.community.innerUser(id)).toBe(community.innerUser(id));
    for (const id of ts.rawItemIds()) expect(gen.community.innerItem(id)).toBe(community.innerItem(id));
    expect(gen.community.innerUser('member:1')).toBeUndefined();
    expect(gen.ts.innerUser('member:1')).toBe(ts.innerUser('member:1'));
    expect(gen.ts.byUser.values).toBe(built.trainset.byUser.values); // taken over, not copied
    expect([gen.version, gen.fingerprint, gen.chartOrder]).toEqual([7, 'fp', built.chart]);
    expect(gen.communityCoRating.similarities(0, [1, 2])).toEqual(new CoRating(community).similarities(0, [1, 2]));
  });

  it("shares the trainset's id maps with the community when no member's rating is left out", () => {
    const columns = columnsOf(false);
    const { ts, sent } = sentFrom(columns);
    const { gen, steps } = takeOver(columns, sent, 2);
    expect(steps).toBe(3 + 2 + 1); // the community's ids are not indexed again
    for (const id of ts.rawUserIds()) expect(gen.community.innerUser(id)).toBe(ts.innerUser(id));
    for (const id of ts.rawItemIds()) expect(gen.community.innerItem(id)).toBe(ts.innerItem(id));
    expect(gen.community.innerItem('99')).toBeUndefined();
  });

  it('in one go (fromBuilt) is the same generation', () => {
    const columns = columnsOf(true);
    const { built, sent } = sentFrom(columns);
    const stepped = takeOver(columns, sent, 2).gen;
    const whole = Generation.fromBuilt(columns, built, 7, 'fp', 0);
    for (const g of [stepped, whole]) expect(g.forgetEpoch).toBe(0);
    expect(whole.ts.rawUserIds()).toEqual(stepped.ts.rawUserIds());
    for (const id of whole.community.rawUserIds()) expect(whole.community.innerUser(id)).toBe(stepped.community.innerUser(id));
    expect(whole.key('ease')).toBe(stepped.key('ease'));
  });

  it("reads ids sent as positions from the columns' own lists, a slice per step, and refuses a position beyond them", () => {
    const columns = codeRatings(columnsOf(true));
    const { ts, sent } = sentFrom(columns);
    expect('userAt' in sent.trainset.ids).toBe(true);
    const { gen, steps } = takeOver(columns, sent, 2);
    expect(steps).toBe(3 + 3 + 3 + 3 + 1); // the same slices as ids sent as strings
    expect(gen.ts.rawUserIds()).toEqual(ts.rawUserIds());
    for (const id of ts.rawItemIds()) expect(gen.community.innerItem(id)).toBe(communityOf(ts).innerItem(id));
    expect(gen.community.innerUser('member:1')).toBeUndefined();

    // a worker that built from other columns: the step that meets the position says so
    const short = { ...columns, itemIds: columns.itemIds.slice(0, 2) };
    expect(() => takeOver(short, sent, 2)).toThrow(/movie position [2-9], beyond the 2 ids it was given/);
  });
});
