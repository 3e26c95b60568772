/**
 * The twin's Function host: Easy Auth in front (emulator/src/dataplane/easy-auth.ts), then the function's own route
 * and `authLevel` key check, then the route's canned answer.
 *
 * Sources: Learn "Azure Functions HTTP trigger – Authorization level" and "Work with access keys in Azure Functions"
 * (`function`/`admin` levels need a key in the `x-functions-key` header or the `code` query parameter; without one the
 * host answers 401 — with an empty body and no Bearer challenge, MicrosoftDocs/azure-docs#26034, #99722);
 * field case C15 (the key check runs after Easy Auth succeeded; Azure/azure-functions-host#11394).
 */
import type { FunctionHostContext, FunctionHostHandler, TwinRequest, TwinResponse } from '../contracts.js';
import { evaluateEasyAuth, requestPath } from './easy-auth.js';

function queryParam(url: string, name: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get(name) ?? undefined;
}

/** The query parameter names of `url` (never values), URL-encoded, unique, sorted, comma-separated ('' for none). */
function queryNames(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return '';
  const names = new Set([...new URLSearchParams(url.slice(q + 1)).keys()].map((n) => encodeURIComponent(n)));
  return [...names].sort().join(',');
}

/**
 * Handles one request to a Function App.
 *
 * @param ctx routes (`path` exact, case-insensitive; `methods` case-insensitive), host keys, Easy Auth settings in effect.
 * @param req the request; `headers.host` (if present) is the Challenge realm.
 * @returns Easy Auth's 401/302/403; 404 (empty body) when no route matches path and method; 401 (empty body) when an
 *   `authLevel` `function`/`admin` route gets no valid key; otherwise the route's `status` with its JSON `body`.
 *   Successful answers carry `x-twin-caller-oid` / `x-twin-caller-appid` (caller identity from the token, never the
 *   token itself), `x-twin-received-headers` (the lower-case NAMES of the request headers the function received,
 *   sorted, comma-separated — never a value: it shows e.g. whether APIM forwarded the subscription-key header, which
 *   the gateway does unless a policy deletes it, Learn "Subscriptions in Azure API Management"),
 *   `x-twin-received-query` (the NAMES of the query parameters the function received, as sent, URL-encoded, unique,
 *   sorted, comma-separated — never a value: it shows whether APIM forwarded the subscription-key query parameter,
 *   which the gateway also does unless a set-query-parameter delete removes it, same Learn page) and
 *   `x-twin-auth-layer` on rejections (`easy-auth` | `function-key`) to help tests.
 */
export const handleFunctionRequest: FunctionHostHandler = async (
  ctx: FunctionHostContext,
  req: TwinRequest
): Promise<TwinResponse> => {
  const host = req.headers['host'] ?? ctx.siteId.split('/').pop() ?? 'localhost';
  const auth = await evaluateEasyAuth(ctx.authSettingsV2, req, ctx.tenant, host);
  if (!auth.pass) return { ...auth.response, headers: { ...auth.response.headers, 'x-twin-auth-layer': 'easy-auth' } };

  const path = requestPath(req.url).toLowerCase();
  const method = req.method.toUpperCase();
  const route = ctx.routes.find(
    (r) => r.path.toLowerCase() === path && r.methods.some((m) => m.toUpperCase() === method)
  );
  if (!route) return { status: 404, headers: {}, body: '' };

  if (route.authLevel === 'function' || route.authLevel === 'admin') {
    const key = req.headers['x-functions-key'] ?? queryParam(req.url, 'code');
    if (key === undefined || !ctx.functionKeys.includes(key)) {
      return { status: 401, headers: { 'x-twin-auth-layer': 'function-key' }, body: '' };
    }
  }

  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'x-twin-received-headers': Object.keys(req.headers)
      .map((h) => h.toLowerCase())
      .sort()
      .join(','),
    'x-twin-received-query': queryNames(req.url)
  };
  if (auth.claims) {
    headers['x-twin-caller-oid'] = auth.claims.oid;
    const app = auth.claims.appid ?? auth.claims.azp;
    if (app) headers['x-twin-caller-appid'] = app;
  }
  return { status: route.status, headers, body: JSON.stringify(route.body ?? null) };
};
