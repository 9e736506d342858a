/**
 * The service tests' world: a small generated catalogue with two taste camps (science-fiction
 * fans and romance fans who agree within their camp), a real SQLite store per test, a logger
 * that keeps what it was told, and a service started on them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createService, type EvaluationRequest, type EvaluationRunner, type LiveService, type ServiceLogger } from '../../../src/bot/service.ts';
import type { LoadedDataset, MovieRecord } from '../../../src/data/types.ts';
import type { Store } from '../../../src/store/api.ts';
import { openStore } from '../../../src/store/store.ts';

// ---- a catalogue with taste camps --------------------------------------------------------------

const SCIFI = ['Star Voyage', 'Robot Dawn', 'Nebula Run', 'Quantum Gate', 'Mars Colony', 'Alien Signal', 'Time Loop', 'Cyber City', 'Void Walker', 'Orbit Zero', 'Photon Storm', 'Galaxy Drift'];
const ROMANCE = ['Paris Letters', 'Summer Vows', 'Second Chances', 'Rainy Kisses', 'Autumn Hearts', 'Wedding Bells', 'Moonlit Promise', 'First Dance', 'Love Notes', 'Harbor Lights', 'Sweet Serenade', 'Rose Garden'];
const COMEDY = ['Office Chaos', 'Pie Fight', 'Dog Days', 'Uncle Bob', 'Lost Luggage', 'Big Sneeze'];

export function catalogue(): MovieRecord[] {
  const movies: MovieRecord[] = [];
  const add = (names: string[], genre: string, base: number) =>
    names.forEach((name, k) => {
      const id = String(base + k);
      const year = 1970 + ((base + k * 7) % 45);
      movies.push({ movieId: id, title: `${name} (${year})`, displayTitle: name, year, genres: [genre, k % 3 === 0 ? 'Drama' : 'Adventure'] });
    });
  add(SCIFI, 'Sci-Fi', 100);
  add(ROMANCE, 'Romance', 200);
  add(COMEDY, 'Comedy', 300);
  return movies;
}

/** A seeded generator, so the fixture is the same on every run. */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export function tasteDataset(): LoadedDataset {
  const movies = catalogue();
  const rnd = lcg(7);
  const users: string[] = [];
  const items: string[] = [];
  const ratings: number[] = [];
  for (let u = 1; u <= 60; u++) {
    const scifiFan = u % 2 === 0;
    for (const m of movies) {
      // popular titles (low ids in each camp) are rated more often
      const rank = Number(m.movieId) % 100;
      if (rnd() > 0.75 - rank * 0.03) continue;
      const genre = m.genres[0];
      const loved = (genre === 'Sci-Fi') === scifiFan && genre !== 'Comedy';
      const base = genre === 'Comedy' ? 3 : loved ? 4.5 : 1.5;
      const r = Math.min(5, Math.max(0.5, Math.round((base + (rnd() - 0.5)) * 2) / 2));
      users.push(String(u));
      items.push(m.movieId);
      ratings.push(r);
    }
  }
  return {
    name: 'taste-camps',
    format: 'movielens-csv',
    dir: '/nowhere/taste-camps',
    scale: [0.5, 5],
    movies,
    ratings: { users, items, ratings: Float32Array.from(ratings), timestamps: new Float64Array(ratings.length).fill(NaN) },
  };
}

export const scifiIds = new Set(catalogue().filter((m) => m.genres[0] === 'Sci-Fi').map((m) => m.movieId));

export interface Logged {
  level: string;
  msg?: string;
  obj: object;
}

export function captureLogger(): { logger: ServiceLogger; lines: Logged[] } {
  const lines: Logged[] = [];
  const at = (level: string) => (obj: object, msg?: string) => void lines.push({ level, msg, obj });
  return { logger: { info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

export async function until(cond: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const tmp = mkdtempSync(join(tmpdir(), 'marquee-service-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

export function freshStore(name: string): Store {
  const store = openStore(join(tmp, `${name}.db`));
  store.importDataset(tasteDataset());
  return store;
}

export const ALGOS = ['ease', 'svd', 'knn-item', 'baseline', 'popular'];
/** What of ALGOS is trained and snapshotted: `popular` is served from the chart, never trained. */
export const MODEL_ALGOS = ALGOS.filter((a) => a !== 'popular');

export async function start(store: Store, extra: Partial<Parameters<typeof createService>[0]> = {}): Promise<LiveService> {
  return createService({
    store,
    algorithms: ALGOS,
    coldStart: 3,
    retrainAfter: 1000,
    retrainMinutes: 60,
    logger: captureLogger().logger,
    ...extra,
  });
}


/**
 * An evaluation runner that reports the given HR@10s (the chart `popular` among them when given)
 * without ranking anything, in the shape of a top-N report, and remembers what it was asked: the
 * service's side of /evaluate without a worker.
 */
export function scriptedRunner(hitRates: Array<[string, number]>): EvaluationRunner & { requests: EvaluationRequest[] } {
  const requests: EvaluationRequest[] = [];
  return {
    requests,
    async run(request, onStep) {
      requests.push(request);
      for (const algorithm of request.algorithms) onStep({ algorithm, hitRate: hitRates.find(([a]) => a === algorithm)?.[1] });
      const sorted = [...hitRates].sort((a, b) => b[1] - a[1]);
      const rows = sorted.map(([algo, hitRate]) => ({ algo, hitRate, ci: 0.02 }));
      const results = sorted.map(([algorithm, mean]) => ({ algorithm, hitRate: { mean, lo: mean - 0.02, hi: mean + 0.02 } }));
      return { rows, table: rows.map((r) => `${r.algo} ${r.hitRate}`).join('\n'), report: { protocol: request.protocol, results } };
    },
  };
}
