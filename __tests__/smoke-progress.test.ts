/**
 * Progress of the smoke checks while changes propagate (issue "Ready for users", item 4): one `onAttempt` call per
 * attempt with the check, what it got, the next wait and the time left — pure data plus a log line — and never a
 * secret. The runner's log gets it from src/target.ts (`onAttempt: (a) => ports.log.info(a.text)`).
 */
import { describe, expect, it } from '@jest/globals';
import type { HttpPort, HttpResponse, TokenPort } from '../src/ports.js';
import { runSmoke, type SmokeContext } from '../src/smoke.js';
import { attemptText } from '../src/smoke/run.js';
import type { SmokeAttempt } from '../src/smoke/types.js';
import type { SmokeSettings } from '../src/types.js';

const APP = '0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9';
const KEY = 'apim-subscription-key-0123456789abcdef';
const GW_URL = 'https://apim-x.azure-api.net/orders/ping';
const DIRECT_URL = 'https://func-x.azurewebsites.net/api/ping';
const r = (status: number, headers: Record<string, string> = {}, body = ''): HttpResponse => ({
  status,
  headers,
  body
});
const bearer401 = r(401, { 'WWW-Authenticate': `Bearer realm="func-x" resource_id="${APP}"` });
const forbidden = r(403, {}, 'You do not have permission to view this directory or page.');

/** Per URL a scripted sequence of answers (the last repeats); the clock advances `perRequestMs` per request. */
function world(scripts: Record<string, HttpResponse[]>, perRequestMs = 500) {
  let t = 5_000_000;
  const counters = new Map<string, number>();
  const http: HttpPort = {
    async request(req) {
      t += perRequestMs;
      const script = scripts[req.url];
      if (!script) throw new Error(`unexpected request ${req.url}`);
      const i = counters.get(req.url) ?? 0;
      counters.set(req.url, i + 1);
      return script[Math.min(i, script.length - 1)];
    }
  };
  const tokens: TokenPort = { getToken: async () => 'eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.c2ln' };
  const sleeps: number[] = [];
  return {
    http,
    tokens,
    sleeps,
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    }
  };
}

const ctx: SmokeContext = {
  targets: [
    {
      apiId: 'orders',
      gatewayUrl: 'https://apim-x.azure-api.net',
      apiPath: 'orders',
      serviceUrl: 'https://func-x.azurewebsites.net/api',
      subscriptionRequired: true,
      subscriptionKeyHeader: 'Ocp-Apim-Subscription-Key'
    }
  ],
  subscriptionKey: KEY,
  appClientId: APP,
  tokenResource: APP,
  allowedCallers: 'apim-only',
  excludedPaths: []
};
const settings = (timeoutSeconds: number): SmokeSettings => ({
  path: '/ping',
  method: 'GET',
  expectedStatus: '200',
  timeoutSeconds,
  subscriptionName: 'master'
});
const backoff = { initialMs: 2000, factor: 2, maxMs: 30_000 };

