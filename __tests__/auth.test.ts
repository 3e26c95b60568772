import { createHttpHeaders, createPipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/identity';
import {
  ASSERTION_REUSE_MARGIN_MS,
  authorityMetadataPrefetch,
  jwtExpiresAt,
  oidcClaims,
  reusableAssertion,
  signInError,
  tokenIdentityClaims,
  withTokenCache,
  type SignInContext
} from '../src/azure/auth.js';
import { cliSessionProblems, oidcTokenError } from '../src/azure/sign-in-errors.js';
import { isFinalTokenRefusal } from '../src/azure/session.js';
import { ActionError } from '../src/errors.js';
import { readError } from '../src/observe.js';
import { ArmError } from '../src/ports.js';

function counting(expiresInMs: number, fail = 0) {
  const calls: string[] = [];
  let failures = fail;
  const cred: TokenCredential = {
    async getToken(scopes): Promise<AccessToken> {
      calls.push(String(scopes));
      await new Promise((r) => setTimeout(r, 5));
      if (failures-- > 0) throw new Error('AADSTS700213: nope');
      return { token: `t${calls.length}`, expiresOnTimestamp: now + expiresInMs };
    }
  };
  return { cred, calls };
}
let now = 1_000_000;
const clock = () => now;

describe('withTokenCache', () => {
  it('serves concurrent and later requests for one scope from one token exchange', async () => {
    const { cred, calls } = counting(3600_000);
    const cached = withTokenCache(cred, { now: clock });
    const tokens = await Promise.all([1, 2, 3].map(() => cached.getToken(['https://arm/.default'])));
    expect(new Set(tokens.map((t) => t?.token))).toEqual(new Set(['t1']));
    expect((await cached.getToken('https://arm/.default'))?.token).toBe('t1');
    expect(calls).toHaveLength(1);
  });

  it('keeps scopes apart', async () => {
    const { cred, calls } = counting(3600_000);
    const cached = withTokenCache(cred, { now: clock });
    await cached.getToken(['https://arm/.default']);
    await cached.getToken(['app-client-id/.default']);
    expect(calls).toEqual(['https://arm/.default', 'app-client-id/.default']);
  });

  it('refreshes a token that is about to expire', async () => {
    const { cred, calls } = counting(10 * 60_000);
    const cached = withTokenCache(cred, { now: clock, refreshBeforeMs: 5 * 60_000 });
    expect((await cached.getToken('s'))?.token).toBe('t1');
    now += 6 * 60_000;
    expect((await cached.getToken('s'))?.token).toBe('t2');
    expect(calls).toHaveLength(2);
  });

  it('does not cache a failure', async () => {
    const { cred, calls } = counting(3600_000, 1);
    const cached = withTokenCache(cred, { now: clock });
    await expect(cached.getToken('s')).rejects.toThrow('AADSTS700213');
    expect((await cached.getToken('s'))?.token).toBe('t2');
    expect(calls).toHaveLength(2);
  });

  it('gives concurrent callers the outcome of the one exchange they share, a failure included', async () => {
    const { cred, calls } = counting(3600_000, 1);
    const cached = withTokenCache(cred, { now: clock });
    const results = await Promise.allSettled([1, 2, 3].map(() => cached.getToken('s')));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(calls).toHaveLength(1);
    // Settled: the failure is forgotten, the next request asks again.
    expect((await cached.getToken('s'))?.token).toBe('t2');
  });

  it('keeps a failure that keepFailure calls final: one request per scope for the run', async () => {
    const calls: string[] = [];
    const cred: TokenCredential = {
      async getToken(scopes) {
        calls.push(String(scopes));
        if (String(scopes).startsWith('api://nope')) {
          throw new Error('AADSTS500011: The resource principal named api://nope was not found in the tenant');
        }
        return { token: 'ok', expiresOnTimestamp: now + 3600_000 };
      }
    };
    const cached = withTokenCache(cred, { now: clock, keepFailure: isFinalTokenRefusal });
    await expect(cached.getToken('api://nope/.default')).rejects.toThrow('AADSTS500011');
    await expect(cached.getToken('api://nope/.default')).rejects.toThrow('AADSTS500011');
    expect(calls).toEqual(['api://nope/.default']);
    // Another scope is unaffected.
    expect((await cached.getToken('api://fine/.default'))?.token).toBe('ok');
  });

  it('does not split the cache on enableCae, abort signals or tracing; a claims challenge asks again', async () => {
    const seen: (GetTokenOptions | undefined)[] = [];
    let n = 0;
    const cred: TokenCredential = {
      async getToken(_scopes, options) {
        seen.push(options);
        return { token: `t${++n}`, expiresOnTimestamp: now + 3600_000 };
      }
    };
    const cached = withTokenCache(cred, { now: clock });
    expect((await cached.getToken(['https://arm/.default']))?.token).toBe('t1');
    expect((await cached.getToken(['https://arm/.default'], { enableCae: true }))?.token).toBe('t1');
    expect(
      (await cached.getToken(['https://arm/.default'], { abortSignal: new AbortController().signal }))?.token
    ).toBe('t1');
    expect((await cached.getToken(['https://arm/.default'], { claims: 'e30=' }))?.token).toBe('t2');
    expect(seen[1]?.claims).toBe('e30=');
    // The challenge's token replaces the cached one.
    expect((await cached.getToken(['https://arm/.default']))?.token).toBe('t2');
    expect(seen).toHaveLength(2);
  });
});

/** A JWT (unsigned) with this payload. */
function jwt(payload: object): string {
  return `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;
}

describe('reusableAssertion (one GitHub OIDC token per run, until shortly before its exp)', () => {
  function githubTokens(lifetimeS: number | undefined) {
    const fetched: string[] = [];
    const fetch = async () => {
      await new Promise((r) => setTimeout(r, 5));
      const t = jwt({ n: fetched.length + 1, ...(lifetimeS === undefined ? {} : { exp: now / 1000 + lifetimeS }) });
      fetched.push(t);
      return t;
    };
    return { fetch, fetched };
  }

  it('fetches once for concurrent and later callers (msal-node asks twice per Entra token)', async () => {
    const { fetch, fetched } = githubTokens(300);
    const assertion = reusableAssertion(fetch, { now: clock });
    const first = await Promise.all([assertion(), assertion(), assertion()]);
    expect(new Set(first).size).toBe(1);
    now += 200_000; // 100 s left: more than the margin
    expect(await assertion()).toBe(first[0]);
    expect(fetched).toHaveLength(1);
  });

  it(`fetches a new token once fewer than ${ASSERTION_REUSE_MARGIN_MS / 1000} s are left before exp`, async () => {
    const { fetch, fetched } = githubTokens(300);
    const assertion = reusableAssertion(fetch, { now: clock });
    const first = await assertion();
    now += 300_000 - ASSERTION_REUSE_MARGIN_MS; // exactly at the margin
    const second = await assertion();
    expect(second).not.toBe(first);
    expect(fetched).toHaveLength(2);
  });

  it('never reuses a token without a readable exp (but still shares a fetch in flight)', async () => {
    const { fetch, fetched } = githubTokens(undefined);
    const assertion = reusableAssertion(fetch, { now: clock });
    await Promise.all([assertion(), assertion()]);
    await assertion();
    expect(fetched).toHaveLength(2);
  });

  it('does not remember a failed fetch', async () => {
    let fail = true;
    const assertion = reusableAssertion(
      async () => {
        if (fail) throw new Error('Error Code : 500');
        return jwt({ exp: now / 1000 + 300 });
      },
      { now: clock }
    );
    await expect(assertion()).rejects.toThrow('500');
    fail = false;
    await expect(assertion()).resolves.toMatch(/\./);
  });
});

describe('jwtExpiresAt', () => {
  it('reads exp (seconds) as milliseconds', () => {
    expect(jwtExpiresAt(jwt({ exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
  });
  it.each(['', 'not-a-jwt', 'a.%%%.c', jwt({ exp: '1700000000' }), jwt({})])('undefined for %p', (s) => {
    expect(jwtExpiresAt(s)).toBeUndefined();
  });
});

describe('authorityMetadataPrefetch', () => {
  const tenant = '11111111-1111-4111-8111-111111111111';
  function response(url: string, status = 200): PipelineResponse {
    return {
      request: createPipelineRequest({ url }),
      status,
      headers: createHttpHeaders({ 'content-type': 'application/json' }),
      bodyAsText: status === 200 ? '{"token_endpoint":"x"}' : '{"error":"nope"}'
    };
  }

  it.each([
    'https://login.microsoftonline.com',
    'https://login.microsoftonline.us',
    'https://login.chinacloudapi.cn',
    'https://login.partner.microsoftonline.cn'
  ])('fetches nothing for %s: msal-node has its metadata built in', (host) => {
    expect(authorityMetadataPrefetch(host, tenant, async (u) => response(u))).toBeUndefined();
  });

  it("fetches once on start() and answers MSAL's GET of that URL (lower case, as MSAL canonicalizes it) once", async () => {
    const fetched: string[] = [];
    const p = authorityMetadataPrefetch('https://Stack.Example:8443/', tenant.toUpperCase(), async (u) => {
      fetched.push(u);
      return response(u);
    })!;
    const url = `https://stack.example:8443/${tenant}/v2.0/.well-known/openid-configuration`;
    p.start();
    p.start();
    expect(fetched).toEqual([url]);
    const network: string[] = [];
    const next = async (req: { url: string }) => {
      network.push(req.url);
      return response(req.url);
    };
    const msalGet = createPipelineRequest({ url, method: 'GET' });
    const served = await p.policy.sendRequest(msalGet, next as never);
    expect(served.request).toBe(msalGet);
    expect(served.bodyAsText).toBe('{"token_endpoint":"x"}');
    expect(network).toEqual([]);
    // A second GET (e.g. after MSAL's 24 h metadata expiry) and other requests go to the network.
    await p.policy.sendRequest(createPipelineRequest({ url, method: 'GET' }), next as never);
    await p.policy.sendRequest(
      createPipelineRequest({ url: `https://stack.example:8443/${tenant}/oauth2/v2.0/token`, method: 'POST' }),
      next as never
    );
    expect(network).toHaveLength(2);
  });

  it('lets MSAL fetch (and report) for itself when the prefetch failed or was not started', async () => {
    const url = `https://twin.local/${tenant}/v2.0/.well-known/openid-configuration`;
    const network: string[] = [];
    const next = async (req: { url: string }) => {
      network.push(req.url);
      return response(req.url);
    };
    const notStarted = authorityMetadataPrefetch('https://twin.local', tenant, async (u) => response(u))!;
    await notStarted.policy.sendRequest(createPipelineRequest({ url }), next as never);
    const failed = authorityMetadataPrefetch('https://twin.local', tenant, async (u) => response(u, 503))!;
    failed.start();
    await failed.policy.sendRequest(createPipelineRequest({ url }), next as never);
    const broken = authorityMetadataPrefetch('https://twin.local', tenant, async () => {
      throw new Error('ECONNRESET');
    })!;
    broken.start();
    await broken.policy.sendRequest(createPipelineRequest({ url }), next as never);
    expect(network).toEqual([url, url, url]);
  });
});

