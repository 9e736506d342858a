/**
 * The registry's contract: commands/index.ts builds one from the commands/ folder. Every
 * definition is checked against the contract and Discord's limits when it is loaded.
 */
import type { AnyCommand, OptionSpec } from './contract.ts';

export interface CommandRegistry {
  readonly list: readonly AnyCommand[];
  get(name: string): AnyCommand | undefined;
}

const NAME_RE = /^[\w-]{1,32}$/;

/**
 * Checks a module's export against the contract and Discord's limits (names ^[\w-]{1,32}$ in
 * lowercase, descriptions 1–100 characters, ≤ 25 options and choices, required options first).
 * Returns the problems, empty when the definition is valid.
 */
export function validateCommand(def: unknown): string[] {
  const problems: string[] = [];
  if (typeof def !== 'object' || def === null) return ['the export is not a command definition object'];
  const d = def as Partial<Record<keyof AnyCommand, unknown>>;
  const name = typeof d.name === 'string' ? d.name : undefined;
  if (name === undefined) problems.push('name is missing');
  else if (!NAME_RE.test(name) || name !== name.toLowerCase()) problems.push(`name "${name}" must match ^[\\w-]{1,32}$ in lowercase`);
  checkDescription(d.description, 'description', problems);
  if (typeof d.run !== 'function') problems.push('run(ctx, opts) is missing');
  if (d.adminOnly !== undefined && typeof d.adminOnly !== 'boolean') problems.push('adminOnly must be true or false');
  if (d.writes !== undefined && typeof d.writes !== 'boolean') problems.push('writes must be true or false');
  if (!Array.isArray(d.options)) {
    problems.push('options must be an array (empty when the command takes none)');
    return problems;
  }
  const options = d.options as OptionSpec[];
  if (options.length > 25) problems.push(`${options.length} options; Discord allows at most 25`);
  const seen = new Set<string>();
  let optionalSeen = false;
  for (const [i, o] of options.entries()) {
    const where = `option ${i + 1}${typeof o?.name === 'string' ? ` (${o.name})` : ''}`;
    if (typeof o !== 'object' || o === null) {
      problems.push(`${where} is not an object`);
      continue;
    }
    if (typeof o.name !== 'string' || !NAME_RE.test(o.name) || o.name !== o.name.toLowerCase()) {
      problems.push(`${where}: name must match ^[\\w-]{1,32}$ in lowercase`);
    } else if (seen.has(o.name)) problems.push(`${where}: the name is used twice`);
    else seen.add(o.name);
    checkDescription(o.description, `${where}: description`, problems);
    if (!['string', 'number', 'integer', 'boolean', 'member', 'members'].includes(o.type)) {
      problems.push(`${where}: type "${String(o.type)}" is not string, number, integer, boolean, member or members`);
    }
    if (o.required) {
      if (optionalSeen) problems.push(`${where}: required options must come before optional ones (Discord's rule)`);
    } else optionalSeen = true;
    if (o.min !== undefined && o.max !== undefined && o.min > o.max) problems.push(`${where}: min ${o.min} is above max ${o.max}`);
    if (o.choices) {
      if (o.choices.length > 25) problems.push(`${where}: ${o.choices.length} choices; Discord allows at most 25`);
      if (o.autocomplete) problems.push(`${where}: choices and autocomplete cannot be combined (Discord's rule)`);
      for (const c of o.choices) {
        if (typeof c.name !== 'string' || c.name.length < 1 || c.name.length > 100) problems.push(`${where}: choice names must be 1 to 100 characters`);
        if (String(c.value).length > 100) problems.push(`${where}: choice values must be at most 100 characters`);
      }
    }
    if (o.accepts !== undefined && o.accepts !== 'algorithms' && o.accepts !== 'genres') problems.push(`${where}: accepts must be "algorithms" or "genres"`);
    if (o.maxLength !== undefined && (!Number.isInteger(o.maxLength) || o.maxLength < 1)) problems.push(`${where}: maxLength must be a positive whole number`);
    if (o.required && o.default !== undefined) problems.push(`${where}: a required option cannot have a default`);
  }
  return problems;
}

function checkDescription(desc: unknown, what: string, problems: string[]): void {
  if (typeof desc !== 'string' || desc.length < 1 || desc.length > 100) {
    problems.push(`${what} must be 1 to 100 characters${typeof desc === 'string' ? ` (it has ${desc.length})` : ''}`);
  }
}

export class CommandDefinitionError extends Error {
  override name = 'CommandDefinitionError';
}

/** Builds a registry, refusing invalid definitions and duplicate names with every problem listed. */
export function createRegistry(defs: ReadonlyArray<{ source: string; def: unknown }>): CommandRegistry {
  const problems: string[] = [];
  const byName = new Map<string, AnyCommand>();
  for (const { source, def } of defs) {
    const p = validateCommand(def);
    if (p.length > 0) {
      problems.push(...p.map((x) => `${source}: ${x}`));
      continue;
    }
    const cmd = def as AnyCommand;
    if (byName.has(cmd.name)) problems.push(`${source}: a command named "${cmd.name}" is already defined`);
    else byName.set(cmd.name, cmd);
  }
  if (problems.length > 0) throw new CommandDefinitionError(`invalid command definitions:\n  - ${problems.join('\n  - ')}`);
  const list = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { list, get: (name) => byName.get(name.toLowerCase()) };
}
