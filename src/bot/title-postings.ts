/**
 * The title index's compact per-title holdings (./titles.ts): a key's titles and a title's forms
 * held bare when there is one (most titles), as a list only when there are several, so the main
 * thread's heap holds far fewer small arrays at ml-32m shape (issue 12: the title index 70.4 →
 * 38.2 MB with the shared strings, `npx tsx bench/gc-fit.ts <store> --catalog-only`).
 */

/**
 * The titles under one exact or normalised key: nearly always one title, held as its index, an
 * array only for a key several titles share (remakes). A one-element array per key was two heap
 * objects (the array and its elements) for each of ~3 keys per title, 87,585 titles at ml-32m
 * shape: objects that every mark-compact of the main thread walks (issue 12).
 */
export type Postings = number | number[];

export function post(map: Map<string, Postings>, key: string, value: number): void {
  const got = map.get(key);
  if (got === undefined) map.set(key, value);
  else if (typeof got === 'number') {
    if (got !== value) map.set(key, [got, value]);
  } else if (got[got.length - 1] !== value) got.push(value);
}

export function listOf(p: Postings | undefined): readonly number[] | undefined {
  return p === undefined ? undefined : typeof p === 'number' ? [p] : p;
}

/** A title's forms: the form itself when it has one (most titles), else the list (see Postings). */
export type Forms = string | readonly string[];

export function formsOf(forms: ReadonlySet<string>): Forms {
  return forms.size === 1 ? forms.values().next().value! : [...forms];
}

export function formList(forms: Forms): readonly string[] {
  return typeof forms === 'string' ? [forms] : forms;
}

export function someForm(forms: Forms, test: (f: string) => boolean): boolean {
  return typeof forms === 'string' ? test(forms) : forms.some(test);
}
