/**
 * ARM requests in flight per subscription (src/azure/arm-limits.ts) through real @azure/core-rest-pipeline pipelines
 * (the SDK clients' default pipeline, with its retry policies) over an HTTP client that counts: the bound holds
 * across the pipelines of many targets, subscriptions do not wait for each other, and a 429 with Retry-After pauses
 * only its subscription's queue while the pipeline's throttling retry resends the request.
 */
import { describe, expect, it } from '@jest/globals';
import {
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse
} from '@azure/core-rest-pipeline';
import { createArmPort } from '../src/azure/arm.js';
import { createArmLimits, retryAfterMs, subscriptionOf } from '../src/azure/arm-limits.js';

const SUB_A = '22222222-2222-4222-8222-222222222222';
const SUB_B = '33333333-3333-4333-8333-333333333333';
const url = (sub: string, i: number) =>
  `https://management.example/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Web/sites/f${i}?api-version=1`;

/** An HTTP client that answers after `ms`, counting requests in flight per subscription; `answer` may override. */
function countingClient(
  ms: number,
  answer?: (req: PipelineRequest, n: number) => Partial<PipelineResponse> | undefined
) {
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  const log: { sub: string; at: number }[] = [];
  let n = 0;
  const client: HttpClient = {
    async sendRequest(req) {
      const sub = subscriptionOf(req.url);
      inFlight.set(sub, (inFlight.get(sub) ?? 0) + 1);
      peak.set(sub, Math.max(peak.get(sub) ?? 0, inFlight.get(sub)!));
      log.push({ sub, at: Date.now() });
      await new Promise((r) => setTimeout(r, ms));
      inFlight.set(sub, inFlight.get(sub)! - 1);
      const custom = answer?.(req, n++);
      return { request: req, status: 200, headers: createHttpHeaders(), bodyAsText: '{}', ...custom };
    }
  };
  return { client, peak, log };
}

/** One target's pipeline: the SDK default (retry, throttling retry …) plus the shared policy after Sign. */
function targetPipeline(policy: ReturnType<typeof createArmLimits>['policy']) {
  const p = createPipelineFromOptions({ retryOptions: { retryDelayInMs: 1, maxRetryDelayInMs: 5 } });
  p.addPolicy(policy, { afterPhase: 'Sign' });
  return p;
}

describe('ARM in-flight limits', () => {
  it('bounds requests in flight per subscription across many targets, and keeps subscriptions apart', async () => {
    const limits = createArmLimits({ maxInFlight: 4 });
    const http = countingClient(15);
    const pipelines = Array.from({ length: 10 }, () => targetPipeline(limits.policy));
    await Promise.all(
      pipelines.flatMap((p, t) =>
        [SUB_A, SUB_B].flatMap((sub) =>
          Array.from({ length: 3 }, (_, i) =>
            p.sendRequest(http.client, createPipelineRequest({ url: url(sub, t * 3 + i) }))
          )
        )
      )
    );
    expect(http.peak.get(SUB_A)).toBe(4);
    expect(http.peak.get(SUB_B)).toBe(4);
    expect(limits.stats()[SUB_A]).toEqual({ sent: 30, peakInFlight: 4, pauses: 0 });
    expect(limits.stats()[SUB_B]).toEqual({ sent: 30, peakInFlight: 4, pauses: 0 });
  });

  it('a 429 with Retry-After pauses that subscription (the retry included), not the other', async () => {
    const paused: [string, number][] = [];
    const limits = createArmLimits({ maxInFlight: 8, onPause: (s, ms) => paused.push([s, ms]) });
    let throttled = false;
    const http = countingClient(5, (req) => {
      if (!throttled && subscriptionOf(req.url) === SUB_A) {
        throttled = true;
        return { status: 429, headers: createHttpHeaders({ 'retry-after': '1' }) };
      }
      return undefined;
    });
    const p = targetPipeline(limits.policy);
    const started = Date.now();
    const first = p.sendRequest(http.client, createPipelineRequest({ url: url(SUB_A, 0) }));
    while (!throttled) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    // Sent while subscription A is paused: A's waits for the pause, B's does not.
    const [a, b] = await Promise.all([
      p.sendRequest(http.client, createPipelineRequest({ url: url(SUB_A, 1) })).then(() => Date.now() - started),
      p.sendRequest(http.client, createPipelineRequest({ url: url(SUB_B, 1) })).then(() => Date.now() - started)
    ]);
    expect((await first).status).toBe(200); // the pipeline's throttling retry resent it after the pause
    expect(paused).toEqual([[SUB_A, 1000]]);
    expect(a).toBeGreaterThanOrEqual(950);
    expect(b).toBeLessThan(500);
    expect(limits.stats()[SUB_A]!.pauses).toBe(1);
    const aSends = http.log.filter((l) => l.sub === SUB_A).map((l) => l.at - started);
    expect(aSends.slice(1).every((t) => t >= 950)).toBe(true);
  });

  it('reads Retry-After as seconds, an HTTP date or retry-after-ms; caps it; ignores 0 and garbage', () => {
    const h = (o: Record<string, string>) => createHttpHeaders(o);
    expect(retryAfterMs(h({ 'retry-after': '7' }))).toBe(7000);
    expect(retryAfterMs(h({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(retryAfterMs(h({ 'x-ms-retry-after-ms': '40' }))).toBe(40);
    const now = Date.parse('2025-01-01T00:00:00Z');
    expect(retryAfterMs(h({ 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }), now)).toBe(3000);
    expect(retryAfterMs(h({ 'retry-after': '99999' }))).toBe(5 * 60_000);
    expect(retryAfterMs(h({ 'retry-after': '0' }))).toBeUndefined();
    expect(retryAfterMs(h({ 'retry-after': 'soon' }))).toBeUndefined();
    expect(retryAfterMs(h({}))).toBeUndefined();
  });

  it('keys requests by subscription ID, case-insensitively', () => {
    expect(subscriptionOf(`https://x/subscriptions/${SUB_A.toUpperCase()}/resourceGroups/r`)).toBe(SUB_A);
    expect(subscriptionOf('https://x/providers/Microsoft.Web/operations')).toBe('');
  });

  it('createArmPort puts the policy in both clients: APIM and App Service requests of every target count', async () => {
    const limits = createArmLimits({ maxInFlight: 2 });
    const http = countingClient(10, (req) => ({
      bodyAsText: JSON.stringify({ id: new URL(req.url).pathname, properties: {} })
    }));
    const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const endpoints = {
      armEndpoint: 'https://management.example',
      armScope: 'https://management.example/.default',
      authorityHost: 'https://login.example',
      graphEndpoint: 'https://graph.example',
      graphScope: 'https://graph.example/.default'
    };
    const ports = Array.from({ length: 3 }, (_, i) =>
      createArmPort(
        credential,
        endpoints,
        {
          subscriptionId: SUB_A,
          apimResourceGroup: 'rg',
          apimName: `apim-${i}`,
          functionAppResourceGroup: 'rg',
          functionAppName: `func-${i}`
        },
        { limits, httpClient: http.client }
      )
    );
    await Promise.all(ports.flatMap((a) => [a.getApimService(), a.getSite(), a.getAuthSettingsV2()]));
    expect(limits.stats()[SUB_A]).toEqual({ sent: 9, peakInFlight: 2, pauses: 0 });
    expect(http.peak.get(SUB_A)).toBe(2);
  });
});
