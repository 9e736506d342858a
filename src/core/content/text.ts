/**
 * The text of a movie: which fields become the document the vectorizer reads.
 *
 * MovieLens gives a title, genres and members' tags; The Movies Dataset (TMDB metadata) gives an
 * overview, a tagline, keywords and genres. Fields are cleaned here (HTML entities decoded,
 * Unicode NFC) so the vectorizer itself stays a faithful copy of scikit-learn's.
 */

export interface ContentMovie {
  /** the raw movie id of the dataset (MovieLens movieId), as a string */
  id: string;
  title: string;
  genres?: readonly string[];
  /** members' free-text tags (MovieLens tags.csv); repeats count, since several members agreeing means more */
  tags?: readonly string[];
  overview?: string;
  tagline?: string;
  keywords?: readonly string[];
}

export type ContentField = 'title' | 'genres' | 'tags' | 'overview' | 'tagline' | 'keywords';

export const ALL_FIELDS: readonly ContentField[] = ['title', 'genres', 'tags', 'overview', 'tagline', 'keywords'];

/**
 * Field choices for the two datasets. `tmdb` is the Kaggle tutorial's description
 * (overview + tagline) plus keywords and genres; `tmdb-description` is the description alone.
 */
export const FIELD_PRESETS: Readonly<Record<'movielens' | 'tmdb' | 'tmdb-description' | 'all', readonly ContentField[]>> = {
  movielens: ['title', 'genres', 'tags'],
  tmdb: ['overview', 'tagline', 'keywords', 'genres'],
  'tmdb-description': ['overview', 'tagline'],
  all: ALL_FIELDS,
};

export class ContentError extends Error {
  override name = 'ContentError';
}

/** One piece of a movie's document; n-grams never span two segments. */
export interface Segment {
  field: ContentField;
  text: string;
}

/** Prefix of genre tokens; such tokens are never stemmed and are shown as the genre's name. */
export const GENRE_PREFIX = 'genre_';

/**
 * A genre as ONE token that survives scikit-learn's token pattern: "Sci-Fi" → "genre_sci_fi",
 * "Science Fiction" → "genre_science_fiction". Letters, digits and "_" are word characters for
 * the pattern `\w\w+`, so joining the genre's words with "_" keeps it whole (a hyphen or space
 * would split "Sci-Fi" into "sci" + "fi" and let the genre leak into plain words); the prefix keeps
 * the genre Comedy apart from the word "comedy" in an overview. Returns undefined for
 * placeholders with no genre ("(no genres listed)") or nothing word-like.
 */
export function genreToken(genre: string): string | undefined {
  const clean = decodeEntities(genre).normalize('NFC').trim().toLowerCase();
  if (clean === '' || clean === '(no genres listed)') return undefined;
  const slug = clean.replace(/[^\p{L}\p{N}]+/gu, '_').replace(/^_+|_+$/g, '');
  return slug === '' ? undefined : GENRE_PREFIX + slug;
}

/** MovieLens titles end with the year, "Toy Story (1995)": a year is not a content word. */
export function titleWords(title: string): string {
  return title.replace(/\s*\(\s*\d{4}\s*(?:[-–]\s*\d{0,4}\s*)?\)\s*$/u, '');
}

/**
 * The segments of a movie's document for the chosen fields, in field order. Empty fields give
 * nothing; each genre, tag and keyword is its own segment so no bigram joins two of them.
 */
