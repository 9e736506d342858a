/**
 * The small rating matrix the neighbourhood tests check by hand:
 *
 *        x  y  z
 *   A    4  2  5
 *   B    5  1  .
 *   C    1  5  2
 *   D    3  .  .
 *
 * msd between users: A–B 1/2, A–C 1/10, B–C 1/17, D–A 1/2, D–B 1/5, D–C 1/5
 * msd between items: x–y 1/13, z–x 1/2, z–y 1/10
 */
import { Trainset } from '../../../src/core/trainset.ts';

export type Row = [user: string, item: string, rating: number];

export const FOUR_USERS: readonly Row[] = [
  ['A', 'x', 4],
  ['A', 'y', 2],
  ['A', 'z', 5],
  ['B', 'x', 5],
  ['B', 'y', 1],
  ['C', 'x', 1],
  ['C', 'y', 5],
  ['C', 'z', 2],
  ['D', 'x', 3],
];

export function build(rows: readonly Row[], scale: [number, number] = [1, 5]): Trainset {
  return Trainset.fromRatings(
    rows.map(([user, item, rating]) => ({ user, item, rating })),
    scale,
  );
}

export const fourUsers = (): Trainset => build(FOUR_USERS);
