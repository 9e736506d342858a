/**
 * One entry point for every platform: (platform, user, raw command) -> Reply.
 *
 * Order: find the command, rate limit, permission, parse options, run. Anything a member can
 * cause comes back as an ephemeral Reply; an unexpected error is logged with its stack and the
 * member sees a short apology, never the stack.
 */
import type { AdminRef, RateLimitSetting } from '../config.ts';
import { isAdmin as isAdminIn } from './admin.ts';
import { busyText, DEFAULT_MAX_WAIT_MS } from './busy.ts';
import { log } from '../log.ts';
import type { Member, Platform } from '../store/api.ts';
import {
  closest,
  describeOption,
  parseOptions,
  usage,
  type AnyCommand,
  type CommandContext,
  type CommandRegistry,
  type RawOptions,
} from './command.ts';
import { memberCaused, UsageError } from './errors.ts';
import { errorReply, isProgress, type Progress, type Reply } from './reply.ts';
import { createRateLimiter } from './rate-limit.ts';
import type { MarqueeService } from './service-api.ts';
import { createWorkQueue, type WorkQueue } from './work-queue.ts';

export interface DispatcherOptions {
  service: MarqueeService;
  commands: CommandRegistry;
  /** undefined: the console user is the admin (MARQUEE_ADMINS unset) */
  admins?: readonly AdminRef[];
  /** default 20 commands in 10 s per member */
  rateLimit?: RateLimitSetting;
  /**
   * Platforms not rate limited. Default: the console, which is the operator's own terminal; a
   * script piped into it should not be throttled.
   */
  unlimited?: readonly Platform[];
  /** the clock, for tests */
  now?: () => number;
  /** told of every command once answered (metrics); must not throw */
  observe?: CommandObserver;
  /** where commands wait for their turn on the main thread (./work-queue.ts); default a new one */
  work?: WorkQueue;
  /** a command that would wait longer than this to start is answered "busy" instead (ms) */
  maxWaitMs?: number;
}

/**
 * How a command ended. `ok`: the command ran and answered (its own refusals, such as an unknown
 * title, included); `member-error`: refused before or while running for something the member can
 * fix (unknown command, usage, rate limit, permission, a member-caused error); `failure`: an
 * unexpected error (logged with its stack); `shutting-down`: refused because the bot is stopping;
 * `busy`: refused because it would have waited too long for its turn (nothing changed).
 */
export type CommandOutcome = 'ok' | 'member-error' | 'failure' | 'shutting-down' | 'busy';

/** One answered command; `command` is a registered name or `unknown` (bounded, for metric labels). */
export interface CommandObservation {
  command: string;
  platform: Platform;
  outcome: CommandOutcome;
  ms: number;
}

export type CommandObserver = (o: CommandObservation) => void;

export { DEFAULT_MAX_WAIT_MS } from './busy.ts';

export interface DispatchRequest {
  platform: Platform;
  userId: string;
  displayName?: string;
  /** a whole command line: `/rate The Matrix 4.5` (the slash is optional) */
  line?: string;
  /** or the command's name and one raw string per option (Discord) */
  command?: string;
  options?: Readonly<Record<string, string | undefined>>;
  /** attached files' own names by option (Discord hands over a file's text as the option's value) */
  fileNames?: Readonly<Record<string, string>>;
  /** status lines while a long command runs */
  onProgress?: (p: Progress) => void | Promise<void>;
  /**
   * The platform's own notion of admin, checked by the adapter, which must scope it to the bot's
   * own server: Discord sets it for Manage Server only on the DISCORD_GUILD_ID server, and never
   * when DISCORD_GUILD_ID is unset (a global bot is in servers run by strangers, whose Manage
   * Server says nothing about this bot). It adds to MARQUEE_ADMINS; it never takes an admin away.
   */
  platformAdmin?: boolean;
  /**
   * When the platform's request reached the bot (Date.now() ms), if it waited before reaching
   * the dispatcher (the Slack front's queue): that wait counts toward the busy bound.
   */
  receivedAt?: number;
  /**
   * The platform's front already told the member this request runs (the Slack front's ack:
   * empty, or "queued; the answer comes in about N s"): the dispatcher keeps that word and never
   * answers it busy, however long it waited. The front's estimate can be short early in a burst,
   * before it has measured the main thread's cost per command; a member who was told "queued" and
   * then "busy, try again" would have been misled twice.
   */
  admitted?: boolean;
}

