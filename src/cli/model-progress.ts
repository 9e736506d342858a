/**
 * The progress line of the models' preparation at start-up: after the data is read and imported,
 * a first start at ml-32m shape still trains for minutes (ease and svd side by side, the content
 * model beside them), and without a line a log shows nothing between "Preparing the models …" and
 * "Models ready." Every `everyMs` until ready: what answers already, what is still on its way, and
 * for how long.
 */

export interface ModelStats {
  loaded: readonly string[];
  training: readonly string[];
  contentModel: 'ready' | 'building' | 'failed';
}

export interface ModelProgressOptions {
  /** at most one line per this many ms; default 30,000 */
  everyMs?: number;
  /** the clock, in ms (tests pin it) */
  now?: () => number;
}

/** "Preparing the models (1 min 30 s): ease ready; svd training; content model building." */
export function describeModels(stats: ModelStats, elapsedMs: number): string {
  const parts = [
    ...stats.loaded.map((s) => `${s} ready`),
    ...stats.training.filter((s) => !stats.loaded.includes(s)).map((s) => `${s} training`),
    `content model ${stats.contentModel}`,
  ];
  return `Preparing the models (${duration(elapsedMs)}): ${parts.join('; ')}.`;
}

/** Writes describeModels lines through `write` until `ready` settles; returns at once. */
export function reportModelProgress(
  stats: () => ModelStats,
  ready: Promise<unknown>,
  write: (line: string) => void,
  opts: ModelProgressOptions = {},
): void {
  const now = opts.now ?? (() => performance.now());
  const started = now();
  const timer = setInterval(() => write(describeModels(stats(), now() - started)), opts.everyMs ?? 30_000);
  // the timer alone must not keep the process up
  timer.unref();
  const stop = (): void => clearInterval(timer);
  ready.then(stop, stop);
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
}
