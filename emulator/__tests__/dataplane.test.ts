import { generateKeyPair, jwtVerify, SignJWT, type CryptoKey } from 'jose';
import type {
  AccessTokenClaims,
  FunctionHostContext,
  FunctionRoute,
  Json,
  TenantServices,
  TwinRequest,
  TwinResponse
} from '../src/contracts.js';
import { acceptedIssuers, evaluateEasyAuth, isExcludedPath } from '../src/dataplane/easy-auth.js';
import { handleFunctionRequest } from '../src/dataplane/function-host.js';
import { handleGatewayRequest, type GatewayContextWithExtras } from '../src/dataplane/gateway.js';

const TID = '11111111-2222-3333-4444-555555555555';
const APP_ID = 'aaaaaaaa-0000-0000-0000-000000000001';
const APIM_OID = 'bbbbbbbb-0000-0000-0000-000000000002';
const APIM_APPID = 'cccccccc-0000-0000-0000-000000000003';
const UAI_CLIENT = 'dddddddd-0000-0000-0000-000000000004';
const UAI_OID = 'eeeeeeee-0000-0000-0000-000000000005';
const V2_APP = 'ffffffff-0000-0000-0000-000000000006';
const V1_ISS = `https://sts.windows.net/${TID}/`;
const V2_ISS = `https://login.microsoftonline.com/${TID}/v2.0`;

/** A small Entra-like tenant signing real RS256 JWTs (same rules as the twin's tenant). */
class FakeTenant implements TenantServices {
  tenantId = TID;
  calls: { caller: { appId: string; objectId: string }; resource: string }[] = [];
  constructor(
    private readonly key: { privateKey: CryptoKey; publicKey: CryptoKey },
    private readonly apps: { appId: string; uris: string[]; v2: boolean }[],
    private readonly sps: Record<string, string>
  ) {}
  async sign(claims: Partial<AccessTokenClaims>, key = this.key.privateKey): Promise<string> {
    return new SignJWT({ ...claims }).setProtectedHeader({ alg: 'RS256' }).sign(key);
  }
  async issueAccessToken(caller: { appId: string; objectId: string }, resource: string) {
    this.calls.push({ caller, resource });
    const appId = caller.appId || this.sps[caller.objectId];
    const app = this.apps.find((a) => a.appId === resource || a.uris.includes(resource));
    if (!app || !appId) {
      return {
        error: `AADSTS500011: The resource principal named ${resource} was not found in the tenant named ${TID}.`,
        code: 'invalid_resource'
      };
    }
    const now = Math.floor(Date.now() / 1000);
    const token = await this.sign({
      aud: app.v2 ? app.appId : resource,
      iss: app.v2 ? V2_ISS : V1_ISS,
      tid: TID,
      oid: caller.objectId,
      sub: caller.objectId,
      ver: app.v2 ? '2.0' : '1.0',
      iat: now,
      nbf: now - 5,
      exp: now + 3600,
      ...(app.v2 ? { azp: appId } : { appid: appId })
    });
    return { token };
  }
  async verifyAccessToken(token: string): Promise<AccessTokenClaims | undefined> {
    try {
      return (await jwtVerify(token, this.key.publicKey)).payload as unknown as AccessTokenClaims;
    } catch {
      return undefined;
    }
  }
}

let tenant: FakeTenant;
let otherKey: CryptoKey;
beforeAll(async () => {
  const key = await generateKeyPair('RS256');
  otherKey = (await generateKeyPair('RS256')).privateKey;
  tenant = new FakeTenant(
    key,
    [
      { appId: APP_ID, uris: [`api://${APP_ID}`], v2: false },
      { appId: V2_APP, uris: [], v2: true }
    ],
    { [APIM_OID]: APIM_APPID }
  );
});

const req = (url: string, headers: Record<string, string> = {}, method = 'GET'): TwinRequest => ({
  method,
  url,
  headers,
  body: Buffer.alloc(0)
});

