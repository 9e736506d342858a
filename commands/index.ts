/**
 * The command registry: loads every module of this folder, as the discord.js guide's command
 * handler does, but platform-neutral. A module is a command when it exports `command` (or a
 * default export) made with `defineCommand`; files starting with `_` are helpers, not commands.
 * Every definition is checked against the contract and Discord's limits at load time, so a bad
 * command fails start-up with its file named instead of failing on Discord's side later.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRegistry, type CommandRegistry } from '../src/bot/command.ts';

export const COMMANDS_DIR = dirname(fileURLToPath(import.meta.url));

function isCommandFile(file: string): boolean {
  if (file.startsWith('_') || file.startsWith('.')) return false;
  if (/\.(d|test|spec)\.[cm]?[jt]s$/.test(file)) return false;
  if (/^index\.[cm]?[jt]s$/.test(file)) return false;
  return /\.[cm]?[jt]s$/.test(file);
}

export async function loadCommands(dir: string = COMMANDS_DIR): Promise<CommandRegistry> {
  const files = readdirSync(dir).filter(isCommandFile).sort();
  const defs: Array<{ source: string; def: unknown }> = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
    defs.push({ source: basename(file), def: mod.command ?? mod.default });
  }
  return createRegistry(defs);
}
