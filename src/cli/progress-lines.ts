/**
 * Progress as plain lines, for a stderr that is not a terminal (a service manager's log, a
 * container, a pipe): "Importing ratings 12,000,000/32,000,204 …" at most every few seconds, and
 * the last count always. A first start at MovieLens 32M size reads and imports for minutes; without
 * these lines a log shows nothing between "Loading …" and "Imported …".
 */

export interface ProgressLineOptions {
  /** at most one line per this many ms (the last count is always written); default 5000 */
  everyMs?: number;
  /** the clock, in ms (tests pin it) */
  now?: () => number;
  /** how a count reads: default whole numbers with thousands separators */
  format?: (n: number) => string;
}

export const DEFAULT_PROGRESS_EVERY_MS = 5000;

/** A progress callback that writes "<label> <phase> <done>/<total> …" lines through `write`. */
export function progressLines(
  write: (line: string) => void,
  label: string,
  opts: ProgressLineOptions = {},
): (p: { phase: string; done: number; total: number }) => void {
  const every = opts.everyMs ?? DEFAULT_PROGRESS_EVERY_MS;
  const now = opts.now ?? (() => performance.now());
  const format = opts.format ?? ((n: number) => Math.round(n).toLocaleString('en-US'));
  let phase: string | undefined;
  let last = -Infinity;
  return (p) => {
    const finished = p.done >= p.total;
    const t = now();
    // a new phase shows at once; within one, only after `every` ms, or its end
    if (p.phase === phase && !finished && t - last < every) return;
    phase = p.phase;
    last = t;
    write(`${label} ${p.phase} ${format(p.done)}/${format(p.total)}${finished ? '' : ' …'}`);
  };
}
