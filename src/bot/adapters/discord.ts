/**
 * The Discord adapter (discord.js 14): slash commands, autocomplete and components in, rendered
 * Replies out. Thin by design: every command goes through the dispatcher, every reply through
 * renderDiscord (./discord-render.ts); nothing here knows what a command does.
 *
 * Timing (Discord's rules): an interaction must be answered within 3 s, after which its token
 * lasts 15 min. Most commands answer in milliseconds and are replied to directly, with the
 * ephemerality the Reply asks for. Work still running after DEFER_AFTER_MS (or reporting
 * progress) is deferred as an ephemeral "thinking…" (private is the safe guess: ephemerality is
 * fixed by the first response), progress edits it, and a public final answer is then posted as a
 * follow-up. Autocomplete cannot be deferred and is answered from the service's in-memory index.
 */
import {
  Client,
  ComponentType,
  Events,
  GatewayIntentBits,
  MessageFlags,
  PermissionFlagsBits,
  RESTEvents,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type InteractionEditReplyOptions,
  type InteractionReplyOptions,
  type InteractionUpdateOptions,
  type StringSelectMenuInteraction,
} from 'discord.js';
import type { Logger } from 'pino';
import type { AdapterStartOptions, PrepareAdapter, RunningAdapter } from './adapter.ts';
import type { Config } from '../../config.ts';
import { suggestValues, type AnyCommand, type CommandRegistry } from '../command.ts';
import { createRateLimiter } from '../rate-limit.ts';
import type { Dispatcher, DispatchRequest } from '../dispatch.ts';
import { errorReply, type Progress, type Reply } from '../reply.ts';
import type { MarqueeService } from '../service-api.ts';
import { autocompletes, deployDiscordCommands, discordOptionKind } from './discord-commands.ts';
import {
  checkTokenEarly,
  classifyLoginFailure,
  discordApiBase,
  LOGIN_ATTEMPT_MS,
  LoginAttemptError,
  loginWithRetry,
  runningRefusal,
  withinTime,
} from './discord-connection.ts';
import {
  clipText,
  decodeCustomId,
  DEFAULT_SCORES,
  DISCORD_LIMITS,
  escapeDiscord,
  markReaction,
  renderDiscord,
  scoreMenu,
  type DiscordMessage,
  type DiscordRow,
} from './discord-render.ts';

export { renderDiscord, type DiscordMessage } from './discord-render.ts';
export { deployDiscordCommands, discordCommandData, toSlashCommand } from './discord-commands.ts';

export type DiscordSettings = NonNullable<Config['discord']>;
export type AdapterLog = Pick<Logger, 'info' | 'warn' | 'error' | 'debug'>;

/** Defer when the answer is not ready after this long: leaves ~1 s of Discord's 3 s for the network. */
export const DEFER_AFTER_MS = 1800;
/** Webhook edits are rate limited (about 5 per 2 s); progress needs far fewer. */
export const PROGRESS_EVERY_MS = 1500;

export interface DiscordHandlerDeps {
  dispatcher: Dispatcher;
  service: MarqueeService;
  log: AdapterLog;
  /** reads an attached file's text (default: fetch with a 15 s timeout) */
  fetchText?: (url: string) => Promise<string>;
  deferAfterMs?: number;
  progressEveryMs?: number;
  /**
   * DISCORD_GUILD_ID: the one server whose Manage Server permission makes a member a Marquee
   * admin. Unset (a global bot, in servers run by anyone), Manage Server counts nowhere and only
   * MARQUEE_ADMINS decides.
   */
  guildId?: string;
}

/**
 * The scores a rate menu offers, from the rate command's `score` option (0.5 to 5 in steps of
 * 0.5 for Marquee), best first; the default scale when there is no such option.
 */
export function ratingScale(commands: CommandRegistry): number[] {
  const score = commands.get('rate')?.options.find((o) => o.name === 'score');
  if (!score || score.min === undefined || score.max === undefined || !score.step) return [...DEFAULT_SCORES];
  const out: number[] = [];
  for (let k = Math.round((score.max - score.min) / score.step); k >= 0 && out.length < DISCORD_LIMITS.selectOptions; k--) {
    out.push(Math.round((score.min + k * score.step) * 1000) / 1000);
  }
  return out;
}

