/**
 * One generation of the bot's live models: one trainset (dataset + members' ratings at a given
 * ratings version) and the algorithms fitted on it, swapped as a whole when a retrain finishes.
 */
import type { Algorithm } from '../../core/algorithm.ts';
import type { RatingScale } from '../../core/trainset.ts';
import { Trainset } from '../../core/trainset.ts';
import { HALF_STARS } from '../service-api.ts';
import type { BuiltTrainsets, JobColumns } from '../trainer.ts';
import { CoRating } from './co-rating.ts';
import { communityOf } from './community.ts';

/** The snapshot key: what a model was trained on, so a stale snapshot is never reused. */
export function snapshotKey(fingerprint: string, version: number, nRatings: number, spec: string): string {
  return `marquee-model-v1|${fingerprint}|ratings-v${version}|n${nRatings}|${spec}`;
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

export class Generation {
  readonly ts: Trainset;
  /** the store's ratingsVersion the trainset was read at */
  readonly version: number;
  readonly fingerprint: string;
  readonly createdAt: number;
  private co: CoRating | undefined;
  private communityTs: Trainset | undefined;
  private communityCo: CoRating | undefined;
  /** the community's trainset as the worker built it, taken over on first use (fromBuilt) */
  private builtCommunity: Pick<BuiltTrainsets, 'community' | 'communityCoRating'> | undefined;
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
   * over, not copied): no rating is indexed again on the main thread. The community's is taken
   * over on first use of `community`, so a retrain can do it one event-loop turn later: each
   * take-over indexes every member's and movie's id in a Map (575,000 entries for both at ml-32m
   * shape).
   */
  static fromBuilt(columns: JobColumns, built: BuiltTrainsets, version: number, fingerprint: string, forgetEpoch: number): Generation {
    const gen = new Generation(Trainset.fromParts(built.trainset), version, fingerprint);
    gen.co = new CoRating(gen.ts, built.coRating);
    gen.builtCommunity = { community: built.community, communityCoRating: built.communityCoRating };
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
    if (!this.communityTs && this.builtCommunity) {
      this.communityTs = Trainset.fromParts(this.builtCommunity.community);
      this.communityCo = new CoRating(this.communityTs, this.builtCommunity.communityCoRating);
      this.builtCommunity = undefined;
    }
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