export function movieSegments(m: ContentMovie, fields: readonly ContentField[] = ALL_FIELDS): Segment[] {
  const out: Segment[] = [];
  const push = (field: ContentField, raw: string | undefined): void => {
    if (raw === undefined || raw === null) return;
    const text = clean(String(raw));
    if (text !== '') out.push({ field, text });
  };
  for (const field of fields) {
    switch (field) {
      case 'title':
        push('title', titleWords(m.title ?? ''));
        break;
      case 'genres': {
        // one segment per genre: a genre is one feature, and pairs of alphabetically adjacent
        // genres ("Adventure Animation") would be arbitrary features that cost a lot to compare
        const seen = new Set<string>();
        for (const g of m.genres ?? []) {
          const t = genreToken(String(g));
          if (t === undefined || seen.has(t)) continue;
          seen.add(t);
          out.push({ field: 'genres', text: t });
        }
        break;
      }
      case 'tags':
        for (const t of m.tags ?? []) push('tags', t);
        break;
      case 'overview':
        push('overview', m.overview);
        break;
      case 'tagline':
        push('tagline', m.tagline);
        break;
      case 'keywords':
        for (const k of m.keywords ?? []) push('keywords', k);
        break;
      default:
        throw new ContentError(`unknown content field "${String(field)}"; accepted: ${ALL_FIELDS.join(', ')}`);
    }
  }
  return out;
}

/**
 * The movie's document as one string (segments on separate lines). The Kaggle tutorial writes
 * `overview + tagline` with no separator, which glues the overview's last word to the tagline's
 * first when the overview ends without punctuation; a line break avoids that.
 */
export function movieText(m: ContentMovie, fields: readonly ContentField[] = ALL_FIELDS): string {
  return movieSegments(m, fields)
    .map((s) => s.text)
    .join('\n');
}

/** Validates a field list, naming the bad entry. */
export function checkFields(fields: readonly string[]): readonly ContentField[] {
  if (!Array.isArray(fields) || fields.length === 0) {
    throw new ContentError(`fields must be a non-empty list of: ${ALL_FIELDS.join(', ')}`);
  }
  for (const f of fields) {
    if (!(ALL_FIELDS as readonly string[]).includes(f)) {
      throw new ContentError(`unknown content field "${f}"; accepted: ${ALL_FIELDS.join(', ')}`);
    }
  }
  return fields as readonly ContentField[];
}

function clean(s: string): string {
  return decodeEntities(s).normalize('NFC').trim();
}

// Hand-written: no HTML-entity package is a dependency, and metadata only carries a handful of
// entities (TMDB overviews have "&amp;", scraped text "&#39;"); numeric references cover the rest.
const NAMED: Readonly<Record<string, string>> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', ndash: '\u2013', mdash: '\u2014',
  lsquo: '\u2018', rsquo: '\u2019', ldquo: '\u201c', rdquo: '\u201d', hellip: '\u2026', copy: '\u00a9',
  reg: '\u00ae', trade: '\u2122', eacute: '\u00e9', egrave: '\u00e8', ecirc: '\u00ea', euml: '\u00eb',
  aacute: '\u00e1', agrave: '\u00e0', acirc: '\u00e2', auml: '\u00e4', aring: '\u00e5', atilde: '\u00e3',
  iacute: '\u00ed', igrave: '\u00ec', icirc: '\u00ee', iuml: '\u00ef', oacute: '\u00f3', ograve: '\u00f2',
  ocirc: '\u00f4', ouml: '\u00f6', otilde: '\u00f5', oslash: '\u00f8', uacute: '\u00fa', ugrave: '\u00f9',
  ucirc: '\u00fb', uuml: '\u00fc', ntilde: '\u00f1', ccedil: '\u00e7', szlig: '\u00df', aelig: '\u00e6',
  Eacute: '\u00c9', Aacute: '\u00c1', Oacute: '\u00d3', Uacute: '\u00da', Ntilde: '\u00d1', Ccedil: '\u00c7',
  Auml: '\u00c4', Ouml: '\u00d6', Uuml: '\u00dc', middot: '\u00b7', laquo: '\u00ab', raquo: '\u00bb',
};

/** Decodes HTML character references; malformed or unknown ones stay as written. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});/g, (whole, body: string) => {
    if (body[0] === '#') {
      const cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      // surrogates and out-of-range code points are not characters: keep the text as written
      if (!(cp > 0 && cp <= 0x10ffff) || (cp >= 0xd800 && cp <= 0xdfff)) return whole;
      return String.fromCodePoint(cp);
    }
    return NAMED[body] ?? whole;
  });
}
