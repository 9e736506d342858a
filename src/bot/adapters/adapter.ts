/**
 * What a chat adapter (Discord, Slack) is given to start, and what it hands back. Here, beside
 * the adapters, so that they import nothing from the entry points above them; src/cli/start.ts
 * imports these types to start the adapters it is configured with.
 */
import type { log } from '../../log.ts';
import type { Dispatcher } from '../dispatch.ts';
import type { MarqueeService } from '../service-api.ts';

export interface AdapterStartOptions<S> {
  dispatcher: Dispatcher;
  service: MarqueeService;
  /** the platform's settings from the configuration (tokens, ids, port) */
  settings: S;
  log: typeof log;
  /**
   * Aborted when the process is asked to stop while the adapter is still starting (a login
   * retried while the platform is unreachable can wait indefinitely); start then rejects with
   * the signal's reason.
   */
  signal?: AbortSignal;
  /**
   * Called (once) when the platform refuses the credential while the adapter runs: a token
   * revoked or reset, the app uninstalled, a close no retry can fix. `message` is the operator's
   * paragraph (which setting, what to do). start.ts then stops taking commands, finishes those in
   * flight and exits 1; an unreachable platform is never reported here (the adapter retries).
   */
  onRefused?: (message: string) => void;
}

/**
 * Checks the platform's credential once, before the data loads and the models train (seconds, not
 * minutes, for an operator with a bad token): rejects with the operator's paragraph when the
 * platform refuses it, resolves (with the start, which may reuse what the check learned) when it
 * accepts it or cannot be reached (the start retries then).
 */
export type PrepareAdapter<S> = (settings: S, ctx: { log: typeof log }) => Promise<(opts: AdapterStartOptions<S>) => Promise<RunningAdapter>>;

export interface RunningAdapter {
  stop(): Promise<void>;
}

/**
 * A problem with the platform's settings that the operator can fix (a refused token, a busy
 * port): start-up shows its message alone, as one paragraph, without a stack trace.
 */
export class AdapterStartError extends Error {
  override name = 'AdapterStartError';
}
