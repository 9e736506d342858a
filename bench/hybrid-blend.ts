/**
 * Tunes the hybrid's blend (src/core/content/hybrid.ts) on one leave-one-out split:
 *
 *   npx tsx bench/hybrid-blend.ts <dataset folder> [content_weight,half_size,watched|liked …]
 *
 * EASE is fitted once; each blend reuses it. HR@10 with the bot's candidate filter (movies with
 * ≥ 5 training ratings), trained members (full profile), and live members ranked from k of their
 * training ratings (k = 1, 2, 3, 5, 10, 20), as the yardstick's profile-size curve does.
 * The official numbers with intervals come from `npm run evaluate -- --topn --algos hybrid,ease`.
 */
import { createAlgorithm } from '../src/core/registry.ts';
import { rankItems } from '../src/core/rank.ts';
import { leaveOneOut, trainsetOf } from '../src/core/eval/splitters.ts';
import { loadDataset } from '../src/data/load.ts';
import { ContentModel } from '../src/core/content/model.ts';
import { HybridAlgorithm } from '../src/core/content/hybrid.ts';
import { contentMovieOf } from '../src/bot/content-movies.ts';
import { Rng } from '../src/core/rng.ts';
import type { Algorithm } from '../src/core/algorithm.ts';
import type { Profile } from '../src/core/trainset.ts';

const [dir, ...given] = process.argv.slice(2);
if (!dir) throw new Error('usage: npx tsx bench/hybrid-blend.ts <dataset folder> [content_weight,half_size,watched|liked …]');
const blends = (given.length ? given : ['0.3,5,watched']).map((s) => s.split(','));
const ds = await loadDataset(dir, { tags: true });
const cm = ContentModel.build(ds.movies.map(contentMovieOf));
const [split] = [...leaveOneOut({ seed: 0, minRatings: 1 }).split(ds.ratings)];
const ts = trainsetOf(ds.ratings, split.train, ds.scale);
const { users, items } = ds.ratings;
const held = Array.from(split.test, (j) => ({ u: ts.innerUser(users[j])!, i: ts.innerItem(items[j]) ?? -1 }));
const ease = createAlgorithm('ease').fit(ts);
const sizes = [1, 2, 3, 5, 10, 20];
const rng = new Rng(0);
// the same k ratings per member for every blend
const drawn = new Map<number, Profile[]>();
for (const { u } of held) {
  const full = ts.profileOf(u);
  drawn.set(
    u,
    sizes.map((k) => {
      const order = Array.from(full.items.keys());
      for (let x = order.length - 1; x > 0; x--) {
        const y = Math.floor(rng.random() * (x + 1));
        [order[x], order[y]] = [order[y], order[x]];
      }
      const pick = order.slice(0, Math.min(k, order.length));
      return { items: Int32Array.from(pick, (q) => full.items[q]), ratings: Float32Array.from(pick, (q) => full.ratings[q]) };
    }),
  );
}
const scratch = new Float64Array(ts.nItems);
function hitRate(algo: Algorithm, profileOf: (u: number) => Profile | undefined): number {
  let hits = 0;
  let count = 0;
  for (const { u, i } of held) {
    const p = profileOf(u);
    if (!p) continue;
    count++;
    if (i < 0) continue;
    if (rankItems(algo, p, { n: 10, minItemRatings: 5, scratch }).some((s) => s.item === i)) hits++;
  }
  return hits / count;
}
function row(label: string, algo: Algorithm): void {
  const cells = [hitRate(algo, (u) => ts.profileOf(u))];
  sizes.forEach((k, x) => cells.push(hitRate(algo, (u) => (ts.profileOf(u).items.length > k ? drawn.get(u)![x] : undefined))));
  console.log([label.padEnd(22), ...cells.map((c) => c.toFixed(4))].join('  '));
}
console.log(`${ds.name}: ${held.length} held out; columns: full, ${sizes.map((k) => `k=${k}`).join(', ')}`);
row('ease', ease);
for (const [w, h, taste] of blends) row(`hybrid ${w} ${h} ${taste}`, new HybridAlgorithm(cm, ease, { content_weight: w, half_size: h, taste }).fit(ts));
