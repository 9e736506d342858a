/**
 * One generation of the bot's live models: one trainset (dataset + members' ratings at a given
 * ratings version) and the algorithms fitted on it, swapped as a whole when a retrain finishes.
 */
import type { Algorithm } from '../../core/algorithm.ts';
import type { RatingScale } from '../../core/trainset.ts';
import { Trainset } from '../../core/trainset.ts';
import { HALF_STARS } from '../service-api.ts';
import { sendParts, sentIdAt, sentIdCount, sentIds, type BuiltTrainsets, type JobColumns, type SentIds, type SentTrainsets } from '../trainer.ts';
import { CoRating } from './co-rating.ts';
import type { ChartOrder } from './charts.ts';
import { communityOf } from './community.ts';
import { runToEnd } from '../../util/run-to-end.ts';

/**
 * The snapshot key: what a model was trained on, so a stale snapshot is never reused. v2: the
 * trainset holds the catalogue's unrated movies too (more items than a v1 model knows).
 */
export function snapshotKey(fingerprint: string, version: number, nRatings: number, spec: string): string {
  return `marquee-model-v2|${fingerprint}|ratings-v${version}|n${nRatings}|${spec}`;
}

export function snapshotName(spec: string): string {
  return `model:${spec}`;
}

/** The rating scale of the data, widened to what members may give (HALF_STARS). */
export function scaleOf(columns: { ratings: Float32Array }): RatingScale {
  let lo: number = HALF_STARS.min;
  let hi: number = HALF_STARS.max;
  const r = columns.ratings;
  for (let k = 0; k < r.length; k++) {
    if (r[k] < lo) lo = r[k];
    else if (r[k] > hi) hi = r[k];
  }
  return [lo, hi];
}

/**
 * Ids a retrain's take-over resolves and indexes per event-loop turn. 50,000 Map sets took 14–31
 * ms of CPU at ml-32m shape (bench/scale-serve.ts --swap-only, load 1.0–3.5), 46–48 ms of wall
 * while V8's helper threads marked the heap on both cores; each id is now also read from the
 * list the worker's position points into, so half as many a turn.
 */
const IDS_PER_STEP = 25_000;

export class Generation {
  readonly ts: Trainset;
  /** the store's ratingsVersion the trainset was read at */
  readonly version: number;
  readonly fingerprint: string;
  readonly createdAt: number;
  private co: CoRating | undefined;
  private communityTs: Trainset | undefined;
  private communityCo: CoRating | undefined;
  /**
   * The community's chart order as the training worker computed it (./charts.ts chartOrderOf),
   * for Charts to take; undefined when no worker did (Charts computes it then).
   */
  chartOrder: ChartOrder | undefined;
  private savedBiases: { main: Float64Array; community: Float64Array } | undefined;
  /**
   * How many forgets (that removed ratings) the service had seen when this generation's data was
   * read. Once the service has seen more, the generation may hold a forgotten member's ratings:
   * it is not swapped in, and nothing fitted on it is saved (a snapshot would keep them on disk).
   */
  forgetEpoch = 0;
  /** the columns the trainset was built from (a lazy training fits on exactly these) */
  columns: JobColumns | undefined;
  private readonly models = new Map<string, Algorithm>();
  /** algorithms whose training failed on this generation's data → why (not retried until the next one) */
  readonly failed = new Map<string, string>();

  constructor(ts: Trainset, version: number, fingerprint: string, createdAt = Date.now()) {
    this.ts = ts;
    this.version = version;
    this.fingerprint = fingerprint;
    this.createdAt = createdAt;
  }

  /** A generation over `columns`, read at ratings `version`. */
  static fromColumns(columns: JobColumns, version: number, fingerprint: string, forgetEpoch: number): Generation {
    const ts = 'userCodes' in columns ? Trainset.fromCoded(columns, scaleOf(columns)) : Trainset.fromColumns(columns, scaleOf(columns));
    const gen = new Generation(ts, version, fingerprint);
    gen.columns = columns;
    gen.forgetEpoch = forgetEpoch;
    return gen;
  }

  /**
   * A generation over the trainsets a training worker built from `columns` (their arrays taken
   * over, not copied): no rating is indexed again on the main thread. The take-over all at once;
   * a retrain runs takeOver's steps instead, a turn apart.
   */
  static fromBuilt(columns: JobColumns, built: BuiltTrainsets, version: number, fingerprint: string, forgetEpoch: number): Generation {
    const sent: SentTrainsets = { ...built, trainset: sendParts(built.trainset), community: sendParts(built.community) };
    return runToEnd(Generation.takeOver(columns, sent, version, fingerprint, forgetEpoch));
  }

