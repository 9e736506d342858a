import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { actionMenu, fileSaver, renderReply, renderTable, resolveInput, runConsole, textWidth } from '../../src/bot/adapters/console.ts';
import type { Reply } from '../../src/bot/reply.ts';
import { harness } from '../commands/harness.ts';

const noFiles = (): string => {
  throw new Error('nothing should be saved');
};

describe('the console renders every reply shape as text', () => {
  it('title, text, numbered items with reasons, fields and a footer', () => {
    const reply: Reply = {
      title: 'Recommended for you',
      text: 'Based on your 7 ratings.',
      items: [
        { label: 'Alien (1979)', detail: 'predicted 4.6', why: 'because you rated Aliens 5' },
        { label: 'Heat (1995)' },
      ],
      fields: [
        { name: 'Genres', value: 'Horror, Sci-Fi', inline: true },
        { name: 'Similar', value: '1. Aliens\n2. Predator' },
      ],
      footer: 'by svd',
    };
    expect(renderReply(reply, noFiles)).toBe(
      [
        'Recommended for you',
        '===================',
        'Based on your 7 ratings.',
        '1. Alien (1979) — predicted 4.6',
        '   because you rated Aliens 5',
        '2. Heat (1995)',
        'Genres: Horror, Sci-Fi',
        'Similar:',
        '  1. Aliens',
        '  2. Predator',
        '-- by svd',
      ].join('\n'),
    );
  });

  it('aligns tables: text left, numbers right, wide characters counted as two columns', () => {
    expect(renderTable(['algorithm', 'RMSE'], [['svd', '0.8736'], ['knn-user', '0.89'], ['電影', '1']])).toBe(
      ['algorithm    RMSE', '---------  ------', 'svd        0.8736', 'knn-user     0.89', '電影            1'].join('\n'),
    );
    expect(textWidth('🎬 ok')).toBe(5);
  });

  it('numbers choices, and items that are the choices are picked by their own numbers', () => {
    const choose: Reply = {
      title: 'Which “Hamlet”?',
      items: [
        { label: 'Hamlet (1996)', movieId: '1411' },
        { label: 'Hamlet (2000)', movieId: '3598' },
      ],
      actions: [
        { kind: 'choose', id: 'choose:1411', label: 'Hamlet (1996)', command: '/rate title:id:1411 score:4' },
        { kind: 'choose', id: 'choose:3598', label: 'Hamlet (2000)', command: '/rate title:id:3598 score:4' },
      ],
    };
    expect(renderReply(choose, noFiles)).toBe(
      ['Which “Hamlet”?', '===============', '1. Hamlet (1996)', '2. Hamlet (2000)', 'Type a number to choose.'].join('\n'),
    );
    const page: Reply = { text: 'Page 2', actions: [{ kind: 'page', id: 'p1', label: 'Previous page', command: '/ratings page:1' }, { kind: 'page', id: 'p3', label: 'Next page', command: '/ratings page:3' }] };
    expect(renderReply(page, noFiles)).toBe(['Page 2', '[1] Previous page', '[2] Next page', 'Type a number to choose.'].join('\n'));
    const menu = actionMenu(page);
    expect(resolveInput('2', menu)).toEqual({ command: '/ratings page:3' });
    expect(resolveInput('3', menu)).toEqual({ error: 'There is no choice 3 (1 to 2).' });
    expect(resolveInput('/top', menu)).toEqual({ command: '/top' });
  });

  it('offers rate actions as "number and score"', () => {
    const reply: Reply = {
      items: [{ label: 'Alien (1979)', movieId: '1214' }],
      actions: [{ kind: 'rate', id: 'rate:1214', label: 'Rate Alien (1979)', command: '/rate title:id:1214 score:' }],
    };
    expect(renderReply(reply, noFiles)).toBe('1. Alien (1979)\nTo rate one of these, type its number and a score, e.g. "1 4.5".');
    const menu = actionMenu(reply);
    expect(resolveInput('1 4.5', menu)).toEqual({ command: '/rate title:id:1214 score:4.5' });
    expect(resolveInput('1', menu)).toEqual({ error: 'Add a score to rate it, e.g. "1 4.5".' });
    expect(resolveInput('2 4', menu)).toEqual({ error: 'There is no movie 2 to rate here (1 to 1).' });
    const confirm: Reply = { text: 'Sure?', actions: [{ kind: 'confirm', id: 'forget:confirm', label: 'Yes, delete all my data', command: '/forget confirm:yes' }] };
    expect(renderReply(confirm, noFiles)).toBe('Sure?\n[1] Yes, delete all my data\nType yes (or 1) to confirm, no to cancel.');
    const asked = actionMenu(confirm);
    expect(resolveInput('yes', asked)).toEqual({ command: '/forget confirm:yes' });
    expect(resolveInput('Y', asked)).toEqual({ command: '/forget confirm:yes' });
    expect(resolveInput('no', asked)).toEqual({ said: 'Cancelled: nothing was changed.' });
    expect(resolveInput('yes', { pick: [], rate: [] })).toEqual({ command: 'yes' });
  });

  it('saves images and attachments to files and shows where, never overwriting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'marquee-out-'));
    const save = fileSaver(dir);
    const reply: Reply = {
      table: { columns: ['algorithm', 'RMSE'], rows: [['svd', '0.8736']] },
      image: { png: new Uint8Array([0x89, 0x50, 0x4e, 0x47]), alt: 'RMSE by algorithm', filename: 'evaluation.png' },
      attachment: { name: '../../etc/ratings.csv', mime: 'text/csv', data: 'movieId,rating\n1,4\n' },
    };
    const text = renderReply(reply, save);
    expect(text).toContain(`[image: RMSE by algorithm] saved to ${join(dir, 'evaluation.png')}`);
    expect(text).toContain(`[file: ../../etc/ratings.csv] saved to ${join(dir, '_.._etc_ratings.csv')}`);
    expect(readFileSync(join(dir, '_.._etc_ratings.csv'), 'utf8')).toBe('movieId,rating\n1,4\n');
    expect(renderReply(reply, save)).toContain(join(dir, 'evaluation-1.png'));
  });
});

