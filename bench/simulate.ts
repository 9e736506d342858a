/**
 * The interleaving simulator: held-out MovieLens ratings play members, driving the real command
 * path: every list is a `/recommend` line through the dispatcher (src/bot/dispatch.ts with
 * loadCommands()), every 👍 the console key a member types (`+3`, resolved as the console
 * resolves it to a `/react` line), and an admin runs `/experiment start|stop`. The verdict is read
 * from the reply /experiment stop renders (its "Verdict" and "Members preferring" fields).
 *
 *   npx tsx bench/simulate.ts [dataset folder] [--runs 100] [--members 50,100,200,300] [--pool 600] [--a ease] [--b popular]
 *
 * Protocol. `pool` users with ≥ 20 ratings (seeded) become members: 80 % of each one's ratings
 * (seeded per user) are their member ratings, trained with everyone else's dataset ratings; the
 * other 20 % are held out. A simulated member 👍s a shown movie they rated ≥ 4 in their held-out
 * part, and nothing else. Each run samples `members` of the pool (seed = run), starts an
 * experiment, shows each one /recommend list of 10 (the coin seeded by the run), reacts, reads
 * the verdict, stops. Runs: A vs B (the better must win), A vs A (no winner at α = 0.05).
 *
 * The A/B split on the same members: half get `/recommend algo:A`, half `algo:B` (the same
 * command and serving path), per-member likes compared by Welch's test at α = 0.05. Members
 * needed for 80 % power come from the measured effect: the exact sign test's power for
 * interleaving (significance.ts signTestMembersNeeded), the two-sample formula for A/B.
 */
import { loadCommands } from '../commands/index.ts';
import { reactionsOf, resolveReaction } from '../src/bot/adapters/console.ts';
import { createDispatcher } from '../src/bot/dispatch.ts';
import type { Reply } from '../src/bot/reply.ts';
import { createService } from '../src/bot/service.ts';
import { abMembersNeeded, signTestMembersNeeded, twoSampleP } from '../src/core/eval/significance.ts';
import { Rng } from '../src/core/rng.ts';
import { loadDataset } from '../src/data/load.ts';
import type { LoadedDataset } from '../src/data/types.ts';
import { openStore } from '../src/store/store.ts';

function arg(name: string, fallback: string): string {
  const k = process.argv.indexOf(`--${name}`);
  return k > 0 ? process.argv[k + 1] : fallback;
}
const dir = process.argv[2] && !process.argv[2].startsWith('--') ? process.argv[2] : '../shared/data/ml-latest-small';
const RUNS = Number(arg('runs', '100'));
const SIZES = arg('members', '50,100,200,300').split(',').map(Number);
const POOL = Number(arg('pool', '600'));
const A = arg('a', 'ease');
const B = arg('b', 'popular');
const N = 10;
const LIKED = 4;

const ds = await loadDataset(dir, { tags: false });
const t0 = performance.now();

// ---- simulated members: a seeded pool, 80/20 split of each one's ratings -----------------------
const byUser = new Map<string, number[]>();
ds.ratings.users.forEach((u, j) => {
  let l = byUser.get(u);
  if (!l) byUser.set(u, (l = []));
  l.push(j);
});
const eligible = [...byUser.keys()].filter((u) => byUser.get(u)!.length >= 20);
const pick = new Rng(2026).shuffle([...eligible]).slice(0, Math.min(POOL, eligible.length));
const pooled = new Set(pick);
const kept: number[] = [];
ds.ratings.users.forEach((u, j) => {
  if (!pooled.has(u)) kept.push(j);
});
const rest: LoadedDataset = {
  ...ds,
  name: `${ds.name}-without-simulated`,
  ratings: {
    users: kept.map((j) => ds.ratings.users[j]),
    items: kept.map((j) => ds.ratings.items[j]),
    ratings: Float32Array.from(kept, (j) => ds.ratings.ratings[j]),
    timestamps: Float64Array.from(kept, (j) => ds.ratings.timestamps[j]),
  },
};
const store = openStore(':memory:');
store.importDataset(rest);
interface SimMember {
  /** the console user id the member types as */
  userId: string;
  /** held-out movies rated ≥ 4: what this member 👍s when shown */
  likes: Set<string>;
}
const sims: SimMember[] = pick.map((u, k) => {
  const rows = new Rng(k + 1).shuffle([...byUser.get(u)!]);
  const cut = Math.floor(rows.length * 0.8);
  const userId = `sim-${u}`;
  const member = store.member('console', userId);
  // members rate 0.5..5 in half stars; MovieLens small is already on that scale
  store.rateMany(member.id, rows.slice(0, cut).map((j) => ({ movieId: ds.ratings.items[j], rating: ds.ratings.ratings[j] })));
  const likes = new Set(rows.slice(cut).filter((j) => ds.ratings.ratings[j] >= LIKED).map((j) => ds.ratings.items[j]));
  return { userId, likes };
});

