/**
 * The twin's Entra ID tenant: signing keys, access-token issue and verification (implements TenantServices),
 * and the GitHub OIDC issuer's key (the workflow's ID tokens).
 */
import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, createLocalJWKSet, type JWK, type JWTPayload } from 'jose';
import type { AccessTokenClaims, TenantServices, TwinState } from './contracts.js';

/** Issuer of GitHub Actions OIDC tokens (docs.github.com "About security hardening with OpenID Connect"). */
export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com';
/** Default audience of a federated identity credential (Learn: workload-identity-federation). */
export const DEFAULT_FIC_AUDIENCE = 'api://AzureADTokenExchange';
/** Access-token lifetime the twin grants, in seconds (Entra's default is 60–90 min; we use 1 h). */
export const ACCESS_TOKEN_LIFETIME_S = 3600;

interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
  publicJwk: JWK;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = randomUUID().replace(/-/g, '');
  const publicJwk = { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' };
  return { kid, privateKey, publicJwk };
}

/** Endpoints of the twin that Entra treats as first-party resources (their tokens' `aud`). */
export interface TenantResources {
  /** ARM endpoint of the twin, e.g. `https://127.0.0.1:4431` (no trailing slash). */
  armResource: string;
  /** Microsoft Graph endpoint of the twin, e.g. `https://127.0.0.1:4432`. */
  graphResource: string;
  /** Further `aud` values the twin's ARM accepts (the public ones when the proxy serves management.azure.com). */
  armAudiences?: readonly string[];
  /** Further `aud` values the twin's Graph accepts (the public one when the proxy serves graph.microsoft.com). */
  graphAudiences?: readonly string[];
}

/** Strips one trailing slash and lower-cases, for resource comparison. */
export function normResource(r: string): string {
  return r.replace(/\/+$/, '').toLowerCase();
}

/**
 * Public first-party resources Entra knows; the twin issues tokens for them but its own ARM/Graph reject them. Key
 * Vault's `https://vault.azure.net` (Learn "Azure Key Vault authentication"; the resource of the Key Vault lookup in
 * Learn "authentication-managed-identity policy" examples) lets a policy fetch a Key Vault token into a variable.
 */
const PUBLIC_FIRST_PARTY = [
  'https://management.azure.com',
  'https://management.core.windows.net',
  'https://graph.microsoft.com',
  'https://vault.azure.net'
];

/**
 * The twin's tenant. `getState` is read at call time, so app registrations and service principals created later
 * (APIM system identities) are honoured.
 */
export class Tenant implements TenantServices {
  private constructor(
    private readonly getState: () => TwinState,
    readonly resources: TenantResources,
    private readonly entraKey: SigningKey,
    private readonly oidcKey: SigningKey
  ) {}

  /** Creates the tenant with fresh RS256 keys for Entra and for the GitHub OIDC issuer. */
  static async create(getState: () => TwinState, resources: TenantResources): Promise<Tenant> {
    return new Tenant(getState, resources, await newKey(), await newKey());
  }

  /**
   * Whether the twin's ARM or Graph accepts an access token with this `aud`: its own endpoint, plus
   * `armAudiences`/`graphAudiences` (compared like resources: case-insensitive, one trailing slash ignored).
   */
  acceptsAudience(service: 'arm' | 'graph', aud: string): boolean {
    const r = this.resources;
    const accepted =
      service === 'arm' ? [r.armResource, ...(r.armAudiences ?? [])] : [r.graphResource, ...(r.graphAudiences ?? [])];
    return accepted.map(normResource).includes(normResource(aud));
  }

  get tenantId(): string {
    return this.getState().tenantId;
  }

  /** JWKS (`{keys:[…]}`) of the Entra signing key, as served at `/{tenant}/discovery/v2.0/keys`. */
  entraJwks(): { keys: JWK[] } {
    return { keys: [this.entraKey.publicJwk] };
  }

  /** JWKS of the GitHub OIDC issuer, as served at `<oidc>/.well-known/jwks`. */
  oidcJwks(): { keys: JWK[] } {
    return { keys: [this.oidcKey.publicJwk] };
  }

