/** The verdict on a smoke request that got no answer: a timeout or a network error. Pure. */
import { excerpt } from './answer.js';
import type { Classification } from './types.js';

/** True for a rejection that is a timeout (AbortSignal.timeout's TimeoutError, undici/socket timeout codes). */
export function isTimeout(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown; cause?: unknown } | undefined;
  if (!e) return false;
  if (e.name === 'TimeoutError') return true;
  if (typeof e.code === 'string' && /TIMEOUT|ETIMEDOUT/i.test(e.code)) return true;
  return e.cause !== undefined && e.cause !== err && isTimeout(e.cause);
}

export function timedOut(ms: number): Classification {
  const s = Math.round(ms / 100) / 10;
  return {
    passed: false,
    got: `timed out after ${s} s`,
    diagnosis:
      `No answer within ${s} s: the Function or the gateway did not answer in time (a cold start, a slow or hung ` +
      'function, or a firewall dropping the connection). Check that the endpoint answers quickly from the runner.',
    retry: true
  };
}

/** The error code of a network failure (fetch wraps it in `cause`), e.g. `ENOTFOUND`, `ECONNREFUSED`. */
function netCode(err: unknown): string | undefined {
  for (
    let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0;
    e && i < 4;
    e = e.cause as typeof e, i++
  ) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

export function netError(err: unknown): Classification {
  const code = netCode(err);
  const text = code ?? (err instanceof Error ? err.message : String(err));
  // A host name that does not resolve will not start resolving while we wait: final, not propagation.
  if (code === 'ENOTFOUND') {
    return {
      passed: false,
      got: `network error (${code})`,
      diagnosis: 'The host name does not resolve from the runner (ENOTFOUND): check the URL (API serviceUrl, gateway).',
      retry: false
    };
  }
  return {
    passed: false,
    got: `network error (${excerpt(text, 80)})`,
    diagnosis: 'The request did not get an answer (network error); the endpoint must be reachable from the runner.',
    retry: true
  };
}
