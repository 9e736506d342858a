/**
 * Logging in to Discord, and saying what went wrong when it does not work. Two failures look
 * alike to discord.js (both reject `client.login`) and need opposite answers from the operator:
 *
 * - Discord cannot be reached (DNS, a refused or reset connection, a timeout, a 5xx answer): not
 *   the token's fault, and it usually heals by itself. One warning line per attempt, retried with
 *   doubling waits (1 s, 2 s, 4 s … at most 60 s), and the process keeps running.
 * - Discord refuses the credential (HTTP 401 on /gateway/bot, which discord.js reports as
 *   TokenInvalid, or gateway close code 4004): retrying cannot help, so one paragraph naming
 *   DISCORD_TOKEN and the start fails (exit 1). The other close codes that no retry fixes (4010 to
 *   4014: shards, API version, intents) and a 4xx from a mis-set DISCORD_API_URL fail the same way,
 *   each with its own explanation.
 *
 * Before this split a machine without network printed "Discord refused to log in with
 * DISCORD_TOKEN: getaddrinfo ENOTFOUND discord.com", sending the operator to reset a good token.
 *
 * Two moments besides the login: the token is checked once (GET /users/@me) before the data loads,
 * so a refused one is told in seconds rather than after the import; and while running, a token
 * Discord stops accepting (a 4004 on RESUME or IDENTIFY, a 401 on an authenticated REST call) is
 * read by runningRefusal, for start.ts to stop with exit code 1.
 */
import { GatewayCloseCodes, REST, Routes } from 'discord.js';
import { UserFacingError } from '../errors.ts';
import { pause } from './pause.ts';

/** Discord's REST base when DISCORD_API_URL is not set. */
export const DEFAULT_DISCORD_API = 'https://discord.com/api';

/** DISCORD_API_URL without a trailing slash (discord.js appends `/v10/...`), or Discord's own. */
export function discordApiBase(settings: { apiUrl?: string }): string {
  return (settings.apiUrl ?? DEFAULT_DISCORD_API).replace(/\/+$/, '');
}

/** Waits between login attempts while Discord is unreachable: doubling from 1 s, at most a minute. */
export const LOGIN_BACKOFF = { firstMs: 1000, maxMs: 60_000 } as const;

/**
 * How long one attempt may take from the REST call to READY. discord.js gives up on neither an
 * unreachable gateway (its shard reconnects on its own, silently) nor a silent one, so without a
 * bound the operator would see nothing at all.
 */
export const LOGIN_ATTEMPT_MS = 45_000;

/** A start-up failure written for the operator: start.ts prints the paragraph alone and exits 1. */
export class DiscordLoginError extends UserFacingError {
  override name = 'DiscordLoginError';
}

/** What one failed attempt means: try again later, or stop with a message. */
export type LoginVerdict = { retry: true; reason: string } | { retry: false; message: string };

/** One login attempt's failure, with the gateway close code seen during it (if any). */
export class LoginAttemptError extends Error {
  override name = 'LoginAttemptError';
  constructor(
    override readonly cause: unknown,
    readonly closeCode?: number,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** The network failures of Node, undici and DNS: the service is out of reach, not refusing. */
const NETWORK_CODES = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

const TOKEN_HELP =
  'Copy the token again from the Discord Developer Portal (your application > Bot > Reset Token) into DISCORD_TOKEN, and check that DISCORD_CLIENT_ID is the id of the same application.';


function fatalCloseCode(code: number, api: string): string | undefined {
  switch (code) {
    case GatewayCloseCodes.AuthenticationFailed:
      return `Discord refused DISCORD_TOKEN: the gateway closed the connection with code 4004 (authentication failed). ${TOKEN_HELP}`;
    case GatewayCloseCodes.DisallowedIntents:
      return (
        'Discord refused the gateway intents Marquee asks for (close code 4014, disallowed intents). Marquee needs only the Guilds intent, which is not privileged; ' +
        `if DISCORD_API_URL (${api}) points at a proxy, check what it forwards, else turn the intent on in the Developer Portal (your application > Bot > Privileged Gateway Intents).`
      );
    case GatewayCloseCodes.InvalidIntents:
      return 'Discord rejected the gateway intents Marquee sent as invalid (close code 4013). This Marquee build and the gateway disagree; update discord.js or check DISCORD_API_URL.';
    case GatewayCloseCodes.InvalidAPIVersion:
      return `Discord refused the gateway API version Marquee speaks (close code 4012); check DISCORD_API_URL (${api}) or update discord.js.`;
    case GatewayCloseCodes.InvalidShard:
    case GatewayCloseCodes.ShardingRequired:
      return `Discord closed the gateway with code ${code} (${GatewayCloseCodes[code]}): the bot is in too many servers for one connection, which Marquee does not support yet.`;
    default:
      return undefined;
  }
}

/** The error code of a network failure, looking through `cause` (fetch wraps them). */
function networkCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
  }
  return undefined;
}

