/**
 * End-to-end, issue "Fast and faithful" item 5: a second real client. The Azure CLI (Debian's `azure-cli`), unmodified
 * and with nothing but `HTTPS_PROXY` and the twin's CA, drives the twin through its proxy (scripts/az-cli.ts: own
 * config dir, telemetry off, version check seeded, a guard that refuses any non-loopback lookup or connection):
 * federated sign-in with a GitHub OIDC token, `az apim show`, `az functionapp show`, `az webapp auth show`, `az rest`
 * on the API policy — and then the action's check (dist/index.js, public-cloud defaults, same proxy) finds the drift
 * that az wrote. Skips, saying so, where `az` is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startEmulator } from '../../emulator/index.js';
import { AZ_MISSING, azPath, azSession, federatedToken, type AzRun, type AzSession } from '../../scripts/az-cli.js';
import { baseInputs, repoRoot, runAction, scenario, type Twin } from '../../scripts/action-runner.js';
import { changesOf, ids, identityOf, policyOf, TARGET } from './helpers.js';

const installed = azPath() !== undefined;
// Straight to stderr: jest prints no console output for a file whose tests are all skipped.
if (!installed) process.stderr.write(`\nSKIPPED __tests__/e2e/az-cli.test.ts: ${AZ_MISSING}\n`);

/** The JSON az printed; fails the test with az's stderr when the command failed. */
function jsonOf<T>(r: AzRun): T {
  if (r.code !== 0) throw new Error(`az exited ${r.code}: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout) as T;
}

(installed ? describe : describe.skip)(
  `the Azure CLI against the twin, through the proxy${installed ? '' : ` (SKIPPED: ${AZ_MISSING})`}`,
  () => {
    const state = scenario('in-sync');
    const id = ids(state);
    const arm = (armId: string, apiVersion: string) => `https://management.azure.com${armId}?api-version=${apiVersion}`;
    let twin: Twin;
    let session: AzSession;

    beforeAll(async () => {
      twin = await startEmulator(state, { proxy: true });
      session = azSession(twin);
    });
    afterAll(async () => {
      session?.cleanup();
      await twin?.stop();
    });

    it('the guard works: a non-loopback connection from Python is refused and logged', () => {
      const python = /^#!\s*(\S+)/.exec(spawnSync('head', ['-1', azPath()!], { encoding: 'utf8' }).stdout)?.[1];
      const r = spawnSync(python!, ['-c', "import socket; socket.create_connection(('example.com', 443), timeout=2)"], {
        env: session.env,
        encoding: 'utf8'
      });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('twin guard');
      expect(session.guardLog()).toEqual(['getaddrinfo example.com']);
      writeFileSync(session.env.TWIN_GUARD_LOG!, ''); // start the az steps with an empty log
    });

    it('az login --service-principal --federated-token: signs in with the twin GitHub OIDC token, lists the subscription', async () => {
      const jwt = await federatedToken(session, twin);
      const subs = jsonOf<{ id: string; tenantId: string; user: { name: string; type: string } }[]>(
        await session.az([
          'login',
          '--service-principal',
          '-u',
          state.workflowIdentity.clientId,
          '--tenant',
          state.tenantId,
          '--federated-token',
          jwt,
          '-o',
          'json'
        ])
      );
      expect(subs.map((s) => [s.id, s.tenantId, s.user.type])).toEqual([
        [state.subscriptionId, state.tenantId, 'servicePrincipal']
      ]);
    }, 60_000);

    it('az apim show', async () => {
      const svc = jsonOf<{ name: string; gatewayUrl: string; identity: { type: string; principalId: string } }>(
        await session.az(['apim', 'show', '-g', TARGET.rg, '-n', TARGET.apim, '-o', 'json'])
      );
      expect(svc.name).toBe(TARGET.apim);
      expect(svc.gatewayUrl).toBe('https://apim-x.azure-api.net');
      expect(svc.identity.type).toMatch(/SystemAssigned/);
      expect(svc.identity.principalId).toBe(identityOf(state).principalId);
    }, 60_000);

    it('az functionapp show (the site, config/web and publishxml)', async () => {
      const site = jsonOf<{
        name: string;
        kind: string;
        defaultHostName: string;
        siteConfig: { minTlsVersion: string };
      }>(await session.az(['functionapp', 'show', '-g', TARGET.rg, '-n', TARGET.site, '-o', 'json']));
      expect(site.name).toBe(TARGET.site);
      expect(site.kind).toMatch(/functionapp/);
      expect(site.defaultHostName).toBe('func-x.azurewebsites.net');
      expect(site.siteConfig.minTlsVersion).toBe('1.2'); // from config/web
    }, 60_000);

    it('az webapp auth show', async () => {
      const auth = jsonOf<{ configVersion: string; id: string }>(
        await session.az(['webapp', 'auth', 'show', '-g', TARGET.rg, '-n', TARGET.site, '-o', 'json'])
      );
      expect(auth.id.toLowerCase()).toBe(`${id.site}/config/authsettings`.toLowerCase());
      expect(auth.configVersion).toBe('v2'); // the app is on authsettingsV2
    }, 60_000);

    it("az rest on the API policy: GET, then PUT a drifted policy; the action's check finds that drift", async () => {
      const url = arm(id.policy, '2022-08-01');
      const got = jsonOf<{ properties: { format: string; value: string } }>(
        await session.az(['rest', '--method', 'get', '--url', `${url}&format=rawxml`, '-o', 'json'])
      );
      expect(got.properties.value).toBe(policyOf(state));
      const drifted = got.properties.value.replace(/\s*<authentication-managed-identity [^>]*\/>/, '');
      expect(drifted).not.toContain('authentication-managed-identity');
      const body = path.join(session.dir, 'policy.json');
      writeFileSync(body, JSON.stringify({ properties: { format: 'rawxml', value: drifted } }));
      const put = await session.az(['rest', '--method', 'put', '--url', url, '--body', `@${body}`, '-o', 'json']);
      jsonOf(put);
      expect(policyOf(twin.getState())).not.toContain('authentication-managed-identity');

      const check = await runAction(
        twin,
        { ...baseInputs(state), mode: 'check', 'pr-comment': 'false' },
        { twinEnv: twin.proxy!.env }
      );
      expect(check.code).toBe(1);
      expect(check.outputs.drift).toBe('true');
      expect(changesOf(check.outputs).map((c) => [c.resource, c.field])).toEqual([
        [id.policy, 'policy.authentication-managed-identity']
      ]);
    }, 90_000);

    it('az reached nothing but the twin: every request by its real hostname, nothing refused, the guard log empty', () => {
      expect(session.guardLog()).toEqual([]);
      expect(twin.proxy!.log().filter((e) => e.status !== 200)).toEqual([]);
      const hosts = new Set(twin.requests().map((r) => r.host));
      expect(hosts.has(undefined)).toBe(false);
      expect(hosts).toEqual(
        new Set([
          'login.microsoftonline.com',
          'management.azure.com',
          'pipelines.actions.githubusercontent.com' // the OIDC token for az login (curl), and the action's
        ])
      );
      // az's reads and its one write reached ARM; its token request reached Entra.
      const az = twin.requests().filter((r) => r.host === 'management.azure.com');
      expect(az.some((r) => r.method === 'PUT' && /\/policies\/policy/i.test(r.url))).toBe(true);
      expect(az.some((r) => r.method === 'POST' && /\/publishxml/i.test(r.url))).toBe(true);
      expect(az.some((r) => r.method === 'GET' && /\/subscriptions\?/.test(r.url))).toBe(true);
    });
  }
);