async function tokenFor(claims: Partial<AccessTokenClaims>, key?: CryptoKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return tenant.sign(
    {
      aud: APP_ID,
      iss: V1_ISS,
      tid: TID,
      oid: APIM_OID,
      sub: APIM_OID,
      appid: APIM_APPID,
      ver: '1.0',
      iat: now,
      nbf: now - 5,
      exp: now + 3600,
      ...claims
    },
    key
  );
}

function authSettings(over: { gv?: Json; registration?: Json; validation?: Json; enabled?: boolean } = {}): Json {
  return {
    properties: {
      platform: { enabled: over.enabled ?? true },
      globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401', ...over.gv },
      identityProviders: {
        azureActiveDirectory: {
          enabled: true,
          registration: { clientId: APP_ID, openIdIssuer: V1_ISS, ...over.registration },
          validation: { allowedAudiences: [], ...over.validation }
        }
      }
    }
  };
}

// ---------------------------------------------------------------- Easy Auth

describe('evaluateEasyAuth', () => {
  it.each([
    ['settings absent', undefined],
    ['platform disabled', authSettings({ enabled: false })]
  ])('passes without checks when %s', async (_n, s) => {
    expect(await evaluateEasyAuth(s, req('/api/x'), tenant, 'func-x')).toEqual({ pass: true });
  });

  it.each([
    ['Return401', 401],
    ['Return403', 403],
    ['RedirectToLoginPage', 302],
    ['AllowAnonymous', 200],
    [undefined, 302] // absent → RedirectToLoginPage (terraform-provider-azurerm#21400)
  ])('no token with requireAuthentication and action %s → %s', async (action, status) => {
    const s = authSettings({ gv: { unauthenticatedClientAction: action } });
    const r = await evaluateEasyAuth(s, req('/api/orders?x=1'), tenant, 'func-x.azurewebsites.net');
    if (status === 200) return expect(r).toEqual({ pass: true });
    expect(r.pass).toBe(false);
    if (r.pass) return;
    expect(r.response.status).toBe(status);
    if (status === 401) {
      expect(r.response.headers['www-authenticate']).toBe(
        `Bearer realm="func-x.azurewebsites.net" authorization_uri="https://login.microsoftonline.com/${TID}/oauth2/authorize" resource_id="${APP_ID}"`
      );
    }
    if (status === 302)
      expect(r.response.headers['location']).toBe('/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Forders');
    if (status === 403) expect(r.response.body).toBe('You do not have permission to view this directory or page.');
  });

  it('requireAuthentication false and no token → anonymous pass', async () => {
    const r = await evaluateEasyAuth(
      authSettings({ gv: { requireAuthentication: false } }),
      req('/api/x'),
      tenant,
      'h'
    );
    expect(r).toEqual({ pass: true });
  });

  it.each([
    ['/api/health', ['/api/health'], true],
    ['/API/Health', ['/api/health'], true],
    ['/api/health/deep', ['/api/health'], false],
    ['/api/healthz', ['/api/health'], false],
    ['/static/a/b.css', ['/static/*'], true],
    ['/api/orders', ['/api/health'], false]
  ])('excludedPaths: %s with %j excluded → %s', async (path, excluded, pass) => {
    expect(isExcludedPath(path, excluded)).toBe(pass);
    const r = await evaluateEasyAuth(
      authSettings({ gv: { excludedPaths: excluded } }),
      req(`${path}?q=1`),
      tenant,
      'h'
    );
    expect(r.pass).toBe(pass);
  });

  it.each([
    ['v1 issuer, v1 token', V1_ISS, V1_ISS, true],
    ['v1 issuer, v2 token', V1_ISS, V2_ISS, false],
    ['v2 issuer, v2 token', V2_ISS, V2_ISS, true],
    ['v2 issuer, v1 token (C03)', V2_ISS, V1_ISS, false],
    ['login.microsoftonline.com v1 authority, v1 token', `https://login.microsoftonline.com/${TID}/`, V1_ISS, true],
    ['other tenant', `https://sts.windows.net/99999999-2222-3333-4444-555555555555/`, V1_ISS, false]
  ])('issuer: %s', async (_n, openIdIssuer, iss, pass) => {
    const s = authSettings({ registration: { openIdIssuer } });
    const r = await evaluateEasyAuth(
      s,
      req('/api/x', { authorization: `Bearer ${await tokenFor({ iss })}` }),
      tenant,
      'h'
    );
    expect(r.pass).toBe(pass);
    if (!r.pass) {
      expect(r.response.status).toBe(401);
      expect(r.response.headers['www-authenticate']).toMatch(/error="invalid_token".*IDX10205/);
    }
  });

  it.each([
    ['clientId is always allowed', APP_ID, [], true],
    ['api:// URI not listed → IDX10214 (C02)', `api://${APP_ID}`, [], false],
    ['api:// URI listed', `api://${APP_ID}`, [`api://${APP_ID}`], true],
    ['exact match only (trailing slash)', `api://${APP_ID}`, [`api://${APP_ID}/`], false],
    ['foreign audience', 'https://management.azure.com/', [], false]
  ])('audience: %s', async (_n, aud, allowed, pass) => {
    const s = authSettings({ validation: { allowedAudiences: allowed } });
    const r = await evaluateEasyAuth(
      s,
      req('/api/x', { authorization: `Bearer ${await tokenFor({ aud })}` }),
      tenant,
      'h'
    );
    expect(r.pass).toBe(pass);
    if (r.pass) expect(r.claims?.aud).toBe(aud);
    else {
      expect(r.response.status).toBe(401);
      expect(String(r.response.body)).toContain('IDX10214: Audience validation failed');
      expect(r.response.headers['www-authenticate']).toContain('error="invalid_token"');
    }
  });

  it.each([
    ['bad signature', { key: 'other' }],
    ['expired', { exp: Math.floor(Date.now() / 1000) - 600 }]
  ])('invalid token (%s) → 401 invalid_token', async (_n, how) => {
    const t = 'key' in how ? await tokenFor({}, otherKey) : await tokenFor(how as Partial<AccessTokenClaims>);
    const r = await evaluateEasyAuth(authSettings(), req('/api/x', { authorization: `Bearer ${t}` }), tenant, 'h');
    expect(r.pass).toBe(false);
    if (!r.pass) {
      expect(r.response.status).toBe(401);
      expect(r.response.headers['www-authenticate']).toContain('error="invalid_token"');
    }
  });

  it.each([
    ['no lists', undefined, undefined, 200],
    ['empty lists are not checked', [], [], 200],
    ['allowedApplications has only the app itself (C04)', [APP_ID], undefined, 403],
    ['allowedApplications has APIM appId', [APP_ID, APIM_APPID], undefined, 200],
    ['APIM object ID put in allowedApplications is wrong (C04)', [APIM_OID], undefined, 403],
    ['allowedPrincipals has APIM oid', undefined, [APIM_OID], 200],
    ['allowedPrincipals has another oid', undefined, [UAI_OID], 403],
    ['both lists must pass', [APIM_APPID], [UAI_OID], 403],
    ['both lists pass', [APIM_APPID], [APIM_OID], 200]
  ])('authorization: %s → %s', async (_n, apps, identities, status) => {
    const policy: Json = {};
    if (apps) policy['allowedApplications'] = apps;
    if (identities) policy['allowedPrincipals'] = { identities };
    const s = authSettings({ validation: { defaultAuthorizationPolicy: policy } });
    const r = await evaluateEasyAuth(s, req('/api/x', { authorization: `Bearer ${await tokenFor({})}` }), tenant, 'h');
    if (status === 200) expect(r).toMatchObject({ pass: true, claims: { oid: APIM_OID, appid: APIM_APPID } });
    else expect(r).toMatchObject({ pass: false, response: { status: 403 } });
  });

  it('v2 tokens are authorized by azp', async () => {
    const s = authSettings({
      registration: { openIdIssuer: V2_ISS },
      validation: { defaultAuthorizationPolicy: { allowedApplications: [APIM_APPID] } }
    });
    const t = await tokenFor({ iss: V2_ISS, ver: '2.0', appid: undefined, azp: APIM_APPID });
    expect((await evaluateEasyAuth(s, req('/api/x', { authorization: `Bearer ${t}` }), tenant, 'h')).pass).toBe(true);
  });

  it('acceptedIssuers picks the tenant from the issuer URL', () => {
    expect(acceptedIssuers(`https://login.microsoftonline.com/${TID}/v2.0/`, 'x')).toEqual([V2_ISS]);
    expect(acceptedIssuers(undefined, TID)).toEqual([V1_ISS, V2_ISS]);
  });
});

