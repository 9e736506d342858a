import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../../src/bot/command.ts';
import { loadCommands } from '../../commands/index.ts';

describe('the command registry', () => {
  it('loads every command in commands/ and nothing else', async () => {
    const registry = await loadCommands();
    expect(registry.list.map((c) => c.name)).toEqual([
      'because', 'compare', 'evaluate', 'experiment', 'export', 'forget', 'help', 'import', 'movie', 'movienight', 'rate', 'ratings', 'react',
      'recommend', 'top', 'unhide', 'unrate',
    ]);
    expect(registry.get('RATE')?.name).toBe('rate');
    expect(registry.get('_shared')).toBeUndefined();
  });

  it("keeps every definition within Discord's limits", async () => {
    for (const c of (await loadCommands()).list) {
      expect(validateCommand(c), c.name).toEqual([]);
      expect(c.name).toMatch(/^[\w-]{1,32}$/);
      expect(c.description.length).toBeLessThanOrEqual(100);
      expect(c.options.length).toBeLessThanOrEqual(25);
    }
  });

  it('names the file and the problem when a command module is broken', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-commands-'));
    writeFileSync(join(dir, 'Shout.ts'), "export const command = { name: 'Shout', description: '', options: [], run: async () => ({}) };\n");
    writeFileSync(join(dir, 'nothing.ts'), 'export const x = 1;\n');
    writeFileSync(
      join(dir, 'order.ts'),
      "export const command = { name: 'order', description: 'ok', options: [{ name: 'a', description: 'a', type: 'string' }, { name: 'b', description: 'b', type: 'integer', required: true }], run: async () => ({}) };\n",
    );
    writeFileSync(join(dir, '_helper.ts'), 'throw new Error("helpers are not loaded");\n');
    await expect(loadCommands(dir)).rejects.toThrow(
      [
        'invalid command definitions:',
        '  - Shout.ts: name "Shout" must match ^[\\w-]{1,32}$ in lowercase',
        '  - Shout.ts: description must be 1 to 100 characters (it has 0)',
        '  - nothing.ts: the export is not a command definition object',
        "  - order.ts: option 2 (b): required options must come before optional ones (Discord's rule)",
      ].join('\n'),
    );
  });

  it('checks the limits a definition can break', () => {
    const options = Array.from({ length: 26 }, (_, i) => ({ name: `o${i}`, description: 'x', type: 'string' }));
    expect(validateCommand({ name: 'x'.repeat(33), description: 'd'.repeat(101), options, run: () => undefined })).toEqual([
      'name "' + 'x'.repeat(33) + '" must match ^[\\w-]{1,32}$ in lowercase',
      'description must be 1 to 100 characters (it has 101)',
      '26 options; Discord allows at most 25',
    ]);
    expect(
      validateCommand({
        name: 'ok',
        description: 'ok',
        options: [{ name: 'g', description: 'g', type: 'text', choices: Array.from({ length: 26 }, (_, i) => ({ name: `c${i}`, value: i })), autocomplete: true }],
        run: () => undefined,
      }),
    ).toEqual([
      'option 1 (g): type "text" is not string, number, integer, boolean, member or members',
      'option 1 (g): 26 choices; Discord allows at most 25',
      "option 1 (g): choices and autocomplete cannot be combined (Discord's rule)",
    ]);
  });
});
