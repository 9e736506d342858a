/**
 * The layers, checked on every import: data flows one way, files → store → core → service →
 * commands → adapters, with entry points (src/cli) on top. An import that runs back up is a bug
 * of shape: this test names the file and the import.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

type Layer = 'core' | 'data' | 'store' | 'util' | 'log' | 'config' | 'evaluation' | 'service' | 'commands' | 'adapters' | 'ops' | 'cli';

function layerOf(path: string): Layer | undefined {
  const p = relative(root, path).split('\\').join('/');
  if (p.startsWith('src/core/')) return 'core';
  if (p.startsWith('src/data/')) return 'data';
  if (p.startsWith('src/store/')) return 'store';
  if (p.startsWith('src/util/')) return 'util';
  if (p === 'src/log.ts') return 'log';
  if (p === 'src/config.ts') return 'config';
  if (p.startsWith('src/evaluation/')) return 'evaluation';
  if (p.startsWith('src/bot/adapters/')) return 'adapters';
  if (p.startsWith('src/bot/')) return 'service';
  if (p.startsWith('commands/')) return 'commands';
  if (p.startsWith('src/ops/')) return 'ops';
  if (p.startsWith('src/cli/')) return 'cli';
  return undefined;
}

/**
 * What each layer may import besides itself. The core imports nothing of ours; the service gets
 * the evaluation runner injected rather than importing it; commands see the service's interface
 * and the reply shapes, never an adapter; only entry points see everything.
 */
const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  core: [],
  data: [],
  util: [],
  log: [],
  store: ['data'],
  config: ['log', 'store'],
  evaluation: ['core', 'data', 'util', 'log'],
  service: ['core', 'data', 'store', 'util', 'log', 'config'],
  commands: ['service', 'core', 'data', 'store'],
  // util: the Slack HTTP front runs in a worker thread (spawnTsWorker)
  adapters: ['service', 'commands', 'config', 'log', 'util'],
  // health and metrics read the service and count through hooks; only entry points start them
  ops: ['service', 'store', 'log', 'config'],
  cli: ['core', 'data', 'store', 'util', 'log', 'config', 'evaluation', 'service', 'commands', 'adapters', 'ops'],
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) {
      if (name !== 'build' && name !== 'node_modules') out.push(...sources(full));
    } else if (name.endsWith('.ts') && !name.endsWith('.d.ts') && !name.endsWith('.as.ts')) {
      out.push(full);
    }
  }
  return out;
}

const files = [...sources(join(root, 'src')), ...sources(join(root, 'commands'))];

describe('imports run down the layers only', () => {
  it('knows the layer of every source file', () => {
    expect(files.filter((f) => layerOf(f) === undefined).map((f) => relative(root, f))).toEqual([]);
  });

  it.each(files.map((f) => [relative(root, f), f]))('%s', (_name, file) => {
    const from = layerOf(file)!;
    const text = readFileSync(file, 'utf8');
    const wrong: string[] = [];
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/gu)) {
      const to = layerOf(resolve(dirname(file), m[1]));
      if (to === undefined || to === from) continue;
      if (!MAY_IMPORT[from].includes(to)) wrong.push(`${m[1]} (${from} → ${to})`);
    }
    expect(wrong).toEqual([]);
  });
});
