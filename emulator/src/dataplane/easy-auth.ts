/**
 * App Service authentication ("Easy Auth", `config/authsettingsV2`, API 2025-05-01 shape) as the twin's Function host
 * applies it to one request. Pure: no network; token checks go through `TenantServices.verifyAccessToken`.
 *
 * Rules and their sources:
 * - `platform.enabled` false or no document → no authentication (REST "Web Apps - Update Auth Settings V2",
 *   https://learn.microsoft.com/rest/api/appservice/web-apps/update-auth-settings-v2).
 * - `globalValidation.excludedPaths`: "the paths for which unauthenticated flow would not be redirected to the login
 *   page" (REST GlobalValidation). Matching is exact (case-insensitive here, a twin choice); an entry ending in `/*`
 *   matches that prefix (MicrosoftDocs/azure-docs#86514: Microsoft answer "you could use `/myfolder/subfolder/*`").
 * - `unauthenticatedClientAction` absent → `RedirectToLoginPage` (hashicorp/terraform-provider-azurerm#21400 documents
 *   the v2 default as `RedirectToLoginPage`). Values: RedirectToLoginPage | AllowAnonymous | Return401 | Return403.
 * - Issuer: derived from `registration.openIdIssuer`. A `/v2.0` issuer accepts only v2 tokens
 *   (`https://login.microsoftonline.com/{tid}/v2.0`); any other form (e.g. `https://sts.windows.net/{tid}/`) accepts
 *   only v1 tokens (`https://sts.windows.net/{tid}/`). Modelled strictly after field case C03
 *   (MicrosoftDocs/azure-docs#76602: with a /v2.0 issuer only v2 tokens were accepted; #59728 "omit /v2.0").
 *   Absent `openIdIssuer` → both forms for the twin's tenant.
 * - Audience: `registration.clientId` is always allowed, plus `validation.allowedAudiences`, exact string match
 *   (MicrosoftDocs/azure-docs#36118; field case C02: failure is 401 `IDX10214 Audience validation failed`).
 * - Authorization: non-empty `defaultAuthorizationPolicy.allowedApplications` must contain `appid`/`azp`; non-empty
 *   `allowedPrincipals.identities` must contain `oid`; both must pass, else 403 "You do not have permission to view
 *   this directory or page." (Learn "Configure Microsoft Entra authentication – Use a built-in authorization policy";
 *   MicrosoftDocs/entra-docs#1114; field case C04). An empty or absent list is not checked.
 * - A presented token that fails validation makes the request unauthenticated: with `requireAuthentication` the
 *   action applies (401 carries `error="invalid_token"` and the IDX message); without it (or with AllowAnonymous) the
 *   twin still answers 401 — a bad token is never silently ignored (twin choice, documented).
 */
import type { AccessTokenClaims, Json, TenantServices, TwinRequest, TwinResponse } from '../contracts.js';

export type EasyAuthResult = { pass: true; claims?: AccessTokenClaims } | { pass: false; response: TwinResponse };

type Action = 'RedirectToLoginPage' | 'AllowAnonymous' | 'Return401' | 'Return403';

const FORBIDDEN_TEXT = 'You do not have permission to view this directory or page.';

