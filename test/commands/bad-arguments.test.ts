import { describe, expect, it } from 'vitest';
import { harness, replyText } from './harness.ts';

const TEN_KB = 'x'.repeat(10_240);
const SQL = "'; DROP TABLE movies; --";

/** [command line, what the member must be told] — every one refused without touching the data. */
const cases: Array<[string, RegExp]> = [
  // /rate: titles
  ['/rate', /^Missing title/],
  ['/rate    ', /^Missing title/],
  ['/rate "" 4', /^Missing title/],
  [`/rate ${TEN_KB} 4`, /title is too long \(10240 characters; at most 200\)/],
  [`/rate ${SQL} 4`, /couldn't find a movie called “'; DROP TABLE movies; --”/],
  ['/rate 🎬🍿🎥 4', /couldn't find a movie called “🎬🍿🎥”/],
  ['/rate Matrx 4', /No movie called “Matrx”|couldn't find/],
  ['/rate Hamlet 4', /Which “Hamlet”\?/],
  // /rate: scores
  ['/rate The Matrix 0', /score must be from 0.5 to 5 \(you gave 0\)/],
  ['/rate The Matrix 5.5', /score must be from 0.5 to 5 \(you gave 5.5\)/],
  ['/rate The Matrix 7', /score must be from 0.5 to 5 \(you gave 7\)/],
  ['/rate The Matrix -1', /score must be from 0.5 to 5 \(you gave -1\)/],
  ['/rate The Matrix abc', /Missing score/],
  ['/rate title:"The Matrix" score:abc', /score must be a number: "abc" is not one/],
  ['/rate title:"The Matrix" score:NaN', /score must be a number: "NaN" is not one/],
  ['/rate The Matrix 3.7', /score goes in steps of 0.5/],
  ['/rate title:Alien score:4 colour:blue', /\/rate has no option "colour"/],
  ['/rate id:999999 4', /No movie has the id 999999/],
  // /rate: guesses are asked about; a number completing a title is not a score
  ['/rate Star Wars 4', /^Did you mean Star Wars: Episode IV - A New Hope \(1977\)\?/],
  ['/rate Fight Culb 4', /^Did you mean Fight Club \(1999\)\?/],
  ['/rate Toy Story 3', /^Missing score: how many stars for Toy Story 3 \(2010\)\?/],
  ['/rate Apollo 13', /^Missing score: .*I read "13" as part of the title/],
  ['/unrate Fight Culb', /^Did you mean Fight Club \(1999\)\?/],
  // /unrate, /movie, /because
  ['/unrate', /^Missing title/],
  [`/unrate ${TEN_KB}`, /title is too long/],
  [`/unrate ${SQL}`, /couldn't find a movie/],
  ['/movie', /^Missing title/],
  [`/movie ${SQL}`, /couldn't find a movie/],
  ['/movie 🍿', /couldn't find a movie called “🍿”/],
  ['/movie title:Alien lang:fr', /\/movie has no option "lang"/],
  ['/because', /^Missing title/],
  ['/because The Matrix n:0', /n must be from 1 to 10 \(you gave 0\)/],
  ['/because The Matrix n:abc', /n must be a number/],
  [`/because ${TEN_KB}`, /title is too long/],
  // /top, /recommend, /ratings
  ['/top genre:Westerns', /genre "Westerns" is not one I know/],
  [`/top genre:"${SQL}"`, /genre "'; DROP TABLE movies; --" is not one I know/],
  ['/top decade:abc', /decade "abc" is not valid/],
  ['/top n:0', /n must be from 1 to 25/],
  ['/top n:NaN', /n must be a number/],
  ['/recommend algo:deep-learning', /algo "deep-learning" is not one I know/],
  ['/recommend n:26', /n must be from 1 to 25 \(you gave 26\)/],
  ['/recommend n:-1', /n must be from 1 to 25 \(you gave -1\)/],
  ['/recommend svd 5 now', /I don't know what to do with "now"/],
  ['/recommend foo', /^algo "foo" is not one I know\. Accepted: svd, knn-user, knn-item, baseline, popular, content\./],
  ['/ratings page:0', /page must be from 1/],
  ['/ratings page:abc', /page must be a number/],
  ['/ratings 99', /You haven't rated any movies yet|There is no page 99/],
  // /movienight
  ['/movienight', /^Missing members/],
  ['/movienight @nobody', /I don't know @nobody yet/],
  ['/movienight members:"<script>alert(1)</script>"', /is not a member mention/],
  [`/movienight ${SQL}`, /is not a member mention/],
  ['/movienight @alice', /Mention at least one other member/],
  // /evaluate (as admin: the console user)
  ['/evaluate folds:1', /folds must be from 2 to 10 \(you gave 1\)/],
  ['/evaluate folds:11', /folds must be from 2 to 10/],
  ['/evaluate folds:abc', /folds must be a number/],
  [`/evaluate algos:${TEN_KB}`, /algos is too long/],
  // /import, /export, /forget, /help
  ['/import', /^Missing file/],
  ['/import /no/such/dir/ratings.csv', /No file at \/no\/such\/dir\/ratings.csv/],
  ['/import .', /is not a file/],
  ['/export everything', /I don't know what to do with "everything"/],
  ['/forget confirm:maybe', /confirm must be yes or no/],
  ['/forget', /nothing to forget/],
  ['/help nosuch', /There is no \/nosuch/],
  ['/help colour:blue', /\/help has no option "colour"/],
  ['/nosuch', /I don't know \/nosuch/],
  ['/rat The Matrix 4', /I don't know \/rat\. Did you mean \/rate/],
];

describe('commands refuse bad arguments with a clear message and change nothing', () => {
  for (const [line, message] of cases) {
    it(`${line.length > 60 ? `${line.slice(0, 40)}… (${line.length} chars)` : line}`, async () => {
      const { service, ask } = await harness();
      const reply = await ask(line);
      const text = replyText(reply);
      expect(text).toMatch(message);
      expect(reply.ephemeral).toBe(true);
      expect(text).not.toMatch(/\n\s+at .+:\d+:\d+/); // no stack trace
      expect(text.length).toBeLessThan(2000);
      expect(service.writes).toEqual([]);
    });
  }

  it('refuses a path on a chat platform: only the console reads files', async () => {
    const { service, ask } = await harness();
    const reply = await ask('/import /etc/passwd', 'U1', 'slack');
    expect(reply.text).toMatch(/Attach your Letterboxd ratings.csv or IMDb ratings export, or paste its text/);
    expect(service.imported).toEqual([]);
  });
});
