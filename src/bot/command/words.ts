/**
 * Words for people about options: usage lines, option descriptions (also used by /help and the
 * usage shown under a mistake), and "did you mean" for near misses.
 */
import type { OptionSpec } from './contract.ts';

export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

export function rangeText(spec: OptionSpec): string {
  const { min, max } = spec;
  if (min !== undefined && max !== undefined) return `from ${min} to ${max}`;
  if (min !== undefined) return `at least ${min}`;
  if (max !== undefined) return `at most ${max}`;
  return 'a number';
}

export function describeOption(spec: OptionSpec): string {
  const parts = [spec.description];
  switch (spec.type) {
    case 'number':
    case 'integer':
      parts.push(`${spec.type === 'integer' ? 'a whole number' : 'a number'} ${rangeText(spec)}${spec.step ? ` in steps of ${spec.step}` : ''}`);
      break;
    case 'boolean':
      parts.push('yes or no');
      break;
    case 'member':
      parts.push('a member mention');
      break;
    case 'members':
      parts.push('member mentions separated by spaces');
      break;
    case 'string':
      if (spec.choices) parts.push(`one of ${spec.choices.map((c) => c.name).join(', ')}`);
      else if (spec.pattern) parts.push(spec.pattern.hint);
      break;
  }
  if (spec.default !== undefined) parts.push(`default ${String(spec.default)}`);
  return parts.join('; ');
}

export function usage(def: { name: string; options: readonly OptionSpec[] }): string {
  const parts = def.options.map((o) => {
    const label = o.type === 'members' ? `${o.name}…` : o.name;
    return o.required ? `<${label}>` : `[${label}]`;
  });
  return [`/${def.name}`, ...parts].join(' ');
}

export function unknownOption(def: { name: string; options: readonly OptionSpec[] }, key: string): string {
  const names = def.options.map((o) => o.name);
  return `/${def.name} has no option "${clip(key, 32)}"${names.length ? `; its options are ${names.join(', ')}` : '; it takes no options'}.`;
}

export function notOneOf(name: string, given: string, accepted: readonly string[]): string {
  const close = closest(given, accepted, 3);
  const hint = close.length ? ` Did you mean ${close.join(' or ')}?` : '';
  return `${name} "${clip(given, 40)}" is not one I know.${hint} Accepted: ${listOf(accepted)}.`;
}

/** A list for a message, cut after 25 entries. */
export function listOf(values: readonly string[]): string {
  return values.length <= 25 ? values.join(', ') : `${values.slice(0, 25).join(', ')}, …`;
}

/** Levenshtein distance, for "did you mean" on short words (command names, genres, algorithms). */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** Up to `k` candidates close to `word` (case-insensitive), nearest first. */
export function closest(word: string, candidates: readonly string[], k: number): string[] {
  const w = word.toLowerCase().slice(0, 64);
  return candidates
    .map((c) => ({ c, d: c.toLowerCase().startsWith(w) && w.length > 0 ? 0 : editDistance(w, c.toLowerCase()) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(x.c.length / 3)))
    .sort((x, y) => x.d - y.d)
    .slice(0, k)
    .map((x) => x.c);
}
