/** Microsoft Graph endpoint of the twin: service principal lookup. */
import { randomUUID } from 'node:crypto';
import type { TwinResponse, TwinState } from './contracts.js';
import { bearer, json, type Handler } from './http.js';
import type { Tenant } from './tenant.js';

/** Graph's error shape `{error:{code, message, innerError:{date, request-id, client-request-id}}}` (Learn: graph/errors). */
export function graphError(status: number, code: string, message: string): TwinResponse {
  const id = randomUUID();
  return json(
    status,
    {
      error: {
        code,
        message,
        innerError: { date: new Date().toISOString(), 'request-id': id, 'client-request-id': id }
      }
    },
    { 'request-id': id }
  );
}

/**
 * GET `/v1.0/servicePrincipals/{id}` → `{id, appId, displayName, servicePrincipalType}` (Learn: serviceprincipal-get).
 * Needs a twin token whose `aud` is the twin's Graph endpoint (else 401 InvalidAuthenticationToken);
 * 403 `Authorization_RequestDenied` unless `workflowIdentity.graphRead` (Application.Read.All not granted);
 * 404 `Request_ResourceNotFound` for unknown IDs.
 */
export function graphHandler(getState: () => TwinState, tenant: Tenant): Handler {
  return async (req) => {
    const token = bearer(req);
    const claims = token ? await tenant.verifyAccessToken(token) : undefined;
    if (!claims)
      return graphError(
        401,
        'InvalidAuthenticationToken',
        token ? 'Access token validation failure. Invalid audience.' : 'Access token is empty.'
      );
    if (!tenant.acceptsAudience('graph', claims.aud)) {
      return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure. Invalid audience.');
    }
    const m = /^\/v1\.0\/servicePrincipals\/([^/]+)$/i.exec(req.path);
    if (req.method !== 'GET' || !m)
      return graphError(400, 'BadRequest', `Resource not found for the segment '${req.path.split('/').pop() ?? ''}'.`);
    const state = getState();
    if (!state.workflowIdentity.graphRead) {
      return graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    }
    const id = m[1]!;
    const sp = (state.servicePrincipals ?? []).find((s) => s.id.toLowerCase() === id.toLowerCase());
    if (!sp) {
      return graphError(
        404,
        'Request_ResourceNotFound',
        `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`
      );
    }
    return json(200, {
      '@odata.context': `${tenant.resources.graphResource}/v1.0/$metadata#servicePrincipals/$entity`,
      id: sp.id,
      appId: sp.appId,
      displayName: sp.displayName ?? sp.appId,
      servicePrincipalType: sp.kind === 'managedIdentity' ? 'ManagedIdentity' : 'Application'
    });
  };
}
