/**
 * Autocomplete's indexes (word postings, a prefix's reach over the sorted vocabulary, the sorted
 * title forms that answer alone when enough titles start with what was typed, places in
 * popularity order) give what a plain walk over the whole catalogue gives, for every prefix a
 * member could type of every title: the rule read straight from its description, applied to each
 * title in turn.
 */
import { describe, expect, it } from 'vitest';
import type { MovieRecord } from '../../src/data/types.ts';
import { movieLabel, TitleIndex, titleForms, titleKey, titleTokens } from '../../src/bot/titles.ts';

function movie(movieId: string, title: string, displayTitle: string, year: number | null): MovieRecord {
  return { movieId, title, displayTitle, year, genres: ['Drama'] };
}

// many titles share "the" and first letters, so both walks (a whole word's titles, a prefix's
// titles) are taken; popularity has ties, so catalogue order must settle them
const catalog: MovieRecord[] = [
  movie('1', 'Matrix, The (1999)', 'The Matrix', 1999),
  movie('2', 'Matrix Reloaded, The (2003)', 'The Matrix Reloaded', 2003),
  movie('3', 'Mummy, The (1999)', 'The Mummy', 1999),
  movie('4', 'Mummy Returns, The (2001)', 'The Mummy Returns', 2001),
  movie('5', 'Man Who Knew Too Much, The (1956)', 'The Man Who Knew Too Much', 1956),
  movie('6', 'Terminator, The (1984)', 'The Terminator', 1984),
  movie('7', 'Thing, The (1982)', 'The Thing', 1982),
  movie('8', 'Them! (1954)', 'Them!', 1954),
  movie('9', 'Mother (2009)', 'Mother', 2009),
  movie('10', 'Mad Max (1979)', 'Mad Max', 1979),
  movie('11', 'Max Manus (2008)', 'Max Manus', 2008),
  movie('12', 'Amelie (Fabuleux destin d\'Amélie Poulain, Le) (2001)', 'Amelie', 2001),
  movie('13', 'City of Lost Children, The (Cité des enfants perdus, La) (1995)', 'The City of Lost Children', 1995),
  movie('14', 'Lord of the Rings: The Two Towers, The (2002)', 'The Lord of the Rings: The Two Towers', 2002),
  movie('15', 'Lord of the Rings, The (1978)', 'The Lord of the Rings', 1978),
  movie('16', 'Men in Black (a.k.a. MIB) (1997)', 'Men in Black', 1997),
  movie('17', 'Memento (2000)', 'Memento', 2000),
  movie('18', 'Heat (1995)', 'Heat', 1995),
  movie('19', 'Heat, The (2013)', 'The Heat', 2013),
  movie('20', 'Toy Story (1995)', 'Toy Story', 1995),
];
const ratingsCount: Record<string, number> = { '1': 50, '2': 20, '3': 20, '6': 35, '9': 5, '10': 20, '14': 40, '16': 20, '17': 35, '20': 50 };
const popularity = (id: string) => ratingsCount[id] ?? 0;
const index = new TitleIndex(catalog, popularity);

/** Autocomplete's rule, walking every title (what the index must agree with). */
function scanned(partial: string, n = 25): string[] {
  const tokens = titleTokens(partial);
  const endsWord = /[^\p{L}\p{N}]$/u.test(partial.trim());
  const last = endsWord ? undefined : tokens[tokens.length - 1];
  const whole = endsWord ? tokens : tokens.slice(0, -1);
  const phrase = tokens.join(' ');
  const first: number[] = [];
  const rest: number[] = [];
  catalog.forEach((m, i) => {
    const forms = titleForms(m);
    const words = new Set(forms.flatMap(titleTokens));
    if (m.year !== null) words.add(String(m.year));
    if (!whole.every((w) => words.has(w))) return;
    if (last !== undefined && ![...words].some((w) => w.startsWith(last))) return;
    const starts = forms.some((f) => titleKey(f).startsWith(phrase) || titleTokens(f).join(' ').startsWith(phrase));
    (starts ? first : rest).push(i);
  });
  const byPopularity = (a: number, b: number) => popularity(catalog[b].movieId) - popularity(catalog[a].movieId) || a - b;
  return [...first.sort(byPopularity), ...rest.sort(byPopularity)].slice(0, n).map((i) => movieLabel(catalog[i]));
}

/** Every prefix of every title as people type it: lower case, one letter at a time, a space after a word. */
const typed = [...new Set(catalog.flatMap((m) => [m.displayTitle, m.title]).flatMap((t) => [...t.toLowerCase()].map((_, k) => t.toLowerCase().slice(0, k + 1))))].filter(
  (q) => titleTokens(q).length > 0,
);

describe('autocomplete from the index answers as a walk over every title does', () => {
  it('for every prefix of every title, in the same order', () => {
    expect(typed.length).toBeGreaterThan(400);
    let compared = 0;
    for (const q of typed) {
      const expected = scanned(q);
      // where no title has the typed words, both fall back to typo-tolerant resolution (its own tests)
      if (expected.length === 0) continue;
      expect(index.autocomplete(q).map((c) => c.name), q).toEqual(expected);
      compared++;
    }
    expect(compared).toBeGreaterThan(400);
  });

  it('cut to the limit asked for, the most rated of the titles starting with what was typed first', () => {
    expect(index.autocomplete('the m', 3).map((c) => c.value)).toEqual(['1', '2', '3']);
    expect(index.autocomplete('the m', 3).map((c) => c.name)).toEqual(scanned('the m', 3));
    // "mu" reaches fewer titles than "the": the prefix's titles are the ones walked, same answer
    expect(index.autocomplete('the mu').map((c) => c.value)).toEqual(['3', '4', '5']); // "Too Much" holds a word starting with "mu"
    expect(index.autocomplete('the mu').map((c) => c.name)).toEqual(scanned('the mu'));
  });

  it('keeps answering the same way after many lookups (the scratch stamps are reused, never stale)', () => {
    const before = index.autocomplete('m').map((c) => c.value);
    for (let k = 0; k < 1000; k++) index.autocomplete(k % 2 === 0 ? 'ma' : 'mu');
    expect(index.autocomplete('m').map((c) => c.value)).toEqual(before);
    expect(before).toEqual(scanned('m').map((label) => catalog.find((m) => movieLabel(m) === label)?.movieId));
  });

  it('re-ranked when popularity changes (a retrain), ties still in catalogue order', () => {
    const flat = new TitleIndex(catalog, () => 0);
    expect(flat.autocomplete('the m').map((c) => c.value)).toEqual(['1', '2', '3', '4', '5']);
    flat.setPopularity((id) => (id === '5' ? 9 : 0));
    expect(flat.autocomplete('the m').map((c) => c.value)).toEqual(['5', '1', '2', '3', '4']);
  });

  it('takes an order made ahead (a retrain makes it before its swap) only when it was made for this index', () => {
    const index = new TitleIndex(catalog, () => 0);
    const ahead = index.orderBy((id) => (id === '4' ? 3 : 0));
    // made, not yet adopted: the choices keep their order
    expect(index.autocomplete('the m').map((c) => c.value)).toEqual(['1', '2', '3', '4', '5']);
    index.useOrder(ahead);
    expect(index.autocomplete('the m').map((c) => c.value)).toEqual(['4', '1', '2', '3', '5']);
    const other = new TitleIndex(catalog, () => 0);
    expect(() => other.useOrder(ahead)).toThrow(/a title order made for another title index/);
    expect(other.autocomplete('the m').map((c) => c.value)).toEqual(['1', '2', '3', '4', '5']);
  });
});
