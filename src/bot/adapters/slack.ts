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
import { App, LogLevel, webApi, type AllMiddlewareArgs, type Logger as BoltLogger, type RespondArguments, type RespondFn, type SlackActionMiddlewareArgs, type SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { Logger } from 'pino';
import type { AdapterStartOptions, RunningAdapter } from './adapter.ts';
import type { Config } from '../../config.ts';
import type { CommandRegistry } from '../command.ts';
import type { Dispatcher } from '../dispatch.ts';
import { errorReply, type Progress, type Reply } from '../reply.ts';
import { ACTION_ID, DEFAULT_SCORES, clipSlack, decodeActionId, escapeSlack, renderSlack, scoreSelect, type SlackMessage } from './slack-render.ts';

export { renderSlack, type SlackMessage } from './slack-render.ts';

export type SlackSettings = NonNullable<Config['slack']>;
export type AdapterLog = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;
type WebClient = AllMiddlewareArgs['client'];

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
}

/** Registers the slash commands and block-action handlers on a Bolt app. */
export function registerSlackHandlers(app: App, deps: SlackHandlerDeps): void {
  const { dispatcher, log } = deps;
  const progressEvery = deps.progressEveryMs ?? PROGRESS_EVERY_MS;
  const scores = ratingScale(dispatcher.commands);
  const dmChannels = new Map<string, string>();

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
      reply = await dispatcher.dispatch({ platform: 'slack', userId: t.userId, displayName: t.displayName, line: t.line, onProgress });
    } catch (err) {
      log.error({ err, line: t.line }, 'slack: dispatch failed');
      reply = errorReply('Sorry, something went wrong. It has been logged; please try again in a moment.');
    }
    done = true;
    await chain;
    const msg = renderSlack(reply, { scores });
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
    async ({ command, ack, respond, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
      await ack();
      await run({
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

  app.action(/^mq:/, async ({ ack, body, action, respond, client }: SlackActionMiddlewareArgs & AllMiddlewareArgs) => {
    await ack();
    if (body.type !== 'block_actions' || !('action_id' in action)) return;
    const decoded = decodeActionId(action.action_id);
    const value =
      action.type === 'button' ? action.value : action.type === 'static_select' ? action.selected_option?.value : undefined;
    if (!decoded || value === undefined) return;
    const fromPrivate = (body.container as { is_ephemeral?: boolean } | undefined)?.is_ephemeral === true;
    const turn = { userId: body.user.id, displayName: body.user.name, channelId: body.channel?.id, respond, client };
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
      case 'run':
      case 'pick-choice':
        await run({ ...turn, line: value, replace: fromPrivate });
        return;
    }
  });
}

// ---------------------------------------------------------------------------------------------
// start-up

/** A problem the operator can fix: start.ts prints the message alone. */
class StartError extends Error {
  override name = 'StartError';
}

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
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new StartError(`SLACK_PORT/PORT "${raw}" is not a port number (1 to 65535).`);
  return n;
}

/** For tests: where the Web API lives (wins over SLACK_API_URL), and the environment the port is read from. */
export interface SlackStartOverrides {
  slackApiUrl?: string;
  env?: Record<string, string | undefined>;
}

export async function startSlack(opts: AdapterStartOptions<SlackSettings>, overrides: SlackStartOverrides = {}): Promise<RunningAdapter> {
  const { dispatcher, settings, log } = opts;
  const logger = boltLogger(log);
  const socketMode = settings.appToken !== undefined;
  const slackApiUrl = overrides.slackApiUrl ?? settings.apiUrl;
  const clientOptions = slackApiUrl ? { slackApiUrl } : undefined;
  const port = socketMode ? undefined : slackPort(overrides.env ?? process.env);
  // the token is checked here, so a wrong one is a start-up error the operator sees at once; Bolt
  // then gets the bot's ids and does not check again (its own background check would fail later,
  // as an unhandled rejection, on the first event)
  let ids: { botId?: string; botUserId?: string };
  try {
    const who = await new webApi.WebClient(settings.botToken, { ...clientOptions, logger }).auth.test();
    ids = { botId: who.bot_id, botUserId: who.user_id };
  } catch (err) {
    const code = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
    throw new StartError(`Slack refused SLACK_BOT_TOKEN (${code}). Copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions.`);
  }
  const common = { token: settings.botToken, ...ids, tokenVerificationEnabled: false, logger, clientOptions };
  const app = socketMode
    ? new App({ ...common, appToken: settings.appToken, socketMode: true })
    : new App({ ...common, signingSecret: settings.signingSecret });
  registerSlackHandlers(app, { dispatcher, log });
  app.error(async (err) => {
    log.error({ err }, 'slack: unhandled error');
  });
  try {
    if (socketMode) await app.start();
    else await app.start(port!);
  } catch (err) {
    throw new StartError(
      socketMode
        ? `Slack Socket Mode could not connect with SLACK_APP_TOKEN: ${(err as Error).message}. Check the app-level token (Basic Information > App-Level Tokens, scope connections:write).`
        : `The Slack HTTP receiver could not listen on port ${port}: ${(err as Error).message}. Set SLACK_PORT to a free port.`,
    );
  }
  log.info(socketMode ? { mode: 'socket' } : { mode: 'http', port, path: '/slack/events' }, 'slack: running');
  return {
    async stop() {
      await app.stop();
    },
  };
}
