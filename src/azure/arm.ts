/**
 * ArmPort over the Azure SDK: one ARM pipeline per target built as the generated clients build theirs, and the typed
 * `@azure/arm-apimanagement` 10.0.0 client over that pipeline, loaded on first use (./arm-pipeline.ts).
 *
 * Typed SDK operations are used where their model mapping is faithful (the APIM identity PATCH with its
 * long-running operation, `listSecrets`). Where the typed model would lose data, the request goes through the same
 * pipeline (bearer token for the configured scope, retries, throttling) with the body kept as raw JSON — which is
 * every App Service request, so `@azure/arm-appservice` 19.0.0 is where WEB_API_VERSION comes from, not a client the
 * action builds:
 * - `authsettingsV2`: PUT replaces the whole document (DESIGN §3), and a model serializer drops every field it does
 *   not know — the failure class of field cases C06/C07. Reading and writing raw JSON preserves unknown fields.
 * - API policies: `apiPolicy.get` in 10.0.0 returns `value: undefined` (it parses JSON as XML;
 *   Azure/azure-sdk-for-js#31566), so policies are read (and written) as raw JSON with `format=rawxml`.
 *
 * Raw requests: ./arm-transport.ts; the ArmError contract of both kinds: ./arm-errors.ts.
 */
import type { TokenCredential } from '@azure/core-auth';
import type { ApiManagementClient } from '@azure/arm-apimanagement';
import { createDefaultHttpClient, type HttpClient, type Pipeline } from '@azure/core-rest-pipeline';
import { ArmError, type ArmPort, type Etagged, type Json, type PolicyDocument } from '../ports.js';
import type { CloudEndpoints } from '../types.js';
import { sdkCall } from './arm-errors.js';
import { createArmSender, parseJson, policyFrom, type ArmSend } from './arm-transport.js';
import type { ArmLimits } from './arm-limits.js';
import { apimClientLoader, createArmPipeline } from './arm-pipeline.js';
import { ARM_READ_RETRY, type RetryOptions } from './retry.js';
import { ReadShapeError } from './validated-arm.js';

export { isIdempotentRead } from './arm-transport.js';

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

/** One poll of the APIM service update (the identity PATCH's long-running operation), for progress in the log. */
export interface ApimUpdatePoll {
  /** 1-based number of this poll. */
  poll: number;
  /** The operation's status after it (@azure/core-lro: `running`, `succeeded`, `failed`, `canceled`, …). */
  status: string;
  /** Time since ARM accepted the PATCH (the 202), ms. */
  elapsedMs: number;
  /** The poll as one log line, e.g. `APIM apim-x update: poll 3, running, 14 s elapsed`. */
  text: string;
}

/** Options of createArmPort (see there), as the methods read them. */
interface ArmPortOptions {
  lroIntervalMs?: number;
  requestTimeoutMs?: number;
  lroTimeoutMs?: number;
  readRetry?: RetryOptions;
  onPoll?: (poll: ApimUpdatePoll) => void;
  limits?: ArmLimits;
  httpClient?: HttpClient;
}

/**
 * Creates the ArmPort for one target.
 * @param credential the workflow's token credential (GitHub OIDC federated).
 * @param endpoints ARM endpoint and scope (the pipeline signs for `armScope` explicitly: a generated App Service
 *   client would otherwise ask for the public-cloud scope — DESIGN §3).
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
 * @param opts.onPoll called after each poll of the APIM PATCH's long-running operation (the SDK poller's
 *   `onProgress`, @azure/core-lro `SimplePollerLike`), e.g. `(p) => log.info(p.text)`: APIM service updates can take
 *   many minutes, and without it the log is silent meanwhile. An exception it throws is ignored.
 * @param opts.limits the run's ARM in-flight limits (./arm-limits.ts), shared by every target's port: its policy is
 *   added to the port's pipeline after the Sign phase, so every ARM request of this port (SDK operations, raw
 *   requests, LRO polls) waits for a slot of its subscription. Absent: no bound beyond the HTTP agent's.
 * @param opts.httpClient the HTTP client of the raw requests (default: a new default client per port); a run over
 *   many targets hands in one, so connections are reused across targets.
 */
