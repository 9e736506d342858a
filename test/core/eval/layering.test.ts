import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const coreEval = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'core', 'eval');

describe('the evaluation core keeps to its layer', () => {
  const files = readdirSync(coreEval).filter((f) => f.endsWith('.ts'));
  it.each(files)('%s imports nothing outside src/core and formats no tables', (file) => {
    const text = readFileSync(join(coreEval, file), 'utf8');
    const imports = [...text.matchAll(/from '([^']+)'/gu)].map((m) => m[1]);
    const upward = imports.filter((p) => p.startsWith('.') && !resolve(coreEval, p).startsWith(resolve(coreEval, '..')));
    expect(upward).toEqual([]);
    // text for people (tables, padded columns) belongs to src/evaluation
    expect(text).not.toMatch(/export function format\w*Table/u);
  });
});
