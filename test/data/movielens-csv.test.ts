import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/load.ts';
import { DataFileError } from '../../src/data/types.ts';
import { crlf, dataset } from './fixtures.ts';

const MOVIES = crlf(
  'movieId,title,genres',
  '1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy',
  '11,"American President, The (1995)",Comedy|Drama|Romance',
  '4973,"Amelie (Fabuleux destin d\'Amélie Poulain, Le) (2001)",Comedy|Romance',
  '176601,Black Mirror,(no genres listed)',
);
const RATINGS = crlf('userId,movieId,rating,timestamp', '1,1,4.0,964982703', '1,11,0.5,964981247', '2,4973,5.0,1445714994', '3,1,3.5,1306463578');
const LINKS = crlf('movieId,imdbId,tmdbId', '1,0114709,862', '11,0112346,9087', '4973,0211915,194', '176601,2085059,');
const TAGS = crlf(
  'userId,movieId,tag,timestamp',
  '2,4973,whimsical,1445714994',
  '3,4973,"Paris, France",1445714995',
  '4,4973,Whimsical,1445714996',
  '5,1,pixar,1445714997',
  '6,999,orphan tag,1445714998',
);

function fullSet(overrides: Record<string, string> = {}): string {
  return dataset('ml-latest-small', { 'movies.csv': MOVIES, 'ratings.csv': RATINGS, 'links.csv': LINKS, 'tags.csv': TAGS, ...overrides });
}

async function failure(dir: string): Promise<DataFileError> {
  const err = await loadDataset(dir).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataFileError);
  return err as DataFileError;
}

describe('loading a MovieLens CSV release (ml-latest-small, ml-25m, ml-32m)', () => {
  it('reads movies with quoted commas, CRLF line ends, genres and links', async () => {
    const ds = await loadDataset(fullSet());
    expect(ds).toMatchObject({ name: 'ml-latest-small', format: 'movielens-csv', scale: [0.5, 5] });
    expect(ds.movies.map((m) => m.displayTitle)).toEqual(['Toy Story', 'The American President', 'Amelie', 'Black Mirror']);
    expect(ds.movies[1]).toMatchObject({ movieId: '11', title: 'American President, The (1995)', year: 1995, genres: ['Comedy', 'Drama', 'Romance'], imdbId: 'tt0112346', tmdbId: '9087' });
    expect(ds.movies[2].alternateTitles).toEqual(["Le Fabuleux destin d'Amélie Poulain"]);
    expect(ds.movies[3]).toMatchObject({ genres: [], year: null, imdbId: 'tt2085059' });
    expect(ds.movies[3].tmdbId).toBeUndefined();
  });

  it('keeps the ratings in file order as columns', async () => {
    const { ratings } = await loadDataset(fullSet());
    expect(ratings.users).toEqual(['1', '1', '2', '3']);
    expect(ratings.items).toEqual(['1', '11', '4973', '1']);
    expect([...ratings.ratings]).toEqual([4, 0.5, 5, 3.5]);
    expect([...ratings.timestamps]).toEqual([964982703, 964981247, 1445714994, 1306463578]);
  });

  it('attaches tags to their movies: distinct, most used first, commas kept', async () => {
    const ds = await loadDataset(fullSet());
    expect(ds.movies.find((m) => m.movieId === '4973')?.tags).toEqual(['whimsical', 'Paris, France']);
    expect(ds.movies[0].tags).toEqual(['pixar']);
    const without = await loadDataset(fullSet(), { tags: false });
    expect(without.movies.every((m) => m.tags === undefined)).toBe(true);
  });

  it('works without links.csv and tags.csv, and with LF line ends', async () => {
    const dir = dataset('mini', { 'movies.csv': MOVIES.replace(/\r\n/g, '\n'), 'ratings.csv': RATINGS.replace(/\r\n/g, '\n') });
    const ds = await loadDataset(dir);
    expect(ds.name).toBe('mini');
    expect(ds.movies).toHaveLength(4);
    expect(ds.movies[0].imdbId).toBeUndefined();
    expect(ds.ratings.ratings).toHaveLength(4);
  });

  it('accepts a last line without a line end', async () => {
    const ds = await loadDataset(fullSet({ 'ratings.csv': RATINGS.trimEnd() }));
    expect(ds.ratings.ratings).toHaveLength(4);
  });

  it('hands over the complete movies before it reads the ratings, for work that needs only them', async () => {
    const events: string[] = [];
    let handed: readonly unknown[] = [];
    const ds = await loadDataset(fullSet(), {
      onMovies: (movies) => {
        events.push(`movies: ${movies.length}, tagged: ${movies.filter((m) => m.tags).length}, linked: ${movies.filter((m) => m.imdbId).length}`);
        handed = movies;
      },
      onRatingBytes: () => events.push('ratings bytes'),
    });
    expect(events[0]).toBe('movies: 4, tagged: 2, linked: 4');
    expect(events.slice(1).every((e) => e === 'ratings bytes')).toBe(true);
    expect(events.length).toBeGreaterThan(1);
    expect(handed).toEqual(ds.movies);
  });
});

