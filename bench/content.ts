/**
 * Content-based recommender speed on ml-latest-small (9,742 movies: title words, genres, tags):
 * building the TF-IDF vectors and every movie's top-50 neighbours, one `because` query, and a
 * taste-profile top-10. Targets: build < 2 s, because < 5 ms, profile top-10 < 20 ms.
 */
import { availableParallelism, loadavg } from 'node:os';
import { ContentModel } from '../src/core/content/model.ts';
import { sharedDataset } from '../test/helpers/shared-data.ts';
import { loadDataset } from '../src/data/load.ts';
import { contentMovieOf } from '../src/bot/content-movies.ts';
import type { BenchRow } from './types.ts';
import { median } from './measure.ts';

export async function benchContent(): Promise<BenchRow[]> {
  const dir = sharedDataset('ml-latest-small');
  if (!dir) return [];
  // the catalog as the bot builds it: the product's loader, titles and tags included
  const movies = (await loadDataset(dir)).movies.map(contentMovieOf);

  // build: median of 3 (the first run includes JIT warm-up, which a bot pays once too)
  const builds: number[] = [];
  let model: ContentModel | undefined;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    model = ContentModel.build(movies);
    builds.push(performance.now() - t0);
  }
  if (!model) return [];
  const m = model;

  // because: 200 different movies with features, 10 results each, explanations included
  const ids = m.ids().filter((id) => m.hasFeatures(id));
  const sample = Array.from({ length: 200 }, (_, k) => ids[(k * 7919) % ids.length]);
  for (const id of sample.slice(0, 20)) m.because(id, 10);
  let t0 = performance.now();
  for (const id of sample) m.because(id, 10);
  const becauseMs = (performance.now() - t0) / sample.length;

  // a filtered because that has to fall back to a full row (few movies qualify)
  const qualifying = new Set(ids.filter((_, k) => k % 40 === 0));
  t0 = performance.now();
  for (const id of sample) m.because(id, 10, { onlyQualifying: qualifying });
  const filteredMs = (performance.now() - t0) / sample.length;

  // taste profile of 20 ratings, top-10 with explanations
  const profiles = Array.from({ length: 50 }, (_, p) =>
    Array.from({ length: 20 }, (_, j) => ({ movieId: ids[(p * 131 + j * 977) % ids.length], rating: 0.5 + ((p + j) % 10) * 0.5 })),
  );
  for (const prof of profiles.slice(0, 5)) m.profileRecommend(prof, 10, { scale: [0.5, 5] });
  const times: number[] = [];
  for (const prof of profiles) {
    const s = performance.now();
    m.profileRecommend(prof, 10, { scale: [0.5, 5] });
    times.push(performance.now() - s);
  }

  const cores = availableParallelism();
  return [
    { name: `content build: TF-IDF + top-${m.k} neighbours, ${m.size} movies (ml-latest-small)`, value: median(builds), unit: 'ms', note: `target < 2000 ms; first run ${builds[0].toFixed(0)} ms; load average ${loadavg()[0].toFixed(1)} on ${cores} cores` },
    { name: 'content vocabulary size (unigrams + bigrams)', value: m.tfidf.nTerms, unit: 'terms' },
    { name: 'content because(id, 10) with shared terms', value: becauseMs, unit: 'ms', note: 'target < 5 ms' },
    { name: 'content because(id, 10) only qualifying (1 in 40)', value: filteredMs, unit: 'ms' },
    { name: 'content taste profile top-10 (20 ratings)', value: median(times), unit: 'ms', note: 'target < 20 ms' },
  ];
}