async function session(lines: string[]) {
  const { service, dispatcher } = await harness();
  const input = new PassThrough();
  const output = new PassThrough();
  const status = new PassThrough();
  let out = '';
  let err = '';
  output.on('data', (d) => (out += d));
  status.on('data', (d) => (err += d));
  const done = runConsole({ dispatcher, user: { userId: 'alice' }, input, output, status, outDir: mkdtempSync(join(tmpdir(), 'marquee-out-')), interactive: false });
  input.end(lines.join('\n') + '\n');
  await done;
  return { service, out, err };
}

describe('a console session', () => {
  it('answers piped lines in order on stdout and ends with the input', async () => {
    const { out } = await session(['/top n:2', '# a comment', '', 'rate The Matrix 4']);
    expect(out).toBe(
      [
        'Top 2 movies',
        '============',
        '1. Toy Story (1995) — average 4.40 from 100 ratings',
        '2. The Matrix (1999) — average 4.30 from 99 ratings',
        '-- Ranked by a weighted average, so a handful of perfect scores does not beat a classic.',
        '',
        'Rated The Matrix (1999): ★★★★ 4.',
        '-- You have 1 rating. Rate 2 more to unlock personal recommendations.',
        '',
        '',
      ].join('\n'),
    );
  });

  it('lets the member pick a choice by number and rate from a list with "number score"', async () => {
    const { service, out } = await session(['/rate Hamlet 3', '2', '/recommend 3', '1 5', '3 4.5', 'quit', '/rate Alien 1']);
    expect(out).toContain('Rated Hamlet (2000): ★★★ 3.');
    expect(out).toContain('Rated Toy Story (1995): ★★★★★ 5.');
    expect(out).toContain('Rated The Matrix Reloaded (2003): ★★★★½ 4.5.');
    expect(service.writes).toEqual(['rate 1 3598 3', 'rate 1 1 5', 'rate 1 6365 4.5']); // nothing after quit
  });

  it('uses a list of choices once: picking 1 then typing 2 does not rate the other movie too', async () => {
    const { service, out } = await session(['/rate Hamlet 4', '1', '2']);
    expect(service.writes).toEqual(['rate 1 1411 4']);
    expect(out).toContain('Rated Hamlet (1996): ★★★★ 4.');
    expect(out.trimEnd().split('\n').at(-1)).toBe('Nothing to choose here: those choices were used up. Type the command again for new ones.');
  });

  it('retires the choices when a typed command changes the member’s data', async () => {
    const retired = await session(['/rate Hamlet 4', '/rate Alien 5', '2']);
    expect(retired.service.writes).toEqual(['rate 1 1214 5']);
    expect(retired.out).toContain('Nothing to choose here');
  });

  it('a number answers only the newest answer: a look elsewhere expires the old choices', async () => {
    const { service, out } = await session(['/rate Hamlet 4', '/help', '2']);
    expect(service.writes).toEqual([]);
    expect(out.trimEnd().split('\n').at(-1)).toBe('Those choices have expired: a number answers only the latest answer, which has none. Type the command again for new ones.');
  });

  it('an old one-choice menu does not answer for a newer list shown without choices', async () => {
    // "Did you mean Fight Club?" (one choice), then the chart (a list without choices), then 2:
    // before, the old menu answered "There is no choice 2 (1 to 1)"
    const { service, out } = await session(['/rate fight culb 4', '/top n:3', '2', '2 4']);
    expect(service.writes).toEqual([]);
    const answers = out.trimEnd().split('\n\n');
    expect(answers.at(-2)).toBe('Those choices have expired: a number answers only the latest answer, which has none. Type the command again for new ones.');
    expect(answers.at(-1)).toBe('Those choices have expired: a number answers only the latest answer, which has none. Type the command again for new ones.');
  });

  it('yes at the /forget prompt confirms; no cancels and deletes nothing', async () => {
    const yes = await session(['/rate Alien 5', '/forget', 'yes']);
    expect(yes.service.writes).toEqual(['rate 1 1214 5', 'forget 1']);
    expect(yes.out.trimEnd().split('\n').at(-1)).toBe('Done: I deleted your 1 rating and your member record.');
    const no = await session(['/rate Alien 5', '/forget', 'no', 'yes']);
    expect(no.service.writes).toEqual(['rate 1 1214 5']);
    expect(no.out).toContain('Cancelled: nothing was changed.');
    expect(no.out.trimEnd().split('\n').at(-1)).toMatch(/^I don't know \/yes\./);
  });

  it('keeps a list open for rating its other movies by number, until a typed change retires it', async () => {
    const { service, out } = await session(['/recommend 3', '1 5', '3 4', '/rate Alien 2', '2 4']);
    expect(service.writes).toEqual(['rate 1 1 5', 'rate 1 6365 4', 'rate 1 1214 2']);
    expect(out.trimEnd().split('\n').at(-1)).toBe('Nothing here to rate by number. Use /rate <title> <score>.');
  });

  it('a confirmation is used once too', async () => {
    const { service, out } = await session(['/rate Alien 5', '/forget', '1', '1']);
    expect(service.writes).toEqual(['rate 1 1214 5', 'forget 1']);
    expect(out.trimEnd().split('\n').at(-1)).toBe('Nothing to choose here: those choices were used up. Type the command again for new ones.');
  });

  it('shows progress of long commands on stderr, not stdout', async () => {
    const { out, err } = await session(['/evaluate folds:2']);
    expect(err).toBe('… Evaluating the trained algorithms; the bot keeps answering meanwhile.\n… fold 1 of 2 (1/2)\n… fold 2 of 2 (2/2)\n');
    expect(out).toMatch(/^Evaluation on ml-latest-small: 2-fold cross-validation\n/);
    expect(out).toContain('algorithm             HR@10    ±95%   fit s\n-------------------  ------  ------  ------\nease                 0.2574  0.0347  9.1000');
  });
});
