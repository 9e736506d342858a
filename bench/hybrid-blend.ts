/**
 * The hybrid against the best single model, member by member, on the top-N yardstick's split:
 *
 *   npx tsx bench/hybrid-blend.ts <dataset folder> [--seeds 0,1,…] [--protocol loo|rare|temporal|cutoff[:q,q,…]] [variant …]
 *
 * Leave-one-out (one random rating per member, seeded as `npm run evaluate -- --topn`; or the
 * yardstick's rare or temporal protocol; or its time cut-off, the "new movies" protocol, at each
 * quantile listed, 0.5,0.6,0.7,0.8,0.9 by default, pooled as seeds are: --seeds does not apply),
 * trainsets over the whole catalogue (movies.csv) as the yardstick builds them, the bot's candidate filter (movies with ≥ 5 training
 * ratings, none for hybrid as /recommend serves it; a variant ending in #min=N uses N instead),
 * lists from `rankItems` with the serving rule, metrics from `userTopNMetrics`: at seed 0 the
 * means are the yardstick's. Each member's
 * values are averaged over the seeds, then every variant is compared with the FIRST one by
 * `pairedComparison` (per-member differences, McNemar's exact test on HR@10).
 *
 * Variants (default: ease ials hybrid):
 *   a registry spec              ease, ease:lambda=200, ials, item-knn
 *   hybrid[:name=value,…][@base] src/core/content/hybrid.ts over EASE (the bot's hybrid) or over
 *                                the base spec after @ (e.g. hybrid@ease:lambda=200)
 *   fuse:<spec>=<w>+<spec>=<w>…  Σ w·z(scores), each model z-scored over the member's candidates
 *                                (e.g. fuse:ease=0.7+ials=0.3)
 *   ease-rated:<w>               EASE whose member row counts a rating below 3.5 at weight w, not 1
 *   switch:<T>:<light>|<heavy>   the light variant's list for a member with fewer than T training
 *                                ratings, the heavy one's from T on (e.g. switch:50:ease|ease-side)
 *   ease-side[:name=value,…][@fields]  EASE with the content model's TF-IDF rows as side
 *                                information (src/core/algorithms/ease-side.ts), e.g.
 *                                ease-side:alpha=30 or ease-side:alpha=30@genres,tags, or
 *                                ease-side:alpha=30,diag=drop,max_df=50,knn=20
 *
 * "new HR@10" is HR@10 over the held-out movies with no training rating alone (members with one),
 * with its paired difference against the first variant.
 *
 * Fit seconds include the fits a variant builds on (the hybrid's EASE, a fusion's models); a
 * model shared by variants is fitted once per seed. Rank ms is the mean time to score and rank
 * one member. Both are CPU time of this process (a shared machine stretches wall clock, not CPU).
 */
import type { Algorithm } from '../src/core/algorithm.ts';
import type { Ease } from '../src/core/algorithms/ease.ts';
import { contentMovieOf } from '../src/bot/content-movies.ts';
import { EaseSide } from '../src/core/algorithms/ease-side.ts';
import { HybridAlgorithm } from '../src/core/content/hybrid.ts';
import { ContentModel, type ContentField } from '../src/core/content/model.ts';
import { zScores } from '../src/core/content/hybrid.ts';
import { cutoffSplit, trainsetOf } from '../src/core/eval/splitters.ts';
import { topNSplitter, type TopNProtocol } from '../src/core/eval/topn.ts';
import { pairedComparison } from '../src/core/eval/significance.ts';
import { meanWithCI, userTopNMetrics } from '../src/core/eval/topn-metrics.ts';
import { rankItems, servingOptions } from '../src/core/rank.ts';
import { createAlgorithm } from '../src/core/registry.ts';
import { topN } from '../src/core/topn.ts';
import type { Profile, Trainset } from '../src/core/trainset.ts';
import { loadDataset } from '../src/data/load.ts';

const N = 10;

/** CPU seconds of this process: on a machine shared with other jobs, wall clock runs several times longer. */
const cpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
const DEFAULT_MIN_RATINGS = 5;
const LIKED = 3.5;

