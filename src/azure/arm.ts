/**
 * ArmPort over the real Azure SDK clients (`@azure/arm-apimanagement` 10.0.0, `@azure/arm-appservice` 19.0.0).
 *
 * Typed SDK operations are used where their model mapping is faithful (the APIM identity PATCH with its
 * long-running operation, `listSecrets`). Where the typed model would lose data, the request goes through the same
 * client's pipeline (bearer token for the configured scope, retries, throttling) with the body kept as raw JSON:
 * - `authsettingsV2`: PUT replaces the whole document (DESIGN §3), and a model serializer drops every field it does
 *   not know — the failure class of field cases C06/C07. Reading and writing raw JSON preserves unknown fields.
 * - API policies: `apiPolicy.get` in 10.0.0 returns `value: undefined` (it parses JSON as XML;
 *   Azure/azure-sdk-for-js#31566), so policies are read (and written) as raw JSON with `format=rawxml`.
 */
import type { TokenCredential } from '@azure/core-auth';
import { ApiManagementClient } from '@azure/arm-apimanagement';
import { WebSiteManagementClient } from '@azure/arm-appservice';
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineRequest,
  type HttpClient,
  type Pipeline
} from '@azure/core-rest-pipeline';
import { ArmError, type ArmPort, type Etagged, type Json, type PolicyDocument } from '../ports.js';
import type { CloudEndpoints } from '../types.js';
import { ARM_READ_RETRY, transientArmRead, withRetry, type RetryOptions } from './retry.js';

/** api-version of Microsoft.ApiManagement used by @azure/arm-apimanagement 10.0.0. */
export const APIM_API_VERSION = '2024-05-01';
/** api-version of Microsoft.Web used by @azure/arm-appservice 19.0.0 (flat authsettingsV2 shape; field case C06). */
export const WEB_API_VERSION = '2025-05-01';

export interface ArmTarget {
  subscriptionId: string;
  apimResourceGroup: string;
  apimName: string;
  functionAppResourceGroup: string;
  functionAppName: string;
  functionAppSlot?: string;
}

/** ARM resource IDs of a target (pure). */
export function targetResourceIds(t: ArmTarget, apiIds: string[]) {
  const apim = `/subscriptions/${t.subscriptionId}/resourceGroups/${t.apimResourceGroup}/providers/Microsoft.ApiManagement/service/${t.apimName}`;
  const siteBase = `/subscriptions/${t.subscriptionId}/resourceGroups/${t.functionAppResourceGroup}/providers/Microsoft.Web/sites/${t.functionAppName}`;
  const site = t.functionAppSlot ? `${siteBase}/slots/${t.functionAppSlot}` : siteBase;
  const apis: Record<string, string> = {};
  for (const id of apiIds) apis[id] = `${apim}/apis/${id}`;
  return { apim, apis, site, authSettingsV2: `${site}/config/authsettingsV2` };
}

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/**
 * Creates the ArmPort for one target.
 * @param credential the workflow's token credential (GitHub OIDC federated).
 * @param endpoints ARM endpoint and scope (both are passed explicitly to both clients: App Service otherwise always
 *   asks for the public-cloud scope — DESIGN §3).
 * @param opts.lroIntervalMs poll interval (ms) for the APIM PATCH long-running operation when ARM sends no
 *   `Retry-After` (SDK default 2000 ms).
 * @param opts.requestTimeoutMs timeout of each ARM request (default 60000 ms): a stalled request fails with a message
 *   instead of holding the job until the runner's limit.
 * @param opts.lroTimeoutMs timeout of the whole APIM PATCH operation including polls (default 30 min; APIM service
 *   updates can take many minutes — Learn: "API Management service updates").
 * @param opts.readRetry overrides of ARM_READ_RETRY (./retry.ts: 3 attempts, waits from 1 s doubling) for idempotent
 *   reads only — GET, and the POST list actions `…/list`, `…/listSecrets`, `…/listValue` — that time out or get a 5xx
 *   after the pipeline's own retries (`transientArmRead`). PUT/PATCH are never retried here (the pipeline's
 *   defaultRetryPolicy does retry them on 5xx/408 by itself). Tests pass `{minDelayMs: 0}`; `onRetry` may log.
 */
