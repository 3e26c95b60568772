/**
 * Bounded retries of idempotent calls that failed transiently, on top of the retries the HTTP stacks already make.
 *
 * What the stacks underneath already do (read in node_modules, versions of package-lock.json):
 * - ARM (`@azure/core-client` → `@azure/core-rest-pipeline` 1.25 `createPipelineFromOptions` → `defaultRetryPolicy`,
 *   implemented in `@typespec/ts-http-runtime` 0.3): up to 3 retries (4 attempts) of ANY method for 408 and 5xx except
 *   501/505 (exponentialRetryStrategy: 1 s base doubled, jitter 50–100 %, so ~3.5–7 s in all), for transport errors
 *   with code ECONNRESET/ECONNREFUSED/ETIMEDOUT/ESOCKETTIMEDOUT/ENOENT/ENOTFOUND, and for 429/503 that carry
 *   `Retry-After` (throttlingRetryStrategy). A request `timeout` aborts with an AbortError, which is not a RestError:
 *   `retryPolicy` rethrows it at once, so **a timed-out request is never retried by the pipeline**.
 * - Microsoft Graph (our own pipeline in ./graph.ts): `throttlingRetryPolicy` (429/503 with `Retry-After`) and
 *   `exponentialRetryPolicy({maxRetries: 3})`, which sets `ignoreSystemErrors: true`: 5xx are retried 3 times,
 *   transport errors and timeouts never.
 * - GitHub OIDC (`@actions/core` 3 `OidcClient`: `@actions/http-client` with `allowRetries`, `maxRetries: 10`): GET is
 *   retried on 502/503/504 only, 10 times with 10 ms·2ⁿ waits (~10 s in all); 500, transport errors and timeouts are
 *   not retried, and the error it throws carries the status only in its text (`Error Code : 503`).
 *
 * So the layer here mainly covers what nothing below retries (timeouts, connection resets, GitHub's 500) and gives
 * 5xx one more, later round after the stack's own quick ones; writes (PUT/PATCH/POST that is not a `list*` action)
 * are never retried here. Transient-error predicates return a short reason built only from an HTTP status or an
 * error code — never from a message, URL or body, so nothing secret reaches a log through `onRetry`.
 */
import pRetry from 'p-retry';
import { ArmError, GraphError } from '../ports.js';

/** One retry about to happen. */
export interface RetryInfo {
  /** The attempt that failed (1-based). */
  attempt: number;
  /** Attempts in all (the bound). */
  attempts: number;
  /** The wait before the next attempt, milliseconds, before jitter (jitter may double it). */
  delayMs: number;
  /** Why: `HTTP 503`, `timed out`, an error code such as `ECONNRESET` — never a message or a body. */
  reason: string;
}

/** How many attempts, how far apart. All times in milliseconds. */
export interface RetryOptions {
  /** Attempts in all, the first included (≥ 1). */
  attempts?: number;
  /** Wait before the second attempt (ms); each later wait is `factor` times the previous one. 0 → no wait. */
  minDelayMs?: number;
  /** Growth of the wait per attempt (default 2). */
  factor?: number;
  /** Upper bound of one wait (ms). */
  maxDelayMs?: number;
  /** Multiply each wait by a random factor in [1, 2) so concurrent jobs do not retry in step (default false). */
  jitter?: boolean;
  /**
   * Time budget (ms) from the start of the first attempt: no retry starts after it, and a wait is cut to end at it.
   * An attempt already running is not interrupted (each call has its own timeout). Default: none.
   */
  budgetMs?: number;
  /** Called before each retry (e.g. to log it: the info carries no secret). */
  onRetry?: (info: RetryInfo) => void;
}

/**
 * Decides whether a failure is transient. Returns a short reason (see RetryInfo.reason) to retry, undefined to give
 * up. `attempt` is the 1-based attempt that failed.
 */
export type TransientPredicate = (error: unknown, attempt: number) => string | undefined;

/**
 * Runs `f` (given the 1-based attempt number) until it resolves, the predicate calls its error permanent, or the
 * bound (`attempts`, `budgetMs`) is reached; then rejects with the LAST error, unchanged. Built on p-retry; a
 * TypeError that is not a network error (a bug) is never retried. Waits: `minDelayMs · factor^(n-1)`, capped by
 * `maxDelayMs` and by what is left of `budgetMs`.
 */
export async function withRetry<T>(
  f: (attempt: number) => Promise<T>,
  transient: TransientPredicate,
  opts: RetryOptions = {}
): Promise<T> {
  const attempts = Math.max(1, Math.floor(opts.attempts ?? 3));
  const minDelayMs = Math.max(0, opts.minDelayMs ?? 1000);
  const factor = opts.factor ?? 2;
  const maxDelayMs = opts.maxDelayMs ?? Number.POSITIVE_INFINITY;
  return pRetry(f, {
    retries: attempts - 1,
    minTimeout: minDelayMs,
    factor,
    maxTimeout: maxDelayMs,
    randomize: opts.jitter ?? false,
    maxRetryTime: opts.budgetMs ?? Number.POSITIVE_INFINITY,
    // p-retry asks this only while attempts and budget remain.
    shouldRetry: ({ error, attemptNumber }) => {
      const reason = transient(error, attemptNumber);
      if (reason === undefined) return false;
      const delayMs = Math.min(maxDelayMs, minDelayMs * factor ** (attemptNumber - 1));
      opts.onRetry?.({ attempt: attemptNumber, attempts, delayMs, reason });
      return true;
    }
  });
}