  /**
   * Signs a GitHub Actions ID token (RS256, 5 min lifetime) with iss `https://token.actions.githubusercontent.com`.
   * Claims follow docs.github.com "OpenID Connect reference" (sub, repository, repository_owner, ref, event_name…).
   */
  async signGitHubIdToken(audience: string, claims: Record<string, string>): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: this.oidcKey.kid, typ: 'JWT' })
      .setIssuer(GITHUB_OIDC_ISSUER)
      .setAudience(audience)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setNotBefore(now - 5)
      .setExpirationTime(now + 300)
      .sign(this.oidcKey.privateKey);
  }

  /**
   * Verifies a client assertion's signature and lifetime against the GitHub OIDC key.
   * Returns the payload, or `{reason: 'expired' | 'signature'}`. Issuer/audience/subject are checked by the caller.
   */
  async verifyGitHubIdToken(token: string): Promise<JWTPayload | { reason: 'expired' | 'signature' }> {
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(this.oidcJwks()), { algorithms: ['RS256'] });
      return payload;
    } catch (e) {
      return { reason: (e as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'expired' : 'signature' };
    }
  }

  /**
   * Resolves a resource string the way Entra does for `<resource>/.default`: an app registration's appId or one of
   * its identifierUris (case-insensitive, exact otherwise), the twin's ARM/Graph endpoints, or a public first-party
   * resource. Returns undefined when the tenant has no such resource principal (→ AADSTS500011).
   */
  resolveResource(
    resource: string
  ): { kind: 'app'; appId: string; version: 1 | 2 } | { kind: 'first-party' } | undefined {
    const r = resource.toLowerCase();
    for (const app of this.getState().appRegistrations) {
      if (app.appId.toLowerCase() === r || app.identifierUris.some((u) => u.toLowerCase() === r)) {
        return { kind: 'app', appId: app.appId, version: app.requestedAccessTokenVersion === 2 ? 2 : 1 };
      }
    }
    const n = normResource(resource);
    const known = [this.resources.armResource, this.resources.graphResource, ...PUBLIC_FIRST_PARTY].map(normResource);
    return known.includes(n) ? { kind: 'first-party' } : undefined;
  }

  /**
   * Issues an access token (RS256, 1 h) for `caller` to `resource`. v1 (requestedAccessTokenVersion null|1):
   * iss `https://sts.windows.net/{tid}/`, aud = the requested resource string, `appid`; v2: iss
   * `https://login.microsoftonline.com/{tid}/v2.0`, aud = appId, `azp` (Learn: access-token-claims-reference).
   * When `caller.appId` is empty, it is looked up from `servicePrincipals` by object ID (a managed identity's
   * client ID is not in its ARM body). Errors: unknown resource → AADSTS500011 (`invalid_resource`); unknown
   * caller → AADSTS700016 (`unauthorized_client`).
   */
  async issueAccessToken(
    caller: { appId: string; objectId: string },
    resource: string
  ): Promise<{ token: string } | { error: string; code: string }> {
    const state = this.getState();
    let appId = caller.appId;
    if (!appId) {
      const sp = (state.servicePrincipals ?? []).find((s) => s.id.toLowerCase() === caller.objectId.toLowerCase());
      if (!sp) {
        return {
          error: `AADSTS700016: Application with identifier '${caller.objectId}' was not found in the directory '${state.tenantId}'.`,
          code: 'unauthorized_client'
        };
      }
      appId = sp.appId;
    }
    const target = this.resolveResource(resource);
    if (!target) {
      return {
        error:
          `AADSTS500011: The resource principal named ${resource} was not found in the tenant named ${state.tenantId}. ` +
          'This can happen if the application has not been installed by the administrator of the tenant or consented ' +
          'to by any user in the tenant. You might have sent your authentication request to the wrong tenant.',
        code: 'invalid_resource'
      };
    }
    const v2 = target.kind === 'app' && target.version === 2;
    const now = Math.floor(Date.now() / 1000);
    const claims: AccessTokenClaims = {
      aud: v2 && target.kind === 'app' ? target.appId : resource,
      iss: v2
        ? `https://login.microsoftonline.com/${state.tenantId}/v2.0`
        : `https://sts.windows.net/${state.tenantId}/`,
      tid: state.tenantId,
      oid: caller.objectId,
      sub: caller.objectId,
      ver: v2 ? '2.0' : '1.0',
      iat: now,
      nbf: now - 5,
      exp: now + ACCESS_TOKEN_LIFETIME_S,
      idtyp: 'app',
      ...(v2 ? { azp: appId } : { appid: appId })
    };
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: 'RS256', kid: this.entraKey.kid, typ: 'JWT' })
      .sign(this.entraKey.privateKey);
    return { token };
  }

  /** Verifies signature and lifetime (RS256, twin Entra key); returns the claims or undefined. */
  async verifyAccessToken(token: string): Promise<AccessTokenClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, createLocalJWKSet(this.entraJwks()), { algorithms: ['RS256'] });
      return payload as unknown as AccessTokenClaims;
    } catch {
      return undefined;
    }
  }
}
