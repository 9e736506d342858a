/**
 * A member reacts to a list: 👍, 👎 (the movie leaves her lists until /unhide or the same
 * button), "seen it" with a score; nobody else can react to her list; the console's keys
 * (+2, -2, seen 2 4.5) become the same /react commands; admins run experiments.
 */
import { describe, expect, it } from 'vitest';
import { resolveReaction, reactionsOf, renderReply } from '../../src/bot/adapters/console.ts';
import { harness, replyText } from './harness.ts';

async function aliceWithAList() {
  const h = await harness();
  for (const [t, s] of [['Alien', 5], ['Hamlet (1996)', 2], ['Fight Club', 4]] as const) await h.ask(`/rate ${t} ${s}`);
  const list = await h.ask('/recommend n:4');
  return { ...h, list, listId: list.feedback!.listId, first: list.items![0].movieId! };
}

describe('reacting to a recommended movie', () => {
  it('every /recommend list carries its reactions', async () => {
    const { list } = await aliceWithAList();
    expect(list.feedback?.listId).toMatch(/^L\d+$/);
    expect(list.items!.every((it) => it.movieId !== undefined)).toBe(true);
  });

  it('👎 hides the movie from her next list; the same button again brings it back', async () => {
    const { ask, listId, first } = await aliceWithAList();
    const no = await ask(`/react list:${listId} movie:${first} kind:not`);
    expect(no.text).toMatch(/stays out of your lists/);
    expect((await ask('/recommend n:4')).items!.map((i) => i.movieId)).not.toContain(first);
    expect((await ask(`/react list:${listId} movie:${first} kind:not`)).text).toMatch(/Took back .* appear in your lists again/);
    expect((await ask('/recommend n:4')).items![0].movieId).toBe(first);
  });

  it('"seen it" needs a score and writes it as her rating', async () => {
    const { ask, service, listId, first } = await aliceWithAList();
    expect((await ask(`/react list:${listId} movie:${first} kind:seen`)).text).toMatch(/needs your score/);
    expect((await ask(`/react list:${listId} movie:${first} kind:seen score:4.5`)).text).toMatch(/^Rated .* 4\.5\.$/);
    expect(service.ratingsOf.get(1)!.find((r) => r.movieId === first)?.rating).toBe(4.5);
  });

  it('nobody else can react to her list, and their click changes nothing', async () => {
    const { ask, service, listId, first } = await aliceWithAList();
    const before = [...service.writes];
    const r = await ask(`/react list:${listId} movie:${first} kind:want`, 'bob');
    expect(r.ephemeral).toBe(true);
    expect(r.text).toMatch(/Only the member this list was made for/);
    expect(service.writes.filter((w) => w.startsWith('react'))).toEqual(before.filter((w) => w.startsWith('react')));
  });

  it('/unhide lists her hidden movies and shows one again', async () => {
    const { ask, listId, first } = await aliceWithAList();
    expect((await ask('/unhide')).text).toMatch(/no movies/);
    await ask(`/react list:${listId} movie:${first} kind:not`);
    expect((await ask('/unhide')).items!.map((i) => i.movieId)).toEqual([first]);
    expect((await ask(`/unhide title:id:${first}`)).text).toMatch(/can appear in your lists again/);
    expect((await ask(`/unhide title:id:${first}`)).text).toMatch(/was not hidden/);
  });
});

describe('reactions on /because and /movienight', () => {
  it("/because's two lists are one list to react to, for a member Marquee knows", async () => {
    const { ask, service } = await aliceWithAList();
    const because = await ask('/because The Matrix 2');
    const movies = because.feedback!.movies!;
    expect(movies.length).toBeGreaterThan(0);
    expect(service.lists.get(because.feedback!.listId)!.movieIds).toEqual(movies.map((m) => m.movieId));
    // a stranger's /because records nothing
    expect((await ask('/because The Matrix 2', 'stranger')).feedback).toBeUndefined();
  });

  it("a movie night's list belongs to the member who asked", async () => {
    const { ask, service } = await aliceWithAList();
    await ask('/rate Alien 4', 'bob');
    const night = await ask('/movienight members:"@bob"');
    const listId = night.feedback!.listId;
    const first = night.items![0].movieId!;
    expect(service.lists.get(listId)!.memberId).toBe(service.findMember('console', 'alice')!.id);
    expect((await ask(`/react list:${listId} movie:${first} kind:want`, 'bob')).text).toMatch(/Only the member/);
    expect((await ask(`/react list:${listId} movie:${first} kind:want`)).text).toMatch(/^👍 Noted/);
  });
});

