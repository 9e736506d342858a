import { describe, expect, it } from 'vitest';
import { PythonLiteralError, namesFromPythonList, parsePythonLiteral } from '../../src/data/python-literal.ts';

describe('reading the Python literals of The Movies Dataset without evaluating them', () => {
  it('reads the genres list', () => {
    expect(namesFromPythonList("[{'id': 16, 'name': 'Animation'}, {'id': 35, 'name': 'Comedy'}]")).toEqual(['Animation', 'Comedy']);
    expect(namesFromPythonList('[]')).toEqual([]);
    expect(namesFromPythonList('')).toEqual([]);
  });

  it('reads double-quoted names holding an apostrophe, and escapes', () => {
    expect(namesFromPythonList(`[{'id': 15101, 'name': "based on children's book"}, {'id': 1, 'name': 'l\\'amour'}]`)).toEqual([
      "based on children's book",
      "l'amour",
    ]);
    expect(parsePythonLiteral("'caf\\xe9 \\u00e9t\\u00e9\\n'")).toBe('café été\n');
  });

  it('reads dicts, tuples, numbers and the constants', () => {
    expect(parsePythonLiteral("{'a': (1, -2.5, 1e3), 'b': [True, False, None], 3: 'x'}")).toEqual({ a: [1, -2.5, 1000], b: [true, false, null], '3': 'x' });
  });

  it('refuses code and broken text with the position', () => {
    expect(() => parsePythonLiteral("__import__('os').system('rm -rf /')")).toThrow(PythonLiteralError);
    expect(() => parsePythonLiteral("[{'id': 1, 'name': 'Drama'}")).toThrow(/expected "," or "\]"/);
    expect(() => parsePythonLiteral("['open")).toThrow(/unterminated string at character 2/);
    expect(() => parsePythonLiteral('[1] extra')).toThrow(/after the value/);
    expect(() => namesFromPythonList("[{'id': 1}]")).toThrow(/'name'/);
    expect(() => namesFromPythonList('1995-10-30')).toThrow(PythonLiteralError);
  });
});