/** A problem with what the member attached, told to them. */
class AttachmentError extends Error {}

async function fetchAttachmentText(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
  } catch (err) {
    throw new AttachmentError(`I couldn't download the attached file (${(err as Error).message}). Try attaching it again.`);
  }
  if (!res.ok) throw new AttachmentError(`I couldn't download the attached file (HTTP ${res.status}). Try attaching it again.`);
  return res.text();
}

type ComponentInteraction = ButtonInteraction | StringSelectMenuInteraction;
type Answerable = ChatInputCommandInteraction | ComponentInteraction;

/** `new`: a new message; `update`: replace the (ephemeral) message whose component was used. */
type Mode = 'new' | 'update';

/** Title suggestions per member: generous for typing, tight enough to stop a flood. */
export const AUTOCOMPLETE_LIMIT = { count: 30, windowMs: 5_000 } as const;

export function createInteractionHandler(deps: DiscordHandlerDeps): (interaction: Interaction) => Promise<void> {
  const { dispatcher, service, log } = deps;
  const fetchText = deps.fetchText ?? fetchAttachmentText;
  const deferAfter = deps.deferAfterMs ?? DEFER_AFTER_MS;
  const progressEvery = deps.progressEveryMs ?? PROGRESS_EVERY_MS;
  const scores = ratingScale(dispatcher.commands);
  // autocomplete fires on every keystroke and bypasses the dispatcher: its own, looser limit, so a
  // script hammering it cannot keep the title index busy (over the limit it simply suggests nothing)
  const suggestLimit = createRateLimiter(AUTOCOMPLETE_LIMIT);

  const who = (i: Answerable) => ({
    platform: 'discord' as const,
    userId: i.user.id,
    displayName: i.user.displayName ?? i.user.username,
    platformAdmin: managesOwnServer(i, deps.guildId),
  });

  const dispatch = (req: DispatchRequest) => dispatcher.dispatch(req);

  async function answer(i: Answerable, mode: Mode, work: (onProgress: (p: Progress) => void) => Promise<Reply>): Promise<void> {
    let deferred: Promise<unknown> | undefined;
    const defer = () =>
      (deferred ??= (mode === 'update' ? (i as ComponentInteraction).deferUpdate() : i.deferReply({ flags: MessageFlags.Ephemeral })).catch(
        (err: unknown) => log.warn({ err }, 'discord: deferring the interaction failed'),
      ));
    const timer = setTimeout(() => void defer(), deferAfter);
    let finished = false;
    let lastEdit = -Infinity;
    let edits: Promise<unknown> = Promise.resolve();
    const onProgress = (p: Progress) => {
      const now = Date.now();
      if (finished || now - lastEdit < progressEvery) return;
      lastEdit = now;
      const content = clipText(`⏳ ${p.progress}${p.total ? ` (${p.done ?? 0}/${p.total})` : ''}`, 2000);
      edits = edits
        .then(() => defer())
        .then(() => (finished ? undefined : i.editReply({ content, embeds: [], components: [], attachments: [] })))
        .catch((err: unknown) => log.warn({ err }, 'discord: showing progress failed'));
    };

    let reply: Reply;
    try {
      reply = await work(onProgress);
    } catch (err) {
      const message = err instanceof AttachmentError ? err.message : undefined;
      if (!message) log.error({ err, command: interactionLabel(i) }, 'discord: handling an interaction failed');
      reply = errorReply(message ?? 'Sorry, something went wrong. It has been logged; please try again in a moment.');
    } finally {
      finished = true;
      clearTimeout(timer);
    }
    await edits;

    const msg = renderDiscord(reply, { scores });
    try {
      if (msg.ephemeral) {
        if (deferred) {
          await deferred;
          await i.editReply(editPayload(msg));
        } else if (mode === 'update') await (i as ComponentInteraction).update(updatePayload(msg));
        else await i.reply(replyPayload(msg));
      } else if (!deferred && mode === 'new') {
        await i.reply(replyPayload(msg));
      } else {
        // the private message (a deferral, or the one acted on) cannot turn public: it says where
        // the answer went, and the answer gets a public message of its own
        const note = { content: 'Done: the answer is posted in the channel.', embeds: [], components: [], attachments: [] };
        if (deferred) {
          await deferred;
          await i.editReply(note);
        } else await (i as ComponentInteraction).update(note);
        await i.followUp(replyPayload(msg));
      }
    } catch (err) {
      log.error({ err, command: interactionLabel(i) }, 'discord: sending the reply failed');
    }
  }

  async function readOptions(
    i: ChatInputCommandInteraction,
    def: AnyCommand,
  ): Promise<{ values: Record<string, string | undefined>; fileNames: Record<string, string> }> {
    const values: Record<string, string | undefined> = {};
    const fileNames: Record<string, string> = {};
    for (const spec of def.options) {
      const name = spec.name;
      switch (discordOptionKind(spec)) {
        case 'attachment': {
          const file = i.options.getAttachment(name);
          if (!file) break;
          const limit = spec.maxLength ?? DISCORD_LIMITS.fileBytes;
          if (file.size > limit) throw new AttachmentError(`${file.name} is ${file.size} bytes; ${name} takes at most ${limit} bytes.`);
          if (file.contentType && /^(image|video|audio)\//.test(file.contentType)) {
            throw new AttachmentError(`${file.name} is ${file.contentType}; ${name} needs a text (CSV) file.`);
          }
          values[name] = await fetchText(file.url);
          fileNames[name] = file.name;
          break;
        }
        case 'user': {
          const user = i.options.getUser(name);
          if (user) values[name] = `<@${user.id}>`;
          break;
        }
        case 'boolean': {
          const b = i.options.getBoolean(name);
          if (b !== null) values[name] = b ? 'yes' : 'no';
          break;
        }
        case 'number': {
          const n = i.options.getNumber(name);
          if (n !== null) values[name] = String(n);
          break;
        }
        case 'integer': {
          const n = i.options.getInteger(name);
          if (n !== null) values[name] = String(n);
          break;
        }
        case 'string':
          values[name] = i.options.getString(name) ?? undefined;
          break;
      }
    }
    return { values, fileNames };
  }

  async function onCommand(i: ChatInputCommandInteraction): Promise<void> {
    await answer(i, 'new', async (onProgress) => {
      const def = dispatcher.commands.get(i.commandName);
      // an unknown name (commands deployed by an older version) still gets the dispatcher's answer
      const { values: options, fileNames } = def ? await readOptions(i, def) : { values: {}, fileNames: {} };
      return dispatch({ ...who(i), command: i.commandName, options, fileNames, onProgress });
    });
  }

  async function onAutocomplete(i: AutocompleteInteraction): Promise<void> {
    try {
      if (!suggestLimit.check(i.user.id, Date.now()).ok) {
        await i.respond([]);
        return;
      }
      const def = dispatcher.commands.get(i.commandName);
      const focused = i.options.getFocused(true);
      const spec = def?.options.find((o) => o.name === focused.name);
      let choices: Array<{ name: string; value: string }> = [];
      if (def && spec && autocompletes(spec)) {
        // an `accepts` list suggests itself even when the command did not ask for autocomplete
        const asked = spec.autocomplete ? def : { options: [{ ...spec, autocomplete: true }] };
        choices = suggestValues(asked, spec.name, String(focused.value ?? ''), service, DISCORD_LIMITS.selectOptions);
      }
      await i.respond(
        choices
          .filter((c) => c.value.length <= DISCORD_LIMITS.optionText && c.name.trim() !== '')
          .slice(0, DISCORD_LIMITS.selectOptions)
          .map((c) => ({ name: clipText(c.name, DISCORD_LIMITS.optionText), value: c.value })),
      );
    } catch (err) {
      log.warn({ err, command: i.commandName }, 'discord: autocomplete failed');
      if (!i.responded) await i.respond([]).catch(() => undefined);
    }
  }

  async function onComponent(i: ComponentInteraction): Promise<void> {
    const decoded = decodeCustomId(i.customId);
    if (!decoded) return; // not one of Marquee's components
    const value = i.isStringSelectMenu() ? i.values[0] : undefined;
    const fromPrivate = i.message?.flags?.has(MessageFlags.Ephemeral) ?? false;
    let line: string;
    let mode: Mode = fromPrivate ? 'update' : 'new';
    switch (decoded.kind) {
      case 'run':
        line = decoded.command;
        break;
      case 'pick-choice':
        if (value === undefined) return;
        line = value;
        break;
      case 'score':
        if (value === undefined) return;
        line = `${decoded.command}${value}`;
        // a score picked in the little "your score?" message replaces it; picked under a movie's
        // details, the details stay and the confirmation comes as a message of its own
        mode = decoded.replace && fromPrivate ? 'update' : 'new';
        break;
      case 'react': {
        // on a private list the list itself changes (the button pressed, what happened above
        // it); a public one (/because, /movienight) stays as it is, since everyone would see the
        // member's reaction, and the answer comes privately
        const pending = dispatch({ ...who(i), line: decoded.command });
        const reply = await pending.catch(() => undefined);
        if (reply?.reaction && fromPrivate && i.message) {
          const rows = i.message.components.map((c) => c.toJSON()).filter((c): c is DiscordRow => c.type === ComponentType.ActionRow);
          try {
            await i.update({ content: clipText(escapeDiscord(reply.text ?? ''), 2000), components: markReaction(rows, reply.reaction), allowedMentions: { parse: [] } });
          } catch (err) {
            log.error({ err }, 'discord: restyling the list after a reaction failed');
          }
          return;
        }
        await answer(i, 'new', () => pending);
        return;
      }
      case 'pick-movie': {
        if (value === undefined) return;
        const label = i.isStringSelectMenu() ? i.component?.options?.find((o) => o.value === value)?.label : undefined;
        try {
          await i.reply({
            components: [{ type: ComponentType.ActionRow, components: [scoreMenu(value, label ?? 'Your score', scores, true)] }],
            flags: MessageFlags.Ephemeral,
          });
        } catch (err) {
          log.error({ err }, 'discord: showing the score menu failed');
        }
        return;
      }
    }
    await answer(i, mode, (onProgress) => dispatch({ ...who(i), line, onProgress }));
  }

  return async (interaction: Interaction) => {
    try {
      if (interaction.isChatInputCommand()) await onCommand(interaction);
      else if (interaction.isAutocomplete()) await onAutocomplete(interaction);
      else if (interaction.isButton() || interaction.isStringSelectMenu()) await onComponent(interaction);
    } catch (err) {
      log.error({ err }, 'discord: interaction handler failed');
    }
  };
}

