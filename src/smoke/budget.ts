/** The smoke budget: backoff between attempts of a check, and the timeout of each request. Pure. */
import type { Backoff } from './types.js';

/** Default backoff: 1 s, ×2, at most 30 s. */
export const DEFAULT_BACKOFF: Backoff = Object.freeze({ initialMs: 1000, factor: 2, maxMs: 30_000 });

/** Delay before retry number `n` (1-based), in ms. */
export function backoffDelayMs(n: number, b: Backoff = DEFAULT_BACKOFF): number {
  return Math.min(b.initialMs * b.factor ** Math.max(0, n - 1), b.maxMs);
}

/** Longest wait for one smoke request, in ms (also when the budget has more time left). */
export const REQUEST_TIMEOUT_MS = 15_000;
/** Shortest wait for one smoke request, in ms (even when the budget is almost spent). */
export const MIN_REQUEST_TIMEOUT_MS = 1_000;

/**
 * Per-request timeout in ms for a request sent at `now` with the budget ending at `deadline` (both ms):
 * min(15 s, remaining budget), but at least 1 s. `budgetSeconds` ≤ 0 means "one attempt, no retry budget"
 * (check mode): the request gets the full 15 s.
 */
export function requestTimeoutMs(now: number, deadline: number, budgetSeconds: number): number {
  if (budgetSeconds <= 0) return REQUEST_TIMEOUT_MS;
  return Math.max(MIN_REQUEST_TIMEOUT_MS, Math.min(REQUEST_TIMEOUT_MS, deadline - now));
}
