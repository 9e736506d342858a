/**
 * The names `/recommend` and `/evaluate` accept: the registry's algorithms and aliases, friendly
 * spellings of them, and the two served by the content model. `popular` is a registry name, but
 * the bot serves it from the weighted-rating chart (./charts.ts), never as a trained model.
 */
import { resolveParams } from '../../core/algorithm.ts';
import { ALIASES, algorithmNames, describeAlgorithm, parseAlgorithmSpec } from '../../core/registry.ts';

/** Friendly spellings of registry algorithms. */
export const FRIENDLY: Readonly<Record<string, string>> = {
  'baseline-only': 'baseline',
  slopeone: 'slope-one',
  coclustering: 'co-clustering',
  'svd++': 'svdpp',
  random: 'normal',
};

/** Served by the content model, not the registry. */
export const CONTENT_ALGOS = ['content', 'hybrid'] as const;

/** Served by the chart (./charts.ts): the same list for everyone, from the community's ratings. */
export const CHART_ALGO = 'popular';

/** Every name the bot accepts for `/recommend`, registry first. */
export function botAlgorithmNames(): string[] {
  return [...new Set([...algorithmNames(), ...Object.keys(ALIASES), ...CONTENT_ALGOS])];
}

/**
 * The canonical spec of an algorithm name or spec (friendly names mapped, aliases kept as typed
 * so that "knn-item" stays "knn-item"). Throws the registry's ParamError for unknown names.
 */
export function canonicalSpec(spec: string): string {
  const text = spec.trim();
  const colon = text.indexOf(':');
  // the name is case-insensitive; parameter values are kept as typed
  const name = (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase();
  const rest = colon < 0 ? '' : text.slice(colon);
  const mapped = (FRIENDLY[name] ?? name) + rest;
  if (isContentAlgo(mapped)) return mapped;
  // validates the name and every parameter (unknown names, bad values: `ease-side:alpha=-1`)
  const { name: base, params } = parseAlgorithmSpec(mapped);
  resolveParams(base, describeAlgorithm(base).params, params);
  return mapped;
}

export function isContentAlgo(spec: string): boolean {
  return (CONTENT_ALGOS as readonly string[]).includes(spec);
}

/** Whether a spec is trained and held as a model (not content, not the chart). */
export function isModelAlgo(spec: string): boolean {
  return !isContentAlgo(spec) && spec.split(':')[0] !== CHART_ALGO;
}
