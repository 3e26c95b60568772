/**
 * Entra ID (login host) and GitHub OIDC endpoints of the twin, as MSAL Node (through @azure/identity
 * ClientAssertionCredential) and @actions/core getIDToken call them.
 */
import { randomUUID } from 'node:crypto';
import type { TwinResponse, TwinState } from './contracts.js';
import { bearer, json, type Handler } from './http.js';
import { DEFAULT_FIC_AUDIENCE, GITHUB_OIDC_ISSUER, ACCESS_TOKEN_LIFETIME_S, type Tenant } from './tenant.js';

/**
 * Entra's error body (`{error, error_description, error_codes, timestamp, trace_id, correlation_id, error_uri}`),
 * as seen e.g. in Azure/azure-workload-identity#616 (AADSTS70021, status 400).
 */
export function entraError(status: number, error: string, code: number, message: string): TwinResponse {
  const trace = randomUUID();
  const corr = randomUUID();
  const ts = new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${message} Trace ID: ${trace} Correlation ID: ${corr} Timestamp: ${ts}`,
    error_codes: [code],
    timestamp: ts,
    trace_id: trace,
    correlation_id: corr,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`
  });
}

/**
 * Handler for the login host. Routes (public-cloud shapes, Learn "Microsoft identity platform and OpenID Connect"):
 * GET `/{tenant}/v2.0/.well-known/openid-configuration`, GET `/{tenant}/.well-known/openid-configuration` (v1),
 * GET `/{tenant}/discovery/v2.0/keys` and `/{tenant}/discovery/keys`, POST `/{tenant}/oauth2/v2.0/token`
 * (client_credentials with a federated `client_assertion`; Learn: v2-oauth2-client-creds-grant-flow).
 */