(installed ? describe : describe.skip)('bench/az-peer.sh, the peer of npm run bench, does the action’s job', () => {
  it('check finds the drift (exit 1); apply fixes it (exit 0); the action’s check after it is clean', async () => {
    const state = scenario('drifted');
    const twin = await startEmulator(state, { proxy: true });
    const session = azSession(twin);
    try {
      const env = {
        ...twin.proxy!.env,
        ...session.env,
        CLIENT_ID: state.workflowIdentity.clientId,
        TENANT_ID: state.tenantId,
        SUBSCRIPTION_ID: state.subscriptionId,
        RG: TARGET.rg,
        APIM: TARGET.apim,
        API: TARGET.api,
        SITE: TARGET.site,
        APP_CLIENT_ID: state.appRegistrations[0]!.appId
      };
      const script = path.join(repoRoot, 'bench/az-peer.sh');
      const check = await session.run('bash', [script, 'check'], env);
      expect([check.code, check.stdout]).toEqual([
        1,
        'drift: APIM identity (UserAssigned)\ndrift: Easy Auth\ndrift: API policy orders\n'
      ]);
      const apply = await session.run('bash', [script, 'apply'], env);
      expect([apply.code, apply.stderr.slice(-1000)]).toEqual([0, expect.any(String)]);
      expect(apply.stdout).toMatch(
        /applied: APIM identity \(SystemAssigned, UserAssigned, principalId [0-9a-f-]{36}\)/
      );
      // The three writes, as the action makes them: the identity PATCH, the Easy Auth PUT, the policy PUT.
      const writes = twin
        .requests()
        .filter((r) => ['PUT', 'PATCH'].includes(r.method) && r.status < 400)
        .map((r) => `${r.method} ${new URL(r.url).pathname.split('/').slice(-2).join('/')}`);
      expect(writes).toEqual(['PATCH service/apim-x', 'PUT config/authsettingsV2', 'PUT policies/policy']);
      const after = await runAction(
        twin,
        { ...baseInputs(state), mode: 'check', 'pr-comment': 'false' },
        { twinEnv: twin.proxy!.env }
      );
      expect([after.code, after.outputs.drift]).toEqual([0, 'false']);
      expect(session.guardLog()).toEqual([]);
      expect(twin.proxy!.log().filter((e) => e.status !== 200)).toEqual([]);
    } finally {
      session.cleanup();
      await twin.stop();
    }
  }, 180_000);
});