  /**
   * The trainsets as a training worker sent them (TrainOutcome.trainsets), taken over in steps
   * (each `next()` one step, the generation the last one's value), for a retrain to run an
   * event-loop turn apart: the take-over reads every member's and movie's id (the worker sends
   * positions in `columns`' id lists, the community's in the trainset's) and indexes it in a Map,
   * and at ml-32m shape (200,948 members, 87,585 movies) each trainset's Maps as one step held the
   * loop 115–135 ms (bench/scale-serve.ts --swap-only, load 3.5), reading the ids 42–61 ms more.
   * A step handles at most `idsPerStep` ids. The community's ids and Maps are the trainset's own
   * when it has the very same ids in the same order (no member's rating left out of the
   * aggregates): the same lookups, built and held once. Throws (from the step that meets it) on a
   * position beyond its list: the worker did not build from these columns.
   */
  static *takeOver(
    columns: JobColumns,
    sent: SentTrainsets,
    version: number,
    fingerprint: string,
    forgetEpoch: number,
    idsPerStep = IDS_PER_STEP,
  ): Generator<void, Generation, void> {
    const { trainset, community } = sent;
    const coded = 'userCodes' in columns ? columns : undefined;
    // a step ends after each list too, so no step handles more than idsPerStep ids
    const users = yield* idIndexInSteps(sentIds(trainset, 'member', coded?.userIds), idsPerStep);
    yield;
    const items = yield* idIndexInSteps(sentIds(trainset, 'movie', coded?.itemIds), idsPerStep);
    yield;
    const communityUserIds = sentIds(community, 'member', users.raw);
    let communityUsers = users;
    if (!sameIds(communityUserIds, users.raw)) {
      communityUsers = yield* idIndexInSteps(communityUserIds, idsPerStep);
      yield;
    }
    const communityItemIds = sentIds(community, 'movie', items.raw);
    let communityItems = items;
    if (!sameIds(communityItemIds, items.raw)) {
      communityItems = yield* idIndexInSteps(communityItemIds, idsPerStep);
      yield;
    }
    const partsOf = (p: SentTrainsets['trainset'], u: IndexedIds, i: IndexedIds) => {
      const { ids: _, ...arrays } = p;
      return Trainset.fromParts({ ...arrays, userRaw: u.raw, itemRaw: i.raw }, { users: u.index, items: i.index });
    };
    const gen = new Generation(partsOf(trainset, users, items), version, fingerprint);
    gen.co = new CoRating(gen.ts, sent.coRating);
    gen.communityTs = partsOf(community, communityUsers, communityItems);
    gen.communityCo = new CoRating(gen.communityTs, sent.communityCoRating);
    gen.chartOrder = sent.chart;
    gen.columns = columns;
    gen.forgetEpoch = forgetEpoch;
    return gen;
  }

  /** Item-item co-rating similarity, built on first use (baselines over the whole trainset). */
  get coRating(): CoRating {
    this.co ??= new CoRating(this.ts, this.savedBiases && { itemBiases: this.savedBiases.main });
    return this.co;
  }

  /**
   * Item biases an earlier start saved for this same data (see CoRating): the co-ratings are then
   * built in one pass each instead of every baseline epoch. Refused (an Error) when their sizes
   * are not this generation's movies.
   */
  useSavedItemBiases(main: Float64Array, community: Float64Array): void {
    if (main.length !== this.ts.nItems || community.length !== this.community.nItems) {
      throw new Error(`saved item biases hold ${main.length} + ${community.length} movies, this data ${this.ts.nItems} + ${this.community.nItems}`);
    }
    this.savedBiases = { main, community };
  }

  /**
   * What per-movie aggregates shown to members (averages, counts, the chart, "also liked") are
   * computed from (./community.ts). Its inner ids are its own: map through raw movie ids. Built
   * on first use (a second CSR).
   */
  get community(): Trainset {
    this.communityTs ??= communityOf(this.ts);
    return this.communityTs;
  }

  /** Item-item co-rating similarity over `community` (its inner ids), built on first use. */
  get communityCoRating(): CoRating {
    const community = this.community;
    this.communityCo ??= new CoRating(community, this.savedBiases && { itemBiases: this.savedBiases.community });
    return this.communityCo;
  }

  key(spec: string): string {
    return snapshotKey(this.fingerprint, this.version, this.ts.nRatings, spec);
  }

  model(spec: string): Algorithm | undefined {
    return this.models.get(spec);
  }

  has(spec: string): boolean {
    return this.models.has(spec);
  }

  /** Adds a model fitted on this generation's trainset (one Map set: atomic for readers). */
  add(spec: string, algo: Algorithm): void {
    if (algo.trainset !== this.ts) throw new Error(`model ${spec} was fitted on another trainset`);
    this.models.set(spec, algo);
  }

  /** Lets go of a model (the service evicting a lazily loaded one to bound memory). */
  drop(spec: string): void {
    this.models.delete(spec);
  }

  specs(): string[] {
    return [...this.models.keys()];
  }
}

/** A trainset's raw ids and raw id → position. */
interface IndexedIds {
  raw: string[];
  index: Map<string, number>;
}

/** The ids as sent, read and indexed at most `perStep` per generator step. */
function* idIndexInSteps(ids: SentIds, perStep: number): Generator<void, IndexedIds, void> {
  const n = sentIdCount(ids);
  const raw = 'raw' in ids ? ids.raw : new Array<string>(n);
  const index = new Map<string, number>();
  let k = 0;
  for (;;) {
    const end = Math.min(n, k + perStep);
    for (; k < end; k++) {
      const id = sentIdAt(ids, k);
      raw[k] = id;
      index.set(id, k);
    }
    if (k >= n) return { raw, index };
    yield;
  }
}

/**
 * Whether the community's ids as sent are `trainset`'s, in the same order (they usually are): as
 * positions in them, each its own; as strings, equal one by one.
 */
function sameIds(ids: SentIds, trainset: readonly string[]): boolean {
  if (sentIdCount(ids) !== trainset.length) return false;
  if ('raw' in ids) {
    for (let k = 0; k < trainset.length; k++) if (ids.raw[k] !== trainset[k]) return false;
    return true;
  }
  for (let k = 0; k < trainset.length; k++) if (ids.at[k] !== k) return false;
  return ids.list === trainset;
}
