/**
 * Plain-object stand-ins for discord.js interactions (the cheapest way to test an adapter
 * without Discord):
 * just the fields and methods the adapter uses, with every response method a vi.fn() so a test
 * reads what the member would have seen.
 */
import { MessageFlags, PermissionFlagsBits, type Interaction } from 'discord.js';
import { vi } from 'vitest';

export interface FakeUser {
  id: string;
  displayName?: string;
  username?: string;
}

const ANN: FakeUser = { id: '100000000000000001', displayName: 'Ann', username: 'ann' };

function responders() {
  return {
    reply: vi.fn(async (_payload: unknown) => undefined),
    deferReply: vi.fn(async (_opts?: unknown) => undefined),
    deferUpdate: vi.fn(async () => undefined),
    editReply: vi.fn(async (_payload: unknown) => undefined),
    followUp: vi.fn(async (_payload: unknown) => undefined),
    update: vi.fn(async (_payload: unknown) => undefined),
    respond: vi.fn(async (_choices: unknown) => undefined),
  };
}

export type Fake = ReturnType<typeof responders> & { asInteraction(): Interaction };

function kinds(kind: 'chat' | 'autocomplete' | 'button' | 'select') {
  return {
    isChatInputCommand: () => kind === 'chat',
    isAutocomplete: () => kind === 'autocomplete',
    isButton: () => kind === 'button',
    isStringSelectMenu: () => kind === 'select',
  };
}

function permissions(admin: boolean) {
  return { has: (p: bigint) => admin && p === PermissionFlagsBits.ManageGuild };
}

export interface FakeAttachment {
  name: string;
  size: number;
  contentType: string | null;
  url: string;
}

/** A slash command with options by name: strings, numbers, booleans, users ({id}) or attachments. */
export function chatInput(
  commandName: string,
  options: Record<string, string | number | boolean | FakeUser | FakeAttachment> = {},
  opts: { user?: FakeUser; manageServer?: boolean } = {},
): Fake {
  const r = responders();
  const get = (name: string) => (options[name] === undefined ? null : options[name]);
  const obj = {
    ...r,
    ...kinds('chat'),
    commandName,
    user: opts.user ?? ANN,
    memberPermissions: permissions(opts.manageServer ?? false),
    options: {
      getString: (n: string) => get(n) as string | null,
      getNumber: (n: string) => get(n) as number | null,
      getInteger: (n: string) => get(n) as number | null,
      getBoolean: (n: string) => get(n) as boolean | null,
      getUser: (n: string) => get(n) as FakeUser | null,
      getAttachment: (n: string) => get(n) as FakeAttachment | null,
    },
  };
  return Object.assign(r, { asInteraction: () => obj as unknown as Interaction });
}

export function autocomplete(commandName: string, focused: { name: string; value: string }, user: FakeUser = ANN): Fake {
  const r = responders();
  const obj = { ...r, ...kinds('autocomplete'), commandName, user, responded: false, options: { getFocused: () => focused } };
  return Object.assign(r, { asInteraction: () => obj as unknown as Interaction });
}

interface ComponentOpts {
  user?: FakeUser;
  /** whether the message holding the component is ephemeral */
  ephemeral?: boolean;
  /** select menus: the options shown (for their labels) */
  options?: Array<{ label: string; value: string }>;
  /** the action rows of the message holding the component, as API JSON (discord.js hands them over as builders with toJSON) */
  components?: unknown[];
}

function component(kind: 'button' | 'select', customId: string, values: string[], opts: ComponentOpts): Fake {
  const r = responders();
  const flags = { has: (f: number) => f === MessageFlags.Ephemeral && (opts.ephemeral ?? false) };
  const obj = {
    ...r,
    ...kinds(kind),
    customId,
    values,
    user: opts.user ?? ANN,
    memberPermissions: permissions(false),
    message: { flags, components: (opts.components ?? []).map((row) => ({ toJSON: () => row })) },
    component: { options: opts.options ?? [] },
  };
  return Object.assign(r, { asInteraction: () => obj as unknown as Interaction });
}

export function button(customId: string, opts: ComponentOpts = {}): Fake {
  return component('button', customId, [], opts);
}

export function select(customId: string, value: string, opts: ComponentOpts = {}): Fake {
  return component('select', customId, [value], opts);
}
