/**
 * The dispatcher at shutdown and under observation: once draining, a member's new command is
 * told the bot is stopping (and runs nothing); the commands already running finish and are
 * counted; one that outlasts the grace period is reported abandoned. Every answered command is
 * told to the observer with its name and outcome.
 */
import { describe, expect, it, vi } from 'vitest';
import { createRegistry, defineCommand } from '../../src/bot/command.ts';
import { SHUTTING_DOWN, createDispatcher, type CommandObservation } from '../../src/bot/dispatch.ts';
import { UserFacingError } from '../../src/bot/errors.ts';
import { log } from '../../src/log.ts';
import type { Reply } from '../../src/bot/reply.ts';
import { FakeService } from './fake-service.ts';

function gate(): { open(): void; wait: Promise<void> } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { open, wait };
}

function bot(slow: Promise<void>) {
  const ran: string[] = [];
  const seen: CommandObservation[] = [];
  const commands = createRegistry([
    {
      source: 'slow.ts',
      def: defineCommand({
        name: 'slow',
        description: 'waits for the test',
        options: [],
        run: async (): Promise<Reply> => {
          ran.push('slow');
          await slow;
          return { text: 'slow done' };
        },
      }),
    },
    { source: 'fast.ts', def: defineCommand({ name: 'fast', description: 'answers', options: [], run: async (): Promise<Reply> => (ran.push('fast'), { text: 'fast done' }) }) },
    { source: 'no.ts', def: defineCommand({ name: 'no', description: 'refuses', options: [], run: async (): Promise<Reply> => { throw new UserFacingError('No.'); } }) },
    { source: 'bug.ts', def: defineCommand({ name: 'bug', description: 'breaks', options: [], run: async (): Promise<Reply> => { throw new Error('boom'); } }) },
  ]);
  const dispatcher = createDispatcher({ service: new FakeService(), commands, observe: (o) => seen.push(o) });
  const ask = (line: string) => dispatcher.dispatch({ platform: 'slack', userId: 'U1', line });
  return { dispatcher, ask, ran, seen };
}

describe('the dispatcher at shutdown', () => {
  it('finishes the command in flight, refuses new ones without running them, and counts what finished', async () => {
    const slow = gate();
    const { dispatcher, ask, ran } = bot(slow.wait);
    const inFlight = ask('/slow');
    const drained = dispatcher.drain(5_000);
    expect(await ask('/fast')).toEqual({ text: SHUTTING_DOWN, ephemeral: true });
    // the slow command was accepted before the drain: it starts at its turn (one command per
    // event-loop turn, src/bot/work-queue.ts); the refused one never runs
    await vi.waitFor(() => expect(ran).toEqual(['slow']));
    slow.open();
    expect(await inFlight).toEqual({ text: 'slow done' });
    expect(await drained).toEqual({ finished: 1, abandoned: 0 });
  });

  it('gives up on a command that outlasts the grace period', async () => {
    const { dispatcher, ask } = bot(new Promise<void>(() => undefined));
    void ask('/slow');
    void ask('/slow');
    expect(await dispatcher.drain(30)).toEqual({ finished: 0, abandoned: 2 });
  });

  it('drains at once when nothing runs', async () => {
    const { dispatcher } = bot(Promise.resolve());
    expect(await dispatcher.drain(10_000)).toEqual({ finished: 0, abandoned: 0 });
  });
});

describe('the dispatcher’s observer', () => {
  it('hears each command once, by name and outcome, unknown names kept out of the labels', async () => {
    vi.spyOn(log, 'error').mockImplementation(() => undefined);
    const { dispatcher, ask, seen } = bot(Promise.resolve());
    await ask('/fast');
    await ask('/no');
    await ask('/bug');
    await ask('/fast extra words');
    await ask('/whatever-a-member-types');
    await dispatcher.drain(10);
    await ask('/fast');
    expect(seen.map((o) => [o.command, o.outcome])).toEqual([
      ['fast', 'ok'],
      ['no', 'member-error'],
      ['bug', 'failure'],
      // words the command takes no option for: a usage answer, labelled with the command's name
      ['fast', 'member-error'],
      ['unknown', 'member-error'],
      ['unknown', 'shutting-down'],
    ]);
    expect(seen.every((o) => o.platform === 'slack' && o.ms >= 0)).toBe(true);
    vi.restoreAllMocks();
  });
});
