import { ActionError } from '../src/errors.js';
import type { HttpPort, HttpResponse, TokenPort } from '../src/ports.js';
import { PROPAGATION_NOTE, requestTimeoutMs, runSmoke, type SmokeContext, type SmokeTarget } from '../src/smoke.js';
import type { SmokeSettings } from '../src/types.js';

const APP = '0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const KEY = 'apim-subscription-key-0123456789abcdef';
const TOKEN = 'eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiIwYTFiMmMzZCJ9.c2lnbmF0dXJlLXdvcmtmbG93';

const GW = 'https://apim-x.azure-api.net';
const FUNC = 'https://func-x.azurewebsites.net/api';

type Script = (HttpResponse | Error)[];

/** Plain-object HttpPort: per URL a scripted sequence (the last entry repeats); records every request. */
function fakeHttp(scripts: Record<string, Script>, clock?: { t: number; perRequestMs: number }) {
  const requests: { method: string; url: string; headers: Record<string, string> }[] = [];
  const counters = new Map<string, number>();
  const http: HttpPort = {
    async request(req) {
      requests.push({ method: req.method, url: req.url, headers: { ...(req.headers ?? {}) } });
      if (clock) clock.t += clock.perRequestMs;
      const script = scripts[req.url];
      if (!script) throw new Error(`unexpected request ${req.url}`);
      const i = counters.get(req.url) ?? 0;
      counters.set(req.url, i + 1);
      const r = script[Math.min(i, script.length - 1)];
      if (r instanceof Error) throw r;
      return r;
    }
  };
  return { http, requests };
}

function fakeTokens(token: string | Error = TOKEN) {
  const scopes: string[] = [];
  const tokens: TokenPort = {
    async getToken(scope) {
      scopes.push(scope);
      if (token instanceof Error) throw token;
      return token;
    }
  };
  return { tokens, scopes };
}

function fakeClock() {
  const clock = { t: 1_000_000, perRequestMs: 0 };
  const sleeps: number[] = [];
  return {
    clock,
    sleeps,
    now: () => clock.t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      clock.t += ms;
    }
  };
}

const r = (status: number, headers: Record<string, string> = {}, body = ''): HttpResponse => ({
  status,
  headers,
  body
});
const bearer401 = r(401, {
  'WWW-Authenticate': `Bearer realm="func-x.azurewebsites.net" authorization_uri="https://login.microsoftonline.com/${TENANT}/oauth2/authorize" resource_id="${APP}"`
});

const target = (over: Partial<SmokeTarget> = {}): SmokeTarget => ({
  apiId: 'api-orders',
  gatewayUrl: GW,
  apiPath: 'orders',
  serviceUrl: FUNC,
  subscriptionRequired: true,
  subscriptionKeyHeader: 'Ocp-Apim-Subscription-Key',
  ...over
});

const ctx = (over: Partial<SmokeContext> = {}): SmokeContext => ({
  targets: [target()],
  subscriptionKey: KEY,
  appClientId: APP,
  tokenResource: APP,
  allowedCallers: 'apim-only',
  excludedPaths: ['/api/health'],
  openIdIssuer: `https://sts.windows.net/${TENANT}/`,
  allowedAudiences: [APP],
  ...over
});

const settings = (over: Partial<SmokeSettings> = {}): SmokeSettings => ({
  path: '/ping',
  method: 'GET',
  expectedStatus: '200',
  timeoutSeconds: 60,
  subscriptionName: 'master',
  ...over
});

const tiny = { initialMs: 1, factor: 2, maxMs: 30 };

