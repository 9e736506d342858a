/**
 * Reaching Slack, and saying what failed. Two failures look alike from inside the Web API client
 * and need opposite answers:
 * - Slack cannot be reached (no network, a DNS failure, a refused connection, a timeout, a 5xx
 *   or "ratelimited"): nothing the operator typed is wrong, so Marquee waits and tries again
 *   with a growing pause, one clear line per attempt;
 * - Slack answered and refused a token (invalid_auth, not_authed, account_inactive, …): no retry
 *   can fix it, so start-up stops with one paragraph naming the setting to fix.
 * Bolt alone does neither: its Web API client retries a refused connection ten times over half an
 * hour, logging "http request failed fetch failed" each time, and the Socket Mode client turns
 * the same refused connection into "could not connect with SLACK_APP_TOKEN" (blaming the token).
 *
 * Every call made here goes through a client with Bolt's own retries off (retries: 0), so one
 * attempt is one request and the pause between attempts is this module's.
 *
 * While running, a credential Slack stops accepting (a Web API call answering invalid_auth or
 * token_revoked, apps.connections.open refusing SLACK_APP_TOKEN on a reconnect) is told once to
 * `onRefused`, for start.ts to stop with exit code 1: retrying cannot bring a revoked token back.
 */
import { webApi, type Logger as BoltLogger, type SocketModeReceiver } from '@slack/bolt';
import { AdapterStartError } from './adapter.ts';
import { pause } from './pause.ts';

type WebClientOptions = NonNullable<ConstructorParameters<typeof webApi.WebClient>[1]>;
type SocketModeClient = SocketModeReceiver['client'];
export type ConnectionLog = { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void };

/** What went wrong on one attempt, and so what to do next. */
export type SlackFailure =
  /** try again later: the network or Slack itself */
  | { kind: 'unreachable'; why: string; retryAfterMs?: number }
  /** Slack answered and refused the token: `code` is Slack's error, e.g. invalid_auth */
  | { kind: 'refused'; code: string }
  /** something answered at SLACK_API_URL, but not as Slack's Web API does (an HTTP 404, …) */
  | { kind: 'misdirected'; why: string };

/** Slack's own errors that say "not now" rather than "not you" (Web API docs, per method). */
const TRANSIENT_PLATFORM_ERRORS = new Set(['ratelimited', 'internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);

/** A pause that doubles from 1 s to at most a minute. */
export interface RetryPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
}
export const SLACK_RETRY: RetryPolicy = { firstDelayMs: 1000, maxDelayMs: 60_000 };
/** One request to Slack waits this long before it counts as unreachable (a black-holed network). */
export const SLACK_REQUEST_TIMEOUT_MS = 15_000;

/** The pause before attempt `attempt + 1`, after `attempt` failures (1-based). */
export function retryDelay(attempt: number, policy: RetryPolicy = SLACK_RETRY): number {
  return Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.max(0, attempt - 1));
}

