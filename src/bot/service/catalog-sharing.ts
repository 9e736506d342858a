/**
 * The catalogue's words held once: every movie read from the store comes with its own copy of
 * each genre and tag (JSON.parse makes a new string per value longer than a few characters) and
 * its own genre list, though at ml-32m shape 87,585 movies carry 553,362 tags from a vocabulary
 * of a few dozen and a few hundred genre lists. Kept per movie they were ~1.2 M small objects of
 * the main thread's heap, which every mark-compact walks (issue 12; bench/gc-fit.ts measures the
 * live heap and a full collection's pause).
 */
import type { MovieRecord } from '../../data/types.ts';
import { stringPool } from '../../util/string-pool.ts';

/**
 * Rewrites `movies` in place so that equal genre and tag strings are one string, and equal genre
 * lists one frozen array (frozen: a list shared by thousands of movies must not be changed
 * through one of them). What each movie says is unchanged.
 */
export function shareCatalogWords(movies: readonly MovieRecord[]): void {
  const word = stringPool();
  const genreLists = new Map<string, string[]>();
  for (const m of movies) {
    const key = m.genres.join('\u0000');
    let list = genreLists.get(key);
    if (!list) {
      list = Object.freeze(m.genres.map(word)) as string[];
      genreLists.set(key, list);
    }
    m.genres = list;
    if (m.tags) for (let k = 0; k < m.tags.length; k++) m.tags[k] = word(m.tags[k]);
    if (m.keywords) for (let k = 0; k < m.keywords.length; k++) m.keywords[k] = word(m.keywords[k]);
  }
}
