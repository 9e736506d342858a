/**
 * Team-draft interleaving (Radlinski, Kurup, Joachims, "How does clickthrough data reflect
 * retrieval quality?", CIKM 2008, Algorithm 2; analysed in Chapelle, Joachims, Radlinski, Yue,
 * "Large-scale validation and analysis of interleaved search evaluation", TOIS 2012).
 *
 * Two rankings A and B draft a list like captains picking teams: each round a coin decides which
 * team picks first, then each team (in that order) adds its highest-ranked movie not already in
 * the list. Every movie remembers the team that picked it, so a member's reactions credit the
 * ranking that put it there. The coin removes position bias on average: neither ranking is
 * always on top.
 */

export type Team = 'a' | 'b';

export interface InterleavedPick {
  id: string;
  team: Team;
}

/**
 * Interleaves rankings `a` and `b` (best first, ids unique within each) into at most `n` picks.
 * `coinSaysAFirst` is called once per round; a seeded coin makes the list reproducible. Stops, as
 * in the paper, when either ranking has nothing left to add; then the other one fills the list,
 * so a member still sees `n` movies when one ranking is short (those picks carry its team).
 */
export function teamDraft(
  a: readonly string[],
  b: readonly string[],
  n: number,
  coinSaysAFirst: () => boolean,
): InterleavedPick[] {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`teamDraft needs a whole list length n ≥ 0, got ${String(n)}`);
  const picks: InterleavedPick[] = [];
  const shown = new Set<string>();
  let ia = 0;
  let ib = 0;
  const nextOf = (list: readonly string[], from: number): number => {
    let k = from;
    while (k < list.length && shown.has(list[k])) k++;
    return k;
  };
  const take = (id: string, team: Team): void => {
    shown.add(id);
    picks.push({ id, team });
  };
  while (picks.length < n) {
    ia = nextOf(a, ia);
    ib = nextOf(b, ib);
    if (ia >= a.length || ib >= b.length) break;
    const order: Team[] = coinSaysAFirst() ? ['a', 'b'] : ['b', 'a'];
    for (const team of order) {
      if (picks.length >= n) break;
      if (team === 'a') {
        ia = nextOf(a, ia);
        if (ia < a.length) take(a[ia], 'a');
      } else {
        ib = nextOf(b, ib);
        if (ib < b.length) take(b[ib], 'b');
      }
    }
  }
  // one ranking ran out: the other fills the rest, credited to itself
  for (const [list, team] of [[a, 'a'], [b, 'b']] as const) {
    for (let k = 0; k < list.length && picks.length < n; k++) if (!shown.has(list[k])) take(list[k], team);
  }
  return picks;
}

/** A list's outcome: positive reactions credited to each team. */
export interface ListCredit {
  a: number;
  b: number;
}

/** Credits each liked movie to the team that picked it; movies not in the list count for nobody. */
export function creditList(picks: readonly InterleavedPick[], liked: ReadonlySet<string>): ListCredit {
  const credit = { a: 0, b: 0 };
  for (const p of picks) if (liked.has(p.id)) credit[p.team]++;
  return credit;
}
