import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDecade } from '../../commands/top.ts';
import { splitAlgorithms } from '../../commands/evaluate.ts';
import { harness, replyText } from './harness.ts';

describe('a member rates movies', () => {
  it('rates, then rating again says what it was updated from', async () => {
    const { service, ask } = await harness();
    const first = await ask('/rate The Matrix 4');
    expect(first.text).toBe('Rated The Matrix (1999): ★★★★ 4.');
    expect(first.footer).toBe('You have 1 rating. Rate 2 more to unlock personal recommendations.');
    expect(first.ephemeral).toBe(true);
    expect((await ask('/rate the matrix 2.5')).text).toBe('Updated The Matrix (1999) from 4 to ★★½ 2.5.');
    expect((await ask('/rate id:2571 2.5')).text).toBe('Updated The Matrix (1999) from 2.5 to ★★½ 2.5 (no change).');
    expect(service.writes).toEqual(['rate 1 2571 4', 'rate 1 2571 2.5', 'rate 1 2571 2.5']);
  });

  it('offers numbered choices for an ambiguous title, each re-running /rate with the movie id', async () => {
    const { service, ask } = await harness();
    const reply = await ask('/rate Hamlet 4.5');
    expect(reply.items?.map((i) => i.label)).toEqual(['Hamlet (1996)', 'Hamlet (2000)']);
    expect(reply.actions).toEqual([
      { kind: 'choose', id: 'choose:1411', label: 'Hamlet (1996)', command: '/rate title:id:1411 score:4.5' },
      { kind: 'choose', id: 'choose:3598', label: 'Hamlet (2000)', command: '/rate title:id:3598 score:4.5' },
    ]);
    expect(service.writes).toEqual([]);
    expect((await ask(reply.actions![1].command!)).text).toBe('Rated Hamlet (2000): ★★★★½ 4.5.');
  });

  it('suggests close titles for an unknown one', async () => {
    const { ask } = await harness();
    const reply = await ask('/movie Aliens');
    expect(reply.title).toBe('No movie called “Aliens”');
    expect(reply.actions?.map((a) => a.command)).toEqual(['/movie title:id:1214', '/movie title:id:1320']);
  });

  it('asks "Did you mean …?" for the first words of a title, and rates only once it is chosen', async () => {
    const { service, ask } = await harness();
    const guess = await ask('/rate Star Wars 4');
    expect(guess.title).toBe('Did you mean Star Wars: Episode IV - A New Hope (1977)?');
    expect(guess.text).toBe('No movie is called exactly “Star Wars”. Choose it to go ahead, or type the title in full (the year helps):');
    expect(guess.actions).toEqual([
      { kind: 'choose', id: 'choose:260', label: 'Star Wars: Episode IV - A New Hope (1977)', command: '/rate title:id:260 score:4' },
    ]);
    expect(guess.ephemeral).toBe(true);
    expect(service.writes).toEqual([]);
    expect((await ask(guess.actions![0].command!)).text).toBe('Rated Star Wars: Episode IV - A New Hope (1977): ★★★★ 4.');
    expect(service.writes).toEqual(['rate 1 260 4']);
  });

  it('asks about a typo too, for /rate and /unrate alike, writing nothing', async () => {
    const { service, ask } = await harness();
    await ask('/rate Fight Club 4');
    const rate = await ask('/rate Fight Culb 2');
    expect(rate.title).toBe('Did you mean Fight Club (1999)?');
    expect(rate.actions?.map((a) => a.command)).toEqual(['/rate title:id:2959 score:2']);
    const unrate = await ask('/unrate Fight Culb');
    expect(unrate.title).toBe('Did you mean Fight Club (1999)?');
    expect(unrate.actions?.map((a) => a.command)).toEqual(['/unrate title:id:2959']);
    expect(service.writes).toEqual(['rate 1 2959 4']);
  });

  it('rates a title ending in a number only once the score is clear', async () => {
    const { service, ask } = await harness();
    expect((await ask('/rate Toy Story 3')).text).toMatch(/^Missing score: how many stars for Toy Story 3 \(2010\)\?/);
    expect((await ask('/rate Toy Story 3 4')).text).toBe('Rated Toy Story 3 (2010): ★★★★ 4.');
    expect((await ask('/rate "Toy Story" 3')).text).toBe('Rated Toy Story (1995): ★★★ 3.');
    expect(service.writes).toEqual(['rate 1 78499 4', 'rate 1 1 3']);
  });

  it('removes a rating, and says so when there was none', async () => {
    const { ask } = await harness();
    await ask('/rate Alien 5');
    expect((await ask('/unrate Alien')).text).toBe('Removed your rating of Alien (1979).');
    expect((await ask('/unrate Alien')).text).toBe('You had not rated Alien (1979); nothing to remove.');
  });

  it('lists ratings newest first, ten a page, with page actions', async () => {
    const { service, ask } = await harness();
    const me = service.member('console', 'alice');
    for (let i = 0; i < 23; i++) service.rate(me, ['1', '2571', '260'][i % 3], 3);
    // the fake keeps one rating per movie; give it many distinct ones instead
    service.ratingsOf.set(
      me.id,
      Array.from({ length: 23 }, (_, i) => ({ movieId: '1214', rating: (i % 10) / 2 + 0.5, ratedAt: 1_700_000_000_000 - i * 86_400_000 })),
    );
    const p1 = await ask('/ratings');
    expect(p1.title).toBe('Your ratings (page 1 of 3)');
    expect(p1.items).toHaveLength(10);
    expect(p1.items?.[0].detail).toBe('½ 0.5 · 2023-11-14');
    expect(p1.actions).toEqual([{ kind: 'page', id: 'ratings:2', label: 'Next page', command: '/ratings page:2' }]);
    const p3 = await ask('/ratings 3');
    expect(p3.items).toHaveLength(3);
    expect(p3.actions?.map((a) => a.label)).toEqual(['Previous page']);
    expect((await ask('/ratings 4')).text).toBe('There is no page 4: your 23 ratings fill 3 pages.');
  });
});

