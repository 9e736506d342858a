/** A dispatcher over the real command registry and the in-memory fake service. */
import { createDispatcher, type DispatcherOptions } from '../../src/bot/dispatch.ts';
import type { Reply } from '../../src/bot/reply.ts';
import type { CommandRegistry } from '../../src/bot/command.ts';
import type { Platform } from '../../src/store/api.ts';
import { loadCommands } from '../../commands/index.ts';
import { FakeService, type FakeOptions } from '../bot/fake-service.ts';

let registry: Promise<CommandRegistry> | undefined;

export function commands(): Promise<CommandRegistry> {
  return (registry ??= loadCommands());
}

export async function harness(opts: Partial<DispatcherOptions> & { fake?: FakeOptions } = {}) {
  const service = new FakeService(opts.fake);
  const dispatcher = createDispatcher({ service, commands: await commands(), ...opts });
  const ask = (line: string, user = 'alice', platform: Platform = 'console'): Promise<Reply> =>
    dispatcher.dispatch({ platform, userId: user, line });
  return { service, dispatcher, ask };
}

/** Everything a person would read in a reply, as one string. */
export function replyText(r: Reply): string {
  return [
    r.title,
    r.text,
    ...(r.items ?? []).map((i) => `${i.label} ${i.detail ?? ''} ${i.why ?? ''}`),
    ...(r.fields ?? []).map((f) => `${f.name}: ${f.value}`),
    r.footer,
  ]
    .filter(Boolean)
    .join('\n');
}
