/**
 * What an operator scrapes: the bot's own series on a registry of its own, fed by the
 * dispatcher's observer, the trainer and the store; /healthz's answer from the service's state.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrainCancelled, type TrainHandle, type TrainOutcome } from '../../src/bot/trainer.ts';
import { healthOf } from '../../src/ops/health.ts';
import { createBotMetrics, type ServiceView } from '../../src/ops/metrics.ts';
import { openStore } from '../../src/store/store.ts';
import { tinyDataset } from '../store/fixtures.ts';

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const view = (ready: boolean): ServiceView => ({
  isReady: () => ready,
  stats: () => ({ loaded: ready ? ['ease', 'svd'] : [], training: ready ? [] : ['ease'], retraining: false, generation: { ratingsVersion: 7, nUsers: 1, nItems: 1, nRatings: 1, createdAt: 1_700_000_000_000 } }),
});

describe('the bot’s metrics', () => {
  it('count commands by name and outcome, with latencies, and read readiness and models at scrape time', async () => {
    const m = createBotMetrics({ defaultMetrics: false });
    expect(sample(await m.text(), 'marquee_ready')).toBe(0);
    m.attach(view(true));
    m.observeCommand({ command: 'rate', platform: 'slack', outcome: 'ok', ms: 12 });
    m.observeCommand({ command: 'rate', platform: 'slack', outcome: 'member-error', ms: 2 });
    m.observeCommand({ command: 'unknown', platform: 'console', outcome: 'shutting-down', ms: 0 });
    const text = await m.text();
    expect(sample(text, 'marquee_ready')).toBe(1);
    expect(sample(text, 'marquee_model_loaded{algorithm="svd"}')).toBe(1);
    expect(sample(text, 'marquee_model_generation')).toBe(7);
    expect(sample(text, 'marquee_model_generation_created_seconds')).toBe(1_700_000_000);
    expect(sample(text, 'marquee_commands_total{command="rate",outcome="ok"}')).toBe(1);
    expect(sample(text, 'marquee_commands_total{command="rate",outcome="member-error"}')).toBe(1);
    expect(sample(text, 'marquee_commands_total{command="unknown",outcome="shutting-down"}')).toBe(1);
    expect(sample(text, 'marquee_command_duration_seconds_bucket{le="0.025",command="rate"}')).toBe(2);
    expect(sample(text, 'marquee_command_duration_seconds_count{command="unknown"}')).toBeUndefined();
    m.stopping();
    expect(sample(await m.text(), 'marquee_ready')).toBe(0);
  });

  it('count training runs by result', async () => {
    const m = createBotMetrics({ defaultMetrics: false });
    const run = (done: Promise<TrainOutcome>): TrainHandle => ({ done, cancel: async () => undefined });
    const outcomes = [
      Promise.resolve({ models: [], failures: [] }),
      Promise.resolve({ models: [], failures: [{ spec: 'svd', message: 'diverged' }] }),
      Promise.reject(new TrainCancelled('cancelled')),
    ];
    const trainer = m.countTrainings(() => run(outcomes.shift()!));
    const handles = [0, 1, 2].map(() => trainer({ columns: { users: [], items: [], ratings: new Float32Array() }, scale: [0.5, 5], specs: [] }));
    await Promise.allSettled(handles.map((h) => h.done));
    await new Promise((r) => setImmediate(r));
    const text = await m.text();
    expect(sample(text, 'marquee_trainings_total{result="ok"}')).toBe(1);
    expect(sample(text, 'marquee_trainings_total{result="failed"}')).toBe(1);
    expect(sample(text, 'marquee_trainings_total{result="cancelled"}')).toBe(1);
  });

  it('count ratings the store commits, and leave everything else of the store as it is', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-metrics-'));
    const store = openStore(join(dir, 'm.db'));
    try {
      store.importDataset(tinyDataset());
      const m = createBotMetrics({ defaultMetrics: false });
      const counted = m.countRatings(store);
      const ann = counted.member('console', 'ann');
      counted.rate(ann.id, '1', 4);
      expect(() => counted.rate(ann.id, '1', 9)).toThrow();
      expect(counted.rateMany(ann.id, [{ movieId: '2', rating: 3 }, { movieId: '3', rating: 5 }])).toBe(2);
      expect(sample(await m.text(), 'marquee_ratings_stored_total')).toBe(3);
      expect(counted.memberRatings(ann.id)).toHaveLength(3);
      expect(counted.path).toBe(store.path);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('/healthz', () => {
  it('is 503 while starting, 200 when ready, 503 again once stopping', () => {
    expect(healthOf(undefined, false)).toMatchObject({ status: 503, body: { ready: false, state: 'starting', models: [], generation: null } });
    expect(healthOf(view(false), false)).toMatchObject({ status: 503, body: { state: 'starting', training: ['ease'] } });
    expect(healthOf(view(true), false)).toEqual({
      status: 200,
      body: { ready: true, state: 'ready', models: ['ease', 'svd'], training: [], generation: { ratingsVersion: 7, createdAt: '2023-11-14T22:13:20.000Z' } },
    });
    expect(healthOf(view(true), true)).toMatchObject({ status: 503, body: { ready: false, state: 'stopping' } });
  });
});
