/**
 * Transient faults against the local Azure twin, through the action's real adapters (createArmPort, createGraphPort,
 * createWorkflowCredential over the Azure SDK pipelines, MSAL and @actions/core), with faults injected through the
 * twin's admin API (`POST <adminUrl>/faults`). Each test counts what the twin actually served (`twin.requests()`).
 *
 * Retry waits of our layer are set to 0 ms (injected); the pipeline's own waits are skipped where it matters by
 * answering `retry-after-ms: 0` (its throttling strategy honours it for 429/503), so the suite stays fast.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import * as core from '@actions/core';
import { startEmulator, type Twin } from '../emulator/index.js';
import type { Fault } from '../emulator/src/server.js';
import { applyEnv, loadScenario, quietly, trustTwin } from '../emulator/__tests__/helpers.js';
import { createArmPort } from '../src/azure/arm.js';
import { createWorkflowCredential, withTokenCache } from '../src/azure/auth.js';
import { createGraphPort } from '../src/azure/graph.js';
import type { RetryInfo } from '../src/azure/retry.js';
import { ArmError, GraphError, type ArmPort, type GraphPort } from '../src/ports.js';
import type { CloudEndpoints } from '../src/types.js';

const state = loadScenario('drifted');
const SP_ID = state.servicePrincipals![0]!.id;
let twin: Twin;
let restoreEnv: () => void;
let endpoints: CloudEndpoints;

/** core.getIDToken without the workflow commands it writes to stdout (no runner here; see emulator helpers). */
const quietIdToken = (audience: string): Promise<string> => quietly(() => core.getIDToken(audience));

function credential(retries: RetryInfo[] = []) {
  return createWorkflowCredential(
    {
      tenantId: state.tenantId,
      clientId: state.workflowIdentity.clientId,
      audience: 'api://AzureADTokenExchange',
      endpoints
    },
    quietIdToken,
    { retry: { minDelayMs: 0, jitter: false, onRetry: (i) => retries.push(i) } }
  );
}