describe('recommendations', () => {
  it('shows a popularity chart with rate buttons until the member has rated enough', async () => {
    const { ask } = await harness();
    await ask('/rate Toy Story 4');
    const cold = await ask('/recommend 3');
    expect(cold.title).toBe('Popular picks to start with');
    expect(cold.text).toMatch(/^You have 1 rating\. Rate 2 more to unlock personal recommendations\./);
    expect(cold.actions).toEqual([
      { kind: 'rate', id: 'rate:2571', label: 'Rate The Matrix (1999)', command: '/rate title:id:2571 score:' },
      { kind: 'rate', id: 'rate:6365', label: 'Rate The Matrix Reloaded (2003)', command: '/rate title:id:6365 score:' },
      { kind: 'rate', id: 'rate:260', label: 'Rate Star Wars: Episode IV - A New Hope (1977)', command: '/rate title:id:260 score:' },
    ]);
    // a rate button's command plus a score is a valid /rate
    expect((await ask(`${cold.actions![0].command}4.5`)).text).toBe('Rated The Matrix (1999): ★★★★½ 4.5.');
    await ask('/rate Alien 5');
    const warm = await ask('/recommend knn-user 2');
    expect(warm.title).toBe('Recommended for you');
    expect(warm.items?.map((i) => [i.label, i.detail, i.why])).toEqual([
      ['The Matrix Reloaded (2003)', 'predicted 4.8', 'because you rated Alien 5'],
      ['Star Wars: Episode IV - A New Hope (1977)', 'predicted 4.7', 'popular with members like you'],
    ]);
    expect(warm.footer).toBe('by knn-user');
  });

  it('/because gives two lists; /movie the details; /top the chart', async () => {
    const { ask } = await harness();
    const because = await ask('/because The Matrix 2');
    // alice has not rated The Matrix, so it is not "Because you liked" it
    expect(because.title).toBe('Movies like The Matrix (1999)');
    expect(because.fields?.map((f) => f.name)).toEqual(['Similar in content', 'Members who liked it also liked']);
    expect(because.fields?.[0].value).toBe('1. Toy Story (1995) — shared: Sci-Fi\n2. The Matrix Reloaded (2003) — shared: Sci-Fi');
    const movie = await ask('/movie Alien (1979)');
    expect(movie.title).toBe('Alien (1979)');
    expect(Object.fromEntries(movie.fields!.map((f) => [f.name, f.value]))).toMatchObject({
      Genres: 'Horror, Sci-Fi',
      "Members' rating": '4.16 from 278 ratings',
      'Your rating': 'not rated (/rate id:1214 4)',
    });
    const top = await ask('/top Sci-Fi 70s n:5');
    expect(top.title).toBe('Top 2 Sci-Fi movies of the 1970s');
    expect(top.items?.map((i) => i.label)).toEqual(['Star Wars: Episode IV - A New Hope (1977)', 'Alien (1979)']);
    expect((await ask('/top Drama 1950s')).text).toBe('No rated movies found for Drama movies from the 1950s.');
  });

  it('/movie and /because take a guessed title but say which movie they took', async () => {
    const { ask } = await harness();
    const movie = await ask('/movie Fight Culb');
    expect(movie.title).toBe('Fight Club (1999)');
    expect(movie.text).toBe('You typed “Fight Culb”; the closest title is Fight Club (1999).');
    const because = await ask('/because Star Wars 2');
    expect(because.title).toBe('Movies like Star Wars: Episode IV - A New Hope (1977)');
    expect(because.text).toBe('You typed “Star Wars”; the closest title is Star Wars: Episode IV - A New Hope (1977).');
  });

  it('/because says "liked" only for a movie the member rated highly', async () => {
    const { ask } = await harness();
    expect((await ask('/because Alien')).title).toBe('Movies like Alien (1979)');
    await ask('/rate Alien 4');
    expect((await ask('/because Alien')).title).toBe('Because you liked Alien (1979)');
    await ask('/rate Alien 2');
    expect((await ask('/because Alien')).title).toBe('Because you watched Alien (1979)');
  });

  it('/top says plainly when nothing matches', async () => {
    const { ask } = await harness();
    expect((await ask('/top decade:2100')).text).toBe('No rated movies found from the 2100s.');
    expect((await ask('/top Drama 2100s')).text).toBe('No rated movies found for Drama movies from the 2100s.');
  });

  it('/recommend with an unknown algorithm says so and lists the accepted ones', async () => {
    const { ask } = await harness();
    const reply = await ask('/recommend foo');
    expect(reply.text).toMatch(/^algo "foo" is not one I know\. Accepted: svd, knn-user, knn-item, baseline, popular, content\.\n/);
    expect(reply.text).not.toMatch(/what to do with/);
  });

  it('/movienight needs known members and shows only the group', async () => {
    const { service, ask } = await harness();
    service.member('console', 'bob');
    const night = await ask('/movienight @bob n:2');
    expect(night.title).toBe('Movie night for 2');
    expect(night.items?.map((i) => i.why)).toEqual(['liked across the group of 2', 'liked across the group of 2']);
    expect(night.ephemeral).toBeUndefined();
  });

  it('reads decades and algorithm lists forgivingly', () => {
    expect(['1990s', '1990', '1995', '90s', "'90s", '30s'].map((d) => parseDecade(d).decade)).toEqual([1990, 1990, 1990, 1990, 1990, 1930]);
    // two digits from 00s to 20s name two decades: the recent one first, the other kept
    expect(['00s', '10s', '20s'].map(parseDecade)).toEqual([
      { decade: 2000, other: 1900 },
      { decade: 2010, other: 1910 },
      { decade: 2020, other: 1920 },
    ]);
    expect(splitAlgorithms('svd, knn-basic:user_based=false,name=pearson;popular')).toEqual([
      'svd',
      'knn-basic:user_based=false,name=pearson',
      'popular',
    ]);
  });
});

