/**
 * The content model of a large catalogue is built in a worker thread, so commands keep being
 * answered meanwhile; it answers exactly as one built on the main thread, is saved, and the next
 * start restores it. Here the worker threshold is lowered to 0 so the small catalogue takes the
 * large catalogue's path.
 */
import { describe, expect, it } from 'vitest';
import { ContentHost, ContentPrebuild } from '../../../src/bot/service/content-host.ts';
import { contentMovieOf } from '../../../src/bot/content-movies.ts';
import { ContentModel } from '../../../src/core/content/model.ts';
import { captureLogger, catalogue, freshStore } from './fixture.ts';

describe('the content model built off the main thread', () => {
  it('answers as the main-thread build does, while the event loop keeps turning, and is restored next time', async () => {
    const store = freshStore('content-worker');
    const { logger, lines } = captureLogger();
    const host = new ContentHost(store, logger, { workerMinMovies: 0 });
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 1);
    await host.build(catalogue(), 'fp-1');
    clearInterval(ticker);
    expect(host.state).toBe('ready');
    expect(lines.find((l) => l.msg === 'content model built')?.obj).toMatchObject({ worker: true, movies: catalogue().length });
    // the worker starts and builds over many ms: the main thread ran timers all along
    expect(ticks).toBeGreaterThan(5);

    const local = ContentModel.build(catalogue().map(contentMovieOf));
    const first = catalogue()[0].movieId;
    expect(host.model!.because(first, 5)).toEqual(local.because(first, 5));

    const log2 = captureLogger();
    const restoredHost = new ContentHost(store, log2.logger, { workerMinMovies: 0 });
    await restoredHost.build(catalogue(), 'fp-1');
    expect(log2.lines.map((l) => l.msg)).toEqual(['content model restored from its snapshot']);
    expect(restoredHost.model!.because(first, 5)).toEqual(local.because(first, 5));
    store.close();
  });

  it('closing while the worker builds leaves no model and logs no failure', async () => {
    const store = freshStore('content-worker-close');
    const { logger, lines } = captureLogger();
    const host = new ContentHost(store, logger, { workerMinMovies: 0 });
    const building = host.build(catalogue(), 'fp-2');
    await host.close();
    await building;
    expect(host.model).toBeUndefined();
    expect(lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(store.loadSnapshot('content')).toBeUndefined();
    store.close();
  });
});

describe('the content model started before the service, while the ratings are imported', () => {
  it('is taken over by the service: the same answers, saved for the next start, no second build', async () => {
    const store = freshStore('content-prebuild');
    const prebuild = ContentPrebuild.start(catalogue(), { workerMinMovies: 0 })!;
    const { logger, lines } = captureLogger();
    const host = new ContentHost(store, logger, { workerMinMovies: 0, prebuild });
    await host.build(catalogue(), 'fp-3');
    expect(host.state).toBe('ready');
    expect(lines.map((l) => l.msg)).toEqual(['content model built']);
    expect(lines[0].obj).toMatchObject({ worker: true, startedBeforeService: true, movies: catalogue().length });
    const local = ContentModel.build(catalogue().map(contentMovieOf));
    const first = catalogue()[0].movieId;
    expect(host.model!.because(first, 5)).toEqual(local.because(first, 5));
    expect(store.loadSnapshot('content')?.key).toMatch(/\|fp-3$/);
    store.close();
  });

  it('built from other movies than the catalogue, it is refused and the model built again from the catalogue', async () => {
    const store = freshStore('content-prebuild-other');
    const prebuild = ContentPrebuild.start(catalogue().slice(1), { workerMinMovies: 0 })!;
    const { logger, lines } = captureLogger();
    const host = new ContentHost(store, logger, { workerMinMovies: 0, prebuild });
    await host.build(catalogue(), 'fp-4');
    expect(lines.map((l) => l.msg)).toEqual(['the content model started before the service cannot be used; building it again', 'content model built']);
    expect(lines[1].obj).not.toHaveProperty('startedBeforeService');
    const first = catalogue()[0].movieId;
    expect(host.model!.because(first, 5)).toEqual(ContentModel.build(catalogue().map(contentMovieOf)).because(first, 5));
    store.close();
  });

  it('is stopped when the snapshot already fits the catalogue', async () => {
    const store = freshStore('content-prebuild-restored');
    await new ContentHost(store, captureLogger().logger, { workerMinMovies: 0 }).build(catalogue(), 'fp-5');
    const prebuild = ContentPrebuild.start(catalogue(), { workerMinMovies: 0 })!;
    const { logger, lines } = captureLogger();
    await new ContentHost(store, logger, { prebuild }).build(catalogue(), 'fp-5');
    expect(lines.map((l) => l.msg)).toEqual(['content model restored from its snapshot']);
    await expect(prebuild.bytes).rejects.toThrow(/the content build was stopped/);
    store.close();
  });

  it('is not started for a catalogue the main thread builds in a moment', () => {
    expect(ContentPrebuild.start(catalogue())).toBeUndefined();
  });
});

