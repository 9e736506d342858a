/** The catalogue as members see it: movies by id, the genres, and title look-up. */
import { ParamError } from '../../core/algorithm.ts';
import type { MovieRecord } from '../../data/types.ts';
import type { Store } from '../../store/api.ts';
import type { TitleOrder } from '../title-order.ts';
import { TitleIndex } from '../titles.ts';
import { shareCatalogWords } from './catalog-sharing.ts';
import type { Generation } from './generation.ts';

export class Catalog {
  readonly byId = new Map<string, MovieRecord>();
  readonly genres: readonly string[];
  private readonly store: Store;
  private titleIndex: TitleIndex | undefined;
  private popularityOf: Generation | undefined;
  /** the title order of a generation not yet swapped in (orderTitlesAhead) */
  private ahead: { gen: Generation; order: TitleOrder } | undefined;
  /** orderTitlesAhead's order in the making */
  private making: { gen: Generation; steps: Generator<void, TitleOrder, undefined> } | undefined;

  constructor(store: Store) {
    this.store = store;
    const movies = store.movies();
    shareCatalogWords(movies);
    for (const m of movies) this.byId.set(m.movieId, m);
    this.genres = [...new Set(movies.flatMap((m) => m.genres))]
      .filter((g) => g !== '(no genres listed)')
      .sort((a, b) => a.localeCompare(b));
  }

  movie(movieId: string): MovieRecord | undefined {
    return this.byId.get(movieId) ?? this.store.movie(movieId);
  }

  require(movieId: string): MovieRecord {
    const movie = this.movie(movieId);
    if (!movie) throw new ParamError(`no movie with id ${JSON.stringify(movieId)} in the catalogue`);
    return movie;
  }

  /** The genre as the catalogue spells it; a ParamError listing the genres when there is none. */
  genre(name: string): string {
    const want = name.trim().toLowerCase();
    const genre = this.genres.find((g) => g.toLowerCase() === want);
    if (!genre) throw new ParamError(`unknown genre "${name}"; genres: ${this.genres.join(', ')}`);
    return genre;
  }

  /** The title index, built on first use (right after start-up, or by the first command needing it). */
  get titles(): TitleIndex {
    if (!this.titleIndex) {
      this.titleIndex = new TitleIndex([...this.byId.values()]);
      if (this.popularityOf) this.rankTitlesBy(this.popularityOf);
    }
    return this.titleIndex;
  }

  /** Title choices are ordered by how many ratings each movie has in the current generation. */
  rankTitlesBy(gen: Generation): void {
    this.popularityOf = gen;
    const index = this.titleIndex;
    const ready = this.ahead;
    this.ahead = undefined;
    if (!index) return;
    // the order made ahead for this generation, if the index is still the one it was made for
    index.useOrder(ready?.gen === gen && ready.order.index === index ? ready.order : index.orderBy(ratingCountsOf(gen)));
  }

  /**
   * The title order rankTitlesBy(gen) will adopt, made now, `moviesPerStep` movies a call (a
   * retrain's warm-up steps, before its swap): true while there is more to make.
   */
  orderTitlesAhead(gen: Generation, moviesPerStep = Infinity): boolean {
    const index = this.titleIndex;
    if (!index) return false;
    if (this.making?.gen !== gen) this.making = { gen, steps: index.orderSteps(ratingCountsOf(gen), moviesPerStep) };
    const step = this.making.steps.next();
    if (!step.done) return true;
    this.ahead = { gen, order: step.value };
    this.making = undefined;
    return false;
  }
}

function ratingCountsOf(gen: Generation): (movieId: string) => number {
  const ts = gen.ts;
  return (id) => {
    const i = ts.innerItem(id);
    return i === undefined ? 0 : ts.itemDegree(i);
  };
}
