/**
 * What each algorithm name means, for members reading /help recommend (helpers: the registry
 * skips files starting with `_`). The names are those `service.algorithms()` lists; a name not
 * described here is listed without words rather than left out.
 */
import { CONTENT_ALGOS } from '../src/bot/service/algorithm-names.ts';

const GLOSSARY: Readonly<Record<string, string>> = {
  ease:
    'EASE (Steck, 2019): learns how much each movie you rated points to every other one, from what members watch together; ranks movies, no predicted stars',
  'ease-side':
    "EASE with side information (cEASE, Jeunen et al., 2020): EASE that also reads the movies' titles, genres and tags, so movies sharing them point to each other even when few members watched both; ranks movies, no predicted stars",
  ials: 'implicit ALS (Hu, Koren & Volinsky, 2008): hidden tastes learned from which movies members rated at all; ranks movies, no predicted stars',
  'item-knn':
    'item-kNN (Deshpande & Karypis, 2004): movies often watched by the same members as the ones you rated; ranks movies, no predicted stars',
  'pure-svd': 'PureSVD (Cremonesi, Koren & Turrin, 2010): your ratings projected onto the main patterns of what members watch; ranks movies, no predicted stars',
  'als-import':
    'ALS trained by Spark on a cluster (Zhou et al., 2008), your taste solved from your current ratings; ranks movies, no predicted stars',
  svd: 'matrix factorisation (SVD): learns a few hidden tastes per member and per movie',
  svdpp: 'SVD++: SVD that also counts which movies you rated, not only how',
  'knn-user': 'user-based k-nearest neighbours: members who rate like you (pearson-baseline similarity)',
  'knn-item': 'item-based k-nearest neighbours: movies rated like the ones you rated (pearson-baseline similarity)',
  'knn-basic': 'k-nearest neighbours on the raw ratings',
  'knn-means': "k-nearest neighbours around each neighbour's mean rating",
  'knn-zscore': "k-nearest neighbours on ratings normalised to each neighbour's spread (z-scores)",
  'knn-baseline': 'k-nearest neighbours around baseline estimates',
  baseline: "the average rating, adjusted for how generous you are and how well liked each movie is",
  'slope-one': 'Slope One: average differences between movies rated by the same members',
  'co-clustering': 'co-clustering: groups of similar members and similar movies',
  nmf: 'non-negative matrix factorisation',
  normal: 'random scores around the average: a yardstick, not advice',
  popular: 'the community chart: the best-rated movies among those rated often',
  content: 'movies whose genres, keywords and story resemble the ones you liked',
  hybrid: 'content similarity blended with rating patterns',
};

/** Algorithms that answer from a member's first rating (the content profile needs one movie). */
const FROM_FIRST_RATING: ReadonlySet<string> = new Set(CONTENT_ALGOS);

export function answersFromFirstRating(algo: string): boolean {
  return FROM_FIRST_RATING.has(algo);
}

/** "knn-user — user-based k-nearest neighbours: …", one line per name. */
export function algorithmLines(names: readonly string[]): string {
  return names
    .map((n) => {
      const words = GLOSSARY[n];
      const first = answersFromFirstRating(n) ? ' (works from your first rating)' : '';
      return words ? `• ${n} — ${words}${first}` : `• ${n}`;
    })
    .join('\n');
}
