/**
 * The twin's APIM gateway: route by API path, match the operation, subscription-key check, the effective inbound
 * policy (global → product → API → operation, with `<base />`, fragments and named values: pipeline.ts, scopes.ts),
 * forward.
 *
 * Sources:
 * - Learn "Subscriptions in Azure API Management": key in header `Ocp-Apim-Subscription-Key` or query
 *   `subscription-key` (names from the API's `subscriptionKeyParameterNames`); `subscriptionRequired` (absent = true,
 *   ARM default). 401 texts as the gateway sends them ("Access denied due to missing subscription key…",
 *   "Access denied due to invalid subscription key…"; MicrosoftDocs/azure-docs#15130; tech-findings.com 2018/09).
 * - Learn "authentication-managed-identity policy": `resource`, `client-id` (user-assigned identity),
 *   `output-token-variable-name`, `ignore-error`; the token goes into `Authorization: Bearer …`. A service without
 *   the identity answers 500 (field case C10: microsoft/TechExcel-Integrating-Azure-PaaS-and-AI-Services-for-AI-Design-Wins#37,
 *   "the managed identity is not set to use authentication-managed-identity"); an unknown resource → 500 with
 *   AADSTS500011 in the trace (field case C01).
 * - Learn "set-header policy" (`exists-action` override | skip | append | delete, `<value>` children) and
 *   "set-backend-service policy" (`base-url`, `backend-id`); backend `credentials.header` (field case C15).
 * - By default the gateway forwards every request header, the subscription key header included (why the action's
 *   policy deletes `Ocp-Apim-Subscription-Key`), and the query string, the subscription-key query parameter included
 *   (Learn "Subscriptions in Azure API Management": "When included in a request header or query parameter, the
 *   subscription key by default is passed to the backend"; why the action's policy also deletes `subscription-key`).
 * - Learn "set-query-parameter policy" (`exists-action` override | skip | append | delete, `<value>` children): names
 *   are literal and matched case-insensitively (Learn states no case rule; the action compares them the same way).
 *   The query string is forwarded as received unless such a policy changed it.
 * - Product scope: the product of the subscription whose key the request carries (`properties.scope`
 *   `/products/{id}`; Learn "Subscriptions in Azure API Management", scopes; "Policies in Azure API Management").
 * Limits (documented): C# expressions are not evaluated beyond `context.Subscription.*` (scopes.ts) — elements the
 * twin does not model (`choose`, `set-variable`, `send-request`, `rate-limit`, …) are skipped with everything inside
 * them, and a modelled element whose relevant attribute or value is another expression is skipped too. An API
 * context without `operations` (hand-built contexts) matches any method/path; revisions ignored; outbound / on-error
 * sections are not run; tokens are not cached.
 */
import type { GatewayContext, GatewayHandler, GatewaySubscription, TwinRequest, TwinResponse } from '../contracts.js';
import {
  fail,
  inboundOf,
  obj,
  runScope,
  type GatewayContextWithExtras,
  type Pipeline,
  type RunEnv,
  type Scope
} from './pipeline.js';
import { matchOperation, NamedValueFailure, namedValueEntriesOf } from './scopes.js';

export type { GatewayContextWithExtras, GatewayExtras } from './pipeline.js';

function json(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): TwinResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body)
  };
}

const NOT_FOUND = (): TwinResponse => json(404, { statusCode: 404, message: 'Resource not found' });

function trimSlashes(p: string): string {
  return p.replace(/^\/+|\/+$/g, '');
}

type RoutedApi = GatewayContext['apis'][number];

/** Finds the API whose `properties.path` is the longest prefix (by whole segments) of `path`. */
function routeApi(ctx: GatewayContext, path: string): { api: RoutedApi; apiPath: string; rest: string } | undefined {
  const reqSegs = trimSlashes(path).split('/').filter(Boolean);
  let best: { api: RoutedApi; apiPath: string; rest: string; len: number } | undefined;
  for (const api of ctx.apis) {
    const props = obj(api.body['properties']);
    if (props['isCurrent'] === false) continue;
    const apiPath = trimSlashes(typeof props['path'] === 'string' ? props['path'] : '');
    const segs = apiPath.split('/').filter(Boolean);
    if (segs.length > reqSegs.length) continue;
    if (!segs.every((s, i) => s.toLowerCase() === reqSegs[i].toLowerCase())) continue;
    if (!best || segs.length > best.len) {
      best = { api, apiPath, rest: reqSegs.slice(segs.length).join('/'), len: segs.length };
    }
  }
  return best && { api: best.api, apiPath: best.apiPath, rest: best.rest };
}

/**
 * The subscription-key check (Learn "Subscriptions in Azure API Management"): a 401 answer, or the subscription the
 * key belongs to (undefined when the API needs none and none matched).
 */
