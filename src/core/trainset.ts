/**
 * The trainset: ratings indexed for fitting, Surprise's `Trainset` in typed arrays.
 *
 * Inner ids are given in order of first appearance in the rating list, and each CSR row keeps
 * its ratings in that same order (a stable counting sort). Surprise's SGD fits walk
 * `all_ratings()` (users in inner order, each user's ratings in appearance order) and its kNN
 * tie-breaking follows `ur`/`ir` order, so keeping this order is what makes results match.
 */

/** Compressed sparse rows: row r holds `indices[indptr[r] .. indptr[r+1])` with `values` alongside. */
export interface Csr {
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float32Array;
}

export type RatingScale = readonly [lo: number, hi: number];

/** Ratings as parallel columns (raw ids are strings, as in Surprise). */
export interface RatingColumns {
  users: ArrayLike<string>;
  items: ArrayLike<string>;
  ratings: ArrayLike<number>;
}

/**
 * Ratings as codes: rating k is by `userIds[userCodes[k]]` of `itemIds[itemCodes[k]]`. The same
 * ratings as RatingColumns without a string per rating (two arrays of 32 M strings are ~512 MB at
 * ml-32m shape, and filling them cost more than the rest of a restart's indexing).
 */
export interface CodedColumns {
  userIds: ArrayLike<string>;
  userCodes: Int32Array;
  itemIds: ArrayLike<string>;
  itemCodes: Int32Array;
  ratings: ArrayLike<number>;
  /**
   * Every id of itemIds is an item, rated or not: those no code names come after the rated ones,
   * in itemIds' order, with no rating. A film club's catalogue lists a release before anyone rates
   * it, and a content model can recommend it only if the trainset knows it. Absent or false: only
   * the rated items, as fromColumns.
   */
  keepUnratedItems?: boolean;
}

export interface RawRating {
  user: string;
  item: string;
  rating: number;
}

/**
 * The arrays a trainset is made of: what a worker thread hands over (typed arrays transferred,
 * not copied) so that another thread gets the same trainset without re-indexing every rating.
 */
export interface TrainsetParts {
  userRaw: string[];
  itemRaw: string[];
  byUser: Csr;
  byItem: Csr;
  globalMean: number;
  scale: RatingScale;
}

export class TrainsetError extends Error {
  override name = 'TrainsetError';
}

export class Trainset {
  readonly nUsers: number;
  readonly nItems: number;
  readonly nRatings: number;
  readonly globalMean: number;
  readonly scale: RatingScale;
  /** rows = users, indices = inner item ids */
  readonly byUser: Csr;
  /** rows = items, indices = inner user ids */
  readonly byItem: Csr;

  private readonly userRaw: readonly string[];
  private readonly itemRaw: readonly string[];
  private readonly userIndex: ReadonlyMap<string, number>;
  private readonly itemIndex: ReadonlyMap<string, number>;

  private constructor(args: {
    userRaw: string[];
    itemRaw: string[];
    userIndex: ReadonlyMap<string, number>;
    itemIndex: ReadonlyMap<string, number>;
    byUser: Csr;
    byItem: Csr;
    globalMean: number;
    scale: RatingScale;
  }) {
    this.userRaw = args.userRaw;
    this.itemRaw = args.itemRaw;
    this.userIndex = args.userIndex;
    this.itemIndex = args.itemIndex;
    this.byUser = args.byUser;
    this.byItem = args.byItem;
    this.nUsers = args.userRaw.length;
    this.nItems = args.itemRaw.length;
    this.nRatings = args.byUser.indices.length;
    this.globalMean = args.globalMean;
    this.scale = args.scale;
  }

