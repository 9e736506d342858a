/**
 * Why two movies (or a taste profile and a movie) are similar: the shared features with the
 * largest product of weights, i.e. the terms that contribute most to the cosine.
 */
import { GENRE_PREFIX, type ContentField } from './text.ts';
import type { SparseRows } from './sparse.ts';

export interface SharedTerm {
  /** the vocabulary term (stemmed when stemming is on) */
  term: string;
  /** for people: genre names as the dataset writes them ("Sci-Fi"), words as they appeared */
  label: string;
  /** a genre (or pair of genres), a single word, or a two-word phrase */
  kind: 'genre' | 'word' | 'phrase';
  /** contribution to the cosine (product of the two weights) */
  weight: number;
  /** the fields of the two movies where the term occurs (filled for movie pairs) */
  fields: ContentField[];
}

/** Turns vocabulary terms into readable labels. */
export class TermLabeler {
  constructor(
    /** genre token → genre as written in the data */
    private readonly genreNames: ReadonlyMap<string, string>,
    /** stem → first surface word seen (empty without stemming) */
    private readonly surface: ReadonlyMap<string, string>,
  ) {}

  describe(term: string): { label: string; kind: SharedTerm['kind'] } {
    const parts = term.split(' ');
    if (parts.every((p) => p.startsWith(GENRE_PREFIX))) {
      return { label: parts.map((p) => this.genreNames.get(p) ?? p.slice(GENRE_PREFIX.length)).join(' + '), kind: 'genre' };
    }
    const label = parts.map((p) => this.surface.get(p) ?? p).join(' ');
    return { label, kind: parts.length > 1 ? 'phrase' : 'word' };
  }
}

/** Columns shared by rows a and b with the largest products, best first (ties: lower column). */
export function sharedColumns(x: SparseRows, a: number, b: number, max: number): Array<{ col: number; weight: number }> {
  const out: Array<{ col: number; weight: number }> = [];
  let i = x.indptr[a];
  const iEnd = x.indptr[a + 1];
  let j = x.indptr[b];
  const jEnd = x.indptr[b + 1];
  while (i < iEnd && j < jEnd) {
    const ci = x.indices[i];
    const cj = x.indices[j];
    if (ci === cj) {
      out.push({ col: ci, weight: x.data[i] * x.data[j] });
      i++;
      j++;
    } else if (ci < cj) i++;
    else j++;
  }
  out.sort((p, q) => q.weight - p.weight || p.col - q.col);
  return out.slice(0, Math.max(0, max));
}

/** Columns of row b with the largest positive products with a dense profile vector. */
export function profileColumns(x: SparseRows, profile: Float64Array, b: number, max: number): Array<{ col: number; weight: number }> {
  const out: Array<{ col: number; weight: number }> = [];
  for (let k = x.indptr[b]; k < x.indptr[b + 1]; k++) {
    const w = profile[x.indices[k]] * x.data[k];
    if (w > 0) out.push({ col: x.indices[k], weight: w });
  }
  out.sort((p, q) => q.weight - p.weight || p.col - q.col);
  return out.slice(0, Math.max(0, max));
}

/**
 * Picks up to `max` columns to show, best first, reading better than the raw top products: a word
 * that is part of a shared two-word phrase among the candidates is shown as that phrase ("sci fi"
 * rather than "sci" and "fi"), and a word already covered by a shown phrase is not repeated.
 * `cols` are candidates sorted best first (ask for a few times `max`).
 */
export function preferPhrases(
  cols: ReadonlyArray<{ col: number; weight: number }>,
  vocabulary: readonly string[],
  max: number,
): Array<{ col: number; weight: number }> {
  const phraseOf = new Map<string, { col: number; weight: number }>();
  for (const c of cols) {
    const parts = vocabulary[c.col].split(' ');
    if (parts.length < 2) continue;
    for (const w of parts) if (!phraseOf.has(w)) phraseOf.set(w, c);
  }
  const out: Array<{ col: number; weight: number }> = [];
  const shown = new Set<number>();
  const covered = new Set<string>();
  for (const c of cols) {
    if (out.length >= max) break;
    const term = vocabulary[c.col];
    const isWord = !term.includes(' ');
    if (isWord && covered.has(term)) continue;
    // a word of a shared phrase stands in the word's place as the phrase, ranked by the word
    const pick = isWord ? (phraseOf.get(term) ?? c) : c;
    if (shown.has(pick.col)) continue;
    shown.add(pick.col);
    for (const w of vocabulary[pick.col].split(' ')) covered.add(w);
    out.push(pick === c ? c : { col: pick.col, weight: c.weight });
  }
  return out;
}

