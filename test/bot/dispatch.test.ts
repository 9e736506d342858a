import { afterEach, describe, expect, it, vi } from 'vitest';
import { log } from '../../src/log.ts';
import { createRegistry, defineCommand } from '../../src/bot/command.ts';
import { UserFacingError } from '../../src/bot/errors.ts';
import { ParamError } from '../../src/core/algorithm.ts';
import { StoreError } from '../../src/store/api.ts';
import { createDispatcher } from '../../src/bot/dispatch.ts';
import type { Progress, Reply } from '../../src/bot/reply.ts';
import { harness } from '../commands/harness.ts';
import { FakeService } from './fake-service.ts';

afterEach(() => vi.restoreAllMocks());

describe('the dispatcher', () => {
  it('lets a member send 20 commands in 10 s, then says when to retry', async () => {
    let t = 1_000_000;
    const { ask } = await harness({ now: () => t });
    for (let i = 0; i < 20; i++) {
      t += 100;
      expect((await ask('/top', 'U1', 'slack')).title).toMatch(/^Top/);
    }
    t += 100; // 2.1 s after the first command: it leaves the window in 7.9 s
    const refused = await ask('/top', 'U1', 'slack');
    expect(refused).toEqual({
      text: 'Slow down: at most 20 commands every 10 s. Try again in 8 s.',
      ephemeral: true,
    });
    // another member is not affected
    expect((await ask('/top', 'U2', 'slack')).title).toMatch(/^Top/);
    t += 8000;
    expect((await ask('/top', 'U1', 'slack')).title).toMatch(/^Top/);
  });

  it('follows MARQUEE_RATE_LIMIT and leaves the console unthrottled', async () => {
    const t = 5_000_000;
    const { ask } = await harness({ now: () => t, rateLimit: { count: 2, windowMs: 60_000 } });
    await ask('/top', '42', 'discord');
    await ask('/top', '42', 'discord');
    expect((await ask('/top', '42', 'discord')).text).toBe('Slow down: at most 2 commands every 1 min. Try again in 60 s.');
    for (let i = 0; i < 30; i++) expect((await ask('/top', 'alice', 'console')).title).toMatch(/^Top/);
  });

  it('refuses admin commands to non-admins, clearly, without running them', async () => {
    const { service, ask } = await harness({ admins: [{ platform: 'slack', userId: 'UADMIN' }] });
    const refused = await ask('/evaluate', 'U1', 'slack');
    expect(refused.text).toBe("/evaluate is for the bot's admins only. Ask an admin (the MARQUEE_ADMINS setting lists them).");
    expect(refused.ephemeral).toBe(true);
    expect(service.evaluations).toEqual([]);
    // the console user is not an admin once MARQUEE_ADMINS is set without them
    expect((await ask('/evaluate', 'alice', 'console')).text).toMatch(/admins only/);
    const ran = await ask('/evaluate folds:2', 'UADMIN', 'slack');
    expect(ran.table?.rows[0][0]).toBe('ease');
    expect(service.evaluations).toEqual([{ algos: undefined, folds: 2 }]);
    expect(service.evaluationsStartedBy).toEqual(['UADMIN']); // named to anyone who asks while it runs
  });

  it('makes the console user the admin when MARQUEE_ADMINS is unset, and nobody else', async () => {
    const { dispatcher } = await harness();
    expect(dispatcher.isAdmin('console', 'alice')).toBe(true);
    expect(dispatcher.isAdmin('discord', '123')).toBe(false);
  });

  it("lets an admin choose how ratings are held out, by name or in its place, and refuses a protocol that doesn't exist", async () => {
    const { service, ask } = await harness();
    const temporal = await ask('/evaluate ease,ials protocol:temporal', 'alice', 'console');
    expect(temporal.title).toBe('Evaluation on ml-latest-small: temporal');
    expect(service.evaluations).toEqual([{ algos: ['ease', 'ials'], protocol: 'temporal', folds: undefined }]);
    await ask('/evaluate ease cutoff', 'alice', 'console');
    expect(service.evaluations[1]).toEqual({ algos: ['ease'], protocol: 'cutoff', folds: undefined });
    const bad = await ask('/evaluate ease protocol:weekly', 'alice', 'console');
    expect(bad.text).toMatch(/protocol/);
    expect(bad.text).toMatch(/loo, temporal, kfold,? (or )?cutoff|loo.*temporal.*kfold.*cutoff/);
    expect(service.evaluations).toHaveLength(2);
  });

  it('streams progress from long commands and returns the final reply', async () => {
    const { dispatcher } = await harness();
    const seen: Progress[] = [];
    const reply = await dispatcher.dispatch({ platform: 'console', userId: 'root', line: '/evaluate svd,knn-item 3', onProgress: (p) => void seen.push(p) });
    expect(seen.map((p) => p.progress)).toEqual([
      'Evaluating svd, knn-item; the bot keeps answering meanwhile.',
      'fold 1 of 3',
      'fold 2 of 3',
      'fold 3 of 3',
    ]);
    expect(reply.title).toBe('Evaluation on ml-latest-small: 3-fold cross-validation');
    expect(reply.image?.filename).toBe('evaluation.png');
  });

  it('turns an unexpected error into a short apology and logs the stack', async () => {
    const errorLog = vi.spyOn(log, 'error').mockImplementation(() => undefined);
    const boom = new Error('database is locked at /var/lib/secret.db');
    const { ask } = await harness({ fake: { failTop: boom } });
    const reply = await ask('/top');
    expect(reply).toEqual({
      text: 'Sorry, something went wrong while running /top. It has been logged; please try again in a moment.',
      ephemeral: true,
    });
    expect(errorLog).toHaveBeenCalledTimes(1);
    expect(errorLog.mock.calls[0][0]).toMatchObject({ err: boom, command: 'top', platform: 'console' });
  });

  it("shows the message of errors meant for the member (the store's, the registry's)", async () => {
    const { ask } = await harness({ fake: { failTop: new StoreError('rating 4.25 is not a half star') } });
    expect(await ask('/top')).toEqual({ text: 'rating 4.25 is not a half star', ephemeral: true });
    const { ask: askAgain } = await harness({ fake: { failTop: new ParamError('unknown genre "Westerns"') } });
    expect(await askAgain('/top')).toEqual({ text: 'unknown genre "Westerns"', ephemeral: true });
  });

  it('knows a member error by its class, not its name: an internal error named like one stays hidden', async () => {
    const errorLog = vi.spyOn(log, 'error').mockImplementation(() => undefined);
    const disguised = Object.assign(new Error('SELECT * FROM members failed'), { name: 'UserError' });
    const { ask } = await harness({ fake: { failTop: disguised } });
    const reply = await ask('/top');
    expect(reply.text).toBe('Sorry, something went wrong while running /top. It has been logged; please try again in a moment.');
    expect(errorLog).toHaveBeenCalledTimes(1);
    errorLog.mockRestore();
  });

  it('creates a member only when a command needs one', async () => {
    const { service, ask } = await harness();
    await ask('/help');
    await ask('/rate The Matrix 9');
    expect(service.members.size).toBe(0);
    await ask('/rate The Matrix 4');
    expect([...service.members.keys()]).toEqual(['console:alice']);
  });

  it('offers commands a member lookup that never creates one (for read-only commands)', async () => {
    const service = new FakeService();
    const seen: Array<string | undefined> = [];
    const commands = createRegistry([
      {
        source: 'peek.ts',
        def: defineCommand({
          name: 'peek',
          description: 'reads only',
          options: [],
          run: async (ctx): Promise<Reply> => {
            seen.push(ctx.knownMember?.platformUserId);
            return { text: 'ok' };
          },
        }),
      },
      {
        source: 'touch.ts',
        def: defineCommand({
          name: 'touch',
          description: 'creates the member, then looks',
          options: [],
          writes: true,
          run: async (ctx): Promise<Reply> => {
            void ctx.member;
            seen.push(ctx.knownMember?.platformUserId);
            return { text: 'ok' };
          },
        }),
      },
    ]);
    const d = createDispatcher({ service, commands });
    await d.dispatch({ platform: 'console', userId: 'zoe', line: '/peek' });
    expect(service.members.size).toBe(0);
    await d.dispatch({ platform: 'console', userId: 'zoe', line: '/touch' });
    await d.dispatch({ platform: 'console', userId: 'zoe', line: '/peek' });
    expect(seen).toEqual([undefined, 'zoe', 'zoe']);
  });

  it('accepts command names and option values from platforms that split them', async () => {
    const { service, dispatcher } = await harness();
    const reply = await dispatcher.dispatch({ platform: 'discord', userId: '81', command: 'rate', options: { title: 'Alien', score: '4.5' } });
    expect(reply.text).toBe('Rated Alien (1979): ★★★★½ 4.5.');
    expect(service.writes).toEqual(['rate 1 1214 4.5']);
  });

  it('tells a member who typed nothing what to do', async () => {
    const { ask } = await harness();
    expect((await ask('   ')).text).toBe('Type a command, e.g. /help.');
  });

  it('runs commands that throw UserFacingError as a plain message, and reports a command that yields no reply', async () => {
    vi.spyOn(log, 'error').mockImplementation(() => undefined);
    const commands = createRegistry([
      { source: 'a.ts', def: defineCommand({ name: 'oops', description: 'fails politely', options: [], run: async (): Promise<Reply> => { throw new UserFacingError('That movie is not in this dataset.'); } }) },
      // eslint-disable-next-line require-yield
      { source: 'b.ts', def: defineCommand({ name: 'silent', description: 'yields nothing', options: [], run: async function* () { yield { progress: 'working' }; } }) },
    ]);
    const d = createDispatcher({ service: new FakeService(), commands });
    expect(await d.dispatch({ platform: 'console', userId: 'x', line: 'oops' })).toEqual({ text: 'That movie is not in this dataset.', ephemeral: true });
    expect((await d.dispatch({ platform: 'console', userId: 'x', line: '/silent' })).text).toMatch(/^Sorry, something went wrong while running \/silent/);
  });
});

