/**
 * GraphPort: Microsoft Graph `GET /v1.0/servicePrincipals/{id}` through an Azure pipeline (bearer token for the
 * Graph scope, retries). Needs Application.Read.All (or Directory.Read.All) for the workflow identity.
 * REST: https://learn.microsoft.com/graph/api/serviceprincipal-get
 */
import type { TokenCredential } from '@azure/core-auth';
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createEmptyPipeline,
  createHttpHeaders,
  createPipelineRequest,
  exponentialRetryPolicy,
  throttlingRetryPolicy
} from '@azure/core-rest-pipeline';
import { GraphError, type GraphPort } from '../ports.js';
import type { CloudEndpoints } from '../types.js';
import { GRAPH_READ_RETRY, transientGraphRead, withRetry, type RetryOptions } from './retry.js';

/**
 * Creates the GraphPort. Throws GraphError (with HTTP status and Graph's `error.code`) on a non-2xx answer, and on
 * no answer: status 0 with code `Timeout` (no answer within `requestTimeoutMs`) or the transport error's code (e.g.
 * `ECONNRESET`).
 *
 * Retries, in two layers: the pipeline's `throttlingRetryPolicy` (429/503 with `Retry-After`) and
 * `exponentialRetryPolicy({maxRetries: 3})` (5xx except 501/505, 1 s base doubled; it ignores transport errors), then
 * — reads only, which is all this port does — `withRetry` with `transientGraphRead`: timeouts and broken connections
 * (which the pipeline never retries) up to `retry.attempts` in all, a 5xx that survived the pipeline's retries once
 * more; 4xx never.
 * @param opts.requestTimeoutMs timeout of each Graph request, ms (default 30000): a stalled request fails instead of
 *   holding the job.
 * @param opts.retry overrides of GRAPH_READ_RETRY (3 attempts, waits from 1 s doubling); tests pass `{minDelayMs: 0}`.
 */
export function createGraphPort(
  credential: TokenCredential,
  endpoints: CloudEndpoints,
  opts: { requestTimeoutMs?: number; retry?: RetryOptions } = {}
): GraphPort {
  const timeout = opts.requestTimeoutMs ?? 30_000;
  const retry: RetryOptions = { ...GRAPH_READ_RETRY, ...opts.retry };
  const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const pipeline = createEmptyPipeline();
  pipeline.addPolicy(throttlingRetryPolicy());
  pipeline.addPolicy(exponentialRetryPolicy({ maxRetries: 3 }));
  pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential, scopes: [endpoints.graphScope] }));
  const http = createDefaultHttpClient();

  const getOnce = async (objectId: string): Promise<{ id: string; appId: string }> => {
    const what = `Microsoft Graph GET servicePrincipals/${objectId}`;
    const url = `${endpoints.graphEndpoint}/v1.0/servicePrincipals/${encodeURIComponent(objectId)}?$select=id,appId`;
    let res;
    try {
      res = await pipeline.sendRequest(
        http,
        createPipelineRequest({
          url,
          method: 'GET',
          timeout,
          headers: createHttpHeaders({ accept: 'application/json' })
        })
      );
    } catch (e) {
      throw transportError(what, e, timeout);
    }
    const text = res.bodyAsText ?? '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: judged below */
    }
    const body = (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? parsed : {}) as {
      id?: unknown;
      appId?: unknown;
      error?: { code?: string; message?: string };
    };
    if (res.status >= 400) {
      throw new GraphError(
        `${what} → ${res.status}${body.error?.code ? ` ${body.error.code}` : ''}: ${body.error?.message ?? text.slice(0, 200)}`,
        res.status,
        body.error?.code
      );
    }
    // A 200 is not proof of content: the appId must be a GUID, and the body must be this service principal.
    const otherId = typeof body.id === 'string' && body.id.toLowerCase() !== objectId.toLowerCase();
    if (typeof body.appId !== 'string' || !GUID.test(body.appId) || otherId) {
      throw new GraphError(
        `${what} → ${res.status} without a usable service principal (${otherId ? `id ${String(body.id)}` : 'no GUID appId'})`,
        res.status,
        'InvalidResponse'
      );
    }
    return { id: typeof body.id === 'string' ? body.id : objectId, appId: body.appId };
  };

  return {
    async getServicePrincipal(objectId: string) {
      return withRetry(() => getOnce(objectId), transientGraphRead, retry);
    }
  };
}

/**
 * No HTTP answer: our timeout (AbortError) → GraphError status 0 code `Timeout`; a transport RestError → status 0 with
 * its code (e.g. `ECONNRESET`). Anything else (e.g. the credential's own sign-in error) passes through unchanged.
 */
function transportError(what: string, e: unknown, timeoutMs: number): unknown {
  const err = e as { name?: unknown; code?: unknown; message?: unknown };
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError') {
    return new GraphError(`${what}: no answer within ${timeoutMs / 1000} s (timed out)`, 0, 'Timeout');
  }
  if (err?.name !== 'RestError') return e;
  const message = typeof err.message === 'string' && err.message ? err.message : String(e);
  return new GraphError(`${what}: ${message}`, 0, typeof err.code === 'string' ? err.code : undefined);
}