const args = process.argv.slice(2);
const seedAt = args.indexOf('--seeds');
const seeds = seedAt >= 0 ? args.splice(seedAt, 2)[1].split(',').map(Number) : [0];
const protocolAt = args.indexOf('--protocol');
const [protocol, quantileList] = (protocolAt >= 0 ? args.splice(protocolAt, 2)[1] : 'loo').split(':') as [TopNProtocol, string | undefined];
if (!['loo', 'rare', 'temporal', 'cutoff'].includes(protocol)) throw new Error(`--protocol must be loo, rare, temporal or cutoff[:q,…], got ${protocol}`);
const quantiles = (quantileList ?? '0.5,0.6,0.7,0.8,0.9').split(',').map(Number);
if (protocol === 'cutoff' && quantiles.some((q) => !(q > 0 && q < 1))) throw new Error(`cutoff quantiles must lie in (0, 1), got ${quantileList}`);
const [dir, ...given] = args;
if (!dir || seeds.some((s) => !Number.isInteger(s) || s < 0)) {
  throw new Error('usage: npx tsx bench/hybrid-blend.ts <dataset folder> [--seeds 0,1,…] [variant …]');
}
const specs = given.length > 0 ? given : ['ease', 'ials', 'hybrid'];
const ds = await loadDataset(dir, { tags: true });
const catalogue = ds.movies.map((m) => m.movieId);
const yearById = new Map(ds.movies.map((m) => [m.movieId, m.year]));
const releaseYears = { yearOf: (id: string) => yearById.get(id) };
const content = specs.some((s) => s.startsWith('hybrid')) ? ContentModel.build(ds.movies.map(contentMovieOf)) : undefined;
/** content models by their fields (`ease-side…@genres,tags`), built once */
const contentByFields = new Map<string, ContentModel>();
function contentOf(fields: string): ContentModel {
  let cm = contentByFields.get(fields);
  if (!cm) {
    const opts = fields === '' ? {} : { fields: fields.split(',') as ContentField[] };
    contentByFields.set(fields, (cm = ContentModel.build(ds.movies.map(contentMovieOf), opts)));
  }
  return cm;
}

/** One seed's fitted models by spec, each with the seconds its fit took. */
class Fitted {
  private models = new Map<string, { algo: Algorithm; seconds: number }>();
  constructor(readonly ts: Trainset) {}
  get(spec: string): { algo: Algorithm; seconds: number } {
    let m = this.models.get(spec);
    if (!m) {
      const t0 = cpuSeconds();
      const algo = createAlgorithm(spec).fit(this.ts);
      this.models.set(spec, (m = { algo, seconds: cpuSeconds() - t0 }));
    }
    return m;
  }
}

/** A variant ready to rank: `list(p)` is the member's top N, `seconds` its fit. */
interface Ready {
  seconds: number;
  list(p: Profile): Int32Array;
}

function candidates(ts: Trainset, p: Profile, scores: Float64Array, minRatings = DEFAULT_MIN_RATINGS): void {
  for (let i = 0; i < ts.nItems; i++) if (ts.itemDegree(i) < minRatings) scores[i] = NaN;
  for (const j of p.items) scores[j] = NaN;
}

const asList = (picks: Array<{ item: number }>) => Int32Array.from(picks, (s) => s.item);

