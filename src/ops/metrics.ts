/**
 * What the bot counts for Prometheus (prom-client), on a registry of its own so tests and a
 * second service in one process never share counters. Fed through narrow hooks only: the
 * dispatcher's command observer, a trainer wrapper, a store wrapper that counts committed
 * ratings, and the service's own stats() read at scrape time. Adapters feed nothing.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CommandObservation } from '../bot/dispatch.ts';
import type { ServiceStats } from '../bot/service.ts';
import type { Trainer } from '../bot/trainer.ts';
import type { Store } from '../store/api.ts';

/** What the metrics read from the live service at each scrape. */
export interface ServiceView {
  stats(): Pick<ServiceStats, 'loaded' | 'training' | 'generation' | 'retraining'>;
  /** whether every configured model is loaded (the service's `ready` has resolved) */
  isReady(): boolean;
}

export interface BotMetrics {
  readonly registry: Registry;
  /** the dispatcher's observer */
  observeCommand(o: CommandObservation): void;
  /** the service once created; before it, the bot reports not ready and no models */
  attach(view: ServiceView): void;
  /** set once shutdown begins: not ready any more */
  stopping(): void;
  /** wraps the trainer so each training run (start-up, lazy load, retrain) is counted by result */
  countTrainings(trainer: Trainer): Trainer;
  /** the store whose committed member ratings are counted (rate, rateMany) */
  countRatings(store: Store): Store;
  /** the Prometheus text exposition */
  text(): Promise<string>;
}

/**
 * Latency buckets in seconds: commands answer in milliseconds (a chart, a rating) up to a minute
 * (/evaluate streams progress), and Slack's and Discord's 3 s deadline sits between buckets.
 */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5, 10, 30, 60];

export function createBotMetrics(opts: { defaultMetrics?: boolean } = {}): BotMetrics {
  const registry = new Registry();
  // RSS, heap, event-loop lag and GC pauses: what the soak and an operator watch
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry, prefix: 'marquee_' });
  let view: ServiceView | undefined;
  let isStopping = false;

  new Gauge({
    name: 'marquee_ready',
    help: '1 when every configured model is loaded and the bot is not shutting down',
    registers: [registry],
    collect() {
      this.set(view?.isReady() && !isStopping ? 1 : 0);
    },
  });
  new Gauge({
    name: 'marquee_model_loaded',
    help: 'Algorithms answering now (1 each)',
    labelNames: ['algorithm'],
    registers: [registry],
    collect() {
      this.reset();
      for (const a of view?.stats().loaded ?? []) this.set({ algorithm: a }, 1);
    },
  });
  new Gauge({
    name: 'marquee_models_training',
    help: 'Algorithms being trained now (start-up, lazy load or retrain)',
    registers: [registry],
    collect() {
      this.set(view?.stats().training.length ?? 0);
    },
  });
  new Gauge({
    name: 'marquee_model_generation',
    help: "The live generation: the members' ratings version it was trained on",
    registers: [registry],
    collect() {
      this.set(view?.stats().generation.ratingsVersion ?? 0);
    },
  });
  new Gauge({
    name: 'marquee_model_generation_created_seconds',
    help: 'When the live generation was built (Unix seconds); changes on every retrain',
    registers: [registry],
    collect() {
      const at = view?.stats().generation.createdAt;
      this.set(at === undefined ? 0 : at / 1000);
    },
  });
  new Gauge({
    name: 'marquee_retraining',
    help: '1 while a full retrain runs',
    registers: [registry],
    collect() {
      this.set(view?.stats().retraining ? 1 : 0);
    },
  });
  const commands = new Counter({
    name: 'marquee_commands_total',
    help: 'Commands answered, by command and outcome (ok, member-error, failure, shutting-down, busy)',
    labelNames: ['command', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'marquee_command_duration_seconds',
    help: 'Time from a command reaching the dispatcher to its answer, by command',
    labelNames: ['command'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const trainings = new Counter({
    name: 'marquee_trainings_total',
    help: 'Training runs in the worker (start-up, lazy loads and retrains), by result (ok, failed, cancelled)',
    labelNames: ['result'],
    registers: [registry],
  });
  const ratings = new Counter({
    name: 'marquee_ratings_stored_total',
    help: "Members' ratings committed to the store since start (one per /rate, each imported rating)",
    registers: [registry],
  });

  return {
    registry,
    observeCommand(o) {
      commands.inc({ command: o.command, outcome: o.outcome });
      if (o.outcome !== 'shutting-down' && o.outcome !== 'busy') latency.observe({ command: o.command }, o.ms / 1000);
    },
    attach(v) {
      view = v;
    },
    stopping() {
      isStopping = true;
    },
    countTrainings(trainer) {
      return (job, onModel) => {
        const handle = trainer(job, onModel);
        handle.done.then(
          (outcome) => trainings.inc({ result: outcome.failures.length > 0 ? 'failed' : 'ok' }),
          (err: unknown) => trainings.inc({ result: (err as Error)?.name === 'TrainCancelled' ? 'cancelled' : 'failed' }),
        );
        return handle;
      };
    },
    countRatings(store) {
      // a Proxy rather than a copy: every other member (and `this` inside the store) is the store's own
      return new Proxy(store, {
        get(target, key) {
          const value = Reflect.get(target, key) as unknown;
          if (key === 'rate') {
            return (...args: Parameters<Store['rate']>) => {
              const out = target.rate(...args);
              ratings.inc();
              return out;
            };
          }
          if (key === 'rateMany') {
            return (...args: Parameters<Store['rateMany']>) => {
              const n = target.rateMany(...args);
              if (n > 0) ratings.inc(n);
              return n;
            };
          }
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
    text() {
      return registry.metrics();
    },
  };
}
