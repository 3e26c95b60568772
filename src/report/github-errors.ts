/**
 * What the report's GitHub calls (the sticky PR comment, the drift issue) say of a failed request. Pure: octokit's
 * RequestError carries the HTTP `status` and a message whose first line is GitHub's text (its later lines the API
 * docs URL); neither carries the token.
 */

/** The HTTP status of a failed GitHub call (octokit RequestError `status`), or undefined when it has none. */
export function errorStatus(err: unknown): number | undefined {
  if (typeof err === 'object' && err !== null && 'status' in err) {
    const s = (err as { status: unknown }).status;
    if (typeof s === 'number') return s;
  }
  return undefined;
}

/** The first line of an error's message, at most 200 characters (cut with `…`). */
export function errorMessage(err: unknown): string {
  const m = err instanceof Error ? err.message : String(err);
  const first = m.split(/\r?\n/)[0] ?? '';
  return first.length > 200 ? `${first.slice(0, 199)}…` : first;
}