// ---------------------------------------------------------------- Function host

describe('handleFunctionRequest', () => {
  const routes: FunctionRoute[] = [
    { path: '/api/orders', methods: ['GET', 'post'], authLevel: 'function', status: 200, body: { ok: 'orders' } },
    { path: '/api/ping', methods: ['GET'], authLevel: 'anonymous', status: 200, body: { ok: 'ping' } },
    { path: '/api/admin', methods: ['GET'], authLevel: 'admin', status: 202, body: { ok: 'admin' } }
  ];
  const ctx = (auth?: Json): FunctionHostContext => ({
    tenant,
    siteId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/func-x',
    authSettingsV2: auth,
    routes,
    functionKeys: ['fkey-1']
  });

  it.each([
    ['anonymous route', '/api/ping', {}, 'GET', 200],
    ['route match is case-insensitive (path and method)', '/API/Orders', { 'x-functions-key': 'fkey-1' }, 'POST', 200],
    ['no route → 404', '/api/none', {}, 'GET', 404],
    ['method not allowed → 404', '/api/ping', {}, 'DELETE', 404],
    ['function key missing → 401', '/api/orders', {}, 'GET', 401],
    ['function key wrong → 401', '/api/orders', { 'x-functions-key': 'nope' }, 'GET', 401],
    ['function key in ?code=', '/api/orders?code=fkey-1', {}, 'GET', 200],
    ['admin level needs a key', '/api/admin', {}, 'GET', 401],
    ['admin level with key', '/api/admin', { 'x-functions-key': 'fkey-1' }, 'GET', 202]
  ])('without Easy Auth: %s', async (_n, url, headers, method, status) => {
    const r = await handleFunctionRequest(ctx(undefined), req(url, headers, method));
    expect(r.status).toBe(status);
    if (status === 401) {
      expect(r.body).toBe('');
      expect(r.headers['www-authenticate']).toBeUndefined();
      expect(r.headers['x-twin-auth-layer']).toBe('function-key');
    }
    if (status < 300)
      expect(JSON.parse(String(r.body))).toEqual(routes.find((x) => url.toLowerCase().startsWith(x.path))!.body);
  });

  it('Easy Auth rejects first with a Bearer challenge (the layer is distinguishable, C15)', async () => {
    const r = await handleFunctionRequest(ctx(authSettings()), req('/api/orders', { 'x-functions-key': 'fkey-1' }));
    expect(r.status).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/^Bearer realm=.*authorization_uri=/);
    expect(r.headers['x-twin-auth-layer']).toBe('easy-auth');
  });

  it('after Easy Auth passes, the function key is still required', async () => {
    const auth = { authorization: `Bearer ${await tokenFor({})}` };
    const noKey = await handleFunctionRequest(ctx(authSettings()), req('/api/orders', auth));
    expect(noKey).toMatchObject({ status: 401, body: '' });
    expect(noKey.headers['www-authenticate']).toBeUndefined();
    const withKey = await handleFunctionRequest(
      ctx(authSettings()),
      req('/api/orders', { ...auth, 'x-functions-key': 'fkey-1' })
    );
    expect(withKey.status).toBe(200);
    expect(withKey.headers['x-twin-caller-oid']).toBe(APIM_OID);
    expect(withKey.headers['x-twin-caller-appid']).toBe(APIM_APPID);
  });
});