function prepare(variant: string, fitted: Fitted): Ready {
  const ts = fitted.ts;
  const hash = variant.indexOf('#min=');
  const spec = hash < 0 ? variant : variant.slice(0, hash);
  const MIN_RATINGS = hash < 0 ? DEFAULT_MIN_RATINGS : Number(variant.slice(hash + '#min='.length));
  if (!Number.isInteger(MIN_RATINGS) || MIN_RATINGS < 0) throw new Error(`${variant}: #min= takes a whole number ≥ 0`);
  const scratch = new Float64Array(ts.nItems);
  const served = (algo: Algorithm, seconds: number): Ready => ({
    seconds,
    // #min=N overrides the serving rule's filter (hybrid is served with none: core/rank.ts)
    list: (p) => asList(rankItems(algo, p, { ...servingOptions(algo, MIN_RATINGS), ...(hash < 0 ? {} : { minItemRatings: MIN_RATINGS }), n: N, scratch })),
  });
  if (spec === 'hybrid' || spec.startsWith('hybrid:') || spec.startsWith('hybrid@')) {
    const at = spec.indexOf('@');
    const own = at < 0 ? spec : spec.slice(0, at);
    const params = Object.fromEntries((own.split(':')[1] ?? '').split(',').filter(Boolean).map((kv) => kv.split('=')));
    const base = fitted.get(at < 0 ? 'ease' : spec.slice(at + 1));
    const t0 = cpuSeconds();
    const hybrid = new HybridAlgorithm(content!, base.algo, params, releaseYears).fit(ts);
    return served(hybrid, base.seconds + cpuSeconds() - t0);
  }
  if (spec === 'ease-side' || spec.startsWith('ease-side:') || spec.startsWith('ease-side@')) {
    const at = spec.indexOf('@');
    const own = at < 0 ? spec : spec.slice(0, at);
    const params = Object.fromEntries((own.split(':')[1] ?? '').split(',').filter(Boolean).map((kv) => kv.split('=')));
    const cm = contentOf(at < 0 ? '' : spec.slice(at + 1));
    const t0 = cpuSeconds();
    const algo = new EaseSide({ rows: cm.tfidf.matrix, rowOf: (id) => cm.indexOf(id) }, params).fit(ts);
    return served(algo, cpuSeconds() - t0);
  }
  if (spec.startsWith('switch:')) {
    // switch:<T>:<light>|<heavy>: a member with fewer than T training ratings gets the light
    // variant's list, from T on the heavy one's (a switching hybrid, Burke 2002), each list
    // exactly as that variant serves it
    const [, at, pair] = spec.split(/:(.*)/s)[1].match(/^(\d+):(.*)$/) ?? [];
    const [light, heavy] = (pair ?? '').split('|');
    const threshold = Number(at);
    if (!light || !heavy || !(threshold >= 1)) throw new Error(`${spec}: write switch:<ratings>:<light variant>|<heavy variant>, e.g. switch:50:ease|ease-side`);
    const l = prepare(light, fitted);
    const h = prepare(heavy, fitted);
    return { seconds: l.seconds + h.seconds, list: (p) => (p.items.length >= threshold ? h : l).list(p) };
  }
  if (spec.startsWith('fuse:')) {
    const parts = spec
      .slice('fuse:'.length)
      .split('+')
      .map((term) => {
        const eq = term.lastIndexOf('=');
        const weight = Number(term.slice(eq + 1));
        if (eq < 1 || !Number.isFinite(weight)) throw new Error(`fusion term "${term}" must be <spec>=<weight>, e.g. ials=0.3`);
        return { model: fitted.get(term.slice(0, eq)), weight };
      });
    const own = new Float64Array(ts.nItems);
    return {
      seconds: parts.reduce((s, x) => s + x.model.seconds, 0),
      list: (p) => {
        scratch.fill(0);
        for (const { model, weight } of parts) {
          model.algo.scoreAll(p, own);
          candidates(ts, p, own, MIN_RATINGS);
          const z = zScores(own).values;
          for (let i = 0; i < ts.nItems; i++) scratch[i] += weight * (z[i] === z[i] ? z[i] : 0);
        }
        candidates(ts, p, scratch, MIN_RATINGS);
        return asList(topN(scratch, N));
      },
    };
  }
  if (spec.startsWith('ease-rated:')) {
    const low = Number(spec.slice('ease-rated:'.length));
    if (!(low >= 0)) throw new Error(`${spec}: the weight of a rating below ${LIKED} must be a number ≥ 0`);
    const ease = fitted.get('ease');
    const { cols, b } = (ease.algo as Ease).state() as { cols: Int32Array; b: Float32Array };
    const m = cols.length;
    const pos = new Int32Array(ts.nItems).fill(-1);
    for (let c = 0; c < m; c++) pos[cols[c]] = c;
    const acc = new Float64Array(m);
    return {
      seconds: ease.seconds,
      list: (p) => {
        acc.fill(0);
        const seen = new Set<number>();
        for (let k = 0; k < p.items.length; k++) {
          const c = pos[p.items[k]];
          if (c < 0 || seen.has(c)) continue;
          seen.add(c);
          const w = p.ratings[k] >= LIKED ? 1 : low;
          for (let q = 0; q < m; q++) acc[q] += w * b[c * m + q];
        }
        scratch.fill(NaN);
        for (let c = 0; c < m; c++) scratch[cols[c]] = acc[c];
        candidates(ts, p, scratch, MIN_RATINGS);
        return asList(topN(scratch, N));
      },
    };
  }
  const m = fitted.get(spec);
  return served(m.algo, m.seconds);
}

// member → index over the whole dataset, so seeds line up member by member
const memberIndex = new Map<string, number>();
for (const u of ds.ratings.users) if (!memberIndex.has(u)) memberIndex.set(u, memberIndex.size);
const M = memberIndex.size;
const sums = specs.map(() => ({
  hit: new Float64Array(M),
  liked: new Float64Array(M),
  likedCount: new Float64Array(M),
  ndcg: new Float64Array(M),
  fresh: new Float64Array(M),
  freshCount: new Float64Array(M),
}));
const count = new Float64Array(M);
const fitSeconds = specs.map(() => 0);
const rankMs = specs.map(() => 0);
let ranked = 0;
let heldOutRatings = 0;
let heldOutNew = 0;
const runs =
  protocol === 'cutoff'
    ? quantiles.map((q) => ({ label: `q ${q}`, splitter: cutoffSplit(q) }))
    : seeds.map((seed) => ({ label: `seed ${seed}`, splitter: topNSplitter(protocol, { seed }) }));