  /**
   * Builds a trainset from ratings in the given order (that order fixes inner ids and ties).
   * `catalogue`: movies that are items even with no rating (a new release listed before anyone
   * rated it), appended after the rated items in the order given, so every rated item keeps the
   * inner id it has without them; an id already rated is skipped.
   */
  static fromColumns(cols: RatingColumns, scale: RatingScale = [1, 5], catalogue?: Iterable<string>): Trainset {
    const n = cols.ratings.length;
    if (cols.users.length !== n || cols.items.length !== n) {
      throw new TrainsetError(
        `rating columns differ in length: ${cols.users.length} users, ${cols.items.length} items, ${n} ratings`,
      );
    }
    if (!(scale[0] < scale[1])) {
      throw new TrainsetError(`rating scale must be [lo, hi] with lo < hi, got [${scale[0]}, ${scale[1]}]`);
    }
    const userIndex = new Map<string, number>();
    const itemIndex = new Map<string, number>();
    const userRaw: string[] = [];
    const itemRaw: string[] = [];
    const uOf = new Int32Array(n);
    const iOf = new Int32Array(n);
    let sum = 0;
    for (let k = 0; k < n; k++) {
      const ru = cols.users[k];
      const ri = cols.items[k];
      const r = cols.ratings[k];
      if (!Number.isFinite(r)) throw new TrainsetError(`rating ${k} (user ${ru}, item ${ri}) is not a number`);
      let u = userIndex.get(ru);
      if (u === undefined) {
        u = userRaw.length;
        userIndex.set(ru, u);
        userRaw.push(ru);
      }
      let i = itemIndex.get(ri);
      if (i === undefined) {
        i = itemRaw.length;
        itemIndex.set(ri, i);
        itemRaw.push(ri);
      }
      uOf[k] = u;
      iOf[k] = i;
      sum += r;
    }
    if (catalogue) {
      for (const id of catalogue) {
        if (itemIndex.has(id)) continue;
        itemIndex.set(id, itemRaw.length);
        itemRaw.push(id);
      }
    }
    const byUser = buildCsr(userRaw.length, uOf, iOf, cols.ratings);
    const byItem = buildCsr(itemRaw.length, iOf, uOf, cols.ratings);
    return new Trainset({
      userRaw,
      itemRaw,
      userIndex,
      itemIndex,
      byUser,
      byItem,
      globalMean: n > 0 ? sum / n : NaN,
      scale,
    });
  }

  /**
   * The same trainset as fromColumns over the expanded strings (same inner ids, same row order),
   * built from codes: ids are looked up once per distinct code, not once per rating. Codes that
   * name the same raw id (allowed, if odd) get the same inner id, as their strings would.
   * `keepUnratedItems` then adds the ids no rating names, after the rated ones.
   */
  static fromCoded(cols: CodedColumns, scale: RatingScale = [1, 5]): Trainset {
    const n = cols.ratings.length;
    if (cols.userCodes.length !== n || cols.itemCodes.length !== n) {
      throw new TrainsetError(
        `rating columns differ in length: ${cols.userCodes.length} user codes, ${cols.itemCodes.length} item codes, ${n} ratings`,
      );
    }
    if (!(scale[0] < scale[1])) {
      throw new TrainsetError(`rating scale must be [lo, hi] with lo < hi, got [${scale[0]}, ${scale[1]}]`);
    }
    const { userCodes, itemCodes, ratings } = cols;
    let sum = 0;
    for (let k = 0; k < n; k++) {
      const r = ratings[k];
      if (!Number.isFinite(r)) {
        throw new TrainsetError(`rating ${k} (user ${cols.userIds[userCodes[k]]}, item ${cols.itemIds[itemCodes[k]]}) is not a number`);
      }
      sum += r;
    }
    const users = innerIdsOf(userCodes, cols.userIds, 'user');
    const items = innerIdsOf(itemCodes, cols.itemIds, 'item');
    if (cols.keepUnratedItems) {
      for (let c = 0; c < cols.itemIds.length; c++) {
        const id = cols.itemIds[c];
        if (items.index.has(id)) continue;
        items.index.set(id, items.raw.length);
        items.raw.push(id);
      }
    }
    const uOf = users.inner;
    const iOf = items.inner;
    const byUser = buildCsr(users.raw.length, uOf, iOf, ratings);
    const byItem = buildCsr(items.raw.length, iOf, uOf, ratings);
    return new Trainset({
      userRaw: users.raw,
      itemRaw: items.raw,
      userIndex: users.index,
      itemIndex: items.index,
      byUser,
      byItem,
      globalMean: n > 0 ? sum / n : NaN,
      scale,
    });
  }

