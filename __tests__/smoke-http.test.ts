/**
 * The real HttpPort (src/http.ts) against a local HTTP server that never answers: a request's own `timeoutMs`
 * bounds it (AbortSignal.timeout), and the rejection is a TimeoutError, which runSmoke reports as "timed out". Behind
 * a proxy (HTTPS_PROXY) it goes through the proxy, as the SDK and @actions/http-client do (the twin's proxy plays it).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpPort, proxyDispatcher } from '../src/http.js';
import { startEmulator } from '../emulator/index.js';
import { loadScenario, trustTwin } from '../emulator/__tests__/helpers.js';
import { runSmoke } from '../src/smoke.js';

let server: Server;
let base = '';
const hanging: ServerResponse[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/fast') {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer realm="x"' }).end('no');
      return;
    }
    hanging.push(res); // never answers
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const r of hanging) r.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('createHttpPort', () => {
  it('honours a per-request timeoutMs and rejects with a TimeoutError', async () => {
    const http = createHttpPort({ timeoutMs: 30_000 });
    const t0 = Date.now();
    let err: unknown;
    try {
      await http.request({ method: 'GET', url: `${base}/hang`, timeoutMs: 300 });
    } catch (e) {
      err = e;
    }
    const took = Date.now() - t0;
    expect((err as { name?: string })?.name).toBe('TimeoutError');
    expect(took).toBeGreaterThanOrEqual(250);
    expect(took).toBeLessThan(5_000);
  });

  it('still answers normally within the timeout', async () => {
    const res = await createHttpPort().request({ method: 'GET', url: `${base}/fast`, timeoutMs: 2_000 });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="x"');
  });

  it('runSmoke with a 1 s budget finishes in about the budget and reports "timed out after 1 s"', async () => {
    const t0 = Date.now();
    const rep = await runSmoke(
      { path: '/hang', method: 'GET', expectedStatus: '200', timeoutSeconds: 1, subscriptionName: 'master' },
      {
        targets: [
          {
            apiId: 'a',
            gatewayUrl: base,
            apiPath: 'gw',
            serviceUrl: `${base}/fn`,
            subscriptionRequired: false,
            subscriptionKeyHeader: 'Ocp-Apim-Subscription-Key'
          }
        ],
        appClientId: 'app',
        tokenResource: 'app',
        allowedCallers: 'tenant',
        excludedPaths: []
      },
      { http: createHttpPort(), tokens: { getToken: async () => 't' } }
    );
    expect(rep.checks.map((c) => c.got)).toEqual(['timed out after 1 s', 'timed out after 1 s']);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});

describe('createHttpPort behind a proxy (HTTPS_PROXY, NO_PROXY)', () => {
  const saved = { ...process.env };
  afterAll(() => {
    for (const k of ['HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy']) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it('sends a smoke request through HTTPS_PROXY: the twin proxy sees the Function host by its Azure hostname', async () => {
    const twin = await startEmulator(loadScenario('in-sync'), { proxy: true });
    try {
      trustTwin(twin.caPem);
      process.env.HTTPS_PROXY = twin.proxy!.url;
      delete process.env.https_proxy;
      delete process.env.NO_PROXY;
      delete process.env.no_proxy;
      const res = await createHttpPort().request({
        method: 'GET',
        url: 'https://func-x.azurewebsites.net/api/orders',
        timeoutMs: 10_000
      });
      expect(res.status).toBe(401); // Easy Auth, no token
      expect(twin.requests().map((r) => [r.method, r.host, r.status])).toEqual([
        ['GET', 'func-x.azurewebsites.net', 401]
      ]);
      expect(twin.proxy!.log().map((e) => [e.target, e.status])).toEqual([['func-x.azurewebsites.net:443', 200]]);
    } finally {
      await twin.stop();
    }
  });

  it('goes direct for NO_PROXY hosts, loopback, and without a proxy variable', () => {
    process.env.HTTPS_PROXY = 'http://127.0.0.1:9';
    process.env.NO_PROXY = '.azurewebsites.net';
    expect(proxyDispatcher('https://func-x.azurewebsites.net/api/orders')).toBeUndefined();
    expect(proxyDispatcher('https://apim-x.azure-api.net/orders')).toBeDefined();
    expect(proxyDispatcher(`${base}/fast`)).toBeUndefined(); // loopback
    delete process.env.HTTPS_PROXY;
    delete process.env.https_proxy;
    expect(proxyDispatcher('https://apim-x.azure-api.net/orders')).toBeUndefined();
  });
});
