/**
 * One error contract for every ArmPort method: a non-2xx answer, or no answer at all, becomes an ArmError naming the
 * method and the resource, with ARM's `error.code` when it sent one (never request headers or bodies).
 */
import { ArmError } from '../ports.js';
import { transientArmRead, withRetry, type RetryOptions } from './retry.js';

/**
 * Runs a typed SDK operation and turns its RestError (status, ARM `error.code`) into an ArmError, so a refused typed
 * write (403 AuthorizationFailed on the identity PATCH, 412, 409) is explained like the raw ones (the same contract:
 * every ArmPort method throws ArmError on a non-2xx answer). No answer → ArmError status 0 (code `Timeout` for an
 * abort, else the transport error's code). `accepted` marks failures after ARM accepted a write (202).
 * @param retry given only for idempotent reads (e.g. `listSecrets`): the whole operation is retried with it when
 *   `transientArmRead` calls the failure transient. Never pass it for a write.
 */
export async function sdkCall<T>(
  method: string,
  resourcePath: string,
  f: () => Promise<T>,
  accepted = false,
  retry?: RetryOptions
): Promise<T> {
  const once = async (): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw sdkError(method, resourcePath, e, accepted);
    }
  };
  return retry ? withRetry(once, transientArmRead, retry) : once();
}

/** The ArmError for a failed typed SDK operation (see sdkCall); errors that are not the SDK's pass through. */
function sdkError(method: string, resourcePath: string, e: unknown, accepted: boolean): unknown {
  const err = e as { statusCode?: unknown; code?: unknown; message?: unknown; name?: unknown };
  if (typeof err?.statusCode !== 'number') {
    if (isAbort(e))
      return new ArmError(
        `${method} ${resourcePath}: no answer in time (timed out)`,
        0,
        'Timeout',
        resourcePath,
        accepted
      );
    // A RestError without a status: the request got no answer (connection reset, DNS, TLS).
    if (accepted || err?.name === 'RestError') {
      return new ArmError(
        `${method} ${resourcePath}: ${(e as Error)?.message || String(e)}`,
        0,
        typeof err?.code === 'string' ? err.code : undefined,
        resourcePath,
        accepted
      );
    }
    return e;
  }
  const code = typeof err.code === 'string' ? err.code : undefined;
  const message = typeof err.message === 'string' ? err.message : String(e);
  return new ArmError(
    `${method} ${resourcePath} → ${err.statusCode}${code ? ` ${code}` : ''}: ${message}`,
    err.statusCode,
    code,
    resourcePath,
    accepted
  );
}

/**
 * The ArmError for a raw request that got no HTTP answer: our request timeout (the pipeline aborts; it never retries
 * an abort) → status 0, code `Timeout`; otherwise status 0 with the transport error's code (e.g. `ECONNRESET`), when
 * it has one.
 */
export function transportError(method: string, resourcePath: string, e: unknown, timeoutMs: number): ArmError {
  if (isAbort(e) || /timeout/i.test((e as Error)?.message ?? '')) {
    return new ArmError(
      `${method} ${resourcePath}: no answer within ${timeoutMs / 1000} s (timed out)`,
      0,
      'Timeout',
      resourcePath
    );
  }
  const code = (e as { code?: unknown })?.code;
  return new ArmError(
    `${method} ${resourcePath}: ${(e as Error)?.message || String(e)}`,
    0,
    typeof code === 'string' ? code : undefined,
    resourcePath
  );
}

/** An abort (our timeout's AbortSignal, or the pipeline's request timeout). */
function isAbort(e: unknown): boolean {
  const name = (e as { name?: unknown })?.name;
  return name === 'AbortError' || name === 'TimeoutError' || /aborted/i.test((e as Error)?.message ?? '');
}

/**
 * Turns an ARM error answer into an ArmError carrying ARM's `error.code` and message (never request headers), and
 * the `x-ms-correlation-request-id` response header when ARM sent one — the ID Azure support asks for (Learn: "Azure
 * Resource Manager request headers / troubleshoot with correlation ID"). Only a GUID is quoted.
 */
export function armError(
  method: string,
  resourcePath: string,
  r: { status: number; text: string; headers?: Record<string, string> }
): ArmError {
  let code: string | undefined;
  let message = r.text.slice(0, 500);
  try {
    const parsed = JSON.parse(r.text) as { error?: { code?: string; message?: string } };
    code = parsed.error?.code;
    message = parsed.error?.message ?? message;
  } catch {
    /* not JSON: keep the text */
  }
  const correlation = r.headers?.['x-ms-correlation-request-id'];
  const cid = correlation && /^[0-9a-f-]{36}$/i.test(correlation) ? ` (correlation ID ${correlation})` : '';
  return new ArmError(
    `${method} ${resourcePath} → ${r.status}${code ? ` ${code}` : ''}: ${message}${cid}`,
    r.status,
    code,
    resourcePath
  );
}
