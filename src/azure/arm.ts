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
 */
export function createArmPort(
  credential: TokenCredential,
  endpoints: CloudEndpoints,
  target: ArmTarget,
  opts: { lroIntervalMs?: number; requestTimeoutMs?: number; lroTimeoutMs?: number } = {}
): ArmPort {
  const timeout = opts.requestTimeoutMs ?? 60_000;
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
    let res;
    try {
      res = await pipeline.sendRequest(httpClient, request);
    } catch (e) {
      if (isAbort(e) || /timeout/i.test((e as Error)?.message ?? '')) {
        throw new ArmError(
          `${method} ${resourcePath}: no answer within ${timeout / 1000} s (timed out)`,
          0,
          'Timeout',
          resourcePath
        );
      }
      throw new ArmError(
        `${method} ${resourcePath}: ${(e as Error)?.message || String(e)}`,
        0,
        undefined,
        resourcePath
      );
    }
    const out: RawResponse = { status: res.status, headers: res.headers.toJSON(), text: res.bodyAsText ?? '' };
    if (res.status >= 400) throw armError(method, resourcePath, out);
    return out;
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
      return doc.value ? doc : { value, format: 'rawxml', etag: doc.etag };
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
      const r = await sdkCall('POST', `${ids.apim}/subscriptions/${subscriptionName}/listSecrets`, () =>
        apimClient.subscription.listSecrets(target.apimResourceGroup, target.apimName, subscriptionName, {
          requestOptions: { timeout }
        })
      );
      return { primaryKey: r.primaryKey, secondaryKey: r.secondaryKey };
    }
  };
}

/**
 * Runs a typed SDK operation and turns its RestError (status, ARM `error.code`) into an ArmError, so a refused typed
 * write (403 AuthorizationFailed on the identity PATCH, 412, 409) is explained like the raw ones (the same contract:
 * every ArmPort method throws ArmError on a non-2xx answer).
 */
async function sdkCall<T>(method: string, resourcePath: string, f: () => Promise<T>, accepted = false): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const err = e as { statusCode?: unknown; code?: unknown; message?: unknown; name?: unknown };
    if (typeof err?.statusCode !== 'number') {
      if (isAbort(e))
        throw new ArmError(
          `${method} ${resourcePath}: no answer in time (timed out)`,
          0,
          'Timeout',
          resourcePath,
          accepted
        );
      if (accepted) {
        throw new ArmError(
          `${method} ${resourcePath}: ${(e as Error)?.message || String(e)}`,
          0,
          undefined,
          resourcePath,
          true
        );
      }
      throw e;
    }
    const code = typeof err.code === 'string' ? err.code : undefined;
    const message = typeof err.message === 'string' ? err.message : String(e);
    throw new ArmError(
      `${method} ${resourcePath} → ${err.statusCode}${code ? ` ${code}` : ''}: ${message}`,
      err.statusCode,
      code,
      resourcePath,
      accepted
    );
  }
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

function policyFrom(r: RawResponse): PolicyDocument {
  const body = parseJson(r);
  const props = (body.properties ?? {}) as { value?: unknown };
  return {
    value: typeof props.value === 'string' ? props.value : '',
    format: 'rawxml',
    etag: r.headers['etag'] ?? (typeof body.etag === 'string' ? body.etag : undefined)
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
