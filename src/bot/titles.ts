/**
 * Title resolution over the catalog, for people typing movie names in chat.
 *
 * Order of attempts: `id:<movieId>`; the exact title as stored or shown, in any case ("heat" is
 * Heat (1995), not also The Heat (2013)); the normalised title (case, accents, punctuation and a
 * leading or trailing article ignored, "Matrix, The (1999)" = "the matrix"), optionally with a
 * year ("Terminator (1984)", "terminator 1984"); a whole-word prefix of a main title
 * ("shawshank"); then fuzzy matching for typos. A 'found' answer says which of these matched
 * (`how`): a prefix or a typo is a guess that a command writing a rating must confirm first. Fuzzy candidates come from a character
 * trigram index, so only a few dozen titles are scored with Jaro-Winkler (from `natural`'s
 * distance submodule) per lookup instead of the whole catalog.
 *
 * Autocomplete answers from the titles' forms sorted (a binary search finds those starting with
 * what was typed; when there are enough, they are the answer) before it walks a word's titles.
 *
 * Several equally good answers (remakes: "King Kong") come back as choices sorted by popularity;
 * no good answer comes back as the closest suggestions.
 *
 * (Just over 400 lines: the key forms, the trigram alphabet and the index that uses them are one
 * matching rule read top to bottom; split, each part would only make sense beside the others.)
 */
import { createRequire } from 'node:module';
import type { MovieRecord } from '../data/types.ts';
import { normalizeTitle, parseTitle } from '../data/titles.ts';
import type { TitleMatch, TitleMatchHow } from './service-api.ts';
import { formList, formsOf, listOf, post, someForm, type Forms, type Postings } from './title-postings.ts';
import { titleOrder, titleOrderSteps, type TitleOrder } from './title-order.ts';
import { stringPool } from '../util/string-pool.ts';

// natural ships CommonJS without per-file typings; the package root is slow to import and prints
// to stdout, so the one submodule is required directly and typed here.
const require = createRequire(import.meta.url);
const jaroWinkler = require('natural/lib/natural/distance/jaro-winkler_distance.js') as (
  a: string,
  b: string,
  options?: { ignoreCase?: boolean },
) => number;

/** Jaro-Winkler score from which a fuzzy match is taken as the answer. */
const FUZZY_ACCEPT = 0.9;
/** Fuzzy scores this close to the best are equally good (→ choices). */
const FUZZY_TIE = 0.015;
/** How much a typo'd prefix of a longer title counts below a whole-title match. */
const PREFIX_PENALTY = 0.04;
/** How many trigram candidates are scored with Jaro-Winkler. */
const FUZZY_POOL = 48;
const MAX_CHOICES = 10;
const MAX_SUGGESTIONS = 5;
/** Discord's limit for autocomplete choices and for a choice's name. */
const AUTOCOMPLETE_MAX = 25;
const CHOICE_NAME_MAX = 100;

/** Letters NFKD does not split into base + accent (as in src/data/titles.ts). */
const FOLD: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };

/** Lower case, accents and punctuation removed, words split; articles kept (autocomplete, typos). */
export function titleTokens(text: string): string[] {
  const s = text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/gu, (c) => FOLD[c] ?? c)
    .replace(/&/g, ' and ')
    // elided articles ("l'homme") keep the article as its own word
    .replace(/\b([ld])['’](?=\p{L})/gu, '$1 ')
    .replace(/['’‘`´]/gu, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return s === '' ? [] : s.split(' ');
}

/** The lookup key: the project's one title normalisation ("Matrix, The (1999)" → "matrix"). */
export function titleKey(text: string): string {
  return normalizeTitle(text);
}

/**
 * The names a catalog title goes by: "City of Lost Children, The (Cité des enfants perdus, La)
 * (1995)" → "The City of Lost Children" and "La Cité des enfants perdus".
 */
export function titleForms(movie: MovieRecord): string[] {
  const parsed = parseTitle(movie.title);
  const forms = [parsed.display, ...parsed.alternates];
  if (movie.displayTitle && !forms.includes(movie.displayTitle)) forms.push(movie.displayTitle);
  return forms.filter((f) => f.trim() !== '');
}

/** "The Matrix (1999)" */
export function movieLabel(movie: MovieRecord): string {
  const name = movie.displayTitle || parseTitle(movie.title).display;
  return movie.year !== null && movie.year !== undefined ? `${name} (${movie.year})` : name;
}

/**
 * Character trigrams of "  s " as small integers: each character gets a 10-bit id from `alphabet`
 * (assigned on first sight, from 1; past 1023 distinct characters they share the last id), so a
 * trigram is a 30-bit number, which V8 keeps unboxed in Maps and Sets.
 */
function forEachTrigram(s: string, alphabet: Alphabet, fn: (code: number) => void): void {
  const p = `  ${s} `;
  let a = charId(p.charCodeAt(0), alphabet);
  let b = charId(p.charCodeAt(1), alphabet);
  for (let k = 2; k < p.length; k++) {
    const c = charId(p.charCodeAt(k), alphabet);
    fn((a << 20) | (b << 10) | c);
    a = b;
    b = c;
  }
}

/** UTF-16 code unit → 10-bit id (0 = not seen yet); `size` counts the ids given. */
interface Alphabet {
  ids: Uint16Array;
  size: number;
}

function charId(code: number, alphabet: Alphabet): number {
  let id = alphabet.ids[code];
  if (id === 0) {
    id = alphabet.size < 1023 ? ++alphabet.size : 1023;
    alphabet.ids[code] = id;
  }
  return id;
}

/** The exact-title lookup key: case and runs of spaces do not matter, nothing else is dropped. */
function exactKey(s: string): string {
  return s.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** A query split into its title part and an optional year ("terminator 1984", "Alien (1979)"). */
function splitYear(query: string): { title: string; year: number | null } {
  const m = /^(.*?\S)[\s,]*(?:\((\d{4})\)|(\d{4}))$/.exec(query.trim());
  if (!m) return { title: query.trim(), year: null };
  const year = Number(m[2] ?? m[3]);
  if (year < 1870 || year > 2100) return { title: query.trim(), year: null };
  return { title: m[1], year };
}

export class TitleIndex {
  private readonly movies: readonly MovieRecord[];
  private readonly byId = new Map<string, number>();
  private readonly exact = new Map<string, Postings>();
  private readonly byKey = new Map<string, Postings>();
  /** per movie: its keys and article-full normalised forms, for Jaro-Winkler (see Forms) */
  private readonly fuzzyForms: Forms[] = [];
  /**
   * per movie: the same forms of its main title only ("Rome, Open City", not "Roma, città
   * aperta"), for the prefix rule: the first word of an alternate title is too weak a clue
   * ("roma" is not "Rome, Open City").
   */
  private readonly mainForms: Forms[] = [];
  /** trigram code → row of the postings below (CSR: trigramPtr/trigramMovies) */
  private readonly trigramIds = new Map<number, number>();
  private readonly alphabet: Alphabet = { ids: new Uint16Array(65536), size: 0 };
  private readonly trigramPtr: Int32Array;
  private readonly trigramMovies: Int32Array;
  /** every movie's fuzzyForms, sorted (code unit order, as lowerBound compares), and whose each is */
  private readonly sortedForms: string[];
  private readonly sortedFormOwners: Int32Array;
  /** per movie: its distinct words (a handful: a short array is searched as fast as a Set), for autocomplete's "all typed words" rule */
  private readonly movieTokens: Array<readonly string[]> = [];
  private readonly tokenPostings = new Map<string, Int32Array>();
  private readonly vocabulary: string[];
  /**
   * postings before each word of the sorted vocabulary (prefix sums, one more than the words):
   * how many titles a typed prefix reaches, without walking them, so autocomplete walks the
   * shorter of a prefix's titles and a whole word's
   */
  private readonly vocabularyPostings: Int32Array;
  /** scratch for fuzzy lookups (zeroed after each use) */
  private readonly trigramCounts: Int32Array;
  /** scratch: the titles a fuzzy lookup touched, in the order first touched */
  private readonly touched: Int32Array;
  /**
   * scratch: per movie, the lookup that last listed it (a stamp, not a fresh array of the whole
   * catalogue per keystroke: 87,585 entries at ml-32m)
   */
  private readonly seenAt: Int32Array;
  private stamp = 0;
  private byPopularity: Int32Array;
  /** per movie: its place in byPopularity, so popularity order is a numeric sort of places */
  private rank: Int32Array;

  constructor(movies: readonly MovieRecord[], popularity?: (movieId: string) => number) {
    this.movies = movies;
    // every kept key, form and word once, however many titles share it (see Forms)
    const one = stringPool();
    const tok = new Map<string, number[]>();
    // Trigram postings from flat (trigram id, movie) pairs and a counting pass: far less garbage
    // than growing one array per trigram (≈ 400k pairs for 9,742 titles). `lastOwner` keeps a
    // movie's repeated trigrams out without a Set per movie.
    const triId: number[] = [];
    const triOwner: number[] = [];
    let lastOwner = new Int32Array(4096).fill(-1);
    const counts: number[] = [];
    const addTrigram = (code: number, idx: number): void => {
      let id = this.trigramIds.get(code);
      if (id === undefined) {
        id = counts.length;
        this.trigramIds.set(code, id);
        counts.push(0);
        if (id >= lastOwner.length) {
          const grown = new Int32Array(lastOwner.length * 2).fill(-1);
          grown.set(lastOwner);
          lastOwner = grown;
        }
      }
      if (lastOwner[id] === idx) return;
      lastOwner[id] = idx;
      counts[id]++;
      triId.push(id);
      triOwner.push(idx);
    };
    movies.forEach((m, idx) => {
      this.byId.set(m.movieId, idx);
      for (const e of new Set([m.title, movieLabel(m), m.displayTitle])) if (e) post(this.exact, one(exactKey(e)), idx);
      const keys = new Set<string>();
      const fuzzy = new Set<string>();
      const main = new Set<string>();
      const tokens = new Set<string>();
      const forms = titleForms(m);
      const parsed = parseTitle(m.title);
      const mainNames = new Set([parsed.display, m.displayTitle].filter((f): f is string => Boolean(f && f.trim() !== '')));
      for (const form of forms) {
        const k = one(titleKey(form));
        if (k === '') continue;
        keys.add(k);
        fuzzy.add(k);
        const t = titleTokens(form);
        const joined = one(t.join(' '));
        fuzzy.add(joined);
        if (mainNames.has(form)) {
          main.add(k);
          main.add(joined);
        }
        for (const w of t) tokens.add(one(w));
      }
      if (m.year !== null && m.year !== undefined) tokens.add(one(String(m.year)));
      for (const k of keys) post(this.byKey, k, idx);
      for (const f of fuzzy) forEachTrigram(f, this.alphabet, (code) => addTrigram(code, idx));
      for (const w of tokens) push(tok, w, idx);
      this.fuzzyForms.push(formsOf(fuzzy));
      this.mainForms.push(formsOf(main));
      this.movieTokens.push([...tokens]);
    });
    this.trigramPtr = new Int32Array(counts.length + 1);
    for (let g = 0; g < counts.length; g++) this.trigramPtr[g + 1] = this.trigramPtr[g] + counts[g];
    this.trigramMovies = new Int32Array(triId.length);
    const fill = this.trigramPtr.slice(0, counts.length);
    for (let k = 0; k < triId.length; k++) this.trigramMovies[fill[triId[k]]++] = triOwner[k];
    for (const [w, list] of tok) this.tokenPostings.set(w, Int32Array.from(list));
    this.vocabulary = [...tok.keys()].sort();
    const forms = this.fuzzyForms.flatMap((fs, i) => (typeof fs === 'string' ? [{ f: fs, i }] : fs.map((f) => ({ f, i }))));
    forms.sort((a, b) => (a.f < b.f ? -1 : a.f > b.f ? 1 : a.i - b.i));
    this.sortedForms = forms.map((x) => x.f);
    this.sortedFormOwners = Int32Array.from(forms, (x) => x.i);
    this.vocabularyPostings = new Int32Array(this.vocabulary.length + 1);
    this.vocabulary.forEach((w, k) => (this.vocabularyPostings[k + 1] = this.vocabularyPostings[k] + (tok.get(w)?.length ?? 0)));
    this.trigramCounts = new Int32Array(movies.length);
    this.touched = new Int32Array(movies.length);
    this.seenAt = new Int32Array(movies.length);
    this.byPopularity = new Int32Array(0);
    this.rank = new Int32Array(movies.length);
    this.setPopularity(popularity ?? (() => 0));
  }

  get size(): number {
    return this.movies.length;
  }

  /** Popularity orders choices and suggestions (usually the number of ratings). */
  setPopularity(popularity: (movieId: string) => number): void {
    this.useOrder(this.orderBy(popularity));
  }

  /** What setPopularity would set, made apart: a retrain makes it in a warm-up step before its swap. */
  orderBy(popularity: (movieId: string) => number): TitleOrder {
    return titleOrder(this, this.movies, popularity);
  }

  /** orderBy in steps, `moviesPerStep` movies between yields. */
  orderSteps(popularity: (movieId: string) => number, moviesPerStep: number): Generator<void, TitleOrder, undefined> {
    return titleOrderSteps(this, this.movies, popularity, moviesPerStep);
  }

  /** Adopts an order orderBy made for this index (an order of another index is refused). */
  useOrder(order: TitleOrder): void {
    if (order.index !== this) throw new Error('a title order made for another title index');
    this.byPopularity = order.byPopularity;
    this.rank = order.rank;
  }

  movie(movieId: string): MovieRecord | undefined {
    const idx = this.byId.get(movieId);
    return idx === undefined ? undefined : this.movies[idx];
  }

  resolve(query: string): TitleMatch {
    const q = query.trim();
    if (q === '') return { kind: 'unknown', suggestions: [] };
    const idForm = /^id\s*:\s*(\S+)$/i.exec(q);
    if (idForm) {
      const movie = this.movie(idForm[1]);
      return movie ? { kind: 'found', movie, how: 'exact' } : { kind: 'unknown', suggestions: [] };
    }
    const exact = listOf(this.exact.get(exactKey(q)));
    if (exact) return this.answer(exact, 'exact');

    const { title, year } = splitYear(q);
    const titleKeyed = titleKey(title);
    if (year !== null) {
      const sameKey = listOf(this.byKey.get(titleKeyed)) ?? [];
      const withYear = sameKey.filter((i) => this.movies[i].year === year);
      if (withYear.length > 0) return this.answer(withYear, 'normalised');
    }
    // the whole query as a title ("1917", "Blade Runner 2049")
    const whole = listOf(this.byKey.get(titleKey(q)));
    if (whole) return this.answer(whole, 'normalised');
    if (year !== null) {
      const otherYears = listOf(this.byKey.get(titleKeyed));
      // the title exists, but not in that year: offer the years it does exist in
      if (otherYears) return { kind: 'unknown', suggestions: this.sortByPopularity(otherYears).slice(0, MAX_SUGGESTIONS) };
    }
    const prefixed = this.wordPrefix(titleKeyed, year);
    if (prefixed.length > 0) return this.answer(prefixed, 'prefix');
    return this.fuzzy(year === null ? q : title, year);
  }

  /**
   * Up to `limit` (≤ 25) titles for a partly typed name: every typed word must appear in the
   * title (the last one as a prefix); titles that start with what was typed come first, then the
   * most popular. Falls back to typo-tolerant suggestions when nothing matches.
   */
  autocomplete(partial: string, limit = AUTOCOMPLETE_MAX): Array<{ name: string; value: string }> {
    const n = Math.max(1, Math.min(AUTOCOMPLETE_MAX, Math.floor(limit)));
    const q = partial.trim();
    const choice = (m: MovieRecord) => ({ name: truncate(movieLabel(m), CHOICE_NAME_MAX), value: m.movieId });
    if (q === '') return Array.from(this.byPopularity.subarray(0, n), (i) => choice(this.movies[i]));
    const idForm = /^id\s*:\s*(\S+)$/i.exec(q);
    if (idForm) {
      const movie = this.movie(idForm[1]);
      return movie ? [choice(movie)] : [];
    }
    const tokens = titleTokens(q);
    if (tokens.length === 0) return [];
    const endsWord = /[^\p{L}\p{N}]$/u.test(q);
    const last = endsWord ? undefined : tokens[tokens.length - 1];
    const whole = endsWord ? tokens : tokens.slice(0, -1);

    const phrase = tokens.join(' ');
    // enough titles start with what was typed: they are the whole answer, and no word's titles
    // are walked ("the m" reaches 2,949 titles through "the", of which 25 are needed)
    const starting = this.startingWith(phrase, whole, last);
    if (starting.length >= n) return Array.from(this.inPopularityOrder(starting).subarray(0, n), (i) => choice(this.movies[i]));
    const matches = whole.length > 0 ? this.withWords(whole, last) : last !== undefined ? this.withPrefix(last) : [];
    if (matches.length === 0) {
      const fallback = this.resolve(q);
      const movies = fallback.kind === 'found' ? [fallback.movie] : fallback.kind === 'ambiguous' ? fallback.choices : fallback.suggestions;
      return movies.slice(0, n).map(choice);
    }
    const first: number[] = [];
    const rest: number[] = [];
    for (const i of matches) (startsWithPhrase(this.fuzzyForms[i], phrase) ? first : rest).push(i);
    const picked = Array.from(this.inPopularityOrder(first).subarray(0, n));
    if (picked.length < n) for (const i of this.inPopularityOrder(rest).subarray(0, n - picked.length)) picked.push(i);
    return picked.map((i) => choice(this.movies[i]));
  }

  /**
   * Titles with a form (fuzzyForms) starting with `phrase` that also hold every word of `whole`
   * and one starting with `last`: autocomplete's first group, from the sorted forms.
   */
  private startingWith(phrase: string, whole: readonly string[], last: string | undefined): number[] {
    const out: number[] = [];
    const stamp = this.nextStamp();
    const seen = this.seenAt;
    for (let k = lowerBound(this.sortedForms, phrase); k < this.sortedForms.length && this.sortedForms[k].startsWith(phrase); k++) {
      const i = this.sortedFormOwners[k];
      if (seen[i] === stamp) continue;
      seen[i] = stamp;
      const words = this.movieTokens[i];
      if (whole.every((w) => words.includes(w)) && (last === undefined || hasPrefixWord(words, last))) out.push(i);
    }
    return out;
  }

  /**
   * Titles holding every word of `whole` and, when `last` is given, a word starting with it.
   * Walks the shortest list: the rarest whole word's titles, or the prefix's when fewer.
   */
  private withWords(whole: readonly string[], last: string | undefined): number[] {
    const matches: number[] = [];
    let rarest: Int32Array | undefined;
    for (const w of whole) {
      const postings = this.tokenPostings.get(w);
      if (!postings) return matches;
      if (!rarest || postings.length < rarest.length) rarest = postings;
    }
    if (!rarest) return matches;
    const hasWhole = (words: readonly string[]): boolean => {
      for (const w of whole) if (!words.includes(w)) return false;
      return true;
    };
    if (last !== undefined) {
      const [lo, hi] = this.prefixRange(last);
      if (this.vocabularyPostings[hi] - this.vocabularyPostings[lo] < rarest.length) {
        for (const i of this.withPrefix(last)) if (hasWhole(this.movieTokens[i])) matches.push(i);
        return matches;
      }
    }
    for (const i of rarest) {
      const words = this.movieTokens[i];
      if (!hasWhole(words)) continue;
      if (last !== undefined && !hasPrefixWord(words, last)) continue;
      matches.push(i);
    }
    return matches;
  }

  /** Titles with a word starting with `prefix`, each once. */
  private withPrefix(prefix: string): number[] {
    const [lo, hi] = this.prefixRange(prefix);
    const stamp = this.nextStamp();
    const seen = this.seenAt;
    const matches: number[] = [];
    for (let k = lo; k < hi; k++) {
      for (const i of this.tokenPostings.get(this.vocabulary[k]) ?? []) {
        if (seen[i] === stamp) continue;
        seen[i] = stamp;
        matches.push(i);
      }
    }
    return matches;
  }

  /** The vocabulary's words starting with `prefix`: positions [lo, hi). */
  private prefixRange(prefix: string): [number, number] {
    const lo = lowerBound(this.vocabulary, prefix);
    let hi = lo;
    while (hi < this.vocabulary.length && this.vocabulary[hi].startsWith(prefix)) hi++;
    return [lo, hi];
  }

  private nextStamp(): number {
    if (this.stamp === 0x7fffffff) {
      this.seenAt.fill(0);
      this.stamp = 0;
    }
    return ++this.stamp;
  }

  /** `indices` most rated first (ties: catalogue order), as byPopularity orders them. */
  private inPopularityOrder(indices: readonly number[]): Int32Array {
    const places = new Int32Array(indices.length);
    for (let k = 0; k < indices.length; k++) places[k] = this.rank[indices[k]];
    places.sort();
    for (let k = 0; k < places.length; k++) places[k] = this.byPopularity[places[k]];
    return places;
  }

  private answer(indices: readonly number[], how: TitleMatchHow): TitleMatch {
    const unique = [...new Set(indices)];
    if (unique.length === 1) return { kind: 'found', movie: this.movies[unique[0]], how };
    return { kind: 'ambiguous', choices: this.sortByPopularity(unique).slice(0, MAX_CHOICES) };
  }

  private sortByPopularity(indices: readonly number[]): MovieRecord[] {
    return Array.from(this.inPopularityOrder(indices), (i) => this.movies[i]);
  }

  /** Main titles whose key starts with the query's words ("shawshank" → "shawshank redemption"). */
  private wordPrefix(key: string, year: number | null): number[] {
    if (key === '') return [];
    const words = key.split(' ');
    const last = words[words.length - 1];
    const out: number[] = [];
    const postings = this.tokenPostings.get(last);
    if (!postings) return out;
    for (const i of postings) {
      if (year !== null && this.movies[i].year !== year) continue;
      if (someForm(this.mainForms[i], (f) => f === key || f.startsWith(key + ' '))) out.push(i);
    }
    return out;
  }

  private fuzzy(text: string, year: number | null): TitleMatch {
    const key = titleKey(text);
    const full = titleTokens(text).join(' ');
    if (key === '') return { kind: 'unknown', suggestions: [] };
    // count shared trigrams per title, touching only titles that share at least one
    const counts = this.trigramCounts;
    const touched = this.touched;
    let nTouched = 0;
    const grams: number[] = [];
    const addGram = (c: number): void => {
      if (!grams.includes(c)) grams.push(c);
    };
    forEachTrigram(key, this.alphabet, addGram);
    forEachTrigram(full, this.alphabet, addGram);
    for (const code of grams) {
      const g = this.trigramIds.get(code);
      if (g === undefined) continue;
      for (let k = this.trigramPtr[g]; k < this.trigramPtr[g + 1]; k++) {
        const i = this.trigramMovies[k];
        if (counts[i]++ === 0) touched[nTouched++] = i;
      }
    }
    let maxCount = 0;
    for (let k = 0; k < nTouched; k++) if (counts[touched[k]] > maxCount) maxCount = counts[touched[k]];
    // titles sharing under a third of the best overlap cannot win on Jaro-Winkler; the rest in
    // order of overlap, then catalogue order, as one number each ((best - overlap) · n + index),
    // so a numeric sort orders them
    const n = this.movies.length;
    const order: number[] = [];
    for (let k = 0; k < nTouched; k++) {
      const i = touched[k];
      if (counts[i] * 3 >= maxCount) order.push((maxCount - counts[i]) * n + i);
      counts[i] = 0;
    }
    const pool = Array.from(Float64Array.from(order).sort().subarray(0, FUZZY_POOL), (key) => key % n);
    const scored = pool.map((i) => {
      let best = 0;
      for (const f of formList(this.fuzzyForms[i])) {
        let s = jaroWinkler(key, f);
        if (full !== key) s = Math.max(s, jaroWinkler(full, f));
        // a typo in the first words of a longer title ("harry poter" → "Harry Potter and …"),
        // a little below a whole-title match so that "termnator" stays "The Terminator"
        if (f.length > key.length + 2) s = Math.max(s, jaroWinkler(key, f.slice(0, key.length)) - PREFIX_PENALTY);
        if (s > best) best = s;
      }
      // a matching year settles remakes; a different one counts against
      if (year !== null) best += this.movies[i].year === year ? 0.02 : -0.02;
      return { i, score: best };
    });
    scored.sort((a, b) => b.score - a.score || this.rank[a.i] - this.rank[b.i]);
    if (scored.length === 0) return { kind: 'unknown', suggestions: [] };
    const best = scored[0].score;
    if (best >= FUZZY_ACCEPT) {
      const tied = scored.filter((s) => s.score >= best - FUZZY_TIE).map((s) => s.i);
      return this.answer(tied, 'fuzzy');
    }
    return { kind: 'unknown', suggestions: scored.slice(0, MAX_SUGGESTIONS).map((s) => this.movies[s.i]) };
  }
}

function push<K>(map: Map<K, number[]>, key: K, value: number): void {
  const list = map.get(key);
  if (list) {
    if (list[list.length - 1] !== value) list.push(value);
  } else map.set(key, [value]);
}

function hasPrefixWord(words: readonly string[], prefix: string): boolean {
  for (const w of words) if (w.startsWith(prefix)) return true;
  return false;
}

function startsWithPhrase(forms: Forms, phrase: string): boolean {
  return someForm(forms, (f) => f.startsWith(phrase));
}

function lowerBound(sorted: readonly string[], s: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < s) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max - 1) + '…';
}