describe('a broken MovieLens CSV file is refused with its name and line', () => {
  it('a wrong ratings header', async () => {
    const err = await failure(fullSet({ 'ratings.csv': crlf('user,movie,stars,when', '1,1,4.0,964982703') }));
    expect(err.file).toMatch(/ratings\.csv$/);
    expect(err.line).toBe(1);
    expect(err.message).toMatch(/unexpected header "user,movie,stars,when": expected "userId,movieId,rating,timestamp"/);
  });

  it('a rating that is not a number', async () => {
    const err = await failure(fullSet({ 'ratings.csv': crlf('userId,movieId,rating,timestamp', '1,1,4.0,964982703', '1,11,four,964981247') }));
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/ratings\.csv, line 3: rating "four" is not a number/);
  });

  it('a rating outside the half-star scale', async () => {
    const err = await failure(fullSet({ 'ratings.csv': crlf('userId,movieId,rating,timestamp', '1,1,5.5,964982703') }));
    expect(err.message).toMatch(/line 2: rating 5\.5 is outside the rating scale 0\.5–5/);
  });

  it('a last line cut short', async () => {
    const err = await failure(fullSet({ 'ratings.csv': 'userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,11' }));
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/expected 4 fields, found 2/);
  });

  it('a last line cut inside a field', async () => {
    const err = await failure(fullSet({ 'ratings.csv': 'userId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n1,11,' }));
    expect(err.message).toMatch(/line 3: expected 4 fields, found 3/);
  });

  it('a user id that is not a number', async () => {
    const err = await failure(fullSet({ 'ratings.csv': crlf('userId,movieId,rating,timestamp', 'alice,1,4.0,964982703') }));
    expect(err.message).toMatch(/line 2: user id "alice" is not a whole number/);
  });

  it('a movies.csv row missing its genres, and an unclosed quote', async () => {
    let err = await failure(fullSet({ 'movies.csv': crlf('movieId,title,genres', '1,Toy Story (1995),Comedy', '2,Jumanji (1995)') }));
    expect(err.file).toMatch(/movies\.csv$/);
    expect(err.line).toBe(3);
    expect(err.message).toMatch(/expected 3 fields, found 2/);
    err = await failure(fullSet({ 'movies.csv': crlf('movieId,title,genres', '1,Toy Story (1995),Comedy', '11,"American President, The (1995),Comedy') }));
    expect(err.message).toMatch(/movies\.csv, line 3: a quoted field that starts on this line is never closed/);
  });

  it('a movie id listed twice', async () => {
    const err = await failure(fullSet({ 'movies.csv': crlf('movieId,title,genres', '1,Toy Story (1995),Comedy', '1,Jumanji (1995),Fantasy') }));
    expect(err.message).toMatch(/line 3: movie id 1 appears twice \(first on line 2\)/);
  });

  it('a non-numeric imdbId in links.csv', async () => {
    const err = await failure(fullSet({ 'links.csv': crlf('movieId,imdbId,tmdbId', '1,abc,862') }));
    expect(err.message).toMatch(/links\.csv, line 2: imdbId "abc" is not an IMDb id/);
  });

  it('a folder that is not a dataset', async () => {
    const err = await failure(dataset('stuff', { 'notes.txt': 'hello' }));
    expect(err.message).toMatch(/no known dataset files here \(found: notes\.txt\); expected one of: .*movies\.csv \+ ratings\.csv/);
  });
});
