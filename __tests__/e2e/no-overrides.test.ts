/**
 * End-to-end, issue "Fast and faithful" item 4: the bundled action with its public-cloud defaults — no
 * `arm-endpoint`, `authority-host` or `graph-endpoint` input, GitHub at https://api.github.com — run against the twin
 * through the twin's HTTPS proxy (`startEmulator(state, {proxy: true})`), the way a runner behind a proxy runs it:
 * `HTTPS_PROXY`, the twin's CA in `NODE_EXTRA_CA_CERTS`, and the runner's `ACTIONS_ID_TOKEN_REQUEST_URL`. Every
 * request reaches the twin by its real hostname (the twin records the `Host` it was asked for), and the proxy refuses
 * nothing (it would refuse, and log, any host the twin does not play).
 */
import { describe, expect, it } from '@jest/globals';
import { startEmulator } from '../../emulator/index.js';
import { countByKind } from '../../bench/twin-requests.js';
import { armWrites, baseInputs, runAction, scenario } from '../../scripts/action-runner.js';
import { changesOf } from './helpers.js';

describe('no endpoint overrides: the action with public-cloud defaults, through the twin proxy', () => {
  it('check finds the drift, apply fixes it, a check after is clean; every request by its real hostname', async () => {
    const state = scenario('drifted');
    const twin = await startEmulator(state, { proxy: true });
    try {
      const env = twin.proxy!.env;
      // Nothing but what a runner behind a proxy has: no endpoint inputs, no loopback URLs.
      expect(Object.keys(env).filter((k) => k.startsWith('INPUT_'))).toEqual([]);
      expect(Object.values(env).filter((v) => /^https:\/\/127\./.test(v))).toEqual([]);
      const run = (inputs: Record<string, string>) =>
        runAction(twin, { ...baseInputs(state), ...inputs }, { twinEnv: env });

      const check = await run({ mode: 'check' });
      expect(check.code).toBe(1);
      expect(check.outputs.drift).toBe('true');
      expect(armWrites(twin)).toEqual([]);

      const apply = await run({ mode: 'apply' });
      expect(apply.code).toBe(0);
      expect(changesOf(apply.outputs).map((c) => c.resource)).toEqual(
        expect.arrayContaining([expect.stringMatching(/apim-x/), expect.stringMatching(/func-x/)])
      );
      const writes = armWrites(twin).filter((w) => w.status < 400);
      expect(writes.map((w) => w.method).sort()).toEqual(['PATCH', 'PUT', 'PUT']);

      const from = twin.requests().length;
      const again = await run({ mode: 'check', 'pr-comment': 'false' });
      expect(again.code).toBe(0);
      expect(again.outputs.drift).toBe('false');
      expect(again.stdout).toMatch(/API policy orders: in sync/);
      // The no-drift check with public-cloud defaults: one GitHub OIDC token, no authority metadata at all (MSAL has
      // login.microsoftonline.com's built in), and the two token requests (ARM, the pre-flight's app).
      const kinds = countByKind({ ...twin, requests: () => twin.requests().slice(from) });
      expect([kinds.OIDC, kinds.metadata, kinds.token]).toEqual([1, 0, 2]);

      const hosts = new Set(twin.requests().map((r) => r.host));
      expect(hosts).toEqual(
        new Set([
          'pipelines.actions.githubusercontent.com',
          'login.microsoftonline.com',
          'management.azure.com',
          'api.github.com'
        ])
      );
      expect(twin.proxy!.log().filter((e) => e.status !== 200)).toEqual([]);
    } finally {
      await twin.stop();
    }
  });

  it('smoke requests reach the gateway and the Function by their Azure hostnames, through the proxy', async () => {
    // Node's fetch alone would ignore HTTPS_PROXY (it needs NODE_USE_ENV_PROXY=1); src/http.ts sends through it.
    const state = scenario('drifted');
    const twin = await startEmulator(state, { proxy: true });
    try {
      const r = await runAction(
        twin,
        { ...baseInputs(state), mode: 'apply', 'smoke-path': '/orders', 'pr-comment': 'false' },
        { twinEnv: twin.proxy!.env }
      );
      expect(r.code).toBe(0);
      expect(r.outputs['smoke-result']).toBe('passed');
      const dataPlane = twin.requests().filter((q) => q.host && /azure-api\.net|azurewebsites\.net/.test(q.host));
      expect(new Set(dataPlane.map((q) => q.host))).toEqual(
        new Set(['apim-x.azure-api.net', 'func-x.azurewebsites.net'])
      );
      expect(twin.proxy!.log().filter((e) => e.status !== 200)).toEqual([]);
    } finally {
      await twin.stop();
    }
  });
});