let coin = new Rng(1);
const svc = await createService({
  store,
  algorithms: [...new Set([A, B].filter((x) => x !== 'popular'))],
  coldStart: 5,
  retrainAfter: 1e9,
  retrainMinutes: 30_000,
  experimentRandom: () => coin.random(),
  logger: { info() {}, warn() {}, error() {} },
});
await svc.ready;
console.log(`${ds.name}: ${sims.length} simulated members (${eligible.length} eligible), ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const ADMIN = 'sim-admin';
const dispatcher = createDispatcher({ service: svc, commands: await loadCommands(), admins: [{ platform: 'console', userId: ADMIN }] });
const say = (userId: string, line: string): Promise<Reply> => dispatcher.dispatch({ platform: 'console', userId, line });

/**
 * One member's turn: `/recommend` and a 👍 (the console key `+k`) on every shown movie they
 * rated ≥ 4 in their held-out part. Returns how many they liked.
 */
async function memberTurn(s: SimMember, recommendLine: string): Promise<number> {
  const list = await say(s.userId, recommendLine);
  const keys = reactionsOf(list);
  if (!keys) throw new Error(`${recommendLine} showed ${s.userId} no list to react to: ${list.text ?? list.title}`);
  let liked = 0;
  for (let k = 0; k < keys.movieIds.length; k++) {
    const movieId = keys.movieIds[k];
    if (movieId === undefined || !s.likes.has(movieId)) continue;
    const typed = resolveReaction(`+${k + 1}`, keys);
    if (!typed || !('command' in typed)) throw new Error(`the console refused "+${k + 1}"`);
    const reacted = await say(s.userId, typed.command);
    // a run on refused reactions would measure nothing: /react names the reaction it kept
    if (reacted.reaction?.state !== 'want') throw new Error(`${typed.command} was refused: ${reacted.text}`);
    liked++;
  }
  return liked;
}

function field(reply: Reply, name: string): string {
  const f = reply.fields?.find((x) => x.name === name);
  if (!f) throw new Error(`/experiment answered without "${name}": ${reply.title ?? reply.text}`);
  return f.value;
}

/** What /experiment stop reports: the winner named in its verdict, and the members per side. */
function verdictOf(reply: Reply): { winner: string | null; winsA: number; winsB: number; ties: number } {
  const verdict = field(reply, 'Verdict');
  const winner = /members prefer \*\*(.+?)\*\*/.exec(verdict)?.[1] ?? null;
  if (winner === null && !/^no winner/.test(verdict)) throw new Error(`an unreadable verdict: ${verdict}`);
  // "<a>: 12 · <b>: 3 · neither: 5", in that order
  const counts = [...field(reply, 'Members preferring').matchAll(/: (\d+)/g)].map((m) => Number(m[1]));
  if (counts.length !== 3) throw new Error(`unreadable counts: ${field(reply, 'Members preferring')}`);
  return { winner, winsA: counts[0], winsB: counts[1], ties: counts[2] };
}

/** One interleaved run: an admin starts the experiment, each sampled member sees one list and 👍s their held-out likes in it. */
async function interleavedRun(a: string, b: string, size: number, seed: number) {
  coin = new Rng(seed + 7919);
  const start = `/experiment start a:${a} b:${b} n:${N}`;
  const started = await say(ADMIN, start);
  if (!started.title?.startsWith('Experiment ')) throw new Error(`${start} was refused: ${started.text}`);
  const sample = new Rng(seed).shuffle([...sims]).slice(0, size);
  for (const s of sample) await memberTurn(s, `/recommend n:${N}`);
  // the verdict /experiment stop reports (it also draws the running-preference chart)
  const v = verdictOf(await say(ADMIN, '/experiment stop'));
  const winner = v.winner === null ? 'none' : a === b ? 'same' : v.winner === a ? 'a' : 'b';
  return { winner, winsA: v.winsA, winsB: v.winsB, ties: v.ties };
}

/** One A/B run on the same sample: half the members see A's list, half B's (`/recommend algo:`). */
async function abRun(a: string, b: string, size: number, seed: number) {
  const sample = new Rng(seed).shuffle([...sims]).slice(0, size);
  const half = Math.floor(sample.length / 2);
  const x = new Float64Array(half);
  const y = new Float64Array(sample.length - half);
  for (let k = 0; k < half; k++) x[k] = await memberTurn(sample[k], `/recommend algo:${a} n:${N}`);
  for (let k = half; k < sample.length; k++) y[k - half] = await memberTurn(sample[k], `/recommend algo:${b} n:${N}`);
  return { ...twoSampleP(x, y), x, y };
}

const fmt = (v: number) => (v * 100).toFixed(1) + ' %';
interface Pooled { winsA: number; winsB: number; members: number }
const pooledAB: Pooled = { winsA: 0, winsB: 0, members: 0 };
const likesA: number[] = [];
const likesB: number[] = [];
console.log(`\n${RUNS} seeded runs per row; lists of ${N}; α = 0.05`);
console.log('members | interleaved A vs B: names ' + A + ' | interleaved ' + A + ' vs ' + A + ': no winner | A/B split: names ' + A);
for (const size of SIZES) {
  let right = 0;
  let quiet = 0;
  let abRight = 0;
  const t = performance.now();
  for (let r = 0; r < RUNS; r++) {
    const seed = size * 1000 + r;
    const v = await interleavedRun(A, B, size, seed);
    if (v.winner === 'a') right++;
    pooledAB.winsA += v.winsA;
    pooledAB.winsB += v.winsB;
    pooledAB.members += v.winsA + v.winsB + v.ties;
    const same = await interleavedRun(A, A, size, seed);
    if (same.winner === 'none') quiet++;
    const ab = await abRun(A, B, size, seed);
    if (ab.p < 0.05 && ab.diff > 0) abRight++;
    likesA.push(...ab.x);
    likesB.push(...ab.y);
  }
  console.log(`${String(size).padStart(7)} | ${fmt(right / RUNS).padStart(8)} | ${fmt(quiet / RUNS).padStart(8)} | ${fmt(abRight / RUNS).padStart(8)}   (${((performance.now() - t) / 1000).toFixed(0)} s)`);
}

// ---- members needed for 80 % power at the measured effect --------------------------------------
const shareA = pooledAB.winsA / (pooledAB.winsA + pooledAB.winsB);
const decisive = (pooledAB.winsA + pooledAB.winsB) / pooledAB.members;
const needInterleaved = signTestMembersNeeded(shareA, decisive);
const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
const sd = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + (x - mean(v)) ** 2, 0) / (v.length - 1));
const delta = mean(likesA) - mean(likesB);
const pooledSd = Math.sqrt((sd(likesA) ** 2 + sd(likesB) ** 2) / 2);
const needAB = abMembersNeeded(delta, pooledSd);
console.log(`\nmeasured, interleaved ${A} vs ${B}: ${fmt(decisive)} of members have a preference; of those ${fmt(shareA)} prefer ${A}`);
console.log(`measured, A/B: likes per list ${A} ${mean(likesA).toFixed(3)} vs ${B} ${mean(likesB).toFixed(3)} (sd ${pooledSd.toFixed(3)})`);
console.log(`members needed for 80 % power at α = 0.05: interleaved ${needInterleaved}, A/B split ${needAB} (ratio ${(needAB / needInterleaved).toFixed(1)}×)`);
console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
await svc.close();
store.close();
