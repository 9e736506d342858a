/**
 * `npm run bench [-- --only core-mf,content]`: runs every benchmark suite on the real MovieLens
 * files (MARQUEE_TEST_DATA or ../shared/data) and prints one table. Suites that need data which is
 * absent say so and are skipped. Results also go to bench/out/results.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './types.ts';

interface Suite {
  id: string;
  load: () => Promise<() => Promise<BenchRow[]>>;
}

const suites: Suite[] = [
  { id: 'foundation', load: async () => (await import('./foundation.ts')).benchFoundation },
  { id: 'core-knn', load: async () => (await import('./core-knn.ts')).benchKnn },
  { id: 'core-mf', load: async () => (await import('./core-mf.ts')).benchMf },
  { id: 'content', load: async () => (await import('./content.ts')).benchContent },
  { id: 'evaluate', load: async () => (await import('./evaluate.ts')).benchEvaluate },
  { id: 'bot', load: async () => (await import('./bot.ts')).benchBot },
  { id: 'recommend-algos', load: async () => (await import('./recommend-algos.ts')).benchRecommendAlgos },
  // minutes and gigabytes: never part of a plain `npm run bench`, only with --only scale
  { id: 'scale', load: async () => (await import('./scale.ts')).benchScale },
  // a burst of 4,000 Slack commands and a soak of minutes: only with --only load / --only soak
  { id: 'load', load: async () => (await import('./load.ts')).benchLoad },
  { id: 'soak', load: async () => (await import('./load.ts')).benchSoak },
  // one retrain's generation swap at a synthetic shape: only with --only stall
  { id: 'stall', load: async () => (await import('./stall.ts')).benchStall },
];
/** suites a plain `npm run bench` leaves out (minutes each) */
const ON_REQUEST = new Set(['scale', 'load', 'soak', 'stall']);

function parseOnly(argv: string[]): Set<string> | undefined {
  const k = argv.indexOf('--only');
  if (k < 0) return undefined;
  const list = argv[k + 1];
  if (!list) throw new Error('--only needs a comma-separated list of suites: ' + suites.map((s) => s.id).join(', '));
  const wanted = new Set(list.split(',').map((s) => s.trim()));
  for (const w of wanted) {
    if (!suites.some((s) => s.id === w)) {
      throw new Error(`unknown suite "${w}"; suites: ${suites.map((s) => s.id).join(', ')}`);
    }
  }
  return wanted;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toPrecision(3);
}

async function main(): Promise<void> {
  const only = parseOnly(process.argv.slice(2));
  const all: Array<BenchRow & { suite: string }> = [];
  for (const suite of suites) {
    if (only ? !only.has(suite.id) : ON_REQUEST.has(suite.id)) continue;
    process.stderr.write(`\n== ${suite.id}\n`);
    const run = await suite.load();
    const rows = await run();
    for (const r of rows) {
      all.push({ suite: suite.id, ...r });
      console.log(`${suite.id.padEnd(11)} ${r.name.padEnd(64)} ${fmt(r.value).padStart(10)} ${r.unit.padEnd(8)} ${r.note ?? ''}`);
    }
  }
  const out = join(dirname(fileURLToPath(import.meta.url)), 'out');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'results.json'), JSON.stringify({ at: new Date().toISOString(), rows: all }, null, 2));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