export function createArmPort(
  credential: TokenCredential,
  endpoints: CloudEndpoints,
  target: ArmTarget,
  opts: ArmPortOptions = {}
): ArmPort {
  const timeout = opts.requestTimeoutMs ?? 60_000;
  const readRetry: RetryOptions = { ...ARM_READ_RETRY, ...opts.readRetry };
  const pipeline = createArmPipeline(credential, endpoints, opts.limits);
  const send = createArmSender({
    armEndpoint: endpoints.armEndpoint,
    timeout,
    readRetry,
    httpClient: opts.httpClient ?? createDefaultHttpClient()
  });
  const ctx: PortContext = {
    send,
    apimClient: apimClientLoader(credential, target.subscriptionId, endpoints.armEndpoint, pipeline),
    pipeline,
    ids: targetResourceIds(target, []),
    target,
    armEndpoint: endpoints.armEndpoint,
    timeout,
    readRetry,
    opts
  };
  return {
    ...apimServiceMethods(ctx),
    ...apiPolicyMethods(ctx),
    ...pipelineMethods(ctx),
    ...siteMethods(ctx),
    ...apimSecretMethods(ctx)
  };
}

/** What the ArmPort methods share: one sender, the clients and their pipelines, the target's IDs, the options. */
interface PortContext {
  send: ArmSend;
  /** The typed APIM client over the port's pipeline, imported on the first typed call. */
  apimClient: () => Promise<ApiManagementClient>;
  /** The port's one ARM pipeline (./arm-pipeline.ts): raw requests and the typed client alike. */
  pipeline: Pipeline;
  ids: ReturnType<typeof targetResourceIds>;
  target: ArmTarget;
  armEndpoint: string;
  /** Per-request timeout, ms. */
  timeout: number;
  readRetry: RetryOptions;
  opts: ArmPortOptions;
}

/** The APIM service (read, and the identity PATCH with its long-running operation) and its APIs. */
function apimServiceMethods(
  ctx: PortContext
): Pick<ArmPort, 'getApimService' | 'patchApimService' | 'getApi' | 'prepareApimUpdate'> {
  const { send, apimClient, pipeline, ids, target, timeout, opts } = ctx;
  return {
    async getApimService(): Promise<Etagged<Json>> {
      const r = await send(pipeline, 'GET', ids.apim, APIM_API_VERSION);
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
      const client = await apimClient();
      const poller = await sdkCall('PATCH', ids.apim, () =>
        client.apiManagementService.beginUpdate(
          target.apimResourceGroup,
          target.apimName,
          body as Parameters<ApiManagementClient['apiManagementService']['beginUpdate']>[2],
          options
        )
      );
      // From here ARM has accepted the PATCH: a failed or timed-out poll does not mean nothing changed.
      const stop = opts.onPoll ? poller.onProgress(pollReporter(target.apimName, opts.onPoll)) : undefined;
      try {
        await sdkCall('PATCH', ids.apim, () => poller.pollUntilDone(), true);
      } finally {
        stop?.();
      }
    },
    prepareApimUpdate(): void {
      apimClient().catch(() => undefined); // the PATCH loads it again and reports the failure
    },
    async getApi(apiId: string): Promise<Etagged<Json>> {
      const r = await send(pipeline, 'GET', `${ids.apim}/apis/${encodeURIComponent(apiId)}`, APIM_API_VERSION);
      return { body: parseJson(r), etag: r.headers['etag'] };
    }
  };
}

/**
 * The poller's progress callback for {@link ArmPortOptions.onPoll}: counts the polls and times them from now (the
 * PATCH was just accepted). Swallows the callback's exceptions: progress never changes the write's outcome.
 */
function pollReporter(apimName: string, onPoll: (poll: ApimUpdatePoll) => void): (state: { status: string }) => void {
  const started = Date.now();
  let poll = 0;
  return (state) => {
    poll++;
    const elapsedMs = Date.now() - started;
    const status = String(state.status);
    const text = `APIM ${apimName} update: poll ${poll}, ${status}, ${Math.round(elapsedMs / 1000)} s elapsed`;
    try {
      onPoll({ poll, status, elapsedMs, text });
    } catch {
      // Progress is for people only.
    }
  };
}