describe('oidcClaims', () => {
  const jwt = (payload: object) =>
    `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.sig`;

  it('returns only iss, sub and aud', () => {
    const c = oidcClaims(
      jwt({
        iss: 'https://token.actions.githubusercontent.com',
        sub: 'repo:o/r:pull_request',
        aud: 'api://AzureADTokenExchange',
        repository: 'o/r'
      })
    );
    expect(c).toEqual({
      iss: 'https://token.actions.githubusercontent.com',
      sub: 'repo:o/r:pull_request',
      aud: 'api://AzureADTokenExchange'
    });
  });

  it.each(['', 'not-a-jwt', 'a.%%%.c'])('returns nothing for %p', (s) => {
    expect(oidcClaims(s)).toEqual({});
  });
});

describe('signInError (which input is likely wrong)', () => {
  const ctx = {
    clientId: 'c1',
    tenantId: 't1',
    subject: 'repo:o/r:pull_request',
    audience: 'api://AzureADTokenExchange'
  };
  const message = (raw: string, more: Partial<SignInContext> = {}) => {
    const e = signInError(new Error(raw), { ...ctx, ...more });
    expect(e).toBeInstanceOf(ActionError);
    return e.message;
  };

  it('AADSTS90002 (tenant not found): check tenant-id, is it the subscription ID?', () => {
    const m = message("AADSTS90002: Tenant 't1' not found. Check to make sure you have the correct tenant ID");
    expect(m).toMatch(
      /^Sign-in refused: tenant-id t1 was not found \(AADSTS90002\): check tenant-id \(is it the subscription ID\?/
    );
    expect(m).toMatch(/environment/);
    expect(m).not.toMatch(/same GUID/);
  });

  it('MSAL endpoints_resolution_error: the same hint, and the unreachable-host alternative', () => {
    const m = message('endpoints_resolution_error: Endpoints cannot be resolved');
    expect(m).toMatch(/tenant-id t1 was not found \(MSAL endpoints_resolution_error: .*could not be reached\)/);
    expect(m).toMatch(/check tenant-id \(is it the subscription ID\?/);
    expect(m).toMatch(/authority-host/);
  });

  it('tenant not found with tenant-id equal to subscription-id: says one of them is wrong', () => {
    expect(message('AADSTS90002: Tenant not found', { subscriptionId: 'T1' })).toMatch(
      /tenant-id and subscription-id are the same GUID: one of them is wrong/
    );
  });

  it('AADSTS700016 (application not found): check client-id, not the object ID, and the tenant', () => {
    const m = message('AADSTS700016: Application with identifier c1 was not found in the directory');
    expect(m).toMatch(/client-id c1 was not found in tenant t1: check client-id/);
    expect(m).toMatch(/not its object ID/);
    expect(m).toMatch(/tenant-id/);
  });

  it.each([
    'AADSTS700213: No matching federated identity record found',
    'AADSTS70021: No matching federated identity record found for presented assertion.'
  ])('%s: prints the subject, the audience and the usual subjects', (raw) => {
    const m = message(raw);
    expect(m).toMatch(/no federated credential on client-id c1 matches/);
    expect(m).toMatch(/subject 'repo:o\/r:pull_request', audience 'api:\/\/AzureADTokenExchange'/);
    for (const usual of [
      'repo:o/r:ref:refs/heads/main',
      'repo:o/r:pull_request',
      'repo:o/r:environment:<name>',
      'repo:o/r:ref:refs/tags/<tag>'
    ]) {
      expect(m).toContain(usual);
    }
  });

  it('no federated credential, token not read: the repository comes from GITHUB_REPOSITORY (repository)', () => {
    const m = message('AADSTS700213: nope', { subject: undefined, repository: 'octo/app' });
    expect(m).toMatch(/subject \(unknown/);
    expect(m).toContain('repo:octo/app:ref:refs/heads/main');
  });

  it('anything else: the first line, as a sign-in failure', () => {
    expect(message('socket hang up\nat …')).toBe('Sign-in to Entra ID failed: socket hang up');
  });

  it('passes an ActionError through (the missing id-token permission message)', () => {
    const original = new ActionError('add permissions: id-token: write');
    expect(signInError(original, ctx)).toBe(original);
  });
});

describe('oidcTokenError (core.getIDToken failed)', () => {
  const err = new Error('Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable');
  it('outside GitHub Actions without the OIDC variables: says so (not "add permissions")', () => {
    const m = oidcTokenError(err, {}).message;
    expect(m).toMatch(/outside GitHub Actions \(GITHUB_ACTIONS is not 'true'\)/);
    expect(m).toMatch(/ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set/);
    expect(m).toMatch(/auth-type: azure-cli/);
    expect(m).not.toMatch(/id-token: write/);
  });

  it('in GitHub Actions without the variables: the job lacks permissions: id-token: write', () => {
    const m = oidcTokenError(err, { GITHUB_ACTIONS: 'true' }).message;
    expect(m).toMatch(/Add `permissions: id-token: write`/);
    expect(m).not.toMatch(/outside GitHub Actions/);
  });

  it('the variables set outside Actions (the twin): the error itself; "Not implemented" names local-action', () => {
    const env = { ACTIONS_ID_TOKEN_REQUEST_URL: 'https://x/?a=1', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't' };
    expect(oidcTokenError(new Error('Error Code : 500'), env).message).toBe(
      'Could not get a GitHub OIDC token: Error Code : 500'
    );
    expect(oidcTokenError(new Error('Not implemented'), env).message).toMatch(
      /does not implement getIDToken .*local-action.*auth-type: azure-cli/
    );
  });
});

describe('cliSessionProblems and tokenIdentityClaims (auth-type azure-cli)', () => {
  const ctx = { clientId: 'C1', tenantId: 'T1' };
  it('same tenant and client (any case): nothing', () => {
    expect(cliSessionProblems({ tid: 't1', appid: 'c1' }, ctx)).toEqual({});
    expect(cliSessionProblems({}, ctx)).toEqual({});
  });
  it('another tenant: an error; another client (appid or azp): a warning', () => {
    expect(cliSessionProblems({ tid: 't2', appid: 'c1' }, ctx).error).toMatch(/tenant t2, but tenant-id is T1/);
    expect(cliSessionProblems({ tid: 't1', azp: 'c2' }, ctx).warning).toMatch(/as client c2, not client-id C1/);
  });
  it('reads tid, appid and azp from a token; nothing from a non-JWT', () => {
    const payload = Buffer.from(JSON.stringify({ tid: 't', appid: 'a', oid: 'o', azp: 5 })).toString('base64url');
    expect(tokenIdentityClaims(`h.${payload}.s`)).toEqual({ tid: 't', appid: 'a' });
    expect(tokenIdentityClaims('opaque')).toEqual({});
  });
});

describe('readError: the tenant ID given as subscription-id (the first ARM read)', () => {
  it('404 SubscriptionNotFound: check subscription-id (is it the tenant ID?)', () => {
    const url = '/subscriptions/11111111-1111-4111-8111-111111111111/resourceGroups/rg/providers/x/service/apim-x';
    const e = readError('APIM service apim-x', new ArmError('GET → 404', 404, 'SubscriptionNotFound', url));
    expect(e).toBeInstanceOf(ActionError);
    expect(e.message).toMatch(
      /^subscription-id 11111111-1111-4111-8111-111111111111 was not found \(SubscriptionNotFound\) reading APIM service apim-x: check subscription-id \(is it the tenant ID\?\)/
    );
  });
  it('another 404 keeps the generic message', () => {
    const e = readError(
      'APIM service apim-x',
      new ArmError('GET → 404', 404, 'ResourceNotFound', '/subscriptions/s/x')
    );
    expect(e.message).toMatch(/^APIM service apim-x was not found \(\/subscriptions\/s\/x\)\. Check the names/);
  });
});