/**
 * Manage Server makes a member an admin only on the configured server: anyone can add a global
 * bot to a server they run, and their permission there says nothing about this bot.
 */
function managesOwnServer(i: Answerable, guildId: string | undefined): boolean {
  if (guildId === undefined || i.guildId !== guildId) return false;
  return i.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false;
}

function interactionLabel(i: Answerable): string {
  return i.isChatInputCommand() ? `/${i.commandName}` : i.customId;
}

// ---------------------------------------------------------------------------------------------
// Reply payloads for discord.js

const NO_PINGS = { parse: [] } as const;

function replyPayload(msg: DiscordMessage): InteractionReplyOptions {
  return {
    content: msg.content,
    embeds: msg.embeds,
    components: msg.components,
    files: msg.files,
    allowedMentions: NO_PINGS,
    flags: msg.ephemeral ? MessageFlags.Ephemeral : undefined,
  };
}

/** Replacing a message: clear what the new answer does not set (progress text, old files). */
function editPayload(msg: DiscordMessage): InteractionEditReplyOptions {
  return { content: msg.content ?? '', embeds: msg.embeds, components: msg.components, files: msg.files, attachments: [], allowedMentions: NO_PINGS };
}

function updatePayload(msg: DiscordMessage): InteractionUpdateOptions {
  return { content: msg.content ?? '', embeds: msg.embeds, components: msg.components, files: msg.files, attachments: [], allowedMentions: NO_PINGS };
}