describe("a member's data", () => {
  it('exports ratings as a CSV attachment', async () => {
    const { ask } = await harness();
    expect((await ask('/export')).text).toBe("You haven't rated anything yet, so there is nothing to export.");
    await ask('/rate Alien 5');
    const reply = await ask('/export');
    expect(reply.attachment?.mime).toBe('text/csv');
    expect(reply.attachment?.name).toMatch(/^marquee-ratings-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(String(reply.attachment?.data)).toMatch(/^movieId,title,rating,ratedAt\n1214,"Alien",5,/);
  });

  it('imports a file on the console and lists what did not match', async () => {
    const { service, ask } = await harness();
    const dir = mkdtempSync(join(tmpdir(), 'marquee-import-'));
    const file = join(dir, 'ratings.csv');
    writeFileSync(file, 'Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Alien,1979,https://boxd.it/1,5\n');
    const reply = await ask(`/import ${file}`);
    expect(reply.text).toBe('Imported 2 new ratings; updated 1 rating. 1 title could not be matched:');
    expect(reply.items).toEqual([{ label: 'Unknown Film (2021)', detail: 'no movie with this title and year' }]);
    expect(service.imported).toEqual(['Date,Name,Year,Letterboxd URI,Rating\n2024-01-01,Alien,1979,https://boxd.it/1,5\n']);
  });

  it('an import says which newer ratings of the member it kept', async () => {
    const { service, ask } = await harness();
    const plain = service.importRatings.bind(service);
    service.importRatings = (member, csv) => ({
      ...plain(member, csv),
      kept: [{ title: 'Alien', year: 1979, reason: "kept your newer rating (5 on 2026-11-29); the file's 3 is from 2019-05-01" }],
    });
    const dir = mkdtempSync(join(tmpdir(), 'marquee-import-'));
    const file = join(dir, 'ratings.csv');
    writeFileSync(file, 'Date,Name,Year,Letterboxd URI,Rating\n2019-05-01,Alien,1979,https://boxd.it/1,3\n');
    const reply = await ask(`/import ${file}`);
    expect(reply.text).toBe('Imported 2 new ratings; updated 1 rating. Kept your newer rating of 1 title. 1 title could not be matched.');
    expect(reply.items).toEqual([
      { label: 'Unknown Film (2021)', detail: 'not matched: no movie with this title and year' },
      { label: 'Alien (1979)', detail: "kept your newer rating (5 on 2026-11-29); the file's 3 is from 2019-05-01" },
    ]);
  });

  it('looking creates no member record: /ratings, /movie, /recommend, /because, /export', async () => {
    const { service, ask } = await harness();
    expect((await ask('/ratings')).text).toBe("You haven't rated any movies yet. Try /rate The Matrix 4.5, or /top to find some.");
    expect(Object.fromEntries((await ask('/movie Alien')).fields!.map((f) => [f.name, f.value]))['Your rating']).toBe('not rated (/rate id:1214 4)');
    expect((await ask('/recommend 2')).title).toBe('Popular picks to start with');
    expect((await ask('/because Alien')).title).toBe('Movies like Alien (1979)');
    expect((await ask('/export')).text).toBe("You haven't rated anything yet, so there is nothing to export.");
    expect(service.members.size).toBe(0);
    // and after /forget, looking does not bring the record back
    await ask('/rate Alien 5');
    await ask('/forget confirm:yes');
    expect(service.members.size).toBe(0);
    await ask('/ratings');
    await ask('/recommend');
    await ask('/movie Alien');
    expect(service.members.size).toBe(0);
  });

  it('forgets a member only after confirmation', async () => {
    const { service, ask } = await harness();
    await ask('/rate Alien 5');
    // quoted: "Toy Story 3" is a movie of its own, so unquoted it would ask for the score
    await ask('/rate "Toy Story" 3');
    const ask1 = await ask('/forget');
    expect(ask1.text).toBe('This deletes your 2 ratings and your member record. It cannot be undone.');
    expect(ask1.actions).toEqual([{ kind: 'confirm', id: 'forget:confirm', label: 'Yes, delete all my data', command: '/forget confirm:yes' }]);
    expect(service.writes.filter((w) => w.startsWith('forget'))).toEqual([]);
    expect((await ask(ask1.actions![0].command!)).text).toBe('Done: I deleted your 2 ratings and your member record.');
    expect(service.members.size).toBe(0);
    expect((await ask('/forget confirm:yes')).text).toBe('Marquee keeps no data about you: there is nothing to forget.');
  });
});

describe('/help', () => {
  it('lists every command with its syntax, generated from the definitions', async () => {
    const { ask } = await harness();
    const help = await ask('/help');
    expect(help.items?.map((i) => i.label)).toContain('/rate <title> <score>');
    expect(help.items?.map((i) => i.label)).toContain('/evaluate [algos] [protocol] [folds]');
    expect(replyText(help)).toMatch(/by name, in any order: \/rate score:4\.5 title:"The Matrix"/);
    expect(replyText(help)).toMatch(/type its number and a score to rate it: 2 4\.5/);
    // a non-admin does not see admin commands
    const slack = await ask('/help', 'U1', 'slack');
    expect(slack.items?.map((i) => i.label)).not.toContain('/evaluate [algos] [protocol] [folds]');
    expect(replyText(slack)).not.toMatch(/On the console/);
    // the console tips say that a number answers only the latest answer, and yes/no confirms
    expect(replyText(help)).toMatch(/only from the latest answer/);
    expect(replyText(help)).toMatch(/type yes to confirm or no to cancel/);
    const one = await ask('/help rate');
    expect(one.title).toBe('/rate <title> <score>');
    expect(one.fields).toEqual([
      { name: 'title', value: 'a movie title such as The Matrix (the year is optional), or id:<movieId>' },
      { name: 'score', value: 'your rating; a number from 0.5 to 5 in steps of 0.5' },
    ]);
  });
});

describe('issue 9: what members were told wrong', () => {
  it('/because The Matrix 11: n is 1 to 10, said plainly, rather than a search for "The Matrix 11"', async () => {
    const { ask } = await harness();
    const reply = await ask('/because the matrix 11');
    expect(reply.text).toMatch(/^n must be from 1 to 10 \(you gave 11\)\.\n\nUsage: \/because <title> \[n\]/);
    expect(reply.ephemeral).toBe(true);
  });

  it('/because with a title that ends in a number keeps the number in the title and the default count', async () => {
    const { ask } = await harness();
    const reply = await ask('/because Toy Story 3');
    expect(reply.title).toBe('Movies like Toy Story 3 (2010)');
    expect(reply.fields?.[0].value.split('\n')).toHaveLength(5);
    const two = await ask('/because The Matrix 2');
    expect(two.title).toBe('Movies like The Matrix (1999)');
    expect(two.fields?.[0].value.split('\n')).toHaveLength(2);
  });

  it('/rate Toy Story 3 asks for the score of Toy Story 3 and says how to rate Toy Story with 3, writing nothing', async () => {
    const { service, ask } = await harness();
    const reply = await ask('/rate Toy Story 3');
    expect(reply.text).toMatch(
      /^Missing score: how many stars for Toy Story 3 \(2010\)\? For Toy Story \(1995\) with score 3, type \/rate title:"Toy Story" score:3\.\n\nUsage: \/rate <title> <score>/,
    );
    expect(service.writes).toEqual([]);
    expect((await ask('/rate Toy Story 3 4')).text).toBe('Rated Toy Story 3 (2010): ★★★★ 4.');
  });

  it('/rate looks a title up once, or twice when the line ends in a number that could be the title\'s', async () => {
    const { service, ask } = await harness();
    const looked: string[] = [];
    const resolve = service.resolveTitle.bind(service);
    service.resolveTitle = (q) => {
      looked.push(q);
      return resolve(q);
    };
    await ask('/rate "The Matrix" 4');
    expect(looked).toEqual(['The Matrix']);
    looked.length = 0;
    await ask('/rate The Matrix 4.5');
    expect(looked).toEqual(['The Matrix 4.5', 'The Matrix']);
    expect(service.writes).toEqual(['rate 1 2571 4', 'rate 1 2571 4.5']);
  });

  it('/rate counts the ratings from what rate() returns, without reading them all again', async () => {
    const { service, ask } = await harness();
    let reads = 0;
    const ratings = service.ratings.bind(service);
    service.ratings = (m) => {
      reads++;
      return ratings(m);
    };
    await ask('/rate Alien 4');
    const third = await ask('/rate The Matrix 4.5');
    expect(third.footer).toBe('You have 2 ratings. Rate 1 more to unlock personal recommendations.');
    expect(reads).toBe(0);
  });

  it('/recommend content with no ratings says one rating is enough, not the cold-start threshold', async () => {
    const { ask } = await harness({ fake: { coldStart: 5 } });
    const reply = await ask('/recommend content');
    expect(reply.text).toBe('You have 0 ratings. content works from your first rating: rate one movie, then ask again. Seen any of these? Rate them:');
    expect(replyText(reply)).not.toMatch(/starts after|Rate 5 more/);
    // other algorithms still wait for the threshold
    expect((await ask('/recommend svd')).text).toMatch(/Rate 5 more to unlock personal recommendations/);
  });

  it('/recommend svd:n_factors=10: parameters are for the CLI, and the plain names are listed', async () => {
    const { service, ask } = await harness();
    const reply = await ask('/recommend svd:n_factors=10');
    expect(reply.text).toMatch(/^algo "svd:n_factors=10": parameters such as svd:n_factors=10 are for comparing algorithms on the command line \(npm run evaluate\), not for chat\. Here, name one of: svd, knn-user, knn-item, baseline, popular, content\./);
    expect(service.writes).toEqual([]);
  });

  it('/top says how many movies qualify when it shows fewer than asked, and how to widen', async () => {
    const { service, ask } = await harness();
    const horror = await ask('/top Horror');
    expect(horror.items).toHaveLength(2);
    expect(horror.text).toBe(
      'Only 2 movies qualify: a movie needs at least 90 ratings (the 95th percentile of rating counts among these movies). To see more, lower the bar: /top Horror percentile:80',
    );
    await ask('/top Horror percentile:80');
    expect(service.topAsked.at(-1)).toEqual({ genre: 'Horror', decade: undefined, n: 10, percentile: 0.8 });
    // enough qualify: nothing to explain
    expect((await ask('/top Horror n:2')).text).toBeUndefined();
  });

  it('/top n:1 says "movie", not "movies"', async () => {
    const { ask } = await harness();
    expect((await ask('/top n:1')).title).toBe('Top 1 movie');
    expect((await ask('/top Horror n:1')).title).toBe('Top 1 Horror movie');
  });

  it('/top 10s reads the 2010s and says how to ask for the 1910s', async () => {
    const { service, ask } = await harness();
    const reply = await ask('/top 10s');
    expect(reply.title).toBe('Top 1 movie of the 2010s');
    expect(reply.text).toMatch(/^I read 10s as the 2010s; for the 1910s, type \/top 1910s\./);
    expect(service.topAsked.map((a) => a.decade)).toEqual([2010]);
  });

  it('/top 20s with nothing from the 2020s tries the 1920s too, and says what it read', async () => {
    const { service, ask } = await harness();
    const reply = await ask('/top 20s');
    expect(service.topAsked.map((a) => a.decade)).toEqual([2020, 1920]);
    expect(reply.text).toBe('I read 20s as the 2020s; for the 1920s, type /top 1920s.\nNo rated movies found from the 2020s.');
  });

  it('/forget confirm:no cancels and says so; /forget alone asks', async () => {
    const { service, ask } = await harness();
    await ask('/rate Alien 5');
    const no = await ask('/forget confirm:no');
    expect(no.text).toBe('Cancelled: I deleted nothing, and your ratings stay as they are.');
    expect(no.actions).toBeUndefined();
    expect(service.writes).toEqual(['rate 1 1214 5']);
    expect((await ask('/forget')).title).toBe('Forget you?');
  });

  it('/help recommend lists the algorithms, what knn-user and knn-item are, and the default with its reason', async () => {
    const { ask } = await harness();
    const help = await ask('/help recommend');
    expect(help.text).toContain('• knn-user — user-based k-nearest neighbours: members who rate like you (pearson-baseline similarity)');
    expect(help.text).toContain('• knn-item — item-based k-nearest neighbours: movies rated like the ones you rated (pearson-baseline similarity)');
    expect(help.text).toContain('• content — movies whose genres, keywords and story resemble the ones you liked (works from your first rating)');
    expect(help.text).toMatch(/parameters such as svd:n_factors=10 are for npm run evaluate/);
    expect(help.text).toMatch(/\nDefault: svd, because it scored best in the last offline evaluation\.$/);
    // other commands have no algorithm list
    expect((await ask('/help rate')).text).toBe('Rate a movie from 0.5 to 5 stars (rating it again updates your rating)');
  });
});
