/**
 * The twin's HTTPS proxy (`startEmulator(state, {proxy: true})`, emulator/src/proxy.ts): real clients that know only
 * the real hostnames reach the twin through it — the Azure SDK (ARM read and a long-running operation, the Entra
 * token through MSAL), core-rest-pipeline's own proxy support — and it refuses, without connecting, every host it does
 * not play.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import http from 'node:http';
import net from 'node:net';
import * as core from '@actions/core';
import { ApiManagementClient } from '@azure/arm-apimanagement';
import {
  createDefaultHttpClient,
  createHttpHeaders,
  createPipelineFromOptions,
  createPipelineRequest
} from '@azure/core-rest-pipeline';
import { ClientAssertionCredential } from '@azure/identity';
import { startEmulator } from '../index.js';
import type { Twin } from '../src/server.js';
import { parseAuthority } from '../src/proxy.js';
import { applyEnv, loadScenario, quietly, rgId, trustTwin } from './helpers.js';

/** Sends `CONNECT target` to the proxy; resolves with the status it answers. */
function connectStatus(proxyPort: number, target: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: proxyPort, method: 'CONNECT', path: target });
    req.on('connect', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('twin proxy: the real hostnames on loopback', () => {
  const state = loadScenario('drifted');
  let twin: Twin;
  let restore: () => void;
  let proxyOptions: { host: string; port: number };

  beforeAll(async () => {
    twin = await startEmulator(state, { proxy: true });
    trustTwin(twin.caPem);
    restore = applyEnv(twin); // the loopback GitHub OIDC URL: @actions/http-client never proxies loopback
    const u = new URL(twin.proxy!.url);
    proxyOptions = { host: `http://${u.hostname}`, port: Number(u.port) };
  });
  afterAll(async () => {
    restore();
    await twin.stop();
  });

  it('listens on 127.0.0.1 only, and is absent unless asked for', async () => {
    expect(new URL(twin.proxy!.url).hostname).toBe('127.0.0.1');
    const plain = await startEmulator(state);
    try {
      expect(plain.proxy).toBeUndefined();
    } finally {
      await plain.stop();
    }
  });

  it('refuses (403) every host it does not play, and never connects to it', async () => {
    let reached = 0;
    const decoy = net.createServer((s) => {
      reached++;
      s.destroy();
    });
    await new Promise<void>((r) => decoy.listen(0, '127.0.0.1', () => r()));
    const decoyPort = (decoy.address() as net.AddressInfo).port;
    try {
      const port = Number(new URL(twin.proxy!.url).port);
      for (const target of [
        'example.com:443',
        'management.azure.com:80', // a twin host, but not on the port it plays
        'evil-management.azure.com:443',
        `127.0.0.1:${decoyPort}`, // loopback, but not a twin listener
        'login.microsoftonline.com' // no port
      ]) {
        expect([target, await connectStatus(port, target)]).toEqual([target, 403]);
      }
      // A plain proxy request (absolute-form, as a client sends for an http:// URL through HTTP_PROXY).
      const plain = await new Promise<number>((resolve, reject) => {
        http
          .request(
            { host: '127.0.0.1', port, path: 'http://example.com/', headers: { host: 'example.com' } },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            }
          )
          .on('error', reject)
          .end();
      });
      expect(plain).toBe(403);
      expect(reached).toBe(0);
      const refused = twin.proxy!.log().filter((e) => e.status === 403);
      expect(refused.map((e) => e.target)).toEqual(
        expect.arrayContaining(['example.com:443', `127.0.0.1:${decoyPort}`])
      );
    } finally {
      decoy.close();
    }
  });

  it('serves ARM and Entra as management.azure.com / login.microsoftonline.com to the real SDK clients', async () => {
    // Public-cloud defaults: no endpoint, no authority host, no scopes given; only the proxy.
    const credential = new ClientAssertionCredential(
      state.tenantId,
      state.workflowIdentity.clientId,
      () => quietly(() => core.getIDToken('api://AzureADTokenExchange')),
      { proxyOptions }
    );
    const client = new ApiManagementClient(credential, state.subscriptionId, { proxyOptions });
    const from = twin.requests().length;
    const before = await client.apiManagementService.get('rg-demo', 'apim-x');
    // Azure hostnames stay as they are: the client reaches them through the proxy too.
    expect(before.gatewayUrl).toBe('https://apim-x.azure-api.net');
    expect(before.identity?.principalId).toBeUndefined();

    const after = await client.apiManagementService.beginUpdateAndWait('rg-demo', 'apim-x', {
      identity: { type: 'SystemAssigned, UserAssigned' }
    });
    expect(after.identity?.principalId).toMatch(/^[0-9a-f-]{36}$/);

    const served = twin.requests().slice(from);
    const arm = served.filter((r) => r.url.includes('/subscriptions/'));
    expect(arm.length).toBeGreaterThanOrEqual(3); // GET, PATCH, polls
    expect(arm.every((r) => r.host === 'management.azure.com')).toBe(true);
    // The operation URLs ARM handed out named management.azure.com, so the polls came back through the proxy.
    expect(arm.some((r) => /\/operationresults\//.test(r.url))).toBe(true);
    const token = served.filter((r) => /\/oauth2\/v2\.0\/token/.test(r.url));
    expect(token.map((r) => [r.host, r.status])).toEqual([['login.microsoftonline.com', 200]]);
    const tunnels = twin
      .proxy!.log()
      .filter((e) => e.status === 200)
      .map((e) => e.target);
    expect(new Set(tunnels)).toEqual(new Set(['management.azure.com:443', 'login.microsoftonline.com:443']));
  });

  it('serves Microsoft Graph as graph.microsoft.com: a token for https://graph.microsoft.com is accepted', async () => {
    const credential = new ClientAssertionCredential(
      state.tenantId,
      state.workflowIdentity.clientId,
      () => quietly(() => core.getIDToken('api://AzureADTokenExchange')),
      { proxyOptions }
    );
    const token = await credential.getToken('https://graph.microsoft.com/.default');
    const pipeline = createPipelineFromOptions({ proxyOptions });
    const sp = state.servicePrincipals![0]!.id;
    const res = await pipeline.sendRequest(
      createDefaultHttpClient(),
      createPipelineRequest({
        url: `https://graph.microsoft.com/v1.0/servicePrincipals/${sp}`,
        headers: createHttpHeaders({ authorization: `Bearer ${token!.token}` })
      })
    );
    expect(res.status).toBe(200);
    expect((JSON.parse(res.bodyAsText ?? '{}') as { id?: string }).id).toBe(sp);
    expect(twin.requests().at(-1)?.host).toBe('graph.microsoft.com');
  });

  it('words Entra metadata and ARM operation URLs with the real hostnames (core-rest-pipeline through the proxy)', async () => {
    const pipeline = createPipelineFromOptions({ proxyOptions });
    const send = (url: string) => pipeline.sendRequest(createDefaultHttpClient(), createPipelineRequest({ url }));
    const oidc = await send(
      `https://login.microsoftonline.com/${state.tenantId}/v2.0/.well-known/openid-configuration`
    );
    const doc = JSON.parse(oidc.bodyAsText ?? '{}') as Record<string, string>;
    expect(doc['token_endpoint']).toBe(`https://login.microsoftonline.com/${state.tenantId}/oauth2/v2.0/token`);
    expect(JSON.stringify(doc)).not.toMatch(/127\.0\.0\.1/);
    // Without a token ARM answers 401 — from the twin, by its real name.
    const unauth = await send(`https://management.azure.com${rgId(state)}?api-version=2024-05-01`);
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get('www-authenticate')).toMatch(/login\.microsoftonline\.com/);
  });
});

describe('parseAuthority', () => {
  it.each([
    ['management.azure.com:443', { host: 'management.azure.com', port: 443 }],
    ['Management.Azure.COM:443', { host: 'management.azure.com', port: 443 }],
    ['[::1]:8443', { host: '::1', port: 8443 }],
    ['example.com', undefined],
    ['example.com:0', undefined],
    ['example.com:70000', undefined],
    ['a:b:443', undefined]
  ])('%s', (text, want) => {
    expect(parseAuthority(text)).toEqual(want);
  });
});
