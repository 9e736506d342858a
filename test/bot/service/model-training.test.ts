/**
 * A member asks for an algorithm that is not loaded (MARQUEE_ALGORITHMS=baseline,popular, then
 * /recommend algo:svd). While it trains they are told it is training; a training that really
 * failed says why, and the failure is in the log with its error.
 */
import { describe, expect, it } from 'vitest';
import { trainInWorker, type Trainer } from '../../../src/bot/trainer.ts';
import { captureLogger, freshStore, start, until } from './fixture.ts';

/** The real trainer, except that `spec` comes back as the worker reports it (failed or missing). */
function trainerLosing(spec: string, failure: string | undefined): Trainer {
  return (job, onModel) => {
    const others = job.specs.filter((s) => s !== spec);
    const real = others.length > 0 ? trainInWorker({ ...job, specs: others }, onModel) : undefined;
    const done = (async () => {
      const outcome = real ? await real.done : { models: [], failures: [] };
      const asked = job.specs.includes(spec);
      return { models: outcome.models, failures: failure === undefined || !asked ? outcome.failures : [...outcome.failures, { spec, message: failure }] };
    })();
    return { done, cancel: async () => real?.cancel() };
  };
}

describe('an algorithm that is not loaded yet', () => {
  it('says it is training until it answers, never that it could not be trained', async () => {
    const store = freshStore('lazy-training');
    const { logger, lines } = captureLogger();
    const svc = await start(store, { algorithms: ['baseline', 'popular'], logger });
    const me = svc.member('console', 'me');
    for (const id of ['100', '101', '102', '200']) svc.rate(me, id, 4);
    const notes: string[] = [];
    await until(() => {
      const res = svc.recommend(me, { algo: 'svd', n: 3 });
      if (res.algo === 'svd') return true;
      notes.push(res.note ?? '');
      return false;
    }, 'svd to answer');
    expect(notes.length).toBeGreaterThan(0);
    for (const note of notes) expect(note).toMatch(/training svd, try again in a few seconds/);
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    await svc.close();
    store.close();
  });

  it('a failed training says why, and logs the error with the algorithm', async () => {
    const store = freshStore('lazy-failed');
    const { logger, lines } = captureLogger();
    const svc = await start(store, { algorithms: ['baseline'], logger, trainer: trainerLosing('svd', 'out of memory') });
    await svc.ready;
    const me = svc.member('console', 'me');
    for (const id of ['100', '101', '102']) svc.rate(me, id, 4);
    expect(svc.recommend(me, { algo: 'svd', n: 3 }).note).toMatch(/^training svd/);
    await until(() => /could not/.test(svc.recommend(me, { algo: 'svd', n: 3 }).note ?? ''), 'the failure');
    const res = svc.recommend(me, { algo: 'svd', n: 3 });
    expect(res.algo).toBe('baseline');
    expect(res.note).toBe('svd could not be trained (out of memory); meanwhile these come from baseline.');
    expect(lines).toContainEqual({ level: 'error', msg: 'training failed', obj: { algo: 'svd', err: 'out of memory' } });
    await svc.close();
    store.close();
  });

  it('a worker that sends no model for it is a logged failure too, not a silent one', async () => {
    const store = freshStore('lazy-missing');
    const { logger, lines } = captureLogger();
    const svc = await start(store, { algorithms: ['baseline'], logger, trainer: trainerLosing('svd', undefined) });
    await svc.ready;
    const me = svc.member('console', 'me');
    for (const id of ['100', '101', '102']) svc.rate(me, id, 4);
    svc.recommend(me, { algo: 'svd', n: 3 });
    await until(() => /could not/.test(svc.recommend(me, { algo: 'svd', n: 3 }).note ?? ''), 'the failure');
    expect(svc.recommend(me, { algo: 'svd', n: 3 }).note).toMatch(/^svd could not be trained \(the training worker sent no model\)/);
    expect(lines.some((l) => l.level === 'error' && (l.obj as { algo?: string }).algo === 'svd')).toBe(true);
    await svc.close();
    store.close();
  });
});
