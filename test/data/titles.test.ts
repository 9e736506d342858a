import { describe, expect, it } from 'vitest';
import { articleFirst, normalizeTitle, parseTitle } from '../../src/data/titles.ts';

describe('MovieLens titles read the way people say them', () => {
  it('moves the trailing article to the front and takes the year out', () => {
    expect(parseTitle('Matrix, The (1999)')).toEqual({ original: 'Matrix, The (1999)', display: 'The Matrix', year: 1999, alternates: [] });
  });

  it('keeps the foreign title of "Amelie" as an alternate, with its article in front', () => {
    const p = parseTitle("Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)");
    expect(p.display).toBe('Amelie');
    expect(p.year).toBe(2001);
    expect(p.alternates).toEqual(["Le Fabuleux destin d'Amélie Poulain"]);
  });

  it('reads "a.k.a." names and several alternates in order', () => {
    const p = parseTitle('Léon: The Professional (a.k.a. The Professional) (Léon) (1994)');
    expect(p).toMatchObject({ display: 'Léon: The Professional', year: 1994, alternates: ['The Professional', 'Léon'] });
    expect(parseTitle('City of Lost Children, The (Cité des enfants perdus, La) (1995)')).toMatchObject({
      display: 'The City of Lost Children',
      alternates: ['La Cité des enfants perdus'],
    });
  });

  it.each([
    ['Grande illusion, La (1937)', 'La Grande illusion'],
    ['Misérables, Les (1995)', 'Les Misérables'],
    ["Auberge espagnole, L' (2002)", "L'Auberge espagnole"],
    ['Postino, Il (1994)', 'Il Postino'],
    ['Boot, Das (1981)', 'Das Boot'],
    ['Untergang, Der (2004)', 'Der Untergang'],
    ['Blechtrommel, Die (1979)', 'Die Blechtrommel'],
    ['Laberinto del fauno, El (2006)', 'El Laberinto del fauno'],
    ['Olvidados, Los (1950)', 'Los Olvidados'],
    ['Few Good Men, A (1992)', 'A Few Good Men'],
    ['American Werewolf in London, An (1981)', 'An American Werewolf in London'],
    ['Vitelloni, I (1953)', 'I Vitelloni'],
    ['Godfather: Part II, The (1974)', 'The Godfather: Part II'],
  ])('%s -> %s', (raw, display) => {
    expect(parseTitle(raw).display).toBe(display);
  });

  it('leaves a comma that is part of the title alone', () => {
    expect(parseTitle('Cry, the Beloved Country (1995)').display).toBe('Cry, the Beloved Country');
    expect(parseTitle('Crouching Tiger, Hidden Dragon (Wo hu cang long) (2000)').display).toBe('Crouching Tiger, Hidden Dragon');
    expect(articleFirst('Me, Myself and I')).toBe('Me, Myself and I');
  });

  it('copes with no year, a spaced year, a trailing space, year ranges and ml-100k "(V)"', () => {
    expect(parseTitle('Babylon 5')).toEqual({ original: 'Babylon 5', display: 'Babylon 5', year: null, alternates: [] });
    expect(parseTitle('Toy Story (1995 )')).toMatchObject({ display: 'Toy Story', year: 1995 });
    expect(parseTitle('96 Minutes (2011) ')).toMatchObject({ display: '96 Minutes', year: 2011 });
    expect(parseTitle('Death Note: Desu nôto (2006–2007)')).toMatchObject({ display: 'Death Note: Desu nôto', year: 2006 });
    expect(parseTitle('Land Before Time III: The Time of the Great Giving (1995) (V)')).toMatchObject({
      display: 'Land Before Time III: The Time of the Great Giving',
      year: 1995,
    });
  });

  it('keeps parentheses that open a title', () => {
    expect(parseTitle('(500) Days of Summer (2009)')).toMatchObject({ display: '(500) Days of Summer', year: 2009, alternates: [] });
    expect(parseTitle('(Untitled)').display).toBe('(Untitled)');
  });
});

describe('normalizeTitle makes typed titles and file titles meet', () => {
  it('matches with or without the article, year, case and accents', () => {
    expect(normalizeTitle('Matrix, The (1999)')).toBe('matrix');
    expect(normalizeTitle('the MATRIX')).toBe('matrix');
    expect(normalizeTitle('Misérables, Les (1995)')).toBe(normalizeTitle('les miserables'));
    expect(normalizeTitle("Auberge espagnole, L' (2002)")).toBe('auberge espagnole');
    expect(normalizeTitle("L'auberge espagnole")).toBe('auberge espagnole');
  });

  it('drops punctuation, reads & as "and", and collapses spaces', () => {
    expect(normalizeTitle("Schindler's List (1993)")).toBe('schindlers list');
    expect(normalizeTitle('Fast & Furious')).toBe('fast and furious');
    expect(normalizeTitle('  Star Wars:   Episode IV - A New Hope  ')).toBe('star wars episode iv a new hope');
    expect(normalizeTitle('WALL·E')).toBe('wall e');
  });

  it('folds letters that accents-stripping alone would miss', () => {
    expect(normalizeTitle('Ærø')).toBe('aero');
    expect(normalizeTitle('Straße')).toBe('strasse');
  });

  it('uses the main title, not the alternates', () => {
    expect(normalizeTitle("Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)")).toBe('amelie');
  });

  it('does not strip words that only look like articles in English titles', () => {
    expect(normalizeTitle('Die Hard (1988)')).toBe('die hard');
    expect(normalizeTitle('A')).toBe('a');
  });
});
