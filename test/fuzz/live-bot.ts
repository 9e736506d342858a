/**
 * A real bot for the fuzz tests that reach the store: the real store (a temporary SQLite file
 * holding the four-film catalogue of the store tests), the real service with the popularity
 * chart, the real commands and dispatcher. `fingerprint()` sums up everything members own, read
 * through a second connection, so a test can prove a refused input changed nothing.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDispatcher, type CommandObservation, type Dispatcher } from '../../src/bot/dispatch.ts';
import { createService, type LiveService } from '../../src/bot/service.ts';
import { setLogLevel } from '../../src/log.ts';
import type { Store } from '../../src/store/api.ts';
import { openStore } from '../../src/store/store.ts';
import { loadCommands } from '../../commands/index.ts';
import { tinyDataset } from '../store/fixtures.ts';

export interface LiveBot {
  store: Store;
  service: LiveService;
  dispatcher: Dispatcher;
  /** the outcome of the newest command */
  last(): CommandObservation | undefined;
  fingerprint(): string;
  close(): Promise<void>;
}

export async function startLiveBot(): Promise<LiveBot> {
  setLogLevel('silent');
  const dir = mkdtempSync(join(tmpdir(), 'marquee-fuzz-'));
  const store = openStore(join(dir, 'marquee.db'));
  store.importDataset(tinyDataset());
  const service = await createService({ store, algorithms: ['popular'], coldStart: 2, retrainAfter: 1_000_000, retrainMinutes: 600, adminIds: [] });
  await service.ready;
  let last: CommandObservation | undefined;
  const dispatcher = createDispatcher({
    service,
    commands: await loadCommands(),
    admins: [],
    // every platform unthrottled: the fuzzer sends thousands of commands a second
    unlimited: ['console', 'slack', 'discord'],
    observe: (o) => (last = o),
  });
  const reader = new Database(join(dir, 'marquee.db'), { readonly: true });
  const sums = reader.prepare(
    `SELECT (SELECT count(*) FROM members) AS members,
            (SELECT count(*) FROM member_ratings) AS ratings,
            (SELECT total(rating * member_id) + total(length(movie_id) * rated_at % 997) FROM member_ratings) AS ratingSum,
            (SELECT count(*) FROM member_ratings_aside) AS aside,
            (SELECT value FROM meta WHERE key = 'ratings_version') AS version`,
  );
  return {
    store,
    service,
    dispatcher,
    last: () => last,
    fingerprint: () => JSON.stringify(sums.get()),
    async close() {
      reader.close();
      await service.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