export interface Dispatcher {
  dispatch(req: DispatchRequest): Promise<Reply>;
  /**
   * Stops taking commands (new ones are answered SHUTTING_DOWN) and waits for those in flight,
   * at most `timeoutMs`; resolves with how many finished and how many were still running.
   */
  drain(timeoutMs: number): Promise<DrainResult>;
  isAdmin(platform: Platform, userId: string): boolean;
  readonly commands: CommandRegistry;
  /** How long a command handed over now would wait for its turn, estimated (ms). */
  expectedWaitMs(): number;
  /** a command that would wait longer than this in all is answered "busy" instead (ms) */
  readonly maxWaitMs: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitSetting = { count: 20, windowMs: 10_000 };

/** The answer to a command sent once shutdown has begun. */
export const SHUTTING_DOWN = 'Marquee is shutting down and takes no new commands. Try again in a minute.';

export interface DrainResult {
  finished: number;
  /** still running at the deadline; their answers may never be sent */
  abandoned: number;
}

type Routed = { reply: Reply; command: string; outcome: Exclude<CommandOutcome, 'shutting-down'> };

export function createDispatcher(opts: DispatcherOptions): Dispatcher {
  const { service, commands } = opts;
  const now = opts.now ?? Date.now;
  const limiter = createRateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT);
  const unlimited = new Set<Platform>(opts.unlimited ?? ['console']);
  const work = opts.work ?? createWorkQueue();
  const maxWaitMs = opts.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;

  function isAdmin(platform: Platform, userId: string): boolean {
    return isAdminIn(opts.admins, platform, userId);
  }

  async function route(req: DispatchRequest): Promise<Routed> {
    const refused = (reply: Reply, command = 'unknown'): Routed => ({ reply, command, outcome: 'member-error' });
    let name: string;
    let raw: RawOptions;
    if (req.line !== undefined) {
      const m = /^\s*\/?(\S*)\s*([\s\S]*)$/.exec(req.line)!;
      name = m[1].toLowerCase();
      raw = { text: m[2] };
    } else {
      name = (req.command ?? '').replace(/^\//, '').toLowerCase();
      raw = { values: req.options ?? {} };
    }
    if (name === '') return refused(errorReply('Type a command, e.g. /help.'));
    const def = commands.get(name);
    if (!def) {
      const near = closest(name, commands.list.map((c) => c.name), 2);
      const hint = near.length ? ` Did you mean ${near.map((n) => `/${n}`).join(' or ')}?` : '';
      return refused(errorReply(`I don't know /${name.slice(0, 32)}.${hint} Type /help to see every command.`));
    }

    const t = now();
    if (!unlimited.has(req.platform)) {
      const verdict = limiter.check(`${req.platform}:${req.userId}`, t);
      if (!verdict.ok) {
        const secs = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
        return refused(
          errorReply(`Slow down: at most ${limiter.count} commands every ${formatWindow(limiter.windowMs)}. Try again in ${secs} s.`),
          def.name,
        );
      }
    }

    const admin = req.platformAdmin === true || isAdmin(req.platform, req.userId);
    if (def.adminOnly && !admin) {
      return refused(errorReply(`/${def.name} is for the bot's admins only. Ask an admin (the MARQUEE_ADMINS setting lists them).`), def.name);
    }

    // the parser reads; the data's lists (algorithm and genre names) are handed to it as lists
    const parsed = parseOptions(def, raw, {
      platform: req.platform,
      accepted: (list) => (list === 'algorithms' ? service.algorithms() : service.genres()),
    });
    if (!parsed.ok) return refused(usageReply(def, parsed.error), def.name);

    let member: Member | undefined;
    let known: { member: Member | undefined } | undefined;
    const ctx: CommandContext = {
      service,
      platform: req.platform,
      userId: req.userId,
      isAdmin: admin,
      now: t,
      commands: commands.list,
      trailing: parsed.trailing,
      fileNames: req.fileNames,
      get member() {
        // created lazily: /help or a refused command leaves no member record behind
        return (member ??= service.member(req.platform, req.userId, req.displayName));
      },
      get knownMember() {
        // looked up once per command; a member created meanwhile by ctx.member counts
        return member ?? (known ??= { member: service.findMember(req.platform, req.userId) }).member;
      },
    };
    const busy = req.admitted ? undefined : busyReply(work, maxWaitMs, req.receivedAt === undefined ? 0 : Math.max(0, t - req.receivedAt));
    if (busy) return { reply: busy, command: def.name, outcome: 'busy' };
    try {
      return { reply: await work.run(() => runToReply(def, ctx, parsed.options, req.onProgress)), command: def.name, outcome: 'ok' };
    } catch (err) {
      if (err instanceof UsageError) return refused(usageReply(def, err.message), def.name);
      if (memberCaused(err)) return refused(errorReply(err.message), def.name);
      const e = err instanceof Error ? err : new Error(String(err));
      log.error({ err: e, command: def.name, platform: req.platform, userId: req.userId }, 'command failed');
      return {
        reply: errorReply(`Sorry, something went wrong while running /${def.name}. It has been logged; please try again in a moment.`),
        command: def.name,
        outcome: 'failure',
      };
    }
  }

  const lifecycle = commandLifecycle(route, opts.observe);
  return { dispatch: lifecycle.dispatch, drain: lifecycle.drain, isAdmin, commands, expectedWaitMs: () => work.expectedWaitMs(), maxWaitMs };
}

/**
 * Shutdown and observation around the router, kept apart from its rules: counts the commands in
 * flight so a shutdown can wait for them, refuses new ones once draining, and tells `observe` how
 * each ended and how long it took.
 */
function commandLifecycle(
  route: (req: DispatchRequest) => Promise<Routed>,
  observe: CommandObserver | undefined,
): Pick<Dispatcher, 'dispatch' | 'drain'> {
  /** the commands running now; each settles (never rejects) when its command has ended */
  const inFlight = new Set<Promise<void>>();
  let draining = false;
  const tell = (o: CommandObservation) => {
    try {
      observe?.(o);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'the command observer failed');
    }
  };