// ---------------------------------------------------------------------------------------------
// start-up

/**
 * Checks DISCORD_TOKEN (GET /users/@me) before the data loads: a refused token stops start-up in
 * seconds (./discord-connection.ts, checkTokenEarly); an unreachable Discord does not, the login retries.
 */
export const prepareDiscord: PrepareAdapter<DiscordSettings> = async (settings, { log }) => {
  await checkTokenEarly({ token: settings.token, api: discordApiBase(settings), log });
  return startDiscord;
};

/**
 * Logs in (retrying while Discord is unreachable, failing with one paragraph when it refuses the
 * token: ./discord-connection.ts), then registers the slash commands when they changed. While
 * running, a token Discord stops accepting is told to `opts.onRefused`.
 */
export async function startDiscord(opts: AdapterStartOptions<DiscordSettings>): Promise<RunningAdapter> {
  const { dispatcher, service, settings, log } = opts;
  const api = discordApiBase(settings);
  const handle = createInteractionHandler({ dispatcher, service, log, guildId: settings.guildId });
  const client = await loginWithRetry({
    api,
    log,
    signal: opts.signal,
    attempt: async () => {
      // a fresh Client per attempt: a destroyed one is not meant to log in again
      // slash commands, autocomplete and components need no privileged intent
      const c = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api } });
      // handlers before login: nothing that arrives right after READY is missed, and an 'error'
      // event during login has a listener (an EventEmitter without one throws)
      watchConnection(c, log);
      c.on(Events.InteractionCreate, (interaction) => void handle(interaction));
      let closeCode: number | undefined;
      const onDisconnect = (event: { code: number }) => void (closeCode = event.code);
      c.on(Events.ShardDisconnect, onDisconnect);
      const ready = new Promise<void>((resolve) => c.once(Events.ClientReady, () => resolve()));
      try {
        await withinTime(
          c.login(settings.token).then(() => ready),
          LOGIN_ATTEMPT_MS,
          `logging in to the gateway from ${api}`,
          opts.signal,
        );
      } catch (err) {
        await c.destroy().catch(() => undefined);
        throw new LoginAttemptError(err, closeCode);
      } finally {
        c.off(Events.ShardDisconnect, onDisconnect);
      }
      return c;
    },
  });
  watchRefusal(client, api, log, opts.onRefused);
  log.info({ user: client.user?.tag, api }, 'discord: connected');
  try {
    const r = await deployDiscordCommands({ token: settings.token, clientId: settings.clientId, guildId: settings.guildId, commands: dispatcher.commands, rest: client.rest });
    log.info({ route: r.route, commands: r.count, changed: r.changed }, r.changed ? 'discord: slash commands registered' : 'discord: slash commands up to date');
  } catch (err) {
    log.warn({ err }, 'discord: could not register the slash commands (check DISCORD_CLIENT_ID and DISCORD_GUILD_ID, or run npm run deploy:discord)');
  }
  return {
    async stop() {
      await client.destroy();
    },
  };
}

