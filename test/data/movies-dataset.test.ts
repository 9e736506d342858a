import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.ts';
import { DataFileError } from '../../src/data/types.ts';
import { crlf, dataset } from './fixtures.ts';

const HEADER =
  'adult,belongs_to_collection,budget,genres,homepage,id,imdb_id,original_language,original_title,overview,popularity,poster_path,production_companies,production_countries,release_date,revenue,runtime,spoken_languages,status,tagline,title,video,vote_average,vote_count';

function row(o: { id: string; imdb?: string; title: string; original?: string; overview?: string; tagline?: string; genres: string; date?: string }): string {
  const q = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  return [
    'False', '', '30000000', q(o.genres), '', o.id, o.imdb ?? '', 'en', q(o.original ?? o.title), q(o.overview ?? ''), '21.9', '/x.jpg', '[]', '[]',
    o.date ?? '1995-10-30', '0', '81.0', '[]', 'Released', q(o.tagline ?? ''), q(o.title), 'False', '7.7', '5415',
  ].join(',');
}

const METADATA = [
  HEADER,
  row({ id: '862', imdb: 'tt0114709', title: 'Toy Story', genres: "[{'id': 16, 'name': 'Animation'}, {'id': 35, 'name': 'Comedy'}]", overview: 'Led by Woody, Andy\'s toys live happily in his room.\nUntil Buzz arrives.' }),
  row({ id: '8844', imdb: 'tt0113497', title: 'Jumanji', genres: "[{'id': 12, 'name': 'Adventure'}]", tagline: 'Roll the dice and unleash the excitement!' }),
  // a published quirk: the columns shifted, a date where the id belongs
  'False,,0,"[{\'id\': 18, \'name\': \'Drama\'}]",,1997-08-20,tt0000001,en,Broken,,0.1,,[],[],1997-08-20,0,90.0,[],Released,,Broken,False,5.0,3',
  row({ id: '862', title: 'Toy Story again', genres: '[]' }),
  row({ id: '197', title: 'Braveheart', original: 'Braveheart', genres: "[{'id': 28, 'name': 'Action'}]", date: '1995-05-24' }),
  row({ id: '5', title: 'Four Rooms', genres: "[{'id': 80, 'name': 'Crime'" }),
  row({ id: '11860', title: 'Sabrina', original: 'Sabrina (1954 remake)', genres: '[]', date: '' }),
].join('\n') + '\n';

const LINKS_SMALL = crlf('movieId,imdbId,tmdbId', '1,0114709,862', '2,0113497,8844', '7,0114319,11860');
const KEYWORDS = [
  'id,keywords',
  `862,"[{'id': 931, 'name': 'jealousy'}, {'id': 4290, 'name': 'toy'}]"`,
  `8844,"[{'id': 10090, 'name': 'board game'}, {'id': 15101, 'name': ""based on children's book""}]"`,
  `862,"[{'id': 1, 'name': 'duplicate row'}]"`,
  '197,[]',
].join('\n') + '\n';
const RATINGS = crlf('userId,movieId,rating,timestamp', '1,31,2.5,1260759144', '1,1,4.0,1260759179', '2,2,3.0,1260759182');

function tmd(overrides: Record<string, string> = {}): string {
  return dataset('the-movies-dataset', {
    'movies_metadata_head5000.csv': METADATA,
    'links_small.csv': LINKS_SMALL,
    'keywords.csv': KEYWORDS,
    'ratings_small.csv': RATINGS,
    ...overrides,
  });
}

describe('loading Kaggle\'s "The Movies Dataset"', () => {
  it('keys movies by MovieLens movieId through the links and keeps overview, tagline and keywords', async () => {
    const ds = await loadDataset(tmd());
    expect(ds).toMatchObject({ name: 'the-movies-dataset', format: 'the-movies-dataset', scale: [0.5, 5] });
    const toy = ds.movies.find((m) => m.movieId === '1');
    expect(toy).toMatchObject({ title: 'Toy Story', displayTitle: 'Toy Story', year: 1995, genres: ['Animation', 'Comedy'], tmdbId: '862', imdbId: 'tt0114709', keywords: ['jealousy', 'toy'] });
    expect(toy?.overview).toBe("Led by Woody, Andy's toys live happily in his room.\nUntil Buzz arrives.");
    const jumanji = ds.movies.find((m) => m.movieId === '2');
    expect(jumanji).toMatchObject({ tagline: 'Roll the dice and unleash the excitement!', keywords: ['board game', "based on children's book"] });
  });

  it('keeps unlinked TMDB movies under "tmdb:<id>" and the original title as an alternate', async () => {
    const ds = await loadDataset(tmd());
    expect(ds.movies.find((m) => m.tmdbId === '197')).toMatchObject({ movieId: 'tmdb:197', displayTitle: 'Braveheart', year: 1995 });
    expect(ds.movies.find((m) => m.movieId === '7')).toMatchObject({ displayTitle: 'Sabrina', year: null, alternateTitles: ['Sabrina (1954 remake)'] });
  });

  it('skips and counts the malformed rows instead of failing', async () => {
    const ds = await loadDataset(tmd());
    expect(ds.movies.map((m) => m.movieId)).toEqual(['1', '2', 'tmdb:197', '7']);
    const reasons = Object.fromEntries((ds.skipped ?? []).map((s) => [s.reason, s]));
    expect(reasons['id is not a TMDB id (shifted columns)']).toMatchObject({ count: 1, lines: [5] });
    expect(reasons['repeated TMDB id']).toMatchObject({ count: 1, lines: [6] });
    expect(reasons['genres are not a readable list']).toMatchObject({ count: 1, lines: [8] });
    expect(ds.skipped?.every((s) => s.file.endsWith('movies_metadata_head5000.csv'))).toBe(true);
  });

  it('reads ratings_small.csv in file order, and accepts the full movies_metadata.csv name', async () => {
    const dir = dataset('the-movies-dataset', { 'movies_metadata.csv': METADATA, 'links.csv': LINKS_SMALL, 'ratings_small.csv': RATINGS });
    const ds = await loadDataset(dir);
    expect(ds.ratings.items).toEqual(['31', '1', '2']);
    expect([...ds.ratings.ratings]).toEqual([2.5, 4, 3]);
    expect(ds.movies.find((m) => m.movieId === '1')?.keywords).toBeUndefined();
  });

  it('still refuses a broken ratings file', async () => {
    const err = await loadDataset(tmd({ 'ratings_small.csv': crlf('userId,movieId,rating,timestamp', '1,31,2.5,1260759144', '1,1,x,1260759179') })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFileError);
    expect((err as DataFileError).message).toMatch(/ratings_small\.csv, line 3: rating "x" is not a number/);
  });
});
