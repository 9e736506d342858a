/**
 * The privacy filter for aggregates. The dataset is public, so an aggregate per movie that mixed
 * in members' ratings would give a member's rating away whenever they are its only member rater.
 * Whatever a member sees per movie (the community average, the charts and the popular picks,
 * "members also liked") is computed from the dataset's ratings plus members' ratings of the
 * movies at least MIN_MEMBERS_IN_AGGREGATES members rated.
 */
import { Trainset } from '../../core/trainset.ts';
import { parseMemberRawId } from '../../store/training-data.ts';

/**
 * Members' ratings count in what everyone sees per movie (averages, the chart) once at least this
 * many members rated the movie. Below that they are left out: the dataset's ratings are public,
 * so an average that also holds one or two members' ratings would give those ratings away.
 */
export const MIN_MEMBERS_IN_AGGREGATES = 3;

/**
 * The ratings behind per-movie aggregates, in the trainset's own order: every dataset rating, and
 * members' ratings of the movies that at least MIN_MEMBERS_IN_AGGREGATES members rated.
 */
export function communityOf(ts: Trainset): Trainset {
  const members = new Int32Array(ts.nItems);
  const isMember = new Uint8Array(ts.nUsers);
  const { indptr, indices, values } = ts.byUser;
  for (let u = 0; u < ts.nUsers; u++) {
    if (parseMemberRawId(ts.rawUser(u)) === undefined) continue;
    isMember[u] = 1;
    for (let k = indptr[u]; k < indptr[u + 1]; k++) members[indices[k]]++;
  }
  const keeps = (u: number, k: number): boolean => !isMember[u] || members[indices[k]] >= MIN_MEMBERS_IN_AGGREGATES;
  let n = 0;
  for (let u = 0; u < ts.nUsers; u++) for (let k = indptr[u]; k < indptr[u + 1]; k++) if (keeps(u, k)) n++;
  // coded by the trainset's own inner ids, not a string per rating (~512 MB and most of a
  // restart's indexing time at 32 M ratings); fromCoded gives the ids the strings would get
  const userCodes = new Int32Array(n);
  const itemCodes = new Int32Array(n);
  const ratings = new Float32Array(n);
  let at = 0;
  for (let u = 0; u < ts.nUsers; u++) {
    for (let k = indptr[u]; k < indptr[u + 1]; k++) {
      if (!keeps(u, k)) continue;
      userCodes[at] = u;
      itemCodes[at] = indices[k];
      ratings[at] = values[k];
      at++;
    }
  }
  // every movie of the trainset stays, rated or not, so the two id lists are usually one (and
  // their Maps built once: Generation.community)
  return Trainset.fromCoded({ userIds: ts.rawUserIds(), userCodes, itemIds: ts.rawItemIds(), itemCodes, ratings, keepUnratedItems: true }, ts.scale);
}
