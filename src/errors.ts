/**
 * A broken precondition the user can fix: bad input, missing permission, unsupported configuration.
 * `main` catches it once and fails the step with `message` (which names the resource and the fix).
 * Drift is never an exception: it is a result (see Plan).
 */
export class ActionError extends Error {
  constructor(
    message: string,
    /** ARM ID or other name of the resource concerned, when there is one. */
    readonly resource?: string
  ) {
    super(message);
    this.name = 'ActionError';
  }
}