/** An API's policy, read and written as raw JSON in `rawxml`. */
function apiPolicyMethods(ctx: PortContext): Pick<ArmPort, 'getApiPolicy' | 'putApiPolicy' | 'deleteApiPolicy'> {
  const { send, pipeline, ids } = ctx;
  return {
    async getApiPolicy(apiId: string): Promise<PolicyDocument | undefined> {
      try {
        const r = await send(
          pipeline,
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
        pipeline,
        'PUT',
        `${ids.apim}/apis/${encodeURIComponent(apiId)}/policies/policy`,
        APIM_API_VERSION,
        { properties: { format: 'rawxml', value } },
        { 'if-match': ifMatch }
      );
      const doc = policyFrom(r);
      return typeof doc.value === 'string' && doc.value ? doc : { value, format: 'rawxml', etag: doc.etag };
    },
    async deleteApiPolicy(apiId: string, ifMatch: string): Promise<void> {
      // ApiPolicy_Delete: If-Match is required (a stale one → 412 PreconditionFailed, nothing deleted).
      await send(
        pipeline,
        'DELETE',
        `${ids.apim}/apis/${encodeURIComponent(apiId)}/policies/policy`,
        APIM_API_VERSION,
        undefined,
        { 'if-match': ifMatch }
      );
    }
  };
}

/**
 * What runs around the API policy, read only: the API's operations, their policies and the policy fragments they
 * include (rawxml, as authored), each 404 meaning "none".
 */
function pipelineMethods(
  ctx: PortContext
): Pick<ArmPort, 'listApiOperations' | 'getOperationPolicy' | 'getPolicyFragment'> {
  const { send, pipeline, ids } = ctx;
  const rawxml = async (path: string): Promise<PolicyDocument | undefined> => {
    try {
      const r = await send(pipeline, 'GET', path, APIM_API_VERSION, undefined, {}, '&format=rawxml');
      const props = (parseJson(r) as { properties?: unknown } | null)?.properties;
      const served = typeof props === 'object' && props !== null ? (props as Json).format : undefined;
      return { ...policyFrom(r), ...(served !== undefined ? { servedFormat: served } : {}) };
    } catch (e) {
      if (e instanceof ArmError && e.status === 404) return undefined;
      throw e;
    }
  };
  return {
    listApiOperations: (apiId: string, maxItems = 2000) =>
      listPages(ctx, `${ids.apim}/apis/${encodeURIComponent(apiId)}/operations`, '', maxItems),
    getOperationPolicy: (apiId: string, operationId: string) =>
      rawxml(
        `${ids.apim}/apis/${encodeURIComponent(apiId)}/operations/${encodeURIComponent(operationId)}/policies/policy`
      ),
    getPolicyFragment: (fragmentId: string) => rawxml(`${ids.apim}/policyFragments/${encodeURIComponent(fragmentId)}`)
  };
}

/** The Function App (site or slot) and its Easy Auth settings, as raw JSON. */
function siteMethods(
  ctx: PortContext
): Pick<ArmPort, 'getSite' | 'getAuthSettingsV2' | 'putAuthSettingsV2' | 'getAuthSettingsV1'> {
  const { send, pipeline, ids } = ctx;
  return {
    async getSite(): Promise<Etagged<Json>> {
      const r = await send(pipeline, 'GET', ids.site, WEB_API_VERSION);
      return { body: parseJson(r), etag: r.headers['etag'] };
    },
    async getAuthSettingsV2(): Promise<Json> {
      // WebApps_GetAuthSettingsV2 = GET .../config/authsettingsV2/list (what the SDK's getAuthSettingsV2 sends).
      return parseJson(await send(pipeline, 'GET', `${ids.authSettingsV2}/list`, WEB_API_VERSION));
    },
    async putAuthSettingsV2(body: Json): Promise<Json> {
      // WebApps_UpdateAuthSettingsV2 = PUT .../config/authsettingsV2 (replaces the whole document).
      return parseJson(await send(pipeline, 'PUT', ids.authSettingsV2, WEB_API_VERSION, body));
    },
    async getAuthSettingsV1(): Promise<Json> {
      // WebApps_GetAuthSettings = POST .../config/authsettings/list; `properties.configVersion` tells v1 from v2.
      return parseJson(await send(pipeline, 'POST', `${ids.site}/config/authsettings/list`, WEB_API_VERSION));
    }
  };
}

/** APIM subscription keys and named values (secret values included: returned, never logged). */
function apimSecretMethods(
  ctx: PortContext
): Pick<ArmPort, 'listSubscriptionSecrets' | 'listNamedValues' | 'getNamedValue' | 'listNamedValueSecret'> {
  const { send, apimClient, pipeline, ids, target, timeout, readRetry } = ctx;
  return {
    async listSubscriptionSecrets(subscriptionName: string) {
      const client = await apimClient();
      const r = await sdkCall(
        'POST',
        `${ids.apim}/subscriptions/${subscriptionName}/listSecrets`,
        () =>
          client.subscription.listSecrets(target.apimResourceGroup, target.apimName, subscriptionName, {
            requestOptions: { timeout }
          }),
        false,
        readRetry
      );
      return { primaryKey: r.primaryKey, secondaryKey: r.secondaryKey };
    },
    async listNamedValues(filter: string, maxItems = 100) {
      const r = await listPages(ctx, `${ids.apim}/namedValues`, `&$filter=${encodeURIComponent(filter)}`, maxItems);
      // A 200 without the list is no empty list: "no such named value" would then be concluded from nothing.
      if (r.invalid) {
        throw new ReadShapeError(`named values (${filter})`, `GET ${ids.apim}/namedValues`, r.invalid, ids.apim);
      }
      return r.value;
    },
    async getNamedValue(namedValueId: string): Promise<Etagged<Json>> {
      const r = await send(
        pipeline,
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
          pipeline,
          'POST',
          `${ids.apim}/namedValues/${encodeURIComponent(namedValueId)}/listValue`,
          APIM_API_VERSION
        )
      ) as Json | null;
      return typeof body === 'object' && body !== null && typeof body.value === 'string' ? { value: body.value } : {};
    }
  };
}

