/**
 * A member typing "Star" sees the most rated titles first, by the ratings of the generation that
 * answers. A retrain makes the new order before its swap and adopts it at the swap; an order
 * made for a generation that is not the one swapped in is never used.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Catalog } from '../../../src/bot/service/catalog.ts';
import { Generation } from '../../../src/bot/service/generation.ts';
import { Trainset } from '../../../src/core/trainset.ts';
import { freshStore } from './fixture.ts';

const store = freshStore('catalog-order');
afterAll(() => store.close());

/** A generation where `ids` have 3, 2 and 1 ratings, in that order (every other movie none). */
function generationRating(ids: string[]): Generation {
  const rows = ids.flatMap((item, k) => Array.from({ length: 3 - k }, (_, u) => ({ user: `u${u}`, item, rating: 4 })));
  return new Generation(Trainset.fromRatings(rows, [0.5, 5]), 1, 'fp');
}

describe("the title choices' order after a retrain", () => {
  const sciFi = () => store.movies().filter((m) => m.genres.includes('Sci-Fi')).map((m) => m.movieId);

  it('is the order made ahead for the generation swapped in', () => {
    const [a, b, c] = sciFi();
    const catalog = new Catalog(store);
    void catalog.titles;
    const ordering = vi.spyOn(catalog.titles, 'orderBy');
    const gen = generationRating([c, b, a]);
    // a few movies a step: more to do until the last
    let steps = 1;
    while (catalog.orderTitlesAhead(gen, 10)) steps++;
    expect(steps).toBe(Math.ceil(store.movies().length / 10) + 1);
    catalog.rankTitlesBy(gen);
    expect(catalog.titles.autocomplete('', 3).map((m) => m.value)).toEqual([c, b, a]);
    // made in the warm-up; the swap only adopted it
    expect(ordering).not.toHaveBeenCalled();
  });

  it('is made afresh when the order made ahead was for another generation', () => {
    const [a, b, c] = sciFi();
    const catalog = new Catalog(store);
    void catalog.titles;
    const ordering = vi.spyOn(catalog.titles, 'orderBy');
    catalog.orderTitlesAhead(generationRating([a, b, c]));
    const swapped = generationRating([b, c, a]);
    catalog.rankTitlesBy(swapped);
    expect(catalog.titles.autocomplete('', 3).map((m) => m.value)).toEqual([b, c, a]);
    expect(ordering).toHaveBeenCalledTimes(1);
  });
});