/**
 * Reads one failed attempt. `api` is the REST base tried, named in the messages because a wrong
 * DISCORD_API_URL is a common cause of both kinds.
 */
export function classifyLoginFailure(failure: LoginAttemptError, api: string): LoginVerdict {
  const err = failure.cause;
  const e = (err ?? {}) as { name?: string; code?: unknown; status?: unknown; message?: string };
  const message = e.message ?? String(err);

  if (failure.closeCode !== undefined) {
    const fatal = fatalCloseCode(failure.closeCode, api);
    if (fatal) return { retry: false, message: fatal };
  }
  // discord.js turns a 401 on /gateway/bot into TokenInvalid (also for an empty token)
  if (e.code === 'TokenInvalid' || e.status === 401) {
    return { retry: false, message: `Discord refused DISCORD_TOKEN (HTTP 401 Unauthorized from ${api}). ${TOKEN_HELP}` };
  }
  if (e.status === 403) {
    return { retry: false, message: `Discord answered HTTP 403 Forbidden at ${api} to the bot's login: ${message}. ${TOKEN_HELP}` };
  }
  if (networkCode(err)) return { retry: true, reason: message };
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return { retry: true, reason: `no answer from ${api} in time` };
  if (e.name === 'LoginTimeout') return { retry: true, reason: message };
  if (typeof e.status === 'number' && e.status >= 500) return { retry: true, reason: `HTTP ${e.status} from ${api}${message ? ` (${message})` : ''}` };
  if (typeof e.status === 'number' && e.status >= 400) {
    return {
      retry: false,
      message: `Discord answered HTTP ${e.status} (${message}). Check DISCORD_API_URL (${api}): it is the REST base, like ${DEFAULT_DISCORD_API}.`,
    };
  }
  // @discordjs/ws reports the fatal close codes as plain errors; the code is caught above when
  // the disconnect event came first, these messages are the fallback
  if (/^Authentication failed$/i.test(message)) return { retry: false, message: fatalCloseCode(GatewayCloseCodes.AuthenticationFailed, api)! };
  if (/disallowed intents/i.test(message)) return { retry: false, message: fatalCloseCode(GatewayCloseCodes.DisallowedIntents, api)! };
  return { retry: false, message: `Marquee could not log in to Discord at ${api}: ${message}` };
}

/** The wait before attempt `attempt + 1`, after `attempt` failures (1-based). */
export function backoffDelay(attempt: number, backoff: { firstMs: number; maxMs: number } = LOGIN_BACKOFF): number {
  return Math.min(backoff.maxMs, backoff.firstMs * 2 ** Math.max(0, attempt - 1));
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}

export interface LoginRetryOptions<T> {
  /** the REST base, for the messages */
  api: string;
  /** one attempt; rejects with a LoginAttemptError */
  attempt: () => Promise<T>;
  log: { warn(obj: object, msg: string): void };
  backoff?: { firstMs: number; maxMs: number };
  /** waits `ms`, or less when `signal` aborts */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** stops the retrying: the promise rejects with the signal's reason */
  signal?: AbortSignal;
}


/**
 * Attempts until one succeeds (its value is returned) or Discord refuses for good (a
 * DiscordLoginError with the operator's paragraph). While Discord is unreachable it waits and
 * tries again, forever: a bot started before the network is up connects when it comes.
 */
