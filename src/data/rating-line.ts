/**
 * A rating line parsed straight from the file's bytes: whole-number ids, a plain decimal rating,
 * a whole-number timestamp. ml-32m's ratings.csv is 32 M such lines, and decoding each into a
 * string, cutting it into four more strings and calling Number() twice was most of reading it:
 * at ml-10m shape the whole read took 10.4 CPU s that way (RatingBuilder included).
 *
 * Anything this parser does not recognise (quotes, signs, exponents, leading zeros in an id,
 * an empty or missing field, a rating outside the scale, a line cut short) makes it answer false,
 * and the caller reads that line the slow way, as text, which accepts it or names the problem.
 * So a line it accepts gets exactly the values the text path would give: an id's digits are its
 * string (no leading zero, so String(value) is the text), and the rating m·10⁻ᵏ is m / 10ᵏ, one
 * correctly rounded division of two exact doubles, which is what Number() returns for that text.
 */

const ZERO = 48;
const NINE = 57;
/** at most this many digits in a number: below 2^53, so every value is an exact double */
const MAX_DIGITS = 15;
const POW10 = Array.from({ length: MAX_DIGITS + 1 }, (_, k) => 10 ** k);

export class RatingLineParser {
  /** the last line's fields, valid after parse() returned true */
  user = 0;
  item = 0;
  rating = 0;
  timestamp = NaN;
  private at = 0;
  private readonly d0: number;
  private readonly d1: number;
  private readonly dl: number;

  /**
   * @param delimiter between fields: ',' or '\t' (one byte) or '::'
   * @param nFields 3 (no timestamp) or 4
   * @param scale ratings outside it are left to the text path (which reports them)
   */
  constructor(
    delimiter: string,
    private readonly nFields: 3 | 4,
    private readonly scale?: readonly [number, number],
  ) {
    this.d0 = delimiter.charCodeAt(0);
    this.d1 = delimiter.length > 1 ? delimiter.charCodeAt(1) : -1;
    this.dl = delimiter.length;
  }

  /** Parses bytes [start, end) (no line end); false when the line must go through the text path. */
  parse(b: Uint8Array, start: number, end: number): boolean {
    this.at = start;
    const user = this.id(b, end);
    if (user < 0 || !this.delimiter(b, end)) return false;
    const item = this.id(b, end);
    if (item < 0) return false;
    if (!this.delimiter(b, end)) return false;
    const rating = this.decimal(b, end);
    if (Number.isNaN(rating)) return false;
    let timestamp = NaN;
    if (this.nFields === 4) {
      if (!this.delimiter(b, end)) return false;
      timestamp = this.whole(b, end);
      if (timestamp < 0) return false;
    }
    if (this.at !== end) return false;
    const s = this.scale;
    if (s && (rating < s[0] || rating > s[1])) return false;
    this.user = user;
    this.item = item;
    this.rating = rating;
    this.timestamp = timestamp;
    return true;
  }

  /** an id: digits without a leading zero (so its string is String(value)); -1 otherwise */
  private id(b: Uint8Array, end: number): number {
    const first = this.at;
    const v = this.whole(b, end);
    return v >= 0 && (b[first] !== ZERO || this.at - first === 1) ? v : -1;
  }

  /** 1–15 digits as a number; -1 when there are none or too many */
  private whole(b: Uint8Array, end: number): number {
    let p = this.at;
    const first = p;
    let v = 0;
    while (p < end) {
      const c = b[p];
      if (c < ZERO || c > NINE) break;
      v = v * 10 + (c - ZERO);
      p++;
    }
    this.at = p;
    return p === first || p - first > MAX_DIGITS ? -1 : v;
  }

  /** digits[.digits] (digits on both sides of a point), at most 15 in all; NaN otherwise */
  private decimal(b: Uint8Array, end: number): number {
    let p = this.at;
    let m = 0;
    let digits = 0;
    let k = 0;
    while (p < end && b[p] >= ZERO && b[p] <= NINE) {
      m = m * 10 + (b[p++] - ZERO);
      digits++;
    }
    if (digits === 0) return NaN;
    if (p < end && b[p] === 46) {
      p++;
      while (p < end && b[p] >= ZERO && b[p] <= NINE) {
        m = m * 10 + (b[p++] - ZERO);
        k++;
      }
      if (k === 0) return NaN;
    }
    this.at = p;
    return digits + k > MAX_DIGITS ? NaN : m / POW10[k];
  }

  private delimiter(b: Uint8Array, end: number): boolean {
    const p = this.at;
    if (p + this.dl > end || b[p] !== this.d0 || (this.dl === 2 && b[p + 1] !== this.d1)) return false;
    this.at = p + this.dl;
    return true;
  }
}
