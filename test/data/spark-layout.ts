/**
 * Writes factor folders exactly as Spark writes a DataFrame with `.write.json(path)`: the rows
 * spread over several `part-NNNNN-<job uuid>-c000.json` files (an empty one included, as an empty
 * partition gives), a hidden `.part-….json.crc` beside each, `_SUCCESS` and `._SUCCESS.crc`. Floats
 * are printed as Java's Float.toString does (scientific below 10⁻³: `1.2345678E-4`). Spark itself
 * cannot run here; this is the layout its JSON writer produces (Spark 3.x/4.x).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../../src/core/rng.ts';

export interface FactorRow {
  id: number;
  features: ArrayLike<number>;
}

export interface LayoutOptions {
  /** number of non-empty part files (default 3) */
  parts?: number;
  /** leave out _SUCCESS, as an unfinished job does */
  success?: boolean;
  seed?: number;
}

/** A float as Java's Float.toString prints it: the fewest digits that read back to the same float32. */
export function javaFloat(v: number): string {
  const f = Math.fround(v);
  if (f === 0) return Object.is(f, -0) ? '-0.0' : '0.0';
  let p = 1;
  while (Math.fround(Number(f.toPrecision(p))) !== f) p++;
  const shortest = Number(f.toPrecision(p));
  const abs = Math.abs(f);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(shortest);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [m, e] = shortest.toExponential().split('e');
  return `${m.includes('.') ? m : `${m}.0`}E${Number(e)}`;
}

/** Writes `rows` (shuffled) into `dir` as Spark's JSON DataFrame writer lays them out. */
export function writeSparkJsonFolder(dir: string, rows: readonly FactorRow[], opts: LayoutOptions = {}): void {
  const rng = new Rng(opts.seed ?? 7);
  const shuffled = rng.shuffle([...rows]);
  const parts = Math.max(1, opts.parts ?? 3);
  const job = '4f1c2a9e-77b3-4c55-9d0e-3a8f2b6c1d40';
  mkdirSync(dir, { recursive: true });
  const names: string[] = [];
  for (let p = 0; p <= parts; p++) {
    // partition `parts` is empty, as an empty partition writes an empty file
    const mine = p === parts ? [] : shuffled.filter((_, k) => k % parts === p);
    const name = `part-${String(p).padStart(5, '0')}-${job}-c000.json`;
    const text = mine.map((r) => `{"id":${r.id},"features":[${Array.from(r.features, javaFloat).join(',')}]}\n`).join('');
    writeFileSync(join(dir, name), text);
    writeFileSync(join(dir, `.${name}.crc`), Buffer.from([0x63, 0x72, 0x63, 0x00, 0x00, 0x00, 0x02, 0x00]));
    names.push(name);
  }
  if (opts.success !== false) {
    writeFileSync(join(dir, '_SUCCESS'), '');
    writeFileSync(join(dir, '._SUCCESS.crc'), Buffer.from([0x63, 0x72, 0x63, 0x00, 0x00, 0x00, 0x02, 0x00]));
  }
}

/** Rows of a factor table: ids[k] with factors[k·rank … (k+1)·rank). */
export function factorRows(ids: readonly number[], factors: Float32Array, rank: number): FactorRow[] {
  return ids.map((id, k) => ({ id, features: factors.subarray(k * rank, k * rank + rank) }));
}

/** A whole run as spark/train_als.py leaves it: user_factors/, item_factors/, params.json. */
export function writeSparkAlsRun(
  dir: string,
  run: { params: Record<string, unknown>; users: readonly FactorRow[]; items: readonly FactorRow[] },
  opts: LayoutOptions = {},
): string {
  writeSparkJsonFolder(join(dir, 'user_factors'), run.users, opts);
  writeSparkJsonFolder(join(dir, 'item_factors'), run.items, { ...opts, seed: (opts.seed ?? 7) + 1 });
  writeFileSync(join(dir, 'params.json'), `${JSON.stringify(run.params, null, 2)}\n`);
  return dir;
}
