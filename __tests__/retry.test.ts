/**
 * The retry layer (src/azure/retry.ts) on its own: bounds, what is transient and what never is, and that the reason
 * handed to `onRetry` carries no message text. Plain functions, no network; waits are 0–a few ms.
 */
import { describe, expect, it } from '@jest/globals';
import { isIdempotentRead } from '../src/azure/arm.js';
import {
  ARM_READ_RETRY,
  GRAPH_READ_RETRY,
  OIDC_TOKEN_RETRY,
  transientArmRead,
  transientGraphRead,
  transientOidcError,
  withRetry,
  type RetryInfo
} from '../src/azure/retry.js';
import { ArmError, GraphError } from '../src/ports.js';

/** A function that fails with `errors[i]` on attempt i+1 and then returns 'ok'. */
function failing(errors: unknown[]) {
  const attempts: number[] = [];
  const f = async (attempt: number): Promise<string> => {
    attempts.push(attempt);
    const e = errors[attempt - 1];
    if (e !== undefined) throw e;
    return 'ok';
  };
  return { f, attempts };
}

const always = () => 'transient';
const never = () => undefined;

describe('withRetry', () => {
  it('retries transient failures up to `attempts` in all, then rejects with the last error unchanged', async () => {
    const errs = [new Error('a'), new Error('b'), new Error('c'), new Error('d')];
    const { f, attempts } = failing(errs);
    await expect(withRetry(f, always, { attempts: 3, minDelayMs: 0 })).rejects.toBe(errs[2]);
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('resolves as soon as an attempt succeeds', async () => {
    const { f, attempts } = failing([new Error('a')]);
    expect(await withRetry(f, always, { attempts: 3, minDelayMs: 0 })).toBe('ok');
    expect(attempts).toEqual([1, 2]);
  });

  it('stops at the first failure the predicate calls permanent', async () => {
    const permanent = new Error('403');
    const { f, attempts } = failing([new Error('x'), permanent]);
    const predicate = (e: unknown) => (e === permanent ? undefined : 'x');
    await expect(withRetry(f, predicate, { attempts: 5, minDelayMs: 0 })).rejects.toBe(permanent);
    expect(attempts).toEqual([1, 2]);
  });

  it('never retries when the predicate says so, nor a TypeError bug', async () => {
    const a = failing([new Error('x')]);
    await expect(withRetry(a.f, never, { attempts: 5, minDelayMs: 0 })).rejects.toThrow('x');
    expect(a.attempts).toEqual([1]);
    const b = failing([new TypeError('undefined is not a function')]);
    await expect(withRetry(b.f, always, { attempts: 5, minDelayMs: 0 })).rejects.toThrow(TypeError);
    expect(b.attempts).toEqual([1]);
  });

  it('passes the failed attempt, the bound, the wait (ms, before jitter) and the reason to onRetry', async () => {
    const infos: RetryInfo[] = [];
    const { f } = failing([new Error('a'), new Error('b')]);
    await withRetry(f, () => 'HTTP 503', { attempts: 3, minDelayMs: 2, factor: 3, onRetry: (i) => infos.push(i) });
    expect(infos).toEqual([
      { attempt: 1, attempts: 3, delayMs: 2, reason: 'HTTP 503' },
      { attempt: 2, attempts: 3, delayMs: 6, reason: 'HTTP 503' }
    ]);
  });

  it('waits grow by `factor` from `minDelayMs` (ms), capped by maxDelayMs', async () => {
    const { f } = failing([new Error('a'), new Error('b'), new Error('c')]);
    const started = performance.now();
    const stamps: number[] = [];
    await withRetry(
      async (n) => {
        stamps.push(performance.now() - started);
        return f(n);
      },
      always,
      { attempts: 4, minDelayMs: 20, factor: 2, maxDelayMs: 30 }
    );
    const gaps = stamps.slice(1).map((t, i) => t - stamps[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(18); // 20 ms
    expect(gaps[1]).toBeGreaterThanOrEqual(28); // 40 → capped at 30 ms
    expect(gaps[2]).toBeGreaterThanOrEqual(28);
    expect(gaps[2]).toBeLessThan(1000);
  });

  it('budgetMs: no retry starts after the budget (waits cut to fit it)', async () => {
    const attempts: number[] = [];
    const started = performance.now();
    await expect(
      withRetry(
        async (n) => {
          attempts.push(n);
          await new Promise((r) => setTimeout(r, 30));
          throw new Error('slow failure');
        },
        always,
        { attempts: 10, minDelayMs: 0, budgetMs: 50 }
      )
    ).rejects.toThrow('slow failure');
    expect(attempts.length).toBeGreaterThanOrEqual(1);
    expect(attempts.length).toBeLessThanOrEqual(3);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('attempts: 1 means no retry', async () => {
    const { f, attempts } = failing([new Error('a')]);
    await expect(withRetry(f, always, { attempts: 1, minDelayMs: 0 })).rejects.toThrow('a');
    expect(attempts).toEqual([1]);
  });
});

describe('defaults (the bounds the action runs with)', () => {
  it('ARM and Graph reads: 3 attempts, from 1 s doubling; OIDC: 3 attempts from 500 ms within 10 s', () => {
    expect(ARM_READ_RETRY).toMatchObject({ attempts: 3, minDelayMs: 1000, factor: 2 });
    expect(GRAPH_READ_RETRY).toMatchObject({ attempts: 3, minDelayMs: 1000, factor: 2 });
    expect(OIDC_TOKEN_RETRY).toMatchObject({ attempts: 3, minDelayMs: 500, factor: 2, budgetMs: 10_000 });
    // Worst case of our own OIDC waits with jitter (×2): (500 + 1000) · 2 = 3 s, well inside the 10 s budget.
    expect((OIDC_TOKEN_RETRY.minDelayMs! + OIDC_TOKEN_RETRY.minDelayMs! * 2) * 2).toBeLessThanOrEqual(3000);
  });
});

describe('transientArmRead', () => {
  const arm = (status: number, code?: string, accepted = false) =>
    new ArmError(`GET /x → ${status} ${code ?? ''}: secret-looking text Bearer abc`, status, code, '/x', accepted);
  it.each([
    [arm(0, 'Timeout'), 1, 'timed out'],
    [arm(0, 'Timeout'), 2, 'timed out'],
    [arm(0, 'ECONNRESET'), 2, 'ECONNRESET'],
    [arm(503, 'ServiceUnavailable'), 1, 'HTTP 503'],
    [arm(500), 1, 'HTTP 500'],
    [arm(504), 1, 'HTTP 504']
  ])('%s (attempt %i) → %s', (e, attempt, reason) => {
    expect(transientArmRead(e, attempt)).toBe(reason);
  });
  it.each([
    ['503 after the first attempt (the pipeline already made 4 requests each time)', arm(503), 2],
    ['400', arm(400, 'ValidationError'), 1],
    ['403 AuthorizationFailed', arm(403, 'AuthorizationFailed'), 1],
    ['404', arm(404, 'ResourceNotFound'), 1],
    ['409', arm(409, 'Conflict'), 1],
    ['412', arm(412, 'PreconditionFailed'), 1],
    ['429 (the pipeline handles Retry-After)', arm(429), 1],
    ['501', arm(501), 1],
    ['505', arm(505), 1],
    ['no answer without a code (e.g. TLS)', arm(0), 1],
    ['ECONNREFUSED (wrong endpoint)', arm(0, 'ECONNREFUSED'), 1],
    ['ENOTFOUND (wrong host)', arm(0, 'ENOTFOUND'), 1],
    ['a write ARM accepted (202) whose poll timed out', arm(0, 'Timeout', true), 1],
    ['not an ArmError', new Error('Timeout'), 1],
    ['a GraphError', new GraphError('x', 503, undefined), 1]
  ])('never: %s', (_name, e, attempt) => {
    expect(transientArmRead(e, attempt)).toBeUndefined();
  });
});

describe('transientGraphRead', () => {
  it('timeouts and resets while attempts remain; 5xx after the first attempt only; 4xx never', () => {
    expect(transientGraphRead(new GraphError('x', 0, 'Timeout'), 2)).toBe('timed out');
    expect(transientGraphRead(new GraphError('x', 0, 'ECONNRESET'), 1)).toBe('ECONNRESET');
    expect(transientGraphRead(new GraphError('x', 503, undefined), 1)).toBe('HTTP 503');
    expect(transientGraphRead(new GraphError('x', 503, undefined), 2)).toBeUndefined();
    expect(transientGraphRead(new GraphError('x', 403, 'Authorization_RequestDenied'), 1)).toBeUndefined();
    expect(transientGraphRead(new GraphError('x', 404, 'Request_ResourceNotFound'), 1)).toBeUndefined();
    expect(transientGraphRead(new GraphError('x', 200, undefined), 1)).toBeUndefined();
    expect(transientGraphRead(new ArmError('x', 503, undefined, '/x'), 1)).toBeUndefined();
  });
});

describe('transientOidcError (the errors @actions/core getIDToken throws)', () => {
  // OidcClient.getCall wraps http-client errors as `Failed to get ID Token. \n Error Code : ${statusCode}\n …`,
  // and getIDToken prefixes `Error message: ` (@actions/core 3 lib/oidc-utils.js).
  const core = (code: string, message: string) =>
    new Error(
      `Error message: Failed to get ID Token. \n \n        Error Code : ${code}\n \n        Error Message: ${message}`
    );
  it.each([
    [core('500', 'Failed request: (500) Internal Server Error'), 'HTTP 500'],
    [core('503', 'Service Unavailable'), 'HTTP 503'],
    [core('undefined', 'read ECONNRESET'), 'ECONNRESET'],
    [core('undefined', 'socket hang up'), 'ECONNRESET'],
    [core('undefined', 'connect ETIMEDOUT 10.0.0.1:443'), 'ETIMEDOUT'],
    [Object.assign(new Error('boom'), { statusCode: 502 }), 'HTTP 502'],
    [Object.assign(new Error('reset'), { code: 'ECONNRESET' }), 'ECONNRESET']
  ])('%s → %s', (e, reason) => {
    expect(transientOidcError(e, 1)).toBe(reason);
  });
  it.each([
    ['401 bad request token', core('401', 'Unauthorized')],
    ['403', core('403', 'Forbidden')],
    ['404', core('404', 'Not Found')],
    ['no id-token permission', new Error('Error message: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable')],
    ['200 without a token', new Error('Error message: Response json body do not have ID Token field')],
    ['connection refused', core('undefined', 'connect ECONNREFUSED 127.0.0.1:1')],
    ['TLS', core('undefined', 'self-signed certificate in certificate chain')],
    ['a status on the error object wins over the text', Object.assign(core('503', 'x'), { statusCode: 403 })]
  ])('never: %s', (_name, e) => {
    expect(transientOidcError(e, 1)).toBeUndefined();
  });
});

describe('isIdempotentRead (what createArmPort may send again)', () => {
  const site = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/f';
  const apim = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/a';
  it.each([
    ['GET', apim, true],
    ['GET', `${site}/config/authsettingsV2/list`, true],
    ['POST', `${site}/config/authsettings/list`, true],
    ['POST', `${apim}/subscriptions/master/listSecrets`, true],
    ['POST', `${apim}/namedValues/nv1/listValue`, true],
    ['PUT', `${site}/config/authsettingsV2`, false],
    ['PATCH', apim, false],
    ['PUT', `${apim}/apis/orders/policies/policy`, false],
    ['POST', `${apim}/subscriptions/master/regeneratePrimaryKey`, false],
    ['POST', `${site}/restart`, false],
    ['DELETE', apim, false]
  ])('%s %s → %s', (method, p, expected) => {
    expect(isIdempotentRead(method, p)).toBe(expected);
  });
});
