/**
 * Errors a member can cause and may read. Anything thrown that is a `UserFacingError` is shown to
 * the member as it is; anything else is a bug, logged, and the member sees a generic apology.
 */
export class UserFacingError extends Error {
  override name = 'UserFacingError';
}
