/**
 * A job written as steps (a generator a retrain runs one event-loop turn apart) run all at once,
 * for a caller that needs its result now: the steps' value.
 */
export function runToEnd<T>(steps: Iterator<unknown, T, undefined>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
