/**
 * The real HttpPort (src/http.ts) against a local HTTP server that never answers: a request's own `timeoutMs`
 * bounds it (AbortSignal.timeout), and the rejection is a TimeoutError, which runSmoke reports as "timed out".
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpPort } from '../src/http.js';
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
