import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createWorkQueue } from '../../src/bot/work-queue.ts';

/** Keeps the main thread busy for `ms`, as a command's synchronous work does. */
function busyFor(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spinning on purpose
  }
}

describe('the work queue', () => {
  it('runs commands in arrival order, one at a time, and settles each as its job does', async () => {
    const work = createWorkQueue();
    const order: string[] = [];
    const a = work.run(() => {
      order.push('a');
      return 1;
    });
    const b = work.run(() => {
      order.push('b');
      throw new Error('b failed');
    });
    const c = work.run(async () => {
      order.push('c');
      return 3;
    });
    expect(order).toEqual([]); // nothing runs inline: the caller's turn ends first
    await expect(a).resolves.toBe(1);
    await expect(b).rejects.toThrow('b failed');
    await expect(c).resolves.toBe(3);
    expect(order).toEqual(['a', 'b', 'c']);
  });

  it('answers a request that arrives while 50 commands of 10 ms wait, between two of them', async () => {
    const work = createWorkQueue();
    const server = createServer((_req, res) => res.end('ack'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      let ran = 0;
      const jobs = Array.from({ length: 50 }, () => work.run(() => { busyFor(10); ran++; }));
      const t0 = performance.now();
      const acked = new Promise<number>((resolve, reject) => {
        request({ port, host: '127.0.0.1' }, (res) => {
          res.resume();
          res.on('end', () => resolve(ran));
        })
          .on('error', reject)
          .end();
      });
      const ranWhenAcked = await acked;
      const ackMs = performance.now() - t0;
      await Promise.all(jobs);
      // inline, the ack would come after all 50 (≥ 500 ms); here it comes after a few
      expect(ranWhenAcked).toBeLessThan(25);
      expect(ackMs).toBeLessThan(400);
    } finally {
      server.close();
    }
  });

  it('lets the next command start while one awaits, up to maxInFlight', async () => {
    const work = createWorkQueue({ maxInFlight: 2 });
    const gates: Array<() => void> = [];
    const started: number[] = [];
    const jobs = [0, 1, 2].map((k) =>
      work.run(async () => {
        started.push(k);
        await new Promise<void>((r) => gates.push(r));
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toEqual([0, 1]);
    expect(work.inFlight).toBe(2);
    expect(work.waiting).toBe(1);
    gates[0]();
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toEqual([0, 1, 2]);
    gates.forEach((g) => g());
    await Promise.all(jobs);
    expect(work.inFlight).toBe(0);
  });

  it('estimates the wait from the commands waiting and the time one took', async () => {
    let t = 0;
    const work = createWorkQueue({ now: () => t });
    // teach it that a command takes 100 ms
    for (let k = 0; k < 100; k++) await work.run(() => { t += 100; });
    const waiting = Array.from({ length: 30 }, () => work.run(() => { t += 100; }));
    expect(work.waiting).toBe(30);
    expect(work.expectedWaitMs()).toBeGreaterThan(2900);
    expect(work.expectedWaitMs()).toBeLessThan(3000);
    await Promise.all(waiting);
    expect(work.expectedWaitMs()).toBe(0);
  });

  it('refuses a bound that is not a whole number of commands', () => {
    expect(() => createWorkQueue({ maxInFlight: 0 })).toThrow('maxInFlight must be a whole number ≥ 1, got 0');
  });
});

describe('group commit', () => {
  it('runs the commands waiting at a turn inside one group, and answers each only after the group returns', async () => {
    const events: string[] = [];
    const work = createWorkQueue({
      group: (fn) => {
        events.push('begin');
        const r = fn();
        events.push('commit');
        return r;
      },
    });
    const answers = ['a', 'b', 'c'].map((name) =>
      work.run(() => {
        events.push(`run ${name}`);
        return name;
      }).then((v) => events.push(`answer ${v}`)),
    );
    await Promise.all(answers);
    expect(events).toEqual(['begin', 'run a', 'run b', 'run c', 'commit', 'answer a', 'answer b', 'answer c']);
  });

  it('answers every command of a group whose commit failed with the commit error, never with success', async () => {
    let fail = true;
    const work = createWorkQueue({
      group: (fn) => {
        const r = fn();
        if (fail) throw new Error('disk I/O error');
        return r;
      },
    });
    const a = work.run(() => 'stored');
    const b = work.run(() => 'stored too');
    await expect(a).rejects.toThrow('disk I/O error');
    await expect(b).rejects.toThrow('disk I/O error');
    fail = false;
    await expect(work.run(() => 'stored at last')).resolves.toBe('stored at last');
    expect(work.inFlight).toBe(0);
  });
});
