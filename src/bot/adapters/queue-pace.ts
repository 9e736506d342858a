/**
 * The main thread's pace through the Slack front's queue: wall time per request while a queue
 * waits, measured over a window of turns, not turn by turn. The front tells a member "busy, try
 * again" when the expected wait passes 30 s, so a wrong pace turns members away for nothing.
 *
 * Why a window: the running mean it replaces (weight 0.1 per turn) moved 10 % toward any one turn,
 * and one long turn (a collector pause, the main thread waiting for a core behind the front at
 * nice 5) made one request look like 100 ms: the front then refused 454 and 1,271 slash commands of
 * a 4,000-command burst "busy" that were in fact all answered within 4.6 s (`npm run bench --
 * --only load`, 2 cores, load ~2, 2026-12-06). Requests run over the last second of turns, divided
 * into that second, is what the queue ahead of a new request will take.
 */

export class QueuePace {
  /** turn start times of the window, oldest first, and the requests run before each */
  private readonly at: number[] = [];
  private readonly ranBefore: number[] = [];
  private ran = 0;
  private perRequest: number;

  /**
   * @param firstGuessMs the pace before any window was measured
   * @param windowMs how much wall time the pace is measured over
   * @param minRequests fewer requests than this in the window: the pace is not yet believed
   */
  constructor(
    firstGuessMs: number,
    private readonly windowMs = 1_000,
    private readonly minRequests = 16,
  ) {
    if (!(firstGuessMs > 0) || !(windowMs > 0) || !(minRequests >= 1)) {
      throw new RangeError(`QueuePace needs a positive first guess, window and request count, got ${firstGuessMs}, ${windowMs}, ${minRequests}`);
    }
    this.perRequest = firstGuessMs;
  }

  /** wall time per request (ms): the last window's, or the first guess before one was measured */
  get perRequestMs(): number {
    return this.perRequest;
  }

  /**
   * A turn with a queue starts at `t`, after the previous turn ran `ranLastTurn` requests (0 for
   * the first turn after the queue was empty: idle time before it is no part of the pace).
   */
  turn(t: number, ranLastTurn: number): void {
    this.ran += ranLastTurn;
    this.at.push(t);
    this.ranBefore.push(this.ran);
    // keep one turn at or before the window's start, so the window spans it whole
    while (this.at.length > 2 && this.at[1] <= t - this.windowMs) {
      this.at.shift();
      this.ranBefore.shift();
    }
    const requests = this.ran - this.ranBefore[0];
    if (requests >= this.minRequests) this.perRequest = (t - this.at[0]) / requests;
  }

  /** The queue is empty: the next turn starts a new window (the pace measured so far is kept). */
  idle(): void {
    this.at.length = 0;
    this.ranBefore.length = 0;
  }
}