  async function dispatch(req: DispatchRequest): Promise<Reply> {
    const t0 = performance.now();
    if (draining) {
      tell({ command: 'unknown', platform: req.platform, outcome: 'shutting-down', ms: 0 });
      return errorReply(SHUTTING_DOWN);
    }
    const running = route(req);
    const ended = running.then(
      () => undefined,
      () => undefined,
    );
    inFlight.add(ended);
    void ended.then(() => inFlight.delete(ended));
    try {
      const routed = await running;
      tell({ command: routed.command, platform: req.platform, outcome: routed.outcome, ms: performance.now() - t0 });
      return routed.reply;
    } catch (err) {
      tell({ command: 'unknown', platform: req.platform, outcome: 'failure', ms: performance.now() - t0 });
      throw err;
    }
  }

  async function drain(timeoutMs: number): Promise<DrainResult> {
    draining = true;
    const waiting = [...inFlight];
    let finished = 0;
    const counted = waiting.map((p) => p.then(() => void finished++));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((done) => (timer = setTimeout(done, timeoutMs)));
    await Promise.race([Promise.all(counted), deadline]);
    clearTimeout(timer);
    return { finished, abandoned: waiting.length - finished };
  }

  return { dispatch, drain };
}

async function runToReply(
  def: AnyCommand,
  ctx: CommandContext,
  options: Parameters<AnyCommand['run']>[1],
  onProgress: DispatchRequest['onProgress'],
): Promise<Reply> {
  const result = def.run(ctx, options);
  if (!(Symbol.asyncIterator in result)) return result;
  let final: Reply | undefined;
  for await (const step of result) {
    if (isProgress(step)) await onProgress?.(step);
    else final = step;
  }
  if (!final) throw new Error(`/${def.name} finished without a reply`);
  return final;
}

/**
 * A busy bot is honest: when the commands already waiting would hold this one up longer than
 * `maxWaitMs` in all (`waitedMs`: what it waited before it reached the dispatcher, in the Slack
 * front's queue), the member hears so, with when to come back, instead of an answer that arrives
 * too late (or never, past a platform's deadline). Nothing ran: the command changed nothing.
 */
export function busyReply(work: WorkQueue, maxWaitMs: number, waitedMs = 0): Reply | undefined {
  const aheadMs = work.expectedWaitMs();
  if (waitedMs + aheadMs <= maxWaitMs) return undefined;
  return errorReply(busyText(Math.max(aheadMs, 1000)));
}

/** The member typed something wrong: say what, then how to type it. */
export function usageReply(def: AnyCommand, problem: string): Reply {
  const lines = [problem, '', `Usage: ${usage(def)}`];
  for (const o of def.options) lines.push(`  ${o.name}: ${describeOption(o)}`);
  if (def.examples?.length) lines.push(`Example: ${def.examples[0]}`);
  return errorReply(lines.join('\n'));
}

function formatWindow(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