function checkKey(
  ctx: GatewayContext,
  props: Record<string, unknown>,
  apiPath: string,
  req: TwinRequest,
  query: string
): { denied: TwinResponse } | { subscription?: GatewaySubscription & { usedKey: string } } {
  const names = obj(props['subscriptionKeyParameterNames']);
  const headerName = typeof names['header'] === 'string' ? names['header'] : 'Ocp-Apim-Subscription-Key';
  const queryName = typeof names['query'] === 'string' ? names['query'] : 'subscription-key';
  const key = req.headers[headerName.toLowerCase()] ?? new URLSearchParams(query.slice(1)).get(queryName) ?? undefined;
  const sub = key ? ctx.subscriptions?.find((s) => s.primaryKey === key || s.secondaryKey === key) : undefined;
  const found = sub && key ? { subscription: { ...sub, usedKey: key } } : {};
  if (props['subscriptionRequired'] === false) return found;
  const gatewayUrl = String(obj(ctx.service['properties'])['gatewayUrl'] ?? '').replace(/\/+$/, '');
  const challenge = `AzureApiManagementKey realm="${gatewayUrl}/${apiPath}",name="${headerName}",type="header"`;
  const deny = (message: string) => ({
    denied: json(401, { statusCode: 401, message }, { 'www-authenticate': challenge })
  });
  if (key === undefined || key === '') {
    return deny(
      'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.'
    );
  }
  if (!ctx.subscriptionKeys.includes(key)) {
    return deny(
      'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.'
    );
  }
  return found;
}

/** The product ID of a subscription scoped to a product (`…/products/{id}`), else undefined. */
function productOf(sub: GatewaySubscription | undefined): string | undefined {
  return sub ? /\/products\/([^/]+)\/?$/i.exec(sub.scope)?.[1] : undefined;
}

/**
 * The scopes of the effective policy, outermost first: global, product (when the key's subscription is scoped to a
 * product with a policy), API, operation (when matched). Throws like `inboundOf`.
 */
function scopesOf(
  ctx: GatewayContextWithExtras,
  env: RunEnv,
  api: RoutedApi,
  operation: { name: string; policyRaw?: string } | undefined
): Scope[] {
  const scopes: Scope[] = [{ label: 'global', inbound: inboundOf(ctx.globalPolicyRaw, env) }];
  const product = productOf(env.subscription);
  if (product && ctx.productPolicies?.[product] !== undefined)
    scopes.push({ label: `product ${product}`, inbound: inboundOf(ctx.productPolicies[product], env) });
  scopes.push({ label: `api ${api.id.split('/').pop()}`, inbound: inboundOf(api.policyRaw, env) });
  if (operation) scopes.push({ label: `operation ${operation.name}`, inbound: inboundOf(operation.policyRaw, env) });
  return scopes;
}

/**
 * Handles one request to the APIM gateway.
 *
 * @param ctx the service, its APIs with policies and operations, subscriptions, fragments, named values, `forward`;
 *   optionally `backends` (see `GatewayExtras`).
 * @param req path + query in `url`, lower-case headers.
 * @returns 404 `{statusCode, message: "Resource not found"}` when no API path or no operation matches; 401 for a
 *   missing/invalid subscription key (with `WWW-Authenticate: AzureApiManagementKey …`); 500 for a policy failure
 *   (identity missing, token error, unparsable policy, missing fragment or named value, unknown backend, backend
 *   unreachable); otherwise the backend's answer.
 */
export const handleGatewayRequest: GatewayHandler = async (
  ctx: GatewayContextWithExtras,
  req: TwinRequest
): Promise<TwinResponse> => {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q);
  const routed = routeApi(ctx, path);
  if (!routed) return NOT_FOUND();
  const props = obj(routed.api.body['properties']);
  const ops = routed.api.operations;
  const operation = ops ? matchOperation(ops, req.method, routed.rest) : undefined;
  if (ops && !operation) return NOT_FOUND(); // configuration error, reason OperationNotFound (scopes.ts)

  const checked = checkKey(ctx, props, routed.apiPath, req, query);
  if ('denied' in checked) return checked.denied;

  const headers = { ...req.headers };
  delete headers['host'];
  delete headers['content-length'];
  delete headers['connection'];
  const state: Pipeline = {
    headers,
    query: [...new URLSearchParams(query.slice(1)).entries()],
    queryChanged: false,
    backendUrl: typeof props['serviceUrl'] === 'string' ? props['serviceUrl'] : '',
    variables: {}
  };
  const env: RunEnv = { ctx, state, namedValues: namedValueEntriesOf(ctx), subscription: checked.subscription };
  let scopes: Scope[];
  try {
    scopes = scopesOf(ctx, env, routed.api, operation);
  } catch (e) {
    const what = e instanceof NamedValueFailure ? 'named value' : 'policy could not be read';
    return fail(`${what}: ${(e as Error).message}`)!.stop;
  }
  const stop = await runScope(env, scopes, scopes.length - 1);
  if (stop) return stop.stop;

  if (!state.backendUrl) return fail('no backend service URL')!.stop;
  const base = state.backendUrl.replace(/\/+$/, '');
  const search = state.queryChanged
    ? state.query.length > 0
      ? `?${new URLSearchParams(state.query).toString()}`
      : ''
    : query;
  const url = base + (routed.rest ? `/${routed.rest}` : '') + search;
  try {
    return await ctx.forward({ method: req.method, url, headers: state.headers, body: req.body });
  } catch (e) {
    return fail(`forward-request: backend could not be reached (${(e as Error).message})`)!.stop;
  }
};
