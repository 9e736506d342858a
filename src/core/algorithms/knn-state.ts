/**
 * What a kNN model's snapshot carries besides its settings: the similarities (packed triangle or
 * neighbour lists) and the learned arrays, read back with their shapes checked.
 */
import { ParamError, type ModelState } from '../algorithm.ts';
import { NeighbourLists } from '../neighbours.ts';

export interface SavedSimilarities {
  packed?: Float64Array | Float32Array;
  lists?: NeighbourLists;
}

/**
 * The similarities a state carries, when they are whole (a state saved before they were carried,
 * or by another storage mode, has none and they are computed again).
 */
export function savedSimilarities(state: ModelState, nX: number): SavedSimilarities | undefined {
  const packed = state.sim_packed;
  if ((packed instanceof Float64Array || packed instanceof Float32Array) && packed.length === (nX * (nX - 1)) / 2) {
    return { packed };
  }
  const { list_ptr: ptr, list_nb: nb, list_sim: sim } = state;
  if (ptr instanceof Int32Array && nb instanceof Int32Array && sim instanceof Float64Array && ptr.length === nX + 1) {
    if (ptr[nX] === nb.length && nb.length === sim.length) return { lists: new NeighbourLists(nX, ptr, nb, sim) };
  }
  return undefined;
}

export function stateArray(state: ModelState, key: string, length: number, who: string): Float64Array {
  const v = state[key];
  if (!(v instanceof Float64Array || v instanceof Float32Array) || v.length !== length) {
    throw new ParamError(`${who}: "${key}" must be an array of ${length} numbers`);
  }
  return v instanceof Float64Array ? v : Float64Array.from(v);
}