/** "8 s", "1.5 s", "1 min", "10 ms". */
export function formatDelay(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * The network reason under a failed fetch, as an operator would search for it:
 * "ECONNREFUSED 127.0.0.1:9", "ENOTFOUND slack.com", "timed out after 15 s".
 */
export function networkReason(err: unknown): string {
  for (let e: unknown = err, depth = 0; e && depth < 6; depth++) {
    const x = e as { name?: string; code?: unknown; address?: unknown; port?: unknown; hostname?: unknown; cause?: unknown; original?: unknown; errors?: unknown[] };
    if (x.name === 'TimeoutError') return `timed out after ${formatDelay(SLACK_REQUEST_TIMEOUT_MS)}`;
    if (typeof x.code === 'string' && /^E[A-Z_]+$/.test(x.code)) {
      const where = typeof x.hostname === 'string' ? x.hostname : typeof x.address === 'string' ? `${x.address}${typeof x.port === 'number' ? `:${x.port}` : ''}` : '';
      return where ? `${x.code} ${where}` : x.code;
    }
    // a refused connection to "localhost" tries ::1 and 127.0.0.1: an AggregateError of both
    if (Array.isArray(x.errors) && x.errors.length > 0) {
      e = x.errors[x.errors.length - 1];
      continue;
    }
    e = x.original ?? x.cause;
  }
  return (err as Error)?.message ?? String(err);
}

/** Sorts one failed call to Slack into unreachable / refused / misdirected. */
export function classifySlackFailure(err: unknown): SlackFailure {
  if (err instanceof webApi.WebAPIPlatformError) {
    const code = String(err.data.error);
    return TRANSIENT_PLATFORM_ERRORS.has(code) ? { kind: 'unreachable', why: `Slack answered ${code}` } : { kind: 'refused', code };
  }
  if (err instanceof webApi.WebAPIRateLimitedError) return { kind: 'unreachable', why: 'rate limited', retryAfterMs: err.retryAfter * 1000 };
  if (err instanceof webApi.WebAPIHTTPError) {
    const status = err.statusCode;
    return status >= 500 || status === 408 || status === 429
      ? { kind: 'unreachable', why: `HTTP ${status}` }
      : { kind: 'misdirected', why: `HTTP ${status} ${err.statusMessage}`.trim() };
  }
  if (err instanceof webApi.WebAPIRequestError) return { kind: 'unreachable', why: networkReason(err.original) };
  // the Socket Mode client rejects its start with nothing when the WebSocket closes before "hello"
  if (err === undefined) return { kind: 'unreachable', why: 'the WebSocket closed before Slack said hello' };
  return { kind: 'unreachable', why: networkReason(err) };
}

export interface UntilReachableOptions {
  log: ConnectionLog;
  /** what is being done, for the log line: "checking SLACK_BOT_TOKEN" */
  doing: string;
  /** the error to stop with when Slack refuses the credential */
  refused: (code: string) => Error;
  /** the error to stop with when SLACK_API_URL is not Slack's Web API */
  misdirected: (why: string) => Error;
  policy?: RetryPolicy;
  /** stops the waiting (shutdown): the last failure is thrown */
  signal?: AbortSignal;
}

/**
 * Runs `attempt` until it succeeds. While Slack is unreachable: one warning per failed attempt
 * ("Slack is unreachable (ECONNREFUSED 127.0.0.1:9); retrying in 8 s") and a pause that doubles.
 * A refused credential or a misdirected SLACK_API_URL throws at once.
 */
export async function untilReachable<T>(attempt: () => Promise<T>, opts: UntilReachableOptions): Promise<T> {
  for (let failures = 1; ; failures++) {
    try {
      return await attempt();
    } catch (err) {
      const failure = classifySlackFailure(err);
      if (failure.kind === 'refused') throw opts.refused(failure.code);
      if (failure.kind === 'misdirected') throw opts.misdirected(failure.why);
      if (opts.signal?.aborted) throw err instanceof Error ? err : new Error(failure.why);
      const delay = Math.max(retryDelay(failures, opts.policy), failure.retryAfterMs ?? 0);
      opts.log.warn(
        { attempt: failures, retryInMs: delay, reason: failure.why, doing: opts.doing },
        `Slack is unreachable (${failure.why}); retrying in ${formatDelay(delay)}`,
      );
      await pause(delay, opts.signal);
      if (opts.signal?.aborted) throw err instanceof Error ? err : new Error(failure.why);
    }
  }
}

/**
 * Bolt's logger with the Web API client's per-request network noise ("http request failed …",
 * "Failed to retrieve a new WSS URL …") moved to debug: untilReachable says the same in one line.
 */
export function withoutNetworkNoise(logger: BoltLogger): BoltLogger {
  const noise = /^(http request failed|Failed to retrieve a new WSS URL|WebSocket error occurred)/;
  const quiet =
    (level: (...m: unknown[]) => void) =>
    (...m: unknown[]) =>
      typeof m[0] === 'string' && noise.test(m[0]) ? logger.debug(...m) : level(...m);
  return { ...logger, warn: quiet(logger.warn), error: quiet(logger.error) };
}

/** Web API options for a call this module retries itself: one request per attempt, with a timeout. */
export function singleAttemptOptions(base: WebClientOptions, logger: BoltLogger): WebClientOptions {
  return { ...base, logger: withoutNetworkNoise(logger), retryConfig: { retries: 0 }, timeout: SLACK_REQUEST_TIMEOUT_MS };
}

/**
 * The Web API errors that mean the token itself is no longer accepted (Slack's docs, "Errors"
 * common to every method). Others (missing_scope, channel_not_found, not_in_channel) concern one
 * call and are answered to the member.
 */
export const TOKEN_DEAD_ERRORS: ReadonlySet<string> = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired']);

type Fetch = typeof globalThis.fetch;

/** The Web API's base when SLACK_API_URL does not say another (the Web API client's own default). */
export const SLACK_WEB_API_URL = 'https://slack.com/api/';

/**
 * A fetch for the bot's Web API client that tells `onRefused` the first time Slack answers a call
 * with one of TOKEN_DEAD_ERRORS. The call itself fails as before (its caller answers the member);
 * a copy of the body is read, so the client's own reading is untouched.
 *
 * Only calls under `webApiUrl` are watched. Bolt posts every answer to its response_url through
 * this same fetch (App's fetchFn is the client's), and a response_url holds no token to refuse:
 * copying and parsing each of those bodies cost the main thread ~0.4 s of a 4,000-command burst
 * (bench/load.ts under --cpu-prof, load average ~12: undici's cloneBody and the stream reads).
 */
export function watchTokenRefusals(onRefused: (code: string) => void, webApiUrl: string = SLACK_WEB_API_URL, inner: Fetch = globalThis.fetch): Fetch {
  let told = false;
  return async (input, init) => {
    const res = await inner(input, init);
    if (!told && urlOf(input).startsWith(webApiUrl) && /json/.test(res.headers.get('content-type') ?? '')) {
      try {
        const body = (await res.clone().json()) as { ok?: unknown; error?: unknown };
        if (body.ok === false && typeof body.error === 'string' && TOKEN_DEAD_ERRORS.has(body.error)) {
          told = true;
          onRefused(body.error);
        }
      } catch {
        // not JSON after all: nothing to learn from it
      }
    }
    return res;
  };
}

function urlOf(input: Parameters<Fetch>[0]): string {
  return typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
}

/** A refused token: which setting, and Slack's error. */
export class CredentialRefusedError extends AdapterStartError {
  override name = 'CredentialRefusedError';
  constructor(
    message: string,
    readonly setting: 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN',
    readonly code: string,
  ) {
    super(message);
  }
}

/** What each refused token means, and where to get a good one. */
const BOT_TOKEN_HELP = 'Copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions.';
const APP_TOKEN_HELP = 'Copy the App-Level Token (xapp-…) again from Basic Information > App-Level Tokens; it needs the connections:write scope.';
const REFUSAL_MEANING: Record<string, string> = {
  account_inactive: 'The app was uninstalled or its workspace deactivated: reinstall the app. ',
  token_revoked: 'The token was revoked (the app was removed or reinstalled). ',
  token_expired: 'The token expired (token rotation is on; Marquee needs a token without rotation). ',
};

export function botTokenRefused(code: string): CredentialRefusedError {
  return new CredentialRefusedError(`Slack refused SLACK_BOT_TOKEN (${code}). ${REFUSAL_MEANING[code] ?? ''}${BOT_TOKEN_HELP}`, 'SLACK_BOT_TOKEN', code);
}

export function appTokenRefused(code: string): CredentialRefusedError {
  return new CredentialRefusedError(
    `Slack refused SLACK_APP_TOKEN (${code}) when opening the Socket Mode connection. ${REFUSAL_MEANING[code] ?? ''}${APP_TOKEN_HELP}`,
    'SLACK_APP_TOKEN',
    code,
  );
}

const STOPPED = 'Marquee finished the commands in flight and stopped; start it again once the token is replaced.';

/** The operator's paragraph for a token Slack stopped accepting while Marquee ran. */
export function refusedWhileRunning(setting: 'SLACK_BOT_TOKEN' | 'SLACK_APP_TOKEN', code: string): string {
  const where = setting === 'SLACK_APP_TOKEN' ? ' (on opening a new Socket Mode connection)' : '';
  const help = setting === 'SLACK_APP_TOKEN' ? APP_TOKEN_HELP : BOT_TOKEN_HELP;
  return `Slack refused ${setting} (${code}) while Marquee was running${where}. ${REFUSAL_MEANING[code] ?? ''}${STOPPED} ${help}`;
}

/** The paragraph for Slack's own events saying the bot's token is gone (tokens_revoked, app_uninstalled). */
export function revokedByEvent(event: 'tokens_revoked' | 'app_uninstalled'): string {
  const what =
    event === 'app_uninstalled'
      ? 'Slack says the app was uninstalled from the workspace (app_uninstalled event), so SLACK_BOT_TOKEN no longer works. Reinstall the app (OAuth & Permissions > Install to Workspace).'
      : "Slack says the bot's token was revoked (tokens_revoked event), so SLACK_BOT_TOKEN no longer works.";
  return `${what} ${STOPPED} ${BOT_TOKEN_HELP}`;
}

/**
 * auth.test once, before the data loads: a refused SLACK_BOT_TOKEN (or a SLACK_API_URL that is not
 * the Web API) throws in seconds; an unreachable Slack is not waited for (one line, and undefined:
 * the start checks again, retrying). The bot's ids when Slack accepted the token.
 */
export async function checkBotTokenEarly(
  botToken: string,
  clientOptions: WebClientOptions,
  opts: { log: ConnectionLog; logger: BoltLogger; apiUrl?: string },
): Promise<{ botId?: string; botUserId?: string } | undefined> {
  const client = new webApi.WebClient(botToken, singleAttemptOptions(clientOptions, opts.logger));
  try {
    const who = await client.auth.test();
    return { botId: who.bot_id, botUserId: who.user_id };
  } catch (err) {
    const failure = classifySlackFailure(err);
    if (failure.kind === 'refused') throw botTokenRefused(failure.code);
    if (failure.kind === 'misdirected') throw apiUrlMisdirected(opts.apiUrl, failure.why);
    // worded apart from untilReachable's line, which the operator will see next
    opts.log.warn(
      { reason: failure.why },
      `slack: could not check the bot's token before loading the data (${failure.why}). Start-up goes on; the check is retried once the data is loaded.`,
    );
    return undefined;
  }
}

export function apiUrlMisdirected(apiUrl: string | undefined, why: string): AdapterStartError {
  return new AdapterStartError(
    `${apiUrl ?? SLACK_WEB_API_URL} answered ${why}, not as Slack's Web API does. ${apiUrl ? 'Check SLACK_API_URL (the Web API base, ending in /api/), or leave it empty for Slack itself.' : 'Slack may be having an outage; try again later.'}`,
  );
}

/** The bot's ids from auth.test, retried while Slack is unreachable. */
export async function checkBotToken(
  botToken: string,
  clientOptions: WebClientOptions,
  opts: { log: ConnectionLog; logger: BoltLogger; apiUrl?: string; policy?: RetryPolicy; signal?: AbortSignal },
): Promise<{ botId?: string; botUserId?: string }> {
  const client = new webApi.WebClient(botToken, singleAttemptOptions(clientOptions, opts.logger));
  const who = await untilReachable(() => client.auth.test(), {
    log: opts.log,
    doing: 'checking SLACK_BOT_TOKEN (auth.test)',
    refused: botTokenRefused,
    misdirected: (why) => apiUrlMisdirected(opts.apiUrl, why),
    policy: opts.policy,
    signal: opts.signal,
  });
  return { botId: who.bot_id, botUserId: who.user_id };
}

/**
 * Keeps a Socket Mode connection up. Bolt's client has its own reconnection off
 * (autoReconnectEnabled: false): it pauses 5 s × the failures so far and treats a refused
 * connection as fatal (an unhandled rejection on a reconnect). Here instead: a connection Slack
 * closes (a `disconnect` message, refresh_requested, a dropped socket) is opened again at once,
 * and while that fails, untilReachable's pause and line apply.
 */
export class SocketConnection {
  private stopping = false;
  private connecting = false;
  private readonly abort = new AbortController();
  private reconnecting: Promise<void> | undefined;

  constructor(
    private readonly client: SocketModeClient,
    private readonly opts: { log: ConnectionLog; apiUrl?: string; policy?: RetryPolicy; onRefused?: (message: string) => void },
  ) {
    client.on('disconnected', () => {
      if (this.stopping || this.connecting) return;
      this.opts.log.info({}, 'slack: the Socket Mode connection closed; opening a new one');
      this.reconnecting = this.reconnect().finally(() => (this.reconnecting = undefined));
    });
  }

  /** The first connection: resolves on Slack's hello; a refused SLACK_APP_TOKEN throws. */
  async start(): Promise<void> {
    await this.connect();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await this.reconnecting?.catch(() => undefined);
    await this.client.disconnect();
  }

  private async connect(): Promise<void> {
    this.connecting = true;
    try {
      await untilReachable(() => this.client.start(), {
        log: this.opts.log,
        doing: 'opening the Socket Mode connection (apps.connections.open)',
        refused: appTokenRefused,
        misdirected: (why) => apiUrlMisdirected(this.opts.apiUrl, why),
        policy: this.opts.policy,
        signal: this.abort.signal,
      });
    } finally {
      this.connecting = false;
    }
  }

  /**
   * While Slack is unreachable, connect() waits and retries. A token refused on a reconnect (revoked
   * while running) goes to onRefused and the reconnecting ends; without onRefused it is said once
   * per attempt at the longest pause. A misdirected answer is retried the same way (a proxy that
   * answers 404 for a while is not a reason to give up).
   */
  private async reconnect(): Promise<void> {
    const policy = this.opts.policy ?? SLACK_RETRY;
    while (!this.stopping) {
      try {
        await this.connect();
        this.opts.log.info({}, 'slack: Socket Mode connected again');
        return;
      } catch (err) {
        if (this.stopping) return;
        if (err instanceof CredentialRefusedError && this.opts.onRefused) {
          this.opts.onRefused(refusedWhileRunning(err.setting, err.code));
          return;
        }
        this.opts.log.error({}, `${(err as Error).message} Retrying in ${formatDelay(policy.maxDelayMs)}.`);
        await pause(policy.maxDelayMs, this.abort.signal);
      }
    }
  }
}