/**
 * A logged-in client that Discord stops accepting: the close codes discord.js gives up on (it
 * reconnects by itself after every other) and a 401 on a request made with the token (the
 * interaction callbacks carry their own token, so these are rare). Told once: the first is the cause.
 */
function watchRefusal(client: Client, api: string, log: AdapterLog, onRefused: ((message: string) => void) | undefined): void {
  let told = false;
  const refused = (message: string) => {
    if (told) return;
    told = true;
    // start.ts says the paragraph itself, last; the log keeps a short line
    if (onRefused) {
      log.error({}, 'discord: Discord refused the token while running; stopping');
      onRefused(message);
    } else log.error({}, `discord: ${message}`);
  };
  client.on(Events.ShardDisconnect, (event) => {
    const message = runningRefusal({ closeCode: event.code }, api);
    if (message) refused(message);
    else {
      const verdict = classifyLoginFailure(new LoginAttemptError(new Error(`close code ${event.code}`), event.code), api);
      log.error({ code: event.code }, `discord: the gateway closed for good (${verdict.retry ? verdict.reason : verdict.message}); Marquee is offline on Discord until restarted`);
    }
  });
  client.rest.on(RESTEvents.Response, (request, response) => {
    if (response.status === 401 && request.data.auth !== false) refused(runningRefusal({ status: 401 }, api)!);
  });
}

/**
 * After login discord.js reconnects by itself (RESUME when the session allows, else a new
 * IDENTIFY); these lines tell the operator it happened and whether it healed.
 */
function watchConnection(client: Client, log: AdapterLog): void {
  client.on(Events.Error, (err) => log.error({ err }, 'discord: client error'));
  client.on(Events.ShardError, (err) => log.warn({ err: err.message }, 'discord: gateway connection error'));
  client.on(Events.ShardReconnecting, () => log.warn('discord: gateway connection lost; reconnecting'));
  client.on(Events.ShardResume, (_id, replayed) => log.info({ replayed }, 'discord: gateway session resumed'));
}
