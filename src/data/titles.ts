/**
 * MovieLens title forms. The files write titles library-style, with the article moved to the end,
 * the year in parentheses and foreign or "a.k.a." names in extra parentheses:
 *   "Matrix, The (1999)"                                   -> "The Matrix", 1999
 *   "Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)" -> "Amelie", alternate "Le Fabuleux destin d'Amélie Poulain"
 *   "Land Before Time III: The Time of the Great Giving (1995) (V)" (ml-100k), "Babylon 5" (no year),
 *   "96 Minutes (2011) " (trailing space), "Death Note: Desu nôto (2006–2007)" (a range: first year).
 */

export interface ParsedTitle {
  /** the title exactly as given */
  original: string;
  /** the title for people: article in front, year and alternate names removed */
  display: string;
  year: number | null;
  /** names in trailing parentheses, articles moved to the front, "a.k.a." dropped */
  alternates: string[];
}

/**
 * Articles MovieLens moves behind a comma ("Matrix, The", "Grande illusion, La", "Auberge espagnole, L'").
 * Only a single word after the last comma counts, so "Cry, the Beloved Country" is left alone.
 */
const TRAILING_ARTICLES = new Set([
  'the', 'a', 'an', // English
  'les', 'la', 'le', "l'", 'un', 'une', // French
  'il', 'lo', 'gli', 'i', 'uno', 'una', // Italian
  'el', 'los', 'las', // Spanish
  'das', 'der', 'die', 'den', 'ein', 'eine', // German
  'de', 'het', 'een', // Dutch
  'det', 'en', 'et', // Scandinavian
  'o', 'os', 'as', 'um', 'uma', // Portuguese
  'ta', 'to', 'ho', 'he', 'hoi', 'hai', // Greek transliterations used by MovieLens
]);

/**
 * Leading articles dropped for matching. Narrower than the list above on purpose: words like "die",
 * "de", "i" or "o" start many English or non-article titles ("Die Hard"), and dropping them would make
 * different films collide.
 */
const MATCH_ARTICLES = new Set(['the', 'a', 'an', 'les', 'la', 'le', 'il', 'el', 'los', 'las', 'das', 'der', 'un', 'une', 'una', 'gli']);

const YEAR_SUFFIX = /\(\s*(\d{4})\s*(?:[-–—]\s*(?:\d{4})?\s*)?\)\s*$/u;
/** ml-100k marks direct-to-video releases "(V)" after the year. */
const MEDIUM_SUFFIX = /\s*\((?:V|TV|TV Movie|Video)\)\s*$/iu;
const PAREN_SUFFIX = /\s*\(([^()]*)\)\s*$/u;

export function parseTitle(raw: string): ParsedTitle {
  let rest = raw.trim();
  while (MEDIUM_SUFFIX.test(rest)) rest = rest.replace(MEDIUM_SUFFIX, '');

  let year: number | null = null;
  const y = YEAR_SUFFIX.exec(rest);
  if (y && y.index > 0) {
    year = Number(y[1]);
    rest = rest.slice(0, y.index).trimEnd();
  }

  const alternates: string[] = [];
  for (;;) {
    const m = PAREN_SUFFIX.exec(rest);
    // Leave the parentheses alone when nothing would remain ("(Untitled)") or when they open the title.
    if (!m || m.index === 0 || rest.slice(0, m.index).trim() === '') break;
    const inner = m[1].trim().replace(/^a\.k\.a\.?\s+/iu, '');
    if (inner) alternates.unshift(articleFirst(inner));
    rest = rest.slice(0, m.index).trimEnd();
  }

  const display = articleFirst(rest) || raw.trim();
  return { original: raw, display, year, alternates: alternates.filter((a) => a !== display) };
}

/** "Matrix, The" -> "The Matrix"; "Auberge espagnole, L'" -> "L'Auberge espagnole". */
export function articleFirst(title: string): string {
  const t = title.trim();
  const comma = t.lastIndexOf(', ');
  if (comma <= 0) return t;
  const article = t.slice(comma + 2).trim();
  if (!TRAILING_ARTICLES.has(article.toLowerCase())) return t;
  const body = t.slice(0, comma).trim();
  return article.endsWith("'") || article.endsWith('’') ? `${article}${body}` : `${article} ${body}`;
}

/** Letters NFD does not split into base + accent. */
const FOLD: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };

/**
 * The key used to match titles typed by people against titles in files: lowercase, accents stripped,
 * year and alternate names dropped, article moved then dropped, "&" read as "and", apostrophes removed
 * ("Schindler's" -> "schindlers"), other punctuation as spaces, spaces collapsed.
 *   normalizeTitle("Matrix, The (1999)") === normalizeTitle("the matrix") === "matrix"
 */
export function normalizeTitle(s: string): string {
  let t = parseTitle(s).display.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
  t = t.replace(/[ßæœøłđðþı]/gu, (c) => FOLD[c] ?? c);
  // the elided French/Italian article: "L'Auberge espagnole" matches "auberge espagnole"
  t = t.replace(/^l['’]\s*(?=\p{L})/u, '');
  t = t.replace(/&/gu, ' and ').replace(/['’‘`´]/gu, '');
  t = t.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  const words = t.split(' ');
  if (words.length > 1 && MATCH_ARTICLES.has(words[0])) words.shift();
  return words.join(' ');
}
