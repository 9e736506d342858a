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
  const users: string[] = [];
  const items: string[] = [];
  const ratings: number[] = [];
  for (let u = 0; u < ts.nUsers; u++) {
    const raw = ts.rawUser(u);
    for (let k = indptr[u]; k < indptr[u + 1]; k++) {
      if (isMember[u] && members[indices[k]] < MIN_MEMBERS_IN_AGGREGATES) continue;
      users.push(raw);
      items.push(ts.rawItem(indices[k]));
      ratings.push(values[k]);
    }
  }
  return Trainset.fromColumns({ users, items, ratings: Float32Array.from(ratings) }, ts.scale);
}
