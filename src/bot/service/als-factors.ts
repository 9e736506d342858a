/**
 * The bot's side of als-import: the factor folder spark/train_als.py wrote (MARQUEE_ALS_FACTORS)
 * checked at start-up, read by the training worker, and mapped onto the bot's raw ids — dataset
 * users by their id, members by `member:<id>` (Spark id − the export's member id offset). Members
 * are always solved again from their current ratings, since theirs move after the export.
 */
import type { Algorithm } from '../../core/algorithm.ts';
import { ParamError } from '../../core/algorithm.ts';
import { createAlsImport, type AlsFactors } from '../../core/algorithms/als-import.ts';
import { EaseSide, type ItemFeatures } from '../../core/algorithms/ease-side.ts';
import { createAlgorithm, parseAlgorithmSpec } from '../../core/registry.ts';
import { readSparkAls, readSparkAlsParams, sparkAlsDigest, type SparkAlsRun } from '../../data/spark-factors.ts';
import { memberRawId, parseMemberRawId } from '../../store/training-data.ts';

export const ALS_IMPORT = 'als-import';

const NO_FOLDER = 'als-import serves the factors a Spark job wrote (spark/train_als.py): set MARQUEE_ALS_FACTORS to that folder';

/** Whether a spec names als-import. */
export function isAlsImport(spec: string): boolean {
  return parseAlgorithmSpec(spec).name === ALS_IMPORT;
}

/**
 * Checks MARQUEE_ALS_FACTORS before anything starts: a finished run (params.json, _SUCCESS in
 * both tables), exported from the dataset the store holds. Returns the folder's digest (a new
 * Spark run changes it), or undefined when no folder is set — then als-import may not be
 * configured. Throws ParamError saying what to do.
 */
export function checkAlsFactors(dir: string | undefined, datasetFingerprint: string | undefined, configured: readonly string[]): string | undefined {
  if (dir === undefined) {
    if (configured.some(isAlsImport)) throw new ParamError(`${NO_FOLDER}, or take als-import out of MARQUEE_ALGORITHMS`);
    return undefined;
  }
  const params = readSparkAlsParams(dir);
  const digest = sparkAlsDigest(dir); // first: an unfinished job (no _SUCCESS) is the first thing to fix
  const from = params.export;
  if (!from) throw new ParamError(`${dir}/params.json does not say which export it was trained on ("export"); train it with spark/train_als.py on an npm run spark:export folder`);
  if (from.fingerprint !== datasetFingerprint) {
    throw new ParamError(
      `the factors in ${dir} were trained on an export of ${from.dataset} (fingerprint ${from.fingerprint}), but the store holds other data (${datasetFingerprint ?? 'no dataset'}): export again (npm run spark:export) and train again`,
    );
  }
  return digest;
}

/** The Spark run's factors keyed by the bot's raw ids, as als-import takes them. */
export function alsFactorsFrom(run: SparkAlsRun): AlsFactors {
  const offset = run.params.export?.memberUserIdOffset ?? Infinity;
  const { params, users, items } = run;
  return {
    rank: params.rank,
    userIds: Array.from(users.ids, (id) => (id > offset ? memberRawId(id - offset) : String(id))),
    userFactors: users.factors,
    itemIds: Array.from(items.ids, String),
    itemFactors: items.factors,
    fold: { implicit: params.implicit, reg: params.reg, alpha: params.alpha, weighting: params.weighting },
    refold: (raw) => parseMemberRawId(raw) !== undefined,
  };
}

/**
 * The algorithm a training job fits: als-import gets its factors from the folder, ease-side the
 * movies' content rows (`features`, built on demand: ./ease-side-content.ts), the rest come from
 * the registry.
 */
export function createForTraining(spec: string, alsFactors: string | undefined, features?: () => ItemFeatures): Algorithm {
  const algo = createAlgorithm(spec); // validates the spec (als-import takes no parameters)
  if (algo instanceof EaseSide) {
    if (!features) throw new Error("ease-side needs the catalogue's content rows, and the training job gave none");
    return new EaseSide(features(), algo.params);
  }
  if (algo.name !== ALS_IMPORT) return algo;
  if (alsFactors === undefined) throw new ParamError(NO_FOLDER);
  return createAlsImport(alsFactorsFrom(readSparkAls(alsFactors)));
}
