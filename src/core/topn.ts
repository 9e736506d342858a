/**
 * Top-n selection over a dense score vector with a bounded min-heap: O(m log n) for m items,
 * no full sort and no per-item objects. NaN scores are skipped. Ties go to the lower item id,
 * so results are deterministic.
 */
export interface Scored {
  item: number;
  score: number;
}

export function topN(scores: ArrayLike<number>, n: number): Scored[] {
  if (!(n > 0)) return [];
  const heapItem = new Int32Array(n);
  const heapScore = new Float64Array(n);
  let size = 0;
  // "worse" = lower score, or equal score and higher item id
  const worse = (a: number, b: number): boolean =>
    heapScore[a] < heapScore[b] || (heapScore[a] === heapScore[b] && heapItem[a] > heapItem[b]);
  const swap = (a: number, b: number): void => {
    const ti = heapItem[a];
    heapItem[a] = heapItem[b];
    heapItem[b] = ti;
    const ts = heapScore[a];
    heapScore[a] = heapScore[b];
    heapScore[b] = ts;
  };
  const siftDown = (k: number): void => {
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let m = k;
      if (l < size && worse(l, m)) m = l;
      if (r < size && worse(r, m)) m = r;
      if (m === k) return;
      swap(k, m);
      k = m;
    }
  };
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (s !== s) continue; // NaN
    if (size < n) {
      heapItem[size] = i;
      heapScore[size] = s;
      let k = size++;
      while (k > 0) {
        const p = (k - 1) >> 1;
        if (!worse(k, p)) break;
        swap(k, p);
        k = p;
      }
    } else if (s > heapScore[0]) {
      heapItem[0] = i;
      heapScore[0] = s;
      siftDown(0);
    }
  }
  const out: Scored[] = [];
  for (let k = 0; k < size; k++) out.push({ item: heapItem[k], score: heapScore[k] });
  out.sort((a, b) => b.score - a.score || a.item - b.item);
  return out;
}
