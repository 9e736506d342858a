/**
 * What recording feedback adds to a command: recording a list of 10 as an impression (one
 * IMMEDIATE transaction, 11 rows, WAL with synchronous=FULL, so on disk when it returns), and
 * recording one reaction to it, on a file store like the bot's.
 *
 *   npx tsx bench/feedback.ts [iterations=1000]
 *
 * Prints p50/p95/p99 in ms of each, and of both together (one list shown + one reaction).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newListId } from '../src/bot/service/feedback.ts';
import type { LoadedDataset } from '../src/data/types.ts';
import { openStore } from '../src/store/store.ts';

const ITER = Number(process.argv[2] ?? 1000);
const dir = mkdtempSync(join(tmpdir(), 'marquee-bench-feedback-'));
const N_MOVIES = 2000;
const ds: LoadedDataset = {
  name: 'bench',
  format: 'movielens-csv',
  dir: '/nowhere',
  scale: [0.5, 5],
  movies: Array.from({ length: N_MOVIES }, (_, k) => ({ movieId: String(k + 1), title: `Movie ${k + 1} (2000)`, displayTitle: `Movie ${k + 1}`, year: 2000, genres: [] })),
  ratings: { users: ['1'], items: ['1'], ratings: Float32Array.of(4), timestamps: Float64Array.of(0) },
};
const store = openStore(join(dir, 'bench.db'));
store.importDataset(ds);
const members = Array.from({ length: 50 }, (_, k) => store.member('discord', `u${k}`));

const impression: number[] = [];
const reaction: number[] = [];
for (let it = 0; it < ITER; it++) {
  const m = members[it % members.length];
  const start = (it * 37) % (N_MOVIES - 10);
  const items = Array.from({ length: 10 }, (_, k) => ({ movieId: String(start + k + 1), algo: 'ease' }));
  const listId = newListId();
  let t = performance.now();
  store.feedback.recordImpression({ listId, memberId: m.id, surface: 'recommend', algo: 'ease', items });
  impression.push(performance.now() - t);
  t = performance.now();
  store.feedback.react({ listId, memberId: m.id, movieId: items[it % 10].movieId, kind: it % 3 === 0 ? 'not-for-me' : 'want' });
  reaction.push(performance.now() - t);
}
store.close();
rmSync(dir, { recursive: true, force: true });

function q(v: number[], p: number): number {
  const s = [...v].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}
const both = impression.map((x, k) => x + reaction[k]);
for (const [name, v] of [['impression (10 movies)', impression], ['reaction', reaction], ['impression + reaction', both]] as const) {
  console.log(`${name.padEnd(24)} p50 ${q(v, 0.5).toFixed(3)} ms  p95 ${q(v, 0.95).toFixed(3)} ms  p99 ${q(v, 0.99).toFixed(3)} ms  (n = ${v.length})`);
}
