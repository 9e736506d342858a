/**
 * Leave-one-out top-10 of the implicit ranking models, the way the bot ranks:
 *
 *   npx tsx bench/rank-algos.ts <dataset folder> [algorithm spec …]
 *   npx tsx bench/rank-algos.ts --evaluate-topn <dataset folder> [algorithm spec …]
 *
 * With --evaluate-topn it prints the project's own evaluateTopN report instead (same split).
 *
 * One rating per user held out (seed 0, evaluateTopN's protocol); HR@10 over the whole catalogue
 * (what evaluateTopN reports) and with the bot's candidate filter (movies with ≥ 5 training
 * ratings, rankItems' minItemRatings). Fit time wall and CPU (the machine is shared, so the CPU
 * seconds of this process are the steadier number), and the mean time to score one member from
 * their ratings alone (a profile without `user`: the live-member fold-in path).
 */
import { createAlgorithm } from '../src/core/registry.ts';
import { rankItems } from '../src/core/rank.ts';
import { leaveOneOut, trainsetOf } from '../src/core/eval/splitters.ts';
import { loadDataset } from '../src/data/load.ts';
import { evaluateTopN } from '../src/core/eval/topn.ts';
import { formatTopNTable } from '../src/evaluation/table.ts';

const args = process.argv.slice(2);
const official = args[0] === '--evaluate-topn';
const [dir, ...given] = official ? args.slice(1) : args;
if (!dir) throw new Error('usage: npx tsx bench/rank-algos.ts [--evaluate-topn] <dataset folder> [algorithm spec …]');
const specs = given.length ? given : ['ease', 'ials', 'item-knn', 'pure-svd', 'popular'];
const ds = await loadDataset(dir, { tags: false });
if (official) {
  const report = await evaluateTopN(specs, { ratings: ds.ratings, scale: ds.scale, name: ds.name });
  console.log(formatTopNTable(report));
  process.exit(0);
}
const [split] = [...leaveOneOut({ seed: 0, minRatings: 1 }).split(ds.ratings)];
const ts = trainsetOf(ds.ratings, split.train, ds.scale);
const { users, items } = ds.ratings;
const held = Array.from(split.test, (j) => ({ u: ts.innerUser(users[j]), i: ts.innerItem(items[j]) }));
console.log(`${ds.name}: ${ts.nUsers} users, ${ts.nItems} items, ${ts.nRatings} training ratings, ${held.length} held out`);
const scratch = new Float64Array(ts.nItems);
for (const spec of specs) {
  const algo = createAlgorithm(spec);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  algo.fit(ts);
  const cpu = process.cpuUsage(c0);
  const fitWall = (performance.now() - t0) / 1000;
  const fitCpu = (cpu.user + cpu.system) / 1e6;
  let hits = 0;
  let hitsFiltered = 0;
  let scoreMs = 0;
  const s0cpu = process.cpuUsage();
  for (const h of held) {
    if (h.u === undefined) continue;
    const p = ts.profileOf(h.u);
    const live = { items: p.items, ratings: p.ratings };
    const s0 = performance.now();
    const top = rankItems(algo, live, { n: 10, scratch });
    scoreMs += performance.now() - s0;
    if (h.i !== undefined && top.some((t) => t.item === h.i)) hits++;
    const topF = rankItems(algo, live, { n: 10, minItemRatings: 5, scratch });
    if (h.i !== undefined && topF.some((t) => t.item === h.i)) hitsFiltered++;
  }
  const sc = process.cpuUsage(s0cpu);
  // both rankings per member are counted in the CPU time: halve it for one
  const scoreCpuMs = (sc.user + sc.system) / 1000 / 2 / held.length;
  console.log(
    `${spec.padEnd(40)} HR@10 ${(hits / held.length).toFixed(4)}  HR@10(≥5 ratings) ${(hitsFiltered / held.length).toFixed(4)}  fit ${fitWall.toFixed(2)} s wall / ${fitCpu.toFixed(2)} s cpu  score ${(scoreMs / held.length).toFixed(2)} ms wall / ${scoreCpuMs.toFixed(2)} ms cpu per member`,
  );
}