// ---------------------------------------------------------------- Gateway

const SERVICE_ID = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ApiManagement/service/apim-x';
const FUNC_URL = 'https://func-x.azurewebsites.net/api';
const OUR_POLICY = (resource = APP_ID, extra = ''): string =>
  `<policies>\n  <inbound>\n    <base />\n    <authentication-managed-identity resource="${resource}"${extra} />\n` +
  `    <set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" />\n` +
  `    <set-variable name="c" value="@(context.Request.Headers.GetValueOrDefault("X-Caller","none"))" />\n` +
  `  </inbound>\n  <backend><base /></backend>\n  <outbound><base /></outbound>\n</policies>`;

interface Forwarded {
  method: string;
  url: string;
  headers: Record<string, string>;
}

function gateway(
  over: {
    identity?: Json;
    policy?: string;
    api?: Json;
    global?: string;
    extras?: Partial<GatewayContextWithExtras>;
  } = {}
): { ctx: GatewayContextWithExtras; sent: Forwarded[] } {
  const sent: Forwarded[] = [];
  const ctx: GatewayContextWithExtras = {
    tenant,
    serviceId: SERVICE_ID,
    service: {
      id: SERVICE_ID,
      identity: over.identity ?? { type: 'SystemAssigned', principalId: APIM_OID, tenantId: TID },
      properties: { gatewayUrl: 'https://apim-x.azure-api.net' }
    },
    apis: [
      {
        id: `${SERVICE_ID}/apis/api-orders`,
        body: { properties: { path: 'orders', serviceUrl: FUNC_URL, isCurrent: true, ...over.api } },
        policyRaw: over.policy ?? OUR_POLICY()
      },
      {
        id: `${SERVICE_ID}/apis/other`,
        body: { properties: { path: 'orders/v2', serviceUrl: 'https://other.example/x' } }
      }
    ],
    globalPolicyRaw: over.global,
    subscriptionKeys: ['sub-primary', 'sub-secondary'],
    async forward(r): Promise<TwinResponse> {
      sent.push({ method: r.method, url: r.url, headers: r.headers });
      return { status: 200, headers: { 'x-backend': 'yes' }, body: '{"from":"backend"}' };
    },
    ...over.extras
  };
  return { ctx, sent };
}