/**
 * Transport error codes worth another attempt: the connection broke or stalled mid-way. ECONNREFUSED and ENOTFOUND
 * are left out on purpose: nothing listens / no such host usually means a wrong endpoint input, and the Azure
 * pipeline already retried them 3 times.
 */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT'
]);

/** 5xx that may pass: every 5xx except 501 Not Implemented and 505 HTTP Version Not Supported (as the pipeline). */
function isRetryableServerStatus(status: number): boolean {
  return status >= 500 && status <= 599 && status !== 501 && status !== 505;
}

/**
 * ARM reads (defaults for `createArmPort`'s `readRetry`): 3 attempts in all, waits 1 s then 2 s (jitter up to ×2).
 * Each attempt is bounded by the request timeout (60 s by default), so the worst case for a read that keeps timing
 * out is ~3 min; for a 5xx that persists, see `transientArmRead`.
 */
export const ARM_READ_RETRY: Readonly<RetryOptions> = { attempts: 3, minDelayMs: 1000, factor: 2, jitter: true };

/**
 * Transient failures of an idempotent ARM read (GET, or a POST `list*` action), judged on the ArmError the port
 * throws: status 0 with code `Timeout` (our request timeout; the pipeline never retries it) or a code in
 * TRANSIENT_NETWORK_CODES → retry while attempts remain; a retryable 5xx → retry after the FIRST attempt only: each
 * attempt already is up to 4 requests of the pipeline's defaultRetryPolicy, so a 5xx that persists costs 8 requests
 * (~15 s), not 12. 4xx, 501/505, writes accepted by ARM (`accepted`), and anything that is not an ArmError → never.
 */
export const transientArmRead: TransientPredicate = (e, attempt) => {
  if (!(e instanceof ArmError) || e.accepted) return undefined;
  if (e.status === 0) {
    if (e.code === 'Timeout') return 'timed out';
    return e.code && TRANSIENT_NETWORK_CODES.has(e.code) ? e.code : undefined;
  }
  return isRetryableServerStatus(e.status) && attempt < 2 ? `HTTP ${e.status}` : undefined;
};

/** Microsoft Graph reads (defaults for `createGraphPort`'s `retry`): as ARM_READ_RETRY. */
export const GRAPH_READ_RETRY: Readonly<RetryOptions> = { attempts: 3, minDelayMs: 1000, factor: 2, jitter: true };

/**
 * Transient failures of a Microsoft Graph read, judged on the GraphError: status 0 with code `Timeout` or a code in
 * TRANSIENT_NETWORK_CODES (the Graph pipeline retries neither) → while attempts remain; a retryable 5xx → after the
 * first attempt only (the pipeline's exponentialRetryPolicy already made 4 requests). 4xx (403
 * Authorization_RequestDenied, 404 Request_ResourceNotFound) → never.
 */
export const transientGraphRead: TransientPredicate = (e, attempt) => {
  if (!(e instanceof GraphError)) return undefined;
  if (e.status === 0) {
    if (e.code === 'Timeout') return 'timed out';
    return e.code && TRANSIENT_NETWORK_CODES.has(e.code) ? e.code : undefined;
  }
  return isRetryableServerStatus(e.status) && attempt < 2 ? `HTTP ${e.status}` : undefined;
};

/**
 * The GitHub OIDC token request (defaults for `createWorkflowCredential`'s `retry`): 3 attempts, waits 500 ms then
 * 1 s (jitter up to ×2), and no retry starts 10 s after the first attempt began. The budget matters for 502/503/504:
 * `@actions/http-client` alone spends ~10 s retrying those, so they get no second round here; 500 and broken
 * connections, which it does not retry, cost at most ~3 s of waits.
 */
export const OIDC_TOKEN_RETRY: Readonly<RetryOptions> = {
  attempts: 3,
  minDelayMs: 500,
  factor: 2,
  jitter: true,
  budgetMs: 10_000
};

/**
 * Transient failures of `core.getIDToken`: an HTTP 5xx (a numeric `statusCode`/`status` on the error, or the
 * `Error Code : NNN` that `@actions/core` writes into its message), or no HTTP answer with a transient transport code
 * (`Error Code : undefined` plus e.g. ECONNRESET or `socket hang up` in the text, or `code` on the error). 4xx (401
 * bad request token, 403, 404), a missing ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN (no `id-token: write` permission) and
 * a 200 without a token → never.
 */
export const transientOidcError: TransientPredicate = (e) => {
  const err = (typeof e === 'object' && e !== null ? e : {}) as {
    statusCode?: unknown;
    status?: unknown;
    code?: unknown;
  };
  const text = e instanceof Error ? e.message : String(e);
  const numeric = [err.statusCode, err.status].find((s): s is number => typeof s === 'number' && s > 0);
  const fromText = /Error Code\s*:\s*(\d{3})\b/.exec(text)?.[1];
  const status = numeric ?? (fromText ? Number(fromText) : undefined);
  if (status !== undefined) return isRetryableServerStatus(status) ? `HTTP ${status}` : undefined;
  if (typeof err.code === 'string' && TRANSIENT_NETWORK_CODES.has(err.code)) return err.code;
  for (const m of text.matchAll(/\b(E[A-Z_]{3,}|UND_ERR_[A-Z_]+)\b/g)) {
    if (TRANSIENT_NETWORK_CODES.has(m[1]!)) return m[1];
  }
  if (/socket hang up/i.test(text)) return 'ECONNRESET';
  return undefined;
};
