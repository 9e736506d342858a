/**
 * The command registry as Discord slash commands, built with discord.js's own SlashCommandBuilder
 * (so Discord's rules are checked here, not by a 400 from the API), and the deploy step that
 * registers them: a PUT to a server's commands (instant, for development) or to the global ones.
 *
 * Option types: string, number, integer and boolean map one to one; `member` is a USER option (the
 * adapter hands the dispatcher `<@id>`); `members` is a STRING of mentions; run-time lists
 * (`accepts`) and title options autocomplete; a string option longer than Discord allows in an
 * option (6000 characters, e.g. /import's file) is an ATTACHMENT, whose text the adapter fetches.
 */
import {
  PermissionFlagsBits,
  REST,
  Routes,
  SlashCommandBuilder,
  type APIApplicationCommandOption,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { DEFAULT_MAX_LENGTH, type AnyCommand, type CommandRegistry, type OptionSpec } from '../command.ts';

/** Discord's longest string option value. */
export const DISCORD_MAX_STRING = 6000;

export type DiscordOptionKind = 'string' | 'number' | 'integer' | 'boolean' | 'user' | 'attachment';

/** How one option is asked for on Discord. */
export function discordOptionKind(spec: OptionSpec): DiscordOptionKind {
  switch (spec.type) {
    case 'member':
      return 'user';
    case 'members':
      return 'string';
    case 'string':
      return (spec.maxLength ?? DEFAULT_MAX_LENGTH) > DISCORD_MAX_STRING ? 'attachment' : 'string';
    default:
      return spec.type;
  }
}

/** Whether Discord should ask Marquee for suggestions while the member types this option. */
export function autocompletes(spec: OptionSpec): boolean {
  return !spec.choices && discordOptionKind(spec) === 'string' && (spec.autocomplete === true || spec.accepts !== undefined);
}

/** Mentions are long (`<@81234567890123456>`): a members option holds `max` of them. */
function maxLength(spec: OptionSpec): number {
  if (spec.type === 'members') return spec.maxLength ?? Math.max(DEFAULT_MAX_LENGTH, (spec.max ?? 25) * 32);
  return spec.maxLength ?? DEFAULT_MAX_LENGTH;
}

export function toSlashCommand(def: AnyCommand): RESTPostAPIChatInputApplicationCommandsJSONBody {
  const b = new SlashCommandBuilder().setName(def.name).setDescription(def.description);
  // hidden from members without Manage Server; the dispatcher still checks on every call
  if (def.adminOnly) b.setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild);
  for (const spec of def.options) {
    const required = spec.required === true;
    switch (discordOptionKind(spec)) {
      case 'attachment':
        b.addAttachmentOption((o) => o.setName(spec.name).setDescription(spec.description).setRequired(required));
        break;
      case 'user':
        b.addUserOption((o) => o.setName(spec.name).setDescription(spec.description).setRequired(required));
        break;
      case 'boolean':
        b.addBooleanOption((o) => o.setName(spec.name).setDescription(spec.description).setRequired(required));
        break;
      case 'string':
        b.addStringOption((o) => {
          o.setName(spec.name).setDescription(spec.description).setRequired(required);
          o.setMaxLength(Math.min(maxLength(spec), DISCORD_MAX_STRING));
          if (spec.choices) o.addChoices(...spec.choices.map((c) => ({ name: c.name, value: String(c.value) })));
          else if (autocompletes(spec)) o.setAutocomplete(true);
          return o;
        });
        break;
      case 'number':
      case 'integer': {
        const setRange = <T extends { setMinValue(n: number): T; setMaxValue(n: number): T }>(o: T): T => {
          if (spec.min !== undefined) o.setMinValue(spec.min);
          if (spec.max !== undefined) o.setMaxValue(spec.max);
          return o;
        };
        const choices = spec.choices?.map((c) => ({ name: c.name, value: Number(c.value) }));
        if (spec.type === 'integer') {
          b.addIntegerOption((o) => {
            setRange(o.setName(spec.name).setDescription(spec.description).setRequired(required));
            if (choices) o.addChoices(...choices);
            return o;
          });
        } else {
          b.addNumberOption((o) => {
            setRange(o.setName(spec.name).setDescription(spec.description).setRequired(required));
            if (choices) o.addChoices(...choices);
            return o;
          });
        }
        break;
      }
    }
  }
  return b.toJSON();
}

export function discordCommandData(commands: CommandRegistry): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return commands.list.map(toSlashCommand);
}

// ---------------------------------------------------------------------------------------------
// deploy

export interface DeployOptions {
  token: string;
  clientId: string;
  /** a server id: register there (instant); else globally (Discord may take up to an hour) */
  guildId?: string;
  commands: CommandRegistry;
  /** a REST client to reuse (the bot's own, or one pointed at a test server) */
  rest?: REST;
}

export interface DeployResult {
  route: string;
  count: number;
  /** false when Discord already had exactly these definitions, so nothing was sent */
  changed: boolean;
}

/**
 * Registers the commands, but only when they differ from what Discord has: creations count
 * against a daily limit, so an unchanged set is not sent again.
 */
export async function deployDiscordCommands(opts: DeployOptions): Promise<DeployResult> {
  const rest = opts.rest ?? new REST({ version: '10' }).setToken(opts.token);
  const route = opts.guildId ? Routes.applicationGuildCommands(opts.clientId, opts.guildId) : Routes.applicationCommands(opts.clientId);
  const body = discordCommandData(opts.commands);
  const existing = (await rest.get(route)) as RESTPostAPIChatInputApplicationCommandsJSONBody[];
  if (sameCommands(existing, body)) return { route, count: body.length, changed: false };
  await rest.put(route, { body });
  return { route, count: body.length, changed: true };
}

type Comparable = Record<string, unknown>;

function normalizeOption(o: APIApplicationCommandOption): Comparable {
  const x = o as APIApplicationCommandOption & Partial<Record<string, unknown>>;
  return {
    type: x.type,
    name: x.name,
    description: x.description,
    required: Boolean(x.required),
    autocomplete: Boolean(x.autocomplete),
    choices: (x.choices as Array<{ name: string; value: unknown }> | undefined)?.map((c) => [c.name, c.value]) ?? [],
    min_value: x.min_value ?? null,
    max_value: x.max_value ?? null,
    min_length: x.min_length ?? null,
    max_length: x.max_length ?? null,
  };
}

function normalizeCommand(c: RESTPostAPIChatInputApplicationCommandsJSONBody): Comparable {
  return {
    name: c.name,
    description: c.description,
    type: c.type ?? 1,
    default_member_permissions: c.default_member_permissions ?? null,
    options: (c.options ?? []).map(normalizeOption),
  };
}

/** The fields Marquee sets, compared; what Discord adds (ids, versions) is ignored. */
export function sameCommands(
  a: readonly RESTPostAPIChatInputApplicationCommandsJSONBody[],
  b: readonly RESTPostAPIChatInputApplicationCommandsJSONBody[],
): boolean {
  const key = (xs: readonly RESTPostAPIChatInputApplicationCommandsJSONBody[]) =>
    JSON.stringify(xs.map(normalizeCommand).sort((x, y) => String(x.name).localeCompare(String(y.name))));
  return key(a) === key(b);
}
