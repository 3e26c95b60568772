/**
 * Sign-in with GitHub OIDC through `@azure/identity` (no secrets): a federated credential on the workflow's app
 * registration trusts GitHub's token for a given subject. DESIGN §3; Learn: "Use GitHub Actions to connect to Azure"
 * (OpenID Connect) and "Workload identity federation".
 */
import { ClientAssertionCredential, type AccessToken, type TokenCredential } from '@azure/identity';
import { ActionError } from '../errors.js';
import type { CloudEndpoints } from '../types.js';
import { OIDC_TOKEN_RETRY, transientOidcError, withRetry, type RetryOptions } from './retry.js';

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

/**
 * Builds the workflow's credential: `ClientAssertionCredential(tenantId, clientId, () => getIdToken(audience))`.
 * The callback runs for every token request (GitHub's token lives ~5 min, so it is never cached — DESIGN §3).
 *
 * The GitHub OIDC token request is retried when it fails transiently (`transientOidcError`: HTTP 5xx, or a broken
 * connection) — never on 4xx or a missing permission. Bounds: `hooks.retry` over OIDC_TOKEN_RETRY (3 attempts, waits
 * from 500 ms doubling, no retry 10 s after the first attempt began). `@actions/http-client` already retries
 * 502/503/504 itself for ~10 s, so in practice this adds attempts for 500 and connection resets (see ./retry.ts).
 * When every attempt fails, the last error becomes the ActionError below.
 * @param getIdToken `core.getIDToken`; throws when the job lacks `permissions: id-token: write`.
 * @param hooks.onClaims called once with the first token's `iss`/`sub`/`aud` (for the log), and `onToken` with each
 *   raw token so the caller can mask it.
 * @param hooks.retry overrides of the OIDC retry bounds (tests pass `{minDelayMs: 0}`); its `onRetry` receives the
 *   attempt and a reason such as `HTTP 500` (never the token or the request URL), e.g. for `core.info`.
 */
export function createWorkflowCredential(
  opts: { tenantId: string; clientId: string; audience: string; endpoints: CloudEndpoints },
  getIdToken: (audience: string) => Promise<string>,
  hooks: { onClaims?: (c: OidcClaims) => void; onToken?: (t: string) => void; retry?: RetryOptions } = {}
): TokenCredential {
  let logged = false;
  const retry: RetryOptions = { ...OIDC_TOKEN_RETRY, ...hooks.retry };
  const getAssertion = async (): Promise<string> => {
    let token: string;
    try {
      token = await withRetry(() => getIdToken(opts.audience), transientOidcError, retry);
    } catch (e) {
      // @actions/core throws this when the runner gave the job no OIDC endpoint: the permission is missing.
      const noPermission = !process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
      throw new ActionError(
        noPermission
          ? 'Could not get a GitHub OIDC token: the job has no OIDC endpoint. Add `permissions: id-token: write` to ' +
              'the job (or workflow) that runs this action; pull requests from forks never get one.'
          : `Could not get a GitHub OIDC token: ${(e as Error).message}`
      );
    }
    hooks.onToken?.(token);
    if (!logged) {
      logged = true;
      hooks.onClaims?.(oidcClaims(token));
    }
    return token;
  };
  return new ClientAssertionCredential(opts.tenantId, opts.clientId, getAssertion, {
    authorityHost: opts.endpoints.authorityHost,
    disableInstanceDiscovery: !KNOWN_AUTHORITY_HOSTS.has(opts.endpoints.authorityHost)
  });
}

/**
 * Turns a sign-in failure into an ActionError that names the fix. Entra error codes (Learn: "Microsoft Entra
 * authentication and authorization error codes"): AADSTS700213 no federated credential matches the subject;
 * AADSTS700016 application not found in the tenant; AADSTS70021 no matching federated identity record (audience);
 * AADSTS90002 tenant not found.
 */
export function signInError(
  e: unknown,
  ctx: { clientId: string; tenantId: string; subject?: string; audience: string }
): Error {
  if (e instanceof ActionError) return e;
  const text = e instanceof Error ? e.message : String(e);
  const subject = ctx.subject ? `'${ctx.subject}'` : 'this workflow';
  if (/AADSTS700213|AADSTS70021\b/.test(text)) {
    return new ActionError(
      `Sign-in refused: no federated credential on app ${ctx.clientId} matches subject ${subject} and audience '${ctx.audience}'. ` +
        'Add one (Entra ID → App registrations → Certificates & secrets → Federated credentials, or ' +
        `\`az ad app federated-credential create --id ${ctx.clientId} …\`) with exactly that subject.`
    );
  }
  if (/AADSTS700016/.test(text)) {
    return new ActionError(
      `Sign-in refused: application ${ctx.clientId} was not found in tenant ${ctx.tenantId}. Check \`client-id\` and \`tenant-id\`.`
    );
  }
  if (/AADSTS90002/.test(text)) {
    return new ActionError(
      `Sign-in refused: tenant ${ctx.tenantId} was not found. Check \`tenant-id\` and \`environment\`.`
    );
  }
  return new ActionError(`Sign-in to Entra ID failed: ${firstLine(text)}`);
}

function firstLine(s: string): string {
  return s.split('\n')[0].slice(0, 400);
}

/**
 * Wraps a credential with a per-scope token cache shared by every client that uses it, and de-duplicates
 * concurrent requests for the same scope. `ClientAssertionCredential` fetches a new GitHub OIDC token and runs a
 * fresh MSAL exchange for every call (DESIGN §3: the assertion is never cached), and each SDK pipeline keeps its own
 * token, so without this one run signs in once per client: 3 sequential round trips each (OIDC token, OpenID
 * metadata, token endpoint). Tokens are reused until `refreshBeforeMs` (default 5 min) before they expire.
 */
export function withTokenCache(
  inner: TokenCredential,
  opts: { refreshBeforeMs?: number; now?: () => number } = {}
): TokenCredential {
  const refreshBefore = opts.refreshBeforeMs ?? 5 * 60_000;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, Promise<AccessToken | null>>();
  return {
    async getToken(scopes, options) {
      const key = [...(Array.isArray(scopes) ? scopes : [scopes])].sort().join(' ') + `|${options?.tenantId ?? ''}`;
      const hit = cache.get(key);
      if (hit) {
        const token = await hit.catch(() => null);
        if (token && token.expiresOnTimestamp - refreshBefore > now()) return token;
        if (cache.get(key) !== hit) return (await cache.get(key)) ?? null;
      }
      const pending = inner.getToken(scopes, options);
      cache.set(key, pending);
      try {
        return await pending;
      } catch (e) {
        if (cache.get(key) === pending) cache.delete(key);
        throw e;
      }
    }
  };
}