export function entraHandler(base: () => string, getState: () => TwinState, tenant: Tenant): Handler {
  return async (req) => {
    const parts = req.path.split('/').filter(Boolean);
    const tid = parts[0] ?? '';
    const state = getState();
    const known = [state.tenantId.toLowerCase(), 'organizations', 'common'];
    if (!known.includes(tid.toLowerCase())) {
      return entraError(
        400,
        'invalid_request',
        90002,
        `Tenant '${tid}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`
      );
    }
    const rest = '/' + parts.slice(1).join('/');
    const t = state.tenantId;
    const b = base();
    if (req.method === 'GET' && rest === '/v2.0/.well-known/openid-configuration') {
      return json(200, {
        token_endpoint: `${b}/${t}/oauth2/v2.0/token`,
        token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
        jwks_uri: `${b}/${t}/discovery/v2.0/keys`,
        response_modes_supported: ['query', 'fragment', 'form_post'],
        subject_types_supported: ['pairwise'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
        scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
        issuer: `https://login.microsoftonline.com/${t}/v2.0`,
        request_uri_parameter_supported: false,
        authorization_endpoint: `${b}/${t}/oauth2/v2.0/authorize`,
        device_authorization_endpoint: `${b}/${t}/oauth2/v2.0/devicecode`,
        end_session_endpoint: `${b}/${t}/oauth2/v2.0/logout`,
        tenant_region_scope: 'EU',
        cloud_instance_name: 'microsoftonline.com'
      });
    }
    if (req.method === 'GET' && rest === '/.well-known/openid-configuration') {
      return json(200, {
        token_endpoint: `${b}/${t}/oauth2/token`,
        jwks_uri: `${b}/${t}/discovery/keys`,
        issuer: `https://sts.windows.net/${t}/`,
        authorization_endpoint: `${b}/${t}/oauth2/authorize`,
        id_token_signing_alg_values_supported: ['RS256']
      });
    }
    if (req.method === 'GET' && (rest === '/discovery/v2.0/keys' || rest === '/discovery/keys')) {
      return json(200, tenant.entraJwks());
    }
    if (req.method === 'POST' && rest === '/oauth2/v2.0/token') {
      return tokenEndpoint(new URLSearchParams(req.body.toString('utf8')), state, tenant);
    }
    return entraError(
      404,
      'invalid_request',
      900561,
      `The endpoint only accepts POST, OPTIONS requests. Received a ${req.method} request.`
    );
  };
}

async function tokenEndpoint(form: URLSearchParams, state: TwinState, tenant: Tenant): Promise<TwinResponse> {
  const wi = state.workflowIdentity as TwinState['workflowIdentity'] & { audiences?: string[] };
  if (form.get('grant_type') !== 'client_credentials') {
    return entraError(
      400,
      'unsupported_grant_type',
      70003,
      `The app requested an unsupported grant type '${form.get('grant_type') ?? ''}'.`
    );
  }
  const clientId = form.get('client_id') ?? '';
  if (clientId.toLowerCase() !== wi.clientId.toLowerCase()) {
    return entraError(
      400,
      'unauthorized_client',
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${state.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`
    );
  }
  const assertion = form.get('client_assertion');
  if (!assertion || form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
    return entraError(
      401,
      'invalid_client',
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."
    );
  }
  const verified = await tenant.verifyGitHubIdToken(assertion);
  if ('reason' in verified) {
    return verified.reason === 'expired'
      ? entraError(400, 'invalid_client', 700024, 'Client assertion is not within its valid time range.')
      : entraError(400, 'invalid_client', 700027, 'Client assertion failed signature validation.');
  }
  // Matching is case-sensitive (Learn: reference-breaking-changes, "Federated identity credentials now use case-sensitive matching").
  if (verified.iss !== GITHUB_OIDC_ISSUER) {
    return entraError(
      400,
      'invalid_request',
      700211,
      `No matching federated identity record found for presented assertion issuer '${String(verified.iss)}'. Please note that the matching is done using case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.`
    );
  }
  const audiences = wi.audiences ?? [DEFAULT_FIC_AUDIENCE];
  const auds = Array.isArray(verified.aud) ? verified.aud : [verified.aud ?? ''];
  if (!auds.some((a) => audiences.includes(a))) {
    return entraError(
      400,
      'invalid_request',
      700212,
      `No matching federated identity record found for presented assertion audience '${auds.join(',')}'. Please note that the matching is done using case-sensitive comparison. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.`
    );
  }
  const sub = String(verified.sub ?? '');
  if (!wi.federatedSubjects.includes(sub)) {
    // Wording as in Azure/login#482 and Azure/azure-workload-identity#1200.
    return entraError(
      400,
      'invalid_request',
      700213,
      `No matching federated identity record found for presented assertion subject '${sub}'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion. https://learn.microsoft.com/entra/workload-id/workload-identity-federation`
    );
  }
  const scope = (form.get('scope') ?? '').split(' ').find((s) => s.endsWith('/.default'));
  if (!scope) {
    return entraError(
      400,
      'invalid_scope',
      1002012,
      `The provided value for scope ${form.get('scope') ?? ''} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`
    );
  }
  const resource = scope.slice(0, -'/.default'.length);
  const issued = await tenant.issueAccessToken({ appId: wi.clientId, objectId: wi.objectId }, resource);
  if ('error' in issued) {
    const m = /^AADSTS(\d+): (.*)$/s.exec(issued.error);
    return entraError(400, issued.code, Number(m?.[1] ?? 500011), m?.[2] ?? issued.error);
  }
  return json(200, {
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_LIFETIME_S - 1,
    ext_expires_in: ACCESS_TOKEN_LIFETIME_S - 1,
    access_token: issued.token
  });
}

/** Path of the OIDC token endpoint on the OIDC listener (the runner's shape: `/_apis/…/idtoken`). */
export const OIDC_PATH = '/_apis/pipelines/workflows/1/idtoken';

/**
 * GitHub Actions OIDC endpoint (what @actions/core getIDToken calls): GET `<path>?api-version=2.0&audience=X`
 * with `Authorization: Bearer <ACTIONS_ID_TOKEN_REQUEST_TOKEN>` → `{value: <jwt>}`; wrong/missing token → 401.
 * `sub` per docs.github.com "OpenID Connect reference": `repo:<o/r>:pull_request` for pull_request events,
 * else `repo:<o/r>:ref:refs/heads/main`. Also serves the issuer's JWKS at `/.well-known/jwks`.
 */
export function oidcHandler(requestToken: string, getState: () => TwinState, tenant: Tenant): Handler {
  return async (req) => {
    if (req.method === 'GET' && req.path === '/.well-known/jwks') return json(200, tenant.oidcJwks());
    if (req.method !== 'GET' || req.path !== OIDC_PATH) return json(404, { message: 'Not Found' });
    if (bearer(req) !== requestToken) return json(401, { message: 'Unauthorized: bad ACTIONS_ID_TOKEN_REQUEST_TOKEN' });
    const gh = getState().github;
    const audience = req.query.get('audience') ?? 'https://github.com/' + gh.repository.split('/')[0];
    const pr = gh.eventName === 'pull_request' || gh.eventName === 'pull_request_target';
    const ref = pr ? `refs/pull/${gh.pullRequestNumber ?? 1}/merge` : 'refs/heads/main';
    const value = await tenant.signGitHubIdToken(audience, {
      sub: pr ? `repo:${gh.repository}:pull_request` : `repo:${gh.repository}:ref:refs/heads/main`,
      repository: gh.repository,
      repository_owner: gh.repository.split('/')[0] ?? '',
      ref,
      event_name: gh.eventName,
      actor: 'octocat',
      workflow: 'ci',
      runner_environment: 'github-hosted'
    });
    return json(200, { count: 1, value });
  };
}