for (const run of runs) {
  const [split] = [...run.splitter.split(ds.ratings)];
  const ts = trainsetOf(ds.ratings, split.train, ds.scale, catalogue);
  const fitted = new Fitted(ts);
  const ready = specs.map((s) => prepare(s, fitted));
  ready.forEach((r, v) => (fitSeconds[v] += r.seconds / runs.length));
  // a member's held-out ratings of one split, ranked from one list (the cut-off holds out many)
  const byMember = new Map<number, number[]>();
  for (const j of split.test) {
    const u = ts.innerUser(ds.ratings.users[j]);
    if (u === undefined) continue;
    let rows = byMember.get(u);
    if (!rows) byMember.set(u, (rows = []));
    rows.push(j);
  }
  for (const [u, rows] of byMember) {
    const items = Int32Array.from(rows, (j) => ts.innerItem(ds.ratings.items[j]) ?? -1);
    const ratings = Float64Array.from(rows, (j) => ds.ratings.ratings[j]);
    const freshKeep = rows.flatMap((_, h) => (items[h] < 0 || ts.itemDegree(items[h]) === 0 ? [h] : []));
    const fresh = { items: Int32Array.from(freshKeep, (h) => items[h]), ratings: Float64Array.from(freshKeep, (h) => ratings[h]) };
    heldOutRatings += rows.length;
    heldOutNew += fresh.items.length;
    const member = memberIndex.get(ts.rawUser(u))!;
    const p = ts.profileOf(u);
    count[member]++;
    ranked++;
    ready.forEach((r, v) => {
      const t0 = cpuSeconds();
      const list = r.list(p);
      rankMs[v] += (cpuSeconds() - t0) * 1000;
      const got = userTopNMetrics(list, { items, ratings }, N, N, LIKED);
      sums[v].hit[member] += got.hit;
      sums[v].ndcg[member] += got.ndcg;
      if (got.likedHit === got.likedHit) {
        sums[v].liked[member] += got.likedHit;
        sums[v].likedCount[member]++;
      }
      if (fresh.items.length > 0) {
        sums[v].fresh[member] += userTopNMetrics(list, fresh, N, N, LIKED).hit;
        sums[v].freshCount[member]++;
      }
    });
  }
}
const perMember = (sum: Float64Array, by: Float64Array) => Float64Array.from(sum, (s, k) => (by[k] > 0 ? s / by[k] : NaN));
const rows = sums.map((s) => ({
  hit: perMember(s.hit, count),
  liked: perMember(s.liked, s.likedCount),
  ndcg: perMember(s.ndcg, count),
  fresh: perMember(s.fresh, s.freshCount),
}));
const f = (x: number) => x.toFixed(4);
const ci = (v: Float64Array) => {
  const m = meanWithCI(v, [0, 1]);
  return `${f(m.mean)} ±${f((m.hi - m.lo) / 2)}`;
};
const testedMembers = count.reduce((a, c) => a + (c > 0 ? 1 : 0), 0);
console.log(
  `${ds.name}: ${protocol === 'loo' ? 'leave-one-out' : protocol} ${runs.map((r) => r.label).join(', ')}; ${(ranked / runs.length).toFixed(1)} members per split, ${testedMembers} in all; ` +
    `held-out ratings ${heldOutRatings}, of new movies (no training rating) ${heldOutNew} (${((100 * heldOutNew) / heldOutRatings).toFixed(1)}%); HR@${N} vs ${specs[0]} paired over members`,
);
console.log(
  ['variant'.padEnd(34), 'HR@10'.padEnd(15), 'NDCG@10', 'HR@10 liked'.padEnd(15), 'ΔHR [95% CI]'.padEnd(26), '+/−'.padEnd(9), 'p'.padEnd(6), 'ΔHR liked (p)'.padEnd(18), 'new HR@10'.padEnd(15), 'Δnew (+/−, p)'.padEnd(26), 'fit s', 'rank ms'].join('  '),
);
specs.forEach((spec, v) => {
  const hr = pairedComparison(rows[v].hit, rows[0].hit);
  const lk = pairedComparison(rows[v].liked, rows[0].liked);
  const fr = pairedComparison(rows[v].fresh, rows[0].fresh);
  const sign = (x: number) => (x >= 0 ? '+' : '') + f(x);
  console.log(
    [
      spec.padEnd(34),
      ci(rows[v].hit).padEnd(15),
      f(meanWithCI(rows[v].ndcg).mean).padEnd(7),
      ci(rows[v].liked).padEnd(15),
      `${sign(hr.diff)} [${sign(hr.interval.lo)}, ${sign(hr.interval.hi)}]`.padEnd(26),
      `+${hr.winsA}/−${hr.winsB}`.padEnd(9),
      hr.p.toFixed(3).padEnd(6),
      `${sign(lk.diff)} (${lk.p.toFixed(3)})`.padEnd(18),
      ci(rows[v].fresh).padEnd(15),
      `${sign(fr.diff)} (+${fr.winsA}/−${fr.winsB}, ${fr.p.toFixed(3)})`.padEnd(26),
      fitSeconds[v].toFixed(1).padStart(5),
      (rankMs[v] / ranked).toFixed(2).padStart(7),
    ].join('  '),
  );
});