  /**
   * The trainset made of `parts` (from toParts(), maybe in another thread): only the id maps are
   * built, O(users + items); the rating arrays are taken as they are, so the parts must not change.
   * `indexes`: the id maps built beforehand (raw id → its position in `userRaw`/`itemRaw`), so a
   * caller can build them a slice at a time between other work (200,948 members and 87,585 movies
   * at ml-32m shape held the service's event loop 115–135 ms as one step). They are taken as
   * given, not checked id by id (that would cost what building them does): only their sizes.
   */
  static fromParts(parts: TrainsetParts, indexes?: { users: ReadonlyMap<string, number>; items: ReadonlyMap<string, number> }): Trainset {
    const { userRaw, itemRaw, byUser, byItem } = parts;
    const n = byUser.indices.length;
    if (byUser.indptr.length !== userRaw.length + 1 || byItem.indptr.length !== itemRaw.length + 1) {
      throw new TrainsetError(`trainset parts disagree: ${userRaw.length} users and ${itemRaw.length} items for row pointers of ${byUser.indptr.length - 1} and ${byItem.indptr.length - 1} rows`);
    }
    if (byItem.indices.length !== n || byUser.values.length !== n || byItem.values.length !== n) {
      throw new TrainsetError(`trainset parts disagree: ${n} ratings by user, ${byItem.indices.length} by item`);
    }
    if (indexes) {
      if (indexes.users.size !== userRaw.length || indexes.items.size !== itemRaw.length) {
        throw new TrainsetError(`trainset id maps disagree: ${indexes.users.size} users and ${indexes.items.size} items mapped for ${userRaw.length} and ${itemRaw.length} ids`);
      }
      return new Trainset({ ...parts, userIndex: indexes.users, itemIndex: indexes.items });
    }
    const userIndex = new Map<string, number>();
    for (let u = 0; u < userRaw.length; u++) userIndex.set(userRaw[u], u);
    const itemIndex = new Map<string, number>();
    for (let i = 0; i < itemRaw.length; i++) itemIndex.set(itemRaw[i], i);
    return new Trainset({ ...parts, userIndex, itemIndex });
  }

  /** What fromParts() takes: the arrays themselves, not copies. */
  toParts(): TrainsetParts {
    return {
      userRaw: [...this.userRaw],
      itemRaw: [...this.itemRaw],
      byUser: this.byUser,
      byItem: this.byItem,
      globalMean: this.globalMean,
      scale: this.scale,
    };
  }

  static fromRatings(ratings: Iterable<RawRating>, scale: RatingScale = [1, 5]): Trainset {
    const users: string[] = [];
    const items: string[] = [];
    const values: number[] = [];
    for (const r of ratings) {
      users.push(r.user);
      items.push(r.item);
      values.push(r.rating);
    }
    return Trainset.fromColumns({ users, items, ratings: values }, scale);
  }

  rawUser(u: number): string {
    const raw = this.userRaw[u];
    if (raw === undefined) throw new TrainsetError(`inner user id ${u} is out of range 0..${this.nUsers - 1}`);
    return raw;
  }

  rawItem(i: number): string {
    const raw = this.itemRaw[i];
    if (raw === undefined) throw new TrainsetError(`inner item id ${i} is out of range 0..${this.nItems - 1}`);
    return raw;
  }

  innerUser(raw: string): number | undefined {
    return this.userIndex.get(raw);
  }

  innerItem(raw: string): number | undefined {
    return this.itemIndex.get(raw);
  }

  /** Number of ratings of user u (|I_u|). */
  userDegree(u: number): number {
    return this.byUser.indptr[u + 1] - this.byUser.indptr[u];
  }

  /** Number of ratings of item i (|U_i|). */
  itemDegree(i: number): number {
    return this.byItem.indptr[i + 1] - this.byItem.indptr[i];
  }

  /** Mean rating of every user (Float64Array of nUsers). */
  userMeans(): Float64Array {
    return rowMeans(this.byUser);
  }

  /** Mean rating of every item (Float64Array of nItems). */
  itemMeans(): Float64Array {
    return rowMeans(this.byItem);
  }

  /**
   * Visits every rating in Surprise's `all_ratings()` order: users by inner id, each user's
   * ratings in appearance order.
   */
  forEachRating(fn: (u: number, i: number, r: number) => void): void {
    const { indptr, indices, values } = this.byUser;
    for (let u = 0; u < this.nUsers; u++) {
      for (let k = indptr[u]; k < indptr[u + 1]; k++) fn(u, indices[k], values[k]);
    }
  }

  /** The user's ratings as a profile that names the trained user. */
  profileOf(u: number): Profile {
    const { indptr, indices, values } = this.byUser;
    return {
      user: u,
      items: indices.subarray(indptr[u], indptr[u + 1]),
      ratings: values.subarray(indptr[u], indptr[u + 1]),
    };
  }

