/**
 * Raw ARM requests through an SDK client's pipeline (bearer token for the configured scope, the SDK's retries and
 * throttling) with bodies kept as raw JSON, so no model serializer drops a field (see ./arm.ts). Idempotent reads
 * get a bounded retry on top (./retry.ts); writes are sent once, and a refusal after an unclear earlier attempt is
 * marked as possibly applied.
 */
import {
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
  type Pipeline,
  type PipelineResponse
} from '@azure/core-rest-pipeline';
import { ArmError, EARLIER_ATTEMPT_NOTE, type Json, type PolicyDocument } from '../ports.js';
import { armError, transportError } from './arm-errors.js';
import { transientArmRead, withRetry, type RetryOptions } from './retry.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

export type ArmMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/**
 * Sends one ARM request through `pipeline` with the body as raw JSON; resolves with status, headers and text of a
 * 2xx, throws ArmError otherwise (status 0: code `Timeout`, or the transport error's code such as `ECONNRESET`).
 * `query` is appended after `api-version` (starting with `&`).
 */
export type ArmSend = (
  pipeline: Pipeline,
  method: ArmMethod,
  resourcePath: string,
  apiVersion: string,
  body?: unknown,
  headers?: Record<string, string>,
  query?: string
) => Promise<RawResponse>;

/** Where and how requests go: the ARM endpoint, the per-request timeout (ms), the read retry, the HTTP client. */
export interface ArmSendOptions {
  armEndpoint: string;
  timeout: number;
  readRetry: RetryOptions;
  httpClient: HttpClient;
}

/**
 * The ArmSend for one ARM endpoint. Idempotent reads (`isIdempotentRead`) are retried with `readRetry` when they
 * time out or get a 5xx after the pipeline's own retries (`transientArmRead`); writes are sent once.
 */
export function createArmSender(o: ArmSendOptions): ArmSend {
  return async (pipeline, method, resourcePath, apiVersion, body, headers = {}, query = '') => {
    const url = `${o.armEndpoint}${resourcePath}?api-version=${apiVersion}${query}`;
    const once = () => sendOnce(o, pipeline, { url, method, resourcePath, body, headers });
    return isIdempotentRead(method, resourcePath) ? withRetry(once, transientArmRead, o.readRetry) : once();
  };
}

interface RawRequest {
  url: string;
  method: ArmMethod;
  resourcePath: string;
  body: unknown;
  headers: Record<string, string>;
}

/** One attempt of a raw request (the pipeline may make several underneath). */
async function sendOnce(o: ArmSendOptions, pipeline: Pipeline, r: RawRequest): Promise<RawResponse> {
  const { method, resourcePath, body } = r;
  const request = createPipelineRequest({
    url: r.url,
    method,
    timeout: o.timeout,
    headers: createHttpHeaders({
      accept: 'application/json',
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...r.headers
    }),
    body: body !== undefined ? JSON.stringify(body) : undefined
  });
  // The pipeline retries any method on 5xx/408/network errors. For a write, a refusal (4xx, e.g. 412) after
  // such an attempt does not prove nothing landed: the earlier attempt may have been applied.
  const tracked = trackAttempts(o.httpClient);
  let res: PipelineResponse;
  try {
    res = await pipeline.sendRequest(tracked.client, request);
  } catch (e) {
    throw transportError(method, resourcePath, e, o.timeout);
  }
  const out: RawResponse = { status: res.status, headers: res.headers.toJSON(), text: res.bodyAsText ?? '' };
  if (res.status >= 400) {
    const err = armError(method, resourcePath, out);
    if (method === 'GET' || !tracked.uncertain()) throw err;
    throw new ArmError(`${err.message} ${EARLIER_ATTEMPT_NOTE}`, err.status, err.code, err.url, true);
  }
  return out;
}

/**
 * Reads that change nothing and may be sent again: GET, and the POST list actions ARM defines as reads of secrets or
 * settings (`config/authsettings/list`, `subscriptions/{sid}/listSecrets`, `namedValues/{id}/listValue`; ARM RPC:
 * POST `list*` actions). Everything else (PUT, PATCH, other POSTs) is a write.
 */
export function isIdempotentRead(method: string, resourcePath: string): boolean {
  const m = method.toUpperCase();
  if (m === 'GET') return true;
  return m === 'POST' && /\/(?:list|listSecrets|listValue)$/i.test(resourcePath);
}

/**
 * Wraps `client` to note, per request, whether an attempt ended without a clear answer (a 5xx, a 408, or a transport
 * error): the pipeline's retry policy (core-rest-pipeline's default retry, which retries every method) may then
 * resend a write that had already been applied.
 */
function trackAttempts(client: HttpClient): { client: HttpClient; uncertain: () => boolean } {
  let unclear = false;
  return {
    client: {
      async sendRequest(req) {
        try {
          const res = await client.sendRequest(req);
          if (res.status >= 500 || res.status === 408) unclear = true;
          return res;
        } catch (e) {
          unclear = true;
          throw e;
        }
      }
    },
    uncertain: () => unclear
  };
}

export function parseJson(r: RawResponse): Json {
  if (!r.text) return {};
  try {
    return JSON.parse(r.text) as Json;
  } catch {
    throw new ArmError(`ARM answered ${r.status} with a body that is not JSON`, r.status, undefined, '');
  }
}

/**
 * The policy document of a 2xx answer. `value` is `properties.value` exactly as ARM sent it (not necessarily a
 * string: src/azure/validated-arm.ts checks it before anything is planned on it); `null` or non-object bodies give
 * `value: undefined`.
 */
export function policyFrom(r: RawResponse): PolicyDocument {
  const body = parseJson(r) as unknown;
  const obj = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Json;
  const props = (typeof obj.properties === 'object' && obj.properties !== null ? obj.properties : {}) as {
    value?: unknown;
  };
  return {
    value: props.value as string,
    format: 'rawxml',
    etag: r.headers['etag'] ?? (typeof obj.etag === 'string' ? obj.etag : undefined),
    ...('id' in obj ? { id: obj.id } : {}),
    ...('type' in obj ? { type: obj.type } : {})
  };
}