/**
 * One pageable ARM collection (x-ms-pageable with `nextLink`: NamedValue_ListByService, ApiOperation_ListByApi, …):
 * GET `path` with `query` (already `&`-prefixed and encoded), then each `nextLink`. A nextLink is followed only on
 * the ARM endpoint's own origin (the bearer token never goes elsewhere), at most 50 pages; `truncated` when items or
 * pages were left unread (more than `maxItems`, or a nextLink still pending after the page cap); `invalid` when a 200
 * did not carry the list — a page that is not a JSON object, has no `value` array or an item that is not an object,
 * or a nextLink back to a page already read (a loop) — said in words; the pages after it are not read, and the
 * caller must not conclude anything from the items (src/azure/validated-arm.ts refuses such a read).
 */
async function listPages(
  ctx: PortContext,
  path: string,
  query: string,
  maxItems: number
): Promise<{ value: Json[]; truncated: boolean; invalid?: string }> {
  const out: Json[] = [];
  const base = new URL(ctx.armEndpoint);
  const prefix = base.pathname.replace(/\/+$/, '');
  let truncated = false;
  const seen = new Set<string>();
  for (let page = 1; ; page++) {
    seen.add(pageKey(path, query));
    const body = parseJson(await ctx.send(ctx.pipeline, 'GET', path, APIM_API_VERSION, undefined, {}, query));
    const problem = pageProblem(body as unknown);
    if (problem) return { value: out, truncated, invalid: `page ${page} ${problem}` };
    for (const v of body.value as Json[]) {
      if (out.length >= maxItems) truncated = true;
      else out.push(v);
    }
    const next = typeof body.nextLink === 'string' && body.nextLink !== '' ? new URL(body.nextLink) : undefined;
    if (!next || next.origin !== base.origin || !next.pathname.startsWith(prefix)) break;
    if (truncated || out.length >= maxItems || page >= 50) {
      truncated = true;
      break;
    }
    path = next.pathname.slice(prefix.length);
    next.searchParams.delete('api-version');
    const rest = next.searchParams.toString();
    query = rest ? `&${rest}` : '';
    // A nextLink back to a page already read is a loop, not more items: the list cannot be read whole.
    if (seen.has(pageKey(path, query))) {
      return { value: out, truncated, invalid: `page ${page} has a nextLink back to a page already read (a loop)` };
    }
  }
  return { value: out, truncated };
}

/** A page's identity for loop detection: path (case-insensitive, as ARM compares) and sorted query parameters. */
function pageKey(path: string, query: string): string {
  const params = [...new URLSearchParams(query.replace(/^&/, '')).entries()].map(([k, v]) => `${k}=${v}`).sort();
  return `${path.toLowerCase()}?${params.join('&')}`;
}

/** Why one page of a list is not a list page (`is null`, `has no value array`, …), or undefined. */
function pageProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return `is ${body === null ? 'null' : 'not a JSON object'}`;
  if (Array.isArray(body)) return 'is an array, not a JSON object';
  const value = (body as Json).value;
  if (!Array.isArray(value)) return 'has no value array';
  const bad = value.findIndex((v) => typeof v !== 'object' || v === null || Array.isArray(v));
  return bad >= 0 ? `has an item (${bad + 1}) that is not a JSON object` : undefined;
}