function obj(v: unknown): Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {};
}
function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Path part of a request URL (no query), e.g. `/api/orders`. */
export function requestPath(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** `excludedPaths` match: exact (case-insensitive), or prefix for entries ending in `/*`. */
export function isExcludedPath(path: string, excluded: string[]): boolean {
  const p = path.toLowerCase();
  return excluded.some((e) => {
    const x = e.toLowerCase();
    if (x.endsWith('/*')) return p.startsWith(x.slice(0, -1)) || p === x.slice(0, -2);
    return p === x;
  });
}

/**
 * Issuers a configured `openIdIssuer` accepts (see module doc). `tenantId` is used when the issuer names no tenant
 * or is absent.
 */
export function acceptedIssuers(openIdIssuer: string | undefined, tenantId: string): string[] {
  const v1 = (t: string): string => `https://sts.windows.net/${t}/`;
  const v2 = (t: string): string => `https://login.microsoftonline.com/${t}/v2.0`;
  if (!openIdIssuer) return [v1(tenantId), v2(tenantId)];
  let tid = tenantId;
  try {
    const seg = new URL(openIdIssuer).pathname.split('/').filter(Boolean);
    const guid = seg.find((s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s));
    if (guid) tid = guid;
  } catch {
    return [];
  }
  return /\/v2\.0\/?$/i.test(openIdIssuer) ? [v2(tid)] : [v1(tid)];
}

function challenge(host: string, tenantId: string, clientId: string, error?: string): string {
  const base = `Bearer realm="${host}" authorization_uri="https://login.microsoftonline.com/${tenantId}/oauth2/authorize" resource_id="${clientId}"`;
  return error ? `${base}, error="invalid_token", error_description="${error.replace(/"/g, "'")}"` : base;
}

/**
 * Applies Easy Auth to `req`.
 *
 * @param settings the authsettingsV2 resource body in effect (`{properties: {...}}`), or undefined.
 * @param req the request (`url` = path + query; lower-case header names; token in `authorization: Bearer …`).
 * @param tenant verifies tokens (signature and lifetime, seconds-based `exp`/`nbf`).
 * @param host the site host name, used as the Bearer challenge realm.
 * @returns `{pass: true, claims}` for an authenticated caller, `{pass: true}` for an anonymous one, or
 *   `{pass: false, response}` (401 / 302 / 403) — never throws for bad input.
 */
export async function evaluateEasyAuth(
  settings: Json | undefined,
  req: TwinRequest,
  tenant: TenantServices,
  host: string
): Promise<EasyAuthResult> {
  const props = obj(settings?.['properties']);
  if (!settings || obj(props['platform'])['enabled'] !== true) return { pass: true };
  const gv = obj(props['globalValidation']);
  const path = requestPath(req.url);
  if (isExcludedPath(path, strings(gv['excludedPaths']))) return { pass: true };

  const aad = obj(obj(props['identityProviders'])['azureActiveDirectory']);
  const aadOn = aad['enabled'] !== false && Object.keys(aad).length > 0;
  const registration = obj(aad['registration']);
  const validation = obj(aad['validation']);
  const clientId = typeof registration['clientId'] === 'string' ? registration['clientId'] : '';
  const openIdIssuer = typeof registration['openIdIssuer'] === 'string' ? registration['openIdIssuer'] : undefined;
  const requireAuth = gv['requireAuthentication'] === true;
  const action = (
    typeof gv['unauthenticatedClientAction'] === 'string' ? gv['unauthenticatedClientAction'] : 'RedirectToLoginPage'
  ) as Action;

  const auth = req.headers['authorization'] ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  let tokenError: string | undefined;
  if (m && aadOn) {
    const claims = await tenant.verifyAccessToken(m[1]);
    if (!claims) tokenError = 'IDX10223: Lifetime validation failed or the signature is invalid.';
    else {
      const issuers = acceptedIssuers(openIdIssuer, tenant.tenantId);
      const audiences = [clientId, ...strings(validation['allowedAudiences'])].filter((a) => a !== '');
      if (!issuers.includes(claims.iss)) {
        tokenError = `IDX10205: Issuer validation failed. Issuer: '${claims.iss}'. Did not match: validationParameters.ValidIssuers: '${issuers.join(', ')}'.`;
      } else if (!audiences.includes(claims.aud)) {
        tokenError = `IDX10214: Audience validation failed. Audiences: '${claims.aud}'. Did not match: validationParameters.ValidAudience: '${clientId}' or validationParameters.ValidAudiences: '${audiences.join(', ')}'.`;
      } else {
        const policy = obj(validation['defaultAuthorizationPolicy']);
        const apps = strings(policy['allowedApplications']);
        const principals = strings(obj(policy['allowedPrincipals'])['identities']);
        const callerApp = claims.appid ?? claims.azp ?? '';
        const appOk = apps.length === 0 || apps.some((a) => a.toLowerCase() === callerApp.toLowerCase());
        const oidOk = principals.length === 0 || principals.some((p) => p.toLowerCase() === claims.oid.toLowerCase());
        if (!appOk || !oidOk) {
          return {
            pass: false,
            response: { status: 403, headers: { 'content-type': 'text/plain' }, body: FORBIDDEN_TEXT }
          };
        }
        return { pass: true, claims };
      }
    }
  }

  const unauthorized = (error?: string): EasyAuthResult => ({
    pass: false,
    response: {
      status: 401,
      headers: { 'www-authenticate': challenge(host, tenant.tenantId, clientId, error), 'content-type': 'text/plain' },
      body: error ?? 'You do not have permission to view this directory or page.'
    }
  });

  if (!requireAuth || action === 'AllowAnonymous') return tokenError ? unauthorized(tokenError) : { pass: true };
  switch (action) {
    case 'Return403':
      return {
        pass: false,
        response: { status: 403, headers: { 'content-type': 'text/plain' }, body: FORBIDDEN_TEXT }
      };
    case 'RedirectToLoginPage':
      return {
        pass: false,
        response: {
          status: 302,
          headers: { location: `/.auth/login/aad?post_login_redirect_uri=${encodeURIComponent(path)}` },
          body: ''
        }
      };
    default:
      return unauthorized(tokenError);
  }
}
