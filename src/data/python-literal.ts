/**
 * A safe reader for the Python literals that "The Movies Dataset" stores in CSV cells
 * ("[{'id': 16, 'name': 'Animation'}]"). It reads data only — lists, tuples, dicts, strings, numbers,
 * True/False/None — and never evaluates anything. No npm package for this is installed, and turning the
 * text into JSON with regular expressions breaks on names such as "based on children's book".
 */

export type PyValue = null | boolean | number | string | PyValue[] | { [key: string]: PyValue };

export class PythonLiteralError extends Error {
  override name = 'PythonLiteralError';
  constructor(
    readonly position: number,
    problem: string,
  ) {
    super(`${problem} at character ${position + 1}`);
  }
}

export function parsePythonLiteral(text: string): PyValue {
  const p = new Reader(text);
  p.space();
  const v = p.value();
  p.space();
  if (p.i < text.length) throw new PythonLiteralError(p.i, `unexpected ${JSON.stringify(text[p.i])} after the value`);
  return v;
}

/** The `name` of each dict in a list literal, e.g. the genres or keywords of The Movies Dataset. Empty text -> []. */
export function namesFromPythonList(text: string): string[] {
  if (text.trim() === '') return [];
  const v = parsePythonLiteral(text);
  if (!Array.isArray(v)) throw new PythonLiteralError(0, 'expected a list');
  const names: string[] = [];
  for (const entry of v) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry) || typeof entry.name !== 'string') {
      throw new PythonLiteralError(0, "expected a list of dicts with a 'name'");
    }
    names.push(entry.name);
  }
  return names;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };

class Reader {
  i = 0;
  constructor(private readonly s: string) {}

  space(): void {
    while (this.i < this.s.length && /\s/u.test(this.s[this.i])) this.i++;
  }

  value(): PyValue {
    const c = this.s[this.i];
    if (c === undefined) throw new PythonLiteralError(this.i, 'unexpected end of text');
    if (c === '[') return this.sequence(']');
    if (c === '(') return this.sequence(')');
    if (c === '{') return this.dict();
    if (c === "'" || c === '"') return this.string();
    if (c === '-' || c === '+' || c === '.' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, v] of [['True', true], ['False', false], ['None', null]] as const) {
      if (this.s.startsWith(word, this.i)) {
        this.i += word.length;
        return v;
      }
    }
    throw new PythonLiteralError(this.i, `unexpected ${JSON.stringify(c)}`);
  }

  private sequence(close: string): PyValue[] {
    this.i++;
    const out: PyValue[] = [];
    for (;;) {
      this.space();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.value());
      this.space();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) throw new PythonLiteralError(this.i, `expected "," or "${close}"`);
    }
  }

  private dict(): { [key: string]: PyValue } {
    this.i++;
    const out: { [key: string]: PyValue } = {};
    for (;;) {
      this.space();
      if (this.s[this.i] === '}') {
        this.i++;
        return out;
      }
      const key = this.value();
      if (typeof key !== 'string' && typeof key !== 'number') throw new PythonLiteralError(this.i, 'dict keys must be strings or numbers');
      this.space();
      if (this.s[this.i] !== ':') throw new PythonLiteralError(this.i, 'expected ":"');
      this.i++;
      this.space();
      out[String(key)] = this.value();
      this.space();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') throw new PythonLiteralError(this.i, 'expected "," or "}"');
    }
  }

  private string(): string {
    const quote = this.s[this.i];
    const start = this.i;
    this.i++;
    let out = '';
    for (;;) {
      const c = this.s[this.i];
      if (c === undefined || c === '\n') throw new PythonLiteralError(start, 'unterminated string');
      this.i++;
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.s[this.i++];
      if (e === 'x' || e === 'u' || e === 'U') {
        const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
        const hex = this.s.slice(this.i, this.i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`, 'u').test(hex)) throw new PythonLiteralError(this.i, `bad \\${e} escape`);
        out += String.fromCodePoint(parseInt(hex, 16));
        this.i += len;
      } else if (e !== undefined && e in ESCAPES) {
        out += ESCAPES[e];
      } else {
        // Python keeps unknown escapes as written ("\d" stays backslash + d).
        out += `\\${e ?? ''}`;
      }
    }
  }

  private number(): number {
    const m = /^[+-]?(?:\d[\d_]*)?(?:\.\d*)?(?:[eE][+-]?\d+)?/u.exec(this.s.slice(this.i, this.i + 64));
    const text = m?.[0] ?? '';
    const v = Number(text.replace(/_/gu, ''));
    if (text === '' || text === '-' || text === '+' || !Number.isFinite(v)) throw new PythonLiteralError(this.i, 'bad number');
    this.i += text.length;
    return v;
  }
}