describe('a busy dispatcher', () => {
  it('tells the member when to come back instead of queueing past the wait bound, and changes nothing', async () => {
    let t = 0;
    const { createWorkQueue } = await import('../../src/bot/work-queue.ts');
    const work = createWorkQueue({ now: () => t });
    const { service, ask } = await harness({ work, maxWaitMs: 5000 });
    // a long queue of 1 s commands is ahead of the member
    for (let k = 0; k < 100; k++) await work.run(() => { t += 1000; });
    const ahead = Array.from({ length: 8 }, () => work.run(() => { t += 1000; }));
    const busy = await ask('/rate The Matrix 4', 'U1', 'slack');
    expect(busy.text).toMatch(/^Marquee is busy — try again in [78] s\. Nothing was changed\.$/);
    expect(busy.ephemeral).toBe(true);
    expect(service.writes).toEqual([]);
    await Promise.all(ahead);
    // the queue drained: the same command runs
    const ok = await ask('/rate The Matrix 4', 'U1', 'slack');
    expect(ok.text ?? ok.title).not.toMatch(/busy/);
    expect(service.writes.length).toBe(1);
  });

  /** A dispatcher (busy bound 5 s, its clock at 100 s) with 2 s of commands waiting ahead. */
  async function twoSecondsQueued() {
    let t = 0;
    const { createWorkQueue } = await import('../../src/bot/work-queue.ts');
    const work = createWorkQueue({ now: () => t });
    const { service, dispatcher } = await harness({ work, maxWaitMs: 5000, now: () => 100_000 });
    for (let k = 0; k < 100; k++) await work.run(() => { t += 1000; });
    const ahead = Array.from({ length: 2 }, () => work.run(() => { t += 1000; }));
    return { service, dispatcher, ahead };
  }

  it("counts the wait before the command reached it (the Slack front's queue) toward the bound", async () => {
    // 2 s of commands ahead in the dispatcher's own queue
    const { service, dispatcher, ahead } = await twoSecondsQueued();
    // received 4 s ago: 4 s + 2 s is past the bound
    const late = await dispatcher.dispatch({ platform: 'slack', userId: 'U1', line: '/rate The Matrix 4', receivedAt: 96_000 });
    expect(late.text).toMatch(/^Marquee is busy — try again in 2 s\. Nothing was changed\.$/);
    // received 1 s ago: 3 s in all, it waits its turn and runs
    const onTime = await dispatcher.dispatch({ platform: 'slack', userId: 'U1', line: '/rate The Matrix 4', receivedAt: 99_000 });
    expect(onTime.text ?? onTime.title).not.toMatch(/busy/);
    expect(service.writes.length).toBe(1);
    await Promise.all(ahead);
    expect(dispatcher.maxWaitMs).toBe(5000);
  });

  it('keeps the word of a Slack ack that said "queued": an admitted command runs however long it waited', async () => {
    const { service, dispatcher, ahead } = await twoSecondsQueued();
    // received 40 s ago and told "queued": it runs; the same wait without the ack's word is refused
    const told = await dispatcher.dispatch({ platform: 'slack', userId: 'U1', line: '/rate The Matrix 4', receivedAt: 60_000, admitted: true });
    expect(told.text ?? told.title).not.toMatch(/busy/);
    expect(service.writes.length).toBe(1);
    const untold = await dispatcher.dispatch({ platform: 'slack', userId: 'U2', line: '/rate The Matrix 4', receivedAt: 60_000 });
    expect(untold.text).toMatch(/^Marquee is busy — try again in \d+ s\. Nothing was changed\.$/);
    expect(service.writes.length).toBe(1);
    await Promise.all(ahead);
  });
});
