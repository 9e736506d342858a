/**
 * What the models train on: the dataset's ratings in file order, then every member's ratings
 * (members by id, each member's ratings oldest first). That order fixes the trainset's inner ids,
 * so the same store always trains the same model. Members are users of their own, with raw ids
 * `member:<id>`, so a member's rating never replaces a dataset user's rating of the same movie.
 */
import type { Store } from './api.ts';

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
