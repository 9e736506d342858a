/**
 * The title index alone, CPU per lookup (the process's, `process.cpuUsage()` over 300 repeats of
 * each): the bot bench's eight queries, each resolved and its first five characters
 * autocompleted. CPU, not wall: on a machine loaded past its cores the wall time of a sub-ms call
 * is mostly waiting for a core.
 *
 *   npx tsx bench/bot-titles.ts [dataset = ml-latest-small]
 */
import { TitleIndex } from '../src/bot/titles.ts';
import { loadDataset } from '../src/data/load.ts';
import { sharedDataset } from '../test/helpers/shared-data.ts';

const QUERIES = ['the matrix', 'terminator 1984', 'teh matrix', 'pulp fictoin', 'harry poter', 'king kong', 'amelie', 'id:2571'];
const REPEATS = 300;

function cpuMsPer(run: () => void): number {
  const c0 = process.cpuUsage();
  for (let r = 0; r < REPEATS; r++) run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000 / REPEATS;
}

async function main(): Promise<void> {
  const name = process.argv[2] ?? 'ml-latest-small';
  const dir = sharedDataset(name);
  if (!dir) throw new Error(`${name} not found (set MARQUEE_TEST_DATA)`);
  const ds = await loadDataset(dir);
  const count = new Map<string, number>();
  for (const id of ds.ratings.items) count.set(id, (count.get(id) ?? 0) + 1);
  const c0 = process.cpuUsage();
  const index = new TitleIndex(ds.movies, (id) => count.get(id) ?? 0);
  const built = process.cpuUsage(c0);
  console.log(`${name}: ${ds.movies.length} titles, index built in ${((built.user + built.system) / 1000).toFixed(0)} ms CPU`);
  // one untimed pass: the first call of each path compiles it
  for (const q of QUERIES) {
    index.resolve(q);
    index.autocomplete(q.slice(0, 5));
  }
  let total = 0;
  for (const q of QUERIES) {
    const resolve = cpuMsPer(() => index.resolve(q));
    const complete = cpuMsPer(() => index.autocomplete(q.slice(0, 5)));
    total += resolve + complete;
    console.log(`${JSON.stringify(q).padEnd(18)} resolve ${resolve.toFixed(3)} ms   autocomplete ${JSON.stringify(q.slice(0, 5)).padEnd(8)} ${complete.toFixed(3)} ms`);
  }
  console.log(`all ${QUERIES.length * 2} lookups: ${total.toFixed(2)} ms CPU`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