export function createArmPort(
  credential: TokenCredential,
  endpoints: CloudEndpoints,
  target: ArmTarget,
  opts: { lroIntervalMs?: number; requestTimeoutMs?: number; lroTimeoutMs?: number; readRetry?: RetryOptions } = {}
): ArmPort {
  const timeout = opts.requestTimeoutMs ?? 60_000;
  const readRetry: RetryOptions = { ...ARM_READ_RETRY, ...opts.readRetry };
  const apimClient = new ApiManagementClient(credential, target.subscriptionId, {
    endpoint: endpoints.armEndpoint,
    credentialScopes: [endpoints.armScope]
  });
  const webClient = new WebSiteManagementClient(credential, target.subscriptionId, {
    endpoint: endpoints.armEndpoint,
    credentials: { scopes: [endpoints.armScope] }
  });
  const httpClient: HttpClient = createDefaultHttpClient();
  const ids = targetResourceIds(target, []);

  /**
   * Sends one ARM request through `pipeline` (bearer token, the SDK's retries) with the body as raw JSON; resolves
   * with status, headers and text of a 2xx, throws ArmError otherwise (status 0: code `Timeout`, or the transport
   * error's code such as `ECONNRESET`). Idempotent reads (`isIdempotentRead`) are retried with `readRetry`; writes
   * are sent once.
   */
  const send = async (
    pipeline: Pipeline,
    method: 'GET' | 'PUT' | 'POST' | 'PATCH',
    resourcePath: string,
    apiVersion: string,
    body?: unknown,
    headers: Record<string, string> = {},
    query = ''
  ): Promise<RawResponse> => {
    const url = `${endpoints.armEndpoint}${resourcePath}?api-version=${apiVersion}${query}`;
    const once = async (): Promise<RawResponse> => {
      const request = createPipelineRequest({
        url,
        method,
        timeout,
        headers: createHttpHeaders({
          accept: 'application/json',
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers
        }),
        body: body !== undefined ? JSON.stringify(body) : undefined
      });
      // The pipeline retries any method on 5xx/408/network errors. For a write, a refusal (4xx, e.g. 412) after
      // such an attempt does not prove nothing landed: the earlier attempt may have been applied.
      const tracked = trackAttempts(httpClient);
      let res;
      try {
        res = await pipeline.sendRequest(tracked.client, request);
      } catch (e) {
        throw transportError(method, resourcePath, e, timeout);
      }
      const out: RawResponse = { status: res.status, headers: res.headers.toJSON(), text: res.bodyAsText ?? '' };
      if (res.status >= 400) {
        const err = armError(method, resourcePath, out);
        if (method === 'GET' || !tracked.uncertain()) throw err;
        throw new ArmError(
          `${err.message} (after an earlier attempt that failed without a clear answer and may have been applied)`,
          err.status,
          err.code,
          err.url,
          true
        );
      }
      return out;
    };
    return isIdempotentRead(method, resourcePath) ? withRetry(once, transientArmRead, readRetry) : once();
  };
  const apimPipeline = apimClient.pipeline;
  const webPipeline = webClient.pipeline;

  return {
    async getApimService(): Promise<Etagged<Json>> {
      const r = await send(apimPipeline, 'GET', ids.apim, APIM_API_VERSION);
      return { body: parseJson(r), etag: r.headers['etag'] };
    },
    async patchApimService(body: Json): Promise<void> {
      // Typed PATCH with its long-running operation (202 + Azure-AsyncOperation/Location, DESIGN §3); the SDK maps
      // exactly the `identity` we give it (user-assigned values `{}`, never the read-only principalId/clientId).
      const options = {
        updateIntervalInMs: opts.lroIntervalMs ?? 1000,
        abortSignal: AbortSignal.timeout(opts.lroTimeoutMs ?? 30 * 60_000),
        requestOptions: { timeout }
      };
      const poller = await sdkCall('PATCH', ids.apim, () =>
        apimClient.apiManagementService.beginUpdate(
          target.apimResourceGroup,
          target.apimName,
          body as Parameters<typeof apimClient.apiManagementService.beginUpdate>[2],
          options
        )
      );
      // From here ARM has accepted the PATCH: a failed or timed-out poll does not mean nothing changed.
      await sdkCall('PATCH', ids.apim, () => poller.pollUntilDone(), true);
    },
    async getApi(apiId: string): Promise<Etagged<Json>> {
      const r = await send(apimPipeline, 'GET', `${ids.apim}/apis/${encodeURIComponent(apiId)}`, APIM_API_VERSION);
      return { body: parseJson(r), etag: r.headers['etag'] };
    },
    async getApiPolicy(apiId: string): Promise<PolicyDocument | undefined> {
      try {
        const r = await send(
          apimPipeline,
          'GET',
          `${ids.apim}/apis/${encodeURIComponent(apiId)}/policies/policy`,
          APIM_API_VERSION,
          undefined,
          {},
          '&format=rawxml'
        );
        return policyFrom(r);
      } catch (e) {
        if (e instanceof ArmError && e.status === 404) return undefined;
        throw e;
      }
    },
    async putApiPolicy(apiId: string, value: string, ifMatch: string): Promise<PolicyDocument> {
      // Written in the format it was read in (rawxml), so nothing is ever double-escaped (DESIGN §3, field case C12).
      const r = await send(
        apimPipeline,
        'PUT',
        `${ids.apim}/apis/${encodeURIComponent(apiId)}/policies/policy`,
        APIM_API_VERSION,
        { properties: { format: 'rawxml', value } },
        { 'if-match': ifMatch }
      );
      const doc = policyFrom(r);
      return typeof doc.value === 'string' && doc.value ? doc : { value, format: 'rawxml', etag: doc.etag };
    },
    async getSite(): Promise<Etagged<Json>> {
      const r = await send(webPipeline, 'GET', ids.site, WEB_API_VERSION);
      return { body: parseJson(r), etag: r.headers['etag'] };
    },
    async getAuthSettingsV2(): Promise<Json> {
      // WebApps_GetAuthSettingsV2 = GET .../config/authsettingsV2/list (what the SDK's getAuthSettingsV2 sends).
      return parseJson(await send(webPipeline, 'GET', `${ids.authSettingsV2}/list`, WEB_API_VERSION));
    },
    async putAuthSettingsV2(body: Json): Promise<Json> {
      // WebApps_UpdateAuthSettingsV2 = PUT .../config/authsettingsV2 (replaces the whole document).
      return parseJson(await send(webPipeline, 'PUT', ids.authSettingsV2, WEB_API_VERSION, body));
    },
    async getAuthSettingsV1(): Promise<Json> {
      // WebApps_GetAuthSettings = POST .../config/authsettings/list; `properties.configVersion` tells v1 from v2.
      return parseJson(await send(webPipeline, 'POST', `${ids.site}/config/authsettings/list`, WEB_API_VERSION));
    },
    async listSubscriptionSecrets(subscriptionName: string) {
      const r = await sdkCall(
        'POST',
        `${ids.apim}/subscriptions/${subscriptionName}/listSecrets`,
        () =>
          apimClient.subscription.listSecrets(target.apimResourceGroup, target.apimName, subscriptionName, {
            requestOptions: { timeout }
          }),
        false,
        readRetry
      );
      return { primaryKey: r.primaryKey, secondaryKey: r.secondaryKey };
    },
    async listNamedValues(filter: string, maxItems = 100): Promise<Json[]> {
      // NamedValue_ListByService (apimnamedvalues.json, 2024-05-01): x-ms-pageable with nextLink. A nextLink is
      // followed only on the ARM endpoint's own origin (the bearer token never goes elsewhere), at most 20 pages.
      const out: Json[] = [];
      const base = new URL(endpoints.armEndpoint);
      const prefix = base.pathname.replace(/\/+$/, '');
      let path = `${ids.apim}/namedValues`;
      let query = `&$filter=${encodeURIComponent(filter)}`;
      for (let page = 0; page < 20 && out.length < maxItems; page++) {
        const body = parseJson(await send(apimPipeline, 'GET', path, APIM_API_VERSION, undefined, {}, query));
        const value = Array.isArray(body.value) ? body.value : [];
        for (const v of value) if (typeof v === 'object' && v !== null && out.length < maxItems) out.push(v as Json);
        const next = typeof body.nextLink === 'string' && body.nextLink !== '' ? new URL(body.nextLink) : undefined;
        if (!next || next.origin !== base.origin || !next.pathname.startsWith(prefix)) break;
        path = next.pathname.slice(prefix.length);
        next.searchParams.delete('api-version');
        const rest = next.searchParams.toString();
        query = rest ? `&${rest}` : '';
      }
      return out;
    },
    async getNamedValue(namedValueId: string): Promise<Etagged<Json>> {
      const r = await send(
        apimPipeline,
        'GET',
        `${ids.apim}/namedValues/${encodeURIComponent(namedValueId)}`,
        APIM_API_VERSION
      );
      return { body: parseJson(r), etag: r.headers['etag'] };
    },
    async listNamedValueSecret(namedValueId: string): Promise<{ value?: string }> {
      // NamedValue_ListValue → NamedValueSecretContract {value}; the value is a secret: returned, never logged.
      const body = parseJson(
        await send(
          apimPipeline,
          'POST',
          `${ids.apim}/namedValues/${encodeURIComponent(namedValueId)}/listValue`,
          APIM_API_VERSION
        )
      );
      return typeof body.value === 'string' ? { value: body.value } : {};
    }
  };
}

