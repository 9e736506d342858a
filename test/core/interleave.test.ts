import { describe, expect, it } from 'vitest';
import { creditList, teamDraft } from '../../src/core/interleave.ts';

/** A coin that answers from a script: true = A picks first this round. */
function scripted(...flips: boolean[]): () => boolean {
  let k = 0;
  return () => {
    if (k >= flips.length) throw new Error('the coin was tossed more often than scripted');
    return flips[k++];
  };
}

describe('team-draft interleaving (Radlinski, Kurup, Joachims 2008)', () => {
  // The paper's running example (Fig. 1/Table 1 style): A = (a, b, c, d), B = (b, e, a, f).
  const A = ['a', 'b', 'c', 'd'];
  const B = ['b', 'e', 'a', 'f'];

  it('lets the coin winner pick its best movie first, then the other team its best not yet taken', () => {
    // round 1: A first → a (A), then B's best not shown → b (B)
    // round 2: B first → e (B), then A's best not shown → c (A)
    const picks = teamDraft(A, B, 4, scripted(true, false));
    expect(picks).toEqual([
      { id: 'a', team: 'a' },
      { id: 'b', team: 'b' },
      { id: 'e', team: 'b' },
      { id: 'c', team: 'a' },
    ]);
  });

  it('skips a movie the other team already took, so no movie is shown twice', () => {
    // B first takes b; A's best a; then round 2 A first: A's next is b (taken) → c; B's next e
    const picks = teamDraft(A, B, 4, scripted(false, true));
    expect(picks.map((p) => p.id)).toEqual(['b', 'a', 'c', 'e']);
    expect(picks.map((p) => p.team)).toEqual(['b', 'a', 'a', 'b']);
  });

  it('gives each team half the list, whichever way the coin falls', () => {
    for (const flips of [[true, true], [false, false], [true, false], [false, true]]) {
      const picks = teamDraft(A, B, 4, scripted(...flips));
      expect(picks.filter((p) => p.team === 'a')).toHaveLength(2);
      expect(new Set(picks.map((p) => p.id)).size).toBe(4);
    }
  });

  it('interleaving a ranking with itself still splits the credit by the coin', () => {
    const picks = teamDraft(A, A, 4, scripted(true, false));
    expect(picks).toEqual([
      { id: 'a', team: 'a' },
      { id: 'b', team: 'b' },
      { id: 'c', team: 'b' },
      { id: 'd', team: 'a' },
    ]);
  });

  it('fills from the longer ranking when the other runs out, credited to it', () => {
    const picks = teamDraft(['x'], ['y', 'z', 'w'], 4, scripted(true));
    expect(picks).toEqual([
      { id: 'x', team: 'a' },
      { id: 'y', team: 'b' },
      { id: 'z', team: 'b' },
      { id: 'w', team: 'b' },
    ]);
  });

  it('refuses a negative or fractional length', () => {
    expect(() => teamDraft(A, B, -1, () => true)).toThrow(/whole list length/);
    expect(() => teamDraft(A, B, 2.5, () => true)).toThrow(/whole list length/);
  });

  it("credits a member's likes to the team that picked each movie", () => {
    const picks = teamDraft(A, B, 4, scripted(true, false));
    expect(creditList(picks, new Set(['a', 'e', 'b', 'zzz']))).toEqual({ a: 1, b: 2 });
  });
});