export async function loginWithRetry<T>(opts: LoginRetryOptions<T>): Promise<T> {
  const sleep = opts.sleep ?? pause;
  for (let attempt = 1; ; attempt++) {
    opts.signal?.throwIfAborted();
    try {
      return await opts.attempt();
    } catch (err) {
      opts.signal?.throwIfAborted();
      const failure = err instanceof LoginAttemptError ? err : new LoginAttemptError(err);
      const verdict = classifyLoginFailure(failure, opts.api);
      if (!verdict.retry) throw new DiscordLoginError(verdict.message);
      const wait = backoffDelay(attempt, opts.backoff);
      opts.log.warn(
        { attempt, retryInMs: wait, reason: verdict.reason },
        `discord: Discord is unreachable at ${opts.api} (${verdict.reason}); trying again in ${seconds(wait)} (attempt ${attempt} failed). Marquee keeps running; this is not a token problem.`,
      );
      await sleep(wait, opts.signal);
    }
  }
}

/**
 * How long the check before the data loads waits for Discord: on a network that drops packets
 * silently, start-up goes on after this long (the login then retries on its own).
 */
export const TOKEN_CHECK_MS = 10_000;

/** What the check before the data loads learned: the token works, or Discord could not be asked. */
export type TokenCheck = { checked: true } | { checked: false; reason: string };

/**
 * One GET /users/@me with the token, before the minutes of import and training. A token Discord
 * refuses (or a DISCORD_API_URL that is not Discord's REST base) throws the DiscordLoginError the
 * login would have thrown after them; an unreachable Discord is not waited for: one line, and
 * start-up goes on (the login retries until Discord answers). `get` is the request, replaceable for
 * tests; by default @discordjs/rest with no retries of its own.
 */
export async function checkTokenEarly(opts: {
  token: string;
  api: string;
  log: { warn(obj: object, msg: string): void };
  get?: () => Promise<unknown>;
}): Promise<TokenCheck> {
  const get = opts.get ?? (() => new REST({ api: opts.api, retries: 0, timeout: TOKEN_CHECK_MS }).setToken(opts.token).get(Routes.user()));
  try {
    await get();
    return { checked: true };
  } catch (err) {
    const verdict = classifyLoginFailure(new LoginAttemptError(err), opts.api);
    if (!verdict.retry) throw new DiscordLoginError(verdict.message);
    // worded apart from loginWithRetry's line: the operator's search for "unreachable" finds the login's attempts
    opts.log.warn(
      { reason: verdict.reason },
      `discord: could not check the bot's token before loading the data: no answer from ${opts.api} (${verdict.reason}). Start-up goes on; logging in retries until Discord answers.`,
    );
    return { checked: false, reason: verdict.reason };
  }
}

/**
 * What Discord closing on a running bot means, or undefined when discord.js recovers by itself.
 * `closeCode`: a gateway close discord.js gave up on; `status`: an authenticated REST answer. A
 * 4004 or 401 is the token Discord no longer accepts (reset in the Developer Portal, or the bot
 * deleted); the other close codes no retry fixes are told as at login.
 */
export function runningRefusal(event: { closeCode?: number; status?: number }, api: string): string | undefined {
  const stopped = 'Marquee finished the commands in flight and stopped; start it again once this is fixed.';
  if (event.closeCode === GatewayCloseCodes.AuthenticationFailed || event.status === 401) {
    const how = event.status === 401 ? `answered HTTP 401 Unauthorized at ${api}` : 'closed the gateway with code 4004 (authentication failed)';
    return `Discord refused DISCORD_TOKEN while Marquee was running: it ${how}. The token was reset or revoked, or the bot was deleted. ${stopped} ${TOKEN_HELP}`;
  }
  const fatal = event.closeCode === undefined ? undefined : fatalCloseCode(event.closeCode, api);
  return fatal && `Discord closed the gateway for good while Marquee was running. ${fatal} ${stopped}`;
}

/**
 * Rejects with a LoginTimeout-named error when `work` takes longer than `ms`, or with the
 * signal's reason when `signal` aborts first.
 */
export function withinTime<T>(work: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const late = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(Object.assign(new Error(`${what} did not finish within ${seconds(ms)}`), { name: 'LoginTimeout' })), ms);
    onAbort = () => fail(signal!.reason);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, late]).finally(() => {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  });
}
