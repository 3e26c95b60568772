import type { HttpResponse } from '../src/ports.js';
import {
  backoffDelayMs,
  classifyDirectForeign,
  classifyDirectNoToken,
  classifyGateway,
  excludedPathConflict,
  gatewayRequestUrl,
  hasBearerChallenge,
  scrub,
  statusMatches
} from '../src/smoke.js';

const APP = '0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

function res(status: number, headers: Record<string, string> = {}, body = ''): HttpResponse {
  return { status, headers, body };
}
const bearer = (extra = ''): Record<string, string> => ({
  'WWW-Authenticate': `Bearer realm="func-x.azurewebsites.net" authorization_uri="https://login.microsoftonline.com/${TENANT}/oauth2/authorize" resource_id="${APP}"${extra}`
});

interface Want {
  passed: boolean;
  got?: RegExp;
  diagnosis?: RegExp;
  layer?: string;
  retry: boolean;
}

describe('classifyGateway', () => {
  const hints = {
    tokenResource: `api://${APP}`,
    allowedAudiences: [APP],
    openIdIssuer: `https://login.microsoftonline.com/${TENANT}/v2.0`
  };
  it.each<[string, HttpResponse, string, Want]>([
    ['exact 200', res(200, {}, 'ok'), '200', { passed: true, got: /^200$/, layer: 'function', retry: false }],
    ['204 in 2xx', res(204), '2xx', { passed: true, got: /^204$/, retry: false }],
    ['201 is not 200', res(201), '200', { passed: false, got: /^201$/, retry: false }],
    [
      '302 to login (never followed)',
      res(302, { Location: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize?client_id=${APP}` }),
      '200',
      {
        passed: false,
        got: /^302 → login\.microsoftonline\.com\//,
        diagnosis: /redirects to login instead of 401 \(unauthenticatedClientAction is RedirectToLoginPage\)/,
        layer: 'easy-auth',
        retry: true
      }
    ],
    [
      'C01 500 AADSTS500011',
      res(
        500,
        {},
        `{"statusCode":500,"message":"AADSTS500011: The resource principal named api://${APP} was not found in the tenant"}`
      ),
      '200',
      {
        passed: false,
        got: /AADSTS500011/,
        diagnosis:
          /APIM could not obtain a token: resource not found.*'api:\/\/0a1b.*token-resource must be the app's client ID or a registered App ID URI/,
        layer: 'apim',
        retry: false
      }
    ],
    [
      'C10 500 managed identity missing',
      res(500, {}, 'Managed identity is not enabled for the API Management service'),
      '200',
      { passed: false, diagnosis: /APIM managed identity missing/, layer: 'apim', retry: true }
    ],
    [
      'C02 401 IDX10214 audience',
      res(
        401,
        bearer(
          ` error="invalid_token" error_description="IDX10214: Audience validation failed. Audiences: 'api://${APP}'"`
        )
      ),
      '200',
      {
        passed: false,
        got: /401 \(Bearer challenge\)/,
        diagnosis: new RegExp(`audience not allowed \\(IDX10214\\).*'api://${APP}'.*'${APP}'.*Function said: IDX10214`),
        layer: 'easy-auth',
        retry: true
      }
    ],
    [
      'C03 401 issuer',
      res(401, bearer(' error="invalid_token" error_description="IDX10205: Issuer validation failed."')),
      '200',
      {
        passed: false,
        diagnosis: new RegExp(
          `issuer not accepted.*'https://login\\.microsoftonline\\.com/${TENANT}/v2\\.0'.*IDX10205`
        ),
        layer: 'easy-auth',
        retry: true
      }
    ],
    [
      'C15 401 missing subscription key',
      res(
        401,
        {},
        '{"statusCode":401,"message":"Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API."}'
      ),
      '200',
      { passed: false, got: /subscription key/, diagnosis: /setup problem, not drift/, layer: 'apim', retry: false }
    ],
    [
      'C15 401 invalid subscription key',
      res(401, {}, '{"statusCode":401,"message":"Access denied due to invalid subscription key."}'),
      '2xx',
      { passed: false, diagnosis: /not drift/, layer: 'apim', retry: false }
    ],
    [
      'C15 401 without challenge after Easy Auth passed',
      res(401, {}, ''),
      '200',
      {
        passed: false,
        got: /no Bearer challenge/,
        diagnosis: /function key check/,
        layer: 'function-key',
        retry: false
      }
    ],
    [
      '401 with a plain Bearer challenge',
      res(401, bearer()),
      '200',
      { passed: false, diagnosis: /Easy Auth refused the call/, layer: 'easy-auth', retry: true }
    ],
    [
      'C04 403 allow-list',
      res(403, {}, 'You do not have permission to view this directory or page.'),
      '200',
      {
        passed: false,
        got: /^403$/,
        diagnosis: /APIM's identity is not in the caller allow-list/,
        layer: 'easy-auth',
        retry: true
      }
    ],
    ['404', res(404, {}, 'Resource not found'), '200', { passed: false, diagnosis: /smoke-path/, retry: false }],
    ['503 transient', res(503, {}, 'Service Unavailable'), '200', { passed: false, got: /^503$/, retry: true }],
    ['502 transient', res(502, {}, ''), '2xx', { passed: false, retry: true }]
  ])('%s', (_t, response, expected, want) => {
    const c = classifyGateway(response, expected, hints);
    expect(c.passed).toBe(want.passed);
    expect(c.retry).toBe(want.retry);
    if (want.got) expect(c.got).toMatch(want.got);
    if (want.diagnosis) expect(c.diagnosis).toMatch(want.diagnosis);
    if (want.layer) expect(c.layer).toBe(want.layer);
    if (!want.passed) expect(c.diagnosis ?? c.got).toBeTruthy();
  });
});

describe('classifyGateway: IDX10214 quotes the audience the Function reported', () => {
  const idx = (aud: string, where: 'header' | 'body') =>
    where === 'header'
      ? res(
          401,
          bearer(` error="invalid_token" error_description="IDX10214: Audience validation failed. Audiences: '${aud}'"`)
        )
      : res(
          401,
          bearer(),
          `IDX10214: Audience validation failed. Audiences: '${aud}'. Did not match: validationParameters.ValidAudience: '${APP}'.`
        );

  it.each([['header' as const], ['body' as const]])(
    'another audience than token-resource (%s): says another element set the token, not "add it"',
    (where) => {
      const c = classifyGateway(idx('https://vault.azure.net', where), '200', {
        tokenResource: APP,
        allowedAudiences: [APP]
      });
      expect(c.passed).toBe(false);
      expect(c.diagnosis).toMatch(/aud as 'https:\/\/vault\.azure\.net', not token-resource '0a1b2c3d/);
      expect(c.diagnosis).toMatch(/another authentication-managed-identity/);
      expect(c.diagnosis).not.toMatch(/Add it to validation\.allowedAudiences/);
      expect(c.diagnosis).toContain(`accepts only (exact match): '${APP}'`);
    }
  );

  it('the reported audience equals token-resource: the allowedAudiences advice, quoting it', () => {
    const c = classifyGateway(idx(`api://${APP}`, 'body'), '200', {
      tokenResource: `API://${APP}`,
      allowedAudiences: [APP]
    });
    expect(c.diagnosis).toMatch(
      new RegExp(`The token's aud is 'api://${APP}'; .*Add it to validation\\.allowedAudiences`)
    );
  });

  it('no audience in the answer: token-resource is named as before', () => {
    const c = classifyGateway(res(401, bearer(' error_description="IDX10214: Audience validation failed."')), '200', {
      tokenResource: 'api://x'
    });
    expect(c.diagnosis).toMatch(/The token's aud is 'api:\/\/x'; .*Add it/);
  });
});

describe('classifyDirectNoToken', () => {
  it.each<[string, HttpResponse, Want]>([
    ['401 Bearer challenge (Easy Auth)', res(401, bearer()), { passed: true, layer: 'easy-auth', retry: false }],
    [
      '401 with Bearer among other challenges',
      res(401, { 'www-authenticate': 'Basic realm="x", Bearer realm="y"' }),
      { passed: true, retry: false }
    ],
    [
      '401 without challenge (function key, C15)',
      res(401),
      {
        passed: false,
        diagnosis: /401 came from the function key check, not Easy Auth/,
        layer: 'function-key',
        retry: true
      }
    ],
    [
      '401 with a non-Bearer challenge',
      res(401, { 'WWW-Authenticate': 'Basic realm="x"' }),
      { passed: false, diagnosis: /function key check/, retry: true }
    ],
    [
      '200 anonymous',
      res(200, {}, 'pong'),
      { passed: false, diagnosis: /Function reachable anonymously/, retry: true }
    ],
    [
      '302 login redirect',
      res(302, { location: 'https://func-x.azurewebsites.net/.auth/login/aad' }),
      { passed: false, got: /^302 → func-x/, diagnosis: /RedirectToLoginPage/, retry: true }
    ],
    ['404 before auth', res(404), { passed: false, diagnosis: /not enforced/, retry: true }],
    ['500', res(500, {}, 'boom'), { passed: false, got: /^500$/, retry: true }]
  ])('%s', (_t, response, want) => {
    const c = classifyDirectNoToken(response);
    expect(c.passed).toBe(want.passed);
    expect(c.retry).toBe(want.retry);
    if (want.got) expect(c.got).toMatch(want.got);
    if (want.diagnosis) expect(c.diagnosis).toMatch(want.diagnosis);
    if (want.layer) expect(c.layer).toBe(want.layer);
  });
});

describe('classifyDirectForeign', () => {
  it.each<[string, HttpResponse, Want]>([
    ['403 refused by the allow-list', res(403), { passed: true, got: /^403$/, retry: false }],
    ['200 accepted', res(200), { passed: false, diagnosis: /callers are not restricted to APIM/, retry: true }],
    [
      '401 without challenge: Easy Auth let it through to the key check',
      res(401),
      { passed: false, diagnosis: /callers are not restricted to APIM/, layer: 'function-key', retry: true }
    ],
    [
      '401 with challenge: inconclusive',
      res(401, bearer(' error_description="IDX10205: Issuer validation failed."')),
      { passed: false, diagnosis: /Inconclusive.*IDX10205/, retry: true }
    ],
    [
      '307 redirect',
      res(307, { Location: '/.auth/login' }),
      { passed: false, diagnosis: /RedirectToLoginPage/, retry: true }
    ]
  ])('%s', (_t, response, want) => {
    const c = classifyDirectForeign(response);
    expect(c.passed).toBe(want.passed);
    expect(c.retry).toBe(want.retry);
    if (want.got) expect(c.got).toMatch(want.got);
    if (want.diagnosis) expect(c.diagnosis).toMatch(want.diagnosis);
    if (want.layer) expect(c.layer).toBe(want.layer);
  });
});

describe('excludedPathConflict (C14)', () => {
  const svc = 'https://func-x.azurewebsites.net/api';
  it.each<[string, string, string[], boolean]>([
    ['exact excluded path', '/health', ['/api/health'], true],
    ['case-insensitive', '/Health', ['/api/health'], true],
    ['under an excluded prefix', '/health/live', ['/api/health'], true],
    ['trailing-* pattern', '/public/x', ['/api/public*'], true],
    ['query ignored', '/health?probe=1', ['/api/health'], true],
    ['excluded with trailing slash', '/health', ['/api/health/'], true],
    ['sibling with same prefix text', '/healthz', ['/api/health'], false],
    ['other path', '/orders', ['/api/health', '/robots933456.txt'], false],
    ['nothing excluded', '/health', [], false]
  ])('%s', (_t, smokePath, excluded, conflict) => {
    const m = excludedPathConflict(svc, smokePath, excluded);
    if (!conflict) {
      expect(m).toBeUndefined();
      return;
    }
    expect(m).toMatch(/would get 200/);
    for (const e of excluded) expect(m).toContain(e);
    expect(m).toContain(`smoke-path '${smokePath}'`);
  });

  it('uses the serviceUrl path: a root serviceUrl maps /api/health directly', () => {
    expect(excludedPathConflict('https://func-x.azurewebsites.net', '/api/health', ['/api/health'])).toBeDefined();
    expect(excludedPathConflict('https://func-x.azurewebsites.net', '/health', ['/api/health'])).toBeUndefined();
  });
});

describe('helpers', () => {
  it.each<[number, string, boolean]>([
    [200, '200', true],
    [200, '2xx', true],
    [299, '2XX', true],
    [302, '2xx', false],
    [201, '200', false],
    [404, '4xx', true]
  ])('statusMatches(%i, %s) = %s', (s, e, out) => {
    expect(statusMatches(s, e)).toBe(out);
  });

  it('backoff doubles from the initial delay up to the cap', () => {
    const b = { initialMs: 1000, factor: 2, maxMs: 30_000 };
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelayMs(n, b))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000
    ]);
  });

  it('builds gateway URLs without doubled or missing slashes', () => {
    const t = {
      apiId: 'a',
      gatewayUrl: 'https://apim-x.azure-api.net/',
      apiPath: '/orders/',
      serviceUrl: '',
      subscriptionRequired: false,
      subscriptionKeyHeader: ''
    };
    expect(gatewayRequestUrl(t, '/ping')).toBe('https://apim-x.azure-api.net/orders/ping');
    expect(gatewayRequestUrl({ ...t, apiPath: '' }, '/ping')).toBe('https://apim-x.azure-api.net/ping');
  });

  it('detects Bearer challenges only', () => {
    expect(hasBearerChallenge(res(401, { 'WWW-Authenticate': 'Bearer' }))).toBe(true);
    expect(hasBearerChallenge(res(401, { 'WWW-Authenticate': 'Bearerish' }))).toBe(false);
    expect(hasBearerChallenge(res(401))).toBe(false);
  });

  it('scrubs JWTs and given secrets', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl';
    expect(scrub(`token ${jwt} key abcd1234`, ['abcd1234'])).toBe('token *** key ***');
  });
});

