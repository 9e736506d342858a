/**
 * `npm run spark:export -- <out-folder> [--db <path>]` writes what the bot trains on — the
 * dataset's ratings and every member's — from the store (MARQUEE_DB, default ./data/marquee.db)
 * into <out-folder> for spark/train_als.py (layout: src/data/spark-export.ts). Errors are one
 * paragraph on stderr, exit code 1.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULTS } from '../config.ts';
import { SparkExportError, writeSparkExport } from '../data/spark-export.ts';
import { StoreError } from '../store/api.ts';
import { openStore } from '../store/store.ts';
import { runIfEntry } from './entry.ts';

export interface SparkExportIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  /** the export's clock (tests pin it) */
  now?: () => Date;
}

const USAGE = `Usage:
  npm run spark:export -- <out-folder> [--db <path>]

Writes the ratings Marquee trains on (the dataset's and every member's) into <out-folder> as
ratings.csv (userId,movieId,rating,timestamp), users.csv (the members' Spark user ids) and
manifest.json, for spark/train_als.py. <out-folder> must be new or empty.
  --db <path>   the store (default: $MARQUEE_DB, else ${DEFAULTS.dbPath})`;

export async function main(argv: string[], io: SparkExportIo): Promise<number> {
  const say = (s: string): void => void io.stdout.write(`${s}\n`);
  const fail = (s: string): number => {
    io.stderr.write(`${s}\n`);
    return 1;
  };
  let values: { db?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { db: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    }));
  } catch (err) {
    return fail(`${(err as Error).message.replace(/\.$/u, '')}. Run \`npm run spark:export -- --help\` for the options.`);
  }
  if (values.help) {
    say(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    return fail(positionals.length === 0 ? 'Where to? Give the folder to export into, e.g. `npm run spark:export -- spark-in`.' : `Give one folder (got ${positionals.join(', ')}).`);
  }
  const out = resolve(io.cwd, positionals[0]);
  const dbPath = resolve(io.cwd, values.db ?? io.env.MARQUEE_DB ?? DEFAULTS.dbPath);
  if (!existsSync(dbPath)) return fail(`There is no Marquee database at ${dbPath}; start Marquee once (it imports the dataset) or pass --db.`);
  let store;
  try {
    store = openStore(dbPath);
  } catch (err) {
    if (err instanceof StoreError) return fail(err.message);
    throw err;
  }
  try {
    const info = store.datasetInfo();
    if (!info) return fail(`${dbPath} holds no dataset yet; start Marquee once so it imports one.`);
    const t0 = performance.now();
    let shownAt = t0;
    const manifest = writeSparkExport(out, {
      dataset: { name: info.name, fingerprint: info.fingerprint, scale: info.scale },
      datasetRatings: store.datasetRatings(),
      memberRatings: store.allMemberRatings(),
      now: io.now,
      onProgress: (done, total) => {
        // a line every few seconds, so a 32 M-rating export shows it is alive without flooding a log
        if (performance.now() - shownAt < 3000) return;
        shownAt = performance.now();
        io.stderr.write(`Exported ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} ratings …\n`);
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const n = (x: number): string => x.toLocaleString('en-US');
    say(
      `Exported ${n(manifest.ratings)} ratings of ${manifest.dataset} (${n(manifest.datasetRatings)} from the dataset, ${n(manifest.memberRatings)} from ${n(manifest.members)} ${manifest.members === 1 ? 'member' : 'members'}) into ${out} in ${seconds.toFixed(1)} s.`,
    );
    say(`Members have Spark user ids above ${manifest.memberUserIdOffset} (users.csv). Train with: spark-submit spark/train_als.py --ratings ${out} --out <factors-folder>`);
    return 0;
  } catch (err) {
    if (err instanceof SparkExportError || err instanceof StoreError) return fail(`${err.message}. Nothing was written.`);
    return fail(`The export failed: ${(err as Error)?.message ?? String(err)}. Nothing was written.`);
  } finally {
    store.close();
  }
}

runIfEntry(import.meta.url, main);
