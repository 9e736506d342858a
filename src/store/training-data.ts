/**
 * What the models train on: the dataset's ratings in file order, then every member's ratings
 * (members by id, each member's ratings oldest first). That order fixes the trainset's inner ids,
 * so the same store always trains the same model. Members are users of their own, with raw ids
 * `member:<id>`, so a member's rating never replaces a dataset user's rating of the same movie.
 */
import type { Store } from './api.ts';
import type { CodedRatings } from './columns.ts';

const MEMBER_PREFIX = 'member:';
const MEMBER_RAW = /^member:([1-9][0-9]*)$/;

export interface TrainingColumns {
  users: string[];
  items: string[];
  ratings: Float32Array;
}

/** The raw user id a member trains under. */
export function memberRawId(id: number): string {
  return `${MEMBER_PREFIX}${id}`;
}

/** The member id behind a raw user id, or undefined when the raw id is a dataset user. */
export function parseMemberRawId(raw: string): number | undefined {
  const m = MEMBER_RAW.exec(raw);
  if (!m) return undefined;
  const id = Number(m[1]);
  return Number.isSafeInteger(id) ? id : undefined;
}

/**
 * The same ratings as trainingColumns, in the same order, coded: each raw id once (members'
 * appended after the dataset's), typed arrays of codes. Cheap to read and to hand to a worker
 * thread; expandCodes gives the string columns back. itemIds ends with the catalogue's movies
 * nobody has rated (movies.csv's releases newer than its ratings), no code naming them, and
 * `keepUnratedItems` asks the trainset to hold them, so the models know them and a content pick
 * can name them (the yardstick's trainsets hold the whole catalogue the same way). They are in
 * itemIds itself, so the training worker can send the trainset's movies as positions in it.
 * `dataset` says how many ids of each list are the dataset's own (none when there is no dataset).
 */
export function trainingCodes(store: Store): CodedRatings {
  const ds = store.datasetRatingCodes();
  const members = store.allMemberRatings();
  const nData = ds.ratings.length;
  const n = nData + members.length;
  const userCodes = new Int32Array(n);
  userCodes.set(ds.userCodes);
  const itemCodes = new Int32Array(n);
  itemCodes.set(ds.itemCodes);
  const ratings = new Float32Array(n);
  ratings.set(ds.ratings);
  const userIds = ds.userIds.slice();
  const itemIds = ds.itemIds.slice();
  if (members.length > 0) {
    const userCode = new Map<string, number>(userIds.map((id, c) => [id, c]));
    const itemCode = new Map<string, number>(itemIds.map((id, c) => [id, c]));
    const codeOf = (index: Map<string, number>, ids: string[], id: string): number => {
      let c = index.get(id);
      if (c === undefined) {
        c = ids.length;
        index.set(id, c);
        ids.push(id);
      }
      return c;
    };
    for (let k = 0; k < members.length; k++) {
      const r = members[k];
      userCodes[nData + k] = codeOf(userCode, userIds, memberRawId(r.memberId));
      itemCodes[nData + k] = codeOf(itemCode, itemIds, r.movieId);
      ratings[nData + k] = r.rating;
    }
  }
  const rated = new Set(itemIds);
  for (const id of store.movieIds()) if (!rated.has(id)) itemIds.push(id);
  const info = store.datasetInfo();
  // the dataset's ids lead both lists, fixed for its fingerprint: a retrain need not send them again
  const dataset = info && { fingerprint: info.fingerprint, users: ds.userIds.length, items: ds.itemIds.length };
  return { userIds, userCodes, itemIds, itemCodes, ratings, keepUnratedItems: true, ...(dataset ? { dataset } : {}) };
}

/**
 * The times of trainingCodes' ratings, in its order, in seconds since the epoch (what the
 * yardstick's temporal and cut-off splits read): the dataset's as its files gave them (NaN where
 * the format has none), each member's rating at the moment it was last set.
 */
export function trainingTimestamps(store: Store): Float64Array {
  const ds = store.datasetRatingTimestamps();
  const members = store.allMemberRatings();
  const out = new Float64Array(ds.length + members.length);
  out.set(ds);
  for (let k = 0; k < members.length; k++) out[ds.length + k] = members[k].ratedAt / 1000;
  return out;
}

/** Coded columns as string columns (for Trainset.fromColumns). */
export function expandCodes(c: CodedRatings): TrainingColumns {
  const n = c.ratings.length;
  const users = new Array<string>(n);
  const items = new Array<string>(n);
  for (let k = 0; k < n; k++) {
    users[k] = c.userIds[c.userCodes[k]];
    items[k] = c.itemIds[c.itemCodes[k]];
  }
  return { users, items, ratings: c.ratings };
}

/** Columns for `Trainset.fromColumns` (src/core/trainset.ts). */
export function trainingColumns(store: Store): TrainingColumns {
  const ds = store.datasetRatings();
  const members = store.allMemberRatings();
  const nData = ds.ratings.length;
  const n = nData + members.length;
  const users = ds.users.slice();
  const items = ds.items.slice();
  users.length = n;
  items.length = n;
  const ratings = new Float32Array(n);
  ratings.set(ds.ratings);
  for (let k = 0; k < members.length; k++) {
    const r = members[k];
    users[nData + k] = memberRawId(r.memberId);
    items[nData + k] = r.movieId;
    ratings[nData + k] = r.rating;
  }
  return { users, items, ratings };
}
