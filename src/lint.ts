/**
 * Security lint of one target (pure): warnings with the fix, in their own section of the report; they never fail a
 * check by themselves.
 *
 * - `anonymous-allowed`: Easy Auth's `globalValidation.unauthenticatedClientAction` is `AllowAnonymous` on the
 *   Function APIM fronts: callers without a token reach the Function code (Learn: "Authentication and authorization
 *   in Azure App Service and Azure Functions", authentication flow / "Allow unauthenticated requests"). The plan sets
 *   `Return401`; the finding goes once that write is verified.
 * - `groups-with-identities`: `allowedPrincipals.groups` set together with `identities`: managed-identity tokens
 *   carry no `groups` claim (Learn: "Microsoft identity platform access tokens", the groups claim is emitted for
 *   users and for groups assigned through app roles / group membership claims of the app registration, not for a
 *   managed identity's client-credentials token), so a caller judged by groups as well as identities is refused.
 * - `excluded-path-covers-api`: an entry of `globalValidation.excludedPaths` covers a route the API sends to the
 *   Function (the API's serviceUrl path + an operation's URL template), so Easy Auth does not check that route's
 *   caller at all (Learn: authsettingsV2 `globalValidation.excludedPaths`, "the paths for which unauthenticated flow
 *   would not be redirected to the login page"; matched with the same broad rule as the inputs' check).
 * - Policies: `ignore-error="true"` on the owned element (a failed token request sends the call on without a
 *   token: authentication-managed-identity policy reference) and a managed-identity token also written to a trace,
 *   header or body (./policy/lint.ts).
 */
import { excludedPathCovers } from './inputs/cross.js';
import { getPath, isPlainObject } from './json-path.js';
import type { OperationRead } from './observe-pipeline.js';
import type { Json } from './ports.js';
import { EASY_AUTH_PATHS } from './resources/easy-auth.js';
import type { LintFinding } from './types.js';

/** The routes one API sends to the Function: its serviceUrl path joined with each operation's URL template. */
export interface ApiRoutes {
  apiId: string;
  /** e.g. `https://func-x.azurewebsites.net/api` (ARM Api `properties.serviceUrl`); absent: unknown backend. */
  serviceUrl?: string;
  operations: Pick<OperationRead, 'id' | 'urlTemplate'>[];
}

/** Function-side paths of an API's operations (query part and trailing slash dropped), e.g. `/api/orders/{id}`. */
export function functionPaths(r: ApiRoutes): { operation?: string; path: string }[] {
  let base = '';
  try {
    base = r.serviceUrl ? new URL(r.serviceUrl).pathname.replace(/\/+$/, '') : '';
  } catch {
    return [];
  }
  if (r.operations.length === 0) return [{ path: base || '/' }];
  return r.operations.map((o) => {
    const tail = o.urlTemplate.split('?')[0].replace(/^\/*/, '/').replace(/\/+$/, '');
    return { operation: o.id, path: `${base}${tail}` || '/' };
  });
}

/** `excludedPaths` entries that cover some of an API's routes, one finding per entry and API. */
function excludedPathLint(label: string, excluded: string[], routes: ApiRoutes[]): LintFinding[] {
  const out: LintFinding[] = [];
  for (const r of routes) {
    const paths = functionPaths(r);
    for (const ex of excluded) {
      const covered = paths.filter((p) => excludedPathCovers(ex, p.path));
      if (covered.length === 0) continue;
      const shown = covered.slice(0, 3).map((p) => `${p.path}${p.operation ? ` (${p.operation})` : ''}`);
      const more = covered.length > 3 ? ` and ${covered.length - 3} more` : '';
      out.push({
        rule: 'excluded-path-covers-api',
        where: `${label}, excludedPaths "${ex}"`,
        message:
          `excluded path "${ex}" covers ${covered.length === paths.length ? 'every' : `${covered.length} of ${paths.length}`} ` +
          `route(s) API ${r.apiId} sends to the Function (${shown.join(', ')}${more}): Easy Auth does not check ` +
          "the caller there, so anyone who can reach the Function's host calls them without APIM",
        fix: `Remove "${ex}" from excludedPaths (input excluded-paths and the site's authsettingsV2), or narrow it to paths APIM does not route to`
      });
    }
  }
  return out;
}

/**
 * The Easy Auth lint: `current` is authsettingsV2 as read, `planned` the body the plan writes (or `current` when
 * nothing is written), `label` e.g. `Easy Auth func-x`, `routes` what each API sends to the Function.
 */
export function easyAuthLint(label: string, current: Json, planned: Json, routes: ApiRoutes[]): LintFinding[] {
  const out: LintFinding[] = [];
  const at = (doc: Json, p: string) => getPath(doc, `properties.${p}`);
  const action = at(current, EASY_AUTH_PATHS.unauthenticatedClientAction);
  if (typeof action === 'string' && action.toLowerCase() === 'allowanonymous') {
    const fixed = at(planned, EASY_AUTH_PATHS.unauthenticatedClientAction) !== action;
    out.push({
      rule: 'anonymous-allowed',
      where: label,
      message:
        'globalValidation.unauthenticatedClientAction is AllowAnonymous on the Function APIM fronts: calls without ' +
        'a token reach the Function code, and the function itself must refuse them',
      fix: fixed ? 'Run with mode: apply (it sets Return401)' : 'Set unauthenticatedClientAction to Return401',
      ...(fixed ? { fixedBy: 'easy-auth' as const } : {})
    });
  }
  const groups = at(planned, EASY_AUTH_PATHS.groups);
  const identities = at(planned, EASY_AUTH_PATHS.identities);
  if (Array.isArray(groups) && groups.length > 0 && Array.isArray(identities) && identities.length > 0) {
    out.push({
      rule: 'groups-with-identities',
      where: label,
      message:
        `allowedPrincipals.groups (${groups.length}) is set together with identities: a managed identity's token ` +
        "carries no groups claim, so APIM's calls can be refused (403) although its object ID is listed",
      fix: 'Remove allowedPrincipals.groups, or put the callers that need groups on another site; APIM is allowed by identities'
    });
  }
  const excluded = at(planned, EASY_AUTH_PATHS.excludedPaths);
  const paths = Array.isArray(excluded) ? excluded.filter((p): p is string => typeof p === 'string') : [];
  if (isPlainObject(planned.properties)) out.push(...excludedPathLint(label, paths, routes));
  return out;
}