describe('👎 keeps a movie out of every list she is shown', () => {
  it('/because leaves it out of both of its lists and still shows as many movies', async () => {
    const { ask } = await aliceWithAList();
    const before = await ask('/because The Matrix 3');
    const hiddenId = before.feedback!.movies![0].movieId;
    await ask(`/react list:${before.feedback!.listId} movie:${hiddenId} kind:not`);
    const after = await ask('/because The Matrix 3');
    const ids = after.feedback!.movies!.map((m) => m.movieId);
    expect(ids).not.toContain(hiddenId);
    expect(replyText(after).match(/^\d\. /gmu)?.length).toBe(replyText(before).match(/^\d\. /gmu)?.length);
  });

  it('her movie night leaves it out too, and nobody else learns of it', async () => {
    const { ask } = await aliceWithAList();
    await ask('/rate Alien 4', 'bob');
    const night = await ask('/movienight members:"@bob" n:3');
    const hiddenId = night.items![0].movieId!;
    await ask(`/react list:${night.feedback!.listId} movie:${hiddenId} kind:not`);
    const again = await ask('/movienight members:"@bob" n:3');
    expect(again.items!.map((i) => i.movieId)).not.toContain(hiddenId);
    expect(again.items).toHaveLength(3);
    // Bob's own movie night with Alice is not shaped by Alice's 👎
    const bobs = await ask('/movienight members:"@alice" n:3', 'bob');
    expect(bobs.items!.map((i) => i.movieId)).toContain(hiddenId);
  });
});

describe('/export reactions:yes', () => {
  it('gives the member their own lists and reactions as JSON, and a stranger nothing', async () => {
    const { ask } = await aliceWithAList();
    const r = await ask('/export reactions:yes');
    expect(r.attachment?.mime).toBe('application/json');
    expect(JSON.parse(String(r.attachment!.data))).toEqual({ impressions: ['L1'] });
    expect((await ask('/export reactions:yes', 'stranger')).text).toMatch(/nothing to export/);
  });
});

describe('console keys', () => {
  it('+N, -N and "seen N score" become /react commands on the newest list', async () => {
    const { list, listId } = await aliceWithAList();
    const keys = reactionsOf(list)!;
    const second = list.items![1].movieId!;
    expect(resolveReaction('+2', keys)).toEqual({ command: `/react list:${listId} movie:${second} kind:want` });
    expect(resolveReaction('-2', keys)).toEqual({ command: `/react list:${listId} movie:${second} kind:not` });
    expect(resolveReaction('seen 2 4.5', keys)).toEqual({ command: `/react list:${listId} movie:${second} kind:seen score:4.5` });
    expect(resolveReaction('+9', keys)).toEqual({ error: 'There is no movie 9 in the last list (1 to 4).' });
    expect(resolveReaction('+1', undefined)).toEqual({ error: 'No list to react to yet: /recommend shows one.' });
    expect(resolveReaction('2 4.5', keys)).toBeUndefined();
    expect(renderReply(list, () => '/dev/null')).toMatch(/"\+1" want to watch/);
  });
});

describe('/experiment (admins)', () => {
  it('starts, reports aggregates with a chart, stops and keeps its history', async () => {
    const { ask, service } = await harness();
    expect((await ask('/experiment start a:svd')).text).toMatch(/needs both algorithms/);
    const started = await ask('/experiment start a:svd b:popular');
    expect(started.title).toBe('Experiment 1 started: svd vs popular');
    expect((await ask('/experiment start a:svd b:baseline')).text).toMatch(/still running/);
    const status = await ask('/experiment status');
    expect(replyText(status)).toMatch(/svd: 9 · popular: 3 · neither: 8/);
    expect(replyText(status)).toMatch(/no winner yet at α = 0.05 \(p = 0.146\)/);
    expect(status.image?.filename).toBe('experiment-1.png');
    const stopped = await ask('/experiment stop');
    expect(stopped.footer).toMatch(/history/);
    expect(service.experiment).toBeUndefined();
    const history = await ask('/experiment history');
    expect(history.table!.rows[0]).toEqual(['1', 'svd vs popular', expect.any(String), expect.any(String), '40', '9:3:8', '0.146', '—']);
    const idle = await ask('/experiment status');
    expect(replyText(idle)).toMatch(/No experiment is running[\s\S]*svd: 25.0 % of 20 shown/);
  });

  it('is refused to members who are not admins', async () => {
    const { ask, service } = await harness({ admins: [{ platform: 'console', userId: 'root' }] });
    expect((await ask('/experiment start a:svd b:popular')).text).toMatch(/admins only/);
    expect(service.experiment).toBeUndefined();
  });
});