const KEY = { 'ocp-apim-subscription-key': 'sub-primary' };

describe('handleGatewayRequest', () => {
  it('attaches a token that the Function Easy Auth accepts, deletes the key header, forwards path and query', async () => {
    const { ctx, sent } = gateway();
    const r = await handleGatewayRequest(ctx, req('/orders/ping?x=1', { ...KEY, 'x-caller': 'me' }));
    expect(r).toMatchObject({ status: 200, body: '{"from":"backend"}', headers: { 'x-backend': 'yes' } });
    expect(sent).toHaveLength(1);
    expect(sent[0].url).toBe(`${FUNC_URL}/ping?x=1`);
    expect(sent[0].headers['ocp-apim-subscription-key']).toBeUndefined();
    expect(sent[0].headers['x-caller']).toBe('me');
    const token = /^Bearer (.+)$/.exec(sent[0].headers['authorization'])![1];
    const claims = await tenant.verifyAccessToken(token);
    expect(claims).toMatchObject({ aud: APP_ID, iss: V1_ISS, appid: APIM_APPID, oid: APIM_OID });
    expect(tenant.calls.at(-1)).toEqual({ caller: { appId: '', objectId: APIM_OID }, resource: APP_ID });
    // …and the Function's Easy Auth, configured for APIM only, lets it through.
    const s = authSettings({
      validation: { defaultAuthorizationPolicy: { allowedPrincipals: { identities: [APIM_OID] } } }
    });
    expect(await evaluateEasyAuth(s, req('/api/ping', sent[0].headers), tenant, 'h')).toMatchObject({ pass: true });
  });

  it('without the policy: the key header reaches the backend and no token is attached', async () => {
    const { ctx, sent } = gateway({ policy: '<policies><inbound><base /></inbound></policies>' });
    expect((await handleGatewayRequest(ctx, req('/orders/ping', KEY))).status).toBe(200);
    expect(sent[0].headers['ocp-apim-subscription-key']).toBe('sub-primary');
    expect(sent[0].headers['authorization']).toBeUndefined();
  });

  it.each([
    [
      'missing key',
      {},
      'Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.'
    ],
    [
      'wrong key',
      { 'ocp-apim-subscription-key': 'nope' },
      'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.'
    ]
  ])('%s → 401 with the gateway message', async (_n, headers, message) => {
    const { ctx, sent } = gateway();
    const r = await handleGatewayRequest(ctx, req('/orders/ping', headers));
    expect(r.status).toBe(401);
    expect(JSON.parse(String(r.body))).toEqual({ statusCode: 401, message });
    expect(r.headers['www-authenticate']).toBe(
      'AzureApiManagementKey realm="https://apim-x.azure-api.net/orders",name="Ocp-Apim-Subscription-Key",type="header"'
    );
    expect(sent).toHaveLength(0);
  });

  it.each([
    ['secondary key in header', '/orders/a', { 'ocp-apim-subscription-key': 'sub-secondary' }, {}, 200],
    ['key in query', '/orders/a?subscription-key=sub-primary', {}, {}, 200],
    [
      'custom header name',
      '/orders/a',
      { 'api-key': 'sub-primary' },
      { subscriptionKeyParameterNames: { header: 'api-key', query: 'k' } },
      200
    ],
    [
      'default name ignored when custom is set',
      '/orders/a',
      KEY,
      { subscriptionKeyParameterNames: { header: 'api-key', query: 'k' } },
      401
    ],
    ['subscriptionRequired false', '/orders/a', {}, { subscriptionRequired: false }, 200]
  ])('subscription key: %s → %s', async (_n, url, headers, api, status) => {
    const { ctx } = gateway({ api });
    expect((await handleGatewayRequest(ctx, req(url, headers))).status).toBe(status);
  });

  it.each([
    ['/nothing/here', 404, undefined],
    ['/orders/v2/items', 200, 'https://other.example/x/items'],
    ['/orders', 200, FUNC_URL],
    ['/ordersX/a', 404, undefined]
  ])('routes %s by longest API path → %s', async (url, status, target) => {
    const { ctx, sent } = gateway();
    const r = await handleGatewayRequest(ctx, req(url, KEY));
    expect(r.status).toBe(status);
    if (status === 404) expect(JSON.parse(String(r.body))).toEqual({ statusCode: 404, message: 'Resource not found' });
    else expect(sent[0].url).toBe(target);
  });

  it.each([
    ['identity None', { type: 'None' }],
    ['SystemAssigned without principalId', { type: 'SystemAssigned' }],
    [
      'UserAssigned only',
      { type: 'UserAssigned', userAssignedIdentities: { u: { clientId: UAI_CLIENT, principalId: UAI_OID } } }
    ]
  ])('%s → 500 "managed identity is not configured" (C10)', async (_n, identity) => {
    const { ctx, sent } = gateway({ identity });
    const r = await handleGatewayRequest(ctx, req('/orders/ping', KEY));
    expect(r.status).toBe(500);
    expect(JSON.parse(String(r.body)).message).toMatch(/Managed identity is not configured/);
    expect(sent).toHaveLength(0);
  });

  it('unknown resource → 500 with AADSTS500011 (C01); ignore-error lets the request through without a token', async () => {
    const { ctx, sent } = gateway({ policy: OUR_POLICY(`api://${APIM_OID}`) });
    const r = await handleGatewayRequest(ctx, req('/orders/ping', KEY));
    expect(r.status).toBe(500);
    expect(String(r.body)).toContain('AADSTS500011');
    expect(sent).toHaveLength(0);
    const ign = gateway({ policy: OUR_POLICY(`api://${APIM_OID}`, ' ignore-error="true"') });
    expect((await handleGatewayRequest(ign.ctx, req('/orders/ping', KEY))).status).toBe(200);
    expect(ign.sent[0].headers['authorization']).toBeUndefined();
  });

  it('client-id selects an attached user-assigned identity; an unattached one → 500', async () => {
    const identity = {
      type: 'SystemAssigned, UserAssigned',
      principalId: APIM_OID,
      userAssignedIdentities: { u: { clientId: UAI_CLIENT, principalId: UAI_OID } }
    };
    const ok = gateway({ identity, policy: OUR_POLICY(APP_ID, ` client-id="${UAI_CLIENT}"`) });
    expect((await handleGatewayRequest(ok.ctx, req('/orders/a', KEY))).status).toBe(200);
    const claims = await tenant.verifyAccessToken(ok.sent[0].headers['authorization'].slice(7));
    expect(claims).toMatchObject({ oid: UAI_OID, appid: UAI_CLIENT });
    const bad = gateway({ identity, policy: OUR_POLICY(APP_ID, ' client-id="00000000-0000-0000-0000-000000000000"') });
    const r = await handleGatewayRequest(bad.ctx, req('/orders/a', KEY));
    expect(r.status).toBe(500);
    expect(String(r.body)).toMatch(/not configured/);
  });

  it('output-token-variable-name stores the token without setting Authorization', async () => {
    const { ctx, sent } = gateway({ policy: OUR_POLICY(APP_ID, ' output-token-variable-name="tok"') });
    expect((await handleGatewayRequest(ctx, req('/orders/a', { ...KEY, authorization: 'Basic caller' }))).status).toBe(
      200
    );
    expect(sent[0].headers['authorization']).toBe('Basic caller');
  });

  it('v2 app: the token carries aud = appId and azp', async () => {
    const { ctx, sent } = gateway({ policy: OUR_POLICY(V2_APP) });
    await handleGatewayRequest(ctx, req('/orders/a', KEY));
    const claims = await tenant.verifyAccessToken(sent[0].headers['authorization'].slice(7));
    expect(claims).toMatchObject({ aud: V2_APP, iss: V2_ISS, azp: APIM_APPID });
  });

  it.each([
    ['override', 'X-A', [['v1']], { 'x-a': 'old' }, 'v1'],
    ['skip (exists)', 'X-A', [['v1']], { 'x-a': 'old' }, 'old'],
    ['skip (absent)', 'X-A', [['v1']], {}, 'v1'],
    ['append', 'X-A', [['v1'], ['v2']], { 'x-a': 'old' }, 'old,v1,v2'],
    ['delete', 'X-A', [], { 'x-a': 'old' }, undefined]
  ])('set-header exists-action=%s', async (action, name, values, incoming, expected) => {
    const vals = values.map(([v]) => `<value>${v}</value>`).join('');
    const act = action.split(' ')[0];
    const policy = `<policies><inbound><set-header name="${name}" exists-action="${act}">${vals}</set-header></inbound></policies>`;
    const { ctx, sent } = gateway({ policy });
    await handleGatewayRequest(ctx, req('/orders/a', { ...KEY, ...incoming }));
    expect(sent[0].headers['x-a']).toBe(expected);
  });

  it('set-header with an expression value is skipped (expressions are not evaluated)', async () => {
    const policy = `<policies><inbound><set-header name="x-a" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("a",""))</value></set-header></inbound></policies>`;
    const { ctx, sent } = gateway({ policy });
    await handleGatewayRequest(ctx, req('/orders/a', { ...KEY, 'x-a': 'old' }));
    expect(sent[0].headers['x-a']).toBe('old');
  });

  it('<base /> runs the global policy inbound', async () => {
    const global =
      '<policies><inbound><set-header name="x-global" exists-action="override"><value>g</value></set-header></inbound></policies>';
    const withBase = gateway({ global });
    await handleGatewayRequest(withBase.ctx, req('/orders/a', KEY));
    expect(withBase.sent[0].headers['x-global']).toBe('g');
    const noBase = gateway({ global, policy: '<policies><inbound></inbound></policies>' });
    await handleGatewayRequest(noBase.ctx, req('/orders/a', KEY));
    expect(noBase.sent[0].headers['x-global']).toBeUndefined();
  });

  it('set-backend-service base-url and backend-id with credentials from named values (C15)', async () => {
    const lit = gateway({
      policy: '<policies><inbound><set-backend-service base-url="https://alt.example/root/" /></inbound></policies>'
    });
    await handleGatewayRequest(lit.ctx, req('/orders/a?z=2', KEY));
    expect(lit.sent[0].url).toBe('https://alt.example/root/a?z=2');

    const policy = `<policies><inbound><base /><set-backend-service backend-id="func-x" /><set-header name="Ocp-Apim-Subscription-Key" exists-action="delete" /></inbound></policies>`;
    const extras = {
      backends: {
        'func-x': { properties: { url: FUNC_URL, credentials: { header: { 'x-functions-key': ['{{func-x-key}}'] } } } }
      },
      namedValues: { 'func-x-key': 'fkey-1' }
    };
    const { ctx, sent } = gateway({ policy, extras });
    await handleGatewayRequest(ctx, req('/orders/orders', KEY));
    expect(sent[0].url).toBe(`${FUNC_URL}/orders`);
    expect(sent[0].headers['x-functions-key']).toBe('fkey-1');
    expect(sent[0].headers['ocp-apim-subscription-key']).toBeUndefined();

    const missing = gateway({ policy });
    expect((await handleGatewayRequest(missing.ctx, req('/orders/a', KEY))).status).toBe(500);
  });

  it('backend unreachable → 500', async () => {
    const { ctx } = gateway();
    ctx.forward = async () => {
      throw new Error('getaddrinfo ENOTFOUND func-x.azurewebsites.net');
    };
    const r = await handleGatewayRequest(ctx, req('/orders/a', KEY));
    expect(r.status).toBe(500);
    expect(String(r.body)).toContain('ENOTFOUND');
  });

  it('end to end: gateway → Function host with Easy Auth (APIM-only) and a function key from the backend', async () => {
    const site: FunctionHostContext = {
      tenant,
      siteId: 'func-x',
      authSettingsV2: authSettings({
        validation: { defaultAuthorizationPolicy: { allowedApplications: [APP_ID, APIM_APPID] } }
      }),
      routes: [{ path: '/api/orders', methods: ['GET'], authLevel: 'function', status: 200, body: { n: 1 } }],
      functionKeys: ['fkey-1']
    };
    const policy = OUR_POLICY().replace('<base />', '<base />\n    <set-backend-service backend-id="func-x" />');
    const { ctx } = gateway({
      policy,
      extras: {
        backends: {
          'func-x': { properties: { url: FUNC_URL, credentials: { header: { 'x-functions-key': ['{{k}}'] } } } }
        },
        namedValues: { k: 'fkey-1' }
      }
    });
    ctx.forward = async (r) =>
      handleFunctionRequest(site, {
        method: r.method,
        url: new URL(r.url).pathname + new URL(r.url).search,
        headers: r.headers,
        body: r.body
      });
    const r = await handleGatewayRequest(ctx, req('/orders/orders', KEY));
    expect(r.status).toBe(200);
    expect(r.headers['x-twin-caller-appid']).toBe(APIM_APPID);
    // The same call straight to the Function without a token is stopped by Easy Auth.
    const direct = await handleFunctionRequest(site, req('/api/orders', { 'x-functions-key': 'fkey-1' }));
    expect(direct.status).toBe(401);
  });
});
