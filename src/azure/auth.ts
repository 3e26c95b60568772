/**
 * Sign-in with GitHub OIDC through `@azure/identity` (no secrets): a federated credential on the workflow's app
 * registration trusts GitHub's token for a given subject. DESIGN §3; Learn: "Use GitHub Actions to connect to Azure"
 * (OpenID Connect) and "Workload identity federation".
 */
import {
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type PipelinePolicy,
  type PipelineResponse
} from '@azure/core-rest-pipeline';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import { loadPart } from '../bundle.js';
import type { CloudEndpoints, RunSettings } from '../types.js';
import { lazy } from '../lazy.js';
import { OIDC_TOKEN_RETRY, transientOidcError, withRetry, type RetryOptions } from './retry.js';
import { oidcTokenError } from './sign-in-errors.js';

export { signInError, type SignInContext } from './sign-in-errors.js';

/** Authority hosts MSAL knows; any other (Azure Stack, a proxy, the twin) needs instance discovery off (DESIGN §3). */
const KNOWN_AUTHORITY_HOSTS = new Set([
  'https://login.microsoftonline.com',
  'https://login.microsoftonline.us',
  'https://login.chinacloudapi.cn'
]);

/** The claims of a GitHub OIDC token that are safe and useful to log when diagnosing a federated credential. */
export interface OidcClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
}

/**
 * Decodes (does not verify) a JWT's payload and returns only `iss`, `sub`, `aud`. Never returns or logs the token.
 * Returns `{}` for anything that is not a JWT.
 */
export function oidcClaims(jwt: string): OidcClaims {
  const part = jwt.split('.')[1];
  if (!part) return {};
  try {
    const payload = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
    return {
      iss: typeof payload.iss === 'string' ? payload.iss : undefined,
      sub: typeof payload.sub === 'string' ? payload.sub : undefined,
      aud: payload.aud as string | string[] | undefined
    };
  } catch {
    return {};
  }
}

/** The `oid` claim of an Entra access token (the signed-in identity's object ID), or undefined. Not verified. */
export function tokenObjectId(accessToken: string): string | undefined {
  const part = accessToken.split('.')[1];
  if (!part) return undefined;
  try {
    const oid = (JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { oid?: unknown }).oid;
    return typeof oid === 'string' ? oid : undefined;
  } catch {
    return undefined;
  }
}

/** The `tid`, `appid` and `azp` claims of an Entra access token (its tenant and client), each when a string. */
export function tokenIdentityClaims(accessToken: string): { tid?: string; appid?: string; azp?: string } {
  const part = accessToken.split('.')[1];
  if (!part) return {};
  try {
    const p = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
    const str = (k: string) => (typeof p[k] === 'string' ? { [k]: p[k] as string } : {});
    return { ...str('tid'), ...str('appid'), ...str('azp') };
  } catch {
    return {};
  }
}