async function faults(list: Fault[]): Promise<void> {
  const res = await fetch(`${twin.adminUrl}/faults`, { method: 'POST', body: JSON.stringify(list) });
  expect(res.status).toBe(200);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `served(from, re)` once at least `n` requests are recorded (a stalled request is recorded when the twin answers
 * it, after the client gave up), plus a short grace period so that an unexpected extra request would show.
 */
async function servedEventually(from: number, re: RegExp, n: number): Promise<string[]> {
  for (let waited = 0; served(from, re).length < n && waited < 5000; waited += 25) await sleep(25);
  await sleep(150);
  return served(from, re);
}

/** `METHOD status` of the requests since `from` whose path+query matches `re`. */
function served(from: number, re: RegExp): string[] {
  return twin
    .requests()
    .slice(from)
    .filter((r) => {
      const u = new URL(r.url);
      return re.test(u.pathname + u.search);
    })
    .map((r) => `${r.method} ${r.status}`);
}

const unavailable = (n: number, extra: Partial<Fault> = {}): Fault => ({
  respond: {
    status: 503,
    headers: { 'retry-after-ms': '0' },
    body: { error: { code: 'ServiceUnavailable', message: 'try again' } }
  },
  times: n,
  ...extra,
  match: extra.match ?? {}
});

beforeAll(async () => {
  twin = await startEmulator(state);
  trustTwin(twin.caPem);
  restoreEnv = applyEnv(twin);
  endpoints = {
    armEndpoint: twin.armEndpoint,
    armScope: `${twin.armEndpoint}/.default`,
    authorityHost: twin.authorityHost,
    graphEndpoint: twin.graphEndpoint,
    graphScope: `${twin.graphEndpoint}/.default`
  };
});
afterEach(async () => {
  await fetch(`${twin.adminUrl}/faults`, { method: 'DELETE' });
});
afterAll(async () => {
  restoreEnv?.();
  await twin?.stop();
});

/** Request timeout of the ports used for timeout tests (ms), and how long a stalled answer takes (ms). */
const SHORT_MS = 600;
const STALL_MS = 1100;
const SERVICE = /\/service\/apim-x\?api-version/;
const AUTH_V2_PUT = /\/config\/authsettingsV2\?api-version/;

describe('ARM reads and writes under transient faults (createArmPort against the twin)', () => {
  /** `arm` waits up to 20 s per request; `armShort` gives up after SHORT_MS, for the timeout tests. */
  let arm: ArmPort;
  let armShort: ArmPort;
  const retries: RetryInfo[] = [];

  beforeAll(async () => {
    const cred = withTokenCache(credential());
    await cred.getToken(endpoints.armScope); // sign in first: the timings below are ARM's alone
    const target = {
      subscriptionId: state.subscriptionId,
      apimResourceGroup: 'rg-demo',
      apimName: 'apim-x',
      functionAppResourceGroup: 'rg-demo',
      functionAppName: 'func-x'
    };
    const readRetry = { minDelayMs: 0, jitter: false, onRetry: (i: RetryInfo) => retries.push(i) };
    arm = createArmPort(cred, endpoints, target, { requestTimeoutMs: 20_000, readRetry });
    armShort = createArmPort(cred, endpoints, target, { requestTimeoutMs: SHORT_MS, readRetry });
  });
  afterEach(() => {
    retries.length = 0;
  });

  it('GET answered 503 once: the pipeline itself retries (no Retry-After: after 0.5–1 s) → 2 GETs, success', async () => {
    const from = twin.requests().length;
    await faults([{ match: { method: 'GET', pathRegex: SERVICE.source }, respond: { status: 503 }, times: 1 }]);
    const svc = await arm.getApimService();
    expect(svc.body.name).toBe('apim-x');
    expect(served(from, SERVICE)).toEqual(['GET 503', 'GET 200']);
    expect(retries).toEqual([]); // our layer was not needed
  });

  it('GET that times out: the pipeline never retries an abort; our layer does → 2 GETs, success', async () => {
    const from = twin.requests().length;
    await faults([{ match: { method: 'GET', pathRegex: SERVICE.source }, delayMs: STALL_MS, times: 1 }]);
    const svc = await armShort.getApimService();
    expect(svc.body.name).toBe('apim-x');
    // The stalled first GET is recorded when the twin answers it.
    expect(await servedEventually(from, SERVICE, 2)).toEqual(['GET 200', 'GET 200']);
    expect(retries).toEqual([{ attempt: 1, attempts: 3, delayMs: 0, reason: 'timed out' }]);
  });

  it('GET that keeps timing out: 3 attempts in all, then ArmError status 0 Timeout', async () => {
    const from = twin.requests().length;
    await faults([{ match: { method: 'GET', pathRegex: SERVICE.source }, delayMs: STALL_MS, times: 3 }]);
    const err = await armShort.getApimService().then(
      () => undefined,
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(ArmError);
    expect(err).toMatchObject({ status: 0, code: 'Timeout' });
    expect(await servedEventually(from, SERVICE, 3)).toHaveLength(3);
  });

  it('GET 503 that outlasts the pipeline’s 4 attempts: one more round of ours → 5 GETs, success', async () => {
    const from = twin.requests().length;
    await faults([unavailable(4, { match: { method: 'GET', pathRegex: SERVICE.source } })]);
    const svc = await arm.getApimService();
    expect(svc.body.name).toBe('apim-x');
    expect(served(from, SERVICE)).toEqual(['GET 503', 'GET 503', 'GET 503', 'GET 503', 'GET 200']);
    expect(retries.map((r) => r.reason)).toEqual(['HTTP 503']);
  });

  it('GET 503 that persists: bounded at 2 rounds of the pipeline’s 4 → 8 GETs, then ArmError 503', async () => {
    const from = twin.requests().length;
    await faults([unavailable(100, { match: { method: 'GET', pathRegex: SERVICE.source } })]);
    await expect(arm.getApimService()).rejects.toMatchObject({ status: 503, code: 'ServiceUnavailable' });
    expect(served(from, SERVICE)).toEqual(Array(8).fill('GET 503'));
  });

  it('GET 404 is not retried (1 GET)', async () => {
    const from = twin.requests().length;
    await expect(arm.getApi('no-such-api')).rejects.toMatchObject({ status: 404 });
    expect(served(from, /\/apis\/no-such-api\?/)).toEqual(['GET 404']);
    expect(retries).toEqual([]);
  });

  it('GET …/config/authsettingsV2/list that times out is retried → success', async () => {
    const from = twin.requests().length;
    const re = /\/config\/authsettingsV2\/list\?/;
    await faults([{ match: { method: 'GET', pathRegex: re.source }, delayMs: STALL_MS, times: 1 }]);
    const doc = await armShort.getAuthSettingsV2();
    expect(doc.properties).toBeDefined();
    expect(await servedEventually(from, re, 2)).toEqual(['GET 200', 'GET 200']);
  });

  it('POST …/config/authsettings/list (a list action: a read) that times out is retried → success', async () => {
    const from = twin.requests().length;
    const re = /\/config\/authsettings\/list\?/;
    await faults([{ match: { method: 'POST', pathRegex: re.source }, delayMs: STALL_MS, times: 1 }]);
    const v1 = await armShort.getAuthSettingsV1();
    expect((v1.properties as { configVersion?: string }).configVersion).toBeDefined();
    expect(await servedEventually(from, re, 2)).toEqual(['POST 200', 'POST 200']);
  });

  it('POST …/listSecrets (typed SDK call) 503 past the pipeline’s retries: ours retries → 5 POSTs, keys', async () => {
    const from = twin.requests().length;
    const re = /\/subscriptions\/master\/listSecrets\?/;
    await faults([unavailable(4, { match: { method: 'POST', pathRegex: re.source } })]);
    const keys = await arm.listSubscriptionSecrets('master');
    expect(keys.primaryKey).toEqual(expect.any(String));
    expect(served(from, re)).toEqual(['POST 503', 'POST 503', 'POST 503', 'POST 503', 'POST 200']);
  });

  it('PUT that times out is NOT retried: exactly 1 PUT, ArmError Timeout', async () => {
    const body = await arm.getAuthSettingsV2();
    const from = twin.requests().length;
    await faults([{ match: { method: 'PUT', pathRegex: AUTH_V2_PUT.source }, delayMs: STALL_MS, times: 1 }]);
    await expect(armShort.putAuthSettingsV2(body)).rejects.toMatchObject({ status: 0, code: 'Timeout' });
    // It landed late (200): exactly why a write that timed out is not sent again.
    expect(await servedEventually(from, AUTH_V2_PUT, 1)).toEqual(['PUT 200']);
    expect(retries).toEqual([]);
  });

  it('PUT 503: only the pipeline’s own 4 attempts, none of ours → ArmError 503', async () => {
    const body = await arm.getAuthSettingsV2();
    const from = twin.requests().length;
    await faults([unavailable(100, { match: { method: 'PUT', pathRegex: AUTH_V2_PUT.source } })]);
    await expect(arm.putAuthSettingsV2(body)).rejects.toMatchObject({ status: 503 });
    expect(served(from, AUTH_V2_PUT)).toEqual(Array(4).fill('PUT 503'));
    expect(retries).toEqual([]);
  });
});

describe('Microsoft Graph reads under transient faults (createGraphPort against the twin)', () => {
  /** `graph` waits up to 20 s per request; `graphShort` gives up after SHORT_MS, for the timeout test. */
  let graph: GraphPort;
  let graphShort: GraphPort;
  const retries: RetryInfo[] = [];
  const SP = new RegExp(`/v1\\.0/servicePrincipals/${SP_ID}`);

  beforeAll(async () => {
    const cred = withTokenCache(credential());
    await cred.getToken(endpoints.graphScope);
    const retry = { minDelayMs: 0, jitter: false, onRetry: (i: RetryInfo) => retries.push(i) };
    graph = createGraphPort(cred, endpoints, { requestTimeoutMs: 20_000, retry });
    graphShort = createGraphPort(cred, endpoints, { requestTimeoutMs: SHORT_MS, retry });
  });
  afterEach(() => {
    retries.length = 0;
  });

  it('GET that times out is retried → 2 requests, the service principal', async () => {
    const from = twin.requests().length;
    await faults([{ match: { method: 'GET', pathRegex: SP.source }, delayMs: STALL_MS, times: 1 }]);
    expect(await graphShort.getServicePrincipal(SP_ID)).toEqual({
      id: SP_ID,
      appId: state.servicePrincipals![0]!.appId
    });
    expect(await servedEventually(from, SP, 2)).toEqual(['GET 200', 'GET 200']);
    expect(retries.map((r) => r.reason)).toEqual(['timed out']);
  });

  it('GET 503 past the pipeline’s 4 attempts: one more round → 5 requests, success; persistent → 8, GraphError', async () => {
    let from = twin.requests().length;
    await faults([unavailable(4, { match: { method: 'GET', pathRegex: SP.source } })]);
    expect((await graph.getServicePrincipal(SP_ID)).id).toBe(SP_ID);
    expect(served(from, SP)).toEqual([...Array(4).fill('GET 503'), 'GET 200']);

    from = twin.requests().length;
    await faults([unavailable(100, { match: { method: 'GET', pathRegex: SP.source } })]);
    const err = await graph.getServicePrincipal(SP_ID).then(
      () => undefined,
      (e: unknown) => e
    );
    expect(err).toBeInstanceOf(GraphError);
    expect(err).toMatchObject({ status: 503 });
    expect(served(from, SP)).toHaveLength(8);
  });

  it('404 Request_ResourceNotFound is not retried (1 request)', async () => {
    const from = twin.requests().length;
    const missing = '00000000-0000-4000-8000-000000000001';
    await expect(graph.getServicePrincipal(missing)).rejects.toMatchObject({
      status: 404,
      code: 'Request_ResourceNotFound'
    });
    expect(served(from, new RegExp(missing))).toEqual(['GET 404']);
    expect(retries).toEqual([]);
  });
});

describe('GitHub OIDC token request under transient faults (createWorkflowCredential, core.getIDToken)', () => {
  const IDTOKEN = /\/idtoken\?/;

  it('500 once (not retried by @actions/http-client): ours retries → token issued, 2 OIDC requests', async () => {
    const retries: RetryInfo[] = [];
    const from = twin.requests().length;
    await faults([{ match: { method: 'GET', pathRegex: IDTOKEN.source }, respond: { status: 500 }, times: 1 }]);
    const token = await credential(retries).getToken(endpoints.armScope);
    expect(token?.token).toEqual(expect.any(String));
    // msal-node asks the assertion callback twice per token request; the credential reuses the one token it got.
    expect(served(from, IDTOKEN)).toEqual(['GET 500', 'GET 200']);
    expect(retries).toEqual([{ attempt: 1, attempts: 3, delayMs: 0, reason: 'HTTP 500' }]);
  });

  it('503 once is retried by @actions/http-client itself (502/503/504): 2 requests, no retry of ours', async () => {
    const retries: RetryInfo[] = [];
    const from = twin.requests().length;
    await faults([{ match: { method: 'GET', pathRegex: IDTOKEN.source }, respond: { status: 503 }, times: 1 }]);
    await credential(retries).getToken(endpoints.armScope);
    expect(served(from, IDTOKEN)).toEqual(['GET 503', 'GET 200']); // msal-node's second call reuses the token
    expect(retries).toEqual([]);
  });

  it('500 on every attempt: 3 attempts, then the sign-in error names the OIDC token', async () => {
    const from = twin.requests().length;
    await faults([{ match: { method: 'GET', pathRegex: IDTOKEN.source }, respond: { status: 500 }, times: 10 }]);
    await expect(credential().getToken(endpoints.armScope)).rejects.toThrow(/Could not get a GitHub OIDC token/);
    expect(served(from, IDTOKEN)).toEqual(Array(3).fill('GET 500'));
  });

  it('a connection reset (what @actions/core throws: `Error Code : undefined … ECONNRESET`) is retried', async () => {
    const retries: RetryInfo[] = [];
    let calls = 0;
    const flaky = async (audience: string): Promise<string> => {
      if (++calls === 1) {
        // The exact shape of OidcClient.getCall's error when no HTTP answer came (@actions/core 3 oidc-utils.js).
        throw new Error(
          'Error message: Failed to get ID Token. \n \n        Error Code : undefined\n \n        Error Message: read ECONNRESET'
        );
      }
      return quietIdToken(audience);
    };
    const cred = createWorkflowCredential(
      {
        tenantId: state.tenantId,
        clientId: state.workflowIdentity.clientId,
        audience: 'api://AzureADTokenExchange',
        endpoints
      },
      flaky,
      { retry: { minDelayMs: 0, onRetry: (i) => retries.push(i) } }
    );
    expect((await cred.getToken(endpoints.armScope))?.token).toEqual(expect.any(String));
    expect(retries.map((r) => r.reason)).toEqual(['ECONNRESET']);
  });

  it('4xx is never retried: 401 → 1 request', async () => {
    const retries: RetryInfo[] = [];
    const from = twin.requests().length;
    await faults([
      {
        match: { method: 'GET', pathRegex: IDTOKEN.source },
        respond: { status: 401, body: { message: 'Unauthorized' } },
        times: 10
      }
    ]);
    await expect(credential(retries).getToken(endpoints.armScope)).rejects.toThrow(/Could not get a GitHub OIDC token/);
    expect(served(from, IDTOKEN)).toEqual(['GET 401']);
    expect(retries).toEqual([]);
  });
});
