import { describe, expect, it } from 'vitest';
import { canonicalImdbId } from '../../src/data/movies.ts';

describe('one spelling per IMDb title', () => {
  it('gives every spelling of an id the same canonical form', () => {
    for (const spelling of ['tt0114709', '0114709', '114709', 'TT0114709', ' tt00114709 ', '000114709']) {
      expect(canonicalImdbId(spelling)).toBe('tt0114709');
    }
    expect(canonicalImdbId('tt10872600')).toBe('tt10872600');
    expect(canonicalImdbId('tt0010872600')).toBe('tt10872600');
  });

  it('tells an empty field (undefined) from text that is no id (null)', () => {
    expect(canonicalImdbId('  ')).toBeUndefined();
    expect(canonicalImdbId('nm0000206')).toBeNull();
    expect(canonicalImdbId('tt01147x9')).toBeNull();
    expect(canonicalImdbId('tt0000000')).toBeNull();
  });
});
