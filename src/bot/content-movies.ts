/** What the content model reads of a catalog movie: the display title and every text field. */
import type { ContentMovie } from '../core/content/text.ts';
import type { MovieRecord } from '../data/types.ts';

export function contentMovieOf(m: MovieRecord): ContentMovie {
  return {
    id: m.movieId,
    title: m.displayTitle || m.title,
    genres: m.genres,
    tags: m.tags,
    overview: m.overview,
    tagline: m.tagline,
    keywords: m.keywords,
  };
}