/** The `exp` claim of a JWT as milliseconds since the epoch, or undefined (not a JWT, no numeric `exp`). Not verified. */
export function jwtExpiresAt(jwt: string): number | undefined {
  const part = jwt.split('.')[1];
  if (!part) return undefined;
  try {
    const exp = (JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How long before its `exp` a GitHub OIDC token stops being reused as the client assertion (DESIGN §3: it may be
 * reused until shortly before it expires). Covers clock skew between the runner and Entra ID and the time a token
 * request takes; GitHub's tokens live ~5 min, so a run longer than ~4 min fetches a new one.
 */
export const ASSERTION_REUSE_MARGIN_MS = 60_000;

/**
 * Wraps a GitHub OIDC token fetch so that one token serves as the client assertion until `marginMs` before its
 * `exp`: concurrent callers share one fetch; a token without a readable `exp` is never reused (each call after it
 * settles fetches again); a failed fetch is not remembered (the next call tries again). msal-node asks for the
 * assertion twice per Entra token request (`ConfidentialClientApplication.acquireTokenByClientCredential` resolves
 * `request.clientAssertion`, then `ClientApplication.buildOauthClientConfiguration` resolves the configured
 * `auth.clientAssertion` — the same callback, as @azure/identity sets both; msal-node 5.6), so without this each
 * Entra token cost two GitHub round trips in a row.
 * @param fetch gets a new token (e.g. `core.getIDToken` with retries).
 * @param opts.now clock (ms since the epoch), for tests.
 */
export function reusableAssertion(
  fetch: () => Promise<string>,
  opts: { marginMs?: number; now?: () => number } = {}
): () => Promise<string> {
  const margin = opts.marginMs ?? ASSERTION_REUSE_MARGIN_MS;
  const now = opts.now ?? Date.now;
  let current: { token: string; expiresAt: number } | undefined;
  let pending: Promise<string> | undefined;
  return () => {
    if (current && current.expiresAt - margin > now()) return Promise.resolve(current.token);
    pending ??= fetch()
      .then((token) => {
        const expiresAt = jwtExpiresAt(token);
        current = expiresAt === undefined ? undefined : { token, expiresAt };
        return token;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/**
 * Authority hosts whose OpenID configuration msal-node has built in, so it never fetches it:
 * `@azure/msal-common` 16.17 `src/authority/AuthorityMetadata.ts` (`endpointHosts`, looked up by
 * `Authority.getEndpointMetadataFromHardcodedValues` with the authority's host). With instance discovery on (our
 * KNOWN_AUTHORITY_HOSTS), MSAL first maps the host to its `preferred_network` from the same file's built-in instance
 * metadata (`Authority.resolveEndpointsAsync`: login.chinacloudapi.cn → login.partner.microsoftonline.cn), so none of
 * the clouds the action names costs a metadata request. Any other host (instance discovery off: Azure Stack, a proxy,
 * the local twin) costs one GET of `<authority>/v2.0/.well-known/openid-configuration` per MSAL client before its
 * first token request.
 */
const MSAL_BUILT_IN_METADATA_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.partner.microsoftonline.cn',
  'login.microsoftonline.us',
  'login.sovcloud-identity.fr',
  'login.sovcloud-identity.de',
  'login.sovcloud-identity.sg'
]);

/** Fetches a URL through a pipeline like @azure/identity's (retries, proxy from the environment, TLS defaults). */
export type MetadataFetch = (url: string) => Promise<PipelineResponse>;

/** Pipeline name of the policy that answers MSAL's authority metadata GET from the prefetch. */
export const AUTHORITY_METADATA_POLICY = 'afaAuthorityMetadataPrefetch';

/**
 * Takes the authority's OpenID configuration off the sign-in's critical path. msal-node fetches it only after the
 * first client assertion is in hand (`acquireTokenByClientCredential`: assertion → `createAuthority` → metadata GET →
 * token POST), so on a host without built-in metadata the first Entra token costs three round trips in a row. The
 * credential options of @azure/identity 4.13 offer no `authorityMetadata`/`cloudDiscoveryMetadata` (its
 * `generateMsalConfiguration` passes only clientId, authority and knownAuthorities to MSAL), but they do reach the
 * MSAL network client's pipeline (`additionalPolicies`, IdentityClient). So: `start()` sends the same GET at once (in
 * parallel with the GitHub OIDC token request), and `policy` answers MSAL's GET of that URL with that response —
 * once; any other request, a later GET, or a failed/non-200 prefetch goes to the network as before, so MSAL reports
 * errors as it always did. Metadata is then fetched once per run: MSAL caches it for 24 h in its client, and the run
 * uses one client (see createWorkflowCredential).
 * Returns undefined for hosts whose metadata msal-node has built in (nothing to fetch; MSAL_BUILT_IN_METADATA_HOSTS).
 * @param fetchUrl the GET (default: a core-rest-pipeline pipeline with default options and a 30 s timeout).
 */
export function authorityMetadataPrefetch(
  authorityHost: string,
  tenantId: string,
  fetchUrl: MetadataFetch = pipelineGet
): { policy: PipelinePolicy; start(): void } | undefined {
  let host: string;
  try {
    host = new URL(authorityHost).host.toLowerCase();
  } catch {
    return undefined;
  }
  if (KNOWN_AUTHORITY_HOSTS.has(authorityHost) || MSAL_BUILT_IN_METADATA_HOSTS.has(host)) return undefined;
  // msal-common `Authority.defaultOpenIdConfigurationEndpoint` over the canonical authority (UrlString.canonicalizeUri:
  // lower case, one trailing slash); @azure/identity's authority is `<host>/<tenant>`.
  const url =
    `${authorityHost.replace(/\/+$/, '')}/${tenantId}/`.toLowerCase() + 'v2.0/.well-known/openid-configuration';
  let started = false;
  let prefetched: Promise<PipelineResponse | undefined> | undefined;
  return {
    start() {
      if (started) return;
      started = true;
      prefetched = fetchUrl(url).catch(() => undefined);
    },
    policy: {
      name: AUTHORITY_METADATA_POLICY,
      async sendRequest(request, next) {
        if (request.method !== 'GET' || request.url.toLowerCase() !== url || !prefetched) return next(request);
        const mine = prefetched;
        prefetched = undefined;
        const response = await mine;
        return response?.status === 200 && response.bodyAsText ? { ...response, request } : next(request);
      }
    }
  };
}

let metadataPipeline: { pipeline: ReturnType<typeof createPipelineFromOptions>; client: HttpClient } | undefined;

/** GET through a default core-rest-pipeline pipeline (the stack @azure/identity's IdentityClient uses). */
async function pipelineGet(url: string): Promise<PipelineResponse> {
  metadataPipeline ??= { pipeline: createPipelineFromOptions({}), client: createDefaultHttpClient() };
  const { pipeline, client } = metadataPipeline;
  return pipeline.sendRequest(client, createPipelineRequest({ url, method: 'GET', timeout: 30_000 }));
}

/**
 * Builds the workflow's credential: `ClientAssertionCredential(tenantId, clientId, assertion)`, where the assertion
 * is the GitHub OIDC token for `audience`, fetched once and reused until shortly before its `exp`
 * (reusableAssertion, ASSERTION_REUSE_MARGIN_MS; DESIGN §3). Every token request goes through one MSAL client: the
 * credential asks MSAL with `enableCae: false` whatever the caller passes (@azure/identity keeps one MSAL client per
 * CAE mode, `msalClient.getConfidentialApp`, and the SDK pipelines' bearer policy asks with `enableCae: true`), so
 * the authority metadata MSAL caches per client is fetched once per run — and, on hosts without built-in metadata,
 * in parallel with the first GitHub OIDC token request (authorityMetadataPrefetch). `@azure/identity` (with msal-node)
 * is imported on the first token request (loadIdentity), while that request's GitHub OIDC token is being fetched, so
 * compiling it overlaps the round trip instead of preceding every run.
 *
 * The GitHub OIDC token request is retried when it fails transiently (`transientOidcError`: HTTP 5xx, or a broken
 * connection) — never on 4xx or a missing permission. Bounds: `hooks.retry` over OIDC_TOKEN_RETRY (3 attempts, waits
 * from 500 ms doubling, no retry 10 s after the first attempt began). `@actions/http-client` already retries
 * 502/503/504 itself for ~10 s, so in practice this adds attempts for 500 and connection resets (see ./retry.ts).
 * When every attempt fails, the last error becomes an ActionError (oidcTokenError: it names the missing permission,
 * a run outside GitHub Actions, or an @actions/core without getIDToken).
 * @param getIdToken `core.getIDToken`; throws when the job lacks `permissions: id-token: write`.
 * @param hooks.onClaims called once with the first token's `iss`/`sub`/`aud` (for the log), and `onToken` with each
 *   raw token fetched so the caller can mask it.
 * @param hooks.retry overrides of the OIDC retry bounds (tests pass `{minDelayMs: 0}`); its `onRetry` receives the
 *   attempt and a reason such as `HTTP 500` (never the token or the request URL), e.g. for `core.info`.
 * @param hooks.now clock for the assertion's reuse (tests).
 */
export function createWorkflowCredential(
  opts: { tenantId: string; clientId: string; audience: string; endpoints: CloudEndpoints },
  getIdToken: (audience: string) => Promise<string>,
  hooks: {
    onClaims?: (c: OidcClaims) => void;
    onToken?: (t: string) => void;
    retry?: RetryOptions;
    now?: () => number;
  } = {}
): TokenCredential {
  let logged = false;
  const retry: RetryOptions = { ...OIDC_TOKEN_RETRY, ...hooks.retry };
  const fetchAssertion = async (): Promise<string> => {
    let token: string;
    try {
      token = await withRetry(() => getIdToken(opts.audience), transientOidcError, retry);
    } catch (e) {
      // @actions/core throws when the runner gave the job no OIDC endpoint (the permission is missing), or outside
      // GitHub Actions; oidcTokenError tells them apart from the environment.
      throw oidcTokenError(e, process.env);
    }
    hooks.onToken?.(token);
    if (!logged) {
      logged = true;
      hooks.onClaims?.(oidcClaims(token));
    }
    return token;
  };
  const metadata = authorityMetadataPrefetch(opts.endpoints.authorityHost, opts.tenantId);
  const assertion = reusableAssertion(fetchAssertion, { now: hooks.now });
  const inner = lazyCredential(
    async () =>
      new (await loadIdentity()).ClientAssertionCredential(opts.tenantId, opts.clientId, assertion, {
        authorityHost: opts.endpoints.authorityHost,
        disableInstanceDiscovery: !KNOWN_AUTHORITY_HOSTS.has(opts.endpoints.authorityHost),
        ...(metadata ? { additionalPolicies: [{ policy: metadata.policy, position: 'perCall' as const }] } : {})
      })
  );
  return {
    async getToken(scopes, options) {
      metadata?.start();
      // The GitHub token is asked for now, while @azure/identity loads; MSAL's call for the assertion then shares this
      // fetch (reusableAssertion). Its failure is the sign-in's failure, as it would be from inside MSAL.
      await Promise.all([assertion(), inner.ready()]);
      return inner.getToken(scopes, { ...options, enableCae: false });
    }
  };
}

/**
 * Imports `@azure/identity` (with msal-node, ~1 MB of the bundle in a chunk of its own) on first use; later calls share
 * the import. A failed import (a missing or damaged chunk) rejects with BundleLoadError (../bundle.ts) and is not
 * remembered (the next call tries again). A run whose credential is never asked for a token (bad inputs,
 * `mode: list`) never loads it.
 */
export const loadIdentity: () => Promise<typeof import('@azure/identity')> = lazy(() =>
  loadPart('the Entra ID sign-in (@azure/identity)', () => import('@azure/identity'))
);

/**
 * A TokenCredential built on its first use by `build` (which may import the SDK): every call waits for the one build;
 * a failed build is retried by the next call. `ready()` builds it without asking for a token.
 */
export function lazyCredential(build: () => Promise<TokenCredential>): TokenCredential & { ready(): Promise<void> } {
  const get = lazy(build);
  return {
    async ready() {
      await get();
    },
    async getToken(scopes, options) {
      return (await get()).getToken(scopes, options);
    }
  };
}

/** The hooks of {@link createWorkflowCredential}. */
export type WorkflowCredentialHooks = Parameters<typeof createWorkflowCredential>[2];

/**
 * The run's credential for `auth-type` (RunSettings.authType): `azure-cli` → @azure/identity's AzureCliCredential,
 * which runs `az account get-access-token` with the session an earlier step left (azure/login, `az login`); no GitHub
 * OIDC token is requested (`getIdToken` is never called). No `--tenant` is passed (az refuses one for a managed
 * identity session): the caller checks the token's tenant instead (cliSessionProblems). Otherwise (`oidc`, the
 * default) → createWorkflowCredential. Either way the caller wraps it in withTokenCache.
 * @param cliCredential builds the Azure CLI credential (tests).
 */
export function createSignInCredential(
  run: Pick<RunSettings, 'tenantId' | 'clientId' | 'audience' | 'endpoints' | 'authType'>,
  getIdToken: (audience: string) => Promise<string>,
  hooks: WorkflowCredentialHooks = {},
  cliCredential: () => TokenCredential = () =>
    lazyCredential(async () => new (await loadIdentity()).AzureCliCredential())
): TokenCredential {
  return run.authType === 'azure-cli' ? cliCredential() : createWorkflowCredential(run, getIdToken, hooks);
}

/**
 * Wraps a credential with a per-scope token cache shared by every client that uses it, so one run makes one Entra
 * token request per audience (ARM, Microsoft Graph, the Function's app). Each SDK pipeline keeps its own token, and
 * the credential underneath runs a fresh MSAL exchange for every call (msal-node's own token cache still asks for the
 * assertion and the authority first), so without this one run signs in once per client.
 *
 * - Concurrent requests for one scope share one exchange and its outcome (a failure included).
 * - A token is reused until `refreshBeforeMs` (default 5 min) before it expires.
 * - A failure is forgotten once settled (the next request tries again), unless `keepFailure(error)` says it is a
 *   final answer for this run (e.g. Entra's AADSTS500011 for a resource that does not exist): then every later
 *   request for that scope gets the same error without asking again.
 * - A request with `claims` (a claims challenge) always asks the credential, and its token replaces the cached one.
 * - The key is the sorted scopes and `tenantId`; other options (`enableCae`, abort signals, tracing) do not split it.
 */
export function withTokenCache(
  inner: TokenCredential,
  opts: { refreshBeforeMs?: number; now?: () => number; keepFailure?: (error: unknown) => boolean } = {}
): TokenCredential {
  const refreshBefore = opts.refreshBeforeMs ?? 5 * 60_000;
  const now = opts.now ?? Date.now;
  type Entry =
    | { state: 'pending'; promise: Promise<AccessToken | null> }
    | { state: 'ok'; token: AccessToken }
    | { state: 'failed'; error: unknown };
  const cache = new Map<string, Entry>();
  const request = (key: string, scopes: string | string[], options: GetTokenOptions | undefined) => {
    const promise = inner.getToken(scopes, options).then(
      (token) => {
        if (cache.get(key) === entry) {
          if (token) cache.set(key, { state: 'ok', token });
          else cache.delete(key);
        }
        return token;
      },
      (error: unknown) => {
        if (cache.get(key) === entry) {
          if (opts.keepFailure?.(error)) cache.set(key, { state: 'failed', error });
          else cache.delete(key);
        }
        throw error;
      }
    );
    const entry: Entry = { state: 'pending', promise };
    cache.set(key, entry);
    return promise;
  };
  return {
    async getToken(scopes, options) {
      const key = [...(Array.isArray(scopes) ? scopes : [scopes])].sort().join(' ') + `|${options?.tenantId ?? ''}`;
      if (options?.claims) return request(key, scopes, options);
      const hit = cache.get(key);
      if (hit?.state === 'pending') return hit.promise;
      if (hit?.state === 'failed') throw hit.error;
      if (hit?.state === 'ok' && hit.token.expiresOnTimestamp - refreshBefore > now()) return hit.token;
      return request(key, scopes, options);
    }
  };
}