describe('runSmoke', () => {
  it('skips with a note when smoke-path is empty, sending nothing', async () => {
    const { http, requests } = fakeHttp({});
    const { tokens, scopes } = fakeTokens();
    const rep = await runSmoke(settings({ path: '' }), ctx(), { http, tokens });
    expect(rep.result).toBe('skipped');
    expect(rep.checks).toEqual([]);
    expect(rep.notes.join(' ')).toMatch(/smoke-path is empty/);
    expect(requests).toEqual([]);
    expect(scopes).toEqual([]);
  });

  it('passes the whole chain on the first attempt and sends the right requests', async () => {
    const { http, requests } = fakeHttp({
      [`${GW}/orders/ping`]: [r(200, {}, 'pong')],
      [`${FUNC}/ping`]: [bearer401]
    });
    // the direct URL answers 401 without a token and 403 with one
    http.request = ((orig) => async (req) => {
      if (req.url === `${FUNC}/ping` && req.headers?.Authorization) {
        requests.push({ method: req.method, url: req.url, headers: { ...req.headers } });
        return r(403, {}, 'You do not have permission to view this directory or page.');
      }
      return orig(req);
    })(http.request.bind(http));
    const { tokens, scopes } = fakeTokens();
    const c = fakeClock();
    const rep = await runSmoke(settings(), ctx(), { http, tokens, now: c.now, sleep: c.sleep, backoff: tiny });

    expect(rep.result).toBe('passed');
    expect(rep.checks.map((x) => [x.name, x.passed, x.attempts, x.api])).toEqual([
      ['gateway', true, 1, 'api-orders'],
      ['direct-no-token', true, 1, 'api-orders'],
      ['direct-foreign-token', true, 1, 'api-orders']
    ]);
    expect(rep.checks[1].got).toBe('401 (Bearer challenge)');
    expect(rep.checks[1].layer).toBe('easy-auth');
    expect(c.sleeps).toEqual([]);
    expect(scopes).toEqual([`${APP}/.default`]);

    expect(requests.map((q) => q.url)).toEqual([`${GW}/orders/ping`, `${FUNC}/ping`, `${FUNC}/ping`]);
    expect(requests[0].headers['Ocp-Apim-Subscription-Key']).toBe(KEY);
    expect(requests[1].headers).toEqual({});
    expect(requests[2].headers.Authorization).toBe(`Bearer ${TOKEN}`);
    expect(requests.every((q) => q.method === 'GET')).toBe(true);
    expect(rep.notes).toContain(PROPAGATION_NOTE);
  });

  it('retries while propagating, then passes, counting attempts and seconds (C17)', async () => {
    const { http } = fakeHttp({
      [`${GW}/orders/ping`]: [
        r(403, {}, 'You do not have permission'),
        r(403, {}, 'You do not have permission'),
        r(401, { 'WWW-Authenticate': 'Bearer error_description="IDX10214: Audience validation failed."' }),
        r(200)
      ],
      [`${FUNC}/ping`]: [r(200, {}, 'anonymous'), bearer401]
    });
    const c = fakeClock();
    const rep = await runSmoke(settings(), ctx({ allowedCallers: 'tenant' }), {
      http,
      tokens: fakeTokens().tokens,
      now: c.now,
      sleep: c.sleep,
      backoff: { initialMs: 1000, factor: 2, maxMs: 30_000 }
    });
    expect(rep.result).toBe('passed');
    const gw = rep.checks[0];
    expect([gw.name, gw.passed, gw.attempts, gw.seconds, gw.got]).toEqual(['gateway', true, 4, 7, '200']);
    expect(gw.diagnosis).toBeUndefined();
    expect(rep.checks[1]).toMatchObject({ name: 'direct-no-token', passed: true, attempts: 2, seconds: 1 });
    expect(c.sleeps).toEqual([1000, 2000, 4000, 1000]);
    expect(rep.notes.join('\n')).toMatch(/gateway\[api-orders\] 200 after 4 attempts \/ 7 s/);
  });

  it('fails with the last result of each check and "not yet propagated" when the budget is spent', async () => {
    const { http, requests } = fakeHttp({
      [`${GW}/orders/ping`]: [r(200)],
      [`${FUNC}/ping`]: [r(200, {}, 'anonymous')]
    });
    const { tokens } = fakeTokens();
    const c = fakeClock();
    const rep = await runSmoke(settings({ timeoutSeconds: 1 }), ctx(), {
      http,
      tokens,
      now: c.now,
      sleep: c.sleep,
      backoff: { initialMs: 300, factor: 2, maxMs: 30_000 }
    });
    expect(rep.result).toBe('failed');
    const direct = rep.checks.find((x) => x.name === 'direct-no-token')!;
    expect(direct).toMatchObject({ passed: false, got: '200', attempts: 4, seconds: 1 });
    expect(direct.diagnosis).toMatch(/Function reachable anonymously/);
    // waits were clamped to the budget: 300 + 600 + 100 = 1000 ms
    expect(c.sleeps.slice(0, 3)).toEqual([300, 600, 100]);
    const foreign = rep.checks.find((x) => x.name === 'direct-foreign-token')!;
    expect(foreign).toMatchObject({ passed: false, attempts: 1, got: '200' });
    expect(foreign.diagnosis).toMatch(/callers are not restricted to APIM/);
    const note = rep.notes.find((n) => n.startsWith('not yet propagated'));
    expect(note).toBeDefined();
    expect(note).toMatch(
      /gateway\[api-orders\] 200; direct-no-token\[api-orders\] 200; direct-foreign-token\[api-orders\] 200/
    );
    expect(rep.notes).toContain(PROPAGATION_NOTE);
    expect(requests.filter((q) => q.url === `${FUNC}/ping`)).toHaveLength(5);
  });

  it('never follows a 3xx: only the function URL is requested', async () => {
    const login = `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/authorize?client_id=${APP}`;
    const { http, requests } = fakeHttp({
      [`${GW}/orders/ping`]: [r(200)],
      [`${FUNC}/ping`]: [r(302, { Location: login })]
    });
    const c = fakeClock();
    const rep = await runSmoke(settings({ timeoutSeconds: 0 }), ctx({ allowedCallers: 'tenant' }), {
      http,
      tokens: fakeTokens().tokens,
      now: c.now,
      sleep: c.sleep
    });
    expect(rep.result).toBe('failed');
    expect(requests.map((q) => q.url)).toEqual([`${GW}/orders/ping`, `${FUNC}/ping`]);
    expect(rep.checks[1].got).toBe(
      '302 → login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/authorize'
    );
    expect(rep.checks[1].diagnosis).toMatch(/unauthenticatedClientAction is RedirectToLoginPage/);
    // timeout 0: one attempt, no propagation note about a spent budget
    expect(rep.notes.some((n) => n.startsWith('not yet propagated'))).toBe(false);
  });

  it('reports a direct 401 without a Bearer challenge as the function key check (C15)', async () => {
    const { http } = fakeHttp({ [`${GW}/orders/ping`]: [r(200)], [`${FUNC}/ping`]: [r(401)] });
    const rep = await runSmoke(settings({ timeoutSeconds: 0 }), ctx({ allowedCallers: 'tenant' }), {
      http,
      tokens: fakeTokens().tokens
    });
    expect(rep.result).toBe('failed');
    expect(rep.checks[1]).toMatchObject({ name: 'direct-no-token', passed: false, layer: 'function-key' });
    expect(rep.checks[1].diagnosis).toMatch(/401 came from the function key check, not Easy Auth/);
  });

  it('does not retry a test-setup failure (subscription key refused) however large the budget', async () => {
    const { http, requests } = fakeHttp({
      [`${GW}/orders/ping`]: [
        r(401, {}, '{"statusCode":401,"message":"Access denied due to invalid subscription key."}')
      ],
      [`${FUNC}/ping`]: [bearer401]
    });
    const c = fakeClock();
    const rep = await runSmoke(settings({ timeoutSeconds: 3600 }), ctx({ allowedCallers: 'tenant' }), {
      http,
      tokens: fakeTokens().tokens,
      now: c.now,
      sleep: c.sleep,
      backoff: tiny
    });
    expect(rep.checks[0]).toMatchObject({ passed: false, attempts: 1, layer: 'apim' });
    expect(rep.checks[0].diagnosis).toMatch(/not drift/);
    expect(requests.filter((q) => q.url.startsWith(GW))).toHaveLength(1);
    expect(c.sleeps).toEqual([]);
  });

  it('reports a missing subscription key without calling the gateway', async () => {
    const { http, requests } = fakeHttp({ [`${FUNC}/ping`]: [bearer401] });
    const rep = await runSmoke(settings(), ctx({ subscriptionKey: undefined, allowedCallers: 'tenant' }), {
      http,
      tokens: fakeTokens().tokens
    });
    expect(rep.checks[0]).toMatchObject({ name: 'gateway', passed: false, got: 'not sent', attempts: 1 });
    expect(rep.checks[0].diagnosis).toMatch(/requires a subscription key/);
    expect(requests.map((q) => q.url)).toEqual([`${FUNC}/ping`]);
  });

  it('sends no key to an API that does not require a subscription, using the API-specific header otherwise', async () => {
    const { http, requests } = fakeHttp({
      [`${GW}/open/ping`]: [r(200)],
      [`${GW}/billing/ping`]: [r(200)],
      [`${FUNC}/ping`]: [bearer401]
    });
    const rep = await runSmoke(
      settings(),
      ctx({
        allowedCallers: 'tenant',
        targets: [
          target({ apiId: 'api-open', apiPath: 'open', subscriptionRequired: false }),
          target({ apiId: 'api-billing', apiPath: 'billing', subscriptionKeyHeader: 'X-Key' })
        ]
      }),
      { http, tokens: fakeTokens().tokens }
    );
    expect(rep.result).toBe('passed');
    expect(requests[0].headers).toEqual({});
    expect(requests[1].headers).toEqual({ 'X-Key': KEY });
    // two APIs on one backend: one direct check
    expect(rep.checks.map((x) => `${x.name}:${x.api}`)).toEqual([
      'gateway:api-open',
      'gateway:api-billing',
      'direct-no-token:api-open'
    ]);
  });

  it('fails the foreign-token check when the workflow identity gets through (2xx)', async () => {
    const { http } = fakeHttp({ [`${GW}/orders/ping`]: [r(200)], [`${FUNC}/ping`]: [bearer401] });
    http.request = ((orig) => async (req) => (req.headers?.Authorization ? r(200, {}, 'hello caller') : orig(req)))(
      http.request.bind(http)
    );
    const rep = await runSmoke(settings({ timeoutSeconds: 0 }), ctx(), { http, tokens: fakeTokens().tokens });
    expect(rep.result).toBe('failed');
    const f = rep.checks.find((x) => x.name === 'direct-foreign-token')!;
    expect(f).toMatchObject({ passed: false, got: '200' });
    expect(f.diagnosis).toMatch(/callers are not restricted to APIM/);
  });

  it('runs no foreign-token check with allowed-callers tenant', async () => {
    const { http } = fakeHttp({ [`${GW}/orders/ping`]: [r(200)], [`${FUNC}/ping`]: [bearer401] });
    const { tokens, scopes } = fakeTokens();
    const rep = await runSmoke(settings(), ctx({ allowedCallers: 'tenant' }), { http, tokens });
    expect(rep.checks.map((x) => x.name)).toEqual(['gateway', 'direct-no-token']);
    expect(scopes).toEqual([]);
  });

  it('reports a token failure of the workflow identity without retrying', async () => {
    const { http } = fakeHttp({ [`${GW}/orders/ping`]: [r(200)], [`${FUNC}/ping`]: [bearer401] });
    const { tokens, scopes } = fakeTokens(new Error('AADSTS700016: Application not found in the directory'));
    const rep = await runSmoke(settings(), ctx(), { http, tokens, backoff: tiny });
    const f = rep.checks.find((x) => x.name === 'direct-foreign-token')!;
    expect(f).toMatchObject({ passed: false, got: 'no token', attempts: 1 });
    expect(f.diagnosis).toMatch(new RegExp(`token for '${APP}/.default'.*AADSTS700016`));
    expect(scopes).toHaveLength(1);
  });

  it('retries network errors and reports them when they persist', async () => {
    const { http } = fakeHttp({
      [`${GW}/orders/ping`]: [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), r(200)],
      [`${FUNC}/ping`]: [Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })]
    });
    const c = fakeClock();
    const rep = await runSmoke(settings({ timeoutSeconds: 1 }), ctx({ allowedCallers: 'tenant' }), {
      http,
      tokens: fakeTokens().tokens,
      now: c.now,
      sleep: c.sleep,
      backoff: { initialMs: 400, factor: 1, maxMs: 400 }
    });
    expect(rep.checks[0]).toMatchObject({ passed: true, attempts: 2 });
    expect(rep.checks[1]).toMatchObject({ passed: false, got: 'network error (ENOTFOUND)' });
    expect(rep.result).toBe('failed');
  });

  it('names the token-resource, audiences and issuer in gateway diagnoses (C02, C03)', async () => {
    const { http } = fakeHttp({
      [`${GW}/orders/ping`]: [
        r(401, {
          'WWW-Authenticate': 'Bearer error="invalid_token", error_description="IDX10205: Issuer validation failed."'
        })
      ],
      [`${FUNC}/ping`]: [bearer401]
    });
    const rep = await runSmoke(
      settings({ timeoutSeconds: 0 }),
      ctx({ allowedCallers: 'tenant', openIdIssuer: `https://login.microsoftonline.com/${TENANT}/v2.0` }),
      { http, tokens: fakeTokens().tokens }
    );
    expect(rep.checks[0].diagnosis).toContain(`'https://login.microsoftonline.com/${TENANT}/v2.0'`);
    expect(rep.checks[0].diagnosis).toContain('IDX10205');
  });

  it('refuses a smoke path under an Easy Auth excluded path before sending anything (C14)', async () => {
    const { http, requests } = fakeHttp({});
    await expect(runSmoke(settings({ path: '/health' }), ctx(), { http, tokens: fakeTokens().tokens })).rejects.toThrow(
      ActionError
    );
    await expect(runSmoke(settings({ path: '/health' }), ctx(), { http, tokens: fakeTokens().tokens })).rejects.toThrow(
      /Excluded paths: \/api\/health/
    );
    expect(requests).toEqual([]);
  });

  it('keeps the subscription key and tokens out of the report, even when responses echo them', async () => {
    const { http } = fakeHttp({
      [`${GW}/orders/ping`]: [r(500, {}, `backend failure; request had key ${KEY} and token ${TOKEN}`)],
      [`${FUNC}/ping`]: [bearer401]
    });
    http.request = ((orig) => async (req) =>
      req.headers?.Authorization
        ? r(502, {}, `proxy error for ${req.headers.Authorization} (raw ${TOKEN.slice(0, 30)}...)`)
        : orig(req))(http.request.bind(http));
    const rawToken = 'opaque-non-jwt-token-value-123456';
    const rep = await runSmoke(settings({ timeoutSeconds: 0 }), ctx(), { http, tokens: fakeTokens(rawToken).tokens });
    const json = JSON.stringify(rep);
    expect(rep.result).toBe('failed');
    expect(json).not.toContain(KEY);
    expect(json).not.toContain(TOKEN);
    expect(json).not.toContain(rawToken);
    expect(json).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
    expect(rep.checks[0].diagnosis).toMatch(/backend failure/);
  });

  it('gives every request a timeout within the budget: min(15 s, remaining), at least 1 s (15 s with no budget)', () => {
    expect(requestTimeoutMs(0, 5_000, 5)).toBe(5_000);
    expect(requestTimeoutMs(0, 60_000, 60)).toBe(15_000);
    expect(requestTimeoutMs(4_700, 5_000, 5)).toBe(1_000);
    expect(requestTimeoutMs(9_000, 5_000, 5)).toBe(1_000);
    expect(requestTimeoutMs(0, 0, 0)).toBe(15_000);
  });

  it('a request that times out is "timed out after N s" with a diagnosis, and stays within a 5 s budget', async () => {
    const c = fakeClock();
    const start = c.clock.t;
    const timeouts: (number | undefined)[] = [];
    const http: HttpPort = {
      async request(req) {
        timeouts.push(req.timeoutMs);
        // the server never answers: the request takes exactly its timeout, then rejects as AbortSignal.timeout does
        c.clock.t += req.timeoutMs ?? 15_000;
        throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      }
    };
    const rep = await runSmoke(settings({ timeoutSeconds: 5 }), ctx({ allowedCallers: 'tenant' }), {
      http,
      tokens: fakeTokens().tokens,
      now: c.now,
      sleep: c.sleep,
      backoff: tiny
    });
    expect(timeouts).toEqual([5_000, 1_000]);
    expect(rep.result).toBe('failed');
    expect(rep.checks.map((x) => [x.name, x.got, x.attempts])).toEqual([
      ['gateway', 'timed out after 5 s', 1],
      ['direct-no-token', 'timed out after 1 s', 1]
    ]);
    expect(rep.checks[0].diagnosis).toMatch(/the Function or the gateway did not answer in time/);
    expect(rep.checks[0].diagnosis).not.toMatch(/network error/);
    // 5 s budget + at most the 1 s minimum for the check that started when the budget was spent
    expect(c.clock.t - start).toBeLessThanOrEqual(6_000);
  });

  it('the remaining budget bounds a later attempt; undici timeout codes count as timeouts too', async () => {
    const c = fakeClock();
    const timeouts: (number | undefined)[] = [];
    let n = 0;
    const http: HttpPort = {
      async request(req) {
        timeouts.push(req.timeoutMs);
        if (req.url.startsWith(FUNC)) return bearer401;
        n++;
        c.clock.t += 2_000;
        if (n < 3) {
          throw Object.assign(new TypeError('fetch failed'), {
            cause: Object.assign(new Error('Headers Timeout Error'), { code: 'UND_ERR_HEADERS_TIMEOUT' })
          });
        }
        return r(200);
      }
    };
    const rep = await runSmoke(settings({ timeoutSeconds: 20 }), ctx({ allowedCallers: 'tenant' }), {
      http,
      tokens: fakeTokens().tokens,
      now: c.now,
      sleep: c.sleep,
      backoff: { initialMs: 1_000, factor: 1, maxMs: 1_000 }
    });
    // t=0 → 15 s (capped); t=3 s → 15 s; t=6 s → 14 s left; then the direct check at t=8 s → 12 s left
    expect(timeouts).toEqual([15_000, 15_000, 14_000, 12_000]);
    expect(rep.checks[0]).toMatchObject({ passed: true, attempts: 3 });
  });
});
