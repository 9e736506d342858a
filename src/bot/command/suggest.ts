/** Suggestions while a member types an option (Discord autocomplete, console completion). */
import type { MarqueeService } from '../service-api.ts';
import type { OptionSpec } from './contract.ts';
import { findSpec } from './grammar.ts';

export function suggestValues(
  def: { options: readonly OptionSpec[] },
  optionName: string,
  partial: string,
  service: Pick<MarqueeService, 'autocomplete' | 'algorithms' | 'genres'>,
  limit = 25,
): Array<{ name: string; value: string }> {
  const spec = findSpec(def.options, optionName);
  if (!spec?.autocomplete) return [];
  if (spec.accepts) {
    const p = partial.trim().toLowerCase();
    const all = spec.accepts === 'algorithms' ? service.algorithms() : service.genres();
    const starts = all.filter((a) => a.toLowerCase().startsWith(p));
    const contains = all.filter((a) => !a.toLowerCase().startsWith(p) && a.toLowerCase().includes(p));
    return [...starts, ...contains].slice(0, limit).map((a) => ({ name: a, value: a }));
  }
  return service.autocomplete(partial, limit).map((c) => ({ name: c.name, value: `id:${c.value}` }));
}