  /**
   * A profile for ratings given by raw item id (a live member): items unknown to the trainset are
   * dropped, since no model can use them. `user` is set only when `rawUser` was trained with
   * exactly these ratings; otherwise the models fold the member in from the ratings given.
   */
  profileFromRaw(ratings: Iterable<{ item: string; rating: number }>, rawUser?: string): Profile {
    const items: number[] = [];
    const values: number[] = [];
    for (const r of ratings) {
      const i = this.itemIndex.get(r.item);
      if (i === undefined) continue;
      items.push(i);
      values.push(r.rating);
    }
    const profile = { items: Int32Array.from(items), ratings: Float32Array.from(values) };
    const u = rawUser === undefined ? undefined : this.userIndex.get(rawUser);
    return u !== undefined && this.sameAsTrained(u, profile.items, profile.ratings) ? { user: u, ...profile } : profile;
  }

  /** Whether user u was trained with exactly these (item, rating) pairs, in any order. */
  private sameAsTrained(u: number, items: Int32Array, ratings: Float32Array): boolean {
    const { indptr, indices, values } = this.byUser;
    const a = indptr[u];
    if (indptr[u + 1] - a !== items.length) return false;
    const trained = new Map<number, number>();
    for (let k = a; k < indptr[u + 1]; k++) trained.set(indices[k], values[k]);
    if (trained.size !== items.length) return false; // a user who rated an item twice: never "the same"
    for (let k = 0; k < items.length; k++) if (trained.get(items[k]) !== ratings[k]) return false;
    return true;
  }

  /** Raw ids in inner order (for snapshots and reporting). */
  rawUserIds(): readonly string[] {
    return this.userRaw;
  }

  rawItemIds(): readonly string[] {
    return this.itemRaw;
  }
}

/**
 * A user as the algorithms see them at query time: their ratings (inner item ids), and the
 * trained user id when the model was fitted with exactly these ratings. A live member whose
 * ratings changed since training is passed without `user`, and the algorithm folds them in.
 */
export interface Profile {
  readonly user?: number;
  readonly items: Int32Array;
  readonly ratings: Float32Array;
}

/**
 * Inner ids for codes, in order of first appearance (what fromColumns gives their strings): the
 * raw ids in inner order, their index, and each rating's inner id. A store's codes are already
 * numbered by first appearance, so `inner` is then the codes array itself, not a copy.
 */
function innerIdsOf(codes: Int32Array, ids: ArrayLike<string>, what: string): { raw: string[]; index: Map<string, number>; inner: Int32Array } {
  const m = ids.length;
  const raw: string[] = [];
  const index = new Map<string, number>();
  /** code → inner id + 1 (0: not seen yet) */
  const innerOf = new Int32Array(m);
  let identity = true;
  for (let k = 0; k < codes.length; k++) {
    const c = codes[k];
    if (innerOf[c] > 0) continue;
    if (!(c >= 0 && c < m)) throw new TrainsetError(`rating ${k} has ${what} code ${c}, outside the ${m} ${what} ids`);
    const id = ids[c];
    let inner = index.get(id);
    if (inner === undefined) {
      inner = raw.length;
      index.set(id, inner);
      raw.push(id);
    }
    innerOf[c] = inner + 1;
    if (inner !== c) identity = false;
  }
  if (identity) return { raw, index, inner: codes };
  const inner = new Int32Array(codes.length);
  for (let k = 0; k < codes.length; k++) inner[k] = innerOf[codes[k]] - 1;
  return { raw, index, inner };
}

/** Stable counting sort of (row, col, value) triples into CSR, keeping input order inside rows. */
function buildCsr(nRows: number, rowOf: Int32Array, colOf: Int32Array, vals: ArrayLike<number>): Csr {
  const n = rowOf.length;
  const indptr = new Int32Array(nRows + 1);
  for (let k = 0; k < n; k++) indptr[rowOf[k] + 1]++;
  for (let r = 0; r < nRows; r++) indptr[r + 1] += indptr[r];
  const fill = indptr.slice(0, nRows);
  const indices = new Int32Array(n);
  const values = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const pos = fill[rowOf[k]]++;
    indices[pos] = colOf[k];
    values[pos] = vals[k];
  }
  return { indptr, indices, values };
}

function rowMeans(csr: Csr): Float64Array {
  const nRows = csr.indptr.length - 1;
  const out = new Float64Array(nRows);
  for (let r = 0; r < nRows; r++) {
    const a = csr.indptr[r];
    const b = csr.indptr[r + 1];
    let s = 0;
    for (let k = a; k < b; k++) s += csr.values[k];
    out[r] = b > a ? s / (b - a) : NaN;
  }
  return out;
}
