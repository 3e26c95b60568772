/**
 * The twin's APIM gateway: route by API path, subscription-key check, a small inbound policy pipeline, forward.
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
 * Limits (documented): C# expressions are never evaluated — elements the twin does not model (`choose`,
 * `set-variable`, `rate-limit`, …) are skipped, and a modelled element whose relevant attribute or value is an
 * expression is skipped too. Operations are matched leniently (any method/path under the API); revisions ignored;
 * outbound / on-error sections are not run; tokens are not cached.
 */
import type { GatewayContext, GatewayHandler, Json, PolicyElement, TwinRequest, TwinResponse } from '../contracts.js';
import { parsePolicyText } from '../policy-text.js';

/** Optional extra inputs the twin server may add to the gateway context. */
export interface GatewayExtras {
  /** Backends of the service: backend id (name) → ARM body (`properties.url`, `properties.credentials.header`). */
  backends?: Record<string, Json>;
  /** Named values of the service: name → value (for `{{name}}` in policies and backend credentials). */
  namedValues?: Record<string, string>;
}

export type GatewayContextWithExtras = GatewayContext & GatewayExtras;

function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}

function json(status: number, body: Json, headers: Record<string, string> = {}): TwinResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body)
  };
}

const isExpr = (v: string | undefined): boolean => v !== undefined && /^\s*@[({]/.test(v);

function trimSlashes(p: string): string {
  return p.replace(/^\/+|\/+$/g, '');
}

/** Finds the API whose `properties.path` is the longest prefix (by whole segments) of `path`. */
function routeApi(
  ctx: GatewayContext,
  path: string
): { api: GatewayContext['apis'][number]; apiPath: string; rest: string } | undefined {
  const reqSegs = trimSlashes(path).split('/').filter(Boolean);
  let best: { api: GatewayContext['apis'][number]; apiPath: string; rest: string; len: number } | undefined;
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

interface Pipeline {
  headers: Record<string, string>;
  /** The query parameters in order (name, value), and whether a policy changed them (else forwarded verbatim). */
  query: [string, string][];
  queryChanged: boolean;
  backendUrl: string;
  variables: Record<string, string>;
}

type StepResult = { stop: TwinResponse } | undefined;

function resolveNamed(value: string, named: Record<string, string> | undefined): string {
  return value.replace(/\{\{([^}]+)\}\}/g, (all, name: string) => named?.[name.trim()] ?? all);
}

function managedIdentityCaller(
  service: Json,
  clientId: string | undefined
): { appId: string; objectId: string } | { missing: string } {
  const identity = obj(service['identity']);
  const type = String(identity['type'] ?? 'None');
  if (clientId) {
    const uais = obj(identity['userAssignedIdentities']);
    const hit = Object.values(uais)
      .map(obj)
      .find((u) => String(u['clientId'] ?? '').toLowerCase() === clientId.toLowerCase());
    if (!/UserAssigned/i.test(type) || !hit || typeof hit['principalId'] !== 'string') {
      return { missing: `User-assigned managed identity with client id '${clientId}' is not assigned to this service` };
    }
    return { appId: clientId, objectId: hit['principalId'] };
  }
  const principalId = identity['principalId'];
  if (!/SystemAssigned/i.test(type) || typeof principalId !== 'string' || principalId === '') {
    return { missing: 'System-assigned managed identity is not enabled for this service' };
  }
  // appId '' → TenantServices looks the client ID up from the service principal with this object ID.
  return { appId: '', objectId: principalId };
}

async function runSection(
  ctx: GatewayContextWithExtras,
  section: PolicyElement | undefined,
  state: Pipeline,
  baseSection: PolicyElement | undefined
): Promise<StepResult> {
  if (!section) return undefined;
  for (const child of section.children) {
    if (child.type !== 'element') continue;
    const el = child.element;
    const a = el.attributes;
    switch (el.name) {
      case 'base': {
        const r = await runSection(ctx, baseSection, state, undefined);
        if (r) return r;
        break;
      }
      case 'authentication-managed-identity': {
        if (isExpr(a['resource']) || isExpr(a['client-id'])) break; // expressions are not evaluated
        const resource = resolveNamed(a['resource'] ?? '', ctx.namedValues);
        const clientId = a['client-id'] ? resolveNamed(a['client-id'], ctx.namedValues) : undefined;
        const ignoreError = (a['ignore-error'] ?? 'false').toLowerCase() === 'true';
        const caller = managedIdentityCaller(ctx.service, clientId);
        let failure: string | undefined;
        let token: string | undefined;
        if ('missing' in caller) {
          failure = `Managed identity is not configured for use with the authentication-managed-identity policy. ${caller.missing}.`;
        } else {
          const r = await ctx.tenant.issueAccessToken(caller, resource);
          if ('token' in r) token = r.token;
          else failure = `Obtaining managed identity token for '${resource}' audience failed: ${r.error}`;
        }
        if (failure !== undefined) {
          if (ignoreError) break;
          return {
            stop: json(500, {
              statusCode: 500,
              message: `Internal server error: authentication-managed-identity: ${failure}`
            })
          };
        }
        const variable = a['output-token-variable-name'];
        if (variable) state.variables[variable] = token!;
        else state.headers['authorization'] = `Bearer ${token!}`;
        break;
      }
      case 'set-header': {
        const name = (a['name'] ?? '').toLowerCase();
        if (!name || isExpr(a['name'])) break;
        const action = (a['exists-action'] ?? 'override').toLowerCase();
        if (action === 'delete') {
          delete state.headers[name];
          break;
        }
        const { values, hasExpr } = literalValues(el, ctx.namedValues);
        if (hasExpr) break;
        const joined = values.join(',');
        if (action === 'skip') {
          if (state.headers[name] === undefined) state.headers[name] = joined;
        } else if (action === 'append' && state.headers[name] !== undefined) {
          state.headers[name] = `${state.headers[name]},${joined}`;
        } else state.headers[name] = joined;
        break;
      }
      case 'set-query-parameter': {
        const name = a['name'] ?? '';
        if (!name.trim() || isExpr(name)) break;
        const lc = name.trim().toLowerCase();
        const action = (a['exists-action'] ?? 'override').toLowerCase();
        const present = state.query.some(([n]) => n.toLowerCase() === lc);
        if (action === 'delete') {
          if (present) {
            state.query = state.query.filter(([n]) => n.toLowerCase() !== lc);
            state.queryChanged = true;
          }
          break;
        }
        const { values, hasExpr } = literalValues(el, ctx.namedValues);
        if (hasExpr || (action === 'skip' && present)) break;
        if (action !== 'append') state.query = state.query.filter(([n]) => n.toLowerCase() !== lc);
        for (const v of values) state.query.push([name.trim(), v]);
        state.queryChanged = true;
        break;
      }
      case 'set-backend-service': {
        if (a['base-url'] !== undefined) {
          if (!isExpr(a['base-url'])) state.backendUrl = resolveNamed(a['base-url'], ctx.namedValues);
        } else if (a['backend-id'] !== undefined && !isExpr(a['backend-id'])) {
          const backend = ctx.backends?.[a['backend-id']];
          if (!backend) {
            return {
              stop: json(500, {
                statusCode: 500,
                message: `Internal server error: set-backend-service: backend '${a['backend-id']}' not found`
              })
            };
          }
          const props = obj(backend['properties']);
          if (typeof props['url'] === 'string') state.backendUrl = props['url'];
          const credHeaders = obj(obj(props['credentials'])['header']);
          for (const [h, v] of Object.entries(credHeaders)) {
            const vals = Array.isArray(v) ? v.map(String) : [String(v)];
            state.headers[h.toLowerCase()] = vals.map((x) => resolveNamed(x, ctx.namedValues)).join(',');
          }
        }
        break;
      }
      default:
        break; // not modelled (choose, set-variable, rate-limit, …): skipped, expressions are never evaluated
    }
  }
  return undefined;
}

function inboundOf(raw: string | undefined): PolicyElement | undefined {
  if (!raw) return undefined;
  const root = parsePolicyText(raw);
  for (const c of root.children) if (c.type === 'element' && c.element.name === 'inbound') return c.element;
  return undefined;
}

/**
 * Handles one request to the APIM gateway.
 *
 * @param ctx the service, its APIs with policies, subscription keys, `forward`; optionally `backends` and
 *   `namedValues` (see `GatewayExtras`).
 * @param req path + query in `url`, lower-case headers.
 * @returns 404 `{statusCode, message: "Resource not found"}` when no API path matches; 401 for a missing/invalid
 *   subscription key (with `WWW-Authenticate: AzureApiManagementKey …`); 500 for a policy failure (identity missing,
 *   token error, unparsable policy, unknown backend, backend unreachable); otherwise the backend's answer.
 */
export const handleGatewayRequest: GatewayHandler = async (
  ctx: GatewayContextWithExtras,
  req: TwinRequest
): Promise<TwinResponse> => {
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  const query = q < 0 ? '' : req.url.slice(q);
  const routed = routeApi(ctx, path);
  if (!routed) return json(404, { statusCode: 404, message: 'Resource not found' });
  const props = obj(routed.api.body['properties']);

  if (props['subscriptionRequired'] !== false) {
    const names = obj(props['subscriptionKeyParameterNames']);
    const headerName = typeof names['header'] === 'string' ? names['header'] : 'Ocp-Apim-Subscription-Key';
    const queryName = typeof names['query'] === 'string' ? names['query'] : 'subscription-key';
    const key =
      req.headers[headerName.toLowerCase()] ?? new URLSearchParams(query.slice(1)).get(queryName) ?? undefined;
    const gatewayUrl = String(obj(ctx.service['properties'])['gatewayUrl'] ?? '').replace(/\/+$/, '');
    const challenge = `AzureApiManagementKey realm="${gatewayUrl}/${routed.apiPath}",name="${headerName}",type="header"`;
    if (key === undefined || key === '') {
      return json(
        401,
        {
          statusCode: 401,
          message:
            'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.'
        },
        { 'www-authenticate': challenge }
      );
    }
    if (!ctx.subscriptionKeys.includes(key)) {
      return json(
        401,
        {
          statusCode: 401,
          message:
            'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.'
        },
        { 'www-authenticate': challenge }
      );
    }
  }

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
  let apiInbound: PolicyElement | undefined;
  let globalInbound: PolicyElement | undefined;
  try {
    apiInbound = inboundOf(routed.api.policyRaw);
    globalInbound = inboundOf(ctx.globalPolicyRaw);
  } catch (e) {
    return json(500, {
      statusCode: 500,
      message: `Internal server error: policy could not be read: ${(e as Error).message}`
    });
  }
  // No API policy: the global policy's inbound still applies (it is what `<base />` would have run).
  const stop = apiInbound
    ? await runSection(ctx, apiInbound, state, globalInbound)
    : await runSection(ctx, globalInbound, state, undefined);
  if (stop) return stop.stop;

  if (!state.backendUrl)
    return json(500, { statusCode: 500, message: 'Internal server error: no backend service URL' });
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
    return json(500, {
      statusCode: 500,
      message: `Internal server error: forward-request: backend could not be reached (${(e as Error).message})`
    });
  }
};

/**
 * The literal `<value>` children of a set-header / set-query-parameter, with named values resolved. `hasExpr` is true
 * when any value is a policy expression: the twin does not evaluate C#, so such an element is skipped.
 */
function literalValues(
  el: PolicyElement,
  namedValues: Parameters<typeof resolveNamed>[1]
): { values: string[]; hasExpr: boolean } {
  const values: string[] = [];
  let hasExpr = false;
  for (const v of el.children) {
    if (v.type !== 'element' || v.element.name !== 'value') continue;
    const text = v.element.children
      .map((c) => (c.type === 'text' || c.type === 'cdata' ? c.text : ''))
      .join('')
      .trim();
    if (isExpr(text)) hasExpr = true;
    values.push(resolveNamed(text, namedValues));
  }
  return { values, hasExpr };
}