/**
 * Runs a typed SDK operation and turns its RestError (status, ARM `error.code`) into an ArmError, so a refused typed
 * write (403 AuthorizationFailed on the identity PATCH, 412, 409) is explained like the raw ones (the same contract:
 * every ArmPort method throws ArmError on a non-2xx answer). No answer → ArmError status 0 (code `Timeout` for an
 * abort, else the transport error's code). `accepted` marks failures after ARM accepted a write (202).
 * @param retry given only for idempotent reads (e.g. `listSecrets`): the whole operation is retried with it when
 *   `transientArmRead` calls the failure transient. Never pass it for a write.
 */
async function sdkCall<T>(
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
function transportError(method: string, resourcePath: string, e: unknown, timeoutMs: number): ArmError {
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

/** An abort (our timeout's AbortSignal, or the pipeline's request timeout). */
function isAbort(e: unknown): boolean {
  const name = (e as { name?: unknown })?.name;
  return name === 'AbortError' || name === 'TimeoutError' || /aborted/i.test((e as Error)?.message ?? '');
}

function parseJson(r: RawResponse): Json {
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
function policyFrom(r: RawResponse): PolicyDocument {
  const body = parseJson(r) as unknown;
  const obj = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Json;
  const props = (typeof obj.properties === 'object' && obj.properties !== null ? obj.properties : {}) as {
    value?: unknown;
  };
  return {
    value: props.value as string,
    format: 'rawxml',
    etag: r.headers['etag'] ?? (typeof obj.etag === 'string' ? obj.etag : undefined)
  };
}

/** Turns an ARM error answer into an ArmError carrying ARM's `error.code` and message (never request headers). */
function armError(method: string, resourcePath: string, r: RawResponse): ArmError {
  let code: string | undefined;
  let message = r.text.slice(0, 500);
  try {
    const parsed = JSON.parse(r.text) as { error?: { code?: string; message?: string } };
    code = parsed.error?.code;
    message = parsed.error?.message ?? message;
  } catch {
    /* not JSON: keep the text */
  }
  return new ArmError(
    `${method} ${resourcePath} → ${r.status}${code ? ` ${code}` : ''}: ${message}`,
    r.status,
    code,
    resourcePath
  );
}
