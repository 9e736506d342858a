/**
 * Names → configured algorithms. One stable kebab-case name per algorithm, shared by the code,
 * the CLI and `/recommend`; parameters use Surprise's names, written `name:key=value,…`
 * (e.g. `knn-basic:user_based=false,name=pearson`).
 */
import { ParamError, type Algorithm, type AlgorithmDescriptor } from './algorithm.ts';
import { normalDescriptor } from './algorithms/normal.ts';
import { baselineDescriptor } from './algorithms/baseline-only.ts';
import {
  knnBasicDescriptor,
  knnMeansDescriptor,
  knnZScoreDescriptor,
  knnBaselineDescriptor,
} from './algorithms/knn.ts';
import { slopeOneDescriptor } from './algorithms/slope-one.ts';
import { svdDescriptor } from './algorithms/svd.ts';
import { svdppDescriptor } from './algorithms/svdpp.ts';
import { nmfDescriptor } from './algorithms/nmf.ts';
import { coClusteringDescriptor } from './algorithms/co-clustering.ts';
import { popularDescriptor } from './popularity.ts';
import { easeDescriptor } from './algorithms/ease.ts';
import { easeSideDescriptor } from './algorithms/ease-side.ts';
import { ialsDescriptor } from './algorithms/ials.ts';
import { itemKnnDescriptor } from './algorithms/item-knn.ts';
import { pureSvdDescriptor } from './algorithms/pure-svd.ts';
import { alsImportDescriptor } from './algorithms/als-import.ts';

const descriptors: readonly AlgorithmDescriptor[] = [
  normalDescriptor,
  baselineDescriptor,
  knnBasicDescriptor,
  knnMeansDescriptor,
  knnZScoreDescriptor,
  knnBaselineDescriptor,
  svdDescriptor,
  svdppDescriptor,
  nmfDescriptor,
  slopeOneDescriptor,
  coClusteringDescriptor,
  popularDescriptor,
  easeDescriptor,
  easeSideDescriptor,
  ialsDescriptor,
  itemKnnDescriptor,
  pureSvdDescriptor,
  alsImportDescriptor,
];

/**
 * Friendly names for the bot, each a fixed configuration of a core algorithm. The choice of
 * pearson_baseline follows Surprise's docs, which recommend it for KNNBaseline.
 */
export const ALIASES: Readonly<Record<string, string>> = {
  'knn-user': 'knn-baseline:user_based=true,name=pearson_baseline',
  'knn-item': 'knn-baseline:user_based=false,name=pearson_baseline',
};

const byName = new Map(descriptors.map((d) => [d.name, d]));

export function algorithmNames(): string[] {
  return descriptors.map((d) => d.name);
}

export function describeAlgorithm(name: string): AlgorithmDescriptor {
  const d = byName.get(name);
  if (!d) {
    throw new ParamError(
      `unknown algorithm "${name}"; accepted: ${[...algorithmNames(), ...Object.keys(ALIASES)].join(', ')}`,
    );
  }
  return d;
}

export interface AlgorithmSpec {
  name: string;
  params: Record<string, string>;
}

/** Parses `name` or `name:key=value,key=value`; aliases expand to their configuration. */
export function parseAlgorithmSpec(spec: string): AlgorithmSpec {
  const text = spec.trim();
  if (text === '') throw new ParamError('empty algorithm name; accepted: ' + algorithmNames().join(', '));
  const colon = text.indexOf(':');
  const name = (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase();
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  const params: Record<string, string> = {};
  if (rest.trim() !== '') {
    for (const part of rest.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new ParamError(`"${part.trim()}" in "${spec}" is not key=value`);
      const key = part.slice(0, eq).trim();
      if (key in params) throw new ParamError(`parameter ${key} is given twice in "${spec}"`);
      params[key] = part.slice(eq + 1).trim();
    }
  }
  const alias = ALIASES[name];
  if (alias !== undefined) {
    const base = parseAlgorithmSpec(alias);
    return { name: base.name, params: { ...base.params, ...params } };
  }
  describeAlgorithm(name);
  return { name, params };
}

/** Creates an unfitted algorithm from a spec string, validating every parameter. */
export function createAlgorithm(spec: string): Algorithm {
  const parsed = parseAlgorithmSpec(spec);
  return describeAlgorithm(parsed.name).create(parsed.params);
}
