/**
 * The Slack adapter (@slack/bolt 5): slash commands and block actions in, Block Kit out.
 * Thin by design: each command's text goes to the dispatcher as a command line (the same
 * forgiving syntax as the console), each reply through renderSlack (./slack-render.ts).
 *
 * Every handler acks first (Slack's 3 s rule) and then answers through the command's
 * response_url, ephemeral or in_channel as the Reply asks. A response_url takes 5 posts in
 * 30 min, so progress is posted at most MAX_PROGRESS_POSTS times and a late answer falls back to
 * chat.postMessage / chat.postEphemeral. Files (a chart, a CSV export) are uploaded with
 * files.uploadV2: to the channel for a public reply, to the member's direct messages for a
 * private one, so a personal export is never shared with a channel.
 *
 * Besides one `/<name>` per command, `/marquee <command> …` runs any command, for workspaces
 * where a short name such as /top is taken by another app.
 */
import { App, LogLevel, SocketModeReceiver, type AllMiddlewareArgs, type Logger as BoltLogger, type RespondArguments, type RespondFn, type SlackActionMiddlewareArgs, type SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import { AdapterStartError, type AdapterStartOptions, type PrepareAdapter, type RunningAdapter } from './adapter.ts';
import type { Config } from '../../config.ts';
import type { CommandRegistry } from '../command.ts';
import type { Dispatcher } from '../dispatch.ts';
import { SLACK_QUEUE_MAX_MS } from '../busy.ts';
import { errorReply, type Progress, type Reply } from '../reply.ts';
import {
  checkBotToken,
  checkBotTokenEarly,
  refusedWhileRunning,
  revokedByEvent,
  SocketConnection,
  singleAttemptOptions,
  SLACK_WEB_API_URL,
  watchTokenRefusals,
  withoutNetworkNoise,
  type RetryPolicy,
} from './slack-connection.ts';
import { SlackFrontReceiver } from './slack-front.ts';
import { ReplayGuard } from './slack-replay.ts';
import { ACTION_ID, DEFAULT_SCORES, clipSlack, decodeActionId, escapeSlack, markReaction, renderSlack, scoreSelect, splitSeenValue, type SlackMessage } from './slack-render.ts';

export { renderSlack, type SlackMessage } from './slack-render.ts';

export type SlackSettings = NonNullable<Config['slack']>;
export type AdapterLog = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
type WebClient = AllMiddlewareArgs['client'];
type KnownBlock = SlackMessage['blocks'][number];

/** The umbrella command: `/marquee rate The Matrix 4.5`. */
export const UMBRELLA_COMMAND = 'marquee';
/** A response_url takes 5 posts: up to 3 progress lines, a "done" note and the answer. */
export const MAX_PROGRESS_POSTS = 3;
export const PROGRESS_EVERY_MS = 5000;

export interface SlackHandlerDeps {
  dispatcher: Dispatcher;
  log: AdapterLog;
  progressEveryMs?: number;
}

/** The rate command's score scale (0.5 to 5 in steps of 0.5 for Marquee), best first. */
export function ratingScale(commands: CommandRegistry): number[] {
  const score = commands.get('rate')?.options.find((o) => o.name === 'score');
  if (!score || score.min === undefined || score.max === undefined || !score.step) return [...DEFAULT_SCORES];
  const out: number[] = [];
  for (let k = Math.round((score.max - score.min) / score.step); k >= 0 && out.length < 100; k--) {
    out.push(Math.round((score.min + k * score.step) * 1000) / 1000);
  }
  return out;
}

/** Slack sends `&`, `<` and `>` in a command's text as entities; the parser wants what was typed. */
export function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** One command to run and where its answer goes. */
interface Turn {
  line: string;
  userId: string;
  displayName?: string;
  channelId?: string;
  respond: RespondFn;
  client: WebClient;
  /** replace the message the member acted on (a private one) instead of posting a new one */
  replace: boolean;
  /** when the HTTP front received it (Date.now() ms); the dispatcher counts the wait since */
  receivedAt?: number;
}

/** The HTTP front's receipt time, which Bolt hands over in the context (./slack-front.ts). */
function receivedAtOf(context: AllMiddlewareArgs['context']): number | undefined {
  const at = (context as { receivedAt?: unknown }).receivedAt;
  return typeof at === 'number' ? at : undefined;
}

/** Registers the slash commands and block-action handlers on a Bolt app. */
export function registerSlackHandlers(app: App, deps: SlackHandlerDeps): void {
  const { dispatcher, log } = deps;
  const progressEvery = deps.progressEveryMs ?? PROGRESS_EVERY_MS;
  const scores = ratingScale(dispatcher.commands);
  const dmChannels = new Map<string, string>();
  const lists = shownLists();

  async function directMessageChannel(client: WebClient, userId: string): Promise<string> {
    const known = dmChannels.get(userId);
    if (known) return known;
    const res = await client.conversations.open({ users: userId });
    const id = res.channel?.id;
    if (!id) throw new Error('conversations.open returned no channel');
    dmChannels.set(userId, id);
    return id;
  }

  async function run(t: Turn): Promise<void> {
    let done = false;
    let posts = 0;
    let last = -Infinity;
    let progressShown = false;
    let chain: Promise<unknown> = Promise.resolve();
    const onProgress = (p: Progress) => {
      const now = Date.now();
      if (done || posts >= MAX_PROGRESS_POSTS || now - last < progressEvery) return;
      last = now;
      posts++;
      const replace = t.replace || progressShown;
      progressShown = true;
      const text = `⏳ ${escapeSlack(p.progress)}${p.total ? ` (${p.done ?? 0}/${p.total})` : ''}`;
      chain = chain
        .then(() => t.respond({ response_type: 'ephemeral', replace_original: replace, text: clipSlack(text, 3000) }))
        .catch((err: unknown) => log.warn({ err }, 'slack: posting progress failed'));
    };

    let reply: Reply;
    try {
      reply = await dispatcher.dispatch({ platform: 'slack', userId: t.userId, displayName: t.displayName, line: t.line, onProgress, receivedAt: t.receivedAt, admitted: t.receivedAt !== undefined });
    } catch (err) {
      log.error({ err, line: t.line }, 'slack: dispatch failed');
      reply = errorReply('Sorry, something went wrong. It has been logged; please try again in a moment.');
    }
    done = true;
    await chain;
    const msg = renderSlack(reply, { scores });
    if (reply.feedback && msg.ephemeral) lists.remember(reply.feedback.listId, msg.blocks);
    await deliver(t, msg, progressShown);
    await shareFiles(t, msg);
  }

  async function deliver(t: Turn, msg: SlackMessage, progressShown: boolean): Promise<void> {
    const base = { text: msg.text, blocks: msg.blocks };
    try {
      if (msg.ephemeral) {
        await t.respond({ ...base, response_type: 'ephemeral', replace_original: t.replace || progressShown });
      } else {
        // a private message (progress, or the one acted on) cannot turn public: it says where
        // the answer went instead
        if (progressShown || t.replace) await t.respond({ response_type: 'ephemeral', replace_original: true, text: 'Done: the answer is posted in the channel.' });
        await t.respond({ ...base, response_type: 'in_channel', replace_original: false });
      }
    } catch (err) {
      // the response_url expired (30 min) or was used up: post through the Web API instead
      log.warn({ err }, 'slack: response_url failed; posting through the Web API');
      if (!t.channelId) return;
      try {
        if (msg.ephemeral) await t.client.chat.postEphemeral({ channel: t.channelId, user: t.userId, ...base });
        else await t.client.chat.postMessage({ channel: t.channelId, ...base });
      } catch (err2) {
        log.error({ err: err2 }, 'slack: sending the reply failed');
      }
    }
  }

  async function shareFiles(t: Turn, msg: SlackMessage): Promise<void> {
    for (const f of msg.files) {
      try {
        const channel = msg.ephemeral ? await directMessageChannel(t.client, t.userId) : t.channelId;
        if (!channel) throw new Error('no channel to share the file in');
        await t.client.filesUploadV2({ channel_id: channel, file: f.data, filename: f.filename, title: f.title, alt_text: f.altText });
      } catch (err) {
        const code = (err as { data?: { error?: string } }).data?.error;
        log.warn({ err, file: f.filename }, 'slack: sharing a file failed');
        const why =
          code === 'not_in_channel' || code === 'channel_not_found'
            ? 'I am not in this channel: invite me with /invite, or run the command in a direct message with me.'
            : `Slack refused the upload${code ? ` (${code})` : ''}.`;
        await t.respond({ response_type: 'ephemeral', replace_original: false, text: `I couldn't share ${escapeSlack(f.filename)}. ${why}` }).catch(() => undefined);
      }
    }
  }

  const slash =
    (lineOf: (text: string) => string) =>
    async ({ command, ack, respond, client, context }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
      await ack();
      await run({
        receivedAt: receivedAtOf(context),
        line: lineOf(unescapeSlack(command.text ?? '')),
        userId: command.user_id,
        displayName: command.user_name,
        channelId: command.channel_id,
        respond,
        client,
        replace: false,
      });
    };

  // One listener for every slash command, not one per command: Bolt runs each listener's
  // matchers for every request, and with ~20 of them that was most of Bolt's 1.2 ms per request
  // before the ack (a CPU profile of bench/load.ts), on the main thread, in a burst.
  const umbrella = !dispatcher.commands.get(UMBRELLA_COMMAND);
  app.command(/^\/.+$/, async (args: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    const name = args.command.command.replace(/^\//, '');
    const line = umbrella && name === UMBRELLA_COMMAND ? (text: string) => (text.trim() === '' ? '/help' : text) : (text: string) => `/${name} ${text}`;
    await slash(line)(args);
  });

  app.action(/^mq:/, async ({ ack, body, action, respond, client, context }: SlackActionMiddlewareArgs & AllMiddlewareArgs) => {
    await ack();
    if (body.type !== 'block_actions' || !('action_id' in action)) return;
    const decoded = decodeActionId(action.action_id);
    const value =
      action.type === 'button' ? action.value : action.type === 'static_select' ? action.selected_option?.value : undefined;
    if (!decoded || value === undefined) return;
    const fromPrivate = (body.container as { is_ephemeral?: boolean } | undefined)?.is_ephemeral === true;
    const turn = { userId: body.user.id, displayName: body.user.name, channelId: body.channel?.id, respond, client, receivedAt: receivedAtOf(context) };
    switch (decoded.kind) {
      case 'pick-movie': {
        const label = action.type === 'static_select' ? action.selected_option.text.text : 'this movie';
        const ask: RespondArguments = {
          response_type: 'ephemeral',
          replace_original: false,
          text: `Your score for ${label.replace(/^Rate /, '')}?`,
          blocks: [{ type: 'actions', elements: [scoreSelect(value, label, scores, `${ACTION_ID.scoreReplace}0`)] }],
        };
        await respond(ask).catch((err: unknown) => log.warn({ err }, 'slack: showing the score menu failed'));
        return;
      }
      case 'score':
        // in the "your score?" message the answer replaces the menu; under a movie, it is new
        await run({ ...turn, line: value, replace: decoded.replace && fromPrivate });
        return;
      case 'react': {
        if (decoded.choice === 'seen') {
          const { command, movie } = splitSeenValue(value);
          const ask: RespondArguments = {
            response_type: 'ephemeral',
            replace_original: false,
            text: `Seen it: your score for ${movie ?? 'this movie'}?`,
            blocks: [{ type: 'actions', elements: [scoreSelect(command, movie ?? 'Your score', scores, `${ACTION_ID.scoreReplace}0`)] }],
          };
          await respond(ask).catch((err: unknown) => log.warn({ err }, 'slack: showing the score menu failed'));
          return;
        }
        await react(value, turn, fromPrivate ? ((body.message?.blocks as KnownBlock[] | undefined) ?? null) : undefined);
        return;
      }
      case 'run':
      case 'pick-choice':
        await run({ ...turn, line: value, replace: fromPrivate });
        return;
    }
  });

  /**
   * A 👍 or 👎 click. On a private list the list itself changes: the button pressed, the line
   * under it saying what happened. A public list (/because, /movienight) stays as it is, since
   * everyone would see the member's reaction, and the answer comes privately.
   * `original`: the private list's blocks as Slack sent them (null when it sent none; the ones
   * rendered for the list are used then), undefined for a public list.
   */
  async function react(line: string, turn: Omit<Turn, 'line' | 'replace'>, original: KnownBlock[] | null | undefined): Promise<void> {
    let reply: Reply;
    try {
      reply = await dispatcher.dispatch({ platform: 'slack', userId: turn.userId, displayName: turn.displayName, line, receivedAt: turn.receivedAt, admitted: turn.receivedAt !== undefined });
    } catch (err) {
      log.error({ err, line }, 'slack: dispatch failed');
      reply = errorReply('Sorry, something went wrong. It has been logged; please try again in a moment.');
    }
    const blocks = reply.reaction && original !== undefined ? (original ?? lists.blocksOf(reply.reaction.listId)) : undefined;
    try {
      if (reply.reaction && blocks) {
        const marked = markReaction(blocks, reply.reaction, reply.text ?? '');
        lists.remember(reply.reaction.listId, marked);
        await turn.respond({ response_type: 'ephemeral', replace_original: true, text: clipSlack(escapeSlack(reply.text ?? 'Noted.'), 300), blocks: marked });
      } else {
        const msg = renderSlack(reply, { scores });
        await turn.respond({ response_type: 'ephemeral', replace_original: false, text: msg.text, blocks: msg.blocks });
      }
    } catch (err) {
      log.warn({ err }, 'slack: answering a reaction failed');
    }
  }
}

/**
 * The private lists' blocks as rendered, by list id: a click need not carry a copy of the
 * ephemeral message it was made on (`message` is optional in Bolt's BlockAction payload), and
 * replacing it (to show the pressed button) needs the whole message. A response_url lasts 30 min,
 * so only recent lists matter: the oldest are dropped past LIST_MEMORY.
 */
export const LIST_MEMORY = 500;

function shownLists() {
  const byId = new Map<string, KnownBlock[]>();
  return {
    remember(listId: string, blocks: KnownBlock[]): void {
      byId.delete(listId);
      byId.set(listId, blocks);
      if (byId.size > LIST_MEMORY) byId.delete(byId.keys().next().value!);
    },
    blocksOf(listId: string): KnownBlock[] | undefined {
      return byId.get(listId);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// start-up. What failed is said by ./slack-connection.ts (an unreachable Slack is retried, a
// refused token stops start-up) and it keeps Socket Mode connected; ./slack-front.ts acks HTTP
// requests from a worker thread, and ./slack-replay.ts drops the replayed ones.

/** Bolt's log lines into the app's logger (stderr), never stdout. */
function boltLogger(log: AdapterLog): BoltLogger {
  let level = LogLevel.INFO;
  const line = (parts: unknown[]) => parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
  return {
    debug: (...m: unknown[]) => log.debug({ src: 'bolt' }, line(m)),
    info: (...m: unknown[]) => log.info({ src: 'bolt' }, line(m)),
    warn: (...m: unknown[]) => log.warn({ src: 'bolt' }, line(m)),
    error: (...m: unknown[]) => log.error({ src: 'bolt' }, line(m)),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** The port of the HTTP receiver (Events API mode): SLACK_PORT, else PORT, else 3000. */
export function slackPort(env: Record<string, string | undefined>): number {
  const raw = env.SLACK_PORT ?? env.PORT;
  if (raw === undefined || raw.trim() === '') return 3000;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new AdapterStartError(`SLACK_PORT/PORT "${raw}" is not a port number (1 to 65535).`);
  return n;
}

/**
 * Where the Web API lives (wins over SLACK_API_URL), the environment the port is read from, the
 * pause between attempts (for tests); the bot's ids when auth.test already answered them
 * (prepareSlack: the token is then not checked twice).
 */
export interface SlackStartOverrides {
  slackApiUrl?: string;
  env?: Record<string, string | undefined>;
  retryPolicy?: RetryPolicy;
  checkedIds?: { botId?: string; botUserId?: string };
  /** how long the HTTP front lets a slash command queue before "busy" (SLACK_QUEUE_MAX_MS) */
  queueMaxMs?: number;
  /** HTTP mode: the nice every thread but the front takes once it listens (./slack-front.ts; unset: left alone) */
  yieldToFrontNice?: number;
}

/**
 * Checks SLACK_BOT_TOKEN (auth.test) before the data loads: a refused token stops start-up in
 * seconds; an unreachable Slack does not (the start checks again, retrying). SLACK_APP_TOKEN is
 * checked when the Socket Mode connection opens: apps.connections.open is its only check, and
 * each call hands out a connection.
 */
export const prepareSlack: PrepareAdapter<SlackSettings> = async (settings, { log }) => {
  const apiUrl = settings.apiUrl;
  const checkedIds = await checkBotTokenEarly(settings.botToken, apiUrl ? { slackApiUrl: apiUrl } : {}, { log, logger: boltLogger(log), apiUrl });
  // SLACK_YIELD_NICE (5 by default, 0 turns it off: see YIELD_TO_FRONT_NICE in ./slack-front.ts):
  // the bot's threads yield the cores to the HTTP front's acks
  return (opts) => startSlack(opts, { checkedIds, ...(settings.yieldNice ? { yieldToFrontNice: settings.yieldNice } : {}) });
};

export async function startSlack(opts: AdapterStartOptions<SlackSettings>, overrides: SlackStartOverrides = {}): Promise<RunningAdapter> {
  const { dispatcher, settings, log } = opts;
  const logger = boltLogger(log);
  const apiUrl = overrides.slackApiUrl ?? settings.apiUrl;
  // SLACK_API_URL reaches every Web API call: Bolt's clients, auth.test, and Socket Mode's
  // apps.connections.open (whose WebSocket URL is then used as Slack gives it)
  const clientOptions = apiUrl ? { slackApiUrl: apiUrl } : {};
  const port = settings.appToken === undefined ? slackPort(overrides.env ?? process.env) : undefined;
  // the token is checked here, so a wrong one is a start-up error the operator sees at once; Bolt
  // then gets the bot's ids and does not check again (its own background check would fail later,
  // as an unhandled rejection, on the first event)
  const ids =
    overrides.checkedIds ?? (await checkBotToken(settings.botToken, clientOptions, { log, logger, apiUrl, policy: overrides.retryPolicy, signal: opts.signal }));
  // a credential refused while running is told once, whichever way Slack said it first
  let told = false;
  const refused = (message: string) => {
    if (told) return;
    told = true;
    // start.ts says the paragraph itself, last; the log keeps a short line
    if (opts.onRefused) {
      log.error({}, 'slack: Slack refused a token while running; stopping');
      opts.onRefused(message);
    } else log.error({}, `slack: ${message}`);
  };
  // the bot's client (Bolt's, passed to every handler) reports a token Slack stopped accepting;
  // Socket Mode's client, on the app token, reports through SocketConnection
  const botClientOptions = { ...clientOptions, fetch: watchTokenRefusals((code) => refused(refusedWhileRunning('SLACK_BOT_TOKEN', code)), apiUrl ?? SLACK_WEB_API_URL) };
  const common = { token: settings.botToken, ...ids, tokenVerificationEnabled: false, logger, clientOptions: botClientOptions };
  const receiver = settings.appToken !== undefined ? socketReceiver(settings.appToken, clientOptions, logger) : httpReceiver(settings, dispatcher, log, overrides.queueMaxMs ?? SLACK_QUEUE_MAX_MS, overrides.yieldToFrontNice);
  const app = new App({ ...common, receiver });
  registerSlackHandlers(app, { dispatcher, log });
  watchRevocationEvents(app, ids.botUserId, refused);
  app.error(async (err) => {
    log.error({ err }, 'slack: unhandled error');
  });
  if (receiver instanceof SocketModeReceiver) {
    const connection = new SocketConnection(receiver.client, { log, apiUrl, policy: overrides.retryPolicy, onRefused: (message) => refused(message) });
    await connection.start();
    log.info({ mode: 'socket' }, 'slack: running');
    return { stop: () => connection.stop() };
  }
  try {
    await app.start(port!);
  } catch (err) {
    throw new AdapterStartError(`The Slack HTTP receiver could not listen on port ${port}: ${(err as Error).message}. Set SLACK_PORT to a free port.`);
  }
  log.info({ mode: 'http', port, path: '/slack/events' }, 'slack: running');
  return {
    async stop() {
      await app.stop();
    },
  };
}

/**
 * Slack's events saying the bot's token is gone: app_uninstalled, and tokens_revoked naming a bot
 * token (this bot's user id when auth.test gave it; a revoked user token alone changes nothing).
 * Both come without the member waiting on anything, so this is the only way Marquee learns of it
 * before a call fails.
 */
function watchRevocationEvents(app: App, botUserId: string | undefined, refused: (message: string) => void): void {
  app.event('app_uninstalled', async () => refused(revokedByEvent('app_uninstalled')));
  app.event('tokens_revoked', async ({ event }) => {
    const bots = event.tokens.bot ?? [];
    if (bots.length > 0 && (botUserId === undefined || bots.includes(botUserId))) refused(revokedByEvent('tokens_revoked'));
  });
}

// ---------------------------------------------------------------------------------------------
// transport: how requests reach the handlers

/**
 * Socket Mode: Bolt's receiver with its own reconnection off (SocketConnection keeps the
 * connection up) and one request per apps.connections.open attempt.
 */
function socketReceiver(appToken: string, clientOptions: { slackApiUrl?: string }, logger: BoltLogger): SocketModeReceiver {
  return new SocketModeReceiver({
    appToken,
    logger: withoutNetworkNoise(logger),
    autoReconnectEnabled: false,
    installerOptions: { clientOptions: singleAttemptOptions(clientOptions, logger) },
  });
}

/**
 * HTTP (Events API) mode: signed requests on /slack/events, checked and acked in a worker thread
 * (./slack-front.ts) so the 3 s ack never waits behind the main thread; replays answered and
 * dropped.
 */
function httpReceiver(settings: SlackSettings, dispatcher: Dispatcher, log: AdapterLog, queueMaxMs: number, yieldToFrontNice: number | undefined): SlackFrontReceiver {
  if (settings.signingSecret === undefined) throw new AdapterStartError('SLACK_SIGNING_SECRET is needed to receive HTTP events (or set SLACK_APP_TOKEN for Socket Mode).');
  return new SlackFrontReceiver({
    signingSecret: settings.signingSecret,
    guard: new ReplayGuard(),
    log,
    // the front's ack says "queued" or "busy" from the whole wait: its queue and the dispatcher's
    waitBeyondMs: () => dispatcher.expectedWaitMs(),
    maxWaitMs: queueMaxMs,
    yieldToFrontNice,
    onDuplicate: (verdict, d) =>
      log.warn(
        { verdict, retryNum: d.retryNum, requestTimestamp: d.timestampS },
        verdict === 'replay'
          ? 'slack: a signed request was sent again unchanged (a replay); answered 200 and ignored'
          : "slack: Slack's retry of a request already received; answered 200 and ignored",
      ),
  });
}