describe('smoke progress (onAttempt)', () => {
  it('reports every attempt with what it got, the next wait and the time left, then the pass', async () => {
    const w = world({ [GW_URL]: [bearer401, bearer401, r(200)], [DIRECT_URL]: [bearer401] });
    const seen: SmokeAttempt[] = [];
    const rep = await runSmoke(settings(300), ctx, {
      http: w.http,
      tokens: w.tokens,
      now: w.now,
      sleep: w.sleep,
      backoff,
      onAttempt: (a) => seen.push(a)
    });
    expect(rep.result).toBe('failed'); // the foreign-token check gets 401, not 403: fails for good, not retried
    const gateway = seen.filter((a) => a.check === 'gateway');
    expect(gateway.map((a) => [a.attempt, a.got, a.passed, a.nextWaitMs])).toEqual([
      [1, expect.stringContaining('401'), false, 2000],
      [2, expect.stringContaining('401'), false, 4000],
      [3, '200', true, undefined]
    ]);
    expect(gateway.every((a) => a.api === 'orders' && a.budgetSeconds === 300)).toBe(true);
    // time left shrinks by the waits and the requests (500 ms each)
    expect(gateway.map((a) => a.remainingMs)).toEqual([299_500, 297_000, 292_500]);
    expect(w.sleeps.slice(0, 2)).toEqual([2000, 4000]);
    expect(gateway[0].text).toMatch(
      /^smoke gateway \(orders\) attempt 1: got 401 .*; next attempt in 2 s, 300 s of 300 s left$/
    );
    expect(gateway[2].text).toBe('smoke gateway (orders) attempt 3: got 200, passed (293 s of 300 s left)');
    // one call per attempt, in order, for every check
    expect(seen.map((a) => a.check)).toEqual([
      'gateway',
      'gateway',
      'gateway',
      'direct-no-token',
      ...seen.slice(4).map(() => 'direct-foreign-token')
    ]);
    expect(seen.length).toBe(rep.checks.reduce((n, c) => n + c.attempts, 0));
  });

  it('check mode (budget 0): one attempt each, "no retry budget", no wait', async () => {
    const w = world({ [GW_URL]: [bearer401], [DIRECT_URL]: [bearer401] });
    const seen: SmokeAttempt[] = [];
    await runSmoke(settings(0), ctx, { ...w, backoff, onAttempt: (a) => seen.push(a) });
    expect(seen.map((a) => a.attempt)).toEqual([1, 1, 1]);
    expect(seen.every((a) => a.nextWaitMs === undefined)).toBe(true);
    expect(seen[0]).toMatchObject({ check: 'gateway', final: 'budget-spent', budgetSeconds: 0 });
    expect(seen[0].text).toMatch(/attempt 1: got 401 .*, failed \(no retry budget\)$/);
    expect(w.sleeps).toEqual([]);
  });

  it('a spent budget says so on the last attempt; a failure that cannot be propagation is not retried', async () => {
    // the gateway's 404 (no operation matches) cannot be propagation; the Function answering without a token can
    const w = world({ [GW_URL]: [r(404)], [DIRECT_URL]: [r(200)] }, 4000);
    const seen: SmokeAttempt[] = [];
    await runSmoke(settings(10), ctx, { ...w, backoff, onAttempt: (a) => seen.push(a) });
    const gw = seen.filter((a) => a.check === 'gateway');
    expect(gw).toHaveLength(1);
    expect(gw[0]).toMatchObject({ passed: false, final: 'not-retryable', attempt: 1 });
    expect(gw[0].text).toMatch(/got 404, failed \(not retried: not a propagation delay\)$/);
    const direct = seen.filter((a) => a.check === 'direct-no-token');
    expect(direct.length).toBeGreaterThan(1);
    expect(direct.slice(0, -1).every((a) => a.nextWaitMs !== undefined)).toBe(true);
    expect(direct.at(-1)).toMatchObject({ final: 'budget-spent', remainingMs: 0 });
    expect(direct.at(-1)!.text).toMatch(/got 200, failed \(smoke budget of 10 s spent\)$/);
  });

  it('never carries the subscription key or a token, and an exception in the callback changes nothing', async () => {
    const echo = r(401, { 'WWW-Authenticate': 'Bearer' }, `bad key ${KEY}`);
    const w = world({ [GW_URL]: [echo, r(200)], [DIRECT_URL]: [bearer401, forbidden] });
    const seen: string[] = [];
    const withThrow = await runSmoke(settings(60), ctx, {
      ...w,
      backoff,
      onAttempt: (a) => {
        seen.push(JSON.stringify(a));
        throw new Error('logger broke');
      }
    });
    const w2 = world({ [GW_URL]: [echo, r(200)], [DIRECT_URL]: [bearer401, forbidden] });
    const without = await runSmoke(settings(60), ctx, { ...w2, backoff });
    expect(withThrow).toEqual(without);
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) {
      expect(s).not.toContain(KEY);
      expect(s).not.toContain('eyJ');
    }
  });
});

describe('attemptText', () => {
  const base = { check: 'gateway' as const, attempt: 4, got: '503', passed: false, budgetSeconds: 300 };
  it.each<[Omit<SmokeAttempt, 'text'>, string]>([
    [
      { ...base, nextWaitMs: 16_000, remainingMs: 250_400 },
      'smoke gateway attempt 4: got 503; next attempt in 16 s, 250 s of 300 s left'
    ],
    [
      { ...base, api: 'billing', nextWaitMs: 500, remainingMs: 9_500 },
      'smoke gateway (billing) attempt 4: got 503; next attempt in 0.5 s, 9.5 s of 300 s left'
    ],
    [
      { ...base, final: 'budget-spent', remainingMs: 0 },
      'smoke gateway attempt 4: got 503, failed (smoke budget of 300 s spent)'
    ],
    [
      { ...base, passed: true, got: '200', remainingMs: 61_000 },
      'smoke gateway attempt 4: got 200, passed (61 s of 300 s left)'
    ]
  ])('%j', (a, text) => {
    expect(attemptText(a)).toBe(text);
  });
});