describe('network failures', () => {
  it('a host name that does not resolve (ENOTFOUND, wrapped in cause as fetch does) is final, not retried', async () => {
    const { runSmoke } = await import('../src/smoke.js');
    let calls = 0;
    const report = await runSmoke(
      { path: '/orders', method: 'GET', expectedStatus: '200', timeoutSeconds: 30, subscriptionName: 'master' },
      {
        targets: [
          {
            apiId: 'orders',
            gatewayUrl: 'https://gw.example',
            apiPath: 'orders',
            serviceUrl: 'https://nowhere.invalid/api',
            subscriptionRequired: false,
            subscriptionKeyHeader: 'Ocp-Apim-Subscription-Key'
          }
        ],
        appClientId: 'app',
        tokenResource: 'app',
        allowedCallers: 'tenant',
        excludedPaths: []
      },
      {
        http: {
          async request(req) {
            calls++;
            if (req.url.startsWith('https://gw.example')) return { status: 200, headers: {}, body: '' };
            throw Object.assign(new TypeError('fetch failed'), {
              cause: Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })
            });
          }
        },
        tokens: { getToken: async () => 'x' },
        sleep: async () => undefined
      }
    );
    const direct = report.checks.find((c) => c.name === 'direct-no-token');
    expect(direct).toMatchObject({ passed: false, got: 'network error (ENOTFOUND)', attempts: 1 });
    expect(direct?.diagnosis).toMatch(/does not resolve/);
    expect(calls).toBe(2);
  });
});
