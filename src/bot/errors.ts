/**
 * Errors a member can cause and may read. Anything thrown that is a `UserFacingError` is shown to
 * the member as it is; anything else is a bug, logged, and the member sees a generic apology.
 *
 * The lower layers (data, store, core) cannot import bot code (data flows one way), so they
 * cannot throw a `UserFacingError`. Their input errors are listed here, once, as classes:
 * `memberCaused` checks `instanceof` against this short list. Classifying by `error.name` strings
 * (as the dispatcher did) let any error that happened to be named "UserError" through, and a
 * renamed class silently fell out; a class reference fails to compile instead. Wrapping at the
 * service boundary was the alternative, but every service method would need a try/catch, and a
 * method that forgot one would turn a member's typo into "something went wrong".
 */
import { ParamError } from '../core/algorithm.ts';
import { DataFileError } from '../data/types.ts';
import { StoreError } from '../store/api.ts';

export class UserFacingError extends Error {
  override name = 'UserFacingError';
}

/**
 * A mistake in how a command was typed, found by the command itself (after a lookup the parser
 * cannot do): the dispatcher shows the message followed by the command's usage.
 */
export class UsageError extends UserFacingError {
  override name = 'UsageError';
}

/**
 * The lower layers' errors about their input, whose messages are written for a person: a rating
 * out of range (StoreError), an unknown algorithm or parameter (ParamError), a bad line in an
 * imported file (DataFileError).
 */
const LOWER_LAYER_INPUT_ERRORS: ReadonlyArray<abstract new (...args: never[]) => Error> = [StoreError, ParamError, DataFileError];

/** Whether the member caused `err`, so its message is for them (else it is a bug to log). */
export function memberCaused(err: unknown): err is Error {
  return err instanceof UserFacingError || LOWER_LAYER_INPUT_ERRORS.some((c) => err instanceof c);
}
